package handoff_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/relaisbot/relais/bot"
	"github.com/relaisbot/relais/handoff"
	"github.com/relaisbot/relais/storage"
)

// oneAnswer answers every question with the same FAQ entry: a fake of the
// FAQ boundary, so these tests are about the hand-over.
type oneAnswer struct{}

func (oneAnswer) Answer(_ context.Context, q bot.Query) (bot.Answer, error) {
	switch {
	case strings.Contains(q.Text, "blorp"):
		return bot.Answer{Lang: q.Hint, Action: bot.ActionFallback}, nil
	case q.Text == "hello":
		return bot.Answer{Lang: q.Hint, Action: bot.ActionSmallTalk, SmallTalk: "greeting"}, nil
	}
	return bot.Answer{Lang: q.Hint, Action: bot.ActionAnswer, FAQID: "shipping.tracking", Topic: "shipping", Confidence: 0.9, Reply: "Track it here."}, nil
}

func (oneAnswer) Entry(context.Context, string, bot.Lang) (bot.Answer, error) {
	return bot.Answer{}, bot.Errorf(bot.ENotFound, "none")
}

// offline is a Presence that says every customer is gone.
type offline bool

func (o offline) Offline(bot.Conversation) bool { return bool(o) }

type env struct {
	db      *storage.DB
	engine  *bot.Engine
	service *handoff.Service
	now     time.Time
}

var paris, _ = time.LoadLocation("Europe/Paris")

