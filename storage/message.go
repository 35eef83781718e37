package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/relaisbot/relais/bot"
)

const messageColumns = `id, conversation_id, role, author, text, payload, external_id, quick_replies, reply_to,
	handled, action, faq_id, confidence, lang, created_at`

// MessageByExternalID returns the message stored with this channel-scoped id.
// Returns bot.ENotFound if there is none.
func (db *DB) MessageByExternalID(ctx context.Context, ch bot.Channel, externalID string) (bot.Message, error) {
	row := db.read.QueryRowContext(ctx, `SELECT `+messageColumns+` FROM messages
		WHERE channel = ? AND external_id = ?`, ch, externalID)
	m, err := scanMessage(row)
	if err != nil {
		return m, notFound(err, "message not found")
	}
	return m, nil
}

// Messages returns up to limit messages of a conversation with an id above
// afterID, oldest first.
func (db *DB) Messages(ctx context.Context, conversationID, afterID int64, limit int) ([]bot.Message, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+messageColumns+` FROM messages
		WHERE conversation_id = ? AND id > ? ORDER BY id LIMIT ?`, conversationID, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("query messages: %w", err)
	}
	return scanMessages(rows, false)
}

// RecentMessages returns the last limit messages of a conversation with an id
// above afterID and, if throughID is not 0, at most throughID; oldest first.
func (db *DB) RecentMessages(ctx context.Context, conversationID, afterID, throughID int64, limit int) ([]bot.Message, error) {
	if throughID == 0 {
		throughID = math.MaxInt64
	}
	rows, err := db.read.QueryContext(ctx, `SELECT `+messageColumns+` FROM messages
		WHERE conversation_id = ? AND id > ? AND id <= ? ORDER BY id DESC LIMIT ?`, conversationID, afterID, throughID, limit)
	if err != nil {
		return nil, fmt.Errorf("query recent messages: %w", err)
	}
	return scanMessages(rows, true)
}

// UnhandledMessages returns the customer messages of a conversation not yet
// handled, with an id at most throughID, oldest first.
func (db *DB) UnhandledMessages(ctx context.Context, conversationID, throughID int64) ([]bot.Message, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+messageColumns+` FROM messages
		WHERE conversation_id = ? AND id <= ? AND handled = 0 AND role = 'customer' ORDER BY id`, conversationID, throughID)
	if err != nil {
		return nil, fmt.Errorf("query unhandled messages: %w", err)
	}
	return scanMessages(rows, false)
}

// PendingMessages returns up to limit customer messages of any conversation
// stored before `before` and never handled (a crash or a failure between
// storing and answering), oldest first.
func (db *DB) PendingMessages(ctx context.Context, before time.Time, limit int) ([]bot.Message, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+messageColumns+` FROM messages
		WHERE handled = 0 AND role = 'customer' AND created_at < ? ORDER BY id LIMIT ?`,
		before.UTC().Format(timeFormat), limit)
	if err != nil {
		return nil, fmt.Errorf("query pending messages: %w", err)
	}
	return scanMessages(rows, false)
}

// scanMessages reads all rows, reversing them if reverse is set.
func scanMessages(rows *sql.Rows, reverse bool) ([]bot.Message, error) {
	defer rows.Close()
	var ms []bot.Message
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, err
		}
		ms = append(ms, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read messages: %w", err)
	}
	if reverse {
		for i, j := 0, len(ms)-1; i < j; i, j = i+1, j-1 {
			ms[i], ms[j] = ms[j], ms[i]
		}
	}
	return ms, nil
}

func scanMessage(s scanner) (bot.Message, error) {
	var (
		m                  bot.Message
		role, action, lang string
		externalID, quick  sql.NullString
		replyTo            sql.NullInt64
		created            string
	)
	err := s.Scan(&m.ID, &m.ConversationID, &role, &m.Author, &m.Text, &m.Payload, &externalID, &quick, &replyTo,
		&m.Handled, &action, &m.FAQID, &m.Confidence, &lang, &created)
	if err != nil {
		return m, err
	}
	m.Role, m.Action, m.Lang = bot.Role(role), bot.Action(action), bot.Lang(lang)
	m.ExternalID, m.ReplyTo = externalID.String, replyTo.Int64
	if quick.Valid {
		if err := json.Unmarshal([]byte(quick.String), &m.QuickReplies); err != nil {
			return m, fmt.Errorf("decode quick replies of message %d: %w", m.ID, err)
		}
	}
	m.CreatedAt, err = parseTime(created)
	return m, err
}
