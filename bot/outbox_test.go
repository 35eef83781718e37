package bot_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/relaisbot/relais/bot"
	"github.com/relaisbot/relais/storage"
)

// scriptedDeliverer records deliveries and fails as told: errs[n] is returned
// for the n-th attempt of an item (by item id), nil when the list runs out.
type scriptedDeliverer struct {
	mu        sync.Mutex
	errs      map[int64][]error
	attempts  map[int64]int
	delivered []bot.OutboxItem
	at        []time.Time
}

func newScripted() *scriptedDeliverer {
	return &scriptedDeliverer{errs: map[int64][]error{}, attempts: map[int64]int{}}
}

func (s *scriptedDeliverer) Deliver(_ context.Context, it bot.OutboxItem) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.attempts[it.ID]
	s.attempts[it.ID]++
	if errs := s.errs[it.ID]; n < len(errs) && errs[n] != nil {
		return errs[n]
	}
	s.delivered = append(s.delivered, it)
	s.at = append(s.at, time.Now())
	return nil
}

func (s *scriptedDeliverer) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.delivered)
}

// queue stores n messages for each of convs conversations, each with an
// outbox item for target "test", and returns the item ids per conversation.
func queue(t *testing.T, db *storage.DB, convs, n int) [][]int64 {
	t.Helper()
	ids := make([][]int64, convs)
	for c := range convs {
		conv := &bot.Conversation{Channel: bot.ChannelWidget, CustomerKey: fmt.Sprint("k", c), Lang: bot.LangEN, State: bot.StateBot}
		ch := &bot.Change{Conversation: conv}
		for i := range n {
			ch.Messages = append(ch.Messages, bot.Message{Role: bot.RoleBot, Text: fmt.Sprint(i)})
			ch.Outbox = append(ch.Outbox, bot.OutboxItem{Target: "test", Kind: "k", MessageIndex: i + 1})
		}
		if err := db.Commit(context.Background(), ch); err != nil {
			t.Fatal(err)
		}
		for _, it := range ch.Outbox {
			ids[c] = append(ids[c], it.ID)
		}
	}
	return ids
}

