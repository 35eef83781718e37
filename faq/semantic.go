package faq

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/relaisbot/relais/bot"
)

// Embedder turns texts into vectors (embeddings) whose cosine similarity
// tells how close two texts are in meaning. Implemented by faq/openai.Client.
type Embedder interface {
	// Embed returns one vector per text, in order, all of the same length.
	// ctx bounds the call. It returns an error and no vectors when the texts
	// cannot be embedded now (deadline, budget spent, the API failing): the
	// caller then matches lexically only.
	Embed(ctx context.Context, texts []string) ([][]float32, error)
	// EmbeddingModel names the model. Vectors of different models are never
	// compared: changing the model recomputes every phrasing's vector.
	EmbeddingModel() string
}

// PhrasingKey identifies one phrasing (a question or the title of an entry in
// one language) by the hash of its text, so that an edited phrasing gets a
// new vector and unchanged ones keep theirs.
type PhrasingKey struct {
	EntryID string
	Lang    bot.Lang
	Hash    string // hex SHA-256 of the text, first 16 bytes (see PhrasingHash)
}

// PhrasingVector is a phrasing's embedding.
type PhrasingVector struct {
	PhrasingKey
	Vector []float32
}

// PhrasingHash returns the hash that keys the vector of text.
func PhrasingHash(text string) string {
	sum := sha256.Sum256([]byte(text))
	return hex.EncodeToString(sum[:16])
}

// VectorStore keeps the phrasings' vectors between runs. Implemented by
// storage.DB.
type VectorStore interface {
	// FAQVectors returns every stored vector of model.
	FAQVectors(ctx context.Context, model string) ([]PhrasingVector, error)
	// SaveFAQVectors stores vectors of model, replacing those with the same key.
	SaveFAQVectors(ctx context.Context, model string, vs []PhrasingVector) error
	// PruneFAQVectors deletes every vector of another model and those of
	// model whose key is not in keep, and returns how many it deleted.
	PruneFAQVectors(ctx context.Context, model string, keep []PhrasingKey) (int, error)
}

// phrasing is one text of an Index to embed.
type phrasing struct {
	key   PhrasingKey
	entry int32 // entry number in the Index
	text  string
}

// phrasings returns the texts of ix's entries that get a vector: every
// question and the title, without repeats within an entry and language.
func phrasings(ix *Index) []phrasing {
	number := make(map[string]int32, len(ix.ids))
	for i, id := range ix.ids {
		number[id] = int32(i)
	}
	var out []phrasing
	seen := make(map[PhrasingKey]bool)
	for _, e := range ix.entries {
		for _, text := range append(slices.Clip(e.Questions), e.Title) {
			text = strings.TrimSpace(text)
			if text == "" {
				continue
			}
			k := PhrasingKey{EntryID: e.ID, Lang: e.Lang, Hash: PhrasingHash(text)}
			if seen[k] {
				continue
			}
			seen[k] = true
			out = append(out, phrasing{key: k, entry: number[e.ID], text: text})
		}
	}
	return out
}

// semIndex holds the vectors of one Index's phrasings for brute-force cosine
// search. It is immutable once built.
type semIndex struct {
	ix     *Index
	model  string
	dim    int
	vecs   []float32 // len(entry)×dim, each of unit length
	entry  []int32   // entry number of each vector
	pos    float32   // typical best similarity of a phrasing to another phrasing of its entry
	neg    float32   // typical similarity of a phrasing to another entry (its closest phrasing)
	scores sync.Pool // *[]float32 of len(ix.ids): best similarity per entry
}

// minAnchorGap is the least difference between the typical similarity of
// phrasings of one entry and of different entries for vectors to be of use:
// below it the model does not tell the entries apart.
const minAnchorGap = 0.02

// The phrasings used to measure pos and neg: at most maxAnchorSamples
// phrasings, each compared with the phrasings of its entry and with at most
// maxAnchorOthers others (a rebuild then costs about 0.3 s at 20,000
// phrasings of 1,536 dimensions, in the background).
const (
	maxAnchorSamples = 128
	maxAnchorOthers  = 2048
)

