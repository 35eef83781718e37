package storage

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// How long finished bookkeeping is kept. Platforms retry an event for
// minutes (Slack: three times within about an hour), so a week of
// processed events recognises every retry; delivered outbox items are of no
// use once delivered, failed ones are kept longer for whoever looks into it.
const (
	KeepEvents    = 7 * 24 * time.Hour
	KeepDelivered = 7 * 24 * time.Hour
	KeepFailed    = 30 * 24 * time.Hour
	pruneBatch    = 1000 // rows deleted per write transaction
)

// Pruned counts the rows Prune deleted.
type Pruned struct {
	Events, Outbox int
}

// Prune deletes the processed events and finished outbox items older than
// KeepEvents, KeepDelivered and KeepFailed: without it both tables grow by
// a few rows with every message relayed, for good. The reminders of a
// conversation still waiting for an agent are kept: they say when the next
// one is due, and so is the newest outbox item (SQLite would give its id
// again). Rows are found on a read connection and deleted by key, a batch
// per transaction, so that the writer is never held for long.
func (db *DB) Prune(ctx context.Context) (Pruned, error) {
	now := db.now().UTC()
	var (
		p   Pruned
		err error
	)
	// Events are kept in key order, not by age: each batch's scan goes on
	// from where the last one stopped, so that a prune reads the table once.
	after := []any{"", ""}
	p.Events, err = db.pruneBatches(ctx, `DELETE FROM processed_events WHERE source = ? AND event_id = ?`, func() ([][]any, error) {
		keys, err := db.pruneKeys(ctx, 2, `SELECT source, event_id FROM processed_events
			WHERE (source, event_id) > (?, ?) AND created_at < ? ORDER BY source, event_id LIMIT ?`,
			after[0], after[1], db.stamp(now.Add(-KeepEvents)), pruneBatch)
		if len(keys) > 0 {
			after = keys[len(keys)-1]
		}
		return keys, err
	})
	if err != nil {
		return p, fmt.Errorf("prune old events: %w", err)
	}
	// Oldest first: the scan stops at the first batch of matches. The newest
	// item stays: ids would otherwise be given again.
	p.Outbox, err = db.pruneBatches(ctx, `DELETE FROM outbox WHERE id = ?`, func() ([][]any, error) {
		return db.pruneKeys(ctx, 1, `SELECT id FROM outbox o
			WHERE (status = 'done' AND done_at < ? OR status = 'failed' AND done_at < ?)
			  AND id < (SELECT MAX(id) FROM outbox)
			  AND NOT (kind = 'reminder' AND EXISTS (SELECT 1 FROM conversations c
			                                        WHERE c.id = o.conversation_id AND c.state = 'waiting'))
			ORDER BY id LIMIT ?`,
			db.stamp(now.Add(-KeepDelivered)), db.stamp(now.Add(-KeepFailed)), pruneBatch)
	})
	if err != nil {
		return p, fmt.Errorf("prune old outbox items: %w", err)
	}
	return p, nil
}

// pruneBatches deletes, with del, the keys find returns, a batch per
// transaction, until a batch is short, and returns how many it deleted.
func (db *DB) pruneBatches(ctx context.Context, del string, find func() ([][]any, error)) (int, error) {
	n := 0
	for {
		keys, err := find()
		if err != nil {
			return n, err
		}
		if err := db.deleteKeys(ctx, del, keys); err != nil {
			return n, err
		}
		n += len(keys)
		if len(keys) < pruneBatch {
			return n, nil
		}
	}
}

// pruneKeys returns the keys, of n columns, that query finds.
func (db *DB) pruneKeys(ctx context.Context, n int, query string, args ...any) ([][]any, error) {
	rows, err := db.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var keys [][]any
	for rows.Next() {
		k := make([]any, n)
		dest := make([]any, n)
		for i := range k {
			dest[i] = &k[i]
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return keys, rows.Err()
}

// deleteKeys runs del for every key, in one transaction.
func (db *DB) deleteKeys(ctx context.Context, del string, keys [][]any) error {
	if len(keys) == 0 {
		return nil
	}
	return db.update(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, del)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, k := range keys {
			if _, err := stmt.ExecContext(ctx, k...); err != nil {
				return err
			}
		}
		return nil
	})
}
