package storage

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/relaisbot/relais/bot"
)

// open returns a migrated database in a fresh temporary directory.
func open(t *testing.T) *DB {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "relais.db"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return db
}

var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

func newConversation(key string) *bot.Conversation {
	return &bot.Conversation{Channel: bot.ChannelWidget, CustomerKey: key, Lang: bot.LangFR, State: bot.StateBot, CreatedAt: t0, UpdatedAt: t0}
}

func TestOpenSetsPragmasOnEveryPool(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	var mode string
	if err := db.read.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("read pool journal_mode = %q, %v; want wal", mode, err)
	}
	for _, p := range []struct {
		name string
		q    func(string) (int, error)
	}{
		{"write foreign_keys", func(q string) (n int, err error) { err = db.write.QueryRowContext(ctx, q).Scan(&n); return }},
		{"read foreign_keys", func(q string) (n int, err error) { err = db.read.QueryRowContext(ctx, q).Scan(&n); return }},
	} {
		if n, err := p.q(`PRAGMA foreign_keys`); err != nil || n != 1 {
			t.Errorf("%s = %d, %v; want 1", p.name, n, err)
		}
	}
	var timeout, sync int
	if err := db.read.QueryRowContext(ctx, `PRAGMA busy_timeout`).Scan(&timeout); err != nil || timeout != 10000 {
		t.Errorf("busy_timeout = %d, %v; want 10000", timeout, err)
	}
	if err := db.write.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&sync); err != nil || sync != 1 {
		t.Errorf("write pool synchronous = %d, %v; want 1 (NORMAL)", sync, err)
	}
	if _, err := db.read.ExecContext(ctx, `DELETE FROM conversations`); err == nil {
		t.Error("read pool accepted a write; want query-only")
	}
}

func TestMigrationsAreIdempotentAndRefuseNewerSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "relais.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := migrations()
	if v, err := db.SchemaVersion(ctx); err != nil || v != len(want) {
		t.Fatalf("SchemaVersion = %d, %v; want %d", v, err, len(want))
	}
	db.Close()
	// Reopening an up-to-date database applies nothing and keeps the data.
	if db, err = Open(ctx, path); err != nil {
		t.Fatalf("reopen: %v", err)
	}
	if v, _ := db.SchemaVersion(ctx); v != len(want) {
		t.Errorf("after reopening: version %d, want %d", v, len(want))
	}
	if _, err := db.write.ExecContext(ctx, `INSERT INTO schema_migrations VALUES (999, 'future.sql', 'x')`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if db, err := Open(ctx, path); err == nil {
		db.Close()
		t.Fatal("Open of a database with a newer schema succeeded; want an error")
	}
}

