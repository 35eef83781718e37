package bot

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// DefaultMaxMessageRunes is the longest customer message accepted.
const DefaultMaxMessageRunes = 2000

// historySize is how many recent messages the handoff policy sees.
const historySize = 30

// cachedConversations is how many conversations the Engine keeps in memory
// (about 12 KB each, with their recent messages: 100 MB at most). With more
// customers writing at once than entries, most answers would read their
// conversation back from the database: under the load test, 5,000 customers
// against 4,096 entries halved the answers per second (2,200 instead of 3,700).
const cachedConversations = 8192

// Config holds the Engine's settings.
type Config struct {
	Shop            Shop
	DefaultLang     Lang          // language of a conversation before the customer writes
	MaxMessageRunes int           // longest customer message accepted (DefaultMaxMessageRunes if 0)
	ReopenWindow    time.Duration // a resolved conversation reopens if the customer writes within it
	// DurableChannels are customer channels whose outgoing messages are delivered
	// through the outbox (target = channel name) rather than only published live.
	DurableChannels []Channel
	// Observer, if set, is told about messages and decisions (metrics).
	Observer Observer
}

// Engine decides what happens to every inbound customer message: it stores the
// message first, then answers from the FAQ, asks for clarification, admits it
// does not know, or hands the conversation to a human.
//
// Messages of one customer are processed one at a time, in order.
type Engine struct {
	store      Store
	faq        Answerer
	policy     Policy
	desk       Desk
	publishers []Publisher
	logger     *slog.Logger
	now        func() time.Time

	cfg     Config
	texts   map[Lang]Texts
	durable map[Channel]bool

	locks keyLocks
	cache *convCache
}

// NewEngine returns an Engine.
func NewEngine(cfg Config, store Store, faq Answerer, policy Policy, desk Desk, logger *slog.Logger) *Engine {
	if cfg.MaxMessageRunes <= 0 {
		cfg.MaxMessageRunes = DefaultMaxMessageRunes
	}
	cfg.DefaultLang = cfg.DefaultLang.Or(LangEN)
	e := &Engine{
		store: store, faq: faq, policy: policy, desk: desk,
		logger: logger, now: time.Now, cfg: cfg,
		texts:   make(map[Lang]Texts, len(Langs)),
		durable: make(map[Channel]bool),
		locks:   keyLocks{m: make(map[string]*keyLock)},
		cache:   newConvCache(cachedConversations),
	}
	if e.logger == nil {
		e.logger = slog.New(slog.DiscardHandler)
	}
	for _, l := range Langs {
		e.texts[l] = TextsFor(l, cfg.Shop)
	}
	for _, ch := range cfg.DurableChannels {
		e.durable[ch] = true
	}
	return e
}

// AddPublisher adds a publisher of new messages. Call it before the Engine
// receives messages (channels are built after the Engine they feed).
func (e *Engine) AddPublisher(p Publisher) { e.publishers = append(e.publishers, p) }

// SetClock replaces the Engine's clock (tests).
func (e *Engine) SetClock(now func() time.Time) { e.now = now }

// Texts returns the system texts in lang with the shop's facts filled in.
func (e *Engine) Texts(lang Lang) Texts {
	if t, ok := e.texts[lang]; ok {
		return t
	}
	return e.texts[e.cfg.DefaultLang]
}

// Inbound is a message from a customer, as a channel received it.
type Inbound struct {
	Channel      Channel
	CustomerKey  string // the customer's stable identity on the channel
	CustomerName string
	ExternalID   string // client or platform message id; a repeat is ignored
	Text         string
	Payload      string // quick-reply payload, if the customer clicked one
	Lang         Lang   // language hint from the channel (browser language), if any
}

// Receipt tells a channel what became of an Inbound.
type Receipt struct {
	Conversation Conversation
	Message      Message
	Duplicate    bool // the message was already stored; nothing new was stored
	Handled      bool // nothing is left to do for this message
}

// Receive stores in, then processes it. It returns once the reply (if any) is
// stored and published.
func (e *Engine) Receive(ctx context.Context, in Inbound) (Receipt, error) {
	r, err := e.Accept(ctx, in)
	if err != nil {
		return r, err
	}
	return r, e.Process(ctx, r)
}

