package faq

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/relaisbot/relais/bot"
)

func TestGroupQuestions(t *testing.T) {
	qs := []Question{
		{"Proposez-vous un emballage cadeau ?", bot.LangFR},
		{"est-ce que vous faites les emballages cadeaux", bot.LangFR},
		{"Do you sell gift cards?", bot.LangEN},
		{"emballage cadeau possible ?", bot.LangFR},
		{"can I buy a gift card", bot.LangEN},
		{"???", bot.LangEN},
		{"Do you ship to Mars?", bot.LangEN},
	}
	got := GroupQuestions(qs, 2)
	want := []QuestionGroup{
		{Example: "Proposez-vous un emballage cadeau ?", Lang: bot.LangFR, Count: 3},
		{Example: "Do you sell gift cards?", Lang: bot.LangEN, Count: 2},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("GroupQuestions (-want +got):\n%s", diff)
	}
}