func newEnv(t *testing.T, presence handoff.Presence) *env {
	t.Helper()
	db, err := storage.Open(context.Background(), filepath.Join(t.TempDir(), "relais.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	hours, err := bot.ParseHours("Europe/Paris", []string{"mon-fri 09:00-18:00"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{db: db, now: time.Date(2026, 11, 24, 10, 0, 0, 0, paris)} // a Tuesday morning
	esc := handoff.NewEscalator(true, hours, handoff.FixedWait(12*time.Minute))
	esc.SetClock(func() time.Time { return e.now })
	logger := slog.New(slog.DiscardHandler)
	e.engine = bot.NewEngine(bot.Config{Shop: bot.Shop{Name: "Shop", SupportEmail: "s@shop.example", Hours: hours}, ReopenWindow: 24 * time.Hour},
		db, oneAnswer{}, handoff.NewPolicy(handoff.DefaultFrustrationThreshold), esc, logger)
	e.engine.SetClock(func() time.Time { return e.now })
	e.service = handoff.NewService(e.engine, db, presence, handoff.ServiceConfig{Hours: hours, RemindAfter: 10 * time.Minute}, logger)
	return e
}

var seq int

func (e *env) say(t *testing.T, key, text string, lang bot.Lang, payload string) bot.Receipt {
	t.Helper()
	seq++
	r, err := e.engine.Receive(context.Background(), bot.Inbound{Channel: bot.ChannelWidget, CustomerKey: key,
		Text: text, Payload: payload, Lang: lang, ExternalID: fmt.Sprint("m", seq)})
	if err != nil {
		t.Fatalf("Receive(%q): %v", text, err)
	}
	return r
}

func (e *env) conv(t *testing.T, id int64) bot.Conversation {
	t.Helper()
	c, err := e.db.Conversation(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (e *env) last(t *testing.T, id int64) bot.Message {
	t.Helper()
	msgs, err := e.db.RecentMessages(context.Background(), id, 0, 0, 1)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("last message: %v %v", msgs, err)
	}
	return msgs[0]
}

// deskItems returns the kinds of the pending desk outbox items.
func (e *env) deskItems(t *testing.T) []string {
	t.Helper()
	items, _, err := e.db.DueOutbox(context.Background(), bot.TargetDesk, e.now.Add(time.Hour), 100)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, it := range items {
		kinds = append(kinds, it.Kind)
		// Due items are one per conversation: complete them to see the next.
		e.db.CompleteOutbox(context.Background(), it.ID)
	}
	if len(items) > 0 {
		kinds = append(kinds, e.deskItems(t)...)
	}
	return kinds
}

func TestHandoffDuringHours(t *testing.T) {
	e := newEnv(t, nil)
	r := e.say(t, "ana", "je veux parler à un conseiller", bot.LangFR, "")
	c := e.conv(t, r.Conversation.ID)
	if c.State != bot.StateWaiting {
		t.Fatalf("state = %s, want waiting", c.State)
	}
	notice := e.last(t, c.ID)
	if notice.Action != bot.ActionHandoff || !strings.Contains(notice.Text, "moins de 12 minutes") || !strings.Contains(notice.Text, "pas à vous répéter") {
		t.Errorf("notice = %q; want French, with the 12-minute wait and no need to repeat", notice.Text)
	}
	h, err := e.db.LatestHandoff(context.Background(), c.ID)
	if err != nil || h.Reason != handoff.ReasonExplicit || len(h.Signals) == 0 {
		t.Errorf("handoff = %+v, %v; want an explicit request with its signal", h, err)
	}

	// While waiting the bot stays silent; the customer's words go to the thread.
	before := e.last(t, c.ID)
	r2 := e.say(t, "ana", "c'est pour une commande abîmée", bot.LangFR, "")
	if got := e.last(t, c.ID); got.ID != r2.Message.ID || !got.Handled {
		t.Errorf("after a message while waiting: last = %+v (before %d); want the customer's, handled, no bot reply", got, before.ID)
	}
	if got, want := strings.Join(e.deskItems(t), ","), "handoff,customer_message"; got != want {
		t.Errorf("desk items = %s, want %s", got, want)
	}
}

func TestHandoffOutsideHoursSaysWhenTheTeamIsBack(t *testing.T) {
	e := newEnv(t, nil)
	e.now = time.Date(2026, 11, 27, 19, 30, 0, 0, paris) // Friday evening
	r := e.say(t, "ben", "I want to talk to a human", bot.LangEN, "")
	notice := e.last(t, r.Conversation.ID)
	if !strings.Contains(notice.Text, "back on Monday at 09:00") || !strings.Contains(notice.Text, "Monday to Friday") {
		t.Errorf("notice = %q; want when the team is back and the hours", notice.Text)
	}
}

// A reply carries the desk's event: it is recorded in the reply's
// transaction, and a repeat of the event is ignored even if it names
// another message.
func TestReplyRecordsItsEvent(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	id := e.say(t, "ev", "human please", bot.LangEN, "").Conversation.ID
	marie := handoff.Agent{ID: "U1", Name: "Marie"}
	ev := &bot.Event{Source: "slack", ID: "Ev0001"}
	if seen, err := e.db.EventSeen(ctx, ev.Source, ev.ID); err != nil || seen {
		t.Fatalf("EventSeen before the reply = %v, %v", seen, err)
	}
	if err := e.service.Reply(ctx, id, marie, handoff.DeskMessage{Text: "Hello", ExternalID: "slack:C1:5.000001", Event: ev}); err != nil {
		t.Fatal(err)
	}
	if seen, err := e.db.EventSeen(ctx, ev.Source, ev.ID); err != nil || !seen {
		t.Errorf("EventSeen after the reply = %v, %v; want recorded", seen, err)
	}
	first := e.last(t, id)
	if err := e.service.Reply(ctx, id, marie, handoff.DeskMessage{Text: "Hello again", ExternalID: "slack:C1:5.000002", Event: ev}); err != nil {
		t.Fatal(err)
	}
	if got := e.last(t, id); got.ID != first.ID {
		t.Errorf("a repeated event stored %q", got.Text)
	}
}

// changing is a conversation store whose conversation always changed since
// it was read: every Update conflicts, as when other writers keep winning.
type changing struct{ conv bot.Conversation }

func (c changing) Update(_ context.Context, _ int64, fn bot.UpdateFunc) (*bot.Change, error) {
	if _, err := fn(c.conv, nil); err != nil {
		return nil, err
	}
	return nil, bot.Errorf(bot.EConflict, "conversation %d was changed meanwhile", c.conv.ID)
}

// A conflict that is not a repeat of the message is an error, so that the
// desk sends the reply again: it must not be acknowledged and lost.
func TestReplyConflictIsNotARepeat(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	conv := e.say(t, "cf", "human please", bot.LangEN, "").Conversation
	svc := handoff.NewService(changing{conv}, e.db, nil, handoff.ServiceConfig{}, slog.New(slog.DiscardHandler))
	m := handoff.DeskMessage{Text: "Hello", ExternalID: "slack:C1:6.000001", Event: &bot.Event{Source: "slack", ID: "Ev6"}}
	if err := svc.Reply(ctx, conv.ID, handoff.Agent{Name: "Marie"}, m); bot.ErrorKind(err) != bot.EConflict {
		t.Errorf("Reply while the conversation keeps changing = %v, want a conflict error", err)
	}
	// Once stored (here by the real engine), the same message is a repeat.
	if err := e.service.Reply(ctx, conv.ID, handoff.Agent{Name: "Marie"}, m); err != nil {
		t.Fatal(err)
	}
	if err := svc.Reply(ctx, conv.ID, handoff.Agent{Name: "Marie"}, m); err != nil {
		t.Errorf("Reply of a stored message = %v, want nil (a repeat)", err)
	}
	m.Event = &bot.Event{Source: "slack", ID: "Ev7"} // same message, another event: still a repeat
	if err := svc.Reply(ctx, conv.ID, handoff.Agent{Name: "Marie"}, m); err != nil {
		t.Errorf("Reply of a stored message in another event = %v, want nil", err)
	}
}

func TestAgentLifecycle(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	r := e.say(t, "cy", "human please", bot.LangEN, "")
	id := r.Conversation.ID
	marie := handoff.Agent{ID: "U1", Name: "Marie"}
	e.deskItems(t) // the handoff

	// The first reply claims: the customer learns who is there, then reads the reply.
	if err := e.service.Reply(ctx, id, marie, handoff.DeskMessage{Text: "Hi, I'm looking at your order.", ExternalID: "slack:C1:1.000001"}); err != nil {
		t.Fatal(err)
	}
	msgs, _ := e.db.RecentMessages(ctx, id, 0, 0, 2)
	if msgs[0].Text != "Marie from our team is taking care of your request." || msgs[1].Role != bot.RoleAgent || msgs[1].Author != "Marie" {
		t.Fatalf("after the first reply: %+v", msgs)
	}
	if c := e.conv(t, id); c.State != bot.StateAgent || c.Agent != "Marie" {
		t.Errorf("conversation = %s/%s, want agent/Marie", c.State, c.Agent)
	}
	// A repeat of the same desk message (a platform retry) is ignored.
	if err := e.service.Reply(ctx, id, marie, handoff.DeskMessage{Text: "Hi, I'm looking at your order.", ExternalID: "slack:C1:1.000001"}); err != nil {
		t.Fatal(err)
	}
	if n, _ := e.db.Messages(ctx, id, msgs[1].ID, 10); len(n) != 0 {
		t.Errorf("a repeated reply stored %d more messages", len(n))
	}
	// Claiming one's own conversation again changes nothing.
	if err := e.service.Claim(ctx, id, marie); err != nil {
		t.Fatal(err)
	}
	if got := e.last(t, id); got.ID != msgs[1].ID {
		t.Errorf("claim by the owner added %q", got.Text)
	}

	// Resolve: the customer is thanked and asked for a rating, 1 to 5.
	if err := e.service.Resolve(ctx, id, marie); err != nil {
		t.Fatal(err)
	}
	closing := e.last(t, id)
	if len(closing.QuickReplies) != 5 || closing.QuickReplies[3].Payload != "csat:4" || !strings.Contains(closing.Text, "Marie") {
		t.Fatalf("closing message = %+v", closing)
	}
	e.say(t, "cy", "4", bot.LangEN, "csat:4")
	e.say(t, "cy", "1", bot.LangEN, "csat:1") // a second rating does not replace the first
	if score, err := e.db.CSAT(ctx, id); err != nil || score != 4 {
		t.Errorf("CSAT = %d, %v; want 4", score, err)
	}
	if got, want := strings.Join(e.deskItems(t), ","), "state,state,csat"; got != want {
		t.Errorf("desk items = %s, want %s (claimed, resolved, rating once)", got, want)
	}

	// Back to bot: the bot answers again.
	if err := e.service.BackToBot(ctx, id, marie); err != nil {
		t.Fatal(err)
	}
	if c := e.conv(t, id); c.State != bot.StateBot || c.Agent != "" {
		t.Errorf("after back to bot: %s/%q", c.State, c.Agent)
	}
	r2 := e.say(t, "cy", "where is my parcel", bot.LangEN, "")
	if got := e.last(t, r2.Conversation.ID); got.Role != bot.RoleBot || got.Action != bot.ActionFeedback {
		t.Errorf("the bot did not answer after back to bot: last = %+v", got)
	}
	if err := e.service.Claim(ctx, 999, marie); bot.ErrorKind(err) != bot.ENotFound {
		t.Errorf("Claim of an unknown conversation: %v, want not found", err)
	}
}

func TestDeliveryMarks(t *testing.T) {
	e := newEnv(t, offline(true))
	ctx := context.Background()
	r := e.say(t, "di", "a real person please", bot.LangEN, "")
	e.deskItems(t)
	if err := e.service.Reply(ctx, r.Conversation.ID, handoff.Agent{Name: "Sam"}, handoff.DeskMessage{Text: "Hello!", ExternalID: "slack:C1:2.000001"}); err != nil {
		t.Fatal(err)
	}
	reply := e.last(t, r.Conversation.ID)
	e.service.Delivered(ctx, reply)
	e.service.Delivered(ctx, reply) // reported again by a replayed history
	e.service.Delivered(ctx, bot.Message{ID: 1, Role: bot.RoleBot})

	items, _, _ := e.db.DueOutbox(ctx, bot.TargetDesk, e.now.Add(time.Hour), 10)
	var marks []string
	for len(items) > 0 {
		for _, it := range items {
			if it.Kind == handoff.KindMark {
				var m handoff.Mark
				json.Unmarshal(it.Payload, &m)
				if it.MessageID != reply.ID {
					t.Errorf("mark for message %d, want %d", it.MessageID, reply.ID)
				}
				marks = append(marks, m.Status)
			}
			e.db.CompleteOutbox(ctx, it.ID)
		}
		items, _, _ = e.db.DueOutbox(ctx, bot.TargetDesk, e.now.Add(time.Hour), 10)
	}
	if got := strings.Join(marks, ","); got != "offline,delivered" {
		t.Errorf("marks = %s, want offline,delivered (once each)", got)
	}

	// Durable channels report through the dispatcher hooks.
	_, failed := e.service.OutboxHooks()
	failed(ctx, bot.OutboxItem{Kind: bot.KindDeliver, MessageID: reply.ID}, errors.New("boom"))
	if items, _, _ := e.db.DueOutbox(ctx, bot.TargetDesk, e.now.Add(time.Hour), 10); len(items) != 0 {
		t.Errorf("a failure after a delivery was marked: %d items (one mark per message)", len(items))
	}
}

// A customer who writes soon after an agent resolved the conversation gets
// the same agent back, in the same thread.
func TestReopenGoesBackToTheAgent(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	r := e.say(t, "eve", "je veux parler à quelqu'un", bot.LangFR, "")
	id := r.Conversation.ID
	lea := handoff.Agent{ID: "U2", Name: "Léa"}
	if err := e.service.Reply(ctx, id, lea, handoff.DeskMessage{Text: "Voilà, c'est fait.", ExternalID: "slack:C1:3.000001"}); err != nil {
		t.Fatal(err)
	}
	if err := e.service.Resolve(ctx, id, lea); err != nil {
		t.Fatal(err)
	}
	e.deskItems(t)
	again := e.say(t, "eve", "en fait j'ai encore une question", bot.LangFR, "")
	if again.Conversation.ID != id {
		t.Fatalf("reopened into conversation %d, want %d", again.Conversation.ID, id)
	}
	c := e.conv(t, id)
	if c.State != bot.StateAgent || c.Agent != "Léa" {
		t.Errorf("after reopening: %s/%s, want agent/Léa", c.State, c.Agent)
	}
	if got := e.last(t, id); !strings.Contains(got.Text, "Léa ou un membre de l'équipe vous répondra ici") {
		t.Errorf("reopen notice = %q", got.Text)
	}
	if got, want := strings.Join(e.deskItems(t), ","), "state,customer_message"; got != want {
		t.Errorf("desk items = %s, want %s (the reopening, then the message)", got, want)
	}
}

func TestFollowUpRemindsAndUpdatesOnce(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	r := e.say(t, "fay", "a human please", bot.LangEN, "")
	e.deskItems(t)
	handedOver := e.now
	reminders := func() int {
		n := 0
		for _, k := range e.deskItems(t) {
			if k == handoff.KindReminder {
				n++
			}
		}
		return n
	}
	for _, tc := range []struct {
		after   time.Duration
		want    int
		updated bool // the customer got the update by then
	}{
		{5 * time.Minute, 0, false},
		{10 * time.Minute, 1, true},
		{15 * time.Minute, 0, true}, // not again before another 10 minutes
		{20 * time.Minute, 1, true},
		{30 * time.Minute, 1, true},
		{40 * time.Minute, 0, true}, // three at most
	} {
		e.now = handedOver.Add(tc.after)
		if err := e.service.FollowUp(ctx, e.now); err != nil {
			t.Fatal(err)
		}
		if got := reminders(); got != tc.want {
			t.Errorf("after %v: %d reminders, want %d", tc.after, got, tc.want)
		}
	}
	var updates int
	msgs, _ := e.db.Messages(ctx, r.Conversation.ID, 0, 100)
	for _, m := range msgs {
		if strings.Contains(m.Text, "Thank you for your patience") {
			updates++
		}
	}
	if updates != 1 {
		t.Errorf("the customer got %d updates, want 1", updates)
	}

	// Nothing while support is closed.
	r2 := e.say(t, "gil", "a human please", bot.LangEN, "")
	e.deskItems(t)
	e.now = time.Date(2026, 11, 24, 22, 0, 0, 0, paris)
	e.service.FollowUp(ctx, e.now)
	if got := reminders(); got != 0 {
		t.Errorf("at night: %d reminders for conversation %d, want none", got, r2.Conversation.ID)
	}
}

// fixedReplies is a WaitStore with given hand-over → first reply delays.
type fixedReplies []handoff.HandoffTiming

func (f fixedReplies) HandoffTimings(context.Context, time.Time, time.Time) ([]handoff.HandoffTiming, error) {
	return f, nil
}

func TestMeasuredWait(t *testing.T) {
	hours, _ := bot.ParseHours("Europe/Paris", []string{"mon-fri 09:00-18:00"}, nil)
	day := time.Date(2026, 11, 24, 10, 0, 0, 0, paris)
	night := time.Date(2026, 11, 24, 23, 0, 0, 0, paris)
	at := func(t time.Time, wait time.Duration) handoff.HandoffTiming {
		return handoff.HandoffTiming{HandedOver: t, Replied: t.Add(wait)}
	}
	for _, tc := range []struct {
		name    string
		replies fixedReplies
		want    time.Duration
	}{
		{"no history", nil, 15 * time.Minute},
		{"median of the day", fixedReplies{at(day, 3*time.Minute), at(day, 8*time.Minute), at(day, 40*time.Minute)}, 8 * time.Minute},
		{"night hand-overs left out", fixedReplies{at(day, 6*time.Minute), at(night, 10*time.Hour)}, 6 * time.Minute},
		{"floor", fixedReplies{at(day, 10*time.Second)}, 2 * time.Minute},
		{"unanswered left out", fixedReplies{{HandedOver: day}, at(day, 4*time.Minute)}, 4 * time.Minute},
	} {
		w := &handoff.MeasuredWait{Store: tc.replies, Hours: hours, Floor: 2 * time.Minute, Default: 15 * time.Minute}
		if got := w.ExpectedWait(context.Background()); got != tc.want {
			t.Errorf("%s: ExpectedWait = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// countingEnqueues counts the write transactions of delivery marks.
type countingEnqueues struct {
	*storage.DB
	n int
}

func (c *countingEnqueues) EnqueueOnce(ctx context.Context, source, id string, items ...bot.OutboxItem) (bool, error) {
	c.n++
	return c.DB.EnqueueOnce(ctx, source, id, items...)
}

// After a restart (an empty cache) the customers who reconnect confirm
// messages that were marked before: those are answered by a read, and only
// a message never marked takes the write lock.
func TestDeliveryMarkAfterRestart(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	r := e.say(t, "dr", "a real person please", bot.LangEN, "")
	if err := e.service.Reply(ctx, r.Conversation.ID, handoff.Agent{Name: "Sam"}, handoff.DeskMessage{Text: "Hello!", ExternalID: "slack:C1:3.000001"}); err != nil {
		t.Fatal(err)
	}
	reply := e.last(t, r.Conversation.ID)
	e.service.Delivered(ctx, reply)

	store := &countingEnqueues{DB: e.db}
	restarted := handoff.NewService(e.engine, store, nil, handoff.ServiceConfig{}, slog.New(slog.DiscardHandler))
	old := reply
	old.CreatedAt = time.Now().Add(-time.Hour) // confirmed an hour after it was sent
	restarted.Delivered(ctx, old)
	if store.n != 0 {
		t.Errorf("a message marked before the restart took %d write transactions, want 0", store.n)
	}
	if err := e.service.Reply(ctx, r.Conversation.ID, handoff.Agent{Name: "Sam"}, handoff.DeskMessage{Text: "Still there?", ExternalID: "slack:C1:3.000002"}); err != nil {
		t.Fatal(err)
	}
	second := e.last(t, r.Conversation.ID)
	second.CreatedAt = time.Now().Add(-time.Hour)
	restarted.Delivered(ctx, second)
	if store.n != 1 {
		t.Errorf("a message never marked took %d write transactions, want 1", store.n)
	}
}