// Validate checks a customer message before anything is stored. It returns an
// *Error of kind ETooLong or EInvalid whose message is in lang.
func (e *Engine) Validate(text, payload string, lang Lang) error {
	t := e.Texts(lang)
	if strings.TrimSpace(text) == "" && payload == "" {
		return Errorf(EInvalid, "%s", t.Empty)
	}
	if utf8.RuneCountInString(text) > e.cfg.MaxMessageRunes {
		return Errorf(ETooLong, t.TooLong, e.cfg.MaxMessageRunes)
	}
	if !utf8.ValidString(text) {
		return Errorf(EInvalid, "%s", t.Empty)
	}
	return nil
}

// Accept stores a customer message and returns once it is safely stored. A
// message whose ExternalID was already stored is not stored again: the
// Receipt says Duplicate and carries the stored message.
func (e *Engine) Accept(ctx context.Context, in Inbound) (Receipt, error) {
	if err := e.Validate(in.Text, in.Payload, in.Lang.Or(e.cfg.DefaultLang)); err != nil {
		return Receipt{}, err
	}
	unlock := e.lock(in.Channel, in.CustomerKey)
	defer unlock()
	r, err := e.accept(ctx, in)
	if ErrorKind(err) == EConflict && r.Message.ID == 0 {
		// The conversation changed elsewhere since we knew it: once more,
		// from the database.
		r, err = e.accept(ctx, in)
	}
	return r, err
}

// accept is Accept under the customer's lock.
func (e *Engine) accept(ctx context.Context, in Inbound) (Receipt, error) {
	// A repeat of a stored message (a resend, a platform retry) fails the
	// commit on the unique external id; it is then looked up and reported.
	now := e.now().UTC()
	conv, fresh, err := e.currentConversation(ctx, in, now)
	if err != nil {
		return Receipt{}, err
	}
	c := &Change{Conversation: &conv}
	if fresh {
		lang := conv.Lang
		c.Messages = append(c.Messages, Message{Role: RoleBot, Action: ActionGreeting, Text: e.Texts(lang).Greeting, Lang: lang, CreatedAt: now})
		e.deliver(c, conv, len(c.Messages))
	}
	msg := Message{
		Role: RoleCustomer, Text: in.Text, Payload: in.Payload, ExternalID: in.ExternalID,
		Lang: in.Lang, CreatedAt: now,
	}
	c.Messages = append(c.Messages, msg)
	idx := len(c.Messages)
	if conv.State.WithHuman() {
		// The bot stays silent: the message goes to the agents' thread.
		c.Outbox = append(c.Outbox, OutboxItem{Target: TargetDesk, Kind: KindCustomerMessage, MessageIndex: idx})
		c.Messages[idx-1].Handled = true
	}
	conv.UpdatedAt = now
	c.stamp(now)
	if err := e.commit(ctx, c); err != nil {
		if ErrorKind(err) == EConflict && in.ExternalID != "" {
			if r, derr := e.duplicate(ctx, in); ErrorKind(derr) != ENotFound {
				return r, derr
			}
		}
		return Receipt{}, fmt.Errorf("store inbound message: %w", err)
	}
	e.publish(*c.Conversation, c.Messages)
	m := c.Messages[idx-1]
	if e.cfg.Observer != nil {
		e.cfg.Observer.Received(conv.Channel)
	}
	return Receipt{Conversation: *c.Conversation, Message: m, Handled: m.Handled}, nil
}

// duplicate returns the Receipt of an already stored message with in's
// ExternalID. Returns ENotFound if there is none.
func (e *Engine) duplicate(ctx context.Context, in Inbound) (Receipt, error) {
	m, err := e.store.MessageByExternalID(ctx, in.Channel, in.ExternalID)
	if err != nil {
		if ErrorKind(err) == ENotFound {
			return Receipt{}, err
		}
		return Receipt{}, fmt.Errorf("look up message: %w", err)
	}
	conv, err := e.store.Conversation(ctx, m.ConversationID)
	if err != nil {
		return Receipt{}, fmt.Errorf("load conversation of duplicate: %w", err)
	}
	return Receipt{Conversation: conv, Message: m, Duplicate: true, Handled: m.Handled}, nil
}

