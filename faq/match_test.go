package faq

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/relaisbot/relais/bot"
)

func TestNewIndex(t *testing.T) {
	entries := []Entry{
		{ID: "b.two", Lang: bot.LangFR, Title: "Deux", Questions: []string{"deux"}},
		{ID: "a.one", Lang: bot.LangEN, Title: "One", Questions: []string{"one"}},
		{ID: "b.two", Lang: bot.LangEN, Title: "Two", Questions: []string{"two"}},
		{ID: "b.two", Lang: bot.LangEN, Title: "Duplicate", Questions: []string{"dup"}},
		{ID: "", Lang: bot.LangEN, Title: "No id"},
		{ID: "c.three", Lang: "de", Title: "Drei"},
	}
	ix := NewIndex(entries)
	var keys []string
	for _, e := range ix.Entries() {
		keys = append(keys, e.Key()+" "+e.Title)
	}
	want := []string{"a.one/en One", "b.two/en Two", "b.two/fr Deux"}
	if diff := cmp.Diff(want, keys); diff != "" {
		t.Errorf("indexed entries mismatch (-want +got):\n%s", diff)
	}
	if ix.Len() != 2 {
		t.Errorf("Len = %d, want 2 ids", ix.Len())
	}
	for _, tt := range []struct {
		id        string
		lang      bot.Lang
		wantTitle string
		wantOK    bool
	}{
		{"b.two", bot.LangFR, "Deux", true},
		{"a.one", bot.LangFR, "One", true}, // the other language
		{"z.none", bot.LangEN, "", false},
	} {
		e, ok := ix.Entry(tt.id, tt.lang)
		if ok != tt.wantOK || e.Title != tt.wantTitle {
			t.Errorf("Entry(%s, %s) = %q, %v; want %q, %v", tt.id, tt.lang, e.Title, ok, tt.wantTitle, tt.wantOK)
		}
	}
}

func TestMatchHits(t *testing.T) {
	ix := NewIndex(mustSeed(t))
	for _, text := range []string{
		"I want a refund for my order", "mon colis est arrivé abîmé", "cancel", "payment", "order",
	} {
		m := ix.Match(text, "", "")
		if len(m.Hits) == 0 {
			t.Errorf("Match(%q): no hits", text)
			continue
		}
		seen := make(map[string]bool)
		for i, h := range m.Hits {
			if seen[h.ID] {
				t.Errorf("Match(%q): %s ranked twice", text, h.ID)
			}
			seen[h.ID] = true
			if h.Confidence < 0 || h.Confidence > 1 {
				t.Errorf("Match(%q): %s confidence %v out of [0, 1]", text, h.ID, h.Confidence)
			}
			if i > 0 && h.Score > m.Hits[i-1].Score {
				t.Errorf("Match(%q): hits not sorted by score", text)
			}
		}
		// Same input, same output: ties are broken by id.
		if again := ix.Match(text, "", ""); !cmp.Equal(m, again) {
			t.Errorf("Match(%q) is not deterministic", text)
		}
	}
}

// TestMatchTie checks that a message matching several entries equally well
// is not answered with confidence: "order" alone could be many things.
func TestMatchTie(t *testing.T) {
	svc := newSeededService(t, DefaultOptions())
	ans, err := svc.Answer(t.Context(), bot.Query{Text: "order"})
	if err != nil {
		t.Fatal(err)
	}
	if ans.Action == bot.ActionAnswer {
		t.Errorf(`Answer("order") = answer %s with confidence %.2f, want no answer`, ans.FAQID, ans.Confidence)
	}
}

func TestInsertRanked(t *testing.T) {
	ix := &Index{ids: []string{"a", "b", "c", "d", "e", "f", "g"}}
	var top [3]ranked
	n := 0
	for i, score := range []float64{1, 5, 3, 5, 0.5, 4, 5} {
		n = ix.insertRanked(top[:], n, ranked{entry: int32(i), score: score})
	}
	var got []string
	for _, r := range top[:n] {
		got = append(got, fmt.Sprintf("%s=%g", ix.ids[r.entry], r.score))
	}
	// Three entries score 5: the best three, ordered by id.
	if want := []string{"b=5", "d=5", "g=5"}; !cmp.Equal(got, want) {
		t.Errorf("top = %v, want %v", got, want)
	}
}
