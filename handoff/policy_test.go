package handoff

import (
	"context"
	"math"
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
	p := NewPolicy(DefaultFrustrationThreshold)
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
		signal  string // the first signal, if set
	}{
		{"clicked talk to a person", nil, bot.Message{Payload: bot.PayloadHuman}, bot.ActionAnswer, ReasonExplicit, `clicked "talk to a person"`},
		{"typed a request", nil, bot.Message{Text: "human please"}, bot.ActionAnswer, ReasonExplicit, `asked for a human: "human"`},
		{"angry request", nil, bot.Message{Text: "c'est une arnaque, je veux un conseiller"}, bot.ActionAnswer, ReasonExplicit, `asked for a human: "conseiller"`},
		{"first 👎", []bot.Message{answered}, bot.Message{ID: 9, Payload: bot.PayloadNotHelpful}, "", "", "1 unhelpful answer (👎)"},
		{"second 👎 in a row", []bot.Message{answered, down, answered}, bot.Message{ID: 9, Payload: bot.PayloadNotHelpful}, "", ReasonNegative, "two unhelpful answers in a row (👎 👎)"},
		{"👎 after a 👍", []bot.Message{answered, down, answered, up, answered}, bot.Message{ID: 9, Payload: bot.PayloadNotHelpful}, "", "", "2 unhelpful answers (👎)"},
		{"first fallback", []bot.Message{answered}, bot.Message{Text: "blorp"}, bot.ActionFallback, "", ""},
		{"second fallback in a row", []bot.Message{fallback}, bot.Message{Text: "blorp"}, bot.ActionFallback, ReasonBotFailures, "the bot did not understand twice in a row"},
		{"fallback after an answer", []bot.Message{fallback, answered}, bot.Message{Text: "blorp"}, bot.ActionFallback, "", ""},
		{"plain question", nil, bot.Message{Text: "where is my parcel"}, bot.ActionAnswer, "", ""},
		{"threat", nil, bot.Message{Text: "je vais faire opposition"}, bot.ActionAnswer, ReasonFrustration, `threatens a chargeback: "je vais faire opposition"`},
		{"insult", nil, bot.Message{Text: "useless bot"}, bot.ActionAnswer, ReasonFrustration, `insult: "useless bot"`},
		{"mild", nil, bot.Message{Text: "I'm a bit disappointed"}, bot.ActionAnswer, "", `angry wording: "I'm a bit disappointed"`},
		{"calm", nil, bot.Message{Text: "pas grave, pas de souci"}, bot.ActionAnswer, "", ""},
		{"escalation", []bot.Message{{ID: 1, Role: bot.RoleCustomer, Text: "I'm disappointed"}, answered},
			bot.Message{ID: 9, Text: "not happy at all"}, bot.ActionAnswer, ReasonFrustration, `angry wording: "not happy at all" (in 2 messages)`},
	} {
		in := tc.in
		in.Role = bot.RoleCustomer
		a := p.Assess(context.Background(), bot.Turn{History: append(tc.history, in), Inbound: in, Answer: bot.Answer{Action: tc.answer}})
		if a.Handoff != (tc.reason != "") || a.Reason != tc.reason {
			t.Errorf("%s: Assess = %+v, want reason %q", tc.name, a, tc.reason)
		}
		if a.Handoff && len(a.Signals) == 0 {
			t.Errorf("%s: handoff without a human-readable signal", tc.name)
		}
		if tc.signal != "" && (len(a.Signals) == 0 || a.Signals[0] != tc.signal) {
			t.Errorf("%s: Signals = %q, want first %q", tc.name, a.Signals, tc.signal)
		}
		if tc.signal == "" && len(a.Signals) > 0 {
			t.Errorf("%s: Signals = %q, want none", tc.name, a.Signals)
		}
		if want := NewDetector().Score(tc.history, in).Score; a.Score != want {
			t.Errorf("%s: Score = %v, want the detector's %v", tc.name, a.Score, want)
		}
	}
}

func TestPolicyThreshold(t *testing.T) {
	mild := bot.Message{Role: bot.RoleCustomer, Text: "I'm disappointed"}   // one mild signal: 0.45
	angry := bot.Message{Role: bot.RoleCustomer, Text: "this is a scam!!!"} // 0.7
	human := bot.Message{Role: bot.RoleCustomer, Text: "a human please"}
	for _, tc := range []struct {
		threshold float64
		in        bot.Message
		reason    string
	}{
		{0.3, mild, ReasonFrustration},
		{0.45, mild, ReasonFrustration},
		{DefaultFrustrationThreshold, mild, ""},
		{DefaultFrustrationThreshold, angry, ReasonFrustration},
		{0.8, angry, ""},
		{1, angry, ""},
		{1, human, ReasonExplicit},
	} {
		a := NewPolicy(tc.threshold).Assess(context.Background(), bot.Turn{History: []bot.Message{tc.in}, Inbound: tc.in})
		if a.Reason != tc.reason || a.Handoff != (tc.reason != "") {
			t.Errorf("NewPolicy(%v).Assess(%q) = %+v, want reason %q", tc.threshold, tc.in.Text, a, tc.reason)
		}
		if a.Score == 0 && tc.in.Text != human.Text {
			t.Errorf("NewPolicy(%v).Assess(%q): no score", tc.threshold, tc.in.Text)
		}
	}
	// The zero Policy and NewPolicy() use the default threshold.
	for name, p := range map[string]Policy{"zero": {}, "default": NewPolicy(DefaultFrustrationThreshold)} {
		if a := p.Assess(context.Background(), bot.Turn{Inbound: angry}); a.Reason != ReasonFrustration {
			t.Errorf("%s Policy: Assess = %+v, want %s", name, a, ReasonFrustration)
		}
	}
	for _, bad := range []float64{0, -0.5, 1.01, math.NaN()} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewPolicy(%v) did not panic", bad)
				}
			}()
			NewPolicy(bad)
		}()
	}
}
