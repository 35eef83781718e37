package faq_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/relaisbot/relais/bot"
	"github.com/relaisbot/relais/faq"
	"github.com/relaisbot/relais/storage"
)

var (
	alice = faq.Actor{Platform: "slack", ID: "U1", Name: "Alice", Admin: true, Lang: bot.LangEN}
	alain = faq.Actor{Platform: "discord", ID: "42", Name: "Alain", Admin: true, Lang: bot.LangFR}
	eve   = faq.Actor{Platform: "slack", ID: "U9", Name: "Eve", Lang: bot.LangEN}
	bob   = faq.Actor{Platform: "slack", ID: "U2", Name: "Bob", Lang: bot.LangEN} // an agent
)

var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

// fixture is an Admin over a real SQLite database seeded with the built-in
// FAQ, and the live Service it reloads.
type fixture struct {
	admin *faq.Admin
	svc   *faq.Service
	db    *storage.DB
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, filepath.Join(t.TempDir(), "relais.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.SetClock(func() time.Time { return t0 })
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := faq.NewService(db, faq.DefaultFacts(), faq.DefaultOptions(), logger)
	if err := svc.Load(ctx); err != nil {
		t.Fatal(err)
	}
	try := func(ctx context.Context, text string, lang bot.Lang) (string, error) {
		ans, err := svc.Answer(ctx, bot.Query{Text: text, Lang: lang})
		return fmt.Sprintf("action: %s\nentry: %s\n", ans.Action, ans.FAQID), err
	}
	admin := faq.NewAdmin(svc, db, try, logger)
	var mu sync.Mutex
	now := t0
	admin.SetClock(func() time.Time { // one second per reading
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(time.Second)
		return now
	})
	return &fixture{admin: admin, svc: svc, db: db}
}

// run executes line as actor and fails the test on an internal error.
func (f *fixture) run(t *testing.T, actor faq.Actor, line string) faq.Reply {
	t.Helper()
	r, err := f.admin.Execute(context.Background(), actor, line)
	if err != nil {
		t.Fatalf("Execute(%q): %v", line, err)
	}
	return r
}

// ok executes line and fails the test if it reports a problem.
func (f *fixture) ok(t *testing.T, actor faq.Actor, line string) faq.Reply {
	t.Helper()
	r := f.run(t, actor, line)
	if len(r.Problems) > 0 {
		t.Fatalf("Execute(%q) = problems %+v\n%s", line, r.Problems, r.Text)
	}
	return r
}

// answers returns the entry the live matcher answers text with, or "".
func (f *fixture) answers(t *testing.T, text string, lang bot.Lang) string {
	t.Helper()
	ans, err := f.svc.Answer(context.Background(), bot.Query{Text: text, Lang: lang})
	if err != nil {
		t.Fatal(err)
	}
	if ans.Action != bot.ActionAnswer {
		return ""
	}
	return ans.FAQID
}

// entry returns the stored entry (id, lang), or false.
func (f *fixture) entry(t *testing.T, id string, lang bot.Lang) (faq.Entry, bool) {
	t.Helper()
	all, err := f.db.FAQEntries(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range all {
		if e.ID == id && e.Lang == lang {
			return e, true
		}
	}
	return faq.Entry{}, false
}

// lastAudit returns the latest audit record.
func (f *fixture) lastAudit(t *testing.T) faq.AuditRecord {
	t.Helper()
	log, err := f.db.AuditLog(context.Background(), 1)
	if err != nil || len(log) == 0 {
		t.Fatalf("AuditLog = %v, %v", log, err)
	}
	return log[0]
}

func wantText(t *testing.T, what, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s:\n got %q\nwant %q", what, got, want)
	}
}

func wantContains(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%s = %q\nwant it to contain %q", what, got, w)
		}
	}
}

const addGift = "add orders.gift-wrap en\n" +
	"title: Do you gift-wrap?\n" +
	"Q: do you gift wrap orders\n" +
	"Q: can you wrap my order as a present\n" +
	"Q: gift wrapping\n" +
	"A: Yes: tick \"gift wrap\" at checkout, {shop_name} wraps it for free.\n" +
	"The price is hidden from the receipt.\n" +
	"tags: gift"

