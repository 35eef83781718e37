package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/relaisbot/relais/bot"
	"github.com/relaisbot/relais/faq"
)

var _ faq.Store = (*DB)(nil)

// seedAuthor is the author of the built-in FAQ's revisions.
const seedAuthor = "seed"

// FAQEntries returns every current FAQ entry, ordered by id and language.
func (db *DB) FAQEntries(ctx context.Context) ([]faq.Entry, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id, lang, topic, title, questions, answer, tags, revision, updated_at, updated_by
		FROM faq_entries ORDER BY id, lang`)
	if err != nil {
		return nil, fmt.Errorf("query FAQ entries: %w", err)
	}
	defer rows.Close()
	var entries []faq.Entry
	for rows.Next() {
		var (
			e                     faq.Entry
			lang, questions, tags string
			updated               string
		)
		if err := rows.Scan(&e.ID, &lang, &e.Topic, &e.Title, &questions, &e.Answer, &tags, &e.Revision, &updated, &e.UpdatedBy); err != nil {
			return nil, fmt.Errorf("read FAQ entry: %w", err)
		}
		e.Lang = bot.Lang(lang)
		if err := json.Unmarshal([]byte(questions), &e.Questions); err != nil {
			return nil, fmt.Errorf("decode questions of %s: %w", e.Key(), err)
		}
		if err := json.Unmarshal([]byte(tags), &e.Tags); err != nil {
			return nil, fmt.Errorf("decode tags of %s: %w", e.Key(), err)
		}
		if e.UpdatedAt, err = parseTime(updated); err != nil {
			return nil, err
		}
		entries = append(entries, e)
	}
	return entries, rows.Err()
}

// SeedFAQ stores entries as revision 1 by "seed" if the FAQ has never held an
// entry (no revision at all: a shop that deleted every entry is not reseeded).
// It reports whether it stored them.
func (db *DB) SeedFAQ(ctx context.Context, entries []faq.Entry) (bool, error) {
	seeded := false
	err := db.update(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM faq_revisions`).Scan(&n); err != nil {
			return fmt.Errorf("count FAQ revisions: %w", err)
		}
		if n > 0 {
			return nil
		}
		now := db.now().UTC()
		for _, e := range entries {
			e.Revision, e.UpdatedAt, e.UpdatedBy = 1, now, seedAuthor
			if err := db.putEntry(ctx, tx, e, false, "seed"); err != nil {
				return err
			}
		}
		seeded = true
		return nil
	})
	return seeded, err
}

// putEntry writes e as the current version of its entry (or deletes the
// current row if deleted) and records the revision.
func (db *DB) putEntry(ctx context.Context, tx *sql.Tx, e faq.Entry, deleted bool, note string) error {
	questions, err := json.Marshal(e.Questions)
	if err != nil {
		return fmt.Errorf("encode questions of %s: %w", e.Key(), err)
	}
	tags := []byte("[]")
	if len(e.Tags) > 0 {
		if tags, err = json.Marshal(e.Tags); err != nil {
			return fmt.Errorf("encode tags of %s: %w", e.Key(), err)
		}
	}
	at := db.stamp(e.UpdatedAt)
	if deleted {
		_, err = tx.ExecContext(ctx, `DELETE FROM faq_entries WHERE id = ? AND lang = ?`, e.ID, e.Lang)
	} else {
		_, err = tx.ExecContext(ctx, `INSERT INTO faq_entries
			(id, lang, topic, title, questions, answer, tags, revision, updated_at, updated_by)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (id, lang) DO UPDATE SET topic = excluded.topic, title = excluded.title,
				questions = excluded.questions, answer = excluded.answer, tags = excluded.tags,
				revision = excluded.revision, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
			e.ID, e.Lang, e.Topic, e.Title, string(questions), e.Answer, string(tags), e.Revision, at, e.UpdatedBy)
	}
	if err != nil {
		return fmt.Errorf("write FAQ entry %s: %w", e.Key(), err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO faq_revisions
		(entry_id, lang, revision, topic, title, questions, answer, tags, deleted, note, author, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ID, e.Lang, e.Revision, e.Topic, e.Title, string(questions), e.Answer, string(tags), deleted, note, e.UpdatedBy, at)
	if err != nil {
		if isUniqueViolation(err) {
			return bot.Errorf(bot.EConflict, "FAQ entry %s was changed meanwhile (revision %d exists): try again", e.Key(), e.Revision)
		}
		return fmt.Errorf("record revision of %s: %w", e.Key(), err)
	}
	return nil
}