// newSemIndex builds the vector index of ix from the vectors known (by key).
// It returns the phrasings still lacking a vector, and a nil index when too
// few have one or the vectors do not tell entries apart.
func newSemIndex(ix *Index, model string, known map[PhrasingKey][]float32) (*semIndex, []phrasing) {
	s := &semIndex{ix: ix, model: model}
	var missing []phrasing
	for _, p := range phrasings(ix) {
		v, ok := known[p.key]
		if !ok {
			missing = append(missing, p)
			continue
		}
		if s.dim == 0 {
			s.dim = len(v)
		}
		if len(v) != s.dim || s.dim == 0 {
			missing = append(missing, p) // another dimension: embed again
			continue
		}
		s.vecs = append(s.vecs, v...)
		normalizeVector(s.vecs[len(s.vecs)-s.dim:])
		s.entry = append(s.entry, p.entry)
	}
	if !s.anchors() {
		return nil, missing
	}
	n := len(ix.ids)
	s.scores.New = func() any { b := make([]float32, n); return &b }
	return s, missing
}

// anchors measures pos and neg on a sample of the phrasings: pos is the
// median of each phrasing's best similarity to another phrasing of its own
// entry, neg the median of its best similarity to a typical other entry (the
// median over the other entries of their closest phrasing). It reports
// whether the vectors tell entries apart.
func (s *semIndex) anchors() bool {
	n := len(s.entry)
	if n < 2 {
		return false
	}
	entries := len(s.ix.ids)
	best := make([]float32, entries)
	var others []float32
	step, otherStep := max(1, n/maxAnchorSamples), max(1, n/maxAnchorOthers)
	var pos, neg []float32
	for i := 0; i < n; i += step {
		for e := range best {
			best[e] = -2
		}
		vi := s.vec(i)
		for j := range n {
			if j != i && (s.entry[j] == s.entry[i] || j%otherStep == 0) {
				if c := dot(vi, s.vec(j)); c > best[s.entry[j]] {
					best[s.entry[j]] = c
				}
			}
		}
		others = others[:0]
		for e, c := range best {
			if int32(e) != s.entry[i] && c > -2 {
				others = append(others, c)
			}
		}
		if c := best[s.entry[i]]; c > -2 {
			pos = append(pos, c)
		}
		if len(others) > 0 {
			neg = append(neg, median(others))
		}
	}
	if len(pos) == 0 || len(neg) == 0 {
		return false
	}
	s.pos, s.neg = median(pos), median(neg)
	return s.pos-s.neg >= minAnchorGap
}

func (s *semIndex) vec(i int) []float32 { return s.vecs[i*s.dim : (i+1)*s.dim : (i+1)*s.dim] }

// Len returns the number of vectors.
func (s *semIndex) Len() int { return len(s.entry) }

// similarity turns a cosine into the index's scale: 0 is as close as a
// phrasing usually is to another entry, 1 as close as it is to another
// phrasing of its own entry. The scale makes the hybrid calibration
// depend little on the model, whose raw cosines differ widely.
func (s *semIndex) similarity(cos float32) float64 {
	v := float64(cos-s.neg) / float64(s.pos-s.neg)
	return min(max(v, -1), 1.5)
}

// semHit is an entry's semantic evidence for a query.
type semHit struct {
	entry      int32
	similarity float64 // best phrasing of the entry, on the index's scale
}

// search scores every entry against the unit query vector q and returns the
// best maxHits entries, best first, and the best similarity of all (top) and
// the second best (second), for margins.
func (s *semIndex) search(q []float32) (hits [maxHits]semHit, n int) {
	bp := s.scores.Get().(*[]float32)
	best := *bp
	for i := range best {
		best[i] = -2
	}
	for i, e := range s.entry {
		if c := dot(q, s.vec(i)); c > best[e] {
			best[e] = c
		}
	}
	for e, c := range best {
		if c <= -2 {
			continue
		}
		h := semHit{entry: int32(e), similarity: s.similarity(c)}
		// Insert into hits[:n], best first; equal similarities by entry id.
		if n == maxHits && !s.before(h, hits[n-1]) {
			continue
		}
		i := min(n, maxHits-1)
		for ; i > 0 && s.before(h, hits[i-1]); i-- {
			hits[i] = hits[i-1]
		}
		hits[i] = h
		n = min(n+1, maxHits)
	}
	s.scores.Put(bp)
	return hits, n
}

