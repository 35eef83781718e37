// Package handoff owns the hand-over of conversations from the bot to humans:
// the policy that decides when (explicit requests, frustration, the bot
// failing), the frustration Detector it relies on (French and English
// lexicons embedded from lexicon/), the Service that performs the hand-over,
// and the contract of the agents' desk.
//
// Package handoff imports bot (for its types) and the standard library; the
// Slack desk lives in the subpackage handoff/slack.
package handoff

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/relaisbot/relais/bot"
)

// Handoff reasons, stored with each handoff.
const (
	ReasonExplicit    = "explicit_request"
	ReasonFrustration = "frustration"
	ReasonBotFailures = "bot_failures"
	ReasonNegative    = "negative_feedback"
)

// DefaultFrustrationThreshold is the frustration score from which a
// conversation goes to a human. The detector's weights are built around it:
// one clear signal in the latest message (an insult, a threat, profanity,
// "c'est scandaleux", "depuis 10 jours") reaches it, and so does the learned
// model's score when its probability reaches the model's own threshold,
// chosen on dev data (see BENCHMARKS.md); one mild signal ("disappointed",
// "!!!", writing in capitals, a first 👎) does not, but two mild ones in a
// message do, and so do complaints repeated over a few messages or the same
// question asked a third time.
const DefaultFrustrationThreshold = 0.5

// Policy decides when a conversation goes to a human. It implements
// bot.Policy. The zero Policy uses DefaultFrustrationThreshold.
type Policy struct {
	threshold float64
	detector  *Detector
	opinion   *secondOpinion // WithSecondOpinion; nil: the score alone decides
}

var _ bot.Policy = Policy{}

// NewPolicy returns the handoff policy handing off from the given
// frustration threshold, in (0,1] (DefaultFrustrationThreshold is measured
// to work well). It panics on a threshold out of range: configuration
// validation rejects those first.
func NewPolicy(threshold float64) Policy {
	if !(threshold > 0 && threshold <= 1) {
		panic(fmt.Sprintf("handoff: frustration threshold %v, want a value in (0,1]", threshold))
	}
	return Policy{threshold: threshold, detector: NewDetector()}
}

// Assess looks at the turn and the conversation so far. An explicit request
// for a human always hands off; so do two 👎 in a row, two turns in a row
// where the bot did not know, and a frustration score at or above the
// threshold. Score and Signals are filled in every case, so that agents and
// `relais try` see them.
func (p Policy) Assess(ctx context.Context, t bot.Turn) bot.Assessment {
	d, threshold := p.detector, p.threshold
	if d == nil {
		d, threshold = NewDetector(), DefaultFrustrationThreshold
	}
	history := before(t.History, t.Inbound)
	f := d.Score(history, t.Inbound)
	a := bot.Assessment{Score: f.Score, Signals: f.Reasons}
	in := t.Inbound
	switch {
	case f.Explicit:
		a.Handoff, a.Reason = true, ReasonExplicit
	case in.Payload == bot.PayloadNotHelpful && previousFeedbackNegative(history):
		a.Handoff, a.Reason = true, ReasonNegative
		a.Signals = replaceSignal(a.Signals, "two unhelpful answers in a row (👎 👎)", func(s string) bool {
			return strings.HasSuffix(s, "unhelpful answers (👎)")
		})
	case t.Answer.Action == bot.ActionFallback && lastBotTurnFailed(history):
		a.Handoff, a.Reason = true, ReasonBotFailures
		a.Signals = replaceSignal(a.Signals, "the bot did not understand twice in a row", func(s string) bool {
			return strings.HasPrefix(s, "the bot did not understand")
		})
	case f.Score >= threshold:
		a.Handoff, a.Reason = true, ReasonFrustration
	}
	p.opinion.review(ctx, &a, history, in, threshold)
	return a
}

// replaceSignal puts first at the front of signals and drops those that
// drop says it replaces.
func replaceSignal(signals []string, first string, drop func(string) bool) []string {
	out := []string{first}
	for _, s := range signals {
		if !drop(s) {
			out = append(out, s)
		}
	}
	return out
}

// previousFeedbackNegative reports whether the customer's last 👍/👎 in
// history was a 👎.
func previousFeedbackNegative(history []bot.Message) bool {
	for i := len(history) - 1; i >= 0; i-- {
		m := history[i]
		if m.Role != bot.RoleCustomer {
			continue
		}
		switch m.Payload {
		case bot.PayloadNotHelpful:
			return true
		case bot.PayloadHelpful:
			return false
		}
	}
	return false
}

// lastBotTurnFailed reports whether the bot's last decision on a question was
// that it did not know.
func lastBotTurnFailed(history []bot.Message) bool {
	return fallbackStreak(history) > 0
}

// humanPhrases are ways customers ask for a person, as folded word sequences.
var humanPhrases = [][]string{
	// English
	{"human"}, {"humans"}, {"real", "person"}, {"a", "person"}, {"live", "person"}, {"actual", "person"},
	{"agent"}, {"representative"}, {"operator"}, {"someone", "real"}, {"staff", "member"},
	{"talk", "to", "someone"}, {"speak", "to", "someone"}, {"speak", "with", "someone"}, {"talk", "to", "somebody"},
	{"speak", "to", "somebody"}, {"not", "a", "bot"}, {"not", "a", "robot"}, {"customer", "service", "rep"},
	// French
	{"humain"}, {"humaine"}, {"une", "personne"}, {"vraie", "personne"}, {"conseiller"}, {"conseillere"},
	{"operateur"}, {"operatrice"}, {"quelqu", "un"}, {"pas", "un", "robot"}, {"pas", "un", "bot"},
	{"parler", "au", "service", "client"}, {"un", "vendeur"}, {"une", "vendeuse"},
}

// negations cancel a request that follows them closely ("no need for a human",
// "pas besoin d'un conseiller").
var negations = []string{"no", "not", "dont", "don", "never", "without", "pas", "jamais", "sans", "ni", "besoin"}

// AsksForHuman reports whether text asks to talk to a person, and the phrase found.
func AsksForHuman(text string) (string, bool) {
	words := Words(text)
	for i := range words {
		for _, p := range humanPhrases {
			if i+len(p) > len(words) || !slices.Equal(words[i:i+len(p)], p) {
				continue
			}
			if p[0] != "not" && p[0] != "pas" && negatedBefore(words, i) {
				continue
			}
			return strings.Join(p, " "), true
		}
	}
	return "", false
}

// negatedBefore reports whether one of the five words before position i is a negation.
func negatedBefore(words []string, i int) bool {
	for j := max(0, i-5); j < i; j++ {
		if slices.Contains(negations, words[j]) {
			// "pas besoin" negates, "besoin d'un humain" alone does not.
			if words[j] == "besoin" && (j == 0 || words[j-1] != "pas") {
				continue
			}
			return true
		}
	}
	return false
}

// Words folds text (case, accents) and splits it into words of letters and digits.
func Words(text string) []string {
	return strings.FieldsFunc(bot.Fold(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}
