package handoff

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"sync"

	"github.com/relaisbot/relais/bot"
)

// Frustration is the Detector's verdict on a conversation.
type Frustration struct {
	// Score is how sure the detector is that the customer is frustrated, in
	// [0,1], rounded to 3 decimals. It does not count an explicit request
	// for a human.
	Score float64
	// Reasons explain the score to agents, in English, strongest first
	// (`threatens a chargeback: "je vais faire opposition"`).
	Reasons []string
	// Explicit is set when the latest message asks for a human (typed or the
	// "talk to a person" button). Such a request always hands off.
	Explicit bool
}

// Weights and shape of the score, chosen on the dev data (BENCHMARKS.md).
const (
	// maxCustomerMessages is how many customer messages, the latest
	// included, the score looks at.
	maxCustomerMessages = 8
	// decay weighs each customer message before the latest: a signal n
	// messages back counts decay^n of its weight.
	decay = 0.7
	// calmFactor weighs earlier messages again when the latest one is calm
	// ("pas grave", 👍) and has no signal of its own.
	calmFactor = 0.5
	// minReason is the smallest contribution worth a reason.
	minReason = 0.05

	weightStretch    = 0.15 // "nooooon"
	weightNotHelpful = 0.25 // each 👎
	weightFallback   = 0.25 // each bot failure in a row
	weightSecondAsk  = 0.4  // the same question, a second time
	weightThirdAsk   = 0.6  // the same question, a third time or more
)

// Detector scores how frustrated a customer is, in French and English, from
// the wording of their recent messages (anger, insults, threats, waiting,
// repetition, capitals and punctuation) and from how the bot fared (👎,
// failures in a row). It is safe for concurrent use.
type Detector struct {
	lex      *lexicon
	val      *[numLangs]valence    // AFINN valences, for the models
	models   *[numLangs]*textModel // nil: lexicon rules only (when fitting)
	analysed analyses              // of stored messages, by id
}

// analysedMessages bounds the analyses kept (per generation, see analyses).
const analysedMessages = 4096

// analyses remembers what the wording of stored messages says: each customer
// message is scored with up to 7 earlier ones, which would otherwise be
// analysed again every time (in a long conversation, most of the work). An
// analysis is reused only for the same id and text (ids repeat across
// databases, and tests). Two generations: when the current one is full, the
// previous one is dropped.
type analyses struct {
	mu       sync.Mutex
	cur, old map[int64]analysis
}

type analysis struct {
	text string
	s    signals
}

// get returns the analysis of message id with this text, if kept. Its
// content words are shared: read them only.
func (a *analyses) get(id int64, text string) (signals, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if an, ok := a.cur[id]; ok {
		return an.s, an.text == text
	}
	an, ok := a.old[id]
	if !ok || an.text != text {
		return signals{}, false
	}
	a.putLocked(id, an)
	return an.s, true
}

// put keeps the analysis of message id with this text.
func (a *analyses) put(id int64, text string, s signals) {
	s.content = slices.Clip(slices.Clone(s.content))
	a.mu.Lock()
	a.putLocked(id, analysis{text, s})
	a.mu.Unlock()
}

func (a *analyses) putLocked(id int64, an analysis) {
	if len(a.cur) >= analysedMessages || a.cur == nil {
		a.old, a.cur = a.cur, make(map[int64]analysis, analysedMessages)
	}
	a.cur[id] = an
}

// NewDetector returns a Detector with the embedded lexicons. It panics if
// they are broken, which the package tests rule out.
func NewDetector() *Detector {
	return &Detector{lex: embeddedLexicon(), val: embeddedValence(), models: embeddedModels()}
}

// Preload parses the embedded lexicons and models now (~13 ms), so that a
// program can do it on another goroutine while it starts; otherwise the
// first NewDetector does.
func Preload() { NewDetector() }

// embeddedLexicon parses the embedded lexicons once.
var embeddedLexicon = sync.OnceValue(func() *lexicon {
	lx, err := loadLexicon(lexiconFS)
	if err != nil {
		panic(fmt.Sprintf("handoff: embedded lexicon: %v", err))
	}
	return lx
})

