package slack_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/relaisbot/relais/bot"
	rslack "github.com/relaisbot/relais/handoff/slack"
	"github.com/relaisbot/relais/handoff/slack/slackfake"
)

// pendingItem returns the conversation's next desk item.
func (f *fixture) pendingItem() bot.OutboxItem {
	f.t.Helper()
	items, _, err := f.db.DueOutbox(f.ctx, bot.TargetDesk, time.Now().Add(time.Hour), 10)
	if err != nil || len(items) != 1 {
		f.t.Fatalf("DueOutbox: %d items, %v; want 1", len(items), err)
	}
	return items[0]
}

func TestDeliverErrorKinds(t *testing.T) {
	tests := []struct {
		name       string
		fault      slackfake.Fault
		retryAfter time.Duration // 0: not a RetryAfterError
	}{
		{"429 with Retry-After", slackfake.Fault{Status: 429, RetryAfter: 7, Times: 1}, 7 * time.Second},
		{"429 without Retry-After", slackfake.Fault{Status: 429, Times: 1}, time.Second},
		{"500", slackfake.Fault{Status: 500, Times: 1}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, setup{mode: "events"})
			f.handOff("cust-1")
			it := f.pendingItem()
			f.fake.Inject("chat.postMessage", tt.fault)
			err := f.adapter.Deliver(f.ctx, it)
			var ra *bot.RetryAfterError
			switch {
			case err == nil:
				t.Fatal("Deliver succeeded despite the fault")
			case tt.retryAfter > 0 && (!errors.As(err, &ra) || ra.After != tt.retryAfter):
				t.Errorf("Deliver: %v; want a RetryAfterError of %v", err, tt.retryAfter)
			case tt.retryAfter == 0 && errors.As(err, &ra):
				t.Errorf("Deliver: %v; want a plain error", err)
			}
			if err := f.adapter.Deliver(f.ctx, it); err != nil {
				t.Fatalf("second attempt: %v", err)
			}
			if n := len(parents(f.fake.State())); n != 1 {
				t.Errorf("got %d parent messages, want 1", n)
			}
		})
	}
}

// runDispatcher delivers desk items with a real Dispatcher until the test
// ends, and reports items given up on.
func (f *fixture) runDispatcher() <-chan bot.OutboxItem {
	failed := make(chan bot.OutboxItem, 10)
	d := bot.NewDispatcher(f.db, bot.TargetDesk, f.adapter, bot.DispatcherConfig{
		MinBackoff: 20 * time.Millisecond, Poll: 20 * time.Millisecond, MaxAttempts: 5,
		Failed: func(_ context.Context, it bot.OutboxItem, _ error) { failed <- it },
	}, f.logger)
	ctx, cancel := context.WithCancel(f.ctx)
	var wg sync.WaitGroup
	wg.Go(func() { d.Run(ctx) })
	f.t.Cleanup(func() { cancel(); wg.Wait() })
	return failed
}

func (f *fixture) outboxEmpty() bool {
	depth, err := f.db.OutboxDepth(f.ctx)
	return err == nil && depth[bot.TargetDesk] == 0
}

func TestRateLimitWithDispatcherPostsOnce(t *testing.T) {
	f := newFixture(t, setup{mode: "events"})
	// The parent goes through, the transcript is rate-limited once.
	f.fake.Inject("chat.postMessage", slackfake.Fault{Skip: 1, Times: 1, Status: 429, RetryAfter: 1})
	conv := f.handOff("cust-1")
	start := time.Now()
	f.runDispatcher()
	f.waitFor("the hand-over delivered", f.outboxEmpty)
	if d := time.Since(start); d < time.Second {
		t.Errorf("delivered after %v, before the Retry-After of 1s", d)
	}
	st := f.fake.State()
	if n := len(parents(st)); n != 1 {
		t.Errorf("got %d parent messages, want 1", n)
	}
	if n := len(st.Thread(channel, f.thread(conv.ID).Thread)); n != 1 {
		t.Errorf("got %d transcript posts, want 1", n)
	}
	if n := st.Calls["chat.postMessage"]; n != 3 {
		t.Errorf("chat.postMessage called %d times, want 3 (parent, 429, transcript)", n)
	}
}