func (s *semIndex) before(a, b semHit) bool {
	return a.similarity > b.similarity || a.similarity == b.similarity && s.ix.ids[a.entry] < s.ix.ids[b.entry]
}

// SemanticFeatures are the semantic evidence behind a hybrid Hit.
type SemanticFeatures struct {
	// Used is set when the hit's confidence is the hybrid one (the query was
	// embedded and the FAQ has vectors).
	Used bool
	// Similarity of the query to the entry's closest phrasing: 0 as close as
	// unrelated entries usually are, 1 as close as two phrasings of one entry.
	Similarity float64
	// Margin is Similarity minus the best Similarity of any other entry.
	Margin float64
	// Lexical is the lexical confidence of the entry (0 if no shared term).
	Lexical float64
}

// hybrid re-ranks m with the semantic evidence of the unit query vector q:
// the candidates are the lexical hits and the entries closest in meaning,
// each scored by the hybrid calibration. Small talk is left alone.
func (s *semIndex) hybrid(m Match, q []float32) Match {
	hits, ok := s.candidates(m, q)
	if !ok {
		return m
	}
	c := activeHybrid(s.model)
	for i := range hits {
		hits[i].Confidence = hybridConfidence(c, hits[i].Semantic)
		hits[i].Score = hits[i].Confidence
	}
	slices.SortStableFunc(hits, func(a, b Hit) int {
		return cmp.Or(cmp.Compare(b.Confidence, a.Confidence), cmp.Compare(a.ID, b.ID))
	})
	m.Hits = hits[:min(len(hits), maxHits)]
	return m
}

// candidates returns the lexical hits of m and the entries closest to q in
// meaning, each with its semantic features (Confidence is still the
// lexical one). It reports false when q cannot be used.
func (s *semIndex) candidates(m Match, q []float32) ([]Hit, bool) {
	if m.SmallTalk != "" || len(q) != s.dim {
		return nil, false
	}
	sem, n := s.search(q)
	if n == 0 {
		return nil, false
	}
	top, second := sem[0], semHit{similarity: -1}
	if n > 1 {
		second = sem[1]
	}
	ix := s.ix
	hits := make([]Hit, 0, len(m.Hits)+n)
	hits = append(hits, m.Hits...)
	for _, sh := range sem[:n] {
		id := ix.ids[sh.entry]
		if !slices.ContainsFunc(m.Hits, func(h Hit) bool { return h.ID == id }) {
			hits = append(hits, Hit{ID: id, Topic: ix.topics[sh.entry]})
		}
	}
	for i := range hits {
		h := &hits[i]
		e := s.entryNumber(h.ID)
		sim, found := 0.0, false
		for _, sh := range sem[:n] {
			if sh.entry == e {
				sim, found = sh.similarity, true
				break
			}
		}
		if !found {
			sim = s.entrySimilarity(e, q)
		}
		margin := sim - top.similarity
		if e == top.entry {
			margin = sim - second.similarity
		}
		h.Semantic = SemanticFeatures{Used: true, Similarity: sim, Margin: margin, Lexical: h.Confidence}
	}
	return hits, true
}

// entryNumber returns the entry number of id (ids are sorted).
func (s *semIndex) entryNumber(id string) int32 {
	i := sort.SearchStrings(s.ix.ids, id)
	return int32(i)
}

// entrySimilarity returns the similarity of q to the closest phrasing of
// entry e.
func (s *semIndex) entrySimilarity(e int32, q []float32) float64 {
	best := float32(-2)
	for i, en := range s.entry {
		if en == e {
			best = max(best, dot(q, s.vec(i)))
		}
	}
	if best <= -2 {
		return -1
	}
	return s.similarity(best)
}

// dot returns the dot product of two vectors of equal length.
func dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return s0 + s1 + s2 + s3
}

// normalizeVector scales v to unit length in place (a zero vector stays zero).
func normalizeVector(v []float32) {
	var n float64
	for _, x := range v {
		n += float64(x) * float64(x)
	}
	if n == 0 {
		return
	}
	inv := float32(1 / math.Sqrt(n))
	for i := range v {
		v[i] *= inv
	}
}

func median(xs []float32) float32 {
	slices.Sort(xs)
	m := len(xs) / 2
	if len(xs)%2 == 1 {
		return xs[m]
	}
	return (xs[m-1] + xs[m]) / 2
}
