package handoff

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/relaisbot/relais/bot"
)

// conv builds a conversation: "c:" lines are customer messages, "b:" bot
// answers, "f:" bot fallbacks, "👎" and "👍" feedback clicks. Ids count from 1.
func conv(lines ...string) []bot.Message {
	var out []bot.Message
	for i, l := range lines {
		m := bot.Message{ID: int64(i + 1)}
		switch {
		case l == "👎":
			m.Role, m.Payload, m.Text = bot.RoleCustomer, bot.PayloadNotHelpful, "No"
		case l == "👍":
			m.Role, m.Payload, m.Text = bot.RoleCustomer, bot.PayloadHelpful, "Yes"
		case l[:2] == "c:":
			m.Role, m.Text = bot.RoleCustomer, l[2:]
		case l[:2] == "b:":
			m.Role, m.Action, m.Text = bot.RoleBot, bot.ActionAnswer, l[2:]
		case l[:2] == "f:":
			m.Role, m.Action, m.Text = bot.RoleBot, bot.ActionFallback, l[2:]
		}
		out = append(out, m)
	}
	return out
}

// scoreConv scores the last message of msgs given the ones before it.
func scoreConv(d *Detector, msgs []bot.Message) Frustration {
	return d.Score(msgs[:len(msgs)-1], msgs[len(msgs)-1])
}

func TestDetectorConversation(t *testing.T) {
	d := NewDetector()
	for _, tc := range []struct {
		name   string
		msgs   []bot.Message
		hand   bool
		reason string
	}{
		{"same question a 2nd time", conv("c:where is my order?", "b:Track it here.", "c:Where is my order"),
			false, "repeats the same question (2nd time)"},
		{"same question a 3rd time", conv("c:where is my order?", "b:Track it here.", "c:Where is my order", "b:Track it here.", "c:where is my order??"),
			true, "repeats the same question (3rd time)"},
		{"même question trois fois", conv("c:Où est ma commande ?", "b:…", "c:ma commande, elle est où ?", "b:…", "c:Elle est où ma commande"),
			true, "repeats the same question (3rd time)"},
		{"different questions", conv("c:where is my order?", "b:…", "c:can I change my order?", "b:…", "c:how do I cancel my order"),
			false, ""},
		{"mild, then mild again", conv("c:I'm disappointed", "b:Sorry to hear that.", "c:not happy at all with this"),
			true, "angry wording: \"not happy at all with this\" (in 2 messages)"},
		{"mild alone", conv("c:where is my parcel", "b:…", "c:not happy at all with this"),
			false, "angry wording: "},
		{"escalation over turns (fr)", conv("c:toujours rien reçu", "b:…", "c:je suis déçue", "b:…", "c:c'est pas normal"),
			true, "waiting complaint: "},
		{"anger long ago fades", conv("c:this is ridiculous", "b:…", "c:ok", "c:what sizes do you have", "c:and colours?", "c:do you ship to Belgium?"),
			false, "angry wording: "},
		{"calm after anger", conv("c:c'est scandaleux", "b:Désolé !", "c:ok pas grave, merci"),
			false, "angry wording: "},
		{"two 👎", conv("c:where is my parcel", "b:…", "👎", "b:…", "👎"),
			false, "2 unhelpful answers (👎)"},
		{"two 👎 and angry", conv("c:where is my parcel", "b:…", "👎", "b:…", "👎", "c:this bot is useless"),
			true, "2 unhelpful answers (👎)"},
		{"bot failures", conv("c:blorp", "f:Sorry?", "c:zorg", "f:Sorry?", "c:zzz"),
			false, "the bot did not understand 2 times in a row"},
		{"bot failures and a waiting complaint", conv("c:blorp", "f:Sorry?", "c:zorg", "f:Sorry?", "c:I'm still waiting"),
			true, "waiting complaint: "},
	} {
		f := scoreConv(d, tc.msgs)
		if got := f.Score >= DefaultFrustrationThreshold; got != tc.hand || (tc.reason != "" && !hasReason(f.Reasons, tc.reason)) {
			t.Errorf("%s: Score = %.2f %q, want ≥ %.2f %v and a reason %q…", tc.name, f.Score, f.Reasons, DefaultFrustrationThreshold, tc.hand, tc.reason)
		}
		if tc.reason == "" && len(f.Reasons) > 0 {
			t.Errorf("%s: Reasons = %q, want none", tc.name, f.Reasons)
		}
	}
}

func TestDetectorExplicit(t *testing.T) {
	d := NewDetector()
	for _, tc := range []struct {
		in     bot.Message
		want   bool
		reason string
	}{
		{bot.Message{Text: "je veux parler à un conseiller"}, true, `asked for a human: "conseiller"`},
		{bot.Message{Text: "Get me a REAL person, this is ridiculous"}, true, `asked for a human: "real person"`},
		{bot.Message{Payload: bot.PayloadHuman, Text: "Talk to a person"}, true, `clicked "talk to a person"`},
		{bot.Message{Text: "pas besoin d'un conseiller, merci"}, false, ""},
		{bot.Message{Text: "no need for a human"}, false, ""},
	} {
		tc.in.Role = bot.RoleCustomer
		f := d.Score(nil, tc.in)
		if f.Explicit != tc.want || (tc.want && (len(f.Reasons) == 0 || f.Reasons[0] != tc.reason)) {
			t.Errorf("Score(%+v) = %+v, want Explicit %v and first reason %q", tc.in, f, tc.want, tc.reason)
		}
	}
}

// TestDetectorHistoryCut checks that the latest message, when history
// includes it (as bot.Turn does) or goes past it, is not counted twice.
func TestDetectorHistoryCut(t *testing.T) {
	d := NewDetector()
	msgs := conv("c:this is ridiculous", "b:…", "c:still waiting, it's a joke", "c:later message: scam")
	latest := msgs[2]
	want := d.Score(msgs[:2], latest)
	for name, history := range map[string][]bot.Message{
		"including latest": msgs[:3],
		"past latest":      msgs,
	} {
		if got := d.Score(history, latest); !cmp.Equal(got, want) {
			t.Errorf("%s: Score = %+v, want %+v", name, got, want)
		}
	}
	noIDs := []bot.Message{{Role: bot.RoleCustomer, Text: "scam"}}
	if got, want := d.Score(noIDs, noIDs[0]), d.Score(nil, noIDs[0]); !cmp.Equal(got, want) {
		t.Errorf("without ids: Score = %+v, want %+v", got, want)
	}
}

// TestDetectorBounds checks that piling every signal up stays within [0,1]
// and that scores do not depend on anything but the input.
func TestDetectorBounds(t *testing.T) {
	d := NewDetector()
	var msgs []bot.Message
	for range 12 {
		msgs = append(msgs, conv("f:?", "👎", "c:WTF!!! SCAM, I'll call my lawyer, waiting since 3 weeks, third time I ask, idiots")...)
	}
	f := scoreConv(d, msgs)
	if f.Score < 0.99 || f.Score > 1 {
		t.Errorf("Score = %v, want in [0.99, 1]", f.Score)
	}
	if g := scoreConv(NewDetector(), msgs); !cmp.Equal(f, g) {
		t.Errorf("two scores of the same conversation differ: %+v and %+v", f, g)
	}
	if f := d.Score(nil, bot.Message{}); f.Score != 0 || f.Reasons != nil || f.Explicit {
		t.Errorf("empty message: %+v, want zero", f)
	}
}
