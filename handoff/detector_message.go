package handoff

import (
	"slices"
	"strings"
)

// signals is what one customer message says: the strongest hit of each
// signal family, with the customer's words to quote, and the message's
// content words for spotting repeated questions.
type signals struct {
	weight  [numKinds]float64
	quote   [numKinds]string
	calm    bool     // calm wording ("pas grave", "no worries")
	model   float64  // the model's score, on the detector's scale
	content []string // sorted distinct content words, stemmed
}

// add records a hit of kind k unless a stronger one is already there.
func (s *signals) add(k kind, w float64, quote string) {
	if w > s.weight[k] {
		s.weight[k], s.quote[k] = w, quote
	}
}

// empty reports whether the message has no signal at all.
func (s *signals) empty() bool {
	for _, w := range s.weight {
		if w > 0 {
			return false
		}
	}
	return true
}

// negators are the words that cancel a following signal in the same clause
// ("not angry", "pas une arnaque"). "never" and "jamais" are left out: "never
// seen such a scam" is no denial.
var negators = map[string]bool{
	"not": true, "no": true, "dont": true, "doesnt": true, "didnt": true, "isnt": true, "wasnt": true,
	"arent": true, "werent": true, "cant": true, "cannot": true, "wont": true, "wouldnt": true,
	"havent": true, "hasnt": true, "hadnt": true, "aint": true, "without": true, "nor": true,
	"neither": true, "pas": true, "ni": true, "aucun": true, "aucune": true, "sans": true, "guere": true,
}

// ntStems are the words before "t" in English contractions ("don't" is "don" "t").
var ntStems = map[string]bool{
	"don": true, "doesn": true, "didn": true, "isn": true, "wasn": true, "aren": true, "weren": true,
	"can": true, "won": true, "wouldn": true, "shouldn": true, "couldn": true, "haven": true,
	"hasn": true, "hadn": true, "ain": true,
}

// isNegator reports whether token j negates what follows.
func isNegator(toks []token, j int) bool {
	w := toks[j].word
	return negators[w] || (w == "t" && j > 0 && ntStems[toks[j-1].word])
}

// negated reports whether one of the window words before token i, in its
// clause, is a negation. A negative order is no denial: "don't be stupid",
// "ne sois pas ridicule".
func negated(toks []token, i, window int) bool {
	for j := i - 1; j >= 0 && j >= i-window && toks[j].clause == toks[i].clause; j-- {
		if isNegator(toks, j) {
			return !(toks[j+1].word == "be" || (j > 0 && (toks[j-1].word == "sois" || toks[j-1].word == "soyez")))
		}
	}
	return false
}

// analyse fills s with the signals of one customer message. toks and feats
// are scratch space for the tokens and the model's features; they are
// returned for reuse.
func (d *Detector) analyse(text string, toks []token, feats []feature, s *signals) ([]token, []feature) {
	toks = tokenize(text, toks)
	for i := 0; i < len(toks); {
		e, end := d.lex.longest(toks, i)
		if e == nil {
			if w, a, b, ok := findDuration(toks, i); ok {
				s.add(kindWaiting, w, quote(text, toks, a, b))
				i = b
				continue
			}
			if stretched(toks[i].word) {
				s.add(kindStretch, weightStretch, text[toks[i].start:toks[i].end])
			}
			i++
			continue
		}
		switch {
		case e.kind == kindCalm:
			s.calm = true
			for j := i; j < end; j++ {
				toks[j].calm = true
			}
		case kinds[e.kind].negWindow > 0 && !isNegator(toks, i) && negated(toks, i, kinds[e.kind].negWindow):
			// "not angry", "je ne vais pas faire opposition": no signal.
		default:
			s.add(e.kind, e.weight, quote(text, toks, i, end))
		}
		i = end
	}
	if w, a, b := shouting(text, toks); w > 0 {
		s.add(kindCaps, w, clip(text[toks[a].start:toks[b-1].end]))
	}
	if w, run := punctuation(text); w > 0 {
		s.add(kindPunct, w, run)
	}
	s.content = d.contentWords(toks, s.content[:0])
	if d.models != nil && len(toks) > 0 {
		feats = d.modelSignal(text, toks, s, feats)
	}
	return toks, feats
}

// modelSignal adds the language model's view of the message to s. The
// model sees the lexicon's hits among its features, so it does not add to
// them: the message scores the higher of the rules' score and the model's
// (the model's family holds the difference). A calm message without any
// signal from the rules gets nothing from the model either.
func (d *Detector) modelSignal(text string, toks []token, s *signals, feats []feature) []feature {
	rest := 1.0
	for _, k := range textKinds {
		rest *= 1 - s.weight[k]
	}
	rules := 1 - rest
	if s.calm && rules == 0 {
		return feats
	}
	feats = features(text, toks, s, d.val, feats[:0], nil)
	langs := messageLangs(text, toks)
	if langs[langEN] && langs[langFR] {
		langs = d.knownLangs(feats)
	}
	best, model := 0.0, (*textModel)(nil)
	for l, ok := range langs {
		if m := d.models[l]; ok {
			if v := m.scaled(m.prob(feats)); v > best {
				best, model = v, m
			}
		}
	}
	if best <= rules {
		return feats
	}
	s.model = best
	s.add(kindModel, (best-rules)/(1-rules), model.quoteWords(text, toks, feats))
	return feats
}

// contentWords returns the sorted distinct words of toks that are not stop
// words, with a plural s removed, for comparing two messages.
func (d *Detector) contentWords(toks []token, out []string) []string {
	for _, t := range toks {
		w := t.word
		if d.lex.stop[w] || (len(w) < 3 && !isNumber(w)) {
			continue
		}
		if len(w) > 3 && w[len(w)-1] == 's' {
			w = w[:len(w)-1]
		}
		out = append(out, w)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// similar reports whether two messages ask the same thing: they share more
// than half of their content words (Jaccard index above 0.5).
func similar(a, b []string) bool {
	if len(a) == 0 || len(b) == 0 {
		return false
	}
	common := 0
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch strings.Compare(a[i], b[j]) {
		case 0:
			common++
			i++
			j++
		case -1:
			i++
		default:
			j++
		}
	}
	return 2*common > len(a)+len(b)-common
}

// maxQuote is the longest quote in a reason, in bytes.
const maxQuote = 60

// quote returns the words a..b-1 of text to show an agent: the whole clause
// when it is short, else the phrase with up to two words before it.
func quote(text string, toks []token, a, b int) string {
	c := toks[a].clause
	ca, cb := a, b
	for ca > 0 && toks[ca-1].clause == c {
		ca--
	}
	for cb < len(toks) && toks[cb].clause == c {
		cb++
	}
	if cb-ca <= 6 {
		a, b = ca, cb
	} else {
		a = max(ca, a-2)
	}
	return clip(text[toks[a].start:toks[b-1].end])
}

// clip shortens s to maxQuote bytes at most, on a character boundary.
func clip(s string) string {
	if len(s) <= maxQuote {
		return s
	}
	cut := maxQuote
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut] + "…"
}

// knownLangs breaks a tie of language cues: the language whose model knows
// more of the message's words ("Magnifique !", "remove something"); both
// when they know as many.
func (d *Detector) knownLangs(feats []feature) [numLangs]bool {
	var known [numLangs]int
	for l, m := range d.models {
		known[l] = m.knownWords(feats)
	}
	return [numLangs]bool{known[langEN] >= known[langFR], known[langFR] >= known[langEN]}
}
