package faq

import (
	"testing"

	"github.com/relaisbot/relais/bot"
)

func TestDetectLang(t *testing.T) {
	ix := NewIndex(mustSeed(t))
	tests := []struct {
		text string
		hint bot.Lang
		want bot.Lang
	}{
		{"Où est ma commande ?", "", bot.LangFR},
		{"ou est ma commande", bot.LangEN, bot.LangFR}, // no accent, still French
		{"Where is my order?", bot.LangFR, bot.LangEN},
		{"je n'ai pas reçu mon colis", "", bot.LangFR},
		{"I haven't received my parcel", "", bot.LangEN},
		{"colis", "", bot.LangFR}, // a word only French phrasings use
		{"refund", bot.LangFR, bot.LangEN},
		{"bonjour !", bot.LangEN, bot.LangFR},
		{"thanks", bot.LangFR, bot.LangEN},
		{"ok", bot.LangFR, bot.LangFR}, // no cue: the hint
		{"ok", "", bot.LangEN},         // no cue, no hint: English
		{"PayPal ?", bot.LangFR, bot.LangFR},
		{"refund colis", bot.LangFR, bot.LangFR}, // one cue each: the hint
		{"l'étiquette", "", bot.LangFR},
	}
	for _, tt := range tests {
		if got := detectLang(tt.text, tokenize(tt.text), ix.lex, tt.hint); got != tt.want {
			t.Errorf("detectLang(%q, hint %q) = %q, want %q", tt.text, tt.hint, got, tt.want)
		}
	}
}

func TestMatchForcedLang(t *testing.T) {
	ix := NewIndex(mustSeed(t))
	if got := ix.Match("Where is my order?", bot.LangFR, "").Lang; got != bot.LangFR {
		t.Errorf("Match with Lang fr: Lang = %q, want fr", got)
	}
}
