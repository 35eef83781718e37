package slack_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/relaisbot/relais/bot"
	"github.com/relaisbot/relais/handoff"
	rslack "github.com/relaisbot/relais/handoff/slack"
	"github.com/relaisbot/relais/handoff/slack/slackfake"
)

const evil = "<!channel> @here <@U123> <https://evil|click> & " + secretWord

// evilEscaped is evil as it must reach Slack: inert.
const evilEscaped = "&lt;!channel&gt; @\u200dhere &lt;@U123&gt; &lt;https://evil|click&gt; &amp; " + secretWord

func parents(st slackfake.State) []slackfake.Message {
	var out []slackfake.Message
	for _, m := range st.Posts() {
		if m.ThreadTS == "" {
			out = append(out, m)
		}
	}
	return out
}

func TestHandoffPostsParentAndEscapedTranscript(t *testing.T) {
	f := newFixture(t, setup{})
	f.say("cust-1", "Where is my parcel?", "")
	f.say("cust-1", evil, "")
	conv := f.handOff("cust-1")
	f.deliverAll()

	st := f.fake.State()
	ps := parents(st)
	if len(ps) != 1 {
		t.Fatalf("got %d parent messages, want 1: %+v", len(ps), st.Posts())
	}
	p := ps[0]
	if th := f.thread(conv.ID); th.Thread != p.TS || th.Channel != channel || th.Desk != "slack" {
		t.Errorf("stored thread %+v, want channel %s ts %s", th, channel, p.TS)
	}
	h, err := f.db.LatestHandoff(f.ctx, conv.ID)
	if err != nil {
		t.Fatal(err)
	}
	texts, buttons := blockContents(t, p.Blocks)
	id := strconv.FormatInt(conv.ID, 10)
	for _, want := range []string{
		"A customer needs a person", "*Customer*\nWidget visitor #" + id, "*Channel*\nWebsite chat",
		"*Language*\nEnglish", fmt.Sprintf("*Reason*\nasked for a person · score %.2f", h.Score),
		"*FAQ topic*\nshipping", fmt.Sprintf("*Waiting since*\n<!date^%d^", h.CreatedAt.Unix()),
		"Waiting for an agent", "Messages starting with `note:` stay internal",
	} {
		if !strings.Contains(texts, want) {
			t.Errorf("parent message lacks %q:\n%s", want, texts)
		}
	}
	wantButtons := []string{"relais_claim=" + id + " Claim", "relais_resolve=" + id + " Resolve", "relais_back_to_bot=" + id + " Back to bot"}
	if diff := cmp.Diff(wantButtons, buttons); diff != "" {
		t.Errorf("buttons (-want +got):\n%s", diff)
	}
	if !strings.HasPrefix(p.Text, "A customer needs a person: Widget visitor #"+id) {
		t.Errorf("parent notification text %q", p.Text)
	}
	if p.LinkNames != "false" || p.UnfurlLinks != "false" || p.UnfurlMedia != "false" {
		t.Errorf("parent posted with link_names=%q unfurl_links=%q unfurl_media=%q, want all false", p.LinkNames, p.UnfurlLinks, p.UnfurlMedia)
	}

	thread := st.Thread(channel, p.TS)
	if len(thread) != 1 {
		t.Fatalf("got %d thread posts, want 1 (a short transcript)", len(thread))
	}
	var evilMsg bot.Message
	for _, m := range f.messages(conv.ID, bot.RoleCustomer) {
		if m.Text == evil {
			evilMsg = m
		}
	}
	text := thread[0].Text
	wantLine := "*👤 Customer* · " + dateToken(evilMsg.CreatedAt) + "\n> " + evilEscaped
	if !strings.HasPrefix(text, "📜 *Conversation so far* (") || !strings.Contains(text, wantLine) {
		t.Errorf("transcript:\n%s\nwant it to contain:\n%s", text, wantLine)
	}
	for _, m := range f.messages(conv.ID, "") {
		if m.Action == bot.ActionHandoff && !strings.Contains(text, m.Text[:40]) {
			t.Errorf("transcript lacks the hand-over notice %q", m.Text)
		}
	}
	for _, bad := range []string{"<!channel>", "@here", "<@U123>", "<https://evil"} {
		if strings.Contains(text, bad) {
			t.Errorf("transcript contains live markup %q:\n%s", bad, text)
		}
	}
}

