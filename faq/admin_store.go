package faq

import (
	"context"
	"time"

	"github.com/relaisbot/relais/bot"
)

// AdminStore is the storage the Admin needs: entries with their revisions,
// drafts and the audit log. Implemented by storage.DB.
type AdminStore interface {
	// FAQEntries returns every current (not deleted) entry, ordered by id
	// and language.
	FAQEntries(ctx context.Context) ([]Entry, error)
	// FAQRevision returns revision n of entry (id, lang), or its latest
	// revision when n is 0 (which may be a deletion). Returns ENotFound if
	// there is no such revision.
	FAQRevision(ctx context.Context, id string, lang bot.Lang, n int) (Revision, error)
	// FAQHistory returns up to limit revisions of entry id in lang (every
	// language if lang is empty), newest first; none if it never existed.
	FAQHistory(ctx context.Context, id string, lang bot.Lang, limit int) ([]Revision, error)
	// ChangeFAQ applies c in one transaction: every entry change becomes the
	// entry's next revision, the draft decision and the audit record are
	// stored with them. It returns the stored revisions, in the order of
	// c.Entries. Returns EConflict if an entry's latest revision is not its
	// change's Base or the draft is no longer pending, ENotFound if a
	// deleted entry or the draft does not exist; nothing is stored then.
	ChangeFAQ(ctx context.Context, c Change) ([]Revision, error)
	// AddFAQDraft stores d as a pending draft with its audit record (whose
	// Subject becomes "draft N") and returns it with its ID and CreatedAt
	// set, and true. If a draft with the same non-empty Source exists (a
	// platform retry, a second click), it stores nothing and returns that
	// draft and false.
	AddFAQDraft(ctx context.Context, d Draft, audit AuditRecord) (Draft, bool, error)
	// FAQDrafts returns the pending drafts, oldest first.
	FAQDrafts(ctx context.Context) ([]Draft, error)
	// FAQDraft returns pending draft id. Returns ENotFound if no pending
	// draft has that id (approved, rejected or never made).
	FAQDraft(ctx context.Context, id int64) (Draft, error)
	// Audit appends r to the audit log.
	Audit(ctx context.Context, r AuditRecord) error
	// AuditLog returns the latest limit audit records, newest first.
	AuditLog(ctx context.Context, limit int) ([]AuditRecord, error)
}

// Change is one atomic change to the stored FAQ, made by one admin command.
type Change struct {
	Entries []EntryChange
	Draft   *DraftDecision // set when the change approves or rejects a draft
	Audit   AuditRecord
}

// EntryChange is the next revision of one entry.
type EntryChange struct {
	// Entry is the new content; for a deletion, the content deleted. The
	// store sets its Revision; UpdatedBy is the author, UpdatedAt the time
	// (the store's clock if zero).
	Entry   Entry
	Deleted bool
	Note    string // "add", "edit", "delete", "undo of revision 3", "import", …
	// Base is the latest revision number (deleted or not) the change was
	// computed from, 0 for an entry that never existed. If the stored
	// latest revision differs, someone else changed the entry meanwhile and
	// ChangeFAQ fails with EConflict.
	Base int
}

// DraftDecision approves or rejects a pending draft.
type DraftDecision struct {
	ID       int64
	Approved bool
	By       string // who decided
	EntryID  string // the entry created from it (approvals)
}

// AuditRecord is one line of the audit log: who did what to what.
type AuditRecord struct {
	ID        int64
	Actor     string // "Alice (slack:U0123)"
	Action    string // "faq.add", "faq.denied", …
	Subject   string // "shipping.tracking/en", "draft 3", …
	Detail    string // ids, counts, notes; never customer text
	CreatedAt time.Time
}

// Audit actions written by the Admin.
const (
	AuditAdd     = "faq.add"
	AuditEdit    = "faq.edit"
	AuditDelete  = "faq.delete"
	AuditUndo    = "faq.undo"
	AuditImport  = "faq.import"
	AuditDraft   = "faq.draft"
	AuditApprove = "faq.approve"
	AuditReject  = "faq.reject"
	AuditDenied  = "faq.denied" // a non-admin tried an admin command
)
