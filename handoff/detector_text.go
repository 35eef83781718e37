package handoff

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/relaisbot/relais/bot"
)

// token is one word of a message: folded like Words does (lower case, no
// accents), with where it is in the original text so that reasons can quote
// the customer's own spelling.
type token struct {
	word       string // folded
	start, end int    // byte offsets of the word in the original text
	clause     int    // index of the clause: , . ; : ! ? and new lines end one
	calm       bool   // part of a calm phrase ("no worries"): the model skips it
}

// isClauseEnd reports whether r ends a clause. Negation and phrases never
// reach across a clause end.
func isClauseEnd(r rune) bool {
	switch r {
	case ',', '.', ';', ':', '!', '?', '\n', '…', '(', ')':
		return true
	}
	return false
}

// tokenize splits text into words of letters or of digits ("10jours" is two
// words, "n'importe" too) and folds them with bot.Fold; combining accents
// (decomposed "é") are dropped. It makes one string for all folded words and
// reuses toks.
func tokenize(text string, toks []token) []token {
	toks = toks[:0]
	folded := make([]byte, 0, len(text))
	type span struct{ from, to int } // of a word in folded
	var spanBuf [64]span
	spans := spanBuf[:0]
	clause := 0
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		letter, digit := unicode.IsLetter(r), unicode.IsDigit(r)
		if !letter && !digit {
			if isClauseEnd(r) {
				clause++
			}
			i += size
			continue
		}
		start, ascii, marks := i, true, false
		for i < len(text) {
			r, size = utf8.DecodeRuneInString(text[i:])
			mark := letter && unicode.Is(unicode.Mn, r)
			if !mark && ((letter && !unicode.IsLetter(r)) || (digit && !unicode.IsDigit(r))) {
				break
			}
			ascii, marks = ascii && r < utf8.RuneSelf, marks || mark
			i += size
		}
		from := len(folded)
		switch {
		case ascii:
			for j := start; j < i; j++ {
				c := text[j]
				if 'A' <= c && c <= 'Z' {
					c += 'a' - 'A'
				}
				folded = append(folded, c)
			}
		case marks:
			folded = append(folded, strings.Map(dropMark, bot.Fold(text[start:i]))...)
		default:
			folded = append(folded, bot.Fold(text[start:i])...)
		}
		toks = append(toks, token{start: start, end: i, clause: clause})
		spans = append(spans, span{from, len(folded)})
	}
	all := string(folded)
	for j := range toks {
		toks[j].word = all[spans[j].from:spans[j].to]
	}
	return toks
}

// dropMark drops combining marks, for strings.Map.
func dropMark(r rune) rune {
	if unicode.Is(unicode.Mn, r) {
		return -1
	}
	return r
}

// isNumber reports whether w is written with digits only.
func isNumber(w string) bool {
	if w == "" {
		return false
	}
	for i := 0; i < len(w); i++ {
		if w[i] < '0' || w[i] > '9' {
			return false
		}
	}
	return true
}

// numberWords are the spelled-out counts of a waiting time ("two weeks",
// "deux semaines", "plusieurs jours").
var numberWords = map[string]int{
	"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
	"eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
	"thirty": 30, "several": 3, "few": 3,
	"un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "sept": 7, "huit": 8,
	"neuf": 9, "dix": 10, "onze": 11, "douze": 12, "quinze": 15, "vingt": 20, "trente": 30,
	"plusieurs": 3, "quelques": 3,
}

// durationUnits are time units in days. Hours count as a fraction of a day.
var durationUnits = map[string]float64{
	"hour": 0.1, "hours": 0.1, "heure": 0.1, "heures": 0.1,
	"day": 1, "days": 1, "jour": 1, "jours": 1, "j": 1, "journee": 1, "journees": 1,
	"week": 7, "weeks": 7, "semaine": 7, "semaines": 7, "wk": 7, "wks": 7,
	"month": 30, "months": 30, "mois": 30,
}

// Words around a duration that make it a complaint about waiting. Strong
// ones say so plainly ("depuis 10 jours", "waiting 2 weeks", "ça fait un
// mois", "2 weeks now"); weak ones also tell stories ("for a month", "3 weeks
// ago", "il y a 2 jours") and count for less.
var (
	waitBefore = map[string]bool{
		"since": true, "already": true, "waiting": true, "waited": true, "wait": true, "been": true,
		"depuis": true, "fait": true, "deja": true, "attends": true, "attend": true, "attendu": true,
		"attente": true,
	}
	waitBeforeWeak = map[string]bool{"for": true, "over": true, "than": true, "plus": true, "y": true}
	waitAfter      = map[string]bool{
		"already": true, "now": true, "late": true, "overdue": true, "deja": true, "maintenant": true,
		"retard": true,
	}
	waitAfterWeak = map[string]bool{"ago": true}
)

// weakWait weighs a duration found with a weak context word.
const weakWait = 0.7

// findDuration looks for a waiting time at token i ("10" "jours") and returns
// its weight and the span of tokens to quote, or ok false.
func findDuration(toks []token, i int) (w float64, a, b int, ok bool) {
	n, isNum := 0, false
	if w := toks[i].word; isNumber(w) {
		if len(w) > 3 {
			return 0, 0, 0, false
		}
		n, _ = strconv.Atoi(w)
		isNum = true
	} else if n, ok = numberWords[w]; !ok {
		return 0, 0, 0, false
	}
	if i+1 >= len(toks) || toks[i+1].clause != toks[i].clause {
		return 0, 0, 0, false
	}
	unit, ok := durationUnits[toks[i+1].word]
	if !ok || (toks[i+1].word == "j" && !isNum) {
		return 0, 0, 0, false
	}
	a, b = -1, i+2
	strength := 0.0
	for j := i - 1; j >= 0 && j >= i-3 && toks[j].clause == toks[i].clause; j-- {
		switch w := toks[j].word; {
		case waitBefore[w]:
			a, strength = j, 1
		case waitBeforeWeak[w] && strength < weakWait:
			a, strength = j, weakWait
		}
	}
	for j := i + 2; j < len(toks) && j <= i+3 && toks[j].clause == toks[i].clause && strength < 1; j++ {
		if w := toks[j].word; waitAfter[w] || waitAfterWeak[w] {
			if strength == 0 {
				a = i
			}
			b, strength = j+1, max(strength, weakWait)
			if waitAfter[w] {
				strength = 1
			}
			break
		}
	}
	if a < 0 {
		return 0, 0, 0, false
	}
	days := float64(n) * unit
	switch {
	case days >= 7:
		w = 0.6
	case days >= 2:
		w = 0.45
	default:
		w = 0.3
	}
	return w * strength, a, b, true
}
