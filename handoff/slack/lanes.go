package slack

import (
	"cmp"
	"context"
	"sync"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
)

// Inbound work of different conversation threads runs concurrently; that of
// one thread one item at a time, so that an agent's replies and clicks in a
// thread take effect in the order Slack sent them.
const (
	inboundParallel = 8               // threads handled at once (Socket Mode)
	inboundQueued   = 1000            // events waiting per thread before Slack is left to send them again
	inboundDrain    = 5 * time.Second // at shutdown, how long queued events may finish
)

// lanes lets one holder per key run at a time, any number of keys at once.
type lanes struct {
	mu sync.Mutex
	m  map[string]*lane
}

type lane struct {
	ch    chan struct{} // holds a token while the lane is taken
	users int           // holders and waiters; the lane is dropped at 0
}

// acquire takes key's lane, waiting for its holder, and returns the func
// that releases it. It fails only when ctx ends first.
func (l *lanes) acquire(ctx context.Context, key string) (func(), error) {
	l.mu.Lock()
	if l.m == nil {
		l.m = map[string]*lane{}
	}
	ln := l.m[key]
	if ln == nil {
		ln = &lane{ch: make(chan struct{}, 1)}
		l.m[key] = ln
	}
	ln.users++
	l.mu.Unlock()
	done := func() {
		l.mu.Lock()
		if ln.users--; ln.users == 0 {
			delete(l.m, key)
		}
		l.mu.Unlock()
	}
	select {
	case ln.ch <- struct{}{}:
		return func() { <-ln.ch; done() }, nil
	case <-ctx.Done():
		done()
		return nil, ctx.Err()
	}
}

// eventLane is the lane of an Events API event: its conversation thread,
// or one lane for everything else.
func eventLane(inner slackevents.EventsAPIInnerEvent) string {
	if ev, ok := inner.Data.(*slackevents.MessageEvent); ok {
		return ev.Channel + ":" + cmp.Or(ev.ThreadTimeStamp, ev.TimeStamp)
	}
	return ""
}

// interactionLane is the lane of a click: the thread of the message it is
// on (buttons are on a thread's parent message).
func interactionLane(cb slack.InteractionCallback) string {
	c := cb.Container
	if c.ChannelID == "" {
		return ""
	}
	return c.ChannelID + ":" + cmp.Or(c.ThreadTs, c.MessageTs)
}
