package faq

import (
	"regexp"
	"strings"
	"testing"
)

// TestDictionaries checks the embedded lists are what inWordList expects:
// sorted, distinct, folded words of 4 letters or more, each line ending
// with a newline.
func TestDictionaries(t *testing.T) {
	word := regexp.MustCompile(`^[a-z]{4,}$`)
	for name, list := range map[string]string{"en": dictEN, "fr": dictFR} {
		if !strings.HasSuffix(list, "\n") {
			t.Fatalf("%s: does not end with a newline", name)
		}
		lines := strings.Split(strings.TrimSuffix(list, "\n"), "\n")
		if len(lines) < 15000 {
			t.Errorf("%s: %d words, want more", name, len(lines))
		}
		for i, w := range lines {
			if !word.MatchString(w) {
				t.Fatalf("%s:%d: %q is not a folded word of 4 letters or more", name, i+1, w)
			}
			if i > 0 && lines[i-1] >= w {
				t.Fatalf("%s:%d: %q after %q: not sorted or repeated", name, i+1, w, lines[i-1])
			}
		}
		// Every word is found, and nothing between or around them.
		set := make(map[string]bool, len(lines))
		for _, w := range lines {
			set[w] = true
		}
		for _, w := range lines {
			for _, q := range []string{w, w + "a", w[:len(w)-1], w + "\n" + w, strings.ToUpper(w)} {
				if got := inWordList(list, q); got != set[q] {
					t.Fatalf("%s: inWordList(%q) = %v, want %v", name, q, got, set[q])
				}
			}
		}
	}
	for _, w := range []string{"", "a", "zzzzzzzz", "\n"} {
		if isRealWord(w) {
			t.Errorf("isRealWord(%q) = true", w)
		}
	}
	for _, w := range []string{"least", "hills", "commande", "remboursement"} {
		if !isRealWord(w) {
			t.Errorf("isRealWord(%q) = false", w)
		}
	}
}
