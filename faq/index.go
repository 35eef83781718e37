package faq

import (
	"cmp"
	"math"
	"slices"
	"sync"

	"github.com/relaisbot/relais/bot"
)

// BM25 parameters. Phrasings are short and similar in length, so length
// normalisation matters little.
const (
	bm25K1 = 1.2
	bm25B  = 0.5
)

// Index is an immutable in-memory matcher over a set of FAQ entries. Every
// question phrasing and title of every entry, in both languages, is a
// document; an entry (one id, both languages) scores as its best document.
// Build a new Index when the entries change and swap it in: an Index is safe
// for concurrent use and never changes after NewIndex.
type Index struct {
	entries []Entry            // sorted by id, then language
	byKey   map[string]int     // Entry.Key() → position in entries
	ids     []string           // entry number → id
	topics  []string           // entry number → topic
	docs    []doc              // all documents
	post    map[string][]int32 // term → documents containing it
	idf     map[string]float64
	avgLen  float64
	spell   [2]*speller      // per language
	surface map[string]bool  // folded words of the documents and the vocabulary table
	lex     map[string]uint8 // folded word → bit set of the languages whose documents use it

	scratch sync.Pool // *scratch
}

// doc is one phrasing (or the title) of an entry.
type doc struct {
	entry  int32   // entry number
	length float32 // number of distinct terms
	mass   float32 // sum of the idf of its distinct terms
	weight float32 // BM25 factor of a matching term for this length: (k1+1) / (1 + k1·(1−b+b·length/avg))
}

// NewIndex builds an Index over entries. Entries without questions are
// matched by their title only; entries with no id or with a language other
// than fr or en are skipped; of two entries with the same id and language,
// the first is kept.
func NewIndex(entries []Entry) *Index {
	ix := &Index{
		byKey:   make(map[string]int),
		post:    make(map[string][]int32),
		idf:     make(map[string]float64),
		surface: make(map[string]bool),
		lex:     make(map[string]uint8),
	}
	for _, e := range entries {
		if e.ID != "" && (e.Lang == bot.LangEN || e.Lang == bot.LangFR) {
			ix.entries = append(ix.entries, e)
		}
	}
	slices.SortStableFunc(ix.entries, func(a, b Entry) int {
		return cmp.Or(cmp.Compare(a.ID, b.ID), cmp.Compare(a.Lang, b.Lang))
	})
	ix.entries = slices.CompactFunc(ix.entries, func(a, b Entry) bool { return a.Key() == b.Key() })

	number := make(map[string]int32)
	// Per language, surface word → documents using it.
	freq := [2]map[string]int{make(map[string]int), make(map[string]int)}
	var totalLen float64
	var docTerms [][]string // per document, for its idf mass once idf is known
	an := newDocAnalyzer()
	for i, e := range ix.entries {
		ix.byKey[e.Key()] = i
		n, ok := number[e.ID]
		if !ok {
			n = int32(len(ix.ids))
			number[e.ID] = n
			ix.ids = append(ix.ids, e.ID)
			ix.topics = append(ix.topics, cmp.Or(e.Topic, TopicOf(e.ID)))
		}
		li := langIndex(e.Lang)
		texts := append(slices.Clip(e.Questions), e.Title)
		for _, text := range texts {
			terms, words := an.analyze(text, li)
			terms = distinct(terms)
			if len(terms) == 0 {
				continue
			}
			for _, w := range words {
				freq[li][w]++
				ix.lex[w] |= 1 << li
			}
			d := int32(len(ix.docs))
			ix.docs = append(ix.docs, doc{entry: n, length: float32(len(terms))})
			totalLen += float64(len(terms))
			docTerms = append(docTerms, terms)
			for _, t := range terms {
				ix.post[t] = append(ix.post[t], d)
			}
		}
	}
	if len(ix.docs) > 0 {
		ix.avgLen = totalLen / float64(len(ix.docs))
	}
	ix.computeIDF()
	for d, terms := range docTerms {
		doc := &ix.docs[d]
		for _, t := range terms {
			doc.mass += float32(ix.idf[t])
		}
		doc.weight = float32((bm25K1 + 1) / (1 + bm25K1*(1-bm25B+bm25B*float64(doc.length)/ix.avgLen)))
	}
	for li := range freq {
		for _, w := range vocab.words[li] {
			if _, ok := freq[li][w]; !ok && !stopWords[w] {
				freq[li][w] = 0
			}
		}
		for w := range freq[li] {
			ix.surface[w] = true
		}
		ix.spell[li] = newSpeller(freq[li])
	}
	ix.scratch.New = func() any { return newScratch(len(ix.docs), len(ix.ids)) }
	return ix
}

// computeIDF sets the idf of every term over entries (not documents), so that
// an entry with many phrasings of a word does not make the word look common.
func (ix *Index) computeIDF() {
	n := float64(len(ix.ids))
	seen := make([]int32, len(ix.ids))
	for t, ps := range ix.post {
		stamp := int32(len(ix.idf) + 1)
		df := 0.0
		for _, d := range ps {
			if e := ix.docs[d].entry; seen[e] != stamp {
				seen[e] = stamp
				df++
			}
		}
		ix.idf[t] = math.Log(1 + (n-df+0.5)/(df+0.5))
	}
}

// distinct returns terms without repeats, in order of first appearance.
// Documents are short: a term counts once however often it occurs.
func distinct(terms []string) []string {
	out := terms[:0]
	for i, t := range terms {
		if !slices.Contains(terms[:i], t) {
			out = append(out, t)
		}
	}
	return out
}

// Entries returns the indexed entries, sorted by id and language. The slice
// is a copy; the entries share their Questions and Tags with the index and
// must not be modified.
func (ix *Index) Entries() []Entry { return slices.Clone(ix.entries) }

// Len returns the number of distinct entry ids.
func (ix *Index) Len() int { return len(ix.ids) }

// Entry returns the entry id in lang (English if lang is empty) or, if it
// has none, in the other language. It reports false if there is no entry id
// at all.
func (ix *Index) Entry(id string, lang bot.Lang) (Entry, bool) {
	li := langIndex(lang)
	for _, l := range []bot.Lang{langOf(li), langOf(1 - li)} {
		if i, ok := ix.byKey[Entry{ID: id, Lang: l}.Key()]; ok {
			return ix.entries[i], true
		}
	}
	return Entry{}, false
}

// scratch holds the per-query accumulators of one Match, reused across calls.
type scratch struct {
	docScore   []float32
	docMass    []float32
	docConcept []float32 // matched idf of concept terms
	docs       []int32   // touched documents
	entryMass  []float32
	entryBest  []int32 // best document of each entry, -1 if none
	entryTerm  []int32 // last query term counted for each entry
	entries    []int32 // touched entries
}

func newScratch(docs, entries int) *scratch {
	s := &scratch{
		docScore:   make([]float32, docs),
		docMass:    make([]float32, docs),
		docConcept: make([]float32, docs),
		entryMass:  make([]float32, entries),
		entryBest:  make([]int32, entries),
		entryTerm:  make([]int32, entries),
	}
	for i := range s.entryBest {
		s.entryBest[i] = -1
	}
	return s
}

// reset clears what one query touched.
func (s *scratch) reset() {
	for _, d := range s.docs {
		s.docScore[d], s.docMass[d], s.docConcept[d] = 0, 0, 0
	}
	for _, e := range s.entries {
		s.entryMass[e], s.entryBest[e], s.entryTerm[e] = 0, -1, 0
	}
	s.docs, s.entries = s.docs[:0], s.entries[:0]
}
