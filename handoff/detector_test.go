package handoff

import (
	"strings"
	"testing"

	"github.com/relaisbot/relais/bot"
)

// scoreText scores text as the first message of a conversation.
func scoreText(d *Detector, text string) Frustration {
	return d.Score(nil, bot.Message{Role: bot.RoleCustomer, Text: text})
}

// hasReason reports whether one of reasons starts with prefix.
func hasReason(reasons []string, prefix string) bool {
	for _, r := range reasons {
		if strings.HasPrefix(r, prefix) {
			return true
		}
	}
	return false
}

func TestDetectorSignals(t *testing.T) {
	d := NewDetector()
	for _, tc := range []struct {
		text   string
		hand   bool   // score ≥ DefaultFrustrationThreshold
		reason string // a reason starting with this
	}{
		// profanity and insults
		{"this fucking app won't let me log in", true, "profanity: "},
		{"WTF where is my refund", true, "profanity: "},
		{"putain, ça marche toujours pas", true, "profanity: "},
		{"c'est quoi ce bordel", true, "profanity: "},
		{"you are useless idiots", true, "insult: "},
		{"bande d'incompétents", true, "insult: "},
		{"Vous êtes des voleurs", true, "insult: "},
		// angry wording
		{"this is ridiculous", true, "angry wording: "},
		{"Unacceptable. I paid for express shipping", true, "angry wording: "},
		{"this shop is a scam", true, "angry wording: "},
		{"worst customer service ever", true, "angry wording: "},
		{"C'est INADMISSIBLE", true, "angry wording: "},
		{"c’est n’importe quoi", true, "angry wording: "},
		{"foutage de gueule", true, "angry wording: "},
		{"Scandaleux, vous m'avez arnaqué", true, "angry wording: "},
		{"j'en ai marre de vos excuses", true, "angry wording: "},
		{"je suis e\u0301nerve\u0301", true, "angry wording: "}, // decomposed accents
		{"I'm disappointed", false, "angry wording: "},
		{"je ne suis pas content", false, "angry wording: "},
		// threats
		{"I'll file a chargeback", true, "threatens a chargeback: "},
		{"I will dispute the charge with my bank", true, "threatens a chargeback: "},
		{"je vais faire opposition", true, "threatens a chargeback: "},
		{"my lawyer will contact you", true, "threatens legal action: "},
		{"je vais porter plainte", true, "threatens legal action: "},
		{"I will leave a 1 star review on Trustpilot", true, "threatens a bad review: "},
		{"je vais laisser un avis négatif", true, "threatens a bad review: "},
		{"je vais saisir la DGCCRF", true, "threatens to report the shop: "},
		{"j'écris à la répression des fraudes", true, "threatens to report the shop: "},
		{"I'll never order from you again", true, "threatens to stop buying: "},
		// waiting
		{"I've been waiting for 2 weeks", true, "waiting complaint: "},
		{"I still haven't received my order", true, "waiting complaint: "},
		{"Commande passée depuis 10 jours", true, "waiting complaint: "},
		{"toujours rien reçu", true, "waiting complaint: "},
		{"ça fait un mois que j'attends", true, "waiting complaint: "},
		{"I ordered 3 days ago, when will it ship?", false, "waiting complaint: "},
		// says it is repeating
		{"this is the third time I ask", true, "says it is asking again: "},
		{"I already told you my order number", true, "says it is asking again: "},
		{"je répète : où est mon colis", true, "says it is asking again: "},
		{"Combien de fois faut-il vous le dire", true, "says it is asking again: "},
		{"toujours pas de réponse", true, "waiting complaint: "},
		{"c'est toujours pas bon", false, "says it is asking again: "},
		// intensity alone is not enough, with anything else it is
		{"WHERE IS MY ORDER", false, "writes in capitals: "},
		{"where is my order???", false, "insistent punctuation: "},
		{"pleaaaase", false, "stretched words: "},
		{"WHERE IS MY ORDER!!!", true, "writes in capitals: "},
		{"disappointed!!!", true, "angry wording: "},
	} {
		f := scoreText(d, tc.text)
		if got := f.Score >= DefaultFrustrationThreshold; got != tc.hand || !hasReason(f.Reasons, tc.reason) {
			t.Errorf("Score(%q) = %.2f %q, want ≥ %.2f %v and a reason %q…", tc.text, f.Score, f.Reasons, DefaultFrustrationThreshold, tc.hand, tc.reason)
		}
		if f.Score < 0 || f.Score > 1 || f.Explicit {
			t.Errorf("Score(%q) = %+v: out of [0,1] or explicit", tc.text, f)
		}
	}
}

