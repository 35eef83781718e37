package openai

import (
	"math/big"
	"regexp"
	"strconv"
	"strings"
)

// Marks that replace personal data in the texts sent to the model.
const (
	MarkEmail = "[email]"
	MarkPhone = "[phone]"
	MarkCard  = "[card]"
	MarkIBAN  = "[iban]"
)

var (
	redactEmailRE = regexp.MustCompile(`[\p{L}0-9._%+-]+@[\p{L}0-9-]+(?:\.[\p{L}0-9-]+)*\.\p{L}{2,}`)
	// An IBAN: country code, check digits, 11 to 30 letters or digits,
	// written in groups or not.
	redactIBANRE = regexp.MustCompile(`(?i)\b[a-z]{2}[0-9]{2}(?:[ -]?[a-z0-9]){11,30}\b`)
	// A card number: 13 to 19 digits, in groups or not.
	redactCardRE = regexp.MustCompile(`\b[0-9](?:[ -]?[0-9]){12,18}\b`)
	// Phone numbers: international (+33 6 12 34 56 78, 0033…, +1 (415)
	// 555-0100, +44 20 7946 0958), French national (06 12 34 56 78,
	// 01.23.45.67.89, 0612345678), British national (020 7946 0958, 07700
	// 900123) and North American with separators ((415) 555-0100,
	// 415-555-0100, 415.555.0100).
	redactPhoneRE = regexp.MustCompile(`(?:\+|\b00)[1-9][0-9]{0,2}[ .-]?\(?[0-9]{1,4}\)?(?:[ .-]?[0-9]{2,4}){2,5}\b` +
		`|\b0[1-9](?:[ .-]?[0-9]{2}){4}\b` +
		`|\b0[1-9][0-9]{1,3} [0-9]{3,4} ?[0-9]{3,4}\b` +
		`|(?:\([0-9]{3}\) ?|\b[0-9]{3}[.-])[0-9]{3}[.-][0-9]{4}\b`)
)

// Redact returns text with personal data replaced by marks: email addresses
// ([email]), IBANs that pass the mod-97 check ([iban]), card numbers that
// pass the Luhn check ([card]) and phone numbers in French, British, North
// American and international formats ([phone]).
//
// Order and parcel numbers are left alone: "#12345", "order 12345678" or a
// tracking number are not phone numbers (a phone number starts with +, 00 or
// a national 0, or is written in the North American groups), and a long
// digit run is only a card number if its Luhn check passes. Anything written
// right after "#" is left alone.
func Redact(text string) string {
	text = redactEmailRE.ReplaceAllString(text, MarkEmail)
	text = replaceValid(text, redactIBANRE, MarkIBAN, ibanPrefix)
	text = replaceValid(text, redactCardRE, MarkCard, whole(validCard))
	text = replaceValid(text, redactPhoneRE, MarkPhone, whole(func(string) bool { return true }))
	return text
}

// replaceValid replaces the matches of re that valid accepts and that do not
// follow a "#". valid returns the length of the match's part to replace (0
// for none).
func replaceValid(text string, re *regexp.Regexp, mark string, valid func(string) int) string {
	locs := re.FindAllStringIndex(text, -1)
	if len(locs) == 0 {
		return text
	}
	var b strings.Builder
	last := 0
	for _, l := range locs {
		s := text[l[0]:l[1]]
		if l[0] > 0 && text[l[0]-1] == '#' {
			continue
		}
		n := valid(s)
		if n == 0 {
			continue
		}
		b.WriteString(text[last:l[0]])
		b.WriteString(mark)
		last = l[0] + n
	}
	b.WriteString(text[last:])
	return b.String()
}

// whole turns a check of a whole match into a replaceValid length.
func whole(valid func(string) bool) func(string) int {
	return func(s string) int {
		if valid(s) {
			return len(s)
		}
		return 0
	}
}

// ibanPrefix returns the length of the longest IBAN that s starts with and
// that ends before a space or at the end of s (an IBAN written in groups may
// be followed by a word), or 0.
func ibanPrefix(s string) int {
	for end := len(s); end >= 15; end-- {
		if (end == len(s) || s[end] == ' ' || s[end] == '-') && validIBAN(s[:end]) {
			return end
		}
	}
	return 0
}

// validCard reports whether the digits of s pass the Luhn check.
func validCard(s string) bool {
	digits := onlyDigits(s)
	if len(digits) < 13 || len(digits) > 19 {
		return false
	}
	sum := 0
	for i := range digits {
		d := int(digits[len(digits)-1-i] - '0')
		if i%2 == 1 {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

// validIBAN reports whether s is an IBAN whose check digits are right (mod 97).
func validIBAN(s string) bool {
	s = strings.ToUpper(strings.NewReplacer(" ", "", "-", "").Replace(s))
	if len(s) < 15 || len(s) > 34 {
		return false
	}
	var b strings.Builder
	for _, r := range s[4:] + s[:4] {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= 'A' && r <= 'Z':
			b.WriteString(strconv.Itoa(int(r-'A') + 10))
		default:
			return false
		}
	}
	n, ok := new(big.Int).SetString(b.String(), 10)
	return ok && new(big.Int).Mod(n, big.NewInt(97)).Int64() == 1
}

func onlyDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// shopMarkRE finds the reversible marks of redactReversible.
var shopMarkRE = regexp.MustCompile(`\[(?:EMAIL|PHONE|CARD|IBAN)_[0-9]+\]`)

// redactReversible redacts text like Redact but with numbered marks
// ([EMAIL_1], [PHONE_1], …) and returns a restore func that puts the
// originals back into a text the model wrote from it. Used for FAQ answers,
// whose shop email or phone must survive a rewording without being sent.
func redactReversible(text string) (string, func(string) string) {
	originals := map[string]string{}
	counts := map[string]int{}
	number := func(kind string) func(string) string {
		return func(s string) string {
			counts[kind]++
			mark := "[" + kind + "_" + strconv.Itoa(counts[kind]) + "]"
			originals[mark] = s
			return mark
		}
	}
	text = redactEmailRE.ReplaceAllStringFunc(text, number("EMAIL"))
	for _, p := range []struct {
		re    *regexp.Regexp
		kind  string
		valid func(string) bool
	}{
		{redactIBANRE, "IBAN", func(s string) bool { return ibanPrefix(s) == len(s) }}, {redactCardRE, "CARD", validCard},
		{redactPhoneRE, "PHONE", func(string) bool { return true }},
	} {
		mark := number(p.kind)
		text = p.re.ReplaceAllStringFunc(text, func(s string) string {
			if !p.valid(s) {
				return s
			}
			return mark(s)
		})
	}
	restore := func(s string) string {
		return shopMarkRE.ReplaceAllStringFunc(s, func(m string) string {
			if o, ok := originals[m]; ok {
				return o
			}
			return m // an invented mark: the grounding check rejects it
		})
	}
	return text, restore
}
