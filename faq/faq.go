// Package faq owns the curated FAQ: entries and their revisions, the built-in
// seed FAQ in French and English, the matcher that turns a customer message
// into an answer with a calibrated confidence (or admits it does not know), and
// the Service that keeps the live matcher in step with the stored entries.
//
// Package faq imports bot (for its types) and the standard library; it never
// imports storage, adapters or vendor SDKs.
package faq

import (
	"context"
	"strings"
	"time"

	"github.com/relaisbot/relais/bot"
)

// Entry is one FAQ entry in one language. The pair (ID, Lang) is unique; the
// same ID in both languages is the same question.
type Entry struct {
	ID        string   `json:"id"`    // stable, "topic.slug", e.g. "shipping.tracking"
	Lang      bot.Lang `json:"lang"`  // fr or en
	Topic     string   `json:"topic"` // billing, shipping, returns, orders, account, …
	Title     string   `json:"title"` // short question shown on quick-reply buttons
	Questions []string `json:"questions"`
	Answer    string   `json:"answer"` // may hold {placeholders}, see Facts
	Tags      []string `json:"tags,omitempty"`

	Revision  int       `json:"revision,omitempty"` // current revision number, from 1
	UpdatedAt time.Time `json:"updated_at,omitzero"`
	UpdatedBy string    `json:"updated_by,omitempty"`
}

// Key returns "id/lang", the entry's unique key.
func (e Entry) Key() string { return e.ID + "/" + string(e.Lang) }

// TopicOf returns the topic part of an entry id ("shipping" for "shipping.late").
func TopicOf(id string) string {
	topic, _, _ := strings.Cut(id, ".")
	return topic
}

// Revision is a stored version of an entry. Deleted revisions have Deleted set
// and the entry's last content.
type Revision struct {
	Entry
	Deleted bool
	Note    string // what the change was ("seed", "edit", "undo of revision 3", …)
}

// Store is the storage the FAQ needs. Implemented by storage.DB.
type Store interface {
	// FAQEntries returns every current (not deleted) entry.
	FAQEntries(ctx context.Context) ([]Entry, error)
	// SeedFAQ stores entries as revision 1, authored by "seed", if the FAQ has
	// never held any entry. It reports whether it stored them.
	SeedFAQ(ctx context.Context, entries []Entry) (bool, error)
}
