package discordfake

import (
	"context"
	"time"
)

// hold waits d, as a slow Discord does before answering. It returns false
// if the client went away (its timeout) or the fake is closing first.
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
