package slackfake

import (
	"context"
	"maps"
	"slices"
	"time"
)

// hold waits d, as a slow Slack does before answering. It returns false if
// the client went away (its timeout) or the fake is closing first.
func (s *Server) hold(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-s.ctx.Done():
		return false
	}
}

// RetryUnacked makes the fake retry events like Slack does: from now on, an
// Events API envelope that the app has not acknowledged within timeout (the
// app crashed, or its connection dropped before it acked) is sent again with
// the same event id and the next retry_attempt, at most maxRetries times per
// event. Slack waits 3 s for an ack; tests may want less.
func (s *Server) RetryUnacked(timeout time.Duration, maxRetries int) {
	s.wg.Go(func() {
		t := time.NewTicker(max(timeout/4, 10*time.Millisecond))
		defer t.Stop()
		sent := map[string]time.Time{} // envelope id → when the fake first saw it unacked
		for {
			select {
			case <-s.ctx.Done():
				return
			case now := <-t.C:
				s.retryUnacked(now, timeout, maxRetries, sent)
			}
		}
	})
}

// retryUnacked queues again the events whose latest envelope is unacked and
// older than timeout.
func (s *Server) retryUnacked(now time.Time, timeout time.Duration, maxRetries int, sent map[string]time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	latest := map[string]int{} // event id → index of its latest delivery
	for i, d := range s.state.Deliveries {
		if d.Type == "events_api" && d.EventID != "" {
			latest[d.EventID] = i
		}
	}
	for _, o := range s.queue {
		delete(latest, o.eventID) // queued again already
	}
	ids := slices.Sorted(maps.Keys(latest)) // event ids sort in the order they were made
	retried := false
	for _, id := range ids {
		d := s.state.Deliveries[latest[id]]
		if d.Acked {
			continue
		}
		first, ok := sent[d.ID]
		if !ok {
			sent[d.ID] = now
			continue
		}
		rec := s.events[id]
		if now.Sub(first) < timeout || rec.retries >= maxRetries {
			continue
		}
		rec.retries++
		s.events[id] = rec
		s.queue = append(s.queue, outgoing{kind: "events_api", eventID: id, payload: rec.payload, retry: rec.retries})
		retried = true
	}
	if retried {
		s.signal()
	}
}
