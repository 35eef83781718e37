package faq

// Small talk: a message made only of greetings, thanks or goodbyes (and
// filler such as "so much", "à tous", "for your help") gets a small-talk reply
// instead of an FAQ match. As soon as the message says anything else ("hi,
// where is my parcel?") it is a question.

// Small-talk kinds, as in bot.Answer.SmallTalk.
const (
	SmallTalkGreeting = "greeting"
	SmallTalkThanks   = "thanks"
	SmallTalkBye      = "bye"
)

// smallTalkWords maps folded words to their small-talk kind. Multi-word
// expressions are listed word by word; their parts that mean nothing alone are
// in smallTalkFiller.
var smallTalkWords = map[string]string{
	"hi": SmallTalkGreeting, "hello": SmallTalkGreeting, "hey": SmallTalkGreeting,
	"hiya": SmallTalkGreeting, "howdy": SmallTalkGreeting, "greetings": SmallTalkGreeting,
	"morning": SmallTalkGreeting, "afternoon": SmallTalkGreeting, "evening": SmallTalkGreeting,
	"bonjour": SmallTalkGreeting, "bonsoir": SmallTalkGreeting, "salut": SmallTalkGreeting,
	"coucou": SmallTalkGreeting, "bjr": SmallTalkGreeting, "slt": SmallTalkGreeting, "yo": SmallTalkGreeting,

	"thanks": SmallTalkThanks, "thank": SmallTalkThanks, "thx": SmallTalkThanks, "ty": SmallTalkThanks,
	"cheers": SmallTalkThanks, "appreciated": SmallTalkThanks, "appreciate": SmallTalkThanks,
	"merci": SmallTalkThanks, "remercie": SmallTalkThanks, "mci": SmallTalkThanks,

	"bye": SmallTalkBye, "goodbye": SmallTalkBye, "byebye": SmallTalkBye, "cya": SmallTalkBye,
	"ciao": SmallTalkBye, "farewell": SmallTalkBye, "revoir": SmallTalkBye, "bientot": SmallTalkBye,
	"adieu": SmallTalkBye, "tchao": SmallTalkBye, "later": SmallTalkBye, "care": SmallTalkBye,
	"day": SmallTalkBye, "night": SmallTalkBye, "journee": SmallTalkBye, "soiree": SmallTalkBye,
	"nuit": SmallTalkBye,
}

// smallTalkFiller are words that may surround small talk without making the
// message a question.
var smallTalkFiller = wordSet(`a all again alright and anyway awesome bot cool everyone everybody
fine for good great have help i it lot lovely many much my nice ok okay oh perfect really so
that the there this too very well wonderful you your guys team folks see soon take
aide au beaucoup bien bon bonne d de du en est fin infiniment la le mille monsieur madame mon
oui parfait plus pour super tous tout toute top tres vous votre vos equipe ca genial
voila bisous et`)

// smallTalkLang marks small-talk words as cues for language detection.
var smallTalkLang = map[string]uint8{
	"hi": 1 << langEN, "hello": 1 << langEN, "hey": 1 << langEN, "thanks": 1 << langEN,
	"thank": 1 << langEN, "thx": 1 << langEN, "bye": 1 << langEN, "goodbye": 1 << langEN,
	"morning": 1 << langEN, "evening": 1 << langEN, "cheers": 1 << langEN,
	"bonjour": 1 << langFR, "bonsoir": 1 << langFR, "salut": 1 << langFR, "coucou": 1 << langFR,
	"merci": 1 << langFR, "revoir": 1 << langFR, "bientot": 1 << langFR, "journee": 1 << langFR,
	"soiree": 1 << langFR, "beaucoup": 1 << langFR, "bjr": 1 << langFR, "slt": 1 << langFR,
}

// smallTalk returns the small-talk kind of a message's tokens, or "" if the
// message is not small talk only. With several kinds, goodbye wins over
// thanks, and thanks over a greeting ("thanks, bye" is a goodbye).
func smallTalk(tokens []string) string {
	var seen [3]bool // greeting, thanks, bye
	for _, w := range tokens {
		switch smallTalkWords[w] {
		case SmallTalkGreeting:
			seen[0] = true
		case SmallTalkThanks:
			seen[1] = true
		case SmallTalkBye:
			seen[2] = true
		default:
			if !smallTalkFiller[w] {
				return ""
			}
		}
	}
	switch {
	case seen[2]:
		return SmallTalkBye
	case seen[1]:
		return SmallTalkThanks
	case seen[0]:
		return SmallTalkGreeting
	}
	return ""
}