// Score rates the conversation: history is what came before latest, oldest
// first (a copy of latest at its end, or anything after it, is ignored).
// Recent customer messages count more than older ones; several signals, or
// the same signal in several messages, add up.
func (d *Detector) Score(history []bot.Message, latest bot.Message) Frustration {
	history = before(history, latest)
	sc := scratchPool.Get().(*scoreScratch)
	defer sc.release()
	var msgs [maxCustomerMessages]*bot.Message // on the stack: it points at latest
	sigs, content := &sc.sigs, &sc.content
	toks, feats := sc.toks[:0], sc.feats[:0]
	// The latest customer messages, newest first.
	msgs[0] = &latest
	n := 1
	for i := len(history) - 1; i >= 0 && n < maxCustomerMessages; i-- {
		if history[i].Role == bot.RoleCustomer {
			msgs[n] = &history[i]
			n++
		}
	}
	sc.used = n // before filling them: release clears them even after a panic
	for i, m := range msgs[:n] {
		s := &sigs[i]
		switch m.Payload {
		case "":
			if m.ID != 0 {
				if kept, ok := d.analysed.get(m.ID, m.Text); ok {
					*s = kept
					break
				}
			}
			s.content = content[i][:0]
			toks, feats = d.analyse(m.Text, toks, feats, s)
			if m.ID != 0 {
				d.analysed.put(m.ID, m.Text, *s)
			}
		case bot.PayloadNotHelpful:
			s.add(kindNotHelpful, weightNotHelpful, "")
		case bot.PayloadHelpful:
			s.calm = true
		}
	}
	asks := markRepeats(sigs[:n])
	c := combine(sigs[:n])
	failures := fallbackStreak(history)
	c.prob[kindFallback] = 1 - math.Pow(1-weightFallback, float64(failures))

	rest := 1.0
	for _, p := range c.prob {
		rest *= 1 - p
	}
	explicit := explicitRequest(latest)
	return Frustration{
		Score:    math.Round((1-rest)*1000) / 1000, // 0.45, not 0.44999999999999996
		Reasons:  c.reasons(explicit, asks, failures),
		Explicit: explicit != "",
	}
}

// scoreScratch holds Score's working buffers. They are pooled rather than
// on Score's stack, where their 13 KB made every goroutine that scored a
// message grow its stack to 32 KB, copying it four times, and the garbage
// collector shrink it back while the goroutine waited (7 % of the CPU at
// saturation, BENCHMARKS.md).
type scoreScratch struct {
	sigs    [maxCustomerMessages]signals
	content [maxCustomerMessages][12]string
	toks    [64]token
	feats   [160]feature
	used    int // messages filled in
}

var scratchPool = sync.Pool{New: func() any { return new(scoreScratch) }}

// release clears what refers to the messages (so that the pool keeps none
// of their text alive) and puts sc back in the pool.
func (sc *scoreScratch) release() {
	clear(sc.sigs[:sc.used])
	clear(sc.content[:sc.used])
	clear(sc.toks[:])
	sc.used = 0
	scratchPool.Put(sc)
}

// explicitRequest returns the reason to give when m asks for a human, or "".
func explicitRequest(m bot.Message) string {
	switch m.Payload {
	case bot.PayloadHuman:
		return "clicked \"talk to a person\""
	case "":
		if phrase, ok := AsksForHuman(m.Text); ok {
			return "asked for a human: \"" + phrase + "\""
		}
	}
	return ""
}

// markRepeats adds the same-question signal to each message (newest first)
// that asks what an older one asked, and returns the most times one question
// was asked.
func markRepeats(sigs []signals) int {
	asks := 0
	for i := range sigs {
		same := 0
		for j := i + 1; j < len(sigs); j++ {
			if similar(sigs[i].content, sigs[j].content) {
				same++
			}
		}
		if same > 0 {
			w := weightSecondAsk
			if same >= 2 {
				w = weightThirdAsk
			}
			sigs[i].add(kindSameQuestion, w, "")
			asks = max(asks, same+1)
		}
	}
	return asks
}

// combined is the contribution of each signal family to the score.
type combined struct {
	prob  [numKinds]float64 // in [0,1]
	count [numKinds]int     // messages with the signal
	quote [numKinds]string  // from the message contributing most
	model float64           // the model's score in that message
}