func TestAddIsLive(t *testing.T) {
	f := newFixture(t)
	const q = "can you gift wrap my order?"
	if got := f.answers(t, q, bot.LangEN); got == "orders.gift-wrap" {
		t.Fatalf("before the add, %q answered with %s", q, got)
	}
	r := f.ok(t, alice, addGift)
	wantText(t, "add reply", r.Text, "Added `orders.gift-wrap` (en) (revision 1): customers get this answer now.")
	if got := f.answers(t, q, bot.LangEN); got != "orders.gift-wrap" {
		t.Errorf("after the add, %q answered with %q, want orders.gift-wrap (live, without a restart)", q, got)
	}
	e, ok := f.entry(t, "orders.gift-wrap", bot.LangEN)
	if !ok || e.UpdatedBy != "Alice (slack)" || e.Revision != 1 || e.Topic != "orders" ||
		e.Answer != "Yes: tick \"gift wrap\" at checkout, {shop_name} wraps it for free.\nThe price is hidden from the receipt." {
		t.Errorf("stored entry = %+v", e)
	}
	a := f.lastAudit(t)
	if a.Actor != "Alice (slack:U1)" || a.Action != faq.AuditAdd || a.Subject != "orders.gift-wrap/en" || a.Detail != "revision 1" {
		t.Errorf("audit record = %+v", a)
	}

	r = f.run(t, alice, addGift)
	wantText(t, "second add", r.Text, "`orders.gift-wrap` (en) already exists: use `edit orders.gift-wrap en` to change it")
}

func TestEditInline(t *testing.T) {
	f := newFixture(t)
	f.ok(t, alice, addGift)
	r := f.ok(t, alice, "edit orders.gift-wrap en\nQ+: is gift packaging available\nQ-: gift wrapping\nA: Yes, for free.")
	wantText(t, "edit reply", r.Text, "Updated `orders.gift-wrap` (en): revision 2 (answer, +1 −1 questions). Customers get it now.")
	e, _ := f.entry(t, "orders.gift-wrap", bot.LangEN)
	want := []string{"do you gift wrap orders", "can you wrap my order as a present", "is gift packaging available"}
	if strings.Join(e.Questions, "|") != strings.Join(want, "|") || e.Answer != "Yes, for free." || e.Title != "Do you gift-wrap?" {
		t.Errorf("after edit: %+v", e)
	}
	if got := f.answers(t, "is gift packaging available", bot.LangEN); got != "orders.gift-wrap" {
		t.Errorf("the new question answers with %q, want orders.gift-wrap", got)
	}
	r = f.ok(t, alice, "edit orders.gift-wrap en\nA: Yes, for free.")
	wantText(t, "edit without change", r.Text, "Nothing to change: `orders.gift-wrap` (en) already says exactly that.")

	r = f.run(t, alice, "edit orders.gift-wrap en\nQ-: not there")
	wantText(t, "removing a missing question", r.Text, "Q-: 'not there' is not one of the entry's questions (show lists them)")
	r = f.run(t, alice, "edit orders.gift-wrap en\nA: See {shop_url}.")
	wantContains(t, "bad placeholder", r.Text, "`orders.gift-wrap` (en): unknown placeholder {shop_url} in the answer: use one of {shop_name}")
	if len(r.Problems) != 1 || r.Problems[0].Field != "answer" || r.Problems[0].Entry != "orders.gift-wrap/en" {
		t.Errorf("problems = %+v, want one on the answer", r.Problems)
	}
	r = f.ok(t, alice, "edit orders.gift-wrap en\nQ+: where is my parcel")
	wantContains(t, "overlapping question", r.Text, "\nNote: 1 of its 4 questions may lead customers to the wrong entry; make them more specific, or merge the entries:\n"+
		"• “where is my parcel” is also a question of `shipping.tracking`")
	r = f.run(t, alice, "edit orders.nothing en\nA: x")
	wantText(t, "editing a missing entry", r.Text, "no entry `orders.nothing`: type `list` to see the entries")
}

