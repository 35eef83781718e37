package slack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/relaisbot/relais/bot"
	"github.com/relaisbot/relais/handoff"
	rslack "github.com/relaisbot/relais/handoff/slack"
	"github.com/relaisbot/relais/handoff/slack/slackfake"
	"github.com/relaisbot/relais/storage"
)

var (
	_ rslack.Store  = (*storage.DB)(nil)
	_ rslack.Desk   = (*handoff.Service)(nil)
	_ bot.Deliverer = (*rslack.Adapter)(nil)
)

const channel = "C0SUPPORT"

// Agents in the fake workspace: Alice has a display name, Bob only a real
// name; Carol is in the FAQ admins' user group of the admin tests.
var agents = []slackfake.User{
	{ID: "U0ALICE", Name: "alice", RealName: "Alice Martin", DisplayName: "Alice"},
	{ID: "U0BOB", Name: "bob", RealName: "Bob Durand"},
	{ID: "U0CAROL", Name: "carol", RealName: "Carol Petit", DisplayName: "Carol"},
}

// secretWord appears in customer texts of the tests: it must never be logged.
const secretWord = "Zanzibar"

// faqStub answers every question with the same entry: these tests are about
// the desk, not the matcher.
type faqStub struct{}

func (faqStub) Answer(_ context.Context, q bot.Query) (bot.Answer, error) {
	return bot.Answer{Lang: q.Lang.Or(q.Hint).Or(bot.LangEN), Action: bot.ActionAnswer, FAQID: "shipping.tracking",
		Topic: "shipping", Confidence: 0.9, Reply: "Track your parcel on your orders page."}, nil
}

func (faqStub) Entry(context.Context, string, bot.Lang) (bot.Answer, error) {
	return bot.Answer{}, bot.Errorf(bot.ENotFound, "no entry")
}

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type setup struct {
	mode       string // "socket" (default) or "events"
	lang       bot.Lang
	onCall     string   // on-call user group id
	adminUsers []string // FAQ admins
	adminGroup string   // FAQ admins' user group
	fake       slackfake.Options
}

type fixture struct {
	t       *testing.T
	ctx     context.Context
	fake    *slackfake.Server
	db      *storage.DB
	engine  *bot.Engine
	service *handoff.Service
	adapter *rslack.Adapter
	logger  *slog.Logger
	logs    *syncBuffer
	seq     int
}

// newFixture wires a real store, Engine, handoff Service and adapter to a
// fake Slack; in socket mode the adapter runs until the test ends.
func newFixture(t *testing.T, s setup) *fixture {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	fo := s.fake
	fo.Channels, fo.Users = []string{channel}, agents
	if fo.PingInterval == 0 {
		fo.PingInterval = 500 * time.Millisecond
	}
	fake := slackfake.New(fo)
	db, err := storage.Open(ctx, filepath.Join(t.TempDir(), "relais.db"))
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	engine := bot.NewEngine(bot.Config{Shop: bot.Shop{Name: "Test Shop", SupportEmail: "help@shop.test"}}, db, faqStub{},
		handoff.NewPolicy(handoff.DefaultFrustrationThreshold), handoff.NewEscalator(true, bot.Hours{}, handoff.FixedWait(5*time.Minute)), logger)
	service := handoff.NewService(engine, db, nil, handoff.ServiceConfig{}, logger)
	o := fake.Options()
	adapter, err := rslack.New(rslack.Config{BotToken: o.BotToken, AppToken: o.AppToken, SigningSecret: o.SigningSecret,
		Channel: channel, Mode: s.mode, APIURL: fake.URL(), Lang: s.lang, OnCallGroup: s.onCall,
		AdminUsers: s.adminUsers, AdminGroup: s.adminGroup}, db, logger.With("component", "slack"))
	if err != nil {
		t.Fatal(err)
	}
	adapter.SetDesk(service)
	f := &fixture{t: t, ctx: ctx, fake: fake, db: db, engine: engine, service: service, adapter: adapter, logger: logger, logs: logs}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		fake.Close()
		db.Close()
		f.checkLogs(o)
	})
	if err := adapter.Start(ctx); err != nil {
		t.Fatalf("Start: %v", err)
	}
	if s.mode != rslack.ModeEvents {
		wg.Go(func() {
			if err := adapter.Run(ctx); err != nil {
				t.Errorf("Run: %v", err)
			}
		})
		f.waitFake("a socket mode connection", func(st slackfake.State) bool { return st.Connected > 0 })
	}
	return f
}

// checkLogs fails the test if a secret or customer text was logged.
func (f *fixture) checkLogs(o slackfake.Options) {
	logs := f.logs.String()
	for _, secret := range []string{o.BotToken, o.AppToken, o.SigningSecret, secretWord} {
		if strings.Contains(logs, secret) {
			f.t.Errorf("logs contain %q:\n%s", secret, logs)
		}
	}
	if f.t.Failed() {
		f.t.Logf("logs:\n%s", logs)
	}
}

