package bot

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"
)

// OutboxStore is what a Dispatcher needs from storage.
type OutboxStore interface {
	// DueOutbox returns up to limit pending items of target due at now, at most
	// one per conversation (the oldest), so a conversation's items go in order,
	// and whether more may be due once they are done (later items of those
	// conversations, or a batch cut at limit).
	DueOutbox(ctx context.Context, target string, now time.Time, limit int) (items []OutboxItem, more bool, err error)
	// NextOutboxAttempt returns when the next pending item of target is due.
	NextOutboxAttempt(ctx context.Context, target string) (time.Time, bool, error)
	CompleteOutbox(ctx context.Context, id int64) error
	RetryOutbox(ctx context.Context, id int64, next time.Time, errText string) error
	FailOutbox(ctx context.Context, id int64, errText string) error
}

// Deliverer delivers outbox items of one target to the outside world.
// Deliver returns nil once the item is delivered, a *RetryAfterError when the
// platform asked to wait (HTTP 429), a Permanent error when retrying cannot
// help, an Unavailable error when the target takes nothing until an operator
// fixes it, and any other error for a failure worth retrying with backoff.
type Deliverer interface {
	Deliver(ctx context.Context, it OutboxItem) error
}

// RetryAfterError asks the dispatcher to try again after a delay (rate limits).
type RetryAfterError struct {
	After time.Duration
	Err   error
}

func (e *RetryAfterError) Error() string { return fmt.Sprintf("retry after %v: %v", e.After, e.Err) }
func (e *RetryAfterError) Unwrap() error { return e.Err }

// permanentError marks a failure that retrying cannot fix.
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// Permanent wraps err so that the dispatcher gives up at once.
func Permanent(err error) error { return permanentError{err} }

// unavailableError marks a failure of the whole target, not of the item.
type unavailableError struct{ err error }

func (e unavailableError) Error() string { return e.err.Error() }
func (e unavailableError) Unwrap() error { return e.err }

// Unavailable wraps err to say that the target takes no item at all until
// an operator fixes something (a refused token): the dispatcher keeps the
// item pending without counting the attempt, so that nothing is given up on,
// and pauses the whole target, trying again with backoff (MaxPause at most)
// so that delivery resumes soon after the fix.
func Unavailable(err error) error { return unavailableError{err} }

// DispatcherConfig tunes a Dispatcher. Zero values take the defaults.
type DispatcherConfig struct {
	MaxAttempts int           // attempts before giving up (default 8)
	MinBackoff  time.Duration // first retry delay (default 1s), doubled each time
	MaxBackoff  time.Duration // longest retry delay (default 5m)
	Parallel    int           // items (of different conversations) delivered at once (default 4)
	Poll        time.Duration // longest sleep without a Kick (default 5s)
	MaxPause    time.Duration // longest pause while the target is Unavailable (default 1m)
	// Delivered and Failed, if set, are called after an item is delivered or
	// given up on (for delivery marks). They must not block for long.
	Delivered func(ctx context.Context, it OutboxItem)
	Failed    func(ctx context.Context, it OutboxItem, err error)
}

// Dispatcher delivers the outbox items of one target: due items are delivered
// in order per conversation, failures are retried with exponential backoff and
// jitter, rate limits are honoured, and an item that keeps failing is marked
// failed loudly. Items survive restarts: they live in the database.
type Dispatcher struct {
	store   OutboxStore
	target  string
	handler Deliverer
	cfg     DispatcherConfig
	logger  *slog.Logger
	now     func() time.Time
	kick    chan struct{}

	mu          sync.Mutex
	pausedUntil time.Time // the target is Unavailable until then
	outages     int       // Unavailable answers in a row
}

// NewDispatcher returns a Dispatcher of target's items through handler.
func NewDispatcher(store OutboxStore, target string, handler Deliverer, cfg DispatcherConfig, logger *slog.Logger) *Dispatcher {
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 8
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = time.Second
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 5 * time.Minute
	}
	if cfg.Parallel <= 0 {
		cfg.Parallel = 4
	}
	if cfg.Poll <= 0 {
		cfg.Poll = 5 * time.Second
	}
	if cfg.MaxPause <= 0 {
		cfg.MaxPause = time.Minute
	}
	return &Dispatcher{store: store, target: target, handler: handler, cfg: cfg, logger: logger,
		now: time.Now, kick: make(chan struct{}, 1)}
}

// Target returns the target the Dispatcher delivers.
func (d *Dispatcher) Target() string { return d.target }

// Kick wakes the Dispatcher up: new items were queued. It never blocks.
func (d *Dispatcher) Kick() {
	select {
	case d.kick <- struct{}{}:
	default:
	}
}

// Run delivers items until ctx ends.
func (d *Dispatcher) Run(ctx context.Context) {
	for {
		if wait := d.pausedFor(); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
		}
		more, err := d.deliverDue(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			// An outcome could not be recorded: the item is still due, and
			// trying again at once would deliver it again and again.
			d.logger.Error("outbox: database error; pausing before the next attempt", "target", d.target,
				"retry_in", d.pause().Round(time.Millisecond), "err", err)
			continue
		}
		if more {
			continue // later items of the same conversations, or a full batch
		}
		// Items queued meanwhile have kicked: the wait below ends at once.
		wait := d.cfg.Poll
		if next, ok, err := d.store.NextOutboxAttempt(ctx, d.target); err == nil && ok {
			wait = min(wait, max(0, next.Sub(d.now())))
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-d.kick:
		case <-t.C:
		}
		t.Stop()
	}
}

