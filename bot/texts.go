package bot

import "strings"

// Shop holds the shop facts the bot's own texts mention.
type Shop struct {
	Name         string
	SupportEmail string
	Hours        Hours // when the support team answers
}

// Texts are the bot's system texts in one language. Placeholders {shop},
// {email} and {hours} are filled from Shop.
type Texts struct {
	Greeting        string
	HelpfulPrompt   string
	Helpful         string
	Yes, No         string
	NotHelpful      string
	ClarifyIntro    string
	Fallback        string
	TalkToHuman     string
	NoHumanNow      string
	SmallTalk       map[string]string
	TooLong         string
	Empty           string
	RateLimited     string
	TooManyConns    string // too many chat windows open from the same network
	TooManyConvs    string // too many new conversations from the same network
	InternalFailure string // the message could not be stored
	NotAnswered     string // the message is stored but could not be answered
	CSATThanks      string
}

// texts holds every system text in both languages.
var texts = map[Lang]Texts{
	LangEN: {
		Greeting:      "Hello! I'm the {shop} assistant. Ask me about payment, delivery, returns or your order — and if you'd rather talk to a person, just say so.",
		HelpfulPrompt: "Did this answer your question?",
		Helpful:       "Great, glad it helped! Anything else I can do for you?",
		Yes:           "👍 Yes",
		No:            "👎 No",
		NotHelpful:    "Sorry this didn't help. Could you tell me a bit more, in other words? You can also talk to a person.",
		ClarifyIntro:  "I want to be sure I answer the right question. Which of these is closest?",
		Fallback:      "I'm not sure I understood, and I'd rather not guess. Could you rephrase it? If you prefer, a person from our team can help.",
		TalkToHuman:   "Talk to a person",
		NoHumanNow:    "I'd like to put you in touch with a person, but nobody from the team can take over this chat right now. Please email {email} with your order number: the team reads every email during support hours, {hours}. This conversation is kept, so you won't have to repeat yourself.",
		SmallTalk: map[string]string{
			"greeting": "Hello! How can I help you today? I can answer questions about payment, delivery, returns and your order.",
			"thanks":   "You're welcome! Is there anything else I can help with?",
			"bye":      "Thank you for visiting {shop}. Have a lovely day!",
		},
		TooLong:         "Your message is too long for me (%d characters at most). Could you shorten it or split it?",
		Empty:           "Your message is empty.",
		RateLimited:     "You're sending messages a little fast. Please wait a moment before sending the next one.",
		TooManyConns:    "Too many chat windows are open from your network right now. Please close one, or try again in a few minutes.",
		TooManyConvs:    "Many conversations have been started from your network recently. Please try again a little later, or write to us by email.",
		InternalFailure: "Sorry, something went wrong on our side and your message was not sent. Please try again in a moment.",
		NotAnswered:     "Your message is saved, but something went wrong while answering it. Please try again in a moment.",
		CSATThanks:      "Thank you for your rating!",
	},
	LangFR: {
		Greeting:      "Bonjour ! Je suis l'assistant de {shop}. Posez-moi vos questions sur le paiement, la livraison, les retours ou votre commande — et si vous préférez parler à une personne, dites-le simplement.",
		HelpfulPrompt: "Cette réponse vous a-t-elle aidé ?",
		Helpful:       "Parfait, ravi d'avoir pu vous aider ! Puis-je faire autre chose pour vous ?",
		Yes:           "👍 Oui",
		No:            "👎 Non",
		NotHelpful:    "Désolé que cela ne vous ait pas aidé. Pouvez-vous m'en dire un peu plus, avec d'autres mots ? Vous pouvez aussi parler à une personne.",
		ClarifyIntro:  "Je veux être sûr de répondre à la bonne question. Laquelle de celles-ci s'en rapproche le plus ?",
		Fallback:      "Je ne suis pas sûr d'avoir compris, et je préfère ne pas deviner. Pouvez-vous reformuler ? Si vous préférez, une personne de notre équipe peut vous aider.",
		TalkToHuman:   "Parler à une personne",
		NoHumanNow:    "J'aimerais vous mettre en relation avec une personne de l'équipe, mais personne ne peut reprendre cette conversation pour le moment. Écrivez-nous à {email} avec votre numéro de commande : l'équipe lit chaque e-mail pendant ses horaires, {hours}. Cette conversation est conservée, vous n'aurez pas à vous répéter.",
		SmallTalk: map[string]string{
			"greeting": "Bonjour ! Comment puis-je vous aider ? Je peux répondre à vos questions sur le paiement, la livraison, les retours et votre commande.",
			"thanks":   "Avec plaisir ! Puis-je vous aider pour autre chose ?",
			"bye":      "Merci de votre visite chez {shop}. Belle journée !",
		},
		TooLong:         "Votre message est trop long pour moi (%d caractères au maximum). Pouvez-vous le raccourcir ou le découper ?",
		Empty:           "Votre message est vide.",
		RateLimited:     "Vous envoyez des messages un peu vite. Merci de patienter un instant avant le suivant.",
		TooManyConns:    "Trop de fenêtres de discussion sont ouvertes depuis votre réseau. Fermez-en une, ou réessayez dans quelques minutes.",
		TooManyConvs:    "Beaucoup de conversations ont été ouvertes depuis votre réseau récemment. Réessayez un peu plus tard, ou écrivez-nous par e-mail.",
		InternalFailure: "Désolé, un problème est survenu de notre côté et votre message n'a pas été envoyé. Réessayez dans un instant.",
		NotAnswered:     "Votre message est enregistré, mais un problème est survenu en y répondant. Réessayez dans un instant.",
		CSATThanks:      "Merci pour votre note !",
	},
}

// TextsFor returns the system texts in lang (English if lang is unknown), with
// the shop's facts filled in.
func TextsFor(lang Lang, shop Shop) Texts {
	t, ok := texts[lang]
	if !ok {
		t = texts[LangEN]
	}
	r := strings.NewReplacer("{shop}", shop.Name, "{email}", shop.SupportEmail, "{hours}", shop.Hours.Describe(lang))
	out := t
	out.Greeting = r.Replace(t.Greeting)
	out.NoHumanNow = r.Replace(t.NoHumanNow)
	out.SmallTalk = make(map[string]string, len(t.SmallTalk))
	for k, v := range t.SmallTalk {
		out.SmallTalk[k] = r.Replace(v)
	}
	return out
}
