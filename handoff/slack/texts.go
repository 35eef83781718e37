package slack

import (
	"fmt"

	"github.com/relaisbot/relais/bot"
	"github.com/relaisbot/relais/handoff"
)

// texts are what agents read in Slack, in one language. Placeholders are
// fmt verbs, documented per field. Values put into them are escaped first.
type texts struct {
	Title                    string // header of the parent message
	Fallback                 string // notification text of the parent: %s customer, %s reason
	Customer, Channel        string // field labels
	Language, Reason         string
	Topic, WaitingSince      string
	Signals                  string
	Visitor                  string // %d conversation id
	NoTopic                  string
	Score                    string // %.2f
	Help                     string // %s note marker
	Waiting                  string // status: waiting for an agent
	Claimed, Resolved, ToBot string // status and thread event: %s agent
	Reopened                 string // status and thread event: %s agent who gets it back
	Reminder                 string // %d minutes waited
	LowCSAT                  string // %d score
	Claim, Resolve, BackBot  string // buttons
	TranscriptTitle          string // %d messages
	AgainTitle               string // %d messages since the previous hand-over
	Omitted                  string // %d earlier messages not shown
	Continued                string
	CustomerRole, BotRole    string
	AgentRole                string // %s agent name
	CSAT                     string // %d score
	Failed                   string // %s why
	Offline                  string
	Channels                 map[bot.Channel]string
	Langs                    map[bot.Lang]string
	Reasons                  map[string]string
}

var allTexts = map[bot.Lang]texts{
	bot.LangEN: {
		Title:    "🙋 A customer needs a person",
		Fallback: "A customer needs a person: %s (%s)",
		Customer: "Customer", Channel: "Channel", Language: "Language", Reason: "Reason",
		Topic: "FAQ topic", WaitingSince: "Waiting since", Signals: "Signals",
		Visitor: "Widget visitor #%d", NoTopic: "—", Score: "score %.2f",
		Help:    "Reply in this thread to answer the customer. Messages starting with `%s` stay internal.",
		Waiting: "⏳ Waiting for an agent", Claimed: "✋ Claimed by %s", Resolved: "✅ Resolved by %s",
		ToBot: "🤖 Handed back to the bot by %s", Reopened: "🔁 Reopened by the customer — back to %s",
		Reminder: "⏰ The customer has been waiting for %d min without an answer.",
		LowCSAT:  "⚠️ Low rating (%d/5): worth a look.",
		Claim:    "Claim", Resolve: "Resolve", BackBot: "Back to bot",
		TranscriptTitle: "📜 *Conversation so far* (%d messages)",
		AgainTitle:      "🔁 *Handed over again* — the conversation since the previous hand-over (%d messages)",
		Omitted:         "… %d earlier messages not shown",
		Continued:       "(continued)",
		CustomerRole:    "👤 Customer", BotRole: "🤖 Bot", AgentRole: "🧑‍💼 %s (agent)",
		CSAT:     "⭐ Customer rating: %d/5",
		Failed:   "❌ This message could not be delivered to the customer: %s",
		Offline:  "💤 The customer is offline: they will see this message when they come back.",
		Channels: map[bot.Channel]string{bot.ChannelWidget: "Website chat", bot.ChannelDiscord: "Discord"},
		Langs:    map[bot.Lang]string{bot.LangEN: "English", bot.LangFR: "French"},
		Reasons: map[string]string{
			handoff.ReasonExplicit: "asked for a person", handoff.ReasonFrustration: "frustration",
			handoff.ReasonBotFailures: "the bot did not understand", handoff.ReasonNegative: "unhelpful answers",
		},
	},
	bot.LangFR: {
		Title:    "🙋 Un client a besoin d'une personne",
		Fallback: "Un client a besoin d'une personne : %s (%s)",
		Customer: "Client", Channel: "Canal", Language: "Langue", Reason: "Motif",
		Topic: "Sujet FAQ", WaitingSince: "En attente depuis", Signals: "Signaux",
		Visitor: "Visiteur du site n°%d", NoTopic: "—", Score: "score %.2f",
		Help:    "Répondez dans ce fil pour écrire au client. Les messages commençant par `%s` restent internes.",
		Waiting: "⏳ En attente d'un agent", Claimed: "✋ Pris en charge par %s", Resolved: "✅ Résolu par %s",
		ToBot: "🤖 Rendu au bot par %s", Reopened: "🔁 Rouvert par le client — retour à %s",
		Reminder: "⏰ Le client attend depuis %d min sans réponse.",
		LowCSAT:  "⚠️ Note basse (%d/5) : à regarder.",
		Claim:    "Prendre", Resolve: "Résoudre", BackBot: "Rendre au bot",
		TranscriptTitle: "📜 *Conversation jusqu'ici* (%d messages)",
		AgainTitle:      "🔁 *Transmis à nouveau* — la conversation depuis la transmission précédente (%d messages)",
		Omitted:         "… %d messages plus anciens non affichés",
		Continued:       "(suite)",
		CustomerRole:    "👤 Client", BotRole: "🤖 Bot", AgentRole: "🧑‍💼 %s (agent)",
		CSAT:     "⭐ Note du client : %d/5",
		Failed:   "❌ Ce message n'a pas pu être remis au client : %s",
		Offline:  "💤 Le client est hors ligne : il verra ce message à son retour.",
		Channels: map[bot.Channel]string{bot.ChannelWidget: "Chat du site", bot.ChannelDiscord: "Discord"},
		Langs:    map[bot.Lang]string{bot.LangEN: "anglais", bot.LangFR: "français"},
		Reasons: map[string]string{
			handoff.ReasonExplicit: "a demandé une personne", handoff.ReasonFrustration: "frustration",
			handoff.ReasonBotFailures: "le bot n'a pas compris", handoff.ReasonNegative: "réponses jugées inutiles",
		},
	},
}

func textsFor(lang bot.Lang) texts {
	if t, ok := allTexts[lang]; ok {
		return t
	}
	return allTexts[bot.LangEN]
}

// reason names a handoff reason for agents.
func (t texts) reason(r string) string {
	if s, ok := t.Reasons[r]; ok {
		return s
	}
	return r
}

// channel names a customer channel for agents.
func (t texts) channel(c bot.Channel) string {
	if s, ok := t.Channels[c]; ok {
		return s
	}
	return string(c)
}

// lang names a language for agents.
func (t texts) lang(l bot.Lang) string {
	if s, ok := t.Langs[l]; ok {
		return s
	}
	return string(l)
}

// status describes a conversation state set by agent (escaped already).
func (t texts) status(state bot.State, agent, reason string) string {
	switch {
	case state == bot.StateAgent && reason == handoff.ReasonReopened:
		return fmt.Sprintf(t.Reopened, agent)
	}
	switch state {
	case bot.StateAgent:
		return fmt.Sprintf(t.Claimed, agent)
	case bot.StateResolved:
		return fmt.Sprintf(t.Resolved, agent)
	case bot.StateBot:
		return fmt.Sprintf(t.ToBot, agent)
	}
	return t.Waiting
}
