package handoff

import (
	"context"
	"testing"

	"github.com/relaisbot/relais/bot"
)

func TestAsksForHuman(t *testing.T) {
	for _, tc := range []struct {
		text string
		want bool
	}{
		{"I want to talk to a human", true},
		{"Can I speak to someone please?", true},
		{"get me a real person", true},
		{"AGENT", true},
		{"you're not a bot right?? I want a REAL person", true},
		{"je veux parler à un conseiller", true},
		{"Je voudrais parler à quelqu’un", true},
		{"passez-moi un humain !", true},
		{"j'ai besoin d'un conseiller", true},
		{"no need for a human, thanks", false},
		{"pas besoin de parler à un conseiller", false},
		{"where is my parcel", false},
		{"je n'ai pas reçu mon colis", false},
		{"my personal details are wrong", false},
		{"", false},
	} {
		if _, got := AsksForHuman(tc.text); got != tc.want {
			t.Errorf("AsksForHuman(%q) = %v, want %v", tc.text, got, tc.want)
		}
	}
}

func TestPolicy(t *testing.T) {
	p := NewPolicy()
	answered := bot.Message{ID: 2, Role: bot.RoleBot, Action: bot.ActionAnswer}
	fallback := bot.Message{ID: 2, Role: bot.RoleBot, Action: bot.ActionFallback}
	down := bot.Message{ID: 3, Role: bot.RoleCustomer, Payload: bot.PayloadNotHelpful}
	up := bot.Message{ID: 3, Role: bot.RoleCustomer, Payload: bot.PayloadHelpful}
	for _, tc := range []struct {
		name    string
		history []bot.Message
		in      bot.Message
		answer  bot.Action
		reason  string
	}{
		{"clicked talk to a person", nil, bot.Message{Payload: bot.PayloadHuman}, bot.ActionAnswer, ReasonExplicit},
		{"typed a request", nil, bot.Message{Text: "human please"}, bot.ActionAnswer, ReasonExplicit},
		{"first 👎", []bot.Message{answered}, bot.Message{ID: 9, Payload: bot.PayloadNotHelpful}, "", ""},
		{"second 👎 in a row", []bot.Message{answered, down, answered}, bot.Message{ID: 9, Payload: bot.PayloadNotHelpful}, "", ReasonNegative},
		{"👎 after a 👍", []bot.Message{answered, down, answered, up, answered}, bot.Message{ID: 9, Payload: bot.PayloadNotHelpful}, "", ""},
		{"first fallback", []bot.Message{answered}, bot.Message{Text: "blorp"}, bot.ActionFallback, ""},
		{"second fallback in a row", []bot.Message{fallback}, bot.Message{Text: "blorp"}, bot.ActionFallback, ReasonBotFailures},
		{"fallback after an answer", []bot.Message{fallback, answered}, bot.Message{Text: "blorp"}, bot.ActionFallback, ""},
		{"plain question", nil, bot.Message{Text: "where is my parcel"}, bot.ActionAnswer, ""},
	} {
		a := p.Assess(context.Background(), bot.Turn{History: append(tc.history, tc.in), Inbound: tc.in, Answer: bot.Answer{Action: tc.answer}})
		if a.Handoff != (tc.reason != "") || a.Reason != tc.reason {
			t.Errorf("%s: Assess = %+v, want reason %q", tc.name, a, tc.reason)
		}
		if a.Handoff && len(a.Signals) == 0 {
			t.Errorf("%s: handoff without a human-readable signal", tc.name)
		}
	}
}
