package bot

import (
	"context"
	"sync"
	"time"
)

// Serial runs jobs one at a time per key (a customer, a conversation), in
// the order they were added, with at most parallel jobs at once overall. A
// key's goroutine exists only while it has work. It never blocks the caller
// of Add. Adapters use it to handle inbound events of different
// conversations concurrently while keeping each conversation's order.
type Serial struct {
	sem       chan struct{}
	maxQueued int
	ctx       context.Context // the jobs' context; cancelled when draining takes too long
	cancel    context.CancelFunc
	wg        sync.WaitGroup

	mu     sync.Mutex
	queues map[string][]func(context.Context)
	closed bool
}

// NewSerial returns a Serial running at most parallel jobs at once and
// keeping at most maxQueued waiting jobs per key.
func NewSerial(parallel, maxQueued int) *Serial {
	ctx, cancel := context.WithCancel(context.Background())
	return &Serial{sem: make(chan struct{}, parallel), maxQueued: maxQueued, ctx: ctx, cancel: cancel,
		queues: map[string][]func(context.Context){}}
}

// Add queues job after key's earlier jobs. It returns false, dropping the
// job, once closed or when key has maxQueued jobs waiting.
func (s *Serial) Add(key string, job func(context.Context)) bool {
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
func (s *Serial) run(key string) {
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

// Close refuses new jobs, waits for the queued ones for at most grace, then
// cancels them and waits until every goroutine has ended.
func (s *Serial) Close(grace time.Duration) {
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
