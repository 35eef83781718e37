package openai

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// UsageStore keeps the tokens used per day, so that the daily budget holds
// across restarts. Implemented by *storage.DB.
type UsageStore interface {
	// TokensUsed returns the tokens counted on day (YYYY-MM-DD, UTC); 0 if none.
	TokensUsed(ctx context.Context, day string) (int64, error)
	// AddTokensUsed adds tokens and calls to day's count.
	AddTokensUsed(ctx context.Context, day string, tokens, calls int64) error
}

// budget counts the tokens of the current UTC day against a limit. Counts
// are kept in memory and written to the store by flush (every few seconds
// and at shutdown): a crash loses at most the last few seconds of counts.
type budget struct {
	limit int64 // 0: no limit
	store UsageStore

	mu      sync.Mutex
	day     string
	used    int64               // tokens of day, stored and pending
	pending map[string][2]int64 // day → tokens and calls not yet stored
}

func day(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// newBudget returns a budget starting from what store counted today.
func newBudget(ctx context.Context, limit int64, store UsageStore, now time.Time) (*budget, error) {
	b := &budget{limit: limit, store: store, day: day(now), pending: map[string][2]int64{}}
	if store != nil {
		used, err := store.TokensUsed(ctx, b.day)
		if err != nil {
			return nil, fmt.Errorf("read today's token usage: %w", err)
		}
		b.used = used
	}
	return b, nil
}

// rollover starts a new day's count when the day changed. b.mu is held.
func (b *budget) rollover(now time.Time) {
	if d := day(now); d != b.day {
		b.day, b.used = d, 0
	}
}

// exhausted reports whether today's tokens reached the limit.
func (b *budget) exhausted(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.rollover(now)
	return b.limit > 0 && b.used >= b.limit
}

// add counts the tokens of one call.
func (b *budget) add(now time.Time, tokens int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.rollover(now)
	b.used += tokens
	p := b.pending[b.day]
	p[0] += tokens
	p[1]++
	b.pending[b.day] = p
}

// today returns the tokens used today.
func (b *budget) today(now time.Time) int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.rollover(now)
	return b.used
}

// flush writes the pending counts to the store; what cannot be written stays
// pending for the next flush.
func (b *budget) flush(ctx context.Context) error {
	if b.store == nil {
		return nil
	}
	b.mu.Lock()
	pending := b.pending
	b.pending = map[string][2]int64{}
	b.mu.Unlock()
	var errs []error
	for d, p := range pending {
		if err := b.store.AddTokensUsed(ctx, d, p[0], p[1]); err != nil {
			errs = append(errs, err)
			b.mu.Lock()
			q := b.pending[d]
			b.pending[d] = [2]int64{q[0] + p[0], q[1] + p[1]}
			b.mu.Unlock()
		}
	}
	return errors.Join(errs...)
}
