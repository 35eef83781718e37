package faq

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/relaisbot/relais/bot"
)

// Kinds of facts a rephrased answer may not add, as CheckGrounded reports
// them (and the logs say, never with the text).
const (
	UngroundedEmpty       = "empty"       // nothing left to say
	UngroundedLength      = "length"      // much longer than the answer: it must be adding something
	UngroundedNumber      = "number"      // a number (amount, delay, date, time, phone number…)
	UngroundedCurrency    = "currency"    // a currency or a percentage
	UngroundedURL         = "url"         // a link
	UngroundedEmail       = "email"       // an email address
	UngroundedDate        = "date"        // a month or a day of the week
	UngroundedPromise     = "promise"     // a guarantee, something free, a refund, a delay…
	UngroundedPlaceholder = "placeholder" // a redaction mark such as [email] the answer lacks
)

// CheckGrounded compares a rephrased answer (candidate) with the FAQ answer
// it rephrases (source). It returns "" when the candidate states no fact the
// source lacks, and otherwise the kind of the first fact it adds: a number,
// an amount or currency, a date, a time, a URL, an email address, a phone
// number, a redaction mark, or a promise ("guarantee", "free", "gratuit",
// "refund", "rembours", "today", "aujourd'hui", "within N", "sous N", …).
// Restating the source's facts in other words or another order, with "4,90"
// for "4.90", "€" for "euros" or "five" for "5", is accepted.
//
// The check is deterministic and errs on the side of rejecting: a rejected
// candidate only means the customer reads the FAQ answer word for word.
func CheckGrounded(source, candidate string) string {
	if strings.TrimSpace(candidate) == "" {
		return UngroundedEmpty
	}
	if utf8.RuneCountInString(candidate) > 2*utf8.RuneCountInString(source)+200 {
		return UngroundedLength
	}
	have := groundFacts(source)
	for _, f := range groundFactList(candidate) {
		if !have[f] {
			kind, _, _ := strings.Cut(f, ":")
			return kind
		}
	}
	return ""
}

var (
	emailRE         = regexp.MustCompile(`[\p{L}0-9._%+-]+@[\p{L}0-9-]+(?:\.[\p{L}0-9-]+)*\.\p{L}{2,}`)
	urlRE           = regexp.MustCompile(`(?i)(?:https?://|www\.)[^\s<>()"']+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|fr|net|org|io|eu|be|ch|ca|uk|de|shop|store|example|app|co)\b(?:/[^\s<>()"']*)?`)
	redactionMarkRE = regexp.MustCompile(`\[[A-Za-z]+(?:_[0-9]+)?\]`)
	numberRE        = regexp.MustCompile(`[0-9]+(?:[.,][0-9]+)*`)
)

// numberWords are numbers written as words, which a rephrasing may use.
var numberWords = map[string]string{
	"two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9",
	"ten": "10", "eleven": "11", "twelve": "12", "fifteen": "15", "twenty": "20", "thirty": "30",
	"forty": "40", "fifty": "50", "hundred": "100", "thousand": "1000",
	"deux": "2", "trois": "3", "quatre": "4", "cinq": "5", "sept": "7", "huit": "8", "neuf": "9",
	"dix": "10", "onze": "11", "douze": "12", "quinze": "15", "vingt": "20", "trente": "30",
	"quarante": "40", "cinquante": "50", "cent": "100", "mille": "1000",
	"twice": "2", "double": "2", "quinzaine": "15", "dizaine": "10", "douzaine": "12",
}

// currencyWords are currency symbols and names, by currency.
var currencyWords = map[string]string{
	"€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR",
	"$": "USD", "usd": "USD", "dollar": "USD", "dollars": "USD",
	"£": "GBP", "gbp": "GBP", "pound": "GBP", "pounds": "GBP", "livre": "GBP", "livres": "GBP",
	"chf": "CHF", "%": "%", "percent": "%", "pourcent": "%", "pourcents": "%",
}

// dateWords are months and days of the week, English and French (folded).
var dateWords = map[string]string{
	"january": "m1", "janvier": "m1", "february": "m2", "fevrier": "m2", "march": "m3", "mars": "m3",
	"april": "m4", "avril": "m4", "may": "m5", "mai": "m5", "june": "m6", "juin": "m6",
	"july": "m7", "juillet": "m7", "august": "m8", "aout": "m8", "september": "m9", "septembre": "m9",
	"october": "m10", "octobre": "m10", "november": "m11", "novembre": "m11", "december": "m12", "decembre": "m12",
	"monday": "w1", "lundi": "w1", "tuesday": "w2", "mardi": "w2", "wednesday": "w3", "mercredi": "w3",
	"thursday": "w4", "jeudi": "w4", "friday": "w5", "vendredi": "w5", "saturday": "w6", "samedi": "w6",
	"sunday": "w7", "dimanche": "w7", "weekend": "w8", "week-end": "w8",
}

