package handoff

import (
	"strings"
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

// BenchmarkScore scores a new message after a stored history, as the
// Engine does: the history's analyses are kept from earlier scores, the new
// message (a new id each time) is analysed.
func BenchmarkScore(b *testing.B) {
	d := NewDetector()
	history := benchConversation()
	d.Score(history, history[len(history)-2]) // the history was scored as it came
	latest := bot.Message{ID: 21, Role: bot.RoleCustomer, Text: "Je veux une réponse MAINTENANT, c'est la troisième fois que je demande !"}
	b.ReportAllocs()
	for b.Loop() {
		latest.ID++
		d.Score(history, latest)
	}
}

// BenchmarkScoreUncached is BenchmarkScore with every message analysed
// (messages without ids are not kept): the cost before the analyses were kept.
func BenchmarkScoreUncached(b *testing.B) {
	d := NewDetector()
	history := benchConversation()
	for i := range history {
		history[i].ID = 0
	}
	latest := bot.Message{Role: bot.RoleCustomer, Text: "Je veux une réponse MAINTENANT, c'est la troisième fois que je demande !"}
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

// Kept analyses change nothing: a conversation scores the same with stored
// ids (analyses kept and reused) as without (each message analysed), and a
// known id with another text is analysed again.
func TestKeptAnalysesScoreTheSame(t *testing.T) {
	d := NewDetector()
	history := benchConversation()
	plain := make([]bot.Message, len(history))
	copy(plain, history)
	for i := range plain {
		plain[i].ID = 0
	}
	for n := 1; n < len(history); n += 2 { // each customer message in turn, after its history
		got := d.Score(history[:n-1], history[n-1])
		want := NewDetector().Score(plain[:n-1], plain[n-1])
		if got.Score != want.Score || strings.Join(got.Reasons, "|") != strings.Join(want.Reasons, "|") {
			t.Errorf("message %d: kept analyses give %v %q, fresh ones %v %q", n, got.Score, got.Reasons, want.Score, want.Reasons)
		}
	}
	// Same ids, other texts (another database): analysed afresh.
	calm := []bot.Message{{ID: 1, Role: bot.RoleCustomer, Text: "Bonjour, une petite question sur la livraison"}}
	latest := bot.Message{ID: 3, Role: bot.RoleCustomer, Text: "Merci beaucoup, très clair"}
	if got, want := d.Score(calm, latest), NewDetector().Score(calm, latest); got.Score != want.Score {
		t.Errorf("reused ids with other texts: %v, want %v", got.Score, want.Score)
	}
}
