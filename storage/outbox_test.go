package storage

import (
	"context"
	"testing"
	"time"

	"github.com/relaisbot/relais/bot"
)

func TestOutboxOrderPerConversation(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	a, b := newConversation("a"), newConversation("b")
	for _, conv := range []*bot.Conversation{a, b} {
		c := &bot.Change{Conversation: conv, Messages: []bot.Message{{Role: bot.RoleCustomer, Text: "1"}, {Role: bot.RoleCustomer, Text: "2"}},
			Outbox: []bot.OutboxItem{
				{Target: "desk", Kind: "customer_message", MessageIndex: 1, CreatedAt: t0},
				{Target: "desk", Kind: "customer_message", MessageIndex: 2, CreatedAt: t0},
				{Target: "discord", Kind: "deliver", MessageIndex: 2, CreatedAt: t0},
			}}
		if err := db.Commit(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	due, more, err := db.DueOutbox(ctx, "desk", t0, 10)
	if err != nil {
		t.Fatal(err)
	}
	// Only the first item of each conversation is due: the second waits for it.
	if len(due) != 2 || due[0].ConversationID != a.ID || due[1].ConversationID != b.ID || !more {
		t.Fatalf("due = %+v, more %v; want the first desk item of a and of b, more behind them", due, more)
	}
	if d, more, _ := db.DueOutbox(ctx, "discord", t0, 10); len(d) != 2 || more {
		t.Errorf("discord items due = %d, more %v; want 2 (targets are independent streams), none behind", len(d), more)
	}
	if d, more, _ := db.DueOutbox(ctx, "discord", t0, 1); len(d) != 1 || !more {
		t.Errorf("discord items due with limit 1 = %d, more %v; want 1, more (the batch was cut)", len(d), more)
	}

	// A failed attempt keeps the order: a's second item still waits.
	if err := db.RetryOutbox(ctx, due[0].ID, t0.Add(time.Minute), "429"); err != nil {
		t.Fatal(err)
	}
	if err := db.CompleteOutbox(ctx, due[1].ID); err != nil {
		t.Fatal(err)
	}
	due, more, _ = db.DueOutbox(ctx, "desk", t0, 10)
	if len(due) != 1 || due[0].ConversationID != b.ID || more {
		t.Fatalf("after retry of a and completion of b: due = %+v, more %v; want b's second item only, nothing behind", due, more)
	}
	next, ok, err := db.NextOutboxAttempt(ctx, "desk")
	if err != nil || !ok || !next.Equal(t0) {
		t.Errorf("NextOutboxAttempt = %v, %v, %v; want %v", next, ok, err, t0)
	}
	later, _, _ := db.DueOutbox(ctx, "desk", t0.Add(time.Minute), 10)
	if len(later) != 2 || later[0].Attempts != 1 || later[0].LastError != "429" {
		t.Fatalf("a minute later: due = %+v; want a's retried item (1 attempt, error 429) and b's item", later)
	}
	if err := db.FailOutbox(ctx, later[0].ID, "gave up"); err != nil {
		t.Fatal(err)
	}
	depth, err := db.OutboxDepth(ctx)
	if err != nil || depth["desk"] != 2 || depth["discord"] != 2 {
		t.Errorf("OutboxDepth = %v, %v; want desk 2, discord 2", depth, err)
	}
	if err := db.CompleteOutbox(ctx, 9999); bot.ErrorKind(err) != bot.ENotFound {
		t.Errorf("CompleteOutbox(9999) err = %v, want not found", err)
	}
}

// EnqueueOnce records the event and queues its items together, once.
func TestEnqueueOnce(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	conv := newConversation("a")
	if err := db.Commit(ctx, &bot.Change{Conversation: conv}); err != nil {
		t.Fatal(err)
	}
	item := bot.OutboxItem{Target: "desk", Kind: "mark", ConversationID: conv.ID, CreatedAt: t0}
	for i, want := range []bool{true, false} {
		first, err := db.EnqueueOnce(ctx, "mark", "42", item)
		if err != nil || first != want {
			t.Fatalf("EnqueueOnce #%d = %v, %v; want %v", i+1, first, err, want)
		}
	}
	if due, _, err := db.DueOutbox(ctx, "desk", t0.Add(time.Minute), 10); err != nil || len(due) != 1 {
		t.Errorf("desk items = %d, %v; want exactly 1", len(due), err)
	}
	// A failed insert records nothing: the next attempt is the first.
	bad := item
	bad.ConversationID = 999 // no such conversation (foreign key)
	if _, err := db.EnqueueOnce(ctx, "mark", "43", bad); err == nil {
		t.Fatal("EnqueueOnce with an unknown conversation succeeded")
	}
	if first, err := db.EnqueueOnce(ctx, "mark", "43", item); err != nil || !first {
		t.Errorf("EnqueueOnce after a failed attempt = %v, %v; want first", first, err)
	}
}