// promiseStems are beginnings of (folded) words that commit the shop to
// something, by promise. A rephrasing must not promise what the answer does not.
var promiseStems = []struct{ stem, promise string }{
	{"guarant", "guarantee"}, {"garanti", "guarantee"},
	{"gratuit", "free"}, {"offert", "free"},
	{"refund", "refund"}, {"reimburs", "refund"}, {"rembours", "refund"},
	{"today", "today"}, {"tonight", "today"}, {"aujourd", "today"},
	{"tomorrow", "tomorrow"}, {"demain", "tomorrow"},
	{"immediate", "immediately"}, {"immediat", "immediately"}, {"instantly", "immediately"}, {"asap", "immediately"},
	{"promis", "promise"}, {"promet", "promise"},
	{"compensat", "compensation"}, {"dedommag", "compensation"}, {"indemni", "compensation"},
	{"discount", "discount"}, {"voucher", "discount"}, {"coupon", "discount"}, {"reduction", "discount"},
	{"remise", "discount"}, {"promo", "discount"},
	{"replac", "replacement"}, {"remplac", "replacement"},
	{"exception", "exception"}, {"derogat", "exception"},
}

// promiseWords are whole (folded) words that promise.
var promiseWords = map[string]string{"free": "free", "freely": "free", "within": "within"}

// groundFacts returns the set of facts of text.
func groundFacts(text string) map[string]bool {
	set := make(map[string]bool)
	for _, f := range groundFactList(text) {
		set[f] = true
	}
	return set
}

// numberMark replaces numbers in the text searched for words, so that a
// month name can be seen next to a day number.
const numberMark = "zznumzz"

// delayRE finds a delay promised with "within N" or "sous N" (elsewhere
// "sous" is "under").
var delayRE = regexp.MustCompile(`(?i)\b(?:within|sous|under|en moins de|in less than|d'ici)\s+[0-9]`)

// groundFactList returns the facts of text, each "kind:value", in order.
func groundFactList(text string) []string {
	var facts []string
	add := func(kind, value string) { facts = append(facts, kind+":"+value) }
	cut := func(re *regexp.Regexp, kind, mark string, norm func(string) string) {
		text = re.ReplaceAllStringFunc(text, func(s string) string {
			add(kind, norm(s))
			return mark
		})
	}
	cut(emailRE, UngroundedEmail, " ", strings.ToLower)
	cut(urlRE, UngroundedURL, " ", normURL)
	cut(redactionMarkRE, UngroundedPlaceholder, " ", strings.ToLower)
	if delayRE.MatchString(text) {
		add(UngroundedPromise, "within")
	}
	cut(numberRE, UngroundedNumber, " "+numberMark+" ", normNumber)

	folded := bot.Fold(text)
	for _, r := range folded {
		if c, ok := currencyWords[string(r)]; ok {
			add(UngroundedCurrency, c)
		}
	}
	words := strings.FieldsFunc(folded, func(r rune) bool { return !unicode.IsLetter(r) && r != '-' })
	for i, w := range words {
		w = strings.Trim(w, "-")
		if w == numberMark {
			continue
		}
		if n, ok := numberWords[w]; ok {
			add(UngroundedNumber, n)
		}
		if c, ok := currencyWords[w]; ok {
			add(UngroundedCurrency, c)
		}
		if d, ok := dateWords[w]; ok && (!ambiguousDates[w] || dateContext(words, i)) {
			add(UngroundedDate, d)
		}
		if p, ok := promiseWords[w]; ok {
			add(UngroundedPromise, p)
		}
		for _, ps := range promiseStems {
			if strings.HasPrefix(w, ps.stem) {
				add(UngroundedPromise, ps.promise)
				break
			}
		}
	}
	return facts
}

// ambiguousDates are month names that are also common words ("you may").
var ambiguousDates = map[string]bool{"may": true, "mars": true}

// dateContext reports whether the month name at words[i] stands next to a
// number or another date word, where it is a month.
func dateContext(words []string, i int) bool {
	for _, j := range []int{i - 1, i + 1} {
		if j < 0 || j >= len(words) {
			continue
		}
		if _, ok := dateWords[words[j]]; ok || words[j] == numberMark {
			return true
		}
	}
	return false
}

// normURL lower-cases a URL and drops its scheme, "www." and trailing
// punctuation, so that the same link written two ways is one fact.
func normURL(s string) string {
	s = strings.ToLower(strings.TrimRight(s, ".,;:!?)]}'\""))
	s = strings.TrimPrefix(strings.TrimPrefix(s, "https://"), "http://")
	return strings.TrimSuffix(strings.TrimPrefix(s, "www."), "/")
}

// normNumber writes a number one way: "4,90", "4.90" and "4.9" are 4.9.
func normNumber(s string) string {
	t := strings.ReplaceAll(s, ",", ".")
	if strings.Count(t, ".") > 1 {
		return strings.ReplaceAll(t, ".", "") // 1.000.000 or 1,000,000
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil {
		return s
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}
