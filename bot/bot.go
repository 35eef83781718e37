// Package bot is the domain of Relais: conversations between a customer and the
// shop, the messages in them, the conversation state machine, and the Engine
// that decides what happens to every inbound message.
//
// Package bot imports only the standard library. Channels (bot/widget,
// bot/discord), the FAQ (faq), the human desk (handoff) and storage depend on
// it, never the other way round: the Engine talks to them through the small
// interfaces declared in contracts.go.
package bot

import (
	"fmt"
	"time"
)

// Lang is a language a customer can be served in.
type Lang string

// The languages Relais speaks. Every text a customer or agent reads exists in both.
const (
	LangFR Lang = "fr"
	LangEN Lang = "en"
)

// Langs lists the supported languages in a stable order.
var Langs = []Lang{LangEN, LangFR}

// ParseLang returns the Lang named by s ("fr", "en", also "fr-FR", "en_US").
// It returns an *Error of kind EInvalid for anything else.
func ParseLang(s string) (Lang, error) {
	if len(s) >= 2 {
		switch Lang(s[:2]) {
		case LangFR:
			if len(s) == 2 || s[2] == '-' || s[2] == '_' {
				return LangFR, nil
			}
		case LangEN:
			if len(s) == 2 || s[2] == '-' || s[2] == '_' {
				return LangEN, nil
			}
		}
	}
	return "", Errorf(EInvalid, "unknown language %q: use fr or en", s)
}

// Or returns l, or def when l is empty.
func (l Lang) Or(def Lang) Lang {
	if l == "" {
		return def
	}
	return l
}

// Channel is where a customer talks to the shop.
type Channel string

// Customer channels.
const (
	ChannelWidget  Channel = "widget"
	ChannelDiscord Channel = "discord"
)

// State is the state of a conversation. See CanTransition for the machine.
type State string

// Conversation states.
const (
	StateBot      State = "bot"      // the bot answers
	StateWaiting  State = "waiting"  // handed off, no agent has claimed it yet
	StateAgent    State = "agent"    // an agent claimed or replied; the bot is silent
	StateResolved State = "resolved" // closed by an agent; CSAT asked
)

// transitions lists the allowed moves of the conversation state machine.
var transitions = map[State][]State{
	StateBot:      {StateWaiting, StateAgent, StateResolved},
	StateWaiting:  {StateAgent, StateBot, StateResolved},
	StateAgent:    {StateBot, StateResolved},
	StateResolved: {StateBot, StateWaiting, StateAgent},
}

// CanTransition reports whether a conversation may move from s to to.
func (s State) CanTransition(to State) bool {
	for _, t := range transitions[s] {
		if t == to {
			return true
		}
	}
	return false
}

// WithHuman reports whether a person owns the conversation, so the bot stays silent.
func (s State) WithHuman() bool { return s == StateWaiting || s == StateAgent }

// Role says who wrote a message.
type Role string

// Message roles.
const (
	RoleCustomer Role = "customer"
	RoleBot      Role = "bot"
	RoleAgent    Role = "agent"
)

// Action is what the bot did with a customer message.
type Action string

// Bot actions. The first five are the decisions of the FAQ matcher and the
// handoff policy; the others label system messages for reporting.
const (
	ActionAnswer    Action = "answer"    // a confident FAQ answer
	ActionClarify   Action = "clarify"   // unsure: top entries offered as choices
	ActionHandoff   Action = "handoff"   // a human takes over
	ActionSmallTalk Action = "smalltalk" // greeting, thanks, goodbye
	ActionFallback  Action = "fallback"  // the bot does not know; it says so and offers a human

	ActionGreeting Action = "greeting" // first message of a conversation
	ActionFeedback Action = "feedback" // reply to 👍/👎
	ActionNotice   Action = "notice"   // any other system text (limits, unavailability, …)
)

// Conversation is one support conversation with one customer on one channel.
type Conversation struct {
	ID           int64
	Channel      Channel
	CustomerKey  string // the customer's identity on the channel (hashed widget token, Discord user id)
	CustomerName string
	Lang         Lang
	State        State
	Agent        string // display name of the agent who owns it, if any
	CreatedAt    time.Time
	UpdatedAt    time.Time
	// Version counts the stored updates; a Change commits only over the
	// version it was built from (optimistic concurrency).
	Version int64
}

// QuickReply is a button offered with a bot message. Clicking it sends Label as
// the customer's text and Payload as the machine-readable choice.
type QuickReply struct {
	Label   string `json:"label"`
	Payload string `json:"payload"`
}

// Quick-reply payloads understood by the Engine.
const (
	PayloadHelpful    = "feedback:up"
	PayloadNotHelpful = "feedback:down"
	PayloadHuman      = "human"
	PayloadFAQPrefix  = "faq:" // followed by an FAQ entry id
)

// Message is one message of a conversation.
type Message struct {
	ID             int64
	ConversationID int64
	Role           Role
	Author         string // agent display name; empty for the customer and the bot
	Text           string
	Payload        string // quick-reply payload chosen by the customer, if any
	ExternalID     string // client or platform message id; unique per channel
	QuickReplies   []QuickReply
	ReplyTo        int64 // for bot messages: the customer message answered
	Handled        bool  // for customer messages: processed (answered, relayed, …)

	// Bot decision, for bot messages (reporting and "unanswered questions").
	Action     Action
	FAQID      string
	Confidence float64

	Lang      Lang // language of the message, as detected
	CreatedAt time.Time
}

// String describes m without its text, which is personal data: fit for logs.
func (m Message) String() string {
	return fmt.Sprintf("message %d (conversation %d, %s, %d bytes)", m.ID, m.ConversationID, m.Role, len(m.Text))
}