// deliverDue delivers one batch of due items and reports whether more may
// be due after them. It returns an error, so that Run pauses, if the outcome
// of a delivery could not be recorded.
func (d *Dispatcher) deliverDue(ctx context.Context) (bool, error) {
	items, more, err := d.store.DueOutbox(ctx, d.target, d.now(), d.cfg.Parallel*4)
	if err != nil || len(items) == 0 {
		return false, err
	}
	sem := make(chan struct{}, d.cfg.Parallel)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	for _, it := range items {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := d.deliver(ctx, it); err != nil {
				mu.Lock()
				firstErr = cmp.Or(firstErr, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return more, firstErr
}

// deliver delivers one item and records the outcome. It returns an error only
// when the outcome could not be recorded.
func (d *Dispatcher) deliver(ctx context.Context, it OutboxItem) error {
	err := d.handler.Deliver(ctx, it)
	// Built when there is something to log: most deliveries succeed, and a
	// logger with attributes costs an allocation per item.
	itemLog := func() *slog.Logger {
		return d.logger.With("target", d.target, "kind", it.Kind, "item", it.ID, "conversation", it.ConversationID, "attempt", it.Attempts+1)
	}
	if err == nil {
		// Record it even if shutdown began meanwhile: it was delivered.
		if err := d.store.CompleteOutbox(context.WithoutCancel(ctx), it.ID); err != nil {
			itemLog().Error("outbox: delivered but cannot mark it done; it may be delivered again", "err", err)
			return err
		}
		d.resume() // the target and the database both work
		if d.cfg.Delivered != nil {
			d.cfg.Delivered(ctx, it)
		}
		return nil
	}
	if ctx.Err() != nil {
		return nil // shutting down: the item stays pending and is retried at the next start
	}
	log := itemLog()
	var perm permanentError
	var ra *RetryAfterError
	var down unavailableError
	switch {
	case errors.As(err, &down):
		// Not the item's fault: it stays pending as it is, and every item
		// of the target waits.
		log.Warn("outbox: target unavailable; its items wait", "retry_in", d.pause().Round(time.Millisecond), "err", err)
		return nil
	case errors.As(err, &perm) || it.Attempts+1 >= d.cfg.MaxAttempts:
		log.Error("outbox: delivery failed for good", "err", err)
		if ferr := d.store.FailOutbox(ctx, it.ID, err.Error()); ferr != nil {
			log.Error("outbox: cannot mark item failed", "err", ferr)
			return ferr
		}
		if d.cfg.Failed != nil {
			d.cfg.Failed(ctx, it, err)
		}
		return nil
	case errors.As(err, &ra):
		log.Warn("outbox: rate limited", "retry_after", ra.After)
		return d.retry(ctx, log, it, max(ra.After, 100*time.Millisecond), err)
	default:
		log.Warn("outbox: delivery failed, will retry", "err", err)
		return d.retry(ctx, log, it, d.backoff(it.Attempts), err)
	}
}

func (d *Dispatcher) retry(ctx context.Context, log *slog.Logger, it OutboxItem, after time.Duration, cause error) error {
	if err := d.store.RetryOutbox(ctx, it.ID, d.now().Add(after), cause.Error()); err != nil {
		log.Error("outbox: cannot schedule retry", "err", err)
		return err
	}
	return nil
}

// pause stops deliveries of the target for a while, longer after each
// Unavailable answer in a row, and returns how long.
func (d *Dispatcher) pause() time.Duration {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.now()
	if now.Before(d.pausedUntil) { // another item of the batch paused it already
		return d.pausedUntil.Sub(now)
	}
	wait := min(d.backoff(d.outages), d.cfg.MaxPause)
	d.outages++
	d.pausedUntil = now.Add(wait)
	return wait
}

// resume ends a pause: an item was delivered, so the target works.
func (d *Dispatcher) resume() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.outages, d.pausedUntil = 0, time.Time{}
}

// pausedFor returns how long deliveries are still paused.
func (d *Dispatcher) pausedFor() time.Duration {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.pausedUntil.Sub(d.now())
}

// backoff returns the delay before attempt n+2: MinBackoff·2ⁿ, capped, with
// ±20 % jitter so that retries of many items do not arrive together.
func (d *Dispatcher) backoff(attempts int) time.Duration {
	b := d.cfg.MinBackoff << min(attempts, 20)
	if b <= 0 || b > d.cfg.MaxBackoff {
		b = d.cfg.MaxBackoff
	}
	jitter := 0.8 + 0.4*rand.Float64()
	return time.Duration(float64(b) * jitter)
}

// SetClock replaces the Dispatcher's clock (tests).
func (d *Dispatcher) SetClock(now func() time.Time) { d.now = now }
