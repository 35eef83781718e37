package slack

import (
	"context"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
)

func TestLanes(t *testing.T) {
	var l lanes
	ctx := context.Background()
	release, err := l.acquire(ctx, "C1:1.0")
	if err != nil {
		t.Fatal(err)
	}
	// Another thread's lane is free meanwhile.
	other, err := l.acquire(ctx, "C1:2.0")
	if err != nil {
		t.Fatalf("another thread waited for the first: %v", err)
	}
	other()
	// The same thread's lane waits for its holder.
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := l.acquire(short, "C1:1.0"); err == nil {
		t.Fatal("a thread's lane was taken twice")
	}
	got := make(chan struct{})
	go func() {
		r, err := l.acquire(ctx, "C1:1.0")
		if err == nil {
			r()
		}
		close(got)
	}()
	time.Sleep(10 * time.Millisecond)
	release()
	select {
	case <-got:
	case <-time.After(time.Second):
		t.Fatal("the lane was not handed over on release")
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.m) != 0 {
		t.Errorf("%d lanes left after every holder released, want 0", len(l.m))
	}
}

// A reply in a thread and a click on the thread's parent message share a lane.
func TestLaneOfReplyAndClick(t *testing.T) {
	reply := slackevents.EventsAPIInnerEvent{Data: &slackevents.MessageEvent{Channel: "C1", TimeStamp: "5.0", ThreadTimeStamp: "1.0"}}
	click := slack.InteractionCallback{Container: slack.Container{ChannelID: "C1", MessageTs: "1.0"}}
	otherThread := slackevents.EventsAPIInnerEvent{Data: &slackevents.MessageEvent{Channel: "C1", TimeStamp: "6.0", ThreadTimeStamp: "2.0"}}
	if eventLane(reply) != interactionLane(click) {
		t.Errorf("reply lane %q, click lane %q: want the same", eventLane(reply), interactionLane(click))
	}
	if eventLane(reply) == eventLane(otherThread) {
		t.Error("two threads share a lane")
	}
}