func TestDeleteHistoryUndo(t *testing.T) {
	f := newFixture(t)
	const q = "where is my parcel"
	if got := f.answers(t, q, bot.LangEN); got != "shipping.tracking" {
		t.Fatalf("%q answers with %q, want shipping.tracking", q, got)
	}
	original, _ := f.entry(t, "shipping.tracking", bot.LangEN)

	r := f.ok(t, alice, "delete shipping.tracking")
	wantText(t, "delete reply", r.Text, "Deleted `shipping.tracking` (en, fr): customers no longer get it. `undo shipping.tracking` brings it back.")
	if got := f.answers(t, q, bot.LangEN); got == "shipping.tracking" {
		t.Errorf("after delete, %q still answers with shipping.tracking", q)
	}
	r = f.run(t, alice, "show shipping.tracking en")
	wantText(t, "show a deleted entry", r.Text,
		"`shipping.tracking` (en) was deleted on 2026-11-23 10:00 UTC by Alice (slack): `undo shipping.tracking en` restores it")

	// Undo without a language restores both languages deleted together.
	r = f.ok(t, alice, "undo shipping.tracking")
	wantText(t, "undo delete", r.Text, "`shipping.tracking` (en) is back, as in revision 1 (new revision 3).\n"+
		"`shipping.tracking` (fr) is back, as in revision 1 (new revision 3).\nRun undo again to undo this undo.")
	if got := f.answers(t, q, bot.LangEN); got != "shipping.tracking" {
		t.Errorf("after undo, %q answers with %q, want shipping.tracking", q, got)
	}
	if _, ok := f.entry(t, "shipping.tracking", bot.LangFR); !ok {
		t.Error("after undo, the French entry is still deleted")
	}

	// Undo of an edit restores the previous text.
	f.ok(t, alice, "edit shipping.tracking en\nA: Ask us.")
	r = f.ok(t, alice, "undo shipping.tracking")
	wantText(t, "undo edit", r.Text, "`shipping.tracking` (en) is back to revision 3 (new revision 5: answer).\nRun undo again to undo this undo.")
	if e, _ := f.entry(t, "shipping.tracking", bot.LangEN); e.Answer != original.Answer || e.Revision != 5 {
		t.Errorf("after undoing the edit: revision %d, answer %q; want revision 5 with the original answer", e.Revision, e.Answer)
	}
	if a := f.lastAudit(t); a.Action != faq.AuditUndo || a.Subject != "shipping.tracking" || a.Detail != "en: undo of revision 4" {
		t.Errorf("audit record = %+v", a)
	}

	r = f.ok(t, alice, "history shipping.tracking en")
	wantText(t, "history", r.Text, "*History of `shipping.tracking` (en)* (newest first):\n"+
		"• r5 en · 2026-11-23 10:00 UTC · Alice (slack) · undo of revision 4 (answer)\n"+
		"• r4 en · 2026-11-23 10:00 UTC · Alice (slack) · edited (answer)\n"+
		"• r3 en · 2026-11-23 10:00 UTC · Alice (slack) · undo of revision 2\n"+
		"• r2 en · 2026-11-23 10:00 UTC · Alice (slack) · deleted\n"+
		"• r1 en · 2026-11-23 10:00 UTC · seed · built-in FAQ\n"+
		"`undo shipping.tracking en` undoes the latest change.")

	// Undo of an add deletes the entry; undoing that brings it back.
	f.ok(t, alice, addGift)
	r = f.ok(t, alice, "undo orders.gift-wrap en")
	wantText(t, "undo add", r.Text, "`orders.gift-wrap` (en) is deleted again, as before revision 1 (new revision 2).\nRun undo again to undo this undo.")
	if _, ok := f.entry(t, "orders.gift-wrap", bot.LangEN); ok {
		t.Error("after undoing the add, the entry still exists")
	}
	f.ok(t, alice, "undo orders.gift-wrap en")
	if e, ok := f.entry(t, "orders.gift-wrap", bot.LangEN); !ok || e.Revision != 3 {
		t.Errorf("after undoing the undo: %+v, %v; want the entry back at revision 3", e, ok)
	}

	r = f.run(t, alice, "undo nothing.here")
	wantText(t, "undo of a missing entry", r.Text, "no entry `nothing.here`: type `list` to see the entries")
}

