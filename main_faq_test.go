package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/relaisbot/relais/bot"
	"github.com/relaisbot/relais/config"
	"github.com/relaisbot/relais/faq"
	"github.com/relaisbot/relais/storage"
)

// faqDB returns a configuration whose database is a new seeded one in a
// temporary directory.
func faqDB(t *testing.T) config.Config {
	t.Helper()
	ctx := context.Background()
	cfg := config.Default()
	cfg.Database.Path = filepath.Join(t.TempDir(), "relais.db")
	db, err := storage.Open(ctx, cfg.Database.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := faq.NewService(db, faq.DefaultFacts(), faq.DefaultOptions(), discard()).Load(ctx); err != nil {
		t.Fatal(err)
	}
	return cfg
}

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// relaisFAQ runs `relais faq args…` with stdin.
func relaisFAQ(t *testing.T, cfg config.Config, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = runFAQ(context.Background(), cfg, args, strings.NewReader(stdin), &out, &errOut, discard())
	return out.String(), errOut.String(), err
}

// storedEntries returns the entries of the database of cfg.
func storedEntries(t *testing.T, cfg config.Config) []faq.Entry {
	t.Helper()
	db, err := storage.Open(context.Background(), cfg.Database.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	entries, err := db.FAQEntries(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

func TestFAQListShow(t *testing.T) {
	cfg := faqDB(t)
	out, _, err := relaisFAQ(t, cfg, "", "list", "shipping", "en")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "• `shipping.tracking` — Where is my order? (tracking) (en)\n") || strings.Contains(out, "billing") {
		t.Errorf("relais faq list shipping en:\n%s", out)
	}
	out, _, err = relaisFAQ(t, cfg, "", "show", "shipping.tracking", "fr")
	if err != nil || !strings.HasPrefix(out, "*shipping.tracking* (fr) — revision 1 by seed") {
		t.Errorf("relais faq show shipping.tracking fr = %q, %v", out, err)
	}
	_, _, err = relaisFAQ(t, cfg, "", "show", "nope.nothing")
	if err == nil || err.Error() != "faq show: no entry `nope.nothing`: type `list` to see the entries" {
		t.Errorf("show of a missing entry: err = %v", err)
	}
}

func TestFAQExportImport(t *testing.T) {
	cfg := faqDB(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "faq.json")
	_, stderr, err := relaisFAQ(t, cfg, "", "export", file)
	if err != nil || stderr != "relais faq: wrote "+file+"\n" {
		t.Fatalf("export = %q, %v", stderr, err)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := faq.Export(storedEntries(t, cfg))
	if !bytes.Equal(data, want) {
		t.Fatalf("export file differs from faq.Export of the stored entries")
	}
	stdout, _, err := relaisFAQ(t, cfg, "", "export")
	if err != nil || stdout != string(data) {
		t.Errorf("export to standard output differs from the file (%v)", err)
	}

	// Edit the file as a shop would in its repository: change an answer,
	// add an entry, drop one.
	var entries []faq.Entry
	if err := json.Unmarshal(data, &entries); err != nil {
		t.Fatal(err)
	}
	entries[0].Answer = "We take cards and PayPal."
	entries = append(slices.Delete(entries, 1, 2), faq.Entry{ID: "orders.gift-wrap", Lang: bot.LangEN, Topic: "orders", Title: "Gift wrap",
		Questions: []string{"do you gift wrap"}, Answer: "Yes."})
	edited, _ := faq.Export(entries)
	if err := os.WriteFile(file, edited, 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err := relaisFAQ(t, cfg, "", "import", file)
	if err != nil {
		t.Fatal(err)
	}
	if out != "Imported; customers get the new answers now. 68 entries in the file: 1 added, 1 changed, 0 deleted, 66 unchanged.\n" {
		t.Errorf("import = %q", out)
	}
	out, _, err = relaisFAQ(t, cfg, string(edited), "import", "replace", "-")
	if err != nil || !strings.Contains(out, "0 added, 0 changed, 1 deleted, 68 unchanged") {
		t.Errorf("import replace - = %q, %v", out, err)
	}
	got := storedEntries(t, cfg)
	if diff := cmp.Diff(entriesByKey(entries), entriesByKey(got), cmpopts.IgnoreFields(faq.Entry{}, "Revision", "UpdatedAt", "UpdatedBy"), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("after import replace, entries differ from the file (-file +db):\n%s", diff)
	}
	for _, e := range got {
		if e.ID == "orders.gift-wrap" && !strings.HasPrefix(e.UpdatedBy, "cli (") {
			t.Errorf("imported entry by %q, want cli (user)", e.UpdatedBy)
		}
	}

	// Export → import into a fresh database → identical entries.
	fresh := faqDB(t)
	if _, _, err := relaisFAQ(t, cfg, "", "export", file); err != nil {
		t.Fatal(err)
	}
	if _, _, err := relaisFAQ(t, fresh, "", "import", "replace", file); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(entriesByKey(storedEntries(t, cfg)), entriesByKey(storedEntries(t, fresh)),
		cmpopts.IgnoreFields(faq.Entry{}, "Revision", "UpdatedAt", "UpdatedBy"), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("export → import into a fresh database mismatch (-exported +imported):\n%s", diff)
	}

	// Every change is a revision: history and undo work on imports.
	out, _, err = relaisFAQ(t, cfg, "", "undo", entries[0].ID, string(entries[0].Lang))
	if err != nil || !strings.Contains(out, "is back to revision 1 (new revision 3: answer)") {
		t.Errorf("undo after import = %q, %v", out, err)
	}
}

func entriesByKey(entries []faq.Entry) map[string]faq.Entry {
	m := make(map[string]faq.Entry, len(entries))
	for _, e := range entries {
		m[e.Key()] = e
	}
	return m
}

func TestFAQImportReportsEveryProblem(t *testing.T) {
	cfg := faqDB(t)
	before := storedEntries(t, cfg)
	file := filepath.Join(t.TempDir(), "bad.json")
	bad := `[{"id": "orders.gift", "lang": "en", "questions": ["gift?"], "answer": "Yes."},
		{"id": "orders.gift2", "lang": "de", "questions": ["x"], "answer": "{nope}"}]`
	if err := os.WriteFile(file, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, err := relaisFAQ(t, cfg, "", "import", file)
	if err == nil || err.Error() != "faq import: 2 problems" {
		t.Errorf("import of a bad file: err = %v, want 2 problems", err)
	}
	wantErr := "Nothing imported. Problems (2):\n" +
		"• `orders.gift2` (de): unknown language 'de': use fr or en\n" +
		"• `orders.gift2` (de): unknown placeholder {nope} in the answer: use one of {shop_name} {support_email} {support_hours} {return_window_days} {refund_days} {free_shipping_threshold} {shipping_cost} {delivery_days} {international_delivery_days} {orders_url}\n"
	if stderr != wantErr {
		t.Errorf("stderr:\n got %q\nwant %q", stderr, wantErr)
	}
	if diff := cmp.Diff(before, storedEntries(t, cfg)); diff != "" {
		t.Errorf("a failed import changed the FAQ (-before +after):\n%s", diff)
	}
}

func TestFAQUsage(t *testing.T) {
	cfg := faqDB(t)
	for _, tc := range []struct {
		args []string
		want string // first line of stderr
	}{
		{nil, "relais faq: give a command"},
		{[]string{"frobnicate"}, "relais faq: unknown command 'frobnicate': type help for the list of commands"},
		{[]string{"import"}, "relais faq: import takes one FILE (or - for standard input), after replace if wanted"},
		{[]string{"import", "replace"}, "relais faq: import takes one FILE (or - for standard input), after replace if wanted"},
		{[]string{"export", "a", "b"}, "relais faq: export takes one FILE (or - for standard output)"},
		{[]string{"show", "shipping.tracking", "de"}, "relais faq: unknown language 'de': use fr or en"},
		{[]string{"add", "orders.gift", "en"}, "relais faq: add takes the entry's fields as arguments, one line each, e.g."},
	} {
		_, stderr, err := relaisFAQ(t, cfg, "", tc.args...)
		if !errors.Is(err, errUsage) {
			t.Errorf("relais faq %q: err = %v, want a usage error", tc.args, err)
		}
		if first, _, _ := strings.Cut(stderr, "\n"); first != tc.want || !strings.Contains(stderr, "Usage:\n  relais faq list") {
			t.Errorf("relais faq %q: stderr =\n%s\nwant it to start with %q and show the usage", tc.args, stderr, tc.want)
		}
	}
	out, _, err := relaisFAQ(t, cfg, "", "help")
	if err != nil || out != faqUsage {
		t.Errorf("relais faq help = %q, %v", out, err)
	}
}

func TestFAQOtherCommands(t *testing.T) {
	cfg := faqDB(t)
	out, _, err := relaisFAQ(t, cfg, "", "add", "orders.gift-wrap", "en", "Q: do you gift wrap", "Q: gift wrapping please", "A: Yes: {shop_name} wraps it.", "for free")
	if err != nil || !strings.HasPrefix(out, "Added `orders.gift-wrap` (en) (revision 1)") {
		t.Fatalf("relais faq add = %q, %v", out, err)
	}
	for _, e := range storedEntries(t, cfg) {
		if e.Key() == "orders.gift-wrap/en" && e.Answer != "Yes: {shop_name} wraps it.\nfor free" {
			t.Errorf("added answer = %q", e.Answer)
		}
	}
	out, _, err = relaisFAQ(t, cfg, "", "try", "do", "you", "gift", "wrap")
	if err != nil || !strings.Contains(out, "entry:      orders.gift-wrap\n") || !strings.Contains(out, "action:     answer\n") {
		t.Errorf("relais faq try = %q, %v", out, err)
	}
	out, _, err = relaisFAQ(t, cfg, "", "history", "orders.gift-wrap")
	if err != nil || !strings.Contains(out, "• r1 en · ") || !strings.Contains(out, " · cli (") {
		t.Errorf("relais faq history = %q, %v", out, err)
	}
}
