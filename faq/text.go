package faq

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file turns raw customer text into folded word tokens: lower case, no
// accents, French elisions removed ("l'adresse" → "adresse") and English
// contractions expanded ("haven't" → "have not"). Everything downstream
// (synonyms, stop words, stemming, typo correction, language detection) works
// on these tokens.

// foldRune maps accented Latin letters to their base letter. Letters that fold
// to two letters (œ, æ, ß) are handled in fold.
var foldRune = map[rune]rune{
	'à': 'a', 'á': 'a', 'â': 'a', 'ã': 'a', 'ä': 'a', 'å': 'a',
	'ç': 'c',
	'è': 'e', 'é': 'e', 'ê': 'e', 'ë': 'e',
	'ì': 'i', 'í': 'i', 'î': 'i', 'ï': 'i',
	'ñ': 'n',
	'ò': 'o', 'ó': 'o', 'ô': 'o', 'õ': 'o', 'ö': 'o', 'ø': 'o',
	'ù': 'u', 'ú': 'u', 'û': 'u', 'ü': 'u',
	'ý': 'y', 'ÿ': 'y',
}

// fold lower-cases s and removes accents ("Livrée" → "livree", "cœur" → "coeur").
func fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if r < utf8.RuneSelf {
			if 'A' <= r && r <= 'Z' {
				r += 'a' - 'A'
			}
			b.WriteByte(byte(r))
			continue
		}
		r = unicode.ToLower(r)
		switch r {
		case 'œ':
			b.WriteString("oe")
		case 'æ':
			b.WriteString("ae")
		case 'ß':
			b.WriteString("ss")
		default:
			if f, ok := foldRune[r]; ok {
				r = f
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isApostrophe reports whether r is used as an apostrophe in customer text.
func isApostrophe(r rune) bool {
	return r == '\'' || r == '’' || r == 'ʼ' || r == '`' || r == '´'
}

// elisions are the French words that lose their vowel before another word
// ("l'adresse", "qu'il", "jusqu'à"); they are dropped.
var elisions = map[string]bool{
	"l": true, "d": true, "j": true, "m": true, "n": true, "s": true, "t": true, "c": true,
	"qu": true, "jusqu": true, "lorsqu": true, "puisqu": true, "quoiqu": true,
}

// contractionSuffixes expands English clitics ("it's", "we're", "I'd").
var contractionSuffixes = map[string]string{
	"s": "is", "re": "are", "m": "am", "ve": "have", "ll": "will", "d": "would",
}

// negations expands negated auxiliaries typed with or without the apostrophe
// ("can't", "cant", "didnt"). The apostrophe form arrives here as "can"+"t".
var negations = map[string][]string{
	"cant": {"can", "not"}, "wont": {"will", "not"}, "dont": {"do", "not"},
	"didnt": {"did", "not"}, "doesnt": {"does", "not"}, "isnt": {"is", "not"},
	"arent": {"are", "not"}, "wasnt": {"was", "not"}, "werent": {"were", "not"},
	"havent": {"have", "not"}, "hasnt": {"has", "not"}, "hadnt": {"had", "not"},
	"couldnt": {"could", "not"}, "wouldnt": {"would", "not"}, "shouldnt": {"should", "not"},
	"aint": {"is", "not"}, "cannot": {"can", "not"},
}

// tokenize splits text into folded word tokens. Letters and digits form
// words; everything else separates them, except apostrophes, which trigger
// French elision and English contraction handling. Hyphenated words are split
// ("pick-up" → "pick", "up"; "e-mail" → "e", "mail").
func tokenize(text string) []string {
	folded := fold(text)
	tokens := make([]string, 0, len(folded)/5+1)
	var word strings.Builder
	var prefix string // word part before an apostrophe, waiting for the rest
	flush := func() {
		w := word.String()
		word.Reset()
		switch {
		case prefix == "":
			tokens = appendWord(tokens, w)
		case elisions[prefix]:
			tokens = appendWord(tokens, w)
		case w == "t" && strings.HasSuffix(prefix, "n"):
			// don't, can't, won't: the apostrophe came after the n.
			tokens = appendWord(tokens, prefix+"t")
		case contractionSuffixes[w] != "":
			tokens = appendWord(tokens, prefix)
			tokens = append(tokens, contractionSuffixes[w])
		default:
			// aujourd'hui, o'clock, and the like: keep one word.
			tokens = appendWord(tokens, prefix+w)
		}
		prefix = ""
	}
	for _, r := range folded {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			word.WriteRune(r)
		case isApostrophe(r) && word.Len() > 0 && prefix == "":
			prefix = word.String()
			word.Reset()
		default:
			if word.Len() > 0 || prefix != "" {
				flush()
			}
		}
	}
	if word.Len() > 0 || prefix != "" {
		flush()
	}
	return tokens
}

// appendWord appends w to tokens, expanding negated auxiliaries.
func appendWord(tokens []string, w string) []string {
	if w == "" {
		return tokens
	}
	if exp, ok := negations[w]; ok {
		return append(tokens, exp...)
	}
	return append(tokens, w)
}

// isNumber reports whether w is made of digits only (order numbers, dates).
func isNumber(w string) bool {
	for _, r := range w {
		if r < '0' || r > '9' {
			return false
		}
	}
	return w != ""
}
