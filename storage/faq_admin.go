package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/relaisbot/relais/bot"
	"github.com/relaisbot/relais/faq"
)

var _ faq.AdminStore = (*DB)(nil)

const revisionColumns = `entry_id, lang, revision, topic, title, questions, answer, tags, deleted, note, author, created_at`

// FAQRevision returns revision n of entry (id, lang), or its latest revision
// if n is 0. Returns bot.ENotFound if there is none.
func (db *DB) FAQRevision(ctx context.Context, id string, lang bot.Lang, n int) (faq.Revision, error) {
	q := `SELECT ` + revisionColumns + ` FROM faq_revisions WHERE entry_id = ? AND lang = ? AND revision = ?`
	args := []any{id, lang, n}
	if n == 0 {
		q = `SELECT ` + revisionColumns + ` FROM faq_revisions WHERE entry_id = ? AND lang = ? ORDER BY revision DESC LIMIT 1`
		args = args[:2]
	}
	r, err := scanRevision(db.read.QueryRowContext(ctx, q, args...))
	if err != nil {
		return r, notFound(err, "FAQ entry %s/%s has no revision %d", id, lang, n)
	}
	return r, nil
}

// FAQHistory returns up to limit revisions of entry id in lang (every
// language if lang is empty), newest first.
func (db *DB) FAQHistory(ctx context.Context, id string, lang bot.Lang, limit int) ([]faq.Revision, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+revisionColumns+` FROM faq_revisions
		WHERE entry_id = ? AND (? = '' OR lang = ?) ORDER BY id DESC LIMIT ?`, id, lang, lang, limit)
	if err != nil {
		return nil, fmt.Errorf("query history of FAQ entry %s: %w", id, err)
	}
	defer rows.Close()
	var revs []faq.Revision
	for rows.Next() {
		r, err := scanRevision(rows)
		if err != nil {
			return nil, err
		}
		revs = append(revs, r)
	}
	return revs, rows.Err()
}

// scanRevision reads one row of revisionColumns.
func scanRevision(row interface{ Scan(...any) error }) (faq.Revision, error) {
	var (
		r                     faq.Revision
		lang, questions, tags string
		created               string
	)
	if err := row.Scan(&r.ID, &lang, &r.Revision, &r.Topic, &r.Title, &questions, &r.Answer, &tags,
		&r.Deleted, &r.Note, &r.UpdatedBy, &created); err != nil {
		return r, err
	}
	r.Lang = bot.Lang(lang)
	if err := json.Unmarshal([]byte(questions), &r.Questions); err != nil {
		return r, fmt.Errorf("decode questions of %s revision %d: %w", r.Key(), r.Revision, err)
	}
	if err := json.Unmarshal([]byte(tags), &r.Tags); err != nil {
		return r, fmt.Errorf("decode tags of %s revision %d: %w", r.Key(), r.Revision, err)
	}
	var err error
	r.UpdatedAt, err = parseTime(created)
	return r, err
}

// ChangeFAQ applies an admin's change to the FAQ in one transaction: the
// entries' next revisions, the draft decision and the audit record.
// Returns bot.EConflict if an entry's latest revision is not its Base or the
// draft was already decided, bot.ENotFound if an entry to delete or the draft
// does not exist.
func (db *DB) ChangeFAQ(ctx context.Context, c faq.Change) ([]faq.Revision, error) {
	var revs []faq.Revision
	err := db.update(ctx, func(tx *sql.Tx) error {
		revs = revs[:0]
		now := db.now().UTC()
		for _, ec := range c.Entries {
			r, err := db.changeEntry(ctx, tx, ec, now)
			if err != nil {
				return err
			}
			revs = append(revs, r)
		}
		if c.Draft != nil {
			if err := db.decideDraft(ctx, tx, *c.Draft); err != nil {
				return err
			}
		}
		return db.audit(ctx, tx, c.Audit)
	})
	if err != nil {
		return nil, err
	}
	return revs, nil
}

// changeEntry stores ec as the entry's next revision.
func (db *DB) changeEntry(ctx context.Context, tx *sql.Tx, ec faq.EntryChange, now time.Time) (faq.Revision, error) {
	e := ec.Entry
	var latest int
	var deleted bool
	err := tx.QueryRowContext(ctx, `SELECT revision, deleted FROM faq_revisions WHERE entry_id = ? AND lang = ?
		ORDER BY revision DESC LIMIT 1`, e.ID, e.Lang).Scan(&latest, &deleted)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return faq.Revision{}, fmt.Errorf("read latest revision of %s: %w", e.Key(), err)
	}
	if ec.Deleted && (latest == 0 || deleted) {
		return faq.Revision{}, bot.Errorf(bot.ENotFound, "FAQ entry %s does not exist", e.Key())
	}
	if latest != ec.Base {
		return faq.Revision{}, bot.Errorf(bot.EConflict, "FAQ entry %s was changed meanwhile (revision %d, not %d): try again", e.Key(), latest, ec.Base)
	}
	e.Revision = latest + 1
	if e.UpdatedAt.IsZero() {
		e.UpdatedAt = now
	}
	e.UpdatedAt = e.UpdatedAt.UTC().Truncate(time.Millisecond)
	if err := db.putEntry(ctx, tx, e, ec.Deleted, ec.Note); err != nil {
		return faq.Revision{}, err
	}
	return faq.Revision{Entry: e, Deleted: ec.Deleted, Note: ec.Note}, nil
}

