package openai

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/relaisbot/relais/bot"
	"github.com/relaisbot/relais/faq/openai/openaifake"
)

// memUsage is an in-memory UsageStore.
type memUsage struct {
	mu   sync.Mutex
	days map[string]int64
}

func (m *memUsage) TokensUsed(_ context.Context, day string) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.days[day], nil
}

func (m *memUsage) AddTokensUsed(_ context.Context, day string, tokens, _ int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.days == nil {
		m.days = map[string]int64{}
	}
	m.days[day] += tokens
	return nil
}

func newTestClient(t *testing.T, fake *openaifake.Server, usage UsageStore, mod func(*Config)) *Client {
	t.Helper()
	cfg := Config{BaseURL: fake.BaseURL(), ChatModel: "fake-chat", EmbeddingModel: "fake-embed", Timeout: time.Second}
	if mod != nil {
		mod(&cfg)
	}
	c, err := New(context.Background(), cfg, usage, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestEmbedAgainstFake(t *testing.T) {
	fake := openaifake.New(nil)
	defer fake.Close()
	c := newTestClient(t, fake, nil, nil)
	vs, err := c.Embed(context.Background(), []string{"where is my parcel", "mail me at jo@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 2 || len(vs[0]) != 256 || len(vs[1]) != 256 {
		t.Fatalf("got %d vectors of %d", len(vs), len(vs[0]))
	}
	reqs := fake.Requests()
	if len(reqs) != 1 || reqs[0].Path != "/v1/embeddings" || !strings.Contains(reqs[0].Body, `"model":"fake-embed"`) {
		t.Fatalf("requests = %+v", reqs)
	}
	if strings.Contains(reqs[0].Body, "jo@example.com") || !strings.Contains(reqs[0].Body, MarkEmail) {
		t.Errorf("the email reached the API: %s", reqs[0].Body)
	}
	if s := c.Stats(); s.Calls["embed"] != 1 || s.Tokens == 0 || s.TokensToday != s.Tokens {
		t.Errorf("stats = %+v", s)
	}
}

func TestChatHelpersAgainstFake(t *testing.T) {
	fake := openaifake.New(func(r openaifake.ChatRequest) string {
		switch {
		case strings.Contains(r.System(), "JSON"):
			return `{"frustrated": true}`
		case strings.Contains(r.System(), "support agents"):
			return "- Wants a refund for order #123.\n- Bot gave the returns policy.\n- Annoyed."
		}
		return "Sure: write to [EMAIL_1]."
	})
	defer fake.Close()
	c := newTestClient(t, fake, nil, nil)
	ctx := context.Background()

	got, err := c.Phrase(ctx, "Write to support@shop.example.", "my email is ann@example.org, phone 06 12 34 56 78", bot.LangEN)
	if err != nil || got != "Sure: write to support@shop.example." {
		t.Errorf("Phrase = %q, %v", got, err)
	}
	msgs := []bot.Message{
		{Role: bot.RoleCustomer, Text: "I want my money back, card 4111 1111 1111 1111"},
		{Role: bot.RoleBot, Text: "Here is our returns policy."},
		{Role: bot.RoleAgent, Text: "internal: customer is VIP, IBAN FR76 3000 6000 0112 3456 7890 189"},
		{Role: bot.RoleCustomer, Text: "this is ridiculous"},
	}
	sum, err := c.Summarize(ctx, bot.LangEN, msgs)
	if err != nil || !strings.HasPrefix(sum, "- Wants a refund") {
		t.Errorf("Summarize = %q, %v", sum, err)
	}
	frustrated, err := c.Frustrated(ctx, msgs[:3], msgs[3])
	if err != nil || !frustrated {
		t.Errorf("Frustrated = %v, %v", frustrated, err)
	}
	for _, r := range fake.Requests() {
		for _, pii := range []string{"ann@example.org", "06 12 34 56 78", "4111 1111 1111 1111", "FR76", "support@shop.example", "VIP"} {
			if strings.Contains(r.Body, pii) {
				t.Errorf("%q reached the API in %s", pii, r.Body)
			}
		}
	}
	opinion := fake.Requests()[2]
	if !strings.Contains(opinion.Body, `"response_format":{"type":"json_object"}`) {
		t.Errorf("second opinion does not ask for JSON: %s", opinion.Body)
	}
}

func TestParseOpinion(t *testing.T) {
	for _, tt := range []struct {
		in      string
		want    bool
		wantErr bool
	}{
		{`{"frustrated": true}`, true, false},
		{` {"frustrated":false} `, false, false},
		{"```json\n{\"frustrated\": true}\n```", true, false},
		{`{"frustrated": "yes"}`, false, true},
		{`{"frustrated": true, "why": "caps"}`, false, true},
		{`{}`, false, true},
		{`Yes, frustrated.`, false, true},
		{`{"frustrated": true}{"frustrated": false}`, false, true},
	} {
		got, err := parseOpinion(tt.in)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("parseOpinion(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

// 429, 5xx and timeouts are errors (the caller falls back) that never take
// longer than the timeout; five in a row open the breaker, which then
// refuses calls without sending them, and a probe closes it again.
func TestFailuresAndBreaker(t *testing.T) {
	fake := openaifake.New(nil)
	defer fake.Close()
	c := newTestClient(t, fake, nil, func(cfg *Config) { cfg.Timeout = 100 * time.Millisecond })
	now := time.Date(2025, 3, 14, 10, 0, 0, 0, time.UTC)
	c.now = func() time.Time { return now }
	ctx := context.Background()

	fake.Fail("/v1/embeddings", http.StatusTooManyRequests, 2)
	fake.Fail("/v1/embeddings", http.StatusInternalServerError, 2)
	for i, want := range []string{"rate_limited", "rate_limited", "server_error", "server_error"} {
		if _, err := c.Embed(ctx, []string{"hello"}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("call %d: err = %v, want %s", i+1, err, want)
		}
	}
	fake.SetDelay(2 * time.Second)
	start := time.Now()
	_, err := c.Embed(ctx, []string{"hello"})
	if took := time.Since(start); err == nil || !strings.Contains(err.Error(), "timeout") || took > time.Second {
		t.Errorf("slow API: err = %v after %v, want a timeout within about 100ms", err, took)
	}
	fake.SetDelay(0)
	sent := len(fake.Requests())
	if _, err := c.Embed(ctx, []string{"hello"}); !errors.Is(err, ErrCircuitOpen) {
		t.Errorf("after 5 failures: err = %v, want ErrCircuitOpen", err)
	}
	if _, err := c.Phrase(ctx, "a", "b", bot.LangEN); !errors.Is(err, ErrCircuitOpen) {
		t.Errorf("chat after 5 failures: err = %v, want ErrCircuitOpen", err)
	}
	if n := len(fake.Requests()); n != sent {
		t.Errorf("%d requests sent while the circuit was open", n-sent)
	}
	if !c.Stats().CircuitOpen {
		t.Error("Stats().CircuitOpen = false")
	}
	now = now.Add(breakerOpen + time.Second)
	if _, err := c.Embed(ctx, []string{"hello"}); err != nil {
		t.Errorf("probe after the pause: %v", err)
	}
	if _, err := c.Embed(ctx, []string{"hello"}); err != nil || c.Stats().CircuitOpen {
		t.Errorf("after a good probe: %v, open %v", err, c.Stats().CircuitOpen)
	}
	s := c.Stats()
	if s.Failures["rate_limited"] != 2 || s.Failures["server_error"] != 2 || s.Failures["timeout"] != 1 || s.Failures["circuit_open"] != 2 {
		t.Errorf("failures = %v", s.Failures)
	}
}

func TestBreakerHalfOpen(t *testing.T) {
	b := newBreaker(2, time.Minute)
	now := time.Now()
	b.failure(now)
	if !b.allow(now) {
		t.Fatal("refused after one failure")
	}
	b.failure(now)
	if b.allow(now) || b.allow(now.Add(59*time.Second)) {
		t.Fatal("allowed while open")
	}
	later := now.Add(time.Minute)
	if !b.allow(later) {
		t.Fatal("no probe after the pause")
	}
	if b.allow(later) {
		t.Fatal("a second call allowed during the probe")
	}
	b.failure(later)
	if b.allow(later.Add(30 * time.Second)) {
		t.Fatal("allowed after a failed probe")
	}
	if !b.allow(later.Add(time.Minute)) {
		t.Fatal("no second probe")
	}
	b.success()
	if !b.allow(later.Add(time.Minute)) || !b.allow(later.Add(time.Minute)) {
		t.Fatal("closed breaker refuses")
	}
}

// The budget counts tokens per UTC day, survives a restart through the
// store, stops calls when spent and starts again the next day.
func TestDailyBudget(t *testing.T) {
	fake := openaifake.New(func(openaifake.ChatRequest) string { return "one two three four five" })
	defer fake.Close()
	usage := &memUsage{}
	day1 := time.Date(2025, 3, 14, 23, 0, 0, 0, time.UTC)
	now := day1
	mk := func() *Client {
		c := newTestClient(t, fake, usage, func(cfg *Config) { cfg.DailyTokenBudget = 60 })
		c.now = func() time.Time { return now }
		c.budget.day = day(now)
		used, _ := usage.TokensUsed(context.Background(), day(now))
		c.budget.used = used
		return c
	}
	ctx := context.Background()
	c := mk()
	calls := 0
	for ; calls < 100; calls++ {
		if _, err := c.Phrase(ctx, "Delivery takes two days.", "how long?", bot.LangEN); errors.Is(err, ErrBudget) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if calls == 0 || calls == 100 {
		t.Fatalf("%d calls before the budget stopped them", calls)
	}
	sent := len(fake.Requests())
	c.Flush(ctx)
	if used, _ := usage.TokensUsed(ctx, "2025-03-14"); used < 60 {
		t.Errorf("stored usage %d, want at least the budget", used)
	}
	// A restart the same day is still over budget.
	c2 := mk()
	if _, err := c2.Phrase(ctx, "a", "b", bot.LangEN); !errors.Is(err, ErrBudget) {
		t.Errorf("after a restart: %v, want ErrBudget", err)
	}
	if len(fake.Requests()) != sent {
		t.Error("a call was sent over budget")
	}
	// The next day starts afresh.
	now = day1.Add(2 * time.Hour)
	if _, err := c2.Phrase(ctx, "a", "b", bot.LangEN); err != nil {
		t.Errorf("next day: %v", err)
	}
	if s := c2.Stats(); s.TokensToday == 0 || s.TokensToday != s.Tokens || s.Failures["budget"] != 1 {
		t.Errorf("stats = %+v", s)
	}
}

func TestNewChecksConfig(t *testing.T) {
	for _, cfg := range []Config{
		{BaseURL: "", ChatModel: "m"},
		{BaseURL: "localhost:11434", ChatModel: "m"},
		{BaseURL: "http://localhost:11434/v1"},
	} {
		if _, err := New(context.Background(), cfg, nil, nil); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
}

// Calls at once reuse their connections: Go's default client keeps two idle
// connections per host and closed the others after every busy moment (in
// production, a TLS handshake per call).
func TestClientKeepsItsConnections(t *testing.T) {
	fake := openaifake.New(nil)
	defer fake.Close()
	fake.SetDelay(20 * time.Millisecond) // the calls of a wave overlap
	c := newTestClient(t, fake, nil, nil)
	wave := func() int {
		var wg sync.WaitGroup
		for range 12 {
			wg.Go(func() {
				if _, err := c.Embed(context.Background(), []string{"where is my parcel"}); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		return fake.Connections()
	}
	first := wave()
	// A few more at most: a call may dial while another frees a connection.
	if opened := wave() - first; opened > 2 {
		t.Errorf("the second wave of 12 calls at once opened %d connections, want ≤ 2: the first wave's are kept", opened)
	}
}