func TestCommitRoundTrip(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	conv := newConversation("k1")
	c := &bot.Change{
		Conversation: conv,
		Messages: []bot.Message{
			{Role: bot.RoleBot, Action: bot.ActionGreeting, Text: "Bonjour", Lang: bot.LangFR, CreatedAt: t0},
			{Role: bot.RoleCustomer, Text: "Où est mon colis ?", ExternalID: "c-1", Lang: bot.LangFR, CreatedAt: t0},
		},
		Outbox: []bot.OutboxItem{{Target: "discord", Kind: "deliver", MessageIndex: 1}},
	}
	if err := db.Commit(ctx, c); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	if conv.ID == 0 || c.Messages[0].ID == 0 || c.Messages[1].ID <= c.Messages[0].ID {
		t.Fatalf("ids not set: conversation %d, messages %d %d", conv.ID, c.Messages[0].ID, c.Messages[1].ID)
	}
	if c.Outbox[0].MessageID != c.Messages[0].ID {
		t.Errorf("outbox MessageID = %d, want %d", c.Outbox[0].MessageID, c.Messages[0].ID)
	}
	got, err := db.Conversation(ctx, conv.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(*conv, got); diff != "" {
		t.Errorf("Conversation mismatch (-want +got):\n%s", diff)
	}
	latest, err := db.LatestConversation(ctx, bot.ChannelWidget, "k1")
	if err != nil || latest.ID != conv.ID {
		t.Errorf("LatestConversation = %d, %v; want %d", latest.ID, err, conv.ID)
	}

	// The bot answers: quick replies, decision fields and handled flag survive.
	conv.State = bot.StateWaiting
	conv.UpdatedAt = t0.Add(time.Second)
	answer := bot.Message{Role: bot.RoleBot, Action: bot.ActionAnswer, FAQID: "shipping.tracking", Confidence: 0.91,
		Text: "Suivez votre colis…", ReplyTo: c.Messages[1].ID, Lang: bot.LangFR, CreatedAt: conv.UpdatedAt,
		QuickReplies: []bot.QuickReply{{Label: "👍 Oui", Payload: bot.PayloadHelpful}}}
	c2 := &bot.Change{
		Conversation: conv, Messages: []bot.Message{answer}, Handled: []int64{c.Messages[1].ID},
		Transition: &bot.Transition{From: bot.StateBot, To: bot.StateWaiting, Actor: "bot", Reason: "explicit_request"},
		Handoff:    &bot.Handoff{Reason: "explicit_request", Score: 1, Signals: []string{"asked for a human"}, CreatedAt: conv.UpdatedAt},
	}
	if err := db.Commit(ctx, c2); err != nil {
		t.Fatalf("Commit answer: %v", err)
	}
	msgs, err := db.Messages(ctx, conv.ID, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	want := []bot.Message{c.Messages[0], c.Messages[1], c2.Messages[0]}
	want[1].Handled = true
	if diff := cmp.Diff(want, msgs); diff != "" {
		t.Errorf("Messages mismatch (-want +got):\n%s", diff)
	}
	recent, err := db.RecentMessages(ctx, conv.ID, 0, 0, 2)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want[1:], recent); diff != "" {
		t.Errorf("RecentMessages mismatch (-want +got):\n%s", diff)
	}
	after, err := db.Messages(ctx, conv.ID, c.Messages[1].ID, 10)
	if err != nil || len(after) != 1 || after[0].ID != c2.Messages[0].ID {
		t.Errorf("Messages after %d = %v, %v; want the answer only", c.Messages[1].ID, after, err)
	}
	if got, _ := db.Conversation(ctx, conv.ID); got.State != bot.StateWaiting {
		t.Errorf("state = %s, want waiting", got.State)
	}
}

func TestCommitDuplicateExternalIDIsConflictAndAtomic(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	conv := newConversation("k")
	first := &bot.Change{Conversation: conv, Messages: []bot.Message{{Role: bot.RoleCustomer, Text: "a", ExternalID: "same"}}}
	if err := db.Commit(ctx, first); err != nil {
		t.Fatal(err)
	}
	second := &bot.Change{Conversation: conv, Messages: []bot.Message{
		{Role: bot.RoleBot, Text: "should not survive"},
		{Role: bot.RoleCustomer, Text: "a", ExternalID: "same"},
	}}
	err := db.Commit(ctx, second)
	if bot.ErrorKind(err) != bot.EConflict {
		t.Fatalf("Commit duplicate: err = %v (kind %q), want kind %q", err, bot.ErrorKind(err), bot.EConflict)
	}
	msgs, _ := db.Messages(ctx, conv.ID, 0, 10)
	if len(msgs) != 1 {
		t.Errorf("after failed commit: %d messages stored, want 1 (the change must be atomic)", len(msgs))
	}
	m, err := db.MessageByExternalID(ctx, bot.ChannelWidget, "same")
	if err != nil || m.ID != first.Messages[0].ID {
		t.Errorf("MessageByExternalID = %v, %v; want message %d", m, err, first.Messages[0].ID)
	}
	if _, err := db.MessageByExternalID(ctx, bot.ChannelDiscord, "same"); bot.ErrorKind(err) != bot.ENotFound {
		t.Errorf("same id on another channel: err = %v, want not found (ids are unique per channel)", err)
	}
}

// A Change's Event is recorded with it; a Change carrying an event recorded
// before (by any writer) is a conflict and writes nothing.
func TestCommitEventIsRecordedOnce(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	conv := newConversation("k")
	ev := &bot.Event{Source: "slack", ID: "Ev1"}
	first := &bot.Change{Conversation: conv, Event: ev, Messages: []bot.Message{{Role: bot.RoleAgent, Text: "a", ExternalID: "1"}}}
	if err := db.Commit(ctx, first); err != nil {
		t.Fatal(err)
	}
	if seen, err := db.EventSeen(ctx, "slack", "Ev1"); err != nil || !seen {
		t.Fatalf("EventSeen = %v, %v; want recorded", seen, err)
	}
	second := &bot.Change{Conversation: conv, Event: ev, Messages: []bot.Message{{Role: bot.RoleAgent, Text: "b", ExternalID: "2"}}}
	if err := db.Commit(ctx, second); bot.ErrorKind(err) != bot.EConflict {
		t.Fatalf("Commit with a recorded event: err = %v, want kind %q", err, bot.EConflict)
	}
	if first, err := db.MarkEvent(ctx, "slack", "Ev1"); err != nil || first {
		t.Errorf("MarkEvent of the recorded event = %v, %v; want not first", first, err)
	}
	if msgs, _ := db.Messages(ctx, conv.ID, 0, 10); len(msgs) != 1 {
		t.Errorf("%d messages stored, want 1 (the second change must not be written)", len(msgs))
	}
	if seen, err := db.EventSeen(ctx, "discord", "Ev1"); err != nil || seen {
		t.Errorf("EventSeen of another source = %v, %v; want not seen", seen, err)
	}
}

func TestNotFoundErrors(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	if _, err := db.Conversation(ctx, 42); bot.ErrorKind(err) != bot.ENotFound {
		t.Errorf("Conversation(42) err = %v, want not found", err)
	}
	if _, err := db.LatestConversation(ctx, bot.ChannelWidget, "nobody"); bot.ErrorKind(err) != bot.ENotFound {
		t.Errorf("LatestConversation err = %v, want not found", err)
	}
	ghost := &bot.Conversation{ID: 77, Channel: bot.ChannelWidget, Lang: bot.LangEN, State: bot.StateBot}
	if err := db.Commit(ctx, &bot.Change{Conversation: ghost}); bot.ErrorKind(err) != bot.ENotFound {
		t.Errorf("Commit to missing conversation err = %v, want not found", err)
	}
}

// Concurrent read-then-write transactions must not fail with "database is
// locked": writes queue on the single writer connection.
func TestConcurrentWriters(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	const writers, each = 8, 40
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conv := newConversation(string(rune('a' + w)))
			for i := range each {
				if i > 0 {
					if _, err := db.LatestConversation(ctx, conv.Channel, conv.CustomerKey); err != nil {
						errs <- err
						continue
					}
				}
				errs <- db.Commit(ctx, &bot.Change{Conversation: conv, Messages: []bot.Message{{Role: bot.RoleCustomer, Text: "x"}}})
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent commit: %v", err)
		}
	}
	var n int
	db.read.QueryRow(`SELECT COUNT(*) FROM messages`).Scan(&n)
	if n != writers*each {
		t.Errorf("stored %d messages, want %d", n, writers*each)
	}
}

