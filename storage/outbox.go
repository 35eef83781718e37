package storage

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/relaisbot/relais/bot"
)

const outboxColumns = `id, target, kind, conversation_id, message_id, payload, attempts, next_attempt_at, last_error, created_at`

// insertOutbox queues an item in tx. An item's MessageIndex (1-based) names a
// message of the same Change, whose id is known by now.
func (db *DB) insertOutbox(ctx context.Context, tx *sql.Tx, conversationID int64, msgs []bot.Message, it *bot.OutboxItem) error {
	if it.MessageIndex > 0 {
		if it.MessageIndex > len(msgs) {
			return fmt.Errorf("outbox item refers to message %d of %d", it.MessageIndex, len(msgs))
		}
		it.MessageID = msgs[it.MessageIndex-1].ID
	}
	if it.ConversationID == 0 {
		it.ConversationID = conversationID
	}
	if it.CreatedAt.IsZero() {
		it.CreatedAt = db.now().UTC()
	}
	if it.NextAttempt.IsZero() {
		it.NextAttempt = it.CreatedAt
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO outbox
		(target, kind, conversation_id, message_id, payload, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		it.Target, it.Kind, nullInt(it.ConversationID), nullInt(it.MessageID), it.Payload,
		db.stamp(it.NextAttempt), db.stamp(it.CreatedAt))
	if err != nil {
		return fmt.Errorf("insert outbox item: %w", err)
	}
	it.ID, err = res.LastInsertId()
	return err
}

// Enqueue queues outbox items outside of a conversation Change.
func (db *DB) Enqueue(ctx context.Context, items ...bot.OutboxItem) error {
	err := db.update(ctx, func(tx *sql.Tx) error {
		for i := range items {
			if err := db.insertOutbox(ctx, tx, items[i].ConversationID, nil, &items[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		db.notifyOutbox(items)
	}
	return err
}

// OnOutbox registers fn to be called with the target of every outbox item
// committed from now on (once per target and commit), so that dispatchers
// wake up at once. Register listeners before the database is used.
func (db *DB) OnOutbox(fn func(target string)) {
	db.outboxListeners = append(db.outboxListeners, fn)
}

func (db *DB) notifyOutbox(items []bot.OutboxItem) {
	if len(items) == 0 || len(db.outboxListeners) == 0 {
		return
	}
	seen := make(map[string]bool, 2)
	for _, it := range items {
		if seen[it.Target] {
			continue
		}
		seen[it.Target] = true
		for _, fn := range db.outboxListeners {
			fn(it.Target)
		}
	}
}

// DueOutbox returns up to limit pending items for target that are due at now.
// Within one conversation items are delivered in order: an item is returned
// only when no earlier item of its conversation and target is pending. more
// reports whether other items may be due once these are done: later items of
// their conversations are pending, or limit cut the batch short.
func (db *DB) DueOutbox(ctx context.Context, target string, now time.Time, limit int) (items []bot.OutboxItem, more bool, err error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+outboxColumns+`,
		  EXISTS (SELECT 1 FROM outbox q WHERE q.status = 'pending' AND q.target = o.target
		          AND q.conversation_id = o.conversation_id AND q.id > o.id)
		FROM outbox o
		WHERE o.status = 'pending' AND o.target = ? AND o.next_attempt_at <= ?
		  AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.status = 'pending' AND p.target = o.target
		                  AND p.conversation_id = o.conversation_id AND p.id < o.id)
		ORDER BY o.id LIMIT ?`, target, now.UTC().Format(timeFormat), limit)
	if err != nil {
		return nil, false, fmt.Errorf("query outbox: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			it            bot.OutboxItem
			conv, msg     sql.NullInt64
			next, created string
			behind        bool
		)
		if err := rows.Scan(&it.ID, &it.Target, &it.Kind, &conv, &msg, &it.Payload, &it.Attempts, &next, &it.LastError, &created, &behind); err != nil {
			return nil, false, fmt.Errorf("read outbox item: %w", err)
		}
		it.ConversationID, it.MessageID = conv.Int64, msg.Int64
		if it.NextAttempt, err = parseTime(next); err != nil {
			return nil, false, err
		}
		if it.CreatedAt, err = parseTime(created); err != nil {
			return nil, false, err
		}
		items = append(items, it)
		more = more || behind
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("read outbox: %w", err)
	}
	return items, more || len(items) == limit, nil
}

// NextOutboxAttempt returns when the earliest pending item for target is due,
// and false if none is pending.
func (db *DB) NextOutboxAttempt(ctx context.Context, target string) (time.Time, bool, error) {
	var next sql.NullString
	err := db.read.QueryRowContext(ctx, `SELECT MIN(next_attempt_at) FROM outbox WHERE status = 'pending' AND target = ?`,
		target).Scan(&next)
	if err != nil || !next.Valid {
		return time.Time{}, false, err
	}
	t, err := parseTime(next.String)
	return t, err == nil, err
}

// CompleteOutbox marks an item delivered.
func (db *DB) CompleteOutbox(ctx context.Context, id int64) error {
	return db.setOutbox(ctx, `UPDATE outbox SET status = 'done', attempts = attempts + 1, last_error = '', done_at = ? WHERE id = ?`,
		db.stamp(time.Time{}), id)
}

// RetryOutbox records a failed attempt and schedules the next one.
func (db *DB) RetryOutbox(ctx context.Context, id int64, next time.Time, errText string) error {
	return db.setOutbox(ctx, `UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?`,
		db.stamp(next), errText, id)
}

// FailOutbox gives up on an item after its last attempt.
func (db *DB) FailOutbox(ctx context.Context, id int64, errText string) error {
	return db.setOutbox(ctx, `UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = ?, done_at = ? WHERE id = ?`,
		errText, db.stamp(time.Time{}), id)
}

func (db *DB) setOutbox(ctx context.Context, q string, args ...any) error {
	return db.update(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("update outbox: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return bot.Errorf(bot.ENotFound, "outbox item not found")
		}
		return nil
	})
}

// OutboxDepth returns the number of pending outbox items per target.
func (db *DB) OutboxDepth(ctx context.Context) (map[string]int, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT target, COUNT(*) FROM outbox WHERE status = 'pending' GROUP BY target`)
	if err != nil {
		return nil, fmt.Errorf("count outbox: %w", err)
	}
	defer rows.Close()
	depth := map[string]int{}
	for rows.Next() {
		var (
			target string
			n      int
		)
		if err := rows.Scan(&target, &n); err != nil {
			return nil, err
		}
		depth[target] = n
	}
	return depth, rows.Err()
}
