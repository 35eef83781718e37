package faq

import "strings"

// Stop words are removed before matching. The lists hold function words plus
// the words customers use to wrap any request ("I need help to…", "pourriez-vous
// me dire…"), which carry no information about which entry is meant. They are
// written folded (no accents). The language-specific lists also serve as cues
// for language detection.

const stopEN = `a about above after again against all also am an and any anything are as at
be because been before being below between both but by can could
did do does doing done down during each even ever few for from further
had has have having he her here hers herself him himself his how i if in into is it its itself
just let lets me might more most must my myself no nor not now of off on once one only or other
our ours ourselves out over own really same she should so some someone something such
than that the their theirs them themselves then there these they this those through to too
under until up very was we were what whats which while who whom why will with would
you your yours yourself yourselves yes yeah well shall may
please pls plz kindly u ur ya yall wanna gonna gotta got get gets getting
need needs needed want wants wanted like know knowing tell telling show showing
find finding see seeing check checking checked look looking help helping helped
assist assisting assistance support info information details question questions
ask asking asked possible able available try trying tried way thing things stuff
guys already actually kind sort give giving make making made makes go going where
view viewing report reporting reported inform informing notify notifying agent agents operator
representative human person someone somebody online user customer yet
submit submitting lodge lodging file filing leave leaving happy glad
attempt attempted attempting expect expecting start started starting begin initiate
business working work works site website shop store
same single use using used offer offers offering provide provides
whats hows im ive id youre dont`

const stopFR = `a ai aie aies ait as au aux avec avez avoir avons avais avait ca ce ceci cela celle celui
ces cet cette chez comme comment dans de des du donc dont elle elles en es est et etre etes
eu il ils je la le les leur leurs lui ma mais me meme mes moi mon ne ni nos notre nous on ont ou
par pas peu peut peux plus pour pourquoi puis que quel quelle quelles quels qui quoi sa sans se ses
si son sont sur ta te tes toi ton tous tout toute toutes tres tu un une vos votre vous y
suis sommes etais etait ete fait faire fais faut dois doit devoir devrais veux voudrais voudrait
voulais vouloir souhaite souhaiterais souhaiterai aimerais besoin aide aider aidez pouvez pourriez
pouvoir pourrais pourrait puisse savoir sais connaitre dire dites trouver trouve voir verifier
regarder svp stp sil plait info infos information informations renseignement renseignements
question questions demander chose quelque alors bien oui deja aussi juste vraiment jai cest
quil jsuis chui ya voila donner indiquer expliquer explique concernant propos niveau
signaler conseiller conseillere agent humain personne quelqu
serai sera serons serez seront serais serait seraient etaient etions fus fut soit sois soient
aurai aura aurons aurez auront aurais aurait avaient avions aviez passee passees france
utiliser utilise utilisez utilisee laisser laisse mettre proposez proposer propose offrez
ouvres site boutique bout t`

// stopNeutral holds words that are noise in both languages: profanity (the
// frustration detector reads it, the matcher must not) and small talk that
// wraps a question ("hi, where is my parcel?").
const stopNeutral = `damn damned fucking fuck fucked fuckin freaking frigging fricking effing bloody
shit shitty crap crappy goddamn goddam hell wtf putain merde bordel chier foutu fichu zut
hi hello hey hiya howdy greetings bonjour bonsoir salut coucou bjr slt cc
thanks thank thx ty cheers merci remercie ok okay`

var (
	stopWordsEN = wordSet(stopEN)
	stopWordsFR = wordSet(stopFR)
	stopWords   = unionSets(stopWordsEN, stopWordsFR, wordSet(stopNeutral))
	stopByLang  = [2]map[string]bool{stopWordsEN, stopWordsFR}
)

// isStop reports whether w is a stop word in text of language li. A word that
// is a stop word only in the other language stays a content word if the shop
// vocabulary of li knows it (English "comment" is a review, French "comment"
// is "how"). Plurals of longer stop words are stop words too ("possibles").
func isStop(w string, li int) bool {
	if stopByLang[li][w] || stopWords[w] && !vocab.isVariant(w, li) {
		return true
	}
	if sing, ok := strings.CutSuffix(w, "s"); ok && len(w) >= 5 {
		return stopWords[sing]
	}
	return false
}

// wordSet returns the set of the space-separated words in list.
func wordSet(list string) map[string]bool {
	m := make(map[string]bool)
	for _, w := range strings.Fields(list) {
		m[w] = true
	}
	return m
}

// unionSets returns a new set holding the members of every set.
func unionSets(sets ...map[string]bool) map[string]bool {
	m := make(map[string]bool)
	for _, s := range sets {
		for w := range s {
			m[w] = true
		}
	}
	return m
}
