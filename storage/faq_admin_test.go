package storage

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/relaisbot/relais/bot"
	"github.com/relaisbot/relais/faq"
)

var giftEN = faq.Entry{ID: "orders.gift", Lang: bot.LangEN, Topic: "orders", Title: "Gift wrapping",
	Questions: []string{"do you gift wrap"}, Answer: "Yes.", UpdatedBy: "Alice (slack)"}

// change applies one entry change and returns its revision.
func change(t *testing.T, db *DB, ec faq.EntryChange, action string) (faq.Revision, error) {
	t.Helper()
	revs, err := db.ChangeFAQ(context.Background(), faq.Change{
		Entries: []faq.EntryChange{ec},
		Audit:   faq.AuditRecord{Actor: "Alice (slack:U1)", Action: action, Subject: ec.Entry.Key()},
	})
	if err != nil {
		return faq.Revision{}, err
	}
	if len(revs) != 1 {
		t.Fatalf("ChangeFAQ returned %d revisions, want 1", len(revs))
	}
	return revs[0], nil
}

func TestChangeFAQRevisions(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	db.SetClock(func() time.Time { return t0 })

	r1, err := change(t, db, faq.EntryChange{Entry: giftEN, Note: "add"}, faq.AuditAdd)
	if err != nil || r1.Revision != 1 || !r1.UpdatedAt.Equal(t0) {
		t.Fatalf("add = %+v, %v; want revision 1 at %v", r1, err, t0)
	}
	edited := giftEN
	edited.Answer, edited.UpdatedAt = "Yes, for free.", t0.Add(time.Minute)
	r2, err := change(t, db, faq.EntryChange{Entry: edited, Note: "edit", Base: 1}, faq.AuditEdit)
	if err != nil || r2.Revision != 2 {
		t.Fatalf("edit = %+v, %v; want revision 2", r2, err)
	}
	// A second admin who read revision 1 loses.
	if _, err := change(t, db, faq.EntryChange{Entry: giftEN, Note: "edit", Base: 1}, faq.AuditEdit); bot.ErrorKind(err) != bot.EConflict {
		t.Errorf("edit from a stale revision: err = %v, want a conflict", err)
	}
	entries, err := db.FAQEntries(ctx)
	if err != nil || len(entries) != 1 || entries[0].Answer != edited.Answer || entries[0].Revision != 2 {
		t.Fatalf("FAQEntries = %+v, %v; want the edited entry at revision 2", entries, err)
	}

	r3, err := change(t, db, faq.EntryChange{Entry: edited, Deleted: true, Note: "delete", Base: 2}, faq.AuditDelete)
	if err != nil || r3.Revision != 3 || !r3.Deleted {
		t.Fatalf("delete = %+v, %v; want deleted revision 3", r3, err)
	}
	if entries, _ := db.FAQEntries(ctx); len(entries) != 0 {
		t.Errorf("after delete, FAQEntries = %+v, want none", entries)
	}
	if _, err := change(t, db, faq.EntryChange{Entry: edited, Deleted: true, Base: 3}, faq.AuditDelete); bot.ErrorKind(err) != bot.ENotFound {
		t.Errorf("deleting a deleted entry: err = %v, want not found", err)
	}
	latest, err := db.FAQRevision(ctx, giftEN.ID, bot.LangEN, 0)
	if err != nil || latest.Revision != 3 || !latest.Deleted || latest.Answer != edited.Answer {
		t.Errorf("latest revision = %+v, %v; want deleted revision 3 with the last content", latest, err)
	}
	// Re-adding a deleted entry goes on from its last revision.
	r4, err := change(t, db, faq.EntryChange{Entry: giftEN, Note: "add", Base: 3}, faq.AuditAdd)
	if err != nil || r4.Revision != 4 {
		t.Fatalf("re-add = %+v, %v; want revision 4", r4, err)
	}

	hist, err := db.FAQHistory(ctx, giftEN.ID, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range hist {
		got = append(got, r.Key()+" "+r.Note)
	}
	want := []string{"orders.gift/en add", "orders.gift/en delete", "orders.gift/en edit", "orders.gift/en add"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("history mismatch (-want +got):\n%s", diff)
	}
	if hist[2].UpdatedBy != "Alice (slack)" || !hist[2].UpdatedAt.Equal(t0.Add(time.Minute)) {
		t.Errorf("revision 2 by %q at %v, want Alice (slack) at %v", hist[2].UpdatedBy, hist[2].UpdatedAt, t0.Add(time.Minute))
	}
	if h, _ := db.FAQHistory(ctx, giftEN.ID, bot.LangFR, 10); len(h) != 0 {
		t.Errorf("French history = %d revisions, want none", len(h))
	}
	if r, err := db.FAQRevision(ctx, giftEN.ID, bot.LangEN, 2); err != nil || r.Answer != edited.Answer {
		t.Errorf("revision 2 = %+v, %v; want the edit", r, err)
	}
	if _, err := db.FAQRevision(ctx, giftEN.ID, bot.LangEN, 9); bot.ErrorKind(err) != bot.ENotFound {
		t.Errorf("revision 9: err = %v, want not found", err)
	}

	// Only committed changes are audited: 5 tries, 4 stored.
	log, err := db.AuditLog(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	got = nil
	for _, r := range log {
		got = append(got, r.Action)
	}
	want = []string{faq.AuditAdd, faq.AuditDelete, faq.AuditEdit, faq.AuditAdd}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("audit log mismatch (-want +got):\n%s", diff)
	}
}

func TestChangeFAQAllOrNothing(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	fr := giftEN
	fr.Lang = bot.LangFR
	_, err := db.ChangeFAQ(ctx, faq.Change{
		Entries: []faq.EntryChange{{Entry: giftEN}, {Entry: fr, Base: 7}},
		Audit:   faq.AuditRecord{Actor: "a", Action: faq.AuditImport},
	})
	if bot.ErrorKind(err) != bot.EConflict {
		t.Fatalf("ChangeFAQ with a stale entry: err = %v, want a conflict", err)
	}
	if entries, _ := db.FAQEntries(ctx); len(entries) != 0 {
		t.Errorf("after a failed change, FAQEntries = %+v; want nothing stored", entries)
	}
	if log, _ := db.AuditLog(ctx, 10); len(log) != 0 {
		t.Errorf("after a failed change, audit log = %+v; want nothing", log)
	}
}

func TestFAQDrafts(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	db.SetClock(func() time.Time { return t0 })
	d := faq.Draft{Lang: bot.LangEN, Question: "do you gift wrap?", Answer: "Yes we do.", SuggestedID: "orders.gift",
		Author: "Bob (slack)", Source: "slack:C1:1700000000.000100"}
	audit := faq.AuditRecord{Actor: "Bob (slack:U2)", Action: faq.AuditDraft}
	saved, created, err := db.AddFAQDraft(ctx, d, audit)
	if err != nil || !created || saved.ID == 0 || !saved.CreatedAt.Equal(t0) {
		t.Fatalf("AddFAQDraft = %+v, %v, %v; want a new draft at %v", saved, created, err, t0)
	}
	again, created, err := db.AddFAQDraft(ctx, d, audit)
	if err != nil || created || again.ID != saved.ID {
		t.Errorf("AddFAQDraft from the same source = draft %d, created %v, %v; want draft %d, not created", again.ID, created, err, saved.ID)
	}
	other, _, err := db.AddFAQDraft(ctx, faq.Draft{Lang: bot.LangFR, Question: "q", Answer: "a", Author: "Bob"}, audit)
	if err != nil {
		t.Fatal(err)
	}
	pending, err := db.FAQDrafts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []faq.Draft{saved, other}
	if diff := cmp.Diff(want, pending, cmpopts.EquateApproxTime(0)); diff != "" {
		t.Errorf("FAQDrafts mismatch (-want +got):\n%s", diff)
	}

	_, err = db.ChangeFAQ(ctx, faq.Change{
		Entries: []faq.EntryChange{{Entry: giftEN, Note: "from draft 1 by Bob (slack)"}},
		Draft:   &faq.DraftDecision{ID: saved.ID, Approved: true, By: "Alice (slack)", EntryID: giftEN.ID},
		Audit:   faq.AuditRecord{Actor: "Alice", Action: faq.AuditApprove},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.FAQDraft(ctx, saved.ID); bot.ErrorKind(err) != bot.ENotFound {
		t.Errorf("FAQDraft of an approved draft: err = %v, want not found", err)
	}
	if d, err := db.FAQDraft(ctx, other.ID); err != nil || d.Question != "q" {
		t.Errorf("FAQDraft(%d) = %+v, %v", other.ID, d, err)
	}
	_, err = db.ChangeFAQ(ctx, faq.Change{Draft: &faq.DraftDecision{ID: saved.ID, By: "Carol"}, Audit: faq.AuditRecord{Action: faq.AuditReject}})
	if bot.ErrorKind(err) != bot.EConflict || err.Error() != "FAQ draft 1 was already approved by Alice (slack)" {
		t.Errorf("rejecting an approved draft: err = %v, want a conflict", err)
	}
	_, err = db.ChangeFAQ(ctx, faq.Change{Draft: &faq.DraftDecision{ID: 99}, Audit: faq.AuditRecord{Action: faq.AuditReject}})
	if bot.ErrorKind(err) != bot.ENotFound {
		t.Errorf("deciding draft 99: err = %v, want not found", err)
	}
	if pending, _ := db.FAQDrafts(ctx); len(pending) != 1 || pending[0].ID != other.ID {
		t.Errorf("pending drafts = %+v, want only draft %d", pending, other.ID)
	}
	log, _ := db.AuditLog(ctx, 10)
	var subjects []string
	for _, r := range log {
		subjects = append(subjects, r.Action+" "+r.Subject)
	}
	wantSubjects := []string{"faq.approve ", "faq.draft draft 2", "faq.draft draft 1"}
	if diff := cmp.Diff(wantSubjects, subjects); diff != "" {
		t.Errorf("audit log mismatch (-want +got):\n%s", diff)
	}
}

func TestAudit(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	for i, action := range []string{faq.AuditDenied, faq.AuditEdit} {
		r := faq.AuditRecord{Actor: "Eve (discord:42)", Action: action, Subject: "/faq delete", Detail: "not an admin", CreatedAt: t0.Add(time.Duration(i) * time.Second)}
		if err := db.Audit(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	log, err := db.AuditLog(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	want := []faq.AuditRecord{{ID: 2, Actor: "Eve (discord:42)", Action: faq.AuditEdit, Subject: "/faq delete", Detail: "not an admin", CreatedAt: t0.Add(time.Second)}}
	if diff := cmp.Diff(want, log); diff != "" {
		t.Errorf("AuditLog(1) mismatch (-want +got):\n%s", diff)
	}
}
