package bot

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// Customer names one customer: a channel and the customer's key on it (the
// hash of a widget token or of a verified shop id, a Discord user id).
type Customer struct {
	Channel Channel `json:"channel"`
	Key     string  `json:"key"`
}

func (c Customer) String() string { return string(c.Channel) + ":" + c.Key }

// CustomerData is everything Relais holds about one customer: the answer to
// a request for access (GDPR article 15), as `relais customer export` writes it.
type CustomerData struct {
	Customer      Customer           `json:"customer"`
	ExportedAt    time.Time          `json:"exported_at"`
	Conversations []ConversationData `json:"conversations"`
}

// ConversationData is one conversation of a CustomerData.
type ConversationData struct {
	ID           int64             `json:"id"`
	CustomerName string            `json:"customer_name"`
	Lang         Lang              `json:"lang"`
	State        State             `json:"state"`
	Agent        string            `json:"agent"`
	CreatedAt    time.Time         `json:"created_at"`
	UpdatedAt    time.Time         `json:"updated_at"`
	Messages     []MessageData     `json:"messages"`
	StateChanges []StateChangeData `json:"state_changes"`
	Handoffs     []HandoffData     `json:"handoffs"`
	Feedback     []FeedbackData    `json:"feedback"`
	CSAT         *CSATData         `json:"csat"`
}

// MessageData is a stored message as exported.
type MessageData struct {
	ID        int64     `json:"id"`
	Role      Role      `json:"role"`
	Author    string    `json:"author"`
	Text      string    `json:"text"`
	Payload   string    `json:"payload"`
	Action    Action    `json:"action"`
	FAQID     string    `json:"faq_id"`
	Lang      Lang      `json:"lang"`
	CreatedAt time.Time `json:"created_at"`
}

// StateChangeData is a stored change of state as exported.
type StateChangeData struct {
	From      State     `json:"from"`
	To        State     `json:"to"`
	Actor     string    `json:"actor"`
	Reason    string    `json:"reason"`
	CreatedAt time.Time `json:"created_at"`
}

// HandoffData is a hand-over to a person as exported.
type HandoffData struct {
	Reason    string    `json:"reason"`
	Score     float64   `json:"score"`
	Signals   []string  `json:"signals"`
	Topic     string    `json:"topic"`
	CreatedAt time.Time `json:"created_at"`
}

// FeedbackData is a 👍/👎 on a bot answer as exported.
type FeedbackData struct {
	MessageID int64     `json:"message_id"`
	FAQID     string    `json:"faq_id"`
	Helpful   bool      `json:"helpful"`
	CreatedAt time.Time `json:"created_at"`
}

// CSATData is a satisfaction rating as exported.
type CSATData struct {
	Score     int       `json:"score"`
	Agent     string    `json:"agent"`
	CreatedAt time.Time `json:"created_at"`
}

// Erasure says what an erasure deleted.
type Erasure struct {
	Conversations int `json:"conversations"`
	Messages      int `json:"messages"`
	// Copies is how many outside copies (Slack threads, a Discord customer's
	// messages and threads) were queued for deletion by their dispatcher.
	Copies int `json:"copies"`
	// IDs are the erased conversations.
	IDs []int64 `json:"-"`
}

func (e *Erasure) add(o Erasure) {
	e.Conversations += o.Conversations
	e.Messages += o.Messages
	e.Copies += o.Copies
	e.IDs = append(e.IDs, o.IDs...)
}

// KindErase is the outbox kind asking a target to delete Relais's copies of
// erased conversations; its payload is an ErasePayload.
const KindErase = "erase"

// ErasePayload names the outside copies to delete: a desk thread (Channel,
// Thread), or a Discord customer's direct messages and threads (User, Threads,
// and Channel: where they were answered last if not in one of those threads,
// normally their DM channel).
type ErasePayload struct {
	Channel string   `json:"channel,omitempty"`
	Thread  string   `json:"thread,omitempty"`
	User    string   `json:"user,omitempty"`
	Threads []string `json:"threads,omitempty"`
}

