package faq_test

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/relaisbot/relais/bot"
	"github.com/relaisbot/relais/faq"
)

// content returns the stored entries.
func (f *fixture) content(t *testing.T) []faq.Entry {
	t.Helper()
	all, err := f.db.FAQEntries(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return all
}

var ignoreRevision = cmpopts.IgnoreFields(faq.Entry{}, "Revision", "UpdatedAt", "UpdatedBy")

func TestExportImportRoundTrip(t *testing.T) {
	ctx := context.Background()
	a := newFixture(t)
	a.ok(t, alice, addGift)
	a.ok(t, alice, "edit shipping.tracking en\nQ+: where's my stuff")
	a.ok(t, alice, "delete returns.policy fr")

	r := a.ok(t, alice, "export")
	if r.File == nil || !regexp.MustCompile(`^relais-faq-\d{8}-\d{4}\.json$`).MatchString(r.File.Name) {
		t.Fatalf("export file = %+v", r.File)
	}
	wantContains(t, "export reply", r.Text, "Exported 68 entries (35 ids) to `"+r.File.Name+"`")
	var exported []map[string]any
	if err := json.Unmarshal(r.File.Content, &exported); err != nil {
		t.Fatalf("export is not a JSON array: %v", err)
	}
	for _, key := range []string{"revision", "updated_at", "updated_by"} {
		if _, ok := exported[0][key]; ok {
			t.Errorf("export has %q: it must be in the seed format, without revision data", key)
		}
	}

	// Replacing a fresh database's FAQ with the file gives identical entries.
	b := newFixture(t)
	r, err := b.admin.Run(ctx, alice, faq.Command{Verb: faq.VerbImport, Replace: true, File: r.File.Content})
	if err != nil || len(r.Problems) > 0 {
		t.Fatalf("import replace = %+v, %v", r, err)
	}
	wantText(t, "import reply", r.Text, "Imported; customers get the new answers now. 68 entries in the file: 1 added, 1 changed, 1 deleted, 66 unchanged.")
	if diff := cmp.Diff(a.content(t), b.content(t), ignoreRevision, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("entries after export → import mismatch (-exported +imported):\n%s", diff)
	}
	if got := b.answers(t, "can you gift wrap my order?", bot.LangEN); got != "orders.gift-wrap" {
		t.Errorf("after import, the imported entry is not live: answered with %q", got)
	}
	if e, _ := b.entry(t, "orders.gift-wrap", bot.LangEN); e.UpdatedBy != "Alice (slack)" {
		t.Errorf("imported entry by %q, want the importer", e.UpdatedBy)
	}
	if au := b.lastAudit(t); au.Action != faq.AuditImport || au.Detail != "68 entries: 1 added, 1 changed, 1 deleted, 66 unchanged (replace)" {
		t.Errorf("audit record = %+v", au)
	}
	again, err := b.admin.Import(ctx, alice, mustExport(t, a))
	if err != nil || again.Text != "Nothing to import: the FAQ already matches the file. 68 entries in the file: 0 added, 0 changed, 0 deleted, 68 unchanged." {
		t.Errorf("second import = %q, %v", again.Text, err)
	}

	// A plain import merges: the entry deleted in a stays.
	c := newFixture(t)
	if r, err := c.admin.Import(ctx, alice, mustExport(t, a)); err != nil || len(r.Problems) > 0 {
		t.Fatalf("import = %+v, %v", r, err)
	}
	if _, ok := c.entry(t, "returns.policy", bot.LangFR); !ok {
		t.Error("a merging import deleted an entry missing from the file")
	}
	if e, _ := c.entry(t, "shipping.tracking", bot.LangEN); !strings.Contains(strings.Join(e.Questions, "|"), "where's my stuff") {
		t.Errorf("merging import did not change shipping.tracking: %v", e.Questions)
	}
}

func mustExport(t *testing.T, f *fixture) []byte {
	t.Helper()
	r := f.ok(t, alice, "export")
	return r.File.Content
}

// TestExportIsSeedFormat checks that the seed exports to entries equal to
// itself and that an export reads back as the seed files do.
func TestExportIsSeedFormat(t *testing.T) {
	seed, err := faq.Seed()
	if err != nil {
		t.Fatal(err)
	}
	data, err := faq.Export(seed)
	if err != nil {
		t.Fatal(err)
	}
	var back []faq.Entry
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(seed, back, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("seed → export → JSON mismatch (-seed +export):\n%s", diff)
	}
	if !strings.HasPrefix(string(data), "[\n  {\n    \"id\": \"billing.payment-methods\",\n    \"lang\": \"en\",") || !strings.HasSuffix(string(data), "]\n") {
		t.Errorf("export is not indented like the seed files:\n%.200s", data)
	}
	entries, probs := faq.ParseExport(data, bot.LangEN)
	if len(probs) > 0 || len(entries) != len(seed) {
		t.Errorf("ParseExport(seed) = %d entries, problems %+v", len(entries), probs)
	}
}

func TestImportReportsEveryProblem(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	before := f.content(t)
	file := `[
  {"id": "orders.gift", "lang": "en", "questions": ["gift?"], "answer": "Yes."},
  {"id": "Orders Gift", "lang": "en", "questions": ["gift?"], "answer": "Yes."},
  {"id": "orders.gift2", "lang": "de", "questions": [], "answer": "See {shop}."},
  {"id": "orders.gift", "lang": "en", "questions": ["again"], "answer": "Yes."},
  {"id": "orders.gift3", "lang": "fr", "question": ["typo in the field name"], "answer": "Oui."},
  {"id": "orders.gift4", "lang": "fr", "topic": "shipping", "questions": ["x"], "answer": "Oui."}
]`
	r, err := f.admin.Import(ctx, alice, []byte(file))
	if err != nil {
		t.Fatal(err)
	}
	wantText(t, "import with problems", r.Text, "Nothing imported. Problems (7):\n"+
		"• `#2`: invalid id 'orders gift': write topic.slug in lowercase letters, digits and dashes, e.g. orders.gift\n"+
		"• `orders.gift2` (de): unknown language 'de': use fr or en\n"+
		"• `orders.gift2` (de): at least one question is needed: add a Q: line\n"+
		"• `orders.gift2` (de): unknown placeholder {shop} in the answer: use one of {shop_name} {support_email} {support_hours} {return_window_days} {refund_days} {free_shipping_threshold} {shipping_cost} {delivery_days} {international_delivery_days} {orders_url}\n"+
		"• `orders.gift` (en): entry 4 repeats entry 1 (same id and language)\n"+
		"• `#5`: entry 5 is not a valid entry: json: unknown field \"question\"\n"+
		"• `orders.gift4` (fr): topic 'shipping' does not match the id: it must be orders")
	var fields []string
	for _, p := range r.Problems {
		fields = append(fields, p.Entry+" "+p.Field)
	}
	want := []string{"#2 id", "orders.gift2/de lang", "orders.gift2/de questions", "orders.gift2/de answer", "orders.gift/en id", "#5 ", "orders.gift4/fr topic"}
	if diff := cmp.Diff(want, fields); diff != "" {
		t.Errorf("problems mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(before, f.content(t)); diff != "" {
		t.Errorf("a failed import changed the FAQ (-before +after):\n%s", diff)
	}

	for _, tc := range []struct{ file, want string }{
		{"not json", "the file is not a JSON list of entries like export makes: invalid character 'o' in literal null (expecting 'u')"},
		{`{"id": "x.y"}`, "the file is not a JSON list of entries like export makes: json: cannot unmarshal object into Go value of type []json.RawMessage"},
	} {
		r, err := f.admin.Import(ctx, alice, []byte(tc.file))
		if err != nil || len(r.Problems) != 1 || r.Problems[0].Field != "file" {
			t.Errorf("Import(%q) = %+v, %v; want one problem with the file", tc.file, r, err)
			continue
		}
		wantText(t, "Import("+tc.file+")", r.Problems[0].Text, tc.want)
	}
	r, err = f.admin.Run(ctx, alain, faq.Command{Verb: faq.VerbImport, Replace: true, File: []byte("[]")})
	if err != nil {
		t.Fatal(err)
	}
	wantText(t, "import replace of nothing", r.Text, "le fichier ne contient aucune entrée : import replace supprimerait toute la FAQ. Supprimez plutôt les entrées avec delete.")
}
