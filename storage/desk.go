package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/relaisbot/relais/bot"
	"github.com/relaisbot/relais/handoff"
)

var _ handoff.Store = (*DB)(nil)

// MessageByID returns a message. Returns bot.ENotFound if there is none.
func (db *DB) MessageByID(ctx context.Context, id int64) (bot.Message, error) {
	m, err := scanMessage(db.read.QueryRowContext(ctx, `SELECT `+messageColumns+` FROM messages WHERE id = ?`, id))
	if err != nil {
		return m, notFound(err, "message %d not found", id)
	}
	return m, nil
}

// MarkEvent records that the event (source, id) was processed and reports
// whether this is the first time: platform retries are recognised by it.
func (db *DB) MarkEvent(ctx context.Context, source, id string) (bool, error) {
	return db.EnqueueOnce(ctx, source, id)
}

// EventSeen reports whether the event (source, id) was recorded as
// processed, by MarkEvent, EnqueueOnce or a Change's Event.
func (db *DB) EventSeen(ctx context.Context, source, id string) (bool, error) {
	var seen bool
	err := db.read.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM processed_events WHERE source = ? AND event_id = ?)`,
		source, id).Scan(&seen)
	if err != nil {
		return false, fmt.Errorf("look up event: %w", err)
	}
	return seen, nil
}

// recordEvent records the event (source, id) in tx and reports whether it
// was the first time.
func (db *DB) recordEvent(ctx context.Context, tx *sql.Tx, source, id string) (bool, error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO processed_events (source, event_id, created_at) VALUES (?, ?, ?)
		ON CONFLICT DO NOTHING`, source, id, db.stamp(db.now()))
	if err != nil {
		return false, fmt.Errorf("record event: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("record event: %w", err)
	}
	return n > 0, nil
}

// EnqueueOnce queues items if the event (source, id) was never processed,
// and records it, in one transaction: a crash cannot record the event and
// lose the items. It reports whether this was the first time.
func (db *DB) EnqueueOnce(ctx context.Context, source, id string, items ...bot.OutboxItem) (bool, error) {
	// No read first: callers filter repeats out before (EventSeen, or a
	// cache), so nearly every call is a first, and a read would cost as much
	// as the write transaction's own check.
	first := false
	err := db.update(ctx, func(tx *sql.Tx) error {
		var err error
		if first, err = db.recordEvent(ctx, tx, source, id); err != nil || !first {
			return err
		}
		for i := range items {
			if err := db.insertOutbox(ctx, tx, items[i].ConversationID, nil, &items[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return false, err
	}
	if first {
		db.notifyOutbox(items)
	}
	return first, nil
}

// LatestHandoff returns the conversation's most recent handoff.
// Returns bot.ENotFound if it was never handed over.
func (db *DB) LatestHandoff(ctx context.Context, conversationID int64) (bot.Handoff, error) {
	var (
		h                bot.Handoff
		signals, created string
	)
	err := db.read.QueryRowContext(ctx, `SELECT id, conversation_id, reason, score, signals, topic, created_at
		FROM handoffs WHERE conversation_id = ? ORDER BY id DESC LIMIT 1`, conversationID).
		Scan(&h.ID, &h.ConversationID, &h.Reason, &h.Score, &signals, &h.Topic, &created)
	if err != nil {
		return h, notFound(err, "conversation %d was never handed over", conversationID)
	}
	if err := json.Unmarshal([]byte(signals), &h.Signals); err != nil {
		return h, fmt.Errorf("decode signals of handoff %d: %w", h.ID, err)
	}
	h.CreatedAt, err = parseTime(created)
	return h, err
}

// DeskThread returns the conversation's desk thread.
// Returns bot.ENotFound if it has none yet.
func (db *DB) DeskThread(ctx context.Context, conversationID int64) (handoff.Thread, error) {
	row := db.read.QueryRowContext(ctx, `SELECT conversation_id, desk, channel, thread, created_at
		FROM desk_threads WHERE conversation_id = ?`, conversationID)
	t, err := scanThread(row)
	if err != nil {
		return t, notFound(err, "conversation %d has no desk thread", conversationID)
	}
	return t, nil
}

// ThreadConversation returns the thread with this desk, channel and parent id.
// Returns bot.ENotFound if no conversation has it.
func (db *DB) ThreadConversation(ctx context.Context, desk, channel, thread string) (handoff.Thread, error) {
	row := db.read.QueryRowContext(ctx, `SELECT conversation_id, desk, channel, thread, created_at
		FROM desk_threads WHERE desk = ? AND channel = ? AND thread = ?`, desk, channel, thread)
	t, err := scanThread(row)
	if err != nil {
		return t, notFound(err, "no conversation for this thread")
	}
	return t, nil
}

// SaveDeskThread records a conversation's desk thread.
// Returns bot.EConflict if the conversation has one already.
func (db *DB) SaveDeskThread(ctx context.Context, t handoff.Thread) error {
	return db.update(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO desk_threads (conversation_id, desk, channel, thread, created_at)
			VALUES (?, ?, ?, ?, ?)`, t.ConversationID, t.Desk, t.Channel, t.Thread, db.stamp(t.CreatedAt))
		if isUniqueViolation(err) {
			return bot.Errorf(bot.EConflict, "conversation %d has a desk thread already", t.ConversationID)
		}
		if err != nil {
			return fmt.Errorf("save desk thread: %w", err)
		}
		return nil
	})
}

// CSAT returns the conversation's rating (1–5), or 0 if it has none.
func (db *DB) CSAT(ctx context.Context, conversationID int64) (int, error) {
	var score int
	err := db.read.QueryRowContext(ctx, `SELECT score FROM csat WHERE conversation_id = ?`, conversationID).Scan(&score)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	return score, err
}

func scanThread(s scanner) (handoff.Thread, error) {
	var (
		t       handoff.Thread
		created string
	)
	if err := s.Scan(&t.ConversationID, &t.Desk, &t.Channel, &t.Thread, &created); err != nil {
		return t, err
	}
	var err error
	t.CreatedAt, err = parseTime(created)
	return t, err
}
