package slack_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/relaisbot/relais/bot"
	rslack "github.com/relaisbot/relais/handoff/slack"
	"github.com/relaisbot/relais/handoff/slack/slackfake"
)

// acked waits until Slack got an ack for every event id.
func (f *fixture) acked(eventIDs ...string) {
	f.t.Helper()
	f.waitFake("acks", func(st slackfake.State) bool {
		for _, id := range eventIDs {
			if d, ok := st.Delivery(id); !ok || !d.Acked {
				return false
			}
		}
		return true
	})
}

func TestAgentReplyRelayedWithDisplayName(t *testing.T) {
	f := newFixture(t, setup{})
	conv := f.handOff("cust-1")
	f.deliverAll()
	th := f.thread(conv.ID)

	ev1, ts1 := f.fake.AgentReply(channel, th.Thread, "U0ALICE", "Hello, I'm looking into it &amp; will be quick")
	ev2, ts2 := f.fake.AgentReply(channel, th.Thread, "U0ALICE",
		"See <https://shop.test/orders?a=1&amp;b=2|your orders>, <https://shop.test/help> or ask <@U0BOB> &lt;3 <!here>")
	f.acked(ev1, ev2)
	got := f.messages(conv.ID, bot.RoleAgent)
	type msg struct{ Author, Text, ExternalID string }
	var gotMsgs []msg
	for _, m := range got {
		gotMsgs = append(gotMsgs, msg{m.Author, m.Text, m.ExternalID})
	}
	want := []msg{
		{"Alice", "Hello, I'm looking into it & will be quick", "slack:" + channel + ":" + ts1},
		{"Alice", "See your orders (https://shop.test/orders?a=1&b=2), https://shop.test/help or ask @Bob Durand <3", "slack:" + channel + ":" + ts2},
	}
	if diff := cmp.Diff(want, gotMsgs); diff != "" {
		t.Errorf("agent messages (-want +got):\n%s", diff)
	}
	if c := f.conversation(conv.ID); c.State != bot.StateAgent || c.Agent != "Alice" {
		t.Errorf("conversation state %s agent %q, want agent Alice (the first reply claims)", c.State, c.Agent)
	}
	// Alice looked up once for two replies, Bob once for the mention.
	if n := f.fake.State().Calls["users.info"]; n != 2 {
		t.Errorf("users.info called %d times, want 2 (names are cached)", n)
	}
}

func TestNotesAndForeignMessagesAreNotRelayed(t *testing.T) {
	f := newFixture(t, setup{fake: slackfake.Options{EchoBotMessages: true}})
	conv := f.handOff("cust-1")
	f.deliverAll() // the echoes of these posts come back as events, to be ignored
	th := f.thread(conv.ID)
	other := f.handOff("cust-2")
	f.deliverAll()

	noteEv, noteTS := f.fake.AgentReply(channel, th.Thread, "U0ALICE", "note: "+secretWord+" seems upset")
	bangEv, bangTS := f.fake.AgentReply(channel, th.Thread, "U0BOB", "  !NOTE check the refund first")
	ignored := []string{
		f.fake.SendEvent(map[string]any{"type": "message", "channel": channel, "user": "U0BOT", "bot_id": "B0BOT",
			"text": "bot talking", "ts": "1.000001", "thread_ts": th.Thread}),
		f.fake.SendEvent(map[string]any{"type": "message", "subtype": "message_changed", "channel": channel, "ts": "1.000002",
			"message": map[string]any{"type": "message", "user": "U0ALICE", "text": "edited", "ts": "1.000003", "thread_ts": th.Thread}}),
		f.fake.SendEvent(map[string]any{"type": "message", "subtype": "channel_join", "channel": channel, "user": "U0BOB",
			"text": "<@U0BOB> has joined the channel", "ts": "1.000004"}),
		f.fake.SendEvent(map[string]any{"type": "message", "channel": channel, "user": "U0ALICE", "text": "top level", "ts": "1.000005"}),
		f.fake.SendEvent(map[string]any{"type": "reaction_added", "user": "U0ALICE", "reaction": "eyes"}),
	}
	otherEv, _ := f.fake.AgentReply("C0OTHER", th.Thread, "U0ALICE", "wrong channel")
	unknownEv, _ := f.fake.AgentReply(channel, "123.456", "U0ALICE", "not a Relais thread")
	realEv, _ := f.fake.AgentReply(channel, f.thread(other.ID).Thread, "U0ALICE", "real reply")
	f.acked(append(ignored, noteEv, bangEv, otherEv, unknownEv, realEv)...)

	if got := f.messages(conv.ID, bot.RoleAgent); len(got) != 0 {
		t.Errorf("notes and foreign messages were relayed: %+v", got)
	}
	if got := f.messages(other.ID, bot.RoleAgent); len(got) != 1 || got[0].Text != "real reply" {
		t.Errorf("agent messages of the other conversation: %+v, want the real reply", got)
	}
	st := f.waitFake("memo reactions", func(st slackfake.State) bool { return len(st.Reactions) >= 2 })
	want := []slackfake.Reaction{
		{Channel: channel, TS: noteTS, Name: "memo", User: "U0BOT"},
		{Channel: channel, TS: bangTS, Name: "memo", User: "U0BOT"},
	}
	if diff := cmp.Diff(want, st.Reactions); diff != "" {
		t.Errorf("reactions (-want +got):\n%s", diff)
	}
}

