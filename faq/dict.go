package faq

import (
	_ "embed"
	"strings"
)

// The dictionaries list real English and French words (folded, 4 letters or
// more, one a line, sorted in byte order), taken from the vocabulary test
// data of the snowball stemmer; see dict/README.md. A word found there is
// never "corrected" into an FAQ word: "least" is not a typo for "last", nor
// "hills" for "bills". They are searched where the binary holds them: nothing
// is read or built at start (TestDictionaries checks their order).
var (
	//go:embed dict/en.txt
	dictEN string
	//go:embed dict/fr.txt
	dictFR string
)

// inWordList reports whether w is a line of list, a sorted list of lines
// each ending with a newline, by binary search over its bytes.
func inWordList(list, w string) bool {
	lo, hi := 0, len(list) // both at the start of a line
	for lo < hi {
		mid := lo + (hi-lo)/2
		start := strings.LastIndexByte(list[:mid], '\n') + 1 // ≥ lo
		end := start + strings.IndexByte(list[start:], '\n') // the list ends with a newline
		switch line := list[start:end]; {
		case line < w:
			lo = end + 1
		case line > w:
			hi = start
		default:
			return true
		}
	}
	return false
}

// isRealWord reports whether w is a dictionary word of either language.
func isRealWord(w string) bool {
	return inWordList(dictEN, w) || inWordList(dictFR, w)
}