// A Change built from a stale read of the conversation is refused, and a
// failed Change leaves the caller's structs as they were.
func TestCommitOptimisticConcurrency(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	conv := newConversation("k")
	if err := db.Commit(ctx, &bot.Change{Conversation: conv}); err != nil {
		t.Fatal(err)
	}
	a, _ := db.Conversation(ctx, conv.ID)
	b, _ := db.Conversation(ctx, conv.ID)
	a.State = bot.StateWaiting
	if err := db.Commit(ctx, &bot.Change{Conversation: &a}); err != nil {
		t.Fatal(err)
	}
	b.State = bot.StateResolved
	stale := &bot.Change{Conversation: &b, Messages: []bot.Message{{Role: bot.RoleBot, Text: "x"}}}
	if err := db.Commit(ctx, stale); bot.ErrorKind(err) != bot.EConflict {
		t.Fatalf("Commit of a stale conversation: err = %v, want conflict", err)
	}
	if stale.Messages[0].ID != 0 || stale.Conversation.Version != b.Version {
		t.Errorf("failed commit changed the caller's change: message id %d, version %d", stale.Messages[0].ID, stale.Conversation.Version)
	}
	if got, _ := db.Conversation(ctx, conv.ID); got.State != bot.StateWaiting {
		t.Errorf("state = %s, want waiting (the stale change must not win)", got.State)
	}
	// Marking a message handled twice is a conflict too (two answers).
	m := &bot.Change{Conversation: &a, Messages: []bot.Message{{Role: bot.RoleCustomer, Text: "q"}}}
	if err := db.Commit(ctx, m); err != nil {
		t.Fatal(err)
	}
	if err := db.Commit(ctx, &bot.Change{Conversation: &a, Handled: []int64{m.Messages[0].ID}}); err != nil {
		t.Fatal(err)
	}
	if err := db.Commit(ctx, &bot.Change{Conversation: &a, Handled: []int64{m.Messages[0].ID}}); bot.ErrorKind(err) != bot.EConflict {
		t.Errorf("handling a handled message again: err = %v, want conflict", err)
	}
}

