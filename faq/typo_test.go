package faq

import "testing"

func TestOSADistance(t *testing.T) {
	tests := []struct {
		a, b  string
		limit int
		want  int
	}{
		{"refund", "refund", 2, 0},
		{"refnud", "refund", 2, 1}, // transposition
		{"refunf", "refund", 2, 1}, // substitution
		{"refun", "refund", 2, 1},  // insertion
		{"reffund", "refund", 2, 1},
		{"czncellation", "cancellation", 2, 1},
		{"cancelaton", "cancellation", 2, 2},
		{"password", "passwrod", 2, 1},
		{"delivery", "shipping", 2, 3}, // above the limit: limit+1
		{"a", "abcdef", 2, 3},
		{"livraison", "livraison", 0, 0},
	}
	for _, tt := range tests {
		if got := osaDistance([]rune(tt.a), []rune(tt.b), tt.limit); got != tt.want {
			t.Errorf("osaDistance(%q, %q, %d) = %d, want %d", tt.a, tt.b, tt.limit, got, tt.want)
		}
	}
}

func TestSpellerCorrect(t *testing.T) {
	s := newSpeller(map[string]int{
		"refund": 10, "invoice": 8, "cancellation": 5, "card": 3, "cart": 1,
		"paie": 2, "bills": 4, "parcel": 6, "parcels": 1, "password": 9,
	})
	tests := []struct {
		in     string
		want   string
		wantOK bool
	}{
		{"refnud", "refund", true},
		{"invoce", "invoice", true},
		{"czncelation", "cancellation", true}, // 2 edits on a long word
		{"pasword", "password", true},
		{"crad", "card", true}, // four letters: swapped letters only
		{"pain", "", false},    // four letters: one substitution is not enough
		{"hills", "", false},   // the first letter must match
		{"parcle", "parcel", true},
		{"parcelz", "parcel", true}, // one edit from "parcel" and "parcels": the more frequent wins
		{"car", "", false},          // too short
		{"refundd", "refund", true},
		{"xyzzy", "", false},
	}
	for _, tt := range tests {
		got, ok := s.correct(tt.in)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("correct(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.wantOK)
		}
	}
}

// TestSpellerTies checks that equally close candidates are chosen by
// frequency, then alphabetically, whatever the map order.
func TestSpellerTies(t *testing.T) {
	for range 20 {
		s := newSpeller(map[string]int{"parcel": 5, "parcels": 5, "parce": 9})
		// "parcell" is one edit from "parcel" and from "parcels": same
		// frequency, so the alphabetically first wins.
		if got, _ := s.correct("parcell"); got != "parcel" {
			t.Fatalf("correct(parcell) = %q, want parcel", got)
		}
		// "parcem" is one edit from "parce" and from "parcel"; "parce" is
		// more frequent.
		if got, _ := s.correct("parcem"); got != "parce" {
			t.Fatalf("correct(parcem) = %q, want parce", got)
		}
	}
}

func TestMaxTypos(t *testing.T) {
	for n, want := range map[int]int{1: 0, 3: 0, 4: 1, 7: 1, 8: 2, 15: 2} {
		if got := maxTypos(n); got != want {
			t.Errorf("maxTypos(%d) = %d, want %d", n, got, want)
		}
	}
}
