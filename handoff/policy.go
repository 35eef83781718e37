// Package handoff owns the hand-over of conversations from the bot to humans:
// the policy that decides when (explicit requests, frustration, the bot
// failing), the Service that performs the hand-over, and the contract of the
// agents' desk.
//
// Package handoff imports bot (for its types) and the standard library; the
// Slack desk lives in the subpackage handoff/slack.
package handoff

import (
	"context"
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

// Policy decides when a conversation goes to a human. It implements bot.Policy.
type Policy struct{}

var _ bot.Policy = Policy{}

// NewPolicy returns the handoff policy.
func NewPolicy() Policy { return Policy{} }

// Assess looks at the turn and the conversation so far. An explicit request
// for a human always hands off; so do two 👎 in a row and two turns in a row
// where the bot did not know.
func (p Policy) Assess(_ context.Context, t bot.Turn) bot.Assessment {
	in := t.Inbound
	if in.Payload == bot.PayloadHuman {
		return bot.Assessment{Handoff: true, Reason: ReasonExplicit, Score: 1, Signals: []string{"clicked \"talk to a person\""}}
	}
	if in.Payload == "" {
		if phrase, ok := AsksForHuman(in.Text); ok {
			return bot.Assessment{Handoff: true, Reason: ReasonExplicit, Score: 1, Signals: []string{"asked for a human: \"" + phrase + "\""}}
		}
	}
	if in.Payload == bot.PayloadNotHelpful && previousFeedbackNegative(t.History, in.ID) {
		return bot.Assessment{Handoff: true, Reason: ReasonNegative, Score: 0.6, Signals: []string{"two unhelpful answers in a row (👎 👎)"}}
	}
	if t.Answer.Action == bot.ActionFallback && lastBotTurnFailed(t.History) {
		return bot.Assessment{Handoff: true, Reason: ReasonBotFailures, Score: 0.5, Signals: []string{"the bot did not understand twice in a row"}}
	}
	return bot.Assessment{}
}

// previousFeedbackNegative reports whether the customer's last 👍/👎 before
// message id was a 👎.
func previousFeedbackNegative(history []bot.Message, id int64) bool {
	for i := len(history) - 1; i >= 0; i-- {
		m := history[i]
		if m.Role != bot.RoleCustomer || m.ID == id {
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
	for i := len(history) - 1; i >= 0; i-- {
		switch history[i].Action {
		case bot.ActionFallback:
			return true
		case bot.ActionAnswer, bot.ActionClarify, bot.ActionSmallTalk, bot.ActionHandoff:
			return false
		}
	}
	return false
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
