package storage

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/relaisbot/relais/bot"
)

// Prune deletes old processed events and finished outbox items, and keeps
// what is still of use.
func TestPrune(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	clock := t0.Add(-10 * 24 * time.Hour) // ten days ago
	db.SetClock(func() time.Time { return clock })

	waiting, resolved := newConversation("w"), newConversation("r")
	waiting.State, resolved.State = bot.StateWaiting, bot.StateResolved
	for _, c := range []*bot.Conversation{waiting, resolved} {
		if err := db.Commit(ctx, &bot.Change{Conversation: c}); err != nil {
			t.Fatal(err)
		}
	}
	// More old events than a batch.
	for i := range pruneBatch + 500 {
		if _, err := db.MarkEvent(ctx, "slack", fmt.Sprint("old", i)); err != nil {
			t.Fatal(err)
		}
	}
	item := func(conv *bot.Conversation, kind string) bot.OutboxItem {
		return bot.OutboxItem{Target: bot.TargetDesk, Kind: kind, ConversationID: conv.ID}
	}
	old := []bot.OutboxItem{
		item(resolved, "mark"),     // 0: delivered: pruned
		item(resolved, "mark"),     // 1: failed ten days ago: kept for now
		item(resolved, "reminder"), // 2: delivered, the conversation no longer waits: pruned
		item(waiting, "reminder"),  // 3: delivered, the conversation still waits: kept
		item(waiting, "mark"),      // 4: still pending: kept
	}
	if err := db.Enqueue(ctx, old...); err != nil {
		t.Fatal(err)
	}
	// Enqueue sets the ids on its own copy: read them back in order.
	due, _, err := db.DueOutbox(ctx, bot.TargetDesk, clock, 10)
	if err != nil || len(due) != 2 {
		t.Fatalf("due = %v, %v", due, err)
	}
	ids := []int64{due[0].ID, due[0].ID + 1, due[0].ID + 2, due[1].ID, due[1].ID + 1}
	for _, id := range []int64{ids[0], ids[2], ids[3]} {
		if err := db.CompleteOutbox(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.FailOutbox(ctx, ids[1], "403"); err != nil {
		t.Fatal(err)
	}

	clock = t0
	if _, err := db.MarkEvent(ctx, "slack", "new"); err != nil {
		t.Fatal(err)
	}
	p, err := db.Prune(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if p.Events != pruneBatch+500 || p.Outbox != 2 {
		t.Errorf("Prune = %+v, want %d events and 2 outbox items", p, pruneBatch+500)
	}
	for id, want := range map[string]bool{"old0": false, fmt.Sprint("old", pruneBatch+499): false, "new": true} {
		if seen, err := db.EventSeen(ctx, "slack", id); err != nil || seen != want {
			t.Errorf("EventSeen(%s) = %v, %v; want %v", id, seen, err, want)
		}
	}
	if got := outboxIDs(t, db); fmt.Sprint(got) != fmt.Sprint([]int64{ids[1], ids[3], ids[4]}) {
		t.Errorf("outbox after pruning = %v, want %v (failed, waiting reminder, pending)", got, []int64{ids[1], ids[3], ids[4]})
	}

	clock = t0.Add(KeepFailed)
	if _, err := db.Prune(ctx); err != nil {
		t.Fatal(err)
	}
	if got := outboxIDs(t, db); fmt.Sprint(got) != fmt.Sprint([]int64{ids[3], ids[4]}) {
		t.Errorf("outbox a month later = %v, want %v", got, []int64{ids[3], ids[4]})
	}

	// The newest item stays, delivered long ago or not: SQLite would give
	// its id to the next one.
	if err := db.CompleteOutbox(ctx, ids[4]); err != nil {
		t.Fatal(err)
	}
	clock = clock.Add(2 * KeepDelivered)
	if _, err := db.Prune(ctx); err != nil {
		t.Fatal(err)
	}
	if got := outboxIDs(t, db); fmt.Sprint(got) != fmt.Sprint([]int64{ids[3], ids[4]}) {
		t.Errorf("outbox after the newest item was delivered long ago = %v, want %v", got, []int64{ids[3], ids[4]})
	}
}

func outboxIDs(t *testing.T, db *DB) []int64 {
	t.Helper()
	rows, err := db.read.Query(`SELECT id FROM outbox ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}