func TestUnhandledMessages(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	conv := newConversation("k")
	c := &bot.Change{Conversation: conv, Messages: []bot.Message{
		{Role: bot.RoleCustomer, Text: "one"},
		{Role: bot.RoleCustomer, Text: "two", Handled: true},
		{Role: bot.RoleBot, Text: "bot messages are never unhandled"},
	}}
	if err := db.Commit(ctx, c); err != nil {
		t.Fatal(err)
	}
	got, err := db.UnhandledMessages(ctx, conv.ID, c.Messages[2].ID)
	if err != nil || len(got) != 1 || got[0].ID != c.Messages[0].ID {
		t.Fatalf("UnhandledMessages = %v, %v; want only message %d", got, err, c.Messages[0].ID)
	}
	if got, _ := db.UnhandledMessages(ctx, conv.ID, c.Messages[0].ID-1); len(got) != 0 {
		t.Errorf("UnhandledMessages through an earlier id = %v, want none", got)
	}
	pending, err := db.PendingMessages(ctx, time.Now().Add(time.Hour), 10)
	if err != nil || len(pending) != 1 || pending[0].ID != c.Messages[0].ID {
		t.Errorf("PendingMessages = %v, %v; want message %d", pending, err, c.Messages[0].ID)
	}
	if pending, _ := db.PendingMessages(ctx, time.Now().Add(-time.Hour), 10); len(pending) != 0 {
		t.Errorf("PendingMessages before an hour ago = %v, want none (too recent)", pending)
	}
	if err := db.Commit(ctx, &bot.Change{Conversation: conv, Handled: []int64{c.Messages[0].ID}}); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.UnhandledMessages(ctx, conv.ID, c.Messages[2].ID); len(got) != 0 {
		t.Errorf("after marking handled: %d unhandled, want 0", len(got))
	}
}

// Concurrent Commits share transactions; a Change that fails (a duplicate
// external id) is rolled back alone, the others are stored.
func TestGroupCommitIsolatesFailures(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	const n = 64
	convs := make([]*bot.Conversation, n)
	for i := range convs {
		convs[i] = newConversation(fmt.Sprint("k", i))
		if err := db.Commit(ctx, &bot.Change{Conversation: convs[i]}); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	errs := make([]error, n)
	changes := make([]*bot.Change, n)
	for i := range n {
		ext := fmt.Sprint("unique-", i)
		if i%2 == 1 {
			ext = "same" // one of these wins, the others conflict
		}
		changes[i] = &bot.Change{Conversation: convs[i], Messages: []bot.Message{
			{Role: bot.RoleBot, Text: "before"}, {Role: bot.RoleCustomer, Text: "x", ExternalID: ext}}}
		wg.Go(func() { errs[i] = db.Commit(ctx, changes[i]) })
	}
	wg.Wait()
	ok, conflicts := 0, 0
	for i, err := range errs {
		switch {
		case err == nil:
			ok++
		case bot.ErrorKind(err) == bot.EConflict:
			conflicts++
			if changes[i].Messages[0].ID != 0 {
				t.Errorf("change %d failed but kept message id %d", i, changes[i].Messages[0].ID)
			}
		default:
			t.Errorf("change %d: %v", i, err)
		}
	}
	if ok != n/2+1 || conflicts != n/2-1 {
		t.Errorf("%d stored, %d conflicts; want %d and %d", ok, conflicts, n/2+1, n/2-1)
	}
	var rows int
	db.read.QueryRow(`SELECT COUNT(*) FROM messages`).Scan(&rows)
	if rows != 2*ok {
		t.Errorf("%d messages stored, want %d (a failed change stores nothing)", rows, 2*ok)
	}
}
