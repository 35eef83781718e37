package handoff

import (
	"strconv"
	"strings"

	"github.com/relaisbot/relais/bot"
)

// texts are what customers read about the hand-over, in both languages.
// Placeholders: {name} (agent), {wait} (minutes), {when}, {hours}.
type texts struct {
	Handoff    string // the hand-over, during support hours
	HandoffOff string // the hand-over, outside support hours
	// The same while the desk cannot be reached (an answer may take longer).
	HandoffDegraded    string
	HandoffOffDegraded string
	Claimed            string
	Resolved           string
	BackToBot          string
	Reopened           string // the customer wrote again soon after an agent resolved it
	ReopenedOff        string // the same, outside support hours
	StillWaiting       string // nobody has answered yet
	CSATLow            string // label of rating 1
	CSATHigh           string // label of rating 5
}

var customerTexts = map[bot.Lang]texts{
	bot.LangEN: {
		Handoff: "I'm passing your conversation to a person from our team, with everything you've told me, so you won't have to repeat yourself. " +
			"Someone usually replies within {wait} minutes. You can close this page: when you come back, your conversation will be right here.",
		HandoffOff: "I'm passing your conversation to a person from our team, with everything you've told me, so you won't have to repeat yourself. " +
			"The team is away right now and will be back {when} (support hours: {hours}); your request will be waiting for them. You can close this page: when you come back, your conversation will be right here.",
		HandoffDegraded: "I'm passing your conversation to a person from our team, with everything you've told me, so you won't have to repeat yourself. " +
			"We are having a technical problem reaching the team right now, so it may take longer than usual for someone to answer; your request is saved and nothing is lost. " +
			"You can close this page: when you come back, your conversation will be right here.",
		HandoffOffDegraded: "I'm passing your conversation to a person from our team, with everything you've told me, so you won't have to repeat yourself. " +
			"The team is away right now and will be back {when} (support hours: {hours}); we are also having a technical problem reaching them, so it may take longer than usual for someone to answer. " +
			"Your request is saved and nothing is lost. You can close this page: when you come back, your conversation will be right here.",
		Claimed:   "{name} from our team is taking care of your request.",
		Resolved:  "{name} has marked your request as resolved. Thank you for your patience! How would you rate the help you received, from 1 (poor) to 5 (excellent)?",
		BackToBot: "{name} has handed you back to the assistant. Ask me anything — and if you need the team again, just say so.",
		Reopened:  "Your conversation with {name} is open again: {name} or a teammate will answer you here.",
		StillWaiting: "Thank you for your patience. Everyone in the team is busy right now: your request is in the queue, " +
			"nothing is lost, and someone will answer you here as soon as possible. You can close this page and come back later.",
		ReopenedOff: "Your conversation with {name} is open again. The team is away right now and will be back {when}; " +
			"{name} or a teammate will answer you here then.",
		CSATLow:  "1 (poor)",
		CSATHigh: "5 (excellent)",
	},
	bot.LangFR: {
		Handoff: "Je transmets votre conversation à une personne de notre équipe, avec tout ce que vous m'avez dit : vous n'aurez pas à vous répéter. " +
			"Une personne répond en général en moins de {wait} minutes. Vous pouvez fermer cette page : à votre retour, votre conversation sera ici.",
		HandoffOff: "Je transmets votre conversation à une personne de notre équipe, avec tout ce que vous m'avez dit : vous n'aurez pas à vous répéter. " +
			"L'équipe est absente pour le moment et revient {when} (horaires : {hours}) ; votre demande l'attendra. Vous pouvez fermer cette page : à votre retour, votre conversation sera ici.",
		HandoffDegraded: "Je transmets votre conversation à une personne de notre équipe, avec tout ce que vous m'avez dit : vous n'aurez pas à vous répéter. " +
			"Nous avons en ce moment un problème technique pour joindre l'équipe : la réponse peut prendre plus de temps que d'habitude, mais votre demande est enregistrée et rien n'est perdu. " +
			"Vous pouvez fermer cette page : à votre retour, votre conversation sera ici.",
		HandoffOffDegraded: "Je transmets votre conversation à une personne de notre équipe, avec tout ce que vous m'avez dit : vous n'aurez pas à vous répéter. " +
			"L'équipe est absente pour le moment et revient {when} (horaires : {hours}) ; nous avons aussi un problème technique pour la joindre, la réponse peut donc prendre plus de temps que d'habitude. " +
			"Votre demande est enregistrée et rien n'est perdu. Vous pouvez fermer cette page : à votre retour, votre conversation sera ici.",
		Claimed:   "{name}, de notre équipe, prend en charge votre demande.",
		Resolved:  "{name} a indiqué que votre demande est résolue. Merci de votre patience ! Comment noteriez-vous l'aide reçue, de 1 (mauvaise) à 5 (excellente) ?",
		BackToBot: "{name} vous a remis entre les mains de l'assistant. Posez-moi vos questions — et si vous avez à nouveau besoin de l'équipe, dites-le simplement.",
		Reopened:  "Votre conversation avec {name} est rouverte : {name} ou un membre de l'équipe vous répondra ici.",
		StillWaiting: "Merci de votre patience. Toute l'équipe est occupée pour le moment : votre demande est dans la file, " +
			"rien n'est perdu, et une personne vous répondra ici dès que possible. Vous pouvez fermer cette page et revenir plus tard.",
		ReopenedOff: "Votre conversation avec {name} est rouverte. L'équipe est absente pour le moment et revient {when} ; " +
			"{name} ou un membre de l'équipe vous répondra ici à ce moment-là.",
		CSATLow:  "1 (mauvaise)",
		CSATHigh: "5 (excellente)",
	},
}

func textsFor(lang bot.Lang) texts {
	if t, ok := customerTexts[lang]; ok {
		return t
	}
	return customerTexts[bot.LangEN]
}

func fill(s string, pairs ...string) string { return strings.NewReplacer(pairs...).Replace(s) }

// csatReplies returns the 1–5 rating buttons in lang.
func csatReplies(lang bot.Lang) []bot.QuickReply {
	t := textsFor(lang)
	qr := make([]bot.QuickReply, 5)
	for i := range qr {
		label := strconv.Itoa(i + 1)
		switch i {
		case 0:
			label = t.CSATLow
		case 4:
			label = t.CSATHigh
		}
		qr[i] = bot.QuickReply{Label: label, Payload: bot.CSATPayload(i + 1)}
	}
	return qr
}
