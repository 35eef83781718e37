package handoff

import (
	"bufio"
	"embed"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
)

// The lexicons list the French and English wording of frustration, one
// phrase a line with its signal family and weight; see lexicon/README.md.
//
//go:embed lexicon/*.tsv lexicon/stopwords.txt
var lexiconFS embed.FS

// kind is a family of frustration signals.
type kind uint8

// Signal families. The first ones come from the lexicons, the others from
// code.
const (
	kindCalm kind = iota // calm wording: swallows its words, never a signal
	kindProfanity
	kindInsult
	kindAnger
	kindChargeback
	kindLegal
	kindReview
	kindAuthority
	kindLeave
	kindWaiting
	kindRepeat
	kindCaps
	kindPunct
	kindStretch
	kindSameQuestion
	kindNotHelpful
	kindFallback
	kindModel
	numKinds
)

// kinds describes each family: its name in the lexicon files, the start of
// its reason, and how many words back a negation cancels it (0: never).
var kinds = [numKinds]struct {
	name, label string
	negWindow   int
}{
	kindCalm:         {"calm", "", 0},
	kindProfanity:    {"profanity", "profanity", 0},
	kindInsult:       {"insult", "insult", 3},
	kindAnger:        {"anger", "angry wording", 3},
	kindChargeback:   {"chargeback", "threatens a chargeback", 5},
	kindLegal:        {"legal", "threatens legal action", 5},
	kindReview:       {"review", "threatens a bad review", 5},
	kindAuthority:    {"authority", "threatens to report the shop", 5},
	kindLeave:        {"leave", "threatens to stop buying", 5},
	kindWaiting:      {"waiting", "waiting complaint", 0},
	kindRepeat:       {"repeat", "says it is asking again", 0},
	kindCaps:         {"", "writes in capitals", 0},
	kindPunct:        {"", "insistent punctuation", 0},
	kindStretch:      {"", "stretched words", 0},
	kindSameQuestion: {"", "", 0},
	kindNotHelpful:   {"", "", 0},
	kindFallback:     {"", "", 0},
	kindModel:        {"", "angry wording", 0},
}

// maxGap is how many words "…" in a phrase may skip.
const maxGap = 3

// part is one word of a lexicon phrase.
type part struct {
	word   string
	prefix bool // "word*": any word starting with word
	gap    bool // "…" before it: up to maxGap words may come first
}

// entry is one phrase of a lexicon.
type entry struct {
	kind   kind
	weight float64
	parts  []part
}

// lexicon finds phrases in tokenised text.
type lexicon struct {
	exact  map[string][]*entry // by first word
	prefix map[string][]*entry // first word is a prefix: by its first 3 bytes
	stop   map[string]bool     // words ignored when comparing messages
}

// loadLexicon reads the embedded lexicons.
func loadLexicon(fsys fs.FS) (*lexicon, error) {
	lx := &lexicon{exact: map[string][]*entry{}, prefix: map[string][]*entry{}, stop: map[string]bool{}}
	names, err := fs.Glob(fsys, "lexicon/*.tsv")
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no lexicon")
	}
	for _, name := range names {
		if err := lx.read(fsys, name); err != nil {
			return nil, err
		}
	}
	b, err := fs.ReadFile(fsys, "lexicon/stopwords.txt")
	if err != nil {
		return nil, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		for _, w := range strings.Fields(line) {
			lx.stop[w] = true
		}
	}
	return lx, nil
}

// read adds the phrases of one lexicon file.
func (lx *lexicon) read(fsys fs.FS, name string) error {
	f, err := fsys.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		e, err := parseEntry(line)
		if err != nil {
			return fmt.Errorf("%s:%d: %w", name, n, err)
		}
		first := e.parts[0]
		if first.prefix {
			lx.prefix[first.word[:3]] = append(lx.prefix[first.word[:3]], e)
		} else {
			lx.exact[first.word] = append(lx.exact[first.word], e)
		}
	}
	return sc.Err()
}

// parseEntry parses "kind<TAB>weight<TAB>phrase".
func parseEntry(line string) (*entry, error) {
	fields := strings.Split(line, "\t")
	if len(fields) != 3 {
		return nil, fmt.Errorf("want kind, weight and phrase separated by tabs, got %q", line)
	}
	e := &entry{kind: numKinds}
	for k, info := range kinds {
		if info.name != "" && info.name == fields[0] {
			e.kind = kind(k)
		}
	}
	if e.kind == numKinds {
		return nil, fmt.Errorf("unknown kind %q", fields[0])
	}
	w, err := strconv.ParseFloat(fields[1], 64)
	if err != nil || w < 0 || w > 1 || (w == 0) != (e.kind == kindCalm) {
		return nil, fmt.Errorf("weight %q: want (0,1], or 0 for calm", fields[1])
	}
	e.weight = w
	gap := false
	for _, f := range strings.Fields(fields[2]) {
		if f == "…" {
			gap = true
			continue
		}
		prefix := strings.HasSuffix(f, "*")
		toks := tokenize(strings.TrimSuffix(f, "*"), nil)
		for i, t := range toks {
			e.parts = append(e.parts, part{word: t.word, prefix: prefix && i == len(toks)-1, gap: gap && i == 0})
		}
		gap = false
	}
	switch {
	case len(e.parts) == 0 || e.parts[0].gap || gap:
		return nil, fmt.Errorf("phrase %q: no words, or … at an end", fields[2])
	case e.parts[0].prefix && len(e.parts[0].word) < 3:
		return nil, fmt.Errorf("phrase %q: a prefix needs 3 letters or more", fields[2])
	}
	return e, nil
}

// longest returns the longest phrase starting at token i (the strongest of
// equally long ones) and the index after its last word, or nil.
func (lx *lexicon) longest(toks []token, i int) (*entry, int) {
	var best *entry
	bestEnd := i
	try := func(es []*entry) {
		for _, e := range es {
			end, ok := matchParts(toks, i, toks[i].clause, e.parts)
			if ok && (end > bestEnd || (end == bestEnd && best != nil && e.weight > best.weight)) {
				best, bestEnd = e, end
			}
		}
	}
	w := toks[i].word
	try(lx.exact[w])
	if len(w) >= 3 {
		try(lx.prefix[w[:3]])
	}
	return best, bestEnd
}

// matchParts matches parts against the tokens from j on, within one clause.
func matchParts(toks []token, j, clause int, parts []part) (int, bool) {
	if len(parts) == 0 {
		return j, true
	}
	p := parts[0]
	skip := 0
	if p.gap {
		skip = maxGap
	}
	for k := j; k <= j+skip && k < len(toks) && toks[k].clause == clause; k++ {
		w := toks[k].word
		if w == p.word || (p.prefix && strings.HasPrefix(w, p.word)) {
			if end, ok := matchParts(toks, k+1, clause, parts[1:]); ok {
				return end, true
			}
		}
	}
	return 0, false
}