func TestNonAdminRefusedAndAudited(t *testing.T) {
	f := newFixture(t)
	for _, line := range []string{"delete shipping.tracking", "list", "frobnicate everything"} {
		r := f.run(t, eve, line)
		verb, _, _ := strings.Cut(line, " ")
		wantText(t, line, r.Text, "Sorry, only FAQ admins may use `/faq "+verb+"`. Ask an admin if the FAQ needs a change. This attempt was logged.")
		if len(r.Problems) != 1 {
			t.Errorf("%s: problems = %+v, want the refusal", line, r.Problems)
		}
		a := f.lastAudit(t)
		if a.Actor != "Eve (slack:U9)" || a.Action != faq.AuditDenied || a.Subject != "/faq "+verb || a.Detail != "not an admin on slack" {
			t.Errorf("%s: audit record = %+v", line, a)
		}
	}
	if _, ok := f.entry(t, "shipping.tracking", bot.LangEN); !ok {
		t.Error("a non-admin deleted an entry")
	}
	r, err := f.admin.Save(context.Background(), eve, faq.Entry{ID: "x.y", Lang: bot.LangEN})
	if err != nil || len(r.Problems) != 1 || f.lastAudit(t).Subject != "/faq save" {
		t.Errorf("Save by a non-admin = %+v, %v; want a logged refusal", r, err)
	}
	r, err = f.admin.Import(context.Background(), eve, []byte("[]"))
	if err != nil || len(r.Problems) != 1 || f.lastAudit(t).Subject != "/faq import" {
		t.Errorf("Import by a non-admin = %+v, %v; want a logged refusal", r, err)
	}
	// Anyone may read the help.
	if r := f.run(t, eve, "help"); len(r.Problems) > 0 || !strings.Contains(r.Text, "list [topic] [fr|en]") {
		t.Errorf("help for a non-admin = %+v", r)
	}
}

func TestErrorsInBothLanguages(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		line   string
		en, fr string
	}{
		{"show shipping.tracking de", "unknown language 'de': use fr or en", "langue inconnue « de » : utilisez fr ou en"},
		{"show nope.nothing", "no entry `nope.nothing`: type `list` to see the entries", "aucune entrée `nope.nothing` : tapez `list` pour voir les entrées"},
		{"shwo shipping.tracking", "unknown command 'shwo': did you mean show? Type help for the list of commands",
			"commande inconnue « shwo » : vouliez-vous dire show ? Tapez help pour la liste des commandes"},
		{"add shipping.tracking fr", "`shipping.tracking` (fr) already exists: use `edit shipping.tracking fr` to change it",
			"`shipping.tracking` (fr) existe déjà : utilisez `edit shipping.tracking fr` pour la modifier"},
		{"add orders.gift en\nA: yes", "`orders.gift` (en): at least one question is needed: add a Q: line",
			"`orders.gift` (en): il faut au moins une question : ajoutez une ligne Q:"},
		{"list nosuchtopic", "no topic 'nosuchtopic': the topics are account, billing, contact, orders, products, returns, shipping",
			"aucun sujet « nosuchtopic » : les sujets sont account, billing, contact, orders, products, returns, shipping"},
		{"import", "Send the JSON file made by export with the import command (as an attachment), or run `relais faq import FILE` on the server. The file's entries are added or replaced; `import replace` also deletes the entries the file lacks.",
			"Envoyez le fichier JSON produit par export avec la commande import (en pièce jointe), ou lancez `relais faq import FICHIER` sur le serveur. Les entrées du fichier sont ajoutées ou remplacées ; `import replace` supprime aussi les entrées absentes du fichier."},
		{"approve 7", "no draft #7 is waiting for approval: `drafts` lists them", "aucun brouillon n° 7 n'attend d'approbation : `drafts` les liste"},
	} {
		en := f.run(t, alice, tc.line)
		fr := f.run(t, alain, tc.line)
		if len(en.Problems) == 0 || len(fr.Problems) == 0 {
			t.Errorf("%q: no problem reported", tc.line)
		}
		if en.Text != tc.en && !strings.HasSuffix(en.Text, "\n• "+tc.en) {
			t.Errorf("%q in English:\n got %q\nwant %q", tc.line, en.Text, tc.en)
		}
		if fr.Text != tc.fr && !strings.HasSuffix(fr.Text, "\n• "+tc.fr) {
			t.Errorf("%q in French:\n got %q\nwant %q", tc.line, fr.Text, tc.fr)
		}
	}
}

