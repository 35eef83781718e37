package faq

// Analysis turns text into index terms. A term is either a concept of the
// shop vocabulary (upper case, e.g. "REFUND") or a snowball stem. Documents
// and queries go through the same steps, in this order:
//
//  1. tokenize: fold case and accents, strip elisions, expand contractions;
//  2. multi-word variants of the vocabulary ("mot de passe", "where is");
//  3. drop stop words and numbers;
//  4. single-word variants, by surface form then by stem;
//  5. otherwise the stem itself.
//
// Queries add steps documents do not need: a word unknown to the index is
// tried with the other language's concepts, then, unless it is a real word of
// either language (see dict.go), corrected for typos or split in two.

// docAnalyzer analyses documents while an index is built, caching stems.
type docAnalyzer struct {
	stems [2]map[string]string
}

func newDocAnalyzer() *docAnalyzer {
	return &docAnalyzer{stems: [2]map[string]string{make(map[string]string), make(map[string]string)}}
}

// analyze returns the terms of a document in language li and the content
// words it contains (for the speller and language cues).
func (a *docAnalyzer) analyze(text string, li int) (terms, words []string) {
	tokens := tokenize(text)
	for i := 0; i < len(tokens); {
		if ts, n := vocab.matchPhrase(tokens, i); n > 0 {
			terms = append(terms, ts...)
			for _, w := range tokens[i : i+n] {
				if !isStop(w, li) && !isNumber(w) {
					words = append(words, w)
				}
			}
			i += n
			continue
		}
		w := tokens[i]
		i++
		if isStop(w, li) || isNumber(w) {
			continue
		}
		words = append(words, w)
		st, ok := a.stems[li][w]
		if !ok {
			st = stemWord(w, li)
			a.stems[li][w] = st
		}
		t := vocab.word[w]
		if t == "" {
			t = vocab.stem[li][st]
		}
		switch {
		case t == "":
			terms = append(terms, st)
		case vocab.kept(w, st, li):
			terms = append(terms, t, st)
		default:
			terms = append(terms, t)
		}
	}
	return terms, words
}

// queryTerms is the analysis of a customer message.
type queryTerms struct {
	terms     []string // distinct terms found in the index
	unknown   int      // content words the index does not know, even corrected
	corrected int      // content words found only after typo correction or splitting, each adding a term: at most len(terms)
}

// analyzeQuery returns the terms of a message's tokens in language li.
func (ix *Index) analyzeQuery(tokens []string, li int) queryTerms {
	var q queryTerms
	// add adds t unless it is there already, and reports whether it added it.
	add := func(t string) bool {
		for _, u := range q.terms {
			if u == t {
				return false
			}
		}
		q.terms = append(q.terms, t)
		return true
	}
	for i := 0; i < len(tokens); {
		if ts, n := vocab.matchPhrase(tokens, i); n > 0 {
			for _, t := range ts {
				add(t)
			}
			i += n
			continue
		}
		w := tokens[i]
		i++
		if isStop(w, li) || isNumber(w) {
			continue
		}
		t, own, ok := ix.queryTerm(w, li)
		if ok {
			add(t)
			if own != "" {
				add(own)
			}
			continue
		}
		if ix.surface[w] || isRealWord(w) {
			q.unknown++
			continue
		}
		if c, corrected := ix.spell[li].correct(w); corrected && !isStop(c, li) {
			if t, own, ok := ix.queryTerm(c, li); ok {
				// Counted once per new term, like the terms: the share of
				// corrected words (Features.Corrected) stays within [0, 1]
				// when a misspelling is repeated ("rfund rfund").
				added := add(t)
				if own != "" && add(own) {
					added = true
				}
				if added {
					q.corrected++
				}
				continue
			}
		}
		if a, b, split := ix.split(w, li); split {
			added := false
			for _, part := range [2]string{a, b} {
				if t, _, ok := ix.queryTerm(part, li); ok && !isStop(part, li) && add(t) {
					added = true
				}
			}
			if added {
				q.corrected++
			}
			continue
		}
		q.unknown++
	}
	return q
}

// split cuts a word that lacks a space ("myorder", "accountpassword") into
// two words the index or the stop lists know, at least one of them a word of
// the FAQ. It reports false if there is no such cut.
func (ix *Index) split(w string, li int) (string, string, bool) {
	known := func(p string) bool { return isStop(p, li) || ix.surface[p] }
	for i := 2; i <= len(w)-2; i++ {
		a, b := w[:i], w[i:]
		if known(a) && known(b) && (ix.surface[a] || ix.surface[b]) {
			return a, b, true
		}
	}
	return "", "", false
}

// queryTerm returns the index term for a content word: its shop-vocabulary
// concept (by surface form, or by stem in the message's language, then in
// the other language in case detection was wrong), else its stem if the index
// has it. For a product noun it also returns the noun's own stem as own, if
// the index has it.
func (ix *Index) queryTerm(w string, li int) (term, own string, ok bool) {
	st := stemWord(w, li)
	t := vocab.word[w]
	if t == "" {
		t = vocab.stem[li][st]
	}
	if t == "" {
		t = vocab.stem[1-li][stemWord(w, 1-li)]
	}
	if t == "" {
		_, ok := ix.idf[st]
		return st, "", ok
	}
	if _, indexed := ix.idf[st]; indexed && vocab.kept(w, st, li) {
		own = st
	}
	return t, own, ix.idf[t] > 0
}

// isConcept reports whether term is a shop-vocabulary concept (upper case)
// rather than a stem.
func isConcept(term string) bool { return term != "" && term[0] >= 'A' && term[0] <= 'Z' }
