package faq

import "testing"

func TestSmallTalk(t *testing.T) {
	tests := []struct{ text, want string }{
		{"hi", SmallTalkGreeting},
		{"Hello there!", SmallTalkGreeting},
		{"bonjour !", SmallTalkGreeting},
		{"Bonsoir à tous", SmallTalkGreeting},
		{"good morning", SmallTalkGreeting},
		{"merci beaucoup", SmallTalkThanks},
		{"Thank you so much for your help!", SmallTalkThanks},
		{"merci pour votre aide", SmallTalkThanks},
		{"ok thanks 👍", SmallTalkThanks},
		{"thanks, bye", SmallTalkBye},
		{"au revoir", SmallTalkBye},
		{"bonne journée", SmallTalkBye},
		{"have a nice day", SmallTalkBye},
		{"hi, where is my parcel?", ""},
		{"bonjour, je voudrais annuler ma commande", ""},
		{"thanks but my refund is still missing", ""},
		{"ok", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := smallTalk(tokenize(tt.text)); got != tt.want {
			t.Errorf("smallTalk(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}
