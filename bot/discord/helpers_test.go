package discord

import (
	"bytes"
	"context"
	"database/sql"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/relaisbot/relais/bot"
	"github.com/relaisbot/relais/bot/discord/discordfake"
	"github.com/relaisbot/relais/faq"
	"github.com/relaisbot/relais/handoff"
	"github.com/relaisbot/relais/storage"
)

var _ Store = (*storage.DB)(nil)

// Customers of the fake Discord.
const (
	alice = "400000000000000001" // writes in English, has a display name
	bob   = "400000000000000002" // writes in French
	carol = "400000000000000003" // does not accept DMs from the bot
	other = "400000000000000009" // another bot
)

var people = []discordfake.User{
	{ID: alice, Username: "alice_w", GlobalName: "Alice", Locale: "en-US"},
	{ID: bob, Username: "bob", Locale: "fr"},
	{ID: carol, Username: "carol", BlocksDMs: true},
	{ID: other, Username: "otherbot", Bot: true},
}

// fakeFAQ answers a few questions the tests ask.
type fakeFAQ struct{}

func (fakeFAQ) Answer(_ context.Context, q bot.Query) (bot.Answer, error) {
	text := strings.ToLower(q.Text)
	answer := func(reply string) (bot.Answer, error) {
		return bot.Answer{Lang: q.Hint.Or(bot.LangEN), Action: bot.ActionAnswer, FAQID: "shipping.delay",
			Topic: "shipping", Confidence: 0.9, Reply: reply}, nil
	}
	switch {
	case strings.HasPrefix(text, "q "):
		return answer("a " + strings.TrimPrefix(text, "q "))
	case strings.Contains(text, "delivery"):
		return answer("Delivery takes 2–4 days. Track it at https://shop.example/account_orders.")
	case strings.Contains(text, "ping"):
		return answer("@everyone <@123> <@&456> **bold** [click](https://evil.example)")
	case strings.Contains(text, "long"):
		return answer(strings.Repeat("word ", 900))
	}
	return bot.Answer{Lang: q.Hint.Or(bot.LangEN), Action: bot.ActionFallback}, nil
}

func (fakeFAQ) Entry(context.Context, string, bot.Lang) (bot.Answer, error) {
	return bot.Answer{}, bot.Errorf(bot.ENotFound, "no entry")
}

// env is an Adapter with a real Engine, SQLite store and Dispatcher,
// talking to a fake Discord through the real discordgo client.
type env struct {
	t       *testing.T
	fake    *discordfake.Server
	db      *storage.DB
	engine  *bot.Engine
	adapter *Adapter
	agents  *handoff.Service
	faq     *faq.Service // with envOptions.admin
	logs    *syncBuffer
	logger  *slog.Logger

	mu       sync.Mutex
	failures []error // items the dispatcher gave up on
}

type envOptions struct {
	cfg   Config // Token and APIBase are set to the fake's
	fake  discordfake.Options
	desk  bool // a human desk is configured (hand-overs happen)
	admin bool // /faq is set up, with a real faq.Admin over the built-in FAQ
}

