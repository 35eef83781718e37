package faq

import (
	"bytes"
	"compress/gzip"
	"embed"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
)

// The dictionaries list real English and French words (folded, 4 letters or
// more), taken from the vocabulary test data of the snowball stemmer; see
// dict/README.md. A word found there is never "corrected" into an FAQ word:
// "least" is not a typo for "last", nor "hills" for "bills".
//
//go:embed dict/*.txt.gz
var dictFS embed.FS

// wordList is a sorted list of words kept as one string, with the offset
// of each word: far lighter than a string per word.
type wordList struct {
	text  string
	start []uint32 // start of each word in text; words end at the next start - 1 (a newline)
}

// word returns the i-th word.
func (l *wordList) word(i int) string {
	end := len(l.text)
	if i+1 < len(l.start) {
		end = int(l.start[i+1]) - 1
	}
	return strings.TrimSuffix(l.text[l.start[i]:end], "\n")
}

// contains reports whether w is in the list.
func (l *wordList) contains(w string) bool {
	i := sort.Search(len(l.start), func(i int) bool { return l.word(i) >= w })
	return i < len(l.start) && l.word(i) == w
}

// dictionaries are the English and French lists, loaded once, when the first
// index is built.
var dictionaries = sync.OnceValue(func() []*wordList {
	var lists []*wordList
	for _, name := range []string{"dict/en.txt.gz", "dict/fr.txt.gz"} {
		l, err := readWordList(name)
		if err != nil {
			panic(fmt.Sprintf("faq: embedded dictionary: %v", err)) // the build embeds a broken file
		}
		lists = append(lists, l)
	}
	return lists
})

// Preload reads the embedded dictionaries now (~10 ms), so that a program
// can do it on another goroutine while it starts; otherwise the first index
// built does.
func Preload() { dictionaries() }

// readWordList reads an embedded gzip-compressed list of words, one a line,
// sorted in byte order.
func readWordList(name string) (*wordList, error) {
	f, err := dictFS.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	l := &wordList{text: string(b), start: make([]uint32, 0, bytes.Count(b, []byte{'\n'})+1)}
	for i := 0; i < len(l.text); {
		l.start = append(l.start, uint32(i))
		j := strings.IndexByte(l.text[i:], '\n')
		if j < 0 {
			break
		}
		i += j + 1
	}
	for i := 1; i < len(l.start); i++ {
		if l.word(i-1) >= l.word(i) {
			return nil, fmt.Errorf("%s: not sorted at line %d", name, i+1)
		}
	}
	return l, nil
}

// isRealWord reports whether w is a dictionary word of either language.
func isRealWord(w string) bool {
	for _, l := range dictionaries() {
		if l.contains(w) {
			return true
		}
	}
	return false
}
