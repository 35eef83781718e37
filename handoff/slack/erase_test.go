package slack_test

import (
	"errors"
	"testing"
	"time"

	"github.com/relaisbot/relais/bot"
	"github.com/relaisbot/relais/handoff/slack/slackfake"
)

// Erasing a customer deletes what Relais posted in their thread — the
// hand-over summary, the transcript, relayed messages — and keeps agents'
// own messages, which Slack lets only their authors delete. A rate limit
// halfway through is retried to the end.
func TestEraseDeletesRelaisPostsInThread(t *testing.T) {
	f := newFixture(t, setup{})
	conv := f.handOff("cust-1")
	f.deliverAll()
	f.say("cust-1", "my order number is 4242", "")
	f.deliverAll()
	th := f.thread(conv.ID)
	_, agentTS := f.fake.AgentReply(channel, th.Thread, "U0ALICE", "Let me check, Ada.")
	f.waitFor("the agent's reply stored", func() bool { return len(f.messages(conv.ID, bot.RoleAgent)) == 1 })
	f.deliverAll()
	other := f.handOff("cust-2")
	f.deliverAll()
	otherThread := f.thread(other.ID)

	before := f.fake.State()
	if len(before.Thread(channel, th.Thread)) < 3 {
		t.Fatalf("thread holds %d replies, want the transcript, the relayed message and the agent's", len(before.Thread(channel, th.Thread)))
	}
	e, err := bot.NewPrivacy(f.db, f.engine, nil).Erase(f.ctx, bot.Customer{Channel: bot.ChannelWidget, Key: "cust-1"}, "admin")
	if err != nil || e.Copies != 1 {
		t.Fatalf("Erase = %+v, %v; want one thread to delete", e, err)
	}

	items, _, err := f.db.DueOutbox(f.ctx, bot.TargetDesk, time.Now().Add(time.Hour), 10)
	if err != nil || len(items) != 1 || items[0].Kind != bot.KindErase {
		t.Fatalf("desk items = %+v, %v; want the erasure", items, err)
	}
	f.fake.Inject("chat.delete", slackfake.Fault{Skip: 1, Times: 1, Status: 429, RetryAfter: 1})
	err = f.adapter.Deliver(f.ctx, items[0])
	var ra *bot.RetryAfterError
	if !errors.As(err, &ra) {
		t.Fatalf("Deliver under a rate limit: %v, want a RetryAfterError", err)
	}
	if err := f.adapter.Deliver(f.ctx, items[0]); err != nil {
		t.Fatalf("Deliver, retried: %v", err)
	}

	st := f.fake.State()
	if _, ok := st.Message(channel, th.Thread); ok {
		t.Error("the thread's parent (the hand-over summary) was not deleted")
	}
	left := st.Thread(channel, th.Thread)
	if len(left) != 1 || left[0].TS != agentTS {
		t.Errorf("left in the thread: %+v; want only the agent's own message", left)
	}
	if _, ok := st.Message(channel, otherThread.Thread); !ok || len(st.Thread(channel, otherThread.Thread)) == 0 {
		t.Error("another customer's thread was touched")
	}
	// Delivered again (a crash before it was marked done): nothing fails.
	if err := f.adapter.Deliver(f.ctx, items[0]); err != nil {
		t.Errorf("Deliver of a finished erasure: %v", err)
	}
}