func newEnv(t *testing.T, o envOptions) *env {
	t.Helper()
	o.fake.Users = append(o.fake.Users, people...)
	e := &env{t: t, fake: discordfake.New(o.fake), logs: &syncBuffer{}}
	t.Cleanup(e.fake.Close)
	logger := slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e.logger = logger
	db, err := storage.Open(context.Background(), filepath.Join(t.TempDir(), "relais.db"))
	if err != nil {
		t.Fatal(err)
	}
	e.db = db
	t.Cleanup(func() { db.Close() })
	escalator := handoff.NewEscalator(o.desk, bot.Hours{}, handoff.FixedWait(15*time.Minute))
	e.engine = bot.NewEngine(bot.Config{
		Shop: bot.Shop{Name: "Test Shop", SupportEmail: "help@shop.example"}, DefaultLang: bot.LangEN,
		DurableChannels: []bot.Channel{bot.ChannelDiscord},
	}, db, fakeFAQ{}, handoff.NewPolicy(handoff.DefaultFrustrationThreshold), escalator, logger)
	e.agents = handoff.NewService(e.engine, db, nil, handoff.ServiceConfig{}, logger)

	cfg := o.cfg
	cfg.Token, cfg.APIBase = e.fake.Options().Token, e.fake.URL()
	if e.adapter, err = New(cfg, e.engine, db, logger); err != nil {
		t.Fatal(err)
	}
	if o.admin {
		e.faq = faq.NewService(db, faq.DefaultFacts(), faq.DefaultOptions(), logger)
		if err := e.faq.Load(context.Background()); err != nil {
			t.Fatal(err)
		}
		e.adapter.SetAdmin(faq.NewAdmin(e.faq, db, nil, logger))
	}
	delivered, failed := e.agents.OutboxHooks() // delivery marks of agents' messages, as main wires them
	disp := bot.NewDispatcher(db, Target, e.adapter, bot.DispatcherConfig{
		MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond, Poll: 100 * time.Millisecond,
		Delivered: delivered,
		Failed: func(ctx context.Context, it bot.OutboxItem, err error) {
			e.mu.Lock()
			e.failures = append(e.failures, err)
			e.mu.Unlock()
			failed(ctx, it, err)
		},
	}, logger)
	db.OnOutbox(func(target string) {
		if target == Target {
			disp.Kick()
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	if err := e.adapter.Start(ctx); err != nil {
		cancel()
		t.Fatalf("Start: %v", err)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := e.adapter.Run(ctx); err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	wg.Go(func() { disp.Run(ctx) })
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		if err := e.adapter.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if st := e.fake.State(); st.Connected != 0 {
			t.Errorf("after Close: %d gateway connections still open", st.Connected)
		}
		if strings.Contains(e.logs.String(), "Where is") || strings.Contains(e.logs.String(), "delivery?") {
			t.Errorf("logs contain customer text:\n%s", e.logs.String())
		}
	})
	return e
}

// wait waits until cond holds on the fake's state.
func (e *env) wait(what string, cond func(discordfake.State) bool) discordfake.State {
	e.t.Helper()
	st, ok := e.fake.WaitFor(15*time.Second, cond)
	if !ok {
		e.t.Fatalf("timed out waiting for %s; bot posts: %s", what, describe(st.Posts()))
	}
	return st
}

// waitPosts waits until the bot posted at least n messages in channelID and
// returns them.
func (e *env) waitPosts(channelID string, n int) []discordfake.Message {
	e.t.Helper()
	st := e.wait("bot posts", func(st discordfake.State) bool { return len(st.PostsIn(channelID)) >= n })
	return st.PostsIn(channelID)
}

func describe(ms []discordfake.Message) string {
	var b strings.Builder
	for _, m := range ms {
		b.WriteString("\n  " + m.ChannelID + ": " + m.Content)
		for _, btn := range m.Buttons() {
			b.WriteString(" [" + btn.Label + "|" + btn.CustomID + "]")
		}
	}
	return b.String()
}

// messages returns the stored messages of a customer's latest conversation.
func (e *env) messages(userID string) []bot.Message {
	e.t.Helper()
	conv, err := e.db.LatestConversation(context.Background(), bot.ChannelDiscord, userID)
	if err != nil {
		e.t.Fatalf("conversation of %s: %v", userID, err)
	}
	msgs, err := e.db.Messages(context.Background(), conv.ID, 0, 10000)
	if err != nil {
		e.t.Fatal(err)
	}
	return msgs
}

// customerMessages returns what a customer's stored messages say.
func (e *env) customerMessages(userID string) []string {
	var out []string
	for _, m := range e.messages(userID) {
		if m.Role == bot.RoleCustomer {
			out = append(out, m.Text)
		}
	}
	return out
}

func (e *env) failed() []error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]error(nil), e.failures...)
}

// query runs a read-only SQL query on the database file.
func (e *env) query(q string, args ...any) *sql.Row {
	e.t.Helper()
	conn, err := sql.Open("sqlite3", "file:"+e.db.Path()+"?mode=ro")
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { conn.Close() })
	return conn.QueryRow(q, args...)
}

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
