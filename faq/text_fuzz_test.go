package faq

import (
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/relaisbot/relais/bot"
)

// What the text normaliser guarantees (text.go, lang.go), for any text,
// valid UTF-8 or not:
//
//   - fold returns valid UTF-8 without upper-case ASCII or the accented
//     letters it folds, and folding twice changes nothing;
//   - tokenize returns non-empty tokens of letters and digits only, already
//     folded; the same tokens for the text with ASCII letters upper-cased
//     (CAPS) or accents removed; and the same tokens again when they are
//     joined with spaces and tokenized (tokens are a fixed point);
//   - stems and analysed terms are valid UTF-8 and never empty;
//   - detectLang always returns French or English, and the hint when the
//     cues tie.

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{
		"", " ", "Où est ma COMMANDE ?", "Livrée hier, mais j'ai reçu un colis abîmé…",
		"qu'est-ce que c'est ? Jusqu'à quand l'adresse d'expédition est-elle modifiable ?",
		"I haven't received my order, it's been 2 weeks and I can't track it!",
		"don't DONT dont didn’t WON'T cannot ain't o'clock aujourd'hui",
		"CŒUR ŒUVRE Æsir Straße STRASSE İstanbul ǅemal ﬁne ＦＵＬＬＷＩＤＴＨ",
		"e-mail pick-up re-order 3-5 jours #12345 €29,90 50%",
		"where is my parcel 📦🚚 ?? 👍🏽👨‍👩‍👧", "\u200bzero\u200cwidth\u200djoiner\ufeff", "\u202eRTL override\u202c",
		"שלום, איפה ההזמנה שלי?", "مرحبا، أين طلبي؟", "你好，我的订单在哪里？", "Привет, где мой заказ?",
		"l'", "'", "''l''", "n't", "'t", "qu'", "l’’adresse", "it`s", "c´est",
		"\xff\xfe", "caf\xc3", "a\x00b", "\U0010ffff", "\ufffd",
		"livraison LIVRAISON Livraison lívraisón", "REMBOURSEMENT remboursement",
		"hello bonjour merci thanks", "ok", "1 2 3",
		strings.Repeat("a", 5000), strings.Repeat("é'", 1000), strings.Repeat("can't ", 500), strings.Repeat("👍", 1000),
	} {
		f.Add(s, uint8(0))
	}
	f.Add("Bonjour", uint8(1))
	f.Add("Hello", uint8(2))
	f.Fuzz(func(t *testing.T, s string, hintSel uint8) {
		folded := fold(s)
		if !utf8.ValidString(folded) {
			t.Errorf("fold(%.200q) = %.200q: not valid UTF-8", s, folded)
		}
		if again := fold(folded); again != folded {
			t.Errorf("fold is not idempotent on %.200q: %.200q then %.200q", s, folded, again)
		}
		for _, r := range folded {
			if 'A' <= r && r <= 'Z' || foldRune[r] != 0 || r == 'œ' || r == 'æ' || r == 'ß' {
				t.Errorf("fold(%.200q) = %.200q: %q left", s, folded, r)
				break
			}
		}

		toks := tokenize(s)
		for _, w := range toks {
			if w == "" || fold(w) != w || strings.IndexFunc(w, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) >= 0 {
				t.Fatalf("tokenize(%.200q) = %.200q: token %q is empty, not folded, or not letters and digits", s, toks, w)
			}
		}
		if again := tokenize(strings.Join(toks, " ")); !slices.Equal(again, toks) {
			t.Errorf("tokenize(%.200q) = %.200q, but its tokens joined give %.200q", s, toks, again)
		}
		if caps := tokenize(asciiUpper(s)); !slices.Equal(caps, toks) {
			t.Errorf("tokenize(%.200q) = %.200q, but in capitals %.200q", s, toks, caps)
		}
		if plain := tokenize(unaccent(s)); !slices.Equal(plain, toks) {
			t.Errorf("tokenize(%.200q) = %.200q, but without accents %.200q", s, toks, plain)
		}

		for li := range 2 {
			for _, w := range toks {
				if st := stemWord(w, li); st == "" || !utf8.ValidString(st) {
					t.Errorf("stemWord(%q, %d) = %q: empty or not valid UTF-8", w, li, st)
				}
			}
			terms, words := newDocAnalyzer().analyze(s, li)
			for _, term := range terms {
				if term == "" || !utf8.ValidString(term) {
					t.Errorf("analyze(%.200q, %d): term %q empty or not valid UTF-8", s, li, term)
				}
			}
			for _, w := range words {
				if !slices.Contains(toks, w) {
					t.Errorf("analyze(%.200q, %d): word %q is not one of the tokens %.200q", s, li, w, toks)
				}
			}
		}

		hint := []bot.Lang{"", bot.LangFR, bot.LangEN, "de"}[hintSel%4]
		lang := detectLang(s, toks, nil, hint)
		cues := langCues(s, toks, nil)
		switch {
		case lang != bot.LangFR && lang != bot.LangEN:
			t.Errorf("detectLang(%.200q, hint %q) = %q, want fr or en", s, hint, lang)
		case cues[langFR] < 0 || cues[langEN] < 0:
			t.Errorf("langCues(%.200q) = %v: negative", s, cues)
		case cues[langFR] == cues[langEN] && (hint == bot.LangFR || hint == bot.LangEN) && lang != hint:
			t.Errorf("detectLang(%.200q, hint %q) = %q: cues tie (%v), want the hint", s, hint, lang, cues)
		case cues[langFR] > cues[langEN] && lang != bot.LangFR, cues[langEN] > cues[langFR] && lang != bot.LangEN:
			t.Errorf("detectLang(%.200q) = %q, against the cues %v", s, lang, cues)
		}
	})
}

// asciiUpper upper-cases the ASCII letters of s and leaves every other byte.
func asciiUpper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

// unaccent replaces the accented letters fold knows by their base letter
// (and leaves invalid bytes as they are).
func unaccent(s string) string {
	var b strings.Builder
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		if base, ok := foldRune[r]; ok && size > 1 {
			b.WriteRune(base)
		} else {
			b.WriteString(s[:size])
		}
		s = s[size:]
	}
	return b.String()
}
