package storage

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/relaisbot/relais/handoff"
)

// Waiting returns the conversations waiting for an agent, with when they
// were handed over and the desk reminders sent since.
func (db *DB) Waiting(ctx context.Context) ([]handoff.Waiting, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+conversationColumns+`, since, last_reminder, reminders FROM (
		SELECT c.*, h.created_at AS since,
		       (SELECT MAX(o.created_at) FROM outbox o WHERE o.conversation_id = c.id AND o.target = 'desk'
		          AND o.kind = 'reminder' AND o.created_at >= h.created_at) AS last_reminder,
		       (SELECT COUNT(*) FROM outbox o WHERE o.conversation_id = c.id AND o.target = 'desk'
		          AND o.kind = 'reminder' AND o.created_at >= h.created_at) AS reminders
		FROM conversations c
		JOIN handoffs h ON h.id = (SELECT MAX(id) FROM handoffs WHERE conversation_id = c.id)
		WHERE c.state = 'waiting')
		ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("query waiting conversations: %w", err)
	}
	defer rows.Close()
	var out []handoff.Waiting
	for rows.Next() {
		var (
			w     handoff.Waiting
			since string
			last  sql.NullString
			d     = convDest{c: &w.Conversation}
		)
		if err := rows.Scan(append(d.dest(), &since, &last, &w.Reminders)...); err != nil {
			return nil, fmt.Errorf("read waiting conversation: %w", err)
		}
		err := d.finish()
		if err != nil {
			return nil, err
		}
		if w.Since, err = parseTime(since); err != nil {
			return nil, err
		}
		if last.Valid {
			if w.LastReminder, err = parseTime(last.String); err != nil {
				return nil, err
			}
		}
		out = append(out, w)
	}
	return out, rows.Err()
}
