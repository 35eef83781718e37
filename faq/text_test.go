package faq

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestFold(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Livrée", "livree"},
		{"ÉCHANGE", "echange"},
		{"Cœur", "coeur"},
		{"ça", "ca"},
		{"Straße", "strasse"},
		{"déjà reçu", "deja recu"},
	}
	for _, tt := range tests {
		if got := fold(tt.in); got != tt.want {
			t.Errorf("fold(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTokenize(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"Où est ma commande ?", []string{"ou", "est", "ma", "commande"}},
		{"l'adresse", []string{"adresse"}},
		{"qu'il", []string{"il"}},
		{"j'ai", []string{"ai"}},
		{"J’ai reçu l’article", []string{"ai", "recu", "article"}},
		{"jusqu'à", []string{"a"}},
		{"I haven't received it", []string{"i", "have", "not", "received", "it"}},
		{"can't, won't, dont", []string{"can", "not", "will", "not", "do", "not"}},
		{"where's my parcel", []string{"where", "is", "my", "parcel"}},
		{"I'm sure we're", []string{"i", "am", "sure", "we", "are"}},
		{"pick-up point", []string{"pick", "up", "point"}},
		{"e-mail", []string{"e", "mail"}},
		{"order #12345!!", []string{"order", "12345"}},
		{"aujourd'hui", []string{"aujourdhui"}},
		{"", nil},
	}
	for _, tt := range tests {
		got := tokenize(tt.in)
		if diff := cmp.Diff(tt.want, got, cmpEmptyAsNil); diff != "" {
			t.Errorf("tokenize(%q) mismatch (-want +got):\n%s", tt.in, diff)
		}
	}
}

// cmpEmptyAsNil treats nil and empty slices as equal.
var cmpEmptyAsNil = cmp.FilterValues(func(a, b []string) bool { return len(a) == 0 && len(b) == 0 },
	cmp.Comparer(func(a, b []string) bool { return true }))
