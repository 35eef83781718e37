package openai

import (
	"sync"
	"time"
)

// Circuit breaker settings: after breakerFailures failures in a row the API
// is left alone for breakerOpen, then one call probes it.
const (
	breakerFailures = 5
	breakerOpen     = 30 * time.Second
)

// breaker stops calls to an API that keeps failing. Closed, it lets every
// call through; after breakerFailures consecutive failures it opens and
// refuses calls for breakerOpen; then it lets one probe through (half-open):
// a success closes it, a failure opens it again. Safe for concurrent use.
type breaker struct {
	failures int           // consecutive failures
	openFor  time.Duration // how long it stays open

	mu        sync.Mutex
	streak    int
	openUntil time.Time
	probing   bool // a half-open probe is under way
}

func newBreaker(failures int, openFor time.Duration) *breaker {
	return &breaker{failures: failures, openFor: openFor}
}

// allow reports whether a call may go now. A true in the half-open state
// makes the caller the probe: it must report its outcome.
func (b *breaker) allow(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.streak < b.failures {
		return true
	}
	if now.Before(b.openUntil) || b.probing {
		return false
	}
	b.probing = true
	return true
}

// success records a successful call: the breaker closes.
func (b *breaker) success() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.streak, b.probing = 0, false
}

// failure records a failed call; the breaker opens at the threshold (again
// after a failed probe).
func (b *breaker) failure(now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.streak++
	b.probing = false
	if b.streak >= b.failures {
		b.openUntil = now.Add(b.openFor)
	}
}

// release ends a call whose outcome says nothing about the API (the caller
// gave up): a probe slot it held is freed.
func (b *breaker) release() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.probing = false
}

// open reports whether calls are refused now.
func (b *breaker) open(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.streak >= b.failures && (now.Before(b.openUntil) || b.probing)
}