// currentConversation returns the conversation a new message from in's
// customer belongs to, and whether it is new (not yet stored).
func (e *Engine) currentConversation(ctx context.Context, in Inbound, now time.Time) (Conversation, bool, error) {
	conv, err := e.latestConversation(ctx, in.Channel, in.CustomerKey)
	switch {
	case err == nil:
		if conv.State != StateResolved || isCSAT(in.Payload) || now.Sub(conv.UpdatedAt) < e.cfg.ReopenWindow {
			return conv, false, nil
		}
	case ErrorKind(err) != ENotFound:
		return Conversation{}, false, fmt.Errorf("load conversation: %w", err)
	}
	return Conversation{
		Channel: in.Channel, CustomerKey: in.CustomerKey, CustomerName: in.CustomerName,
		Lang: in.Lang.Or(e.cfg.DefaultLang), State: StateBot, CreatedAt: now, UpdatedAt: now,
	}, true, nil
}

// ProcessStored processes a message that was stored but never handled (after
// a crash between storing and answering).
func (e *Engine) ProcessStored(ctx context.Context, m Message) error {
	conv, err := e.store.Conversation(ctx, m.ConversationID)
	if err != nil {
		return fmt.Errorf("load conversation: %w", err)
	}
	return e.Process(ctx, Receipt{Conversation: conv, Message: m, Handled: m.Handled})
}

// Abandon marks a customer message handled without answering it: it was
// stored too long ago for an answer to make sense.
func (e *Engine) Abandon(ctx context.Context, m Message) error {
	_, err := e.Update(ctx, m.ConversationID, func(conv Conversation, _ []Message) (*Change, error) {
		return &Change{Conversation: &conv, Handled: []int64{m.ID}}, nil
	})
	if err == nil {
		e.logger.Warn("closed an old message without answering it", "message", m.ID, "conversation", m.ConversationID)
	}
	return err
}

// History returns the latest limit messages of a conversation with an id
// above afterID, oldest first.
func (e *Engine) History(ctx context.Context, conversationID, afterID int64, limit int) ([]Message, error) {
	return e.store.RecentMessages(ctx, conversationID, afterID, 0, limit)
}

// HistoryThrough returns the last limit messages of a conversation up to
// message throughID (inclusive), oldest first.
func (e *Engine) HistoryThrough(ctx context.Context, conversationID, throughID int64, limit int) ([]Message, error) {
	return e.store.RecentMessages(ctx, conversationID, 0, throughID, limit)
}

// Conversation returns a conversation by id.
func (e *Engine) Conversation(ctx context.Context, id int64) (Conversation, error) {
	return e.store.Conversation(ctx, id)
}

// LatestConversation returns the customer's most recent conversation on ch.
// Returns ENotFound if there is none.
func (e *Engine) LatestConversation(ctx context.Context, ch Channel, customerKey string) (Conversation, error) {
	return e.store.LatestConversation(ctx, ch, customerKey)
}

// Outbox targets and kinds used by the Engine.
const (
	TargetDesk          = "desk"
	KindCustomerMessage = "customer_message" // a customer message for the agents' thread
	KindDeliver         = "deliver"          // a message for the customer on a durable channel
	KindCSAT            = "csat"             // a satisfaction rating for the agents' thread
)

// deliver queues message number idx (1-based) of c for the customer when the
// conversation's channel is durable.
func (e *Engine) deliver(c *Change, conv Conversation, idx int) {
	if e.durable[conv.Channel] {
		c.Outbox = append(c.Outbox, OutboxItem{Target: string(conv.Channel), Kind: KindDeliver, MessageIndex: idx})
	}
}

func (e *Engine) publish(conv Conversation, msgs []Message) {
	if len(msgs) == 0 {
		return
	}
	for _, p := range e.publishers {
		p.Publish(conv, msgs)
	}
}

// lock serialises the processing of one customer's messages and changes.
func (e *Engine) lock(ch Channel, customerKey string) (unlock func()) {
	return e.locks.lock(string(ch) + "\x00" + customerKey)
}

// keyLocks is a mutex per key, created on demand and dropped when unused, so
// that a slow customer never delays another.
type keyLocks struct {
	mu sync.Mutex
	m  map[string]*keyLock
}

type keyLock struct {
	mu    sync.Mutex
	users int // holders and waiters; guarded by keyLocks.mu
}

// lock locks key and returns the func that unlocks it (safe to call twice).
func (l *keyLocks) lock(key string) func() {
	l.mu.Lock()
	k := l.m[key]
	if k == nil {
		k = &keyLock{}
		l.m[key] = k
	}
	k.users++
	l.mu.Unlock()
	k.mu.Lock()
	var once sync.Once
	return func() {
		once.Do(func() {
			k.mu.Unlock()
			l.mu.Lock()
			if k.users--; k.users == 0 {
				delete(l.m, key)
			}
			l.mu.Unlock()
		})
	}
}