func TestCustomerMessageRelayedExactly(t *testing.T) {
	f := newFixture(t, setup{})
	conv := f.handOff("cust-1")
	f.deliverAll()
	f.say("cust-1", evil, "")
	f.deliverAll()

	th := f.thread(conv.ID)
	posts := f.fake.State().Thread(channel, th.Thread)
	msgs := f.messages(conv.ID, bot.RoleCustomer)
	last := msgs[len(msgs)-1]
	want := "*👤 Customer* · " + dateToken(last.CreatedAt) + "\n> " + evilEscaped
	if got := posts[len(posts)-1].Text; got != want {
		t.Errorf("relayed customer message:\n got %q\nwant %q", got, want)
	}
	if got := len(posts); got != 2 {
		t.Errorf("got %d thread posts, want 2 (transcript, relayed message): the transcript must stop at the hand-over", got)
	}
}

func TestLongTranscriptIsSplitWithinLimits(t *testing.T) {
	f := newFixture(t, setup{})
	var texts []string
	for i := range 30 {
		texts = append(texts, strconv.Itoa(i)+" "+strings.Repeat("déjà vu € ", 30))
	}
	texts = append(texts, strings.Repeat("😀", 2000)) // no space: wrapped between characters
	for _, s := range texts {
		f.say("cust-1", s, "")
	}
	conv := f.handOff("cust-1")
	f.deliverAll()

	th := f.thread(conv.ID)
	posts := f.fake.State().Thread(channel, th.Thread)
	if len(posts) < 5 {
		t.Fatalf("got %d thread posts, want the transcript split in several", len(posts))
	}
	var quoted strings.Builder
	for i, p := range posts {
		if len(p.Text) > 3500 || !utf8.ValidString(p.Text) {
			t.Errorf("post %d: %d bytes, valid UTF-8 %v; want at most 3500 valid bytes", i, len(p.Text), utf8.ValidString(p.Text))
		}
		for _, line := range strings.Split(p.Text, "\n") {
			if rest, ok := strings.CutPrefix(line, "> "); ok {
				quoted.WriteString(rest)
			}
		}
	}
	all := strings.ReplaceAll(quoted.String(), " ", "")
	for _, s := range texts {
		if !strings.Contains(all, strings.ReplaceAll(s, " ", "")) {
			t.Errorf("the transcript lost part of a message of %d bytes", len(s))
		}
	}
	if !strings.Contains(posts[len(posts)-1].Text+posts[len(posts)-2].Text, "(continued)") {
		t.Error("a message split over posts should say (continued)")
	}
}

func TestSecondHandoffReusesThread(t *testing.T) {
	f := newFixture(t, setup{})
	f.say("cust-1", "first question Alpha", "")
	conv := f.handOff("cust-1")
	f.deliverAll()
	th := f.thread(conv.ID)
	if err := f.service.BackToBot(f.ctx, conv.ID, handoff.Agent{ID: "U0ALICE", Name: "Alice"}); err != nil {
		t.Fatal(err)
	}
	f.say("cust-1", "second question Bravo", "")
	f.handOff("cust-1")
	f.deliverAll()

	st := f.fake.State()
	if n := len(parents(st)); n != 1 {
		t.Fatalf("got %d parent messages, want 1", n)
	}
	if got := f.thread(conv.ID); got != th {
		t.Errorf("thread changed from %+v to %+v", th, got)
	}
	posts := st.Thread(channel, th.Thread)
	last := posts[len(posts)-1].Text
	if !strings.Contains(last, "Handed over again") || !strings.Contains(last, "second question Bravo") || strings.Contains(last, "first question Alpha") {
		t.Errorf("second hand-over post should show only what happened since the first:\n%s", last)
	}
	if len(st.Updates) == 0 || !strings.Contains(st.Updates[len(st.Updates)-1].Blocks, "Waiting for an agent") {
		t.Errorf("the parent should be updated back to waiting; updates: %+v", st.Updates)
	}
}

