package faq

import (
	"math"

	"github.com/relaisbot/relais/bot"
)

// maxHits is how many ranked entries a Match keeps.
const maxHits = 5

// entryWeight is how much the idf of query terms found anywhere in an entry
// (not only in its best phrasing) adds to the entry's score.
const entryWeight = 0.3

// Match is the matcher's reading of one customer message.
type Match struct {
	Lang      bot.Lang // language of the message (forced, detected, or the hint)
	SmallTalk string   // SmallTalkGreeting, SmallTalkThanks or SmallTalkBye if the message is only that
	Terms     []string // index terms of the message
	Unknown   int      // content words the FAQ does not know, even after typo correction
	Hits      []Hit    // best entries first, distinct ids
}

// Hit is one entry ranked for a message.
type Hit struct {
	ID         string
	Topic      string
	Score      float64 // ranking score: BM25 of the best phrasing plus entry-level evidence
	Confidence float64 // calibrated probability that this entry is the right answer
	Features   Features
	Semantic   SemanticFeatures // set when the confidence is the hybrid one (hybrid.go)
}

// Features are what the confidence of a Hit is computed from. Coverages are
// idf-weighted, so rare words count more than common ones.
type Features struct {
	QueryCoverage    float64 // share of the weight of the message's known terms found in the best phrasing
	ConceptCoverage  float64 // the same, counting only shop-vocabulary concepts
	PhrasingCoverage float64 // share of the best phrasing's weight found in the message
	EntryCoverage    float64 // share of the weight of the message's known terms found anywhere in the entry
	Unknown          float64 // share of the message's content words the FAQ does not know
	Margin           float64 // (score − best other score) / score, in [−1, 1]
	LogShare         float64 // log of the hit's softmax share of all matching entries' scores (log ½ for a tie of two)
	InvTerms         float64 // 1 / number of content words in the message
	Corrected        float64 // share of the message's content words that were misspelt
}

// Match reads text: language (lang if set, else detected, falling back to
// hint, then English), small talk, and the ranked entries with their
// confidence.
func (ix *Index) Match(text string, lang, hint bot.Lang) Match {
	tokens := tokenize(text)
	m := Match{Lang: lang}
	if m.Lang != bot.LangFR && m.Lang != bot.LangEN {
		m.Lang = detectLang(text, tokens, ix.lex, hint)
	}
	if m.SmallTalk = smallTalk(tokens); m.SmallTalk != "" {
		return m
	}
	q := ix.analyzeQuery(tokens, langIndex(m.Lang))
	m.Terms, m.Unknown = q.terms, q.unknown
	if len(q.terms) == 0 {
		return m
	}
	m.Hits = ix.rank(q)
	return m
}

// minIDF is the idf under which a term is ignored: it is in nearly every
// entry, so it cannot tell them apart, and scanning it costs the most.
const minIDF = 0.1

// rank scores every entry sharing a term with q and returns the best ones.
func (ix *Index) rank(q queryTerms) []Hit {
	s := ix.scratch.Get().(*scratch)
	defer ix.scratch.Put(s)
	defer s.reset()

	qMass := 0.0
	for ti, t := range q.terms {
		w := ix.idf[t]
		if w < minIDF {
			continue
		}
		qMass += w
		concept := isConcept(t)
		for _, d := range ix.post[t] {
			doc := &ix.docs[d]
			if s.docMass[d] == 0 {
				s.docs = append(s.docs, d)
			}
			if concept {
				s.docConcept[d] += float32(w)
			}
			s.docScore[d] += float32(w) * doc.weight // BM25 with a term frequency of 1
			s.docMass[d] += float32(w)
			if s.entryTerm[doc.entry] != int32(ti+1) {
				if s.entryTerm[doc.entry] == 0 {
					s.entries = append(s.entries, doc.entry)
				}
				s.entryTerm[doc.entry] = int32(ti + 1)
				s.entryMass[doc.entry] += float32(w)
			}
		}
	}
	for _, d := range s.docs {
		e := ix.docs[d].entry
		if b := s.entryBest[e]; b < 0 || s.docScore[d] > s.docScore[b] {
			s.entryBest[e] = d
		}
	}

	// Keep the best entries by score, then compute their features. The share
	// of each hit is taken over every entry that matched, not only the ranked
	// ones: "order" alone matches twenty entries equally.
	var top [maxHits]ranked
	n := 0
	best := math.Inf(-1)
	for _, e := range s.entries {
		r := ranked{entry: e, score: s.entryScore(e)}
		best = max(best, r.score)
		n = ix.insertRanked(top[:], n, r)
	}
	sumExp := 0.0
	for _, e := range s.entries {
		sumExp += math.Exp(s.entryScore(e) - best)
	}
	logSumExp := best + math.Log(sumExp)

	words := float64(len(q.terms) + q.unknown)
	hits := make([]Hit, n)
	for i, r := range top[:n] {
		b := s.entryBest[r.entry]
		other := 0.0
		switch {
		case i > 0:
			other = top[0].score
		case n > 1:
			other = top[1].score
		}
		f := Features{
			QueryCoverage:    float64(s.docMass[b]) / qMass,
			ConceptCoverage:  float64(s.docConcept[b]) / qMass,
			PhrasingCoverage: float64(s.docMass[b]) / float64(ix.docs[b].mass),
			EntryCoverage:    float64(s.entryMass[r.entry]) / qMass,
			Margin:           (r.score - other) / max(r.score, other),
			LogShare:         r.score - logSumExp,
			InvTerms:         1 / words,
			Corrected:        float64(q.corrected) / words,
			Unknown:          float64(q.unknown) / words,
		}
		hits[i] = Hit{ID: ix.ids[r.entry], Topic: ix.topics[r.entry], Score: r.score, Confidence: confidence(f), Features: f}
	}
	return hits
}

// ranked is an entry and its ranking score.
type ranked struct {
	entry int32
	score float64
}

// insertRanked inserts r into top[:n], kept best first (equal scores by id,
// so that ranking is deterministic) and at most len(top) long, and returns
// the new length.
func (ix *Index) insertRanked(top []ranked, n int, r ranked) int {
	before := func(a, b ranked) bool {
		return a.score > b.score || a.score == b.score && ix.ids[a.entry] < ix.ids[b.entry]
	}
	if n == len(top) && !before(r, top[n-1]) {
		return n
	}
	i := min(n, len(top)-1)
	for ; i > 0 && before(r, top[i-1]); i-- {
		top[i] = top[i-1]
	}
	top[i] = r
	return min(n+1, len(top))
}

// entryScore returns the ranking score of entry e: the BM25 score of its best
// document plus the weight of the query terms found anywhere in it.
func (s *scratch) entryScore(e int32) float64 {
	return float64(s.docScore[s.entryBest[e]]) + entryWeight*float64(s.entryMass[e])
}
