package faq

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/relaisbot/relais/bot"
)

// requiredSeedIDs are the entries the product requires in the seed FAQ.
var requiredSeedIDs = []string{
	"billing.payment-methods", "billing.payment-declined", "billing.double-charge", "billing.invoice",
	"billing.promo-code", "billing.installments", "shipping.delivery-time", "shipping.cost",
	"shipping.tracking", "shipping.international", "shipping.change-address", "shipping.late",
	"shipping.damaged", "shipping.pickup-point", "returns.policy", "returns.label", "returns.refund-time",
	"returns.exchange", "returns.wrong-item", "returns.defective", "orders.cancel", "orders.modify",
	"account.password", "account.delete",
}

var idRE = regexp.MustCompile(`^[a-z]+\.[a-z0-9-]+$`)

func TestSeed(t *testing.T) {
	entries := mustSeed(t)
	byLang := map[bot.Lang]map[string]Entry{bot.LangEN: {}, bot.LangFR: {}}
	for _, e := range entries {
		if _, dup := byLang[e.Lang][e.ID]; dup {
			t.Errorf("%s: duplicate", e.Key())
		}
		m, ok := byLang[e.Lang]
		if !ok {
			t.Errorf("%s: unknown language %q", e.ID, e.Lang)
			continue
		}
		m[e.ID] = e
		if !idRE.MatchString(e.ID) {
			t.Errorf("%s: id must look like topic.slug", e.Key())
		}
		if e.Topic != TopicOf(e.ID) {
			t.Errorf("%s: topic %q, want %q", e.Key(), e.Topic, TopicOf(e.ID))
		}
		if e.Title == "" || len(e.Title) > 60 {
			t.Errorf("%s: title %q must be a short button label", e.Key(), e.Title)
		}
		if n := len(e.Questions); n < 8 {
			t.Errorf("%s: %d phrasings, want at least 8", e.Key(), n)
		}
		if err := CheckAnswer(e.Answer); err != nil {
			t.Errorf("%s: %v", e.Key(), err)
		}
		for _, lang := range bot.Langs {
			if r := DefaultFacts().Render(e.Answer, lang); strings.ContainsAny(r, "{}") {
				t.Errorf("%s: rendered answer has a leftover brace: %q", e.Key(), r)
			}
		}
		seen := make(map[string]bool)
		for _, q := range e.Questions {
			if k := strings.ToLower(q); seen[k] {
				t.Errorf("%s: phrasing %q twice", e.Key(), q)
			} else {
				seen[k] = true
			}
		}
	}
	for _, id := range requiredSeedIDs {
		if _, ok := byLang[bot.LangEN][id]; !ok {
			t.Errorf("required entry %s is missing", id)
		}
	}
	for _, lang := range bot.Langs {
		other := langOf(1 - langIndex(lang))
		for id := range byLang[lang] {
			if _, ok := byLang[other][id]; !ok {
				t.Errorf("%s exists in %s but not in %s", id, lang, other)
			}
		}
	}
}

// TestSeedMatchesItself checks that every seed entry answers its own title
// in its own language: a cheap guard against phrasings that pull an entry
// towards another one.
func TestSeedMatchesItself(t *testing.T) {
	svc := newSeededService(t, DefaultOptions())
	for _, e := range svc.Entries() {
		ans, err := svc.Answer(t.Context(), bot.Query{Text: e.Title, Lang: e.Lang})
		if err != nil {
			t.Fatal(err)
		}
		if len(ans.Candidates) == 0 || ans.Candidates[0].ID != e.ID {
			t.Errorf("%s: its title %q ranks %v first", e.Key(), e.Title, ans.Candidates)
		}
	}
}

// TestSeedNotCopiedFromDatasets makes sure no seed phrasing is an utterance of
// the evaluation datasets: that would inflate the results (and the Bitext
// licence is share-alike).
func TestSeedNotCopiedFromDatasets(t *testing.T) {
	if testing.Short() {
		t.Skip("reads the datasets")
	}
	norm := func(s string) string { return strings.Join(tokenize(s), " ") }
	data := make(map[string]bool)
	for _, name := range []string{"bitext_cs_8k_en.jsonl.gz", "bitext_cs_20k_en.jsonl.gz", "clinc150_test_en.jsonl.gz", "clinc150_val_en.jsonl.gz"} {
		for _, r := range readRows(t, name) {
			data[norm(r.Text)] = true
		}
	}
	for _, name := range []string{"fr_test.jsonl", "en_returns_test.jsonl", "fr_dev.jsonl", "en_returns_dev.jsonl"} {
		for _, s := range readSamples(t, name) {
			data[norm(s.Text)] = true
		}
	}
	var copied []string
	for _, e := range mustSeed(t) {
		for _, q := range append(slices.Clone(e.Questions), e.Title) {
			if data[norm(q)] {
				copied = append(copied, e.Key()+": "+q)
			}
		}
	}
	if len(copied) > 0 {
		t.Errorf("%d seed phrasings also appear in the evaluation data:\n%s", len(copied), strings.Join(copied, "\n"))
	}
}