func TestCSATAndStateEventsInThread(t *testing.T) {
	f := newFixture(t, setup{lang: bot.LangFR})
	conv := f.handOff("cust-1")
	f.deliverAll()
	alice := handoff.Agent{ID: "U0ALICE", Name: "Alice"}
	if err := f.service.Resolve(f.ctx, conv.ID, alice); err != nil {
		t.Fatal(err)
	}
	f.say("cust-1", "4", bot.CSATPayload(4))
	f.deliverAll()

	st := f.fake.State()
	posts := st.Thread(channel, f.thread(conv.ID).Thread)
	var got []string
	for _, p := range posts[1:] {
		got = append(got, p.Text)
	}
	want := []string{"✅ Résolu par Alice", "⭐ Note du client : 4/5"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("thread posts after the transcript: %q, want %q", got, want)
	}
	if !strings.Contains(st.Updates[len(st.Updates)-1].Blocks, "✅ Résolu par Alice") {
		t.Errorf("parent status not updated: %s", st.Updates[len(st.Updates)-1].Blocks)
	}

	// A rating of a conversation that never reached the desk: nothing to post.
	other := f.say("cust-2", "hello", "")
	before := len(f.fake.State().Messages)
	err := f.adapter.Deliver(f.ctx, bot.OutboxItem{ID: 999, Target: bot.TargetDesk, Kind: handoff.KindCSAT,
		ConversationID: other.ID, Payload: []byte(`{"score":5}`)})
	if err != nil || len(f.fake.State().Messages) != before {
		t.Errorf("CSAT without a thread: err %v, posts %d→%d; want nil and nothing posted", err, before, len(f.fake.State().Messages))
	}
}

func TestDeliveryMarks(t *testing.T) {
	f := newFixture(t, setup{})
	conv := f.handOff("cust-1")
	f.deliverAll()
	th := f.thread(conv.ID)
	_, ts1 := f.fake.AgentReply(channel, th.Thread, "U0ALICE", "first answer")
	_, ts2 := f.fake.AgentReply(channel, th.Thread, "U0ALICE", "second answer")
	_, ts3 := f.fake.AgentReply(channel, th.Thread, "U0ALICE", "third answer")
	f.waitFor("three agent messages", func() bool { return len(f.messages(conv.ID, bot.RoleAgent)) == 3 })
	agentMsgs := f.messages(conv.ID, bot.RoleAgent)

	f.service.Delivered(f.ctx, agentMsgs[0])
	f.service.DeliveryFailed(f.ctx, agentMsgs[1], errString("discord answered 403"))
	offline, _ := json.Marshal(handoff.Mark{Status: handoff.MarkOffline})
	if err := f.db.Enqueue(f.ctx, bot.OutboxItem{Target: bot.TargetDesk, Kind: handoff.KindMark,
		ConversationID: conv.ID, MessageID: agentMsgs[2].ID, Payload: offline}); err != nil {
		t.Fatal(err)
	}
	f.deliverAll()

	st := f.fake.State()
	var reactions []string
	for _, r := range st.Reactions {
		reactions = append(reactions, r.TS+" "+r.Name)
	}
	want := []string{ts1 + " white_check_mark", ts2 + " x", ts3 + " zzz"}
	if strings.Join(reactions, "|") != strings.Join(want, "|") {
		t.Errorf("reactions %q, want %q", reactions, want)
	}
	var notes []string
	for _, p := range st.Thread(channel, th.Thread) {
		if p.BotID != "" && !strings.HasPrefix(p.Text, "📜") && !strings.HasPrefix(p.Text, "✋") {
			notes = append(notes, p.Text)
		}
	}
	wantNotes := []string{
		"❌ This message could not be delivered to the customer: discord answered 403",
		"💤 The customer is offline: they will see this message when they come back.",
	}
	if strings.Join(notes, "|") != strings.Join(wantNotes, "|") {
		t.Errorf("notes %q, want %q", notes, wantNotes)
	}
}

type errString string

func (e errString) Error() string { return string(e) }

