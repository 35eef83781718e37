package bot

import (
	"context"
	"fmt"
	"time"
)

// Store is the storage the Engine needs. Implemented by storage.DB.
type Store interface {
	// Conversation returns the conversation with the given id.
	// Returns ENotFound if there is none.
	Conversation(ctx context.Context, id int64) (Conversation, error)
	// LatestConversation returns the customer's most recent conversation on channel.
	// Returns ENotFound if the customer has none.
	LatestConversation(ctx context.Context, ch Channel, customerKey string) (Conversation, error)
	// MessageByID returns a message. Returns ENotFound if there is none.
	MessageByID(ctx context.Context, id int64) (Message, error)
	// MessageByExternalID returns the message stored with this channel-scoped id.
	// Returns ENotFound if there is none.
	MessageByExternalID(ctx context.Context, ch Channel, externalID string) (Message, error)
	// Messages returns up to limit messages of a conversation with an id above
	// afterID, oldest first.
	Messages(ctx context.Context, conversationID, afterID int64, limit int) ([]Message, error)
	// RecentMessages returns the last limit messages of a conversation with an
	// id above afterID and, if throughID is not 0, at most throughID; oldest first.
	RecentMessages(ctx context.Context, conversationID, afterID, throughID int64, limit int) ([]Message, error)
	// UnhandledMessages returns the customer messages of a conversation not yet
	// handled, with an id at most throughID, oldest first.
	UnhandledMessages(ctx context.Context, conversationID, throughID int64) ([]Message, error)
	// Commit applies a Change atomically and fills in the ids it creates.
	// Returns EConflict if an inbound message's ExternalID is already stored.
	Commit(ctx context.Context, c *Change) error
}

// Change is one atomic write to a conversation: everything a turn of the
// conversation produces is stored together or not at all.
type Change struct {
	// Conversation as it must be after the change. ID 0 inserts it and sets ID.
	Conversation *Conversation
	// Transition, if set, records a state change (who, why, when).
	Transition *Transition
	// Messages are appended in order; Commit sets their ID and ConversationID.
	Messages []Message
	// Handled lists stored customer messages that this change answers. (A new
	// message in Messages is stored as handled if its Handled field is set.)
	Handled []int64
	// Outbox items are queued for delivery by the dispatcher.
	Outbox []OutboxItem
	// Handoff, if set, records why the conversation went to a human.
	Handoff *Handoff
	// Feedback, if set, records a 👍/👎 on a bot answer.
	Feedback *Feedback
	// CSAT, if set, records the customer's satisfaction rating. A conversation
	// keeps its first rating: a second one is ignored.
	CSAT *CSAT
	// Event, if set, records that the platform event which caused the change
	// was handled, with it: the change fails with EConflict if the event was
	// recorded before (a platform retry).
	Event *Event
}

// Event identifies an event of a platform (a Slack event_id), so that a
// platform's retries of it are recognised.
type Event struct {
	Source string // the platform, e.g. "slack"
	ID     string
}

// CSAT is a customer satisfaction rating, from 1 (bad) to 5 (great).
type CSAT struct {
	Score int
	Agent string // the agent who resolved the conversation
}

// stamp dates everything in c that has no time yet with now, so that one
// change carries one time (the Engine's clock).
func (c *Change) stamp(now time.Time) {
	for i := range c.Messages {
		if c.Messages[i].CreatedAt.IsZero() {
			c.Messages[i].CreatedAt = now
		}
	}
	for i := range c.Outbox {
		if c.Outbox[i].CreatedAt.IsZero() {
			c.Outbox[i].CreatedAt = now
		}
	}
	if c.Handoff != nil && c.Handoff.CreatedAt.IsZero() {
		c.Handoff.CreatedAt = now
	}
}

// checkTransition returns an error if c moves its conversation from the
// stored state in a way the state machine does not allow, or without saying
// so in a Transition. A Transition from a state to itself records who acted
// without changing the state (an agent taking over from another).
func (c *Change) checkTransition(stored State) error {
	if c.Conversation == nil || c.Conversation.ID == 0 {
		return nil
	}
	to, t := c.Conversation.State, c.Transition
	switch {
	case t == nil && to != stored:
		return fmt.Errorf("conversation %d: state %s → %s without a transition", c.Conversation.ID, stored, to)
	case t == nil:
		return nil
	case t.From != stored || t.To != to:
		return fmt.Errorf("conversation %d: transition %s → %s recorded, but the state goes %s → %s", c.Conversation.ID, t.From, t.To, stored, to)
	case t.From != t.To && !stored.CanTransition(to):
		return fmt.Errorf("conversation %d: %s → %s is not allowed", c.Conversation.ID, stored, to)
	}
	return nil
}