// A refused token stops the desk, not the hand-overs: the item stays
// queued (nothing is given up on), Healthy says what to fix, the error is
// loud, and once the token works again the item goes out and Healthy clears.
func TestRefusedTokenKeepsItemsQueuedAndRecovers(t *testing.T) {
	f := newFixture(t, setup{mode: "events"})
	if err := f.adapter.Healthy(); err != nil {
		t.Fatalf("Healthy() = %v before the fault", err)
	}
	f.fake.Inject("chat.postMessage", slackfake.Fault{Error: "token_revoked", Times: -1})
	conv := f.handOff("cust-1")
	failed := f.runDispatcher()
	// More tries than the dispatcher's MaxAttempts (5): the item is not given up on.
	f.waitFake("the dispatcher to keep trying", func(s slackfake.State) bool { return s.Calls["chat.postMessage"] >= 6 })
	select {
	case it := <-failed:
		t.Fatalf("item %d given up on while the token was refused; it must stay queued", it.ID)
	default:
	}
	if f.outboxEmpty() {
		t.Fatal("the hand-over left the outbox while the token was refused")
	}
	err := f.adapter.Healthy()
	if err == nil || !strings.Contains(err.Error(), "token_revoked") || !strings.Contains(err.Error(), "RELAIS_SLACK_BOT_TOKEN") {
		t.Errorf("Healthy() = %v, want the refused token and what to fix", err)
	}
	if logs := f.logs.String(); !strings.Contains(logs, "SLACK DESK IS DOWN") || !strings.Contains(logs, "RELAIS_SLACK_BOT_TOKEN") {
		t.Error("a refused token should be logged loudly, with what to do")
	}

	f.fake.Heal()
	f.waitFor("the hand-over delivered after the token works again", f.outboxEmpty)
	if n := len(parents(f.fake.State())); n != 1 {
		t.Errorf("got %d parent messages, want 1", n)
	}
	if n := len(f.fake.State().Thread(channel, f.thread(conv.ID).Thread)); n != 1 {
		t.Errorf("got %d transcript posts, want 1", n)
	}
	if err := f.adapter.Healthy(); err != nil {
		t.Errorf("Healthy() = %v after a successful delivery", err)
	}
}

// A channel the bot cannot post in stops the whole desk until an operator
// fixes it: the items wait (Unavailable), none is given up on.
func TestChannelProblemWaits(t *testing.T) {
	f := newFixture(t, setup{mode: "events"})
	f.fake.Inject("chat.postMessage", slackfake.Fault{Error: "not_in_channel", Times: 1})
	f.handOff("cust-1")
	err := f.adapter.Deliver(f.ctx, f.pendingItem())
	if err == nil || !strings.Contains(err.Error(), "/invite @Relais") || fmt.Sprintf("%T", err) != "bot.unavailableError" {
		t.Errorf("Deliver: %v (%T); want Unavailable with a hint to invite the bot", err, err)
	}
	if h := f.adapter.Healthy(); h == nil {
		t.Error("Healthy() = nil while the bot cannot post")
	}
	if err := f.adapter.Deliver(f.ctx, f.pendingItem()); err != nil {
		t.Fatal(err)
	}
	if h := f.adapter.Healthy(); h != nil {
		t.Errorf("Healthy() = %v after a successful post", h)
	}
}

func TestStartWithRefusedToken(t *testing.T) {
	f := newFixture(t, setup{mode: rslack.ModeEvents})
	a, err := rslack.New(rslack.Config{BotToken: "xoxb-wrong", AppToken: "xapp-x", Channel: channel, APIURL: f.fake.URL()},
		f.db, f.logger)
	if err != nil {
		t.Fatal(err)
	}
	err = a.Start(f.ctx)
	if err == nil || !strings.Contains(err.Error(), "slack.bot_token") || !strings.Contains(err.Error(), "invalid_auth") {
		t.Errorf("Start with a wrong token: %v; want an error naming slack.bot_token and invalid_auth", err)
	}
	if h := a.Healthy(); h == nil || !strings.Contains(h.Error(), "invalid_auth") {
		t.Errorf("Healthy() = %v, want the token problem", h)
	}
	if err := a.Run(f.ctx); err == nil {
		t.Error("Run before a successful Start should fail")
	}
	if strings.Contains(f.logs.String(), "xoxb-wrong") {
		t.Error("the token was logged")
	}
}