// Reminders and low ratings call the on-call group; a reopening shows who
// gets the conversation back.
func TestRemindersLowRatingsAndReopening(t *testing.T) {
	f := newFixture(t, setup{onCall: "S0ONCALL"})
	conv := f.handOff("cust-1")
	f.deliverAll()
	th := f.thread(conv.ID)
	items := []bot.OutboxItem{
		{ID: 901, Target: bot.TargetDesk, Kind: handoff.KindReminder, ConversationID: conv.ID, Payload: []byte(`{"waited_minutes":12}`)},
		{ID: 902, Target: bot.TargetDesk, Kind: handoff.KindCSAT, ConversationID: conv.ID, Payload: []byte(`{"score":2}`)},
		{ID: 903, Target: bot.TargetDesk, Kind: handoff.KindCSAT, ConversationID: conv.ID, Payload: []byte(`{"score":4}`)},
		{ID: 904, Target: bot.TargetDesk, Kind: handoff.KindState, ConversationID: conv.ID,
			Payload: []byte(`{"state":"agent","agent":"Alice","reason":"reopened"}`)},
	}
	for _, it := range items {
		if err := f.adapter.Deliver(f.ctx, it); err != nil {
			t.Fatalf("Deliver %s: %v", it.Kind, err)
		}
	}
	posts := f.fake.State().Thread(channel, th.Thread)
	var got []string
	for _, p := range posts[len(posts)-4:] {
		got = append(got, p.Text)
	}
	want := []string{
		"⏰ The customer has been waiting for 12 min without an answer. <!subteam^S0ONCALL>",
		"⭐ Customer rating: 2/5\n⚠️ Low rating (2/5): worth a look. <!subteam^S0ONCALL>",
		"⭐ Customer rating: 4/5",
		"🔁 Reopened by the customer — back to Alice",
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("thread posts:\n%q\nwant\n%q", got, want)
	}
}

func TestOnCallGroupValidated(t *testing.T) {
	_, err := rslack.New(rslack.Config{BotToken: "xoxb-1", AppToken: "xapp-1", Channel: "C1", OnCallGroup: "<!channel>"}, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "slack.oncall_group") {
		t.Errorf("New with a bad on-call group: %v, want an error naming slack.oncall_group", err)
	}
}

// Deliveries at once reuse their connections to Slack: Go's default client
// keeps two idle connections per host, and closed the others after every
// busy moment (in production, a TLS handshake per call).
func TestWebAPIKeepsItsConnections(t *testing.T) {
	f := newFixture(t, setup{})
	d := bot.NewDispatcher(f.db, bot.TargetDesk, f.adapter, bot.DispatcherConfig{Parallel: 8}, f.logger)
	ctx, cancel := context.WithCancel(f.ctx)
	done := make(chan struct{})
	go func() { defer close(done); d.Run(ctx) }()
	defer func() { cancel(); <-done }()
	// wave hands 24 customers over and returns the connections Slack
	// accepted once they are all in the channel.
	wave := func(n int) (calls, conns int) {
		for i := range 24 {
			f.handOff(fmt.Sprintf("cust-%d-%d", n, i))
			d.Kick()
		}
		f.waitFor("every hand-over in Slack", func() bool {
			items, _, err := f.db.DueOutbox(f.ctx, bot.TargetDesk, time.Now().Add(time.Hour), 1)
			return err == nil && len(items) == 0
		})
		st := f.fake.State()
		return st.Calls["chat.postMessage"] + st.Calls["chat.update"], st.TCPConnections
	}
	_, first := wave(1) // opens what 8 deliveries at once need
	calls, second := wave(2)
	// A few more at most: a call may dial while another frees a connection.
	if opened := second - first; calls < 96 || opened > 2 {
		t.Errorf("the second wave of hand-overs opened %d connections (%d Web API calls in all), want ≤ 2: the first wave's are kept", opened, calls)
	}
}

// A mark on a message its agent deleted since is nothing to do, not a
// failure retried eight times.
func TestMarkOnDeletedMessage(t *testing.T) {
	f := newFixture(t, setup{})
	conv := f.handOff("cust-1")
	f.deliverAll()
	gone, _ := json.Marshal(handoff.Mark{Status: handoff.MarkDelivered, Message: "slack:" + channel + ":1.000001"})
	err := f.adapter.Deliver(f.ctx, bot.OutboxItem{ID: 999, Target: bot.TargetDesk, Kind: handoff.KindMark,
		ConversationID: conv.ID, Payload: gone})
	if err != nil {
		t.Errorf("Deliver(mark on a deleted message) = %v, want nil", err)
	}
}