// Transition is a stored change of conversation state.
type Transition struct {
	From, To State
	Actor    string // "bot", "customer", or an agent's name
	Reason   string
}

// OutboxItem is a message waiting to be delivered to an outside platform.
type OutboxItem struct {
	ID             int64
	Target         string // who delivers it: "desk", "discord", …
	Kind           string // what it is, for the target's handler
	ConversationID int64
	// MessageID is the message to deliver. In a Change, MessageIndex (1-based
	// index into Change.Messages) may name a message not yet stored instead.
	MessageID    int64
	MessageIndex int
	Payload      []byte // target-specific data (JSON)
	Attempts     int
	NextAttempt  time.Time
	LastError    string
	CreatedAt    time.Time
}

// Handoff records one hand-over of a conversation to humans.
type Handoff struct {
	ID             int64
	ConversationID int64
	Reason         string   // explicit_request, frustration, bot_failures, negative_feedback
	Score          float64  // frustration score in [0,1]
	Signals        []string // human-readable reasons
	Topic          string   // FAQ topic of the conversation, if known
	CreatedAt      time.Time
}

// Feedback is a customer's 👍/👎 on a bot answer.
type Feedback struct {
	MessageID int64 // the bot answer rated
	FAQID     string
	Helpful   bool
}

// Query is a customer message put to the FAQ.
type Query struct {
	Text string
	Lang Lang // forced language; empty to detect it
	Hint Lang // the conversation's language, used when detection is unsure
}

// Candidate is one ranked FAQ entry.
type Candidate struct {
	ID    string  `json:"id"`
	Title string  `json:"title"`
	Topic string  `json:"topic"`
	Score float64 `json:"score"` // calibrated confidence in [0,1]
}

// Answer is the FAQ's decision on a Query.
type Answer struct {
	Lang       Lang
	Action     Action // ActionAnswer, ActionClarify, ActionSmallTalk or ActionFallback
	FAQID      string // the entry answered with (ActionAnswer)
	Topic      string
	Confidence float64
	Candidates []Candidate
	Reply      string // the rendered answer text (ActionAnswer)
	SmallTalk  string // "greeting", "thanks" or "bye" (ActionSmallTalk)
}

// Answerer answers customer questions from the FAQ. Implemented by faq.Service.
type Answerer interface {
	// Answer matches q against the FAQ.
	Answer(ctx context.Context, q Query) (Answer, error)
	// Entry returns the answer of one entry in lang (or the other language if
	// lang has none). Returns ENotFound if there is no such entry.
	Entry(ctx context.Context, id string, lang Lang) (Answer, error)
}

// Turn is what the handoff policy looks at: the conversation, its recent
// history (oldest first, ending with the inbound message) and what the bot is
// about to answer.
type Turn struct {
	Conversation Conversation
	History      []Message
	Inbound      Message
	Answer       Answer
}

// Assessment is the handoff policy's verdict on a Turn.
type Assessment struct {
	Handoff bool
	Reason  string   // explicit_request, frustration, bot_failures, negative_feedback
	Score   float64  // frustration score in [0,1]
	Signals []string // human-readable reasons, in English (for agents)
}

// Policy decides when a conversation goes to a human. Implemented by handoff.Policy.
type Policy interface {
	Assess(ctx context.Context, t Turn) Assessment
}

// Desk hands conversations to humans. Implemented by handoff.Service.
type Desk interface {
	// Escalate prepares the Change that hands conv to a human for the reason in
	// a: state, handoff record, outbox item for the agents, notice to the
	// customer. Returns EUnavailable if no human desk is configured.
	Escalate(ctx context.Context, conv Conversation, a Assessment, topic string) (*Change, error)
	// Reopen prepares the Change that gives a resolved conversation back to
	// the agent who resolved it, because the customer wrote again (in) soon
	// after. Returns EUnavailable if no desk is configured.
	Reopen(ctx context.Context, conv Conversation, in Message) (*Change, error)
}

// Observer is told what the Engine does, for metrics. It must be quick and
// safe for concurrent use.
type Observer interface {
	// Received: a new customer message was stored.
	Received(ch Channel)
	// Replied: the bot decided on a customer message (action), latency after
	// it was stored; handoffReason is set when the decision was a hand-over.
	Replied(ch Channel, action Action, handoffReason string, latency time.Duration)
}

// Publisher pushes stored messages to customers connected live (the widget).
// It must not block: the stored history is the truth, live push is best effort.
type Publisher interface {
	Publish(conv Conversation, msgs []Message)
}