// A retried event (same event_id) is recognised before anything is done
// again: a reply is stored once, and a note's retry does not add the 📝
// reaction a second time. The handled event is recorded either way.
func TestRetriedEventIsHandledOnce(t *testing.T) {
	for _, tt := range []struct {
		text            string
		agentMsgs, memo int
	}{
		{text: "only once", agentMsgs: 1},
		{text: "note: check the refund", memo: 1},
	} {
		t.Run(tt.text, func(t *testing.T) {
			f := newFixture(t, setup{})
			conv := f.handOff("cust-1")
			f.deliverAll()
			ev, _ := f.fake.AgentReply(channel, f.thread(conv.ID).Thread, "U0ALICE", tt.text)
			f.acked(ev)
			if err := f.fake.ResendEvent(ev); err != nil {
				t.Fatal(err)
			}
			st := f.waitFake("the retry acked", func(st slackfake.State) bool {
				d, ok := st.Delivery(ev)
				return ok && d.Retry == 1 && d.Acked
			})
			if got := f.messages(conv.ID, bot.RoleAgent); len(got) != tt.agentMsgs {
				t.Errorf("%d agent messages stored after the event and its retry, want %d", len(got), tt.agentMsgs)
			}
			memo := 0
			for _, r := range st.Reactions {
				if r.Name == "memo" {
					memo++
				}
			}
			if memo != tt.memo {
				t.Errorf("%d 📝 reactions, want %d", memo, tt.memo)
			}
			if tt.memo > 0 && st.Calls["reactions.add"] != 1 {
				t.Errorf("reactions.add called %d times for a note and its retry, want 1", st.Calls["reactions.add"])
			}
			if first, err := f.db.MarkEvent(f.ctx, "slack", ev); err != nil || first {
				t.Errorf("MarkEvent(%s) = %v, %v: the handled event should be recorded", ev, first, err)
			}
		})
	}
}

func TestButtonsChangeState(t *testing.T) {
	f := newFixture(t, setup{})
	conv := f.handOff("cust-1")
	f.deliverAll()
	id := strconv.FormatInt(conv.ID, 10)
	steps := []struct {
		user, action string
		state        bot.State
		post         string
	}{
		{"U0ALICE", rslack.ActionClaim, bot.StateAgent, "✋ Claimed by Alice"},
		{"U0BOB", rslack.ActionResolve, bot.StateResolved, "✅ Resolved by Bob Durand"},
		{"U0ALICE", rslack.ActionBackToBot, bot.StateBot, "🤖 Handed back to the bot by Alice"},
	}
	for _, s := range steps {
		if err := f.fake.Click(s.user, s.action, id); err != nil {
			t.Fatal(err)
		}
		f.waitFor(string(s.state), func() bool { return f.conversation(conv.ID).State == s.state })
		f.deliverAll()
		st := f.fake.State()
		posts := st.Thread(channel, f.thread(conv.ID).Thread)
		if got := posts[len(posts)-1].Text; got != s.post {
			t.Errorf("after %s by %s: thread post %q, want %q", s.action, s.user, got, s.post)
		}
		if u := st.Updates[len(st.Updates)-1]; u.TS != f.thread(conv.ID).Thread || !strings.Contains(u.Blocks, s.post) {
			t.Errorf("after %s: parent update %+v, want the status %q", s.action, u, s.post)
		}
	}
	if c := f.conversation(conv.ID); c.Agent != "" {
		t.Errorf("agent %q after back to bot, want none", c.Agent)
	}
}

func TestSocketReconnects(t *testing.T) {
	f := newFixture(t, setup{})
	conv := f.handOff("cust-1")
	f.deliverAll()
	f.fake.DropConnections()
	f.waitFake("a new connection", func(st slackfake.State) bool { return st.Connections >= 2 && st.Connected == 1 })
	ev, _ := f.fake.AgentReply(channel, f.thread(conv.ID).Thread, "U0ALICE", "after the reconnect")
	f.acked(ev)
	if got := f.messages(conv.ID, bot.RoleAgent); len(got) != 1 || got[0].Text != "after the reconnect" {
		t.Errorf("agent messages %+v, want the reply sent after the reconnect", got)
	}
	if err := f.adapter.Healthy(); err != nil {
		t.Errorf("Healthy() = %v after reconnecting", err)
	}
}
