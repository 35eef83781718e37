package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/mattn/go-sqlite3"

	"github.com/relaisbot/relais/bot"
)

// TokensUsed returns the language-model tokens counted on day (YYYY-MM-DD,
// UTC); 0 for a day with none.
func (db *DB) TokensUsed(ctx context.Context, day string) (int64, error) {
	var n int64
	err := db.read.QueryRowContext(ctx, `SELECT tokens FROM llm_usage WHERE day = ?`, day).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read token usage: %w", err)
	}
	return n, nil
}

// AddTokensUsed adds tokens and calls to day's usage.
func (db *DB) AddTokensUsed(ctx context.Context, day string, tokens, calls int64) error {
	return db.update(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO llm_usage (day, tokens, calls) VALUES (?, ?, ?)
			ON CONFLICT (day) DO UPDATE SET tokens = tokens + excluded.tokens, calls = calls + excluded.calls`, day, tokens, calls)
		if err != nil {
			return fmt.Errorf("add token usage: %w", err)
		}
		return nil
	})
}

// HandoffSummary returns the agents' summary of a hand-over.
// Returns bot.ENotFound if it has none.
func (db *DB) HandoffSummary(ctx context.Context, handoffID int64) (string, error) {
	var s string
	err := db.read.QueryRowContext(ctx, `SELECT summary FROM handoff_summaries WHERE handoff_id = ?`, handoffID).Scan(&s)
	if err != nil {
		return "", notFound(err, "hand-over %d has no summary", handoffID)
	}
	return s, nil
}

// SaveHandoffSummary stores (or replaces) the agents' summary of a hand-over.
// Returns bot.ENotFound if there is no such hand-over.
func (db *DB) SaveHandoffSummary(ctx context.Context, handoffID int64, summary string) error {
	return db.update(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO handoff_summaries (handoff_id, summary, created_at) VALUES (?, ?, ?)
			ON CONFLICT (handoff_id) DO UPDATE SET summary = excluded.summary, created_at = excluded.created_at`,
			handoffID, summary, db.stamp(db.now()))
		if isForeignKeyViolation(err) {
			return bot.Errorf(bot.ENotFound, "no hand-over %d", handoffID)
		}
		if err != nil {
			return fmt.Errorf("store hand-over summary: %w", err)
		}
		return nil
	})
}

// isForeignKeyViolation reports whether err is a FOREIGN KEY constraint failure.
func isForeignKeyViolation(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && se.ExtendedCode == sqlite3.ErrConstraintForeignKey
}