func openDB(t *testing.T) *storage.DB {
	t.Helper()
	db, err := storage.Open(context.Background(), filepath.Join(t.TempDir(), "relais.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// run starts d and returns a stop func that waits for it.
func run(d *bot.Dispatcher) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { d.Run(ctx); close(done) }()
	return func() { cancel(); <-done }
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestDispatcherDeliversInOrderAndRetries(t *testing.T) {
	db := openDB(t)
	ids := queue(t, db, 3, 4)
	d := newScripted()
	transient := errors.New("500 from the platform")
	d.errs[ids[0][1]] = []error{transient, transient} // conversation 0's second item fails twice
	d.errs[ids[1][0]] = []error{&bot.RetryAfterError{After: 200 * time.Millisecond, Err: errors.New("429")}}

	var mu sync.Mutex
	var deliveredHook []int64
	disp := bot.NewDispatcher(db, "test", d, bot.DispatcherConfig{
		MinBackoff: 20 * time.Millisecond, Poll: time.Hour,
		Delivered: func(_ context.Context, it bot.OutboxItem) {
			mu.Lock()
			deliveredHook = append(deliveredHook, it.ID)
			mu.Unlock()
		},
	}, discard())
	stop := run(disp)
	defer stop()
	disp.Kick()
	waitFor(t, "12 deliveries", func() bool { return d.count() == 12 })
	// The dispatcher marks an item done and reports it after Deliver returns.
	waitFor(t, "12 reported", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(deliveredHook) == 12
	})

	d.mu.Lock()
	defer d.mu.Unlock()
	pos := map[int64]int{}
	for i, it := range d.delivered {
		if _, dup := pos[it.ID]; dup {
			t.Errorf("item %d delivered twice", it.ID)
		}
		pos[it.ID] = i
	}
	for c, convIDs := range ids {
		for i := 1; i < len(convIDs); i++ {
			if pos[convIDs[i-1]] > pos[convIDs[i]] {
				t.Errorf("conversation %d: item %d delivered before item %d", c, convIDs[i], convIDs[i-1])
			}
		}
	}
	if d.attempts[ids[0][1]] != 3 {
		t.Errorf("failing item: %d attempts, want 3", d.attempts[ids[0][1]])
	}
	// The 429 is honoured: the item waits for Retry-After.
	first := d.at[0]
	if wait := d.at[pos[ids[1][0]]].Sub(first); wait < 150*time.Millisecond {
		t.Errorf("rate-limited item retried after %v, want ≥ ~200ms", wait)
	}
	mu.Lock()
	if len(deliveredHook) != 12 {
		t.Errorf("Delivered hook called %d times, want 12", len(deliveredHook))
	}
	mu.Unlock()
	if depth, _ := db.OutboxDepth(context.Background()); depth["test"] != 0 {
		t.Errorf("%d items still pending", depth["test"])
	}
}

func TestDispatcherGivesUpLoudly(t *testing.T) {
	db := openDB(t)
	ids := queue(t, db, 2, 2)
	d := newScripted()
	d.errs[ids[0][0]] = []error{bot.Permanent(errors.New("channel_not_found"))}
	always := errors.New("timeout")
	d.errs[ids[1][0]] = []error{always, always, always, always}

	var mu sync.Mutex
	failed := map[int64]string{}
	disp := bot.NewDispatcher(db, "test", d, bot.DispatcherConfig{
		MaxAttempts: 3, MinBackoff: 10 * time.Millisecond, Poll: time.Hour,
		Failed: func(_ context.Context, it bot.OutboxItem, err error) {
			mu.Lock()
			failed[it.ID] = err.Error()
			mu.Unlock()
		},
	}, discard())
	stop := run(disp)
	defer stop()
	disp.Kick()
	// Later items of a conversation still go out after an earlier one failed for good.
	waitFor(t, "the two later items", func() bool { return d.count() == 2 })
	mu.Lock()
	defer mu.Unlock()
	if failed[ids[0][0]] != "channel_not_found" || failed[ids[1][0]] != "timeout" {
		t.Errorf("failed = %v; want the permanent and the exhausted item", failed)
	}
	if d.attempts[ids[0][0]] != 1 || d.attempts[ids[1][0]] != 3 {
		t.Errorf("attempts: permanent %d (want 1), transient %d (want 3)", d.attempts[ids[0][0]], d.attempts[ids[1][0]])
	}
}

// While the target is unavailable (a refused token), nothing is given up on
// however long it lasts: items stay pending without using up their
// attempts, the whole target pauses with backoff, and everything goes out,
// in order, once it works again.
func TestDispatcherWaitsOutAnUnavailableTarget(t *testing.T) {
	db := openDB(t)
	ids := queue(t, db, 2, 2)
	d := newScripted()
	down := bot.Unavailable(errors.New("token_revoked"))
	d.errs[ids[0][0]] = []error{down, down, down, down, down} // more than MaxAttempts
	d.errs[ids[1][0]] = []error{down}

	var mu sync.Mutex
	var failed []int64
	disp := bot.NewDispatcher(db, "test", d, bot.DispatcherConfig{
		MaxAttempts: 2, MinBackoff: 10 * time.Millisecond, MaxPause: 40 * time.Millisecond, Poll: time.Hour,
		Failed: func(_ context.Context, it bot.OutboxItem, _ error) {
			mu.Lock()
			failed = append(failed, it.ID)
			mu.Unlock()
		},
	}, discard())
	stop := run(disp)
	defer stop()
	disp.Kick()
	waitFor(t, "4 deliveries", func() bool { return d.count() == 4 })
	mu.Lock()
	defer mu.Unlock()
	if len(failed) != 0 {
		t.Errorf("items %v given up on while the target was unavailable", failed)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if got := d.attempts[ids[0][0]]; got != 6 {
		t.Errorf("unavailable item: %d attempts, want 6 (5 refused, then delivered)", got)
	}
	pos := map[int64]int{}
	for i, it := range d.delivered {
		pos[it.ID] = i
		if it.ID == ids[0][0] && it.Attempts != 0 {
			t.Errorf("unavailable item delivered with %d attempts recorded, want 0", it.Attempts)
		}
	}
	for c, convIDs := range ids {
		if pos[convIDs[0]] > pos[convIDs[1]] {
			t.Errorf("conversation %d: delivered out of order", c)
		}
	}
}

// Items survive a restart: a new dispatcher on the same database delivers
// what the stopped one did not.
func TestDispatcherSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	db, err := storage.Open(context.Background(), filepath.Join(dir, "relais.db"))
	if err != nil {
		t.Fatal(err)
	}
	queue(t, db, 1, 3)
	db.Close() // "crash" before any delivery

	db, err = storage.Open(context.Background(), filepath.Join(dir, "relais.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	d := newScripted()
	stop := run(bot.NewDispatcher(db, "test", d, bot.DispatcherConfig{Poll: time.Hour}, discard()))
	defer stop()
	waitFor(t, "3 deliveries after restart", func() bool { return d.count() == 3 })
}

// Committing an outbox item wakes the dispatcher through storage's listener:
// no polling delay.
func TestDispatcherWakesOnCommit(t *testing.T) {
	db := openDB(t)
	d := newScripted()
	disp := bot.NewDispatcher(db, "test", d, bot.DispatcherConfig{Poll: time.Hour}, discard())
	db.OnOutbox(func(target string) {
		if target == disp.Target() {
			disp.Kick()
		}
	})
	stop := run(disp)
	defer stop()
	time.Sleep(20 * time.Millisecond) // the dispatcher is asleep for an hour
	queue(t, db, 1, 1)
	waitFor(t, "delivery without polling", func() bool { return d.count() == 1 })
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

// countingStore counts the outbox reads of a dispatcher.
type countingStore struct {
	*storage.DB
	mu       sync.Mutex
	due, nxt int
}

func (s *countingStore) DueOutbox(ctx context.Context, target string, now time.Time, limit int) ([]bot.OutboxItem, bool, error) {
	s.mu.Lock()
	s.due++
	s.mu.Unlock()
	return s.DB.DueOutbox(ctx, target, now, limit)
}

func (s *countingStore) NextOutboxAttempt(ctx context.Context, target string) (time.Time, bool, error) {
	s.mu.Lock()
	s.nxt++
	s.mu.Unlock()
	return s.DB.NextOutboxAttempt(ctx, target)
}

func (s *countingStore) reads() (due, next int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.due, s.nxt
}

// A batch with nothing behind it is not followed by another read of the
// outbox: the dispatcher waits for the next kick (an item queued) or retry.
func TestDispatcherReadsOncePerBatch(t *testing.T) {
	store := &countingStore{DB: openDB(t)}
	queue(t, store.DB, 3, 1)
	d := newScripted()
	disp := bot.NewDispatcher(store, "test", d, bot.DispatcherConfig{Poll: time.Hour}, discard())
	stop := run(disp)
	defer stop()
	waitFor(t, "3 deliveries", func() bool { return d.count() == 3 })
	waitFor(t, "the wait for the next item", func() bool { _, next := store.reads(); return next == 1 })
	if due, _ := store.reads(); due != 1 {
		t.Errorf("DueOutbox read %d times for one batch with nothing behind it, want 1", due)
	}
	// Items behind others are read at once, without a kick.
	queue(t, store.DB, 1, 3)
	disp.Kick()
	waitFor(t, "3 more deliveries", func() bool { return d.count() == 6 })
}

// failingCompletions is a store that cannot record deliveries.
type failingCompletions struct{ *storage.DB }

func (failingCompletions) CompleteOutbox(context.Context, int64) error {
	return errors.New("disk I/O error")
}

// When a delivery cannot be recorded, the item is still due: the
// dispatcher pauses, with backoff, instead of delivering it again at once.
func TestDispatcherPausesOnDatabaseErrors(t *testing.T) {
	db := openDB(t)
	queue(t, db, 1, 1)
	d := newScripted()
	stop := run(bot.NewDispatcher(failingCompletions{db}, "test", d,
		bot.DispatcherConfig{MinBackoff: 50 * time.Millisecond, Poll: time.Hour}, discard()))
	time.Sleep(400 * time.Millisecond)
	stop()
	// At 0, ~50, ~150 and ~350 ms (±20 % jitter).
	if n := d.count(); n < 2 || n > 5 {
		t.Errorf("delivered %d times in 400 ms while deliveries could not be recorded, want 2–5 (backoff from 50 ms)", n)
	}
}
