package handoff

import (
	_ "embed"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// The learned part of the detector: one logistic regression per language
// over the message's own words (folded, cut to stemLen bytes), pairs of
// words, negated words, the lexicon's hits and the shape of the message.
// The weights are fitted offline on dev data only (detector_fit_test.go,
// see lexicon/model/README.md) and embedded here.
//
// They are read where the binary holds them, without a copy.
var (
	//go:embed lexicon/model/en.tsv
	modelEN string
	//go:embed lexicon/model/fr.tsv
	modelFR string
)

// stemLen is how many bytes of a folded word the model keeps: a crude,
// language-blind stemmer ("ridiculous", "ridicule" and "ridiculously" are
// all "ridicu"; "enerve", "enervee", "enervant" are "enerve").
const stemLen = 6

// negScope is how many words after a negation are marked negated for the
// model ("not a scam" gives "n:scam", not "w:scam").
const negScope = 3

// Languages of the models.
const (
	langEN = iota
	langFR
	numLangs
)

var langNames = [numLangs]string{"en", "fr"}

// textModel is a logistic regression: P(frustrated) = σ(bias + Σ weights of
// the message's features).
type textModel struct {
	bias float64
	// threshold is the model's operating point, chosen on dev data: a
	// message whose probability reaches it scores 0.5 (hands off) alone.
	threshold float64
	// floor: below it, the model's score on the detector's scale counts
	// for nothing, so that ordinary messages do not add up over a
	// conversation.
	floor   float64
	weights map[uint64]float32 // by featureHash of the feature's name
}

// feature is one feature of a message: its hash, value (1 for words, the
// lexicon weight for lexicon hits) and, for words and pairs, the tokens to
// quote.
type feature struct {
	hash     uint64
	value    float32
	from, to int16 // tokens from..to-1; from < 0: not words
	name     int32 // index in the names slice, when names are kept (fitting)
}

// embeddedModels parses the embedded models once.
var embeddedModels = sync.OnceValue(func() *[numLangs]*textModel {
	var ms [numLangs]*textModel
	for l, text := range [numLangs]string{langEN: modelEN, langFR: modelFR} {
		m, err := loadModel("lexicon/model/"+langNames[l]+".tsv", text)
		if err != nil {
			panic(fmt.Sprintf("handoff: embedded model: %v", err))
		}
		ms[l] = m
	}
	return &ms
})

// loadModel reads the text of a model file (name is for errors): comment
// lines (#), then "bias", "threshold" and "floor" lines and one
// "feature<TAB>weight" line per feature.
func loadModel(name, text string) (*textModel, error) {
	m := &textModel{weights: make(map[uint64]float32, strings.Count(text, "\n")),
		threshold: math.NaN(), floor: math.NaN(), bias: math.NaN()}
	n := 0
	for line := range strings.Lines(text) {
		n++
		line = strings.TrimRight(line, "\r\n")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		feat, v, ok := strings.Cut(line, "\t")
		w, err := strconv.ParseFloat(v, 64)
		if !ok || err != nil || math.IsNaN(w) || math.IsInf(w, 0) {
			return nil, fmt.Errorf("%s:%d: bad line %q", name, n, line)
		}
		switch feat {
		case "bias":
			m.bias = w
		case "threshold":
			m.threshold = w
		case "floor":
			m.floor = w
		default:
			h := featureHash(feat)
			if _, dup := m.weights[h]; dup {
				return nil, fmt.Errorf("%s:%d: feature %q twice", name, n, feat)
			}
			m.weights[h] = float32(w)
		}
	}
	switch {
	case math.IsNaN(m.bias) || !(m.threshold > 0 && m.threshold < 1) || !(m.floor >= 0 && m.floor < 0.5):
		return nil, fmt.Errorf("%s: want bias, threshold in (0,1) and floor in [0,0.5)", name)
	case len(m.weights) == 0:
		return nil, fmt.Errorf("%s: no features", name)
	}
	return m, nil
}

// prob returns the model's probability for the features.
func (m *textModel) prob(feats []feature) float64 {
	z := m.bias
	for _, f := range feats {
		z += float64(m.weights[f.hash] * f.value)
	}
	return sigmoid(z)
}

// knownWords counts the single-word features of feats that the model has
// a weight for.
func (m *textModel) knownWords(feats []feature) int {
	n := 0
	for _, f := range feats {
		if f.from >= 0 && f.to == f.from+1 {
			if _, ok := m.weights[f.hash]; ok {
				n++
			}
		}
	}
	return n
}

// scaled maps a probability to the detector's scale: the log-odds are
// shifted so that the operating point becomes 0.5 (a change of prior), and
// anything below the floor is 0.
func (m *textModel) scaled(p float64) float64 {
	s := sigmoid(logit(p) - logit(m.threshold))
	if s < m.floor {
		return 0
	}
	return s
}

func sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

func logit(p float64) float64 {
	p = min(max(p, 1e-9), 1-1e-9)
	return math.Log(p / (1 - p))
}

// FNV-1a, 64 bits, computed piecewise so that a feature's hash needs no
// string built at run time.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func fnvAdd(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

// featureHash is the hash of a feature name, as in the model files.
func featureHash(name string) uint64 { return fnvAdd(fnvOffset, name) }

// stem cuts a folded word to stemLen bytes, on a character boundary.
func stem(w string) string {
	if len(w) <= stemLen {
		return w
	}
	cut := stemLen
	for cut > 0 && w[cut]&0xC0 == 0x80 {
		cut--
	}
	return w[:cut]
}

// textKinds are the families found in one message's text: the model sees
// them as features, and the model's score replaces theirs when higher.
var textKinds = [...]kind{
	kindProfanity, kindInsult, kindAnger, kindChargeback, kindLegal, kindReview, kindAuthority,
	kindLeave, kindWaiting, kindRepeat, kindCaps, kindPunct, kindStretch,
}

// kindFeature names the lexicon and intensity features, by text kind.
var kindFeature = func() (out [numKinds]string) {
	for _, k := range textKinds {
		out[k] = "k:" + kinds[k].name
	}
	out[kindCaps], out[kindPunct], out[kindStretch] = "k:capitals", "k:punctuation", "k:stretched"
	return out
}()

// valenceFeatures name the valence sums of a message, by list: negative,
// positive, negated negative, negated positive.
var valenceFeatures = [numLangs][4]string{
	langEN: {"a:en-", "a:en+", "a:en~-", "a:en~+"},
	langFR: {"a:fr-", "a:fr+", "a:fr~-", "a:fr~+"},
}

// features appends the model's features of one analysed message to out,
// each feature once. When names is not nil (fitting), the feature names are
// appended to it too. Words inside calm phrases are left out; words up to
// negScope after a negation, in the same clause, are marked negated.
func features(text string, toks []token, s *signals, val *[numLangs]valence, out []feature, names *[]string) []feature {
	start := len(out)
	add := func(h uint64, v float32, from, to int, name func() string) {
		f := feature{hash: h, value: v, from: int16(from), to: int16(to), name: -1}
		if names != nil {
			f.name = int32(len(*names))
			*names = append(*names, name())
		}
		out = append(out, f)
	}
	prev := -1 // the previous token kept, for pairs
	for i, t := range toks {
		if t.calm {
			prev = -1
			continue
		}
		w := stem(t.word)
		if isNumber(t.word) {
			w = "#"
		}
		prefix := "w:"
		if negatedFor(toks, i) {
			prefix = "n:"
		}
		h := fnvAdd(fnvAdd(fnvOffset, prefix), w)
		if i < 1<<15 {
			add(h, 1, i, i+1, func() string { return prefix + w })
		}
		if prev >= 0 && toks[prev].clause == t.clause && i < 1<<15 {
			pw := stem(toks[prev].word)
			if isNumber(toks[prev].word) {
				pw = "#"
			}
			h := fnvAdd(fnvAdd(fnvAdd(fnvAdd(fnvOffset, "b:"), pw), " "), w)
			add(h, 1, prev, i+1, func() string { return "b:" + pw + " " + w })
		}
		prev = i
	}
	for _, k := range textKinds {
		if w := s.weight[k]; w > 0 {
			name := kindFeature[k]
			add(featureHash(name), float32(w), -1, -1, func() string { return name })
		}
	}
	rest := 1.0
	for _, k := range textKinds {
		rest *= 1 - s.weight[k]
	}
	if rest < 1 {
		add(featureHash("k:rules"), float32(1-rest), -1, -1, func() string { return "k:rules" })
	}
	if val != nil {
		for l, vl := range val {
			neg, pos, negNeg, negPos := vl.sums(toks)
			for i, sum := range [4]int{neg, pos, negNeg, negPos} {
				if sum > 0 {
					name := valenceFeatures[l][i]
					add(featureHash(name), float32(min(sum, 15))/5, -1, -1, func() string { return name })
				}
			}
		}
	}
	// Each feature once: sort by hash, keep the first of equal ones.
	fs := out[start:]
	slices.SortStableFunc(fs, func(a, b feature) int {
		switch {
		case a.hash < b.hash:
			return -1
		case a.hash > b.hash:
			return 1
		}
		return 0
	})
	fs = slices.CompactFunc(fs, func(a, b feature) bool { return a.hash == b.hash })
	return out[:start+len(fs)]
}

// negatedFor reports whether token i is in the scope of a negation, for
// the model: one of the negScope words before it, in its clause, negates.
func negatedFor(toks []token, i int) bool {
	if isNegator(toks, i) {
		return false
	}
	for j := i - 1; j >= 0 && j >= i-negScope && toks[j].clause == toks[i].clause; j-- {
		if isNegator(toks, j) {
			return true
		}
	}
	return false
}

// quote returns the words that weigh most towards frustration in the
// message, for the reason shown to agents: the word whose own weight and
// half of the weight of the pairs it is part of add up most, with the
// neighbours in its clause that also weigh towards frustration (up to
// maxQuoteWords), or the whole clause when it is short, as quote does.
func (m *textModel) quoteWords(text string, toks []token, feats []feature) string {
	var buf [64]float32
	n := min(len(toks), len(buf))
	score := buf[:n]
	for _, f := range feats {
		if f.from < 0 || int(f.to) > n {
			continue
		}
		w := m.weights[f.hash] * f.value
		if f.to-f.from > 1 {
			w /= float32(f.to - f.from)
		}
		for i := f.from; i < f.to; i++ {
			score[i] += w
		}
	}
	best := -1
	for i, s := range score {
		if s > 0 && (best < 0 || s > score[best]) {
			best = i
		}
	}
	if best < 0 {
		return ""
	}
	a, b := best, best+1
	for b-a < maxQuoteWords {
		left := a > 0 && toks[a-1].clause == toks[best].clause && score[a-1] > 0
		right := b < n && toks[b].clause == toks[best].clause && score[b] > 0
		switch {
		case left && (!right || score[a-1] >= score[b]):
			a--
		case right:
			b++
		default:
			return `"` + quote(text, toks, a, b) + `"`
		}
	}
	return `"` + quote(text, toks, a, b) + `"`
}

// maxQuoteWords is the most words a model reason quotes.
const maxQuoteWords = 4