// combine weighs the messages (newest first) by age and combines each
// family over them with a noisy-OR, except the intensity families and
// repetition (already counted in its weight), which keep their strongest
// message only. A calm latest message (no signal, "pas grave", 👍) weighs
// the older ones down.
func combine(sigs []signals) combined {
	var (
		c    combined
		best [numKinds]float64
	)
	calmNow := sigs[0].calm && sigs[0].empty()
	for age := range sigs {
		s := &sigs[age]
		factor := math.Pow(decay, float64(age))
		if age > 0 && calmNow {
			factor *= calmFactor
		}
		for k, w := range s.weight {
			if w == 0 {
				continue
			}
			p := w * factor
			c.count[k]++
			if p > best[k] {
				best[k], c.quote[k] = p, s.quote[k]
				if kind(k) == kindModel {
					c.model = s.model
				}
			}
			switch kind(k) {
			case kindCaps, kindPunct, kindStretch, kindSameQuestion:
				c.prob[k] = max(c.prob[k], p)
			default:
				c.prob[k] = 1 - (1-c.prob[k])*(1-p)
			}
		}
	}
	return c
}

// reasons explains the combined contributions, strongest first.
func (c *combined) reasons(explicit string, asks, failures int) []string {
	order := make([]kind, 0, numKinds)
	for k, p := range c.prob {
		if p >= minReason {
			order = append(order, kind(k))
		}
	}
	slices.SortStableFunc(order, func(a, b kind) int {
		switch {
		case c.prob[a] > c.prob[b]:
			return -1
		case c.prob[a] < c.prob[b]:
			return 1
		}
		return 0
	})
	var out []string
	if explicit != "" {
		out = append(out, explicit)
	}
	for _, k := range order {
		var r string
		switch k {
		case kindSameQuestion:
			r = "repeats the same question (" + ordinal(asks) + " time)"
		case kindNotHelpful:
			r = plural(c.count[k], "unhelpful answer") + " (👎)"
		case kindModel:
			r = kinds[k].label + " (model " + strconv.FormatFloat(c.model, 'f', 2, 64) + ")"
			if c.quote[k] != "" {
				r += ": " + c.quote[k]
			}
			if c.count[k] > 1 {
				r += " (in " + strconv.Itoa(c.count[k]) + " messages)"
			}
		case kindFallback:
			r = "the bot did not understand the last message"
			if failures > 1 {
				r = "the bot did not understand " + strconv.Itoa(failures) + " times in a row"
			}
		default:
			r = kinds[k].label + ": \"" + c.quote[k] + "\""
			if c.count[k] > 1 {
				r += " (in " + strconv.Itoa(c.count[k]) + " messages)"
			}
		}
		out = append(out, r)
	}
	return out
}

// before returns the messages of history that came before m: it cuts
// history at m (found by id, or as its last element when ids are not set).
func before(history []bot.Message, m bot.Message) []bot.Message {
	if m.ID != 0 {
		for i, h := range history {
			if h.ID == m.ID {
				return history[:i:i] // shared with the Engine's cache: no append may reach it
			}
		}
		return history
	}
	if n := len(history); n > 0 {
		if last := history[n-1]; last.ID == 0 && last.Role == m.Role && last.Text == m.Text && last.Payload == m.Payload {
			return history[: n-1 : n-1]
		}
	}
	return history
}

// fallbackStreak counts the bot's last decisions in a row that were "I do
// not know".
func fallbackStreak(history []bot.Message) int {
	n := 0
	for i := len(history) - 1; i >= 0; i-- {
		switch history[i].Action {
		case bot.ActionFallback:
			n++
		case bot.ActionAnswer, bot.ActionClarify, bot.ActionSmallTalk, bot.ActionHandoff:
			return n
		}
	}
	return n
}

// ordinal spells 2 as "2nd", 3 as "3rd", 4 as "4th".
func ordinal(n int) string {
	suffix := "th"
	switch {
	case n%100 >= 11 && n%100 <= 13:
	case n%10 == 1:
		suffix = "st"
	case n%10 == 2:
		suffix = "nd"
	case n%10 == 3:
		suffix = "rd"
	}
	return strconv.Itoa(n) + suffix
}

// plural spells "1 unhelpful answer", "2 unhelpful answers".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
