package faq

import (
	"strings"

	"github.com/kljensen/snowball/english"
	"github.com/kljensen/snowball/french"

	"github.com/relaisbot/relais/bot"
)

// Language indexes for per-language tables.
const (
	langEN = 0
	langFR = 1
)

// langIndex returns the table index of l (English for anything but French).
func langIndex(l bot.Lang) int {
	if l == bot.LangFR {
		return langFR
	}
	return langEN
}

// langOf returns the language of table index i.
func langOf(i int) bot.Lang {
	if i == langFR {
		return bot.LangFR
	}
	return bot.LangEN
}

// stemWord returns the snowball stem of a folded word in language li. French
// words are stemmed without accents so that "livrée" and "livree" agree; the
// feminine past participle ("-ee", "-ees"), which the stemmer misses once the
// accent is gone, is reduced first.
func stemWord(w string, li int) string {
	if li == langFR {
		switch {
		case strings.HasSuffix(w, "ees") && len(w) > 5:
			w = w[:len(w)-2]
		case strings.HasSuffix(w, "ee") && len(w) > 4:
			w = w[:len(w)-1]
		}
		return french.Stem(w, true)
	}
	return english.Stem(w, true)
}

// frenchRunes are letters that, in a customer message, point to French.
const frenchRunes = "éèêàâùûîôçœëï"

// langCues counts the cues for each language in a message: language-specific
// stop words, words only one language's vocabulary has (lex, may be nil),
// French accented letters and elisions.
func langCues(text string, tokens []string, lex map[string]uint8) [2]int {
	var cues [2]int
	for _, w := range tokens {
		en, fr := stopWordsEN[w], stopWordsFR[w]
		if !en && !fr {
			m := smallTalkLang[w] | lex[w]
			en, fr = m&(1<<langEN) != 0, m&(1<<langFR) != 0
		}
		switch {
		case en && !fr:
			cues[langEN]++
		case fr && !en:
			cues[langFR]++
		}
	}
	accents := 0
	for _, r := range strings.ToLower(text) {
		if strings.ContainsRune(frenchRunes, r) {
			accents++
		}
	}
	cues[langFR] += min(accents, 2) + countElisions(text)
	return cues
}

// countElisions counts French elisions ("l'", "qu'", "j'") in text.
func countElisions(text string) int {
	n := 0
	prev, prev2 := ' ', ' '
	for _, r := range strings.ToLower(text) {
		if isApostrophe(r) && strings.ContainsRune("ldjmnstc", prev) && !isLetter(prev2) {
			n++
		}
		if isApostrophe(r) && prev == 'u' && prev2 == 'q' {
			n++
		}
		prev2, prev = prev, r
	}
	return n
}

func isLetter(r rune) bool { return r >= 'a' && r <= 'z' || r > 127 }

// detectLang returns the language of a message: the language with more cues,
// or hint when neither clearly wins (short or mixed messages), or English.
func detectLang(text string, tokens []string, lex map[string]uint8, hint bot.Lang) bot.Lang {
	c := langCues(text, tokens, lex)
	switch {
	case c[langFR] > c[langEN]:
		return bot.LangFR
	case c[langEN] > c[langFR]:
		return bot.LangEN
	case hint == bot.LangFR || hint == bot.LangEN:
		return hint
	}
	return bot.LangEN
}
