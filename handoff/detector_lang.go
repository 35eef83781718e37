package handoff

import "strings"

// Function words that tell English from French. Words both languages use
// ("a", "on", "me", "son") and the letters left by elisions and
// contractions that both have ("t", "m", "s", "d") are left out.
var (
	englishCues = map[string]bool{
		"the": true, "is": true, "are": true, "was": true, "were": true, "you": true, "your": true,
		"i": true, "my": true, "it": true, "this": true, "that": true, "what": true, "where": true,
		"when": true, "why": true, "how": true, "and": true, "of": true, "to": true, "with": true,
		"for": true, "have": true, "has": true, "not": true, "no": true, "do": true, "don": true,
		"can": true, "will": true, "be": true, "been": true, "just": true, "so": true, "but": true,
		"if": true, "they": true, "we": true, "he": true, "she": true, "at": true, "in": true,
		"an": true, "from": true, "would": true, "get": true, "am": true, "there": true, "all": true,
		"up": true, "out": true, "like": true, "about": true, "did": true, "does": true, "ll": true,
		"ve": true, "re": true, "im": true, "dont": true, "please": true, "yes": true,
		"order": true, "still": true,
	}
	frenchCues = map[string]bool{
		"le": true, "la": true, "les": true, "est": true, "je": true, "j": true, "tu": true,
		"vous": true, "il": true, "elle": true, "nous": true, "ils": true, "mon": true, "ma": true,
		"mes": true, "ton": true, "ta": true, "tes": true, "ses": true, "de": true, "des": true,
		"du": true, "et": true, "pas": true, "que": true, "qui": true, "qu": true, "ce": true,
		"c": true, "l": true, "n": true, "une": true, "un": true, "sur": true, "pour": true,
		"avec": true, "dans": true, "au": true, "aux": true, "ne": true, "oui": true, "non": true,
		"merci": true, "bonjour": true, "suis": true, "ai": true, "avez": true, "etre": true,
		"fait": true, "tout": true, "rien": true, "mais": true, "ou": true, "y": true, "ca": true,
		"cette": true, "ces": true, "votre": true, "vos": true, "notre": true, "moi": true,
		"toi": true, "quoi": true, "comment": true, "pourquoi": true, "quand": true, "commande": true,
		"toujours": true, "en": true, "sont": true, "vais": true, "veux": true, "faire": true,
	}
)

// frenchLetters are accented letters that point to French.
const frenchLetters = "éèêàâùûîôçœëïÉÈÊÀÇ"

// messageLangs tells which language models to apply to a message: the one
// with more cues (function words, accented letters), both when the cues do
// not decide ("ok", "WTF!!!", "Harry !").
func messageLangs(text string, toks []token) (langs [numLangs]bool) {
	en, fr := 0, 0
	for _, t := range toks {
		switch {
		case englishCues[t.word]:
			en++
		case frenchCues[t.word]:
			fr++
		}
	}
	if strings.ContainsAny(text, frenchLetters) {
		fr++
	}
	switch {
	case en > fr:
		langs[langEN] = true
	case fr > en:
		langs[langFR] = true
	default:
		langs[langEN], langs[langFR] = true, true
	}
	return langs
}