// say sends a customer message on the widget and returns its conversation.
func (f *fixture) say(customer, text, payload string) bot.Conversation {
	f.t.Helper()
	f.seq++
	r, err := f.engine.Receive(f.ctx, bot.Inbound{Channel: bot.ChannelWidget, CustomerKey: customer,
		ExternalID: fmt.Sprintf("client-%d", f.seq), Text: text, Payload: payload, Lang: bot.LangEN})
	if err != nil {
		f.t.Fatalf("Receive(%q): %v", text, err)
	}
	return r.Conversation
}

// handOff makes the customer ask for a person.
func (f *fixture) handOff(customer string) bot.Conversation {
	f.t.Helper()
	return f.say(customer, "Talk to a person", bot.PayloadHuman)
}

// deliverAll delivers every pending desk item through the adapter.
func (f *fixture) deliverAll() {
	f.t.Helper()
	for range 100 {
		items, _, err := f.db.DueOutbox(f.ctx, bot.TargetDesk, time.Now().Add(time.Hour), 100)
		if err != nil {
			f.t.Fatal(err)
		}
		if len(items) == 0 {
			return
		}
		for _, it := range items {
			if err := f.adapter.Deliver(f.ctx, it); err != nil {
				f.t.Fatalf("Deliver(%s item %d): %v", it.Kind, it.ID, err)
			}
			if err := f.db.CompleteOutbox(f.ctx, it.ID); err != nil {
				f.t.Fatal(err)
			}
		}
	}
	f.t.Fatal("the outbox never empties")
}

// thread returns the conversation's Slack thread.
func (f *fixture) thread(conversationID int64) handoff.Thread {
	f.t.Helper()
	th, err := f.db.DeskThread(f.ctx, conversationID)
	if err != nil {
		f.t.Fatalf("DeskThread(%d): %v", conversationID, err)
	}
	return th
}

// waitFake waits until the fake's state satisfies cond.
func (f *fixture) waitFake(what string, cond func(slackfake.State) bool) slackfake.State {
	f.t.Helper()
	st, ok := f.fake.WaitFor(5*time.Second, cond)
	if !ok {
		f.t.Fatalf("timed out waiting for %s; fake state: %+v", what, st)
	}
	return st
}

// waitFor polls cond (which reads the store) until it holds.
func (f *fixture) waitFor(what string, cond func() bool) {
	f.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			f.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// messages returns a conversation's stored messages with role (all if "").
func (f *fixture) messages(conversationID int64, role bot.Role) []bot.Message {
	f.t.Helper()
	all, err := f.db.Messages(f.ctx, conversationID, 0, 1000)
	if err != nil {
		f.t.Fatal(err)
	}
	var out []bot.Message
	for _, m := range all {
		if role == "" || m.Role == role {
			out = append(out, m)
		}
	}
	return out
}

func (f *fixture) conversation(id int64) bot.Conversation {
	f.t.Helper()
	c, err := f.db.Conversation(f.ctx, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

// dateToken is how the adapter shows a time.
func dateToken(t time.Time) string {
	return fmt.Sprintf("<!date^%d^{date_short} {time}|%s>", t.Unix(), t.UTC().Format("2006-01-02 15:04 UTC"))
}

// blockContents returns the texts of a message's blocks (one per line) and
// its buttons as "action_id=value label".
func blockContents(t *testing.T, blocks string) (texts string, buttons []string) {
	t.Helper()
	var bs []struct {
		Text     json.RawMessage         `json:"text"`
		Fields   []struct{ Text string } `json:"fields"`
		Elements []struct {
			Type     string
			ActionID string `json:"action_id"`
			Value    string
			Text     json.RawMessage
		} `json:"elements"`
	}
	if err := json.Unmarshal([]byte(blocks), &bs); err != nil {
		t.Fatalf("blocks %s: %v", blocks, err)
	}
	var b strings.Builder
	text := func(raw json.RawMessage) string {
		var obj struct{ Text string }
		var s string
		if json.Unmarshal(raw, &obj) == nil {
			return obj.Text
		}
		_ = json.Unmarshal(raw, &s)
		return s
	}
	for _, blk := range bs {
		b.WriteString(text(blk.Text) + "\n")
		for _, fl := range blk.Fields {
			b.WriteString(fl.Text + "\n")
		}
		for _, e := range blk.Elements {
			if e.Type == "button" {
				buttons = append(buttons, e.ActionID+"="+e.Value+" "+text(e.Text))
			} else {
				b.WriteString(text(e.Text) + "\n")
			}
		}
	}
	return b.String(), buttons
}