// PrivacyStore is the storage of Privacy. Implemented by storage.DB.
type PrivacyStore interface {
	// ConversationCustomer returns the customer of a conversation.
	// Returns ENotFound if there is no such conversation.
	ConversationCustomer(ctx context.Context, id int64) (Customer, error)
	// CustomerData returns everything stored about c (no conversations: an
	// empty list, not an error).
	CustomerData(ctx context.Context, c Customer) (CustomerData, error)
	// EraseCustomer deletes c's conversations with their messages, ratings and
	// hand-overs, queues the deletion of outside copies (KindErase items) and
	// records the erasure in the audit log, atomically.
	EraseCustomer(ctx context.Context, c Customer, actor string) (Erasure, error)
	// ExpireConversations erases, like EraseCustomer, up to limit
	// conversations without activity since before, and audit-logs it.
	ExpireConversations(ctx context.Context, before time.Time, actor string, limit int) (Erasure, error)
}

// Privacy answers customers' requests about their data — export and
// erasure — and applies the retention period.
type Privacy struct {
	store  PrivacyStore
	engine *Engine
	logger *slog.Logger
}

// NewPrivacy returns a Privacy. engine, if not nil, is the running Engine:
// erasures take the customer's lock and leave nothing in its cache.
func NewPrivacy(store PrivacyStore, engine *Engine, logger *slog.Logger) *Privacy {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Privacy{store: store, engine: engine, logger: logger}
}

// Export returns everything stored about c.
func (p *Privacy) Export(ctx context.Context, c Customer) (CustomerData, error) {
	d, err := p.store.CustomerData(ctx, c)
	if err != nil {
		return d, fmt.Errorf("export customer: %w", err)
	}
	return d, nil
}

// Erase deletes everything stored about c, and queues the deletion of
// Relais's copies on other platforms. actor is who asked, for the audit log.
func (p *Privacy) Erase(ctx context.Context, c Customer, actor string) (Erasure, error) {
	if p.engine != nil {
		// No message of this customer is being processed meanwhile.
		unlock := p.engine.lock(c.Channel, c.Key)
		defer unlock()
	}
	e, err := p.store.EraseCustomer(ctx, c, actor)
	if err != nil {
		return e, fmt.Errorf("erase customer: %w", err)
	}
	p.forget(e.IDs)
	p.logger.Info("customer erased", "channel", c.Channel, "conversations", e.Conversations,
		"messages", e.Messages, "copies", e.Copies, "actor", actor)
	return e, nil
}

// Expire erases every conversation without activity for retention, in
// batches so that customers are never kept waiting by one long transaction.
func (p *Privacy) Expire(ctx context.Context, retention time.Duration, now time.Time) (Erasure, error) {
	const batch = 500
	var total Erasure
	before := now.Add(-retention)
	for {
		e, err := p.store.ExpireConversations(ctx, before, "retention", batch)
		if err != nil {
			return total, fmt.Errorf("expire conversations: %w", err)
		}
		p.forget(e.IDs)
		total.add(e)
		if e.Conversations < batch {
			break
		}
	}
	if total.Conversations > 0 {
		p.logger.Info("expired conversations deleted", "conversations", total.Conversations,
			"messages", total.Messages, "copies", total.Copies, "retention", retention)
	}
	return total, nil
}

func (p *Privacy) forget(ids []int64) {
	if p.engine == nil {
		return
	}
	for _, id := range ids {
		p.engine.cache.forget(id)
	}
}

// ForgetCached drops every conversation the Engine keeps in memory, so that
// the next reads come from the database: for erasures made by another
// process (`relais customer erase` next to a running server).
func (e *Engine) ForgetCached() {
	cc := e.cache
	cc.mu.Lock()
	defer cc.mu.Unlock()
	clear(cc.m)
	clear(cc.latest)
}
