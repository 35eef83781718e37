package faq

import (
	"slices"
	"strings"
)

// phrase is a multi-word variant: the folded words and the terms they become.
type phrase struct {
	words []string
	terms []string
	exact bool // no terms from the words themselves
}

// synonyms is the compiled concept table.
type synonyms struct {
	word    map[string]string    // folded single word → term
	keep    map[string]bool      // words that keep their own stem as well (productNouns)
	keepSt  [2]map[string]bool   // the same, by stem per language
	words   [2][]string          // per language, the folded single-word variants
	variant [2]map[string]bool   // per language, the same as a set
	stem    [2]map[string]string // per language (langIndex), stem of a single-word variant → term
	phrases map[string][]phrase  // first word → phrases starting with it, longest first
}

// vocab is the compiled shop vocabulary, shared by every index.
var vocab = compileSynonyms(concepts, productNouns)

// compileSynonyms builds the lookup tables of a concept table. A phrase
// becomes its concept's term plus the terms of its words that are variants on
// their own ("return label" → LABEL, RETURN), so that it still matches entries
// that spell the idea out differently; a phrase written with a leading "="
// becomes its concept's term only ("=email address" → EMAIL). The words of
// the kept concept (productNouns) also keep their own stems. When two concepts claim the same stem,
// the first in the table keeps it.
func compileSynonyms(cs []concept, kept concept) *synonyms {
	s := &synonyms{
		word:    make(map[string]string),
		keep:    make(map[string]bool),
		keepSt:  [2]map[string]bool{make(map[string]bool), make(map[string]bool)},
		stem:    [2]map[string]string{make(map[string]string), make(map[string]string)},
		variant: [2]map[string]bool{make(map[string]bool), make(map[string]bool)},
		phrases: make(map[string][]phrase),
	}
	var multi []phrase
	for _, c := range append(slices.Clip(cs), kept) {
		keep := c == kept
		for li, list := range [2]string{c.en, c.fr} {
			for _, v := range strings.Split(list, ",") {
				v, exact := strings.CutPrefix(strings.TrimSpace(v), "=")
				words := tokenize(v)
				switch {
				case len(words) == 1:
					s.word[words[0]] = c.term
					s.words[li] = append(s.words[li], words[0])
					s.variant[li][words[0]] = true
					st := stemWord(words[0], li)
					if s.stem[li][st] == "" {
						s.stem[li][st] = c.term
					}
					if keep {
						s.keep[words[0]], s.keepSt[li][st] = true, true
					}
				case len(words) > 1:
					p := phrase{words: words, exact: exact}
					if c.term != "" {
						p.terms = []string{c.term}
					}
					if keep {
						for _, w := range words {
							p.terms = append(p.terms, stemWord(w, li))
						}
					}
					multi = append(multi, p)
				}
			}
		}
	}
	for _, p := range multi {
		for _, w := range p.words {
			if p.exact {
				break
			}
			if t := s.word[w]; t != "" && !slices.Contains(p.terms, t) {
				p.terms = append(p.terms, t)
			}
		}
		s.phrases[p.words[0]] = append(s.phrases[p.words[0]], p)
	}
	for _, ps := range s.phrases {
		slices.SortStableFunc(ps, func(a, b phrase) int { return len(b.words) - len(a.words) })
	}
	return s
}

// kept reports whether the single word w, or its stem st in language li,
// keeps its own stem as a term besides its concept.
func (s *synonyms) kept(w, st string, li int) bool { return s.keep[w] || s.keepSt[li][st] }

// isVariant reports whether w is a single-word variant in language li.
func (s *synonyms) isVariant(w string, li int) bool { return s.variant[li][w] }

// matchPhrase returns the terms and the number of tokens of the longest
// phrase starting at tokens[i], or nil, 0. One stop word may stand between two
// words of a phrase ("remove my user account" matches "remove my account").
func (s *synonyms) matchPhrase(tokens []string, i int) ([]string, int) {
	for _, p := range s.phrases[tokens[i]] {
		if n := phraseLen(p.words, tokens[i:]); n > 0 {
			return p.terms, n
		}
	}
	return nil, 0
}

// sameWord reports whether token is the phrase word w or its plural in -s.
func sameWord(token, w string) bool {
	if token == w {
		return true
	}
	if stem, ok := strings.CutSuffix(token, "s"); ok && stem == w {
		return true
	}
	stem, ok := strings.CutSuffix(token, "ies")
	return ok && stem+"y" == w
}

// phraseLen returns how many tokens the phrase words cover at the start of
// tokens, or 0 if they do not match.
func phraseLen(words, tokens []string) int {
	k := 0
	for j, w := range words {
		switch {
		case k < len(tokens) && sameWord(tokens[k], w):
		case j > 0 && k+1 < len(tokens) && stopWords[tokens[k]] && sameWord(tokens[k+1], w):
			k++
		default:
			return 0
		}
		k++
	}
	return k
}
