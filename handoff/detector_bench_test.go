package handoff

import (
	"testing"

	"github.com/relaisbot/relais/bot"
)

// benchConversation is a 20-message conversation, customer and bot taking
// turns, in both languages, with a few signals on the way.
func benchConversation() []bot.Message {
	customer := []string{
		"Bonjour, où est ma commande ? Je l'ai passée il y a une semaine.",
		"Le suivi ne marche pas, le lien affiche une erreur.",
		"Where is my order? I ordered over a week ago",
		"That doesn't answer my question",
		"ça fait 10 jours que j'attends, c'est pas normal",
		"I already told you my order number: 48213",
		"toujours rien reçu !!!",
		"je répète : OÙ EST MA COMMANDE",
		"this is ridiculous, I'll ask my bank for a chargeback",
		"c'est scandaleux, je vais laisser un avis négatif sur Trustpilot",
	}
	var msgs []bot.Message
	for i, text := range customer {
		msgs = append(msgs,
			bot.Message{ID: int64(2*i + 1), Role: bot.RoleCustomer, Text: text},
			bot.Message{ID: int64(2*i + 2), Role: bot.RoleBot, Action: bot.ActionAnswer, Text: "Vous pouvez suivre votre colis depuis votre compte, rubrique Commandes."})
	}
	return msgs
}

func BenchmarkScore(b *testing.B) {
	d := NewDetector()
	history := benchConversation()
	latest := bot.Message{ID: 21, Role: bot.RoleCustomer, Text: "Je veux une réponse MAINTENANT, c'est la troisième fois que je demande !"}
	b.ReportAllocs()
	for b.Loop() {
		d.Score(history, latest)
	}
}

func BenchmarkScoreOneMessage(b *testing.B) {
	d := NewDetector()
	latest := bot.Message{Role: bot.RoleCustomer, Text: "Where is my order? It's been 2 weeks, this is ridiculous!!!"}
	b.ReportAllocs()
	for b.Loop() {
		d.Score(nil, latest)
	}
}
