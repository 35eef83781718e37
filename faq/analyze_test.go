package faq

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestConcepts checks that the shop vocabulary maps variants, inflections and
// both languages to the same index term.
func TestConcepts(t *testing.T) {
	groups := []struct {
		term  string
		words []string // each analysed alone, as a document of its language
		lang  int
	}{
		{"PARCEL", []string{"parcel", "packages", "shipment"}, langEN},
		{"PARCEL", []string{"colis", "paquet"}, langFR},
		{"DELIVER", []string{"delivery", "delivered", "shipping", "shipped"}, langEN},
		{"DELIVER", []string{"livraison", "livrée", "livree", "livrer", "expédition", "expédié"}, langFR},
		{"REFUND", []string{"refund", "refunded", "reimbursement", "money back"}, langEN},
		{"REFUND", []string{"remboursement", "rembourser", "remboursé", "remboursements"}, langFR},
		{"RETURN", []string{"return", "send back", "returning"}, langEN},
		{"RETURN", []string{"retour", "renvoyer", "retourner"}, langFR},
		{"ORDER", []string{"order", "orders", "purchase"}, langEN},
		{"ORDER", []string{"commande", "commandes", "achat"}, langFR},
		{"INVOICE", []string{"invoice", "receipt", "bill"}, langEN},
		{"INVOICE", []string{"facture", "factures"}, langFR},
		{"CANCEL", []string{"cancel", "cancelled", "cancellation", "cancelation"}, langEN},
		{"CANCEL", []string{"annuler", "annulation", "annulée"}, langFR},
		{"TRACK", []string{"tracking", "track", "where is", "status"}, langEN},
		{"TRACK", []string{"suivi", "suivre", "où est", "ou est"}, langFR},
		{"PASSWORD", []string{"password", "passcode"}, langEN},
		{"PASSWORD", []string{"mot de passe", "mdp"}, langFR},
	}
	an := newDocAnalyzer()
	for _, g := range groups {
		for _, w := range g.words {
			terms, _ := an.analyze(w, g.lang)
			if !slices.Contains(terms, g.term) {
				t.Errorf("analyze(%q, %s) = %v, want it to contain %s", w, langOf(g.lang), terms, g.term)
			}
		}
	}
}

func TestAnalyze(t *testing.T) {
	tests := []struct {
		in   string
		lang int
		want []string
	}{
		// Stop words and request wrappers go; elisions and accents don't matter.
		{"Bonjour, pourriez-vous m'aider à suivre ma commande ?", langFR, []string{"TRACK", "ORDER"}},
		{"I need help with tracking my order please", langEN, []string{"TRACK", "ORDER"}},
		// A stop word may stand inside a phrase.
		{"remove my user account", langEN, []string{"DELETE", "ACCOUNT"}},
		// A phrase also yields the concepts of its words.
		{"where is my return label", langEN, []string{"TRACK", "LABEL", "RETURN"}},
		// "comment" is a review in English and "how" in French.
		{"leave a comment", langEN, []string{"REVIEW"}},
		{"comment laisser un avis", langFR, []string{"REVIEW"}},
		// Phrases without meaning for matching are dropped.
		{"I changed my mind, cancel it", langEN, []string{"CANCEL"}},
	}
	an := newDocAnalyzer()
	for _, tt := range tests {
		got, _ := an.analyze(tt.in, tt.lang)
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("analyze(%q) mismatch (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestAnalyzeQuery(t *testing.T) {
	ix := NewIndex(mustSeed(t))
	tests := []struct {
		in            string
		lang          int
		want          []string
		unknown, corr int
	}{
		{"where is my parcle", langEN, []string{"TRACK", "PARCEL"}, 0, 1},      // typo
		{"czncellation fee", langEN, []string{"CANCEL", "COST"}, 0, 1},         // typo, 2 edits
		{"how do I track myorder", langEN, []string{"TRACK", "ORDER"}, 0, 1},   // missing space
		{"where is the nearest hill", langEN, []string{"TRACK"}, 2, 0},         // real words: "hill" is not "bill"
		{"what's the weather in Paris", langEN, nil, 2, 0},                     // nothing known
		{"Où est ma commande ?", langFR, []string{"TRACK", "ORDER"}, 0, 0},     //
		{"colis pas reçu", langFR, []string{"PARCEL", "LATE", "ARRIVE"}, 0, 0}, //
		{"je veux être remboursé", langFR, []string{"REFUND"}, 0, 0},           //
		{"livraison en belgique", langFR, []string{"DELIVER", "ABROAD"}, 0, 0}, //
		{"my parcel is late", langFR, []string{"PARCEL", "LATE"}, 0, 0},        // wrong language, still concepts
		{"refund refund REFUND", langEN, []string{"REFUND"}, 0, 0},             // distinct terms
		{"order 123456 from 12/03", langEN, []string{"ORDER"}, 0, 0},           // numbers dropped
		{"livree", langFR, []string{"DELIVER"}, 0, 0},                          // accent missing
		{"annulation commande", langEN, []string{"CANCEL", "ORDER"}, 0, 0},     // French words, English detected
	}
	for _, tt := range tests {
		q := ix.analyzeQuery(tokenize(tt.in), tt.lang)
		if diff := cmp.Diff(tt.want, q.terms, cmpEmptyAsNil); diff != "" {
			t.Errorf("analyzeQuery(%q) terms mismatch (-want +got):\n%s", tt.in, diff)
		}
		if q.unknown != tt.unknown || q.corrected != tt.corr {
			t.Errorf("analyzeQuery(%q): %d unknown, %d corrected; want %d, %d", tt.in, q.unknown, q.corrected, tt.unknown, tt.corr)
		}
	}
}

// TestVocabularyConsistency guards the concept table against variants that
// can never match: a single word that is also a stop word of its own
// language, or that two concepts claim once folded ("facturé", "facture").
func TestVocabularyConsistency(t *testing.T) {
	for li := range 2 {
		for _, w := range vocab.words[li] {
			if stopByLang[li][w] {
				t.Errorf("%q is both a %s stop word and a %s variant", w, langOf(li), langOf(li))
			}
		}
	}
	owner := make(map[string]string)
	for _, c := range concepts {
		for _, list := range [2]string{c.en, c.fr} {
			for _, v := range strings.Split(list, ",") {
				words := tokenize(strings.TrimPrefix(strings.TrimSpace(v), "="))
				key := strings.Join(words, " ")
				if prev, ok := owner[key]; ok && prev != c.term {
					t.Errorf("variant %q belongs to both %s and %s", key, prev, c.term)
				}
				owner[key] = c.term
			}
		}
	}
}

func mustSeed(t testing.TB) []Entry {
	t.Helper()
	entries, err := Seed()
	if err != nil {
		t.Fatal(err)
	}
	return entries
}
