package discord

import (
	"context"
	"sync"
	"time"
)

// Limits of the inbound work.
const (
	maxParallel  = 8                // customers handled at once
	maxQueued    = 200              // events waiting per customer; more are dropped (a flood)
	drainTimeout = 10 * time.Second // how long Close lets queued events finish
)

// serial runs jobs one at a time per key (a customer), in the order they
// were added, with at most parallel jobs at once overall. A key's goroutine
// exists only while it has work. It never blocks the caller of add.
type serial struct {
	sem       chan struct{}
	maxQueued int
	ctx       context.Context // the jobs' context; cancelled when draining takes too long
	cancel    context.CancelFunc
	wg        sync.WaitGroup

	mu     sync.Mutex
	queues map[string][]func(context.Context)
	closed bool
}

func newSerial(parallel, maxQueued int) *serial {
	ctx, cancel := context.WithCancel(context.Background())
	return &serial{sem: make(chan struct{}, parallel), maxQueued: maxQueued, ctx: ctx, cancel: cancel,
		queues: map[string][]func(context.Context){}}
}

// add queues job after key's earlier jobs. It returns false, dropping the
// job, once closed or when key has maxQueued jobs waiting.
func (s *serial) add(key string, job func(context.Context)) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	q, running := s.queues[key]
	if s.closed || len(q) >= s.maxQueued {
		return false
	}
	s.queues[key] = append(q, job)
	if !running {
		s.wg.Add(1)
		go s.run(key)
	}
	return true
}

// run runs key's jobs until none is left.
func (s *serial) run(key string) {
	defer s.wg.Done()
	for {
		s.mu.Lock()
		q := s.queues[key]
		if len(q) == 0 {
			delete(s.queues, key)
			s.mu.Unlock()
			return
		}
		job := q[0]
		q[0] = nil
		s.queues[key] = q[1:]
		s.mu.Unlock()
		select {
		case s.sem <- struct{}{}:
			if s.ctx.Err() == nil { // out of time: the rest is dropped
				job(s.ctx)
			}
			<-s.sem
		case <-s.ctx.Done():
		}
	}
}

// close refuses new jobs, waits for the queued ones for at most grace, then
// cancels them and waits until every goroutine has ended.
func (s *serial) close(grace time.Duration) {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		s.cancel()
		<-done
	}
	s.cancel()
}