func TestFormsAndConcurrentEdits(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	r := f.ok(t, alice, "add orders.gift-wrap fr")
	if r.Form == nil || r.Form.ID != "orders.gift-wrap" || r.Form.Lang != bot.LangFR || r.Form.Topic != "orders" || r.Form.Revision != 0 {
		t.Fatalf("add without a body: form = %+v, want an empty form for orders.gift-wrap/fr", r.Form)
	}
	form := *r.Form
	form.Questions = []string{"  vous faites les paquets cadeaux ?", ""}
	form.Answer = "Oui, gratuitement."
	r, err := f.admin.Save(ctx, alain, form)
	if err != nil || len(r.Problems) > 0 {
		t.Fatalf("Save = %+v, %v", r, err)
	}
	wantText(t, "save reply", r.Text, "Entrée `orders.gift-wrap` (fr) ajoutée (révision 1) : les clients reçoivent cette réponse dès maintenant.")
	e, _ := f.entry(t, "orders.gift-wrap", bot.LangFR)
	if e.Title != "vous faites les paquets cadeaux ?" || len(e.Questions) != 1 || e.UpdatedBy != "Alain (discord)" {
		t.Errorf("saved entry = %+v; want the first question as title, no empty question, by Alain (discord)", e)
	}

	r = f.ok(t, alice, "edit orders.gift-wrap fr")
	if r.Form == nil || r.Form.Revision != 1 || r.Form.Answer != "Oui, gratuitement." {
		t.Fatalf("edit without a body: form = %+v, want the entry at revision 1", r.Form)
	}
	// Two admins submit the same form at once: one wins, the other is told.
	var wg sync.WaitGroup
	replies := make([]faq.Reply, 2)
	errs := make([]error, 2)
	for i, actor := range []faq.Actor{alice, alain} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e := *r.Form
			e.Answer = fmt.Sprintf("Oui (version %d).", i)
			replies[i], errs[i] = f.admin.Save(ctx, actor, e)
		}()
	}
	wg.Wait()
	won := 0
	for i := range replies {
		if errs[i] != nil {
			t.Fatalf("concurrent Save: %v", errs[i])
		}
		if len(replies[i].Problems) == 0 {
			won++
		} else if !strings.Contains(replies[i].Text, "since this form was opened: nothing was saved") &&
			!strings.Contains(replies[i].Text, "depuis l'ouverture de ce formulaire : rien n'a été enregistré") &&
			!strings.Contains(replies[i].Text, "Someone else changed this meanwhile") &&
			!strings.Contains(replies[i].Text, "Quelqu'un d'autre a fait une modification") {
			t.Errorf("the losing Save says %q, want a conflict the user can act on", replies[i].Text)
		}
	}
	if won != 1 {
		t.Errorf("%d concurrent Saves of the same revision won, want exactly 1", won)
	}
	if e, _ := f.entry(t, "orders.gift-wrap", bot.LangFR); e.Revision != 2 {
		t.Errorf("after concurrent Saves: revision %d, want 2", e.Revision)
	}

	r, err = f.admin.Save(ctx, alice, faq.Entry{ID: "Bad Id", Lang: "de", Answer: "{nope}"})
	if err != nil {
		t.Fatal(err)
	}
	var fields []string
	for _, p := range r.Problems {
		fields = append(fields, p.Field)
	}
	if strings.Join(fields, ",") != "id,lang,questions,answer" {
		t.Errorf("Save of an invalid entry: problems on %v, want id,lang,questions,answer\n%s", fields, r.Text)
	}
}

func TestListShowTry(t *testing.T) {
	f := newFixture(t)
	r := f.ok(t, alain, "list shipping fr")
	wantContains(t, "list", r.Text, "*shipping* (", "• `shipping.tracking` — ", "(fr)")
	if strings.Contains(r.Text, "billing") || strings.Contains(r.Text, "(en") {
		t.Errorf("list shipping fr shows other topics or languages:\n%s", r.Text)
	}
	r = f.ok(t, alice, "show shipping.tracking en")
	wantContains(t, "show", r.Text, "*shipping.tracking* (en) — revision 1 by seed, 2026-11-23 10:00 UTC\n*Title:* ", "*Questions (", "*Answer:*\n")
	r = f.ok(t, alice, `try "where is my parcel?"`)
	wantText(t, "try", r.Text, "```\naction: answer\nentry: shipping.tracking\n```")
	r = f.ok(t, alice, "help undo")
	wantContains(t, "help undo", r.Text, "*`undo ID [fr|en]`*", "undoing an addition deletes it")
}
