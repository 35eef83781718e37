package handoff

import (
	"strings"
	"unicode"
)

// acronyms are upper-case words that are not shouting.
var acronyms = map[string]bool{
	"DHL": true, "UPS": true, "USPS": true, "TNT": true, "GLS": true, "DPD": true, "FEDEX": true,
	"SAV": true, "TVA": true, "VAT": true, "RIB": true, "IBAN": true, "BIC": true, "PDF": true,
	"FAQ": true, "SMS": true, "USA": true, "EUR": true, "USD": true, "GBP": true, "PIN": true,
	"COD": true, "API": true, "URL": true, "CGV": true, "SIRET": true, "ETA": true, "RMA": true,
	"IOS": true, "MMS": true, "NFC": true, "LED": true, "USB": true, "TV": true, "ASAP": true,
	"DGCCRF": true, "BBB": true, "FTC": true, "CEO": true, "EAN": true, "SKU": true,
}

// shouting returns the weight of a message written in capitals and the span
// of capitalised words, or 0.
func shouting(text string, toks []token) (w float64, a, b int) {
	caps, long := 0, 0
	a = -1
	for i, t := range toks {
		orig := text[t.start:t.end]
		if t.end-t.start < 3 || isNumber(t.word) || placeholder(text, t) {
			continue
		}
		long++
		if !isUpperWord(orig) || acronyms[orig] {
			continue
		}
		caps++
		if a < 0 {
			a = i
		}
		b = i + 1
	}
	switch {
	case caps >= 2 && caps == long:
		return 0.35, a, b
	case caps >= 3:
		return 0.3, a, b
	}
	return 0, 0, 0
}

// placeholder reports whether t stands in brackets, as anonymised text has
// it ("[NAME]"): not shouting.
func placeholder(text string, t token) bool {
	return t.start > 0 && text[t.start-1] == '[' && t.end < len(text) && text[t.end] == ']'
}

// isUpperWord reports whether every letter of w is a capital.
func isUpperWord(w string) bool {
	for _, r := range w {
		if unicode.IsLetter(r) && !unicode.IsUpper(r) {
			return false
		}
	}
	return true
}

// punctuation returns the weight of the most insistent run of ! and ? in
// text ("!!!", "???", "?!") and the run, or 0.
func punctuation(text string) (w float64, run string) {
	for i := 0; i < len(text); {
		if text[i] != '!' && text[i] != '?' {
			i++
			continue
		}
		j, bangs, asks := i, 0, 0
		for ; j < len(text) && (text[j] == '!' || text[j] == '?' || text[j] == ' '); j++ {
			switch text[j] {
			case '!':
				bangs++
			case '?':
				asks++
			}
		}
		var rw float64
		switch {
		case bangs > 0 && asks > 0:
			rw = 0.25
		case bangs >= 3:
			rw = 0.25
		case bangs == 2:
			rw = 0.2
		case asks >= 3:
			rw = 0.2
		case asks == 2:
			rw = 0.1
		}
		if rw > w {
			w, run = rw, strings.TrimRight(text[i:j], " ")
		}
		i = j
	}
	if len(run) > 6 {
		run = run[:6]
	}
	return w, run
}

// stretched reports whether w repeats a letter three times or more in a row
// ("nooooon", "pleaseeee"), and is not one letter repeated ("zzz").
func stretched(w string) bool {
	if len(w) < 4 || isNumber(w) {
		return false
	}
	same, run := true, 1
	found := false
	for i := 1; i < len(w); i++ {
		if w[i] == w[i-1] {
			run++
			if run >= 3 && w[i] >= 'a' && w[i] <= 'z' && w[i] != 'w' {
				found = true
			}
		} else {
			run, same = 1, false
		}
	}
	return found && !same
}