// decideDraft approves or rejects a pending draft.
func (db *DB) decideDraft(ctx context.Context, tx *sql.Tx, d faq.DraftDecision) error {
	status := "rejected"
	if d.Approved {
		status = "approved"
	}
	res, err := tx.ExecContext(ctx, `UPDATE faq_drafts SET status = ?, decided_by = ?, decided_at = ?, entry_id = ?
		WHERE id = ? AND status = 'pending'`, status, d.By, db.stamp(db.now()), d.EntryID, d.ID)
	if err != nil {
		return fmt.Errorf("decide draft %d: %w", d.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	var was, by string
	err = tx.QueryRowContext(ctx, `SELECT status, decided_by FROM faq_drafts WHERE id = ?`, d.ID).Scan(&was, &by)
	if err != nil {
		return notFound(err, "FAQ draft %d not found", d.ID)
	}
	return bot.Errorf(bot.EConflict, "FAQ draft %d was already %s by %s", d.ID, was, by)
}

// Audit appends r to the audit log.
func (db *DB) Audit(ctx context.Context, r faq.AuditRecord) error {
	return db.update(ctx, func(tx *sql.Tx) error { return db.audit(ctx, tx, r) })
}

func (db *DB) audit(ctx context.Context, tx *sql.Tx, r faq.AuditRecord) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO audit_log (actor, action, subject, detail, created_at) VALUES (?, ?, ?, ?, ?)`,
		r.Actor, r.Action, r.Subject, r.Detail, db.stamp(r.CreatedAt))
	if err != nil {
		return fmt.Errorf("append to audit log: %w", err)
	}
	return nil
}

// AuditLog returns the latest limit audit records, newest first.
func (db *DB) AuditLog(ctx context.Context, limit int) ([]faq.AuditRecord, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id, actor, action, subject, detail, created_at
		FROM audit_log ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("query audit log: %w", err)
	}
	defer rows.Close()
	var out []faq.AuditRecord
	for rows.Next() {
		var (
			r       faq.AuditRecord
			created string
		)
		if err := rows.Scan(&r.ID, &r.Actor, &r.Action, &r.Subject, &r.Detail, &created); err != nil {
			return nil, fmt.Errorf("read audit record: %w", err)
		}
		if r.CreatedAt, err = parseTime(created); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

const draftColumns = `id, lang, question, answer, suggested_id, author, source, created_at`

// AddFAQDraft stores d as a pending draft with its audit record. If a draft
// with the same non-empty Source exists, it returns that one and false.
func (db *DB) AddFAQDraft(ctx context.Context, d faq.Draft, audit faq.AuditRecord) (faq.Draft, bool, error) {
	created := false
	err := db.update(ctx, func(tx *sql.Tx) error {
		if d.Source != "" {
			old, err := scanDraft(tx.QueryRowContext(ctx, `SELECT `+draftColumns+` FROM faq_drafts WHERE source = ?`, d.Source))
			if err == nil {
				d = old
				return nil
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		at := db.stamp(d.CreatedAt)
		res, err := tx.ExecContext(ctx, `INSERT INTO faq_drafts (lang, question, answer, suggested_id, author, source, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, d.Lang, d.Question, d.Answer, d.SuggestedID, d.Author, d.Source, at)
		if err != nil {
			return fmt.Errorf("insert FAQ draft: %w", err)
		}
		if d.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		if d.CreatedAt, err = parseTime(at); err != nil {
			return err
		}
		audit.Subject = fmt.Sprintf("draft %d", d.ID)
		created = true
		return db.audit(ctx, tx, audit)
	})
	if err != nil {
		return faq.Draft{}, false, err
	}
	return d, created, nil
}

// FAQDrafts returns the pending drafts, oldest first.
func (db *DB) FAQDrafts(ctx context.Context) ([]faq.Draft, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+draftColumns+` FROM faq_drafts WHERE status = 'pending' ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("query FAQ drafts: %w", err)
	}
	defer rows.Close()
	var out []faq.Draft
	for rows.Next() {
		d, err := scanDraft(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// FAQDraft returns pending draft id. Returns bot.ENotFound if no pending
// draft has that id.
func (db *DB) FAQDraft(ctx context.Context, id int64) (faq.Draft, error) {
	d, err := scanDraft(db.read.QueryRowContext(ctx, `SELECT `+draftColumns+` FROM faq_drafts WHERE id = ? AND status = 'pending'`, id))
	if err != nil {
		return d, notFound(err, "no pending FAQ draft %d", id)
	}
	return d, nil
}

func scanDraft(row interface{ Scan(...any) error }) (faq.Draft, error) {
	var (
		d             faq.Draft
		lang, created string
	)
	if err := row.Scan(&d.ID, &lang, &d.Question, &d.Answer, &d.SuggestedID, &d.Author, &d.Source, &created); err != nil {
		return d, err
	}
	d.Lang = bot.Lang(lang)
	var err error
	d.CreatedAt, err = parseTime(created)
	return d, err
}