func TestDetectorCalm(t *testing.T) {
	d := NewDetector()
	for _, text := range []string{
		// calm wording and negations
		"no big deal", "not a problem", "No worries!", "pas grave", "pas de souci", "Pas de soucis, merci",
		"ce n'est pas urgent", "I'm not angry, just asking", "je ne suis pas énervé",
		"je ne suis pas du tout énervé, juste curieux", "I'm not going to leave a bad review",
		"je ne vais pas faire opposition", "this is not a scam, right?", "it's fine, take your time",
		"fucking amazing service", "ce n'est pas une arnaque ?",
		// everyday questions
		"where is my parcel", "Où est ma commande ?", "je voudrais retourner un article",
		"can I pay by PayPal?", "la livraison prend combien de jours ?", "how long does delivery take? 3 days?",
		"I'd like to leave a review for the shoes", "Je n'ai pas reçu de facture", "Is this on sale?",
		"je cherche une douche pour enfant", "mes avocats sont arrivés abîmés ?",
		"", "   ", "👍",
	} {
		if f := scoreText(d, text); f.Score >= 0.3 || f.Explicit {
			t.Errorf("Score(%q) = %.2f %q, want < 0.3 and not explicit", text, f.Score, f.Reasons)
		}
	}
	// Short everyday replies hand nothing off, whatever the learned models
	// made of film subtitles, where "Non !" is often angry.
	for _, text := range ordinaryReplies {
		if f := scoreText(d, text); f.Score >= DefaultFrustrationThreshold || f.Explicit {
			t.Errorf("Score(%q) = %.2f %q, want < %.2f and not explicit", text, f.Score, f.Reasons, DefaultFrustrationThreshold)
		}
	}
	// Negative orders are no denial.
	for _, text := range []string{"don't be stupid", "ne soyez pas ridicules, c'est une arnaque"} {
		if f := scoreText(d, text); f.Score < DefaultFrustrationThreshold {
			t.Errorf("Score(%q) = %.2f, want ≥ %.2f", text, f.Score, DefaultFrustrationThreshold)
		}
	}
}

func TestDetectorQuotes(t *testing.T) {
	d := NewDetector()
	for _, tc := range []struct{ text, want string }{
		{"Si rien demain, je vais faire opposition !", `threatens a chargeback: "je vais faire opposition"`},
		{"Bonjour, depuis 10 jours, aucune nouvelle de ma commande", `waiting complaint: "depuis 10 jours"`},
		{"This is RIDICULOUS and I want my money back now", `angry wording: "This is RIDICULOUS"`},
		{"Où est passée ma commande ??? C'est un scandale", `angry wording: "C'est un scandale"`},
	} {
		if f := scoreText(d, tc.text); len(f.Reasons) == 0 || f.Reasons[0] != tc.want {
			t.Errorf("Score(%q).Reasons = %q, want first %q", tc.text, f.Reasons, tc.want)
		}
	}
}

// TestLexicon checks every embedded phrase: it parses, and said alone it
// is found (no calm phrase or shorter phrase hides it).
func TestLexicon(t *testing.T) {
	lx, err := loadLexicon(lexiconFS)
	if err != nil {
		t.Fatal(err)
	}
	d := NewDetector()
	n := 0
	for _, es := range [](map[string][]*entry){lx.exact, lx.prefix} {
		for _, list := range es {
			for _, e := range list {
				n++
				var words []string
				for _, p := range e.parts {
					words = append(words, p.word)
				}
				text := strings.Join(words, " ")
				f := scoreText(d, text)
				if e.kind == kindCalm && f.Score > 0 {
					t.Errorf("calm phrase %q scores %.2f %q", text, f.Score, f.Reasons)
				}
				if e.kind != kindCalm && !hasReason(f.Reasons, kinds[e.kind].label) {
					t.Errorf("phrase %q (%s) is not found: %q", text, kinds[e.kind].name, f.Reasons)
				}
			}
		}
	}
	if n < 500 || len(lx.stop) < 100 {
		t.Errorf("%d phrases and %d stop words, want more: is the lexicon embedded?", n, len(lx.stop))
	}
	for _, bad := range []string{"anger\t0.5", "rage\t0.5\tgrr", "anger\t2\tgrr", "calm\t0.5\tok", "anger\t0.5\t… grr", "anger\t0.5\tab*"} {
		if _, err := parseEntry(bad); err == nil {
			t.Errorf("parseEntry(%q) succeeded, want an error", bad)
		}
	}
}

// ordinaryReplies are short replies of a customer who is not frustrated.
// TestFitFrustrationModel keeps each model's threshold above their
// probabilities, as a product requirement.
var ordinaryReplies = []string{
	"Oui !", "Non !", "Non.", "D'accord !", "Ok !", "Bonjour !", "Parfait !", "Non, ce n'est pas ça",
	"Non merci", "Attendez !", "Vite !", "Allez !", "Oui, c'est ça", "Non, je ne veux pas",
	"Ah bon ?", "Je ne comprends pas", "Ça ne marche pas", "Je n'ai pas reçu de mail", "Hein ?",
	"Yes!", "No!", "No.", "OK!", "Hello!", "No, that's not it", "No thanks", "Wait!", "Hurry!",
	"I don't understand", "It doesn't work", "Really?", "What?", "Nope", "Stop",
}
