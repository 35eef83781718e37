package handoff

import (
	"encoding/json"
	"time"

	"github.com/relaisbot/relais/bot"
)

// Agent is a person answering customers from the desk.
type Agent struct {
	ID   string // the desk's user id
	Name string // display name, shown to customers
}

// Thread links a conversation to its thread on a desk. A conversation keeps
// its thread when it is handed over again or reopened.
type Thread struct {
	ConversationID int64
	Desk           string // "slack"
	Channel        string // the desk's channel id
	Thread         string // the desk's id of the thread's parent message
	CreatedAt      time.Time
}

// Outbox kinds of the desk target (bot.TargetDesk). A desk adapter delivers them.
const (
	// KindHandoff: a conversation was handed over. The adapter opens (or
	// reuses) the conversation's thread and posts the latest handoff and the
	// full transcript.
	KindHandoff = "handoff"
	// KindCustomerMessage: a customer message (MessageID) for the thread.
	KindCustomerMessage = bot.KindCustomerMessage
	// KindState: the conversation changed state; Payload is a StateEvent.
	KindState = "state"
	// KindCSAT: the customer rated the help; Payload is {"score": N}.
	KindCSAT = bot.KindCSAT
	// KindMark: what became of an agent's message (MessageID); Payload is a Mark.
	KindMark = "mark"
	// KindReminder: the customer is still waiting for an agent; Payload is a Reminder.
	KindReminder = "reminder"
)

// Reminder is the payload of a KindReminder item.
type Reminder struct {
	WaitedMinutes int `json:"waited_minutes"`
}

// StateEvent is the payload of a KindState item.
type StateEvent struct {
	State  bot.State `json:"state"`
	Agent  string    `json:"agent"`            // who did it, or who gets the conversation back
	Reason string    `json:"reason,omitempty"` // ReasonReopened when the customer reopened it
}

// ReasonReopened is the StateEvent reason of a conversation the customer
// reopened by writing again soon after it was resolved.
const ReasonReopened = "reopened"

// Mark statuses.
const (
	MarkDelivered = "delivered" // the customer's device received the message
	MarkOffline   = "offline"   // the customer is not connected; they will see it when they come back
	MarkFailed    = "failed"    // delivery failed after retries
)

// Mark is the payload of a KindMark item.
type Mark struct {
	Status string `json:"status"`
	Detail string `json:"detail,omitempty"` // why it failed, for the agents
	// Message is the desk's id of the agent's message (its ExternalID), so
	// that the desk need not look the message up; empty in older items.
	Message string `json:"message,omitempty"`
}

// CSATPayload is the payload of a KindCSAT item.
type CSATPayload struct {
	Score int `json:"score"`
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only called with the plain structs above
	}
	return b
}
