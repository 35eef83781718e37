package handoff

import (
	"embed"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"sync"
)

// AFINN-165 word lists (English, and its French translation): word or
// phrase → valence in −5..+5. The model sees the sums of the valences of a
// message as features; see lexicon/afinn/README.md.
//
//go:embed lexicon/afinn/*.tsv.gz
var valenceFS embed.FS

// valencePhrase is one entry of a valence list, after its first word.
type valencePhrase struct {
	rest []string // the words after the first
	v    int8
}

// valence is a valence list, by first folded word.
type valence map[string][]valencePhrase

// embeddedValence parses the embedded valence lists once.
var embeddedValence = sync.OnceValue(func() *[numLangs]valence {
	var vs [numLangs]valence
	for l, name := range langNames {
		v, err := loadValence(valenceFS, "lexicon/afinn/"+name+".tsv.gz")
		if err != nil {
			panic(fmt.Sprintf("handoff: embedded valence list: %v", err))
		}
		vs[l] = v
	}
	return &vs
})

// loadValence reads a gzip-compressed AFINN file: "phrase<TAB>valence".
// Phrases are folded and split like messages; of two entries that fold the
// same, the first is kept.
func loadValence(fsys fs.FS, name string) (valence, error) {
	b, err := readGzip(fsys, name)
	if err != nil {
		return nil, err
	}
	text := string(b)
	lines := strings.Count(text, "\n")
	out := make(valence, lines)
	seen := make(map[string]bool, lines)
	var toks []token
	n := 0
	for line := range strings.Lines(text) {
		n++
		line = strings.TrimRight(line, "\r\n")
		phrase, v, ok := strings.Cut(line, "\t")
		val, err := strconv.Atoi(v)
		toks = tokenize(phrase, toks[:0])
		if !ok || err != nil || val < -5 || val > 5 || len(toks) == 0 {
			return nil, fmt.Errorf("%s:%d: bad line %q", name, n, line)
		}
		words := make([]string, len(toks))
		for i, t := range toks {
			words[i] = t.word
		}
		key := strings.Join(words, " ")
		if seen[key] {
			continue
		}
		seen[key] = true
		out[words[0]] = append(out[words[0]], valencePhrase{rest: words[1:], v: int8(val)})
	}
	if len(out) < 1000 {
		return nil, fmt.Errorf("%s: %d entries, want more", name, len(out))
	}
	return out, nil
}

// at returns the valence of the longest entry starting at token i and the
// index after it, or end i when there is none.
func (vl valence) at(toks []token, i int) (v int, end int) {
	end = i
	for _, p := range vl[toks[i].word] {
		n := i + 1 + len(p.rest)
		if n <= end || n > len(toks) {
			continue
		}
		ok := true
		for j, w := range p.rest {
			if toks[i+1+j].word != w || toks[i+1+j].clause != toks[i].clause {
				ok = false
				break
			}
		}
		if ok {
			v, end = int(p.v), n
		}
	}
	return v, end
}

// valenceSums adds up the valences of a message's words that are not in a
// calm phrase, apart for negated words: negative and positive sums, plain
// and negated.
func (vl valence) sums(toks []token) (neg, pos, negNeg, negPos int) {
	for i := 0; i < len(toks); {
		if toks[i].calm {
			i++
			continue
		}
		v, end := vl.at(toks, i)
		if end == i {
			i++
			continue
		}
		negated := negatedFor(toks, i)
		switch {
		case v < 0 && negated:
			negNeg -= v
		case v < 0:
			neg -= v
		case v > 0 && negated:
			negPos += v
		case v > 0:
			pos += v
		}
		i = end
	}
	return neg, pos, negNeg, negPos
}
