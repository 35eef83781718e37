package faq

import (
	"bufio"
	"compress/gzip"
	"embed"
	"fmt"
	"slices"
	"sync"
)

// The dictionaries list real English and French words (folded, 4 letters or
// more), taken from the vocabulary test data of the snowball stemmer; see
// dict/README.md. A word found there is never "corrected" into an FAQ word:
// "least" is not a typo for "last", nor "hills" for "bills".
//
//go:embed dict/*.txt.gz
var dictFS embed.FS

// realWords returns the sorted words of both dictionaries. It is loaded once,
// when the first index is built.
var realWords = sync.OnceValue(func() []string {
	var words []string
	for _, name := range []string{"dict/en.txt.gz", "dict/fr.txt.gz"} {
		ws, err := readWordList(name)
		if err != nil {
			panic(fmt.Sprintf("faq: embedded dictionary: %v", err)) // the build embeds a broken file
		}
		words = append(words, ws...)
	}
	slices.Sort(words)
	return slices.Compact(words)
})

// readWordList reads an embedded gzip-compressed list of words, one a line.
func readWordList(name string) ([]string, error) {
	f, err := dictFS.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var words []string
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		words = append(words, sc.Text())
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return words, nil
}

// isRealWord reports whether w is a dictionary word of either language.
func isRealWord(w string) bool {
	_, ok := slices.BinarySearch(realWords(), w)
	return ok
}
