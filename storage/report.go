package storage

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/relaisbot/relais/bot"
	"github.com/relaisbot/relais/faq"
	"github.com/relaisbot/relais/handoff"
)

var (
	_ handoff.ReportStore = (*DB)(nil)
	_ handoff.WaitStore   = (*DB)(nil)
)

// decisions are the bot actions that answer a customer's question.
const decisions = `('answer', 'clarify', 'fallback', 'handoff')`

// Outcomes returns how the bot fared in every conversation started in
// [since, until).
func (db *DB) Outcomes(ctx context.Context, since, until time.Time) ([]handoff.Outcome, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT c.id,
		       EXISTS (SELECT 1 FROM handoffs h WHERE h.conversation_id = c.id),
		       (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id AND m.role = 'bot' AND m.action IN `+decisions+`),
		       d.id, d.action, d.created_at,
		       (SELECT f.helpful FROM feedback f WHERE f.message_id = d.id ORDER BY f.id DESC LIMIT 1)
		FROM conversations c
		LEFT JOIN messages d ON d.id = (SELECT MAX(m.id) FROM messages m
		                                WHERE m.conversation_id = c.id AND m.role = 'bot' AND m.action IN `+decisions+`)
		WHERE c.created_at >= ? AND c.created_at < ?
		ORDER BY c.id`, stampRange(since, until)...)
	if err != nil {
		return nil, fmt.Errorf("query outcomes: %w", err)
	}
	defer rows.Close()
	var out []handoff.Outcome
	for rows.Next() {
		var (
			o        handoff.Outcome
			lastID   sql.NullInt64
			action   sql.NullString
			at       sql.NullString
			feedback sql.NullBool
		)
		if err := rows.Scan(&o.ConversationID, &o.HandedOver, &o.Decisions, &lastID, &action, &at, &feedback); err != nil {
			return nil, fmt.Errorf("read outcome: %w", err)
		}
		o.LastDecision = bot.Action(action.String)
		if at.Valid {
			if o.LastDecisionAt, err = parseTime(at.String); err != nil {
				return nil, err
			}
		}
		switch {
		case feedback.Valid && feedback.Bool:
			o.LastFeedback = 1
		case feedback.Valid:
			o.LastFeedback = -1
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// HandoffTimings returns every hand-over in [since, until) with the first
// agent reply and the resolution that followed it.
func (db *DB) HandoffTimings(ctx context.Context, since, until time.Time) ([]handoff.HandoffTiming, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT h.reason, h.created_at,
		       (SELECT MIN(m.created_at) FROM messages m WHERE m.conversation_id = h.conversation_id
		          AND m.role = 'agent' AND m.created_at >= h.created_at),
		       (SELECT MIN(s.created_at) FROM state_changes s WHERE s.conversation_id = h.conversation_id
		          AND s.to_state = 'resolved' AND s.created_at >= h.created_at)
		FROM handoffs h WHERE h.created_at >= ? AND h.created_at < ? ORDER BY h.id`, stampRange(since, until)...)
	if err != nil {
		return nil, fmt.Errorf("query hand-overs: %w", err)
	}
	defer rows.Close()
	var out []handoff.HandoffTiming
	for rows.Next() {
		var (
			h                 handoff.HandoffTiming
			at                string
			replied, resolved sql.NullString
		)
		if err := rows.Scan(&h.Reason, &at, &replied, &resolved); err != nil {
			return nil, fmt.Errorf("read hand-over: %w", err)
		}
		if h.HandedOver, err = parseTime(at); err != nil {
			return nil, err
		}
		if h.Replied, err = parseOptionalTime(replied); err != nil {
			return nil, err
		}
		if h.Resolved, err = parseOptionalTime(resolved); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// CSATCounts returns the number of ratings 1–5 given in [since, until).
func (db *DB) CSATCounts(ctx context.Context, since, until time.Time) ([5]int, error) {
	var counts [5]int
	rows, err := db.read.QueryContext(ctx, `SELECT score, COUNT(*) FROM csat
		WHERE created_at >= ? AND created_at < ? GROUP BY score`, stampRange(since, until)...)
	if err != nil {
		return counts, fmt.Errorf("query ratings: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var score, n int
		if err := rows.Scan(&score, &n); err != nil {
			return counts, err
		}
		if score >= 1 && score <= 5 {
			counts[score-1] = n
		}
	}
	return counts, rows.Err()
}

// Resolutions returns how many conversations were resolved in [since,
// until), and how many customers reopened one in that time.
func (db *DB) Resolutions(ctx context.Context, since, until time.Time) (resolved, reopened int, err error) {
	err = db.read.QueryRowContext(ctx, `SELECT
		       COUNT(*) FILTER (WHERE to_state = 'resolved'),
		       COUNT(*) FILTER (WHERE from_state = 'resolved' AND actor = 'customer')
		FROM state_changes WHERE created_at >= ? AND created_at < ?`, stampRange(since, until)...).Scan(&resolved, &reopened)
	if err != nil {
		err = fmt.Errorf("count resolutions: %w", err)
	}
	return resolved, reopened, err
}

// UnansweredQuestions returns the customer messages of [since, until) the
// bot said it did not know, oldest first, at most limit.
func (db *DB) UnansweredQuestions(ctx context.Context, since, until time.Time, limit int) ([]faq.Question, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT q.text, q.lang FROM messages b
		JOIN messages q ON q.id = b.reply_to
		WHERE b.role = 'bot' AND b.action = 'fallback' AND b.created_at >= ? AND b.created_at < ?
		ORDER BY b.id LIMIT ?`, append(stampRange(since, until), limit)...)
	if err != nil {
		return nil, fmt.Errorf("query unanswered questions: %w", err)
	}
	defer rows.Close()
	var out []faq.Question
	for rows.Next() {
		var (
			q    faq.Question
			lang string
		)
		if err := rows.Scan(&q.Text, &lang); err != nil {
			return nil, err
		}
		q.Lang = bot.Lang(lang)
		out = append(out, q)
	}
	return out, rows.Err()
}

func stampRange(since, until time.Time) []any {
	return []any{since.UTC().Format(timeFormat), until.UTC().Format(timeFormat)}
}

func parseOptionalTime(s sql.NullString) (time.Time, error) {
	if !s.Valid {
		return time.Time{}, nil
	}
	return parseTime(s.String)
}

// ConversationsByState counts conversations per state.
func (db *DB) ConversationsByState(ctx context.Context) (map[bot.State]int, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT state, COUNT(*) FROM conversations GROUP BY state`)
	if err != nil {
		return nil, fmt.Errorf("count conversations: %w", err)
	}
	defer rows.Close()
	out := map[bot.State]int{}
	for rows.Next() {
		var (
			st string
			n  int
		)
		if err := rows.Scan(&st, &n); err != nil {
			return nil, err
		}
		out[bot.State(st)] = n
	}
	return out, rows.Err()
}
