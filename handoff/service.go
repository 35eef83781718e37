package handoff

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/relaisbot/relais/bot"
)

// Conversations applies changes to conversations in order with the
// customer's own messages. Implemented by *bot.Engine.
type Conversations interface {
	Update(ctx context.Context, conversationID int64, fn bot.UpdateFunc) (*bot.Change, error)
}

// Store is what the Service reads and writes besides conversation changes.
// Implemented by storage.DB.
type Store interface {
	// MessageByID returns a message. Returns ENotFound if there is none.
	MessageByID(ctx context.Context, id int64) (bot.Message, error)
	// MessageByExternalID returns the message stored with this id on a
	// customer channel. Returns ENotFound if there is none.
	MessageByExternalID(ctx context.Context, ch bot.Channel, externalID string) (bot.Message, error)
	// EventSeen reports whether the event (source, id) was recorded as processed.
	EventSeen(ctx context.Context, source, id string) (bool, error)
	// EnqueueOnce queues items unless the event (source, id) was processed
	// before, records it, atomically, and reports whether it was the first time.
	EnqueueOnce(ctx context.Context, source, id string, items ...bot.OutboxItem) (bool, error)
	// Enqueue queues outbox items.
	Enqueue(ctx context.Context, items ...bot.OutboxItem) error
	// Waiting returns the conversations waiting for an agent.
	Waiting(ctx context.Context) ([]Waiting, error)
}

// ServiceConfig tunes the Service.
type ServiceConfig struct {
	Hours       bot.Hours     // support hours: reminders only while open
	RemindAfter time.Duration // remind when a customer waits this long; 0: never
}

// Presence tells whether a customer is known to be disconnected right now.
// Implemented by the widget, which reports false for channels it does not serve.
type Presence interface {
	Offline(conv bot.Conversation) bool
}

// Service carries out what agents do from the desk: claim a conversation,
// reply, resolve it (asking the customer for a rating) or hand it back to the
// bot. Every action is applied in order with the customer's messages, stored
// with who did it, told to the customer in their language and to the desk.
type Service struct {
	convs    Conversations
	store    Store
	presence Presence
	cfg      ServiceConfig
	logger   *slog.Logger

	mu     sync.Mutex
	marked map[int64]bool // agent messages already marked delivered (a cache of MarkEvent)
}

// NewService returns a Service. presence may be nil.
func NewService(convs Conversations, store Store, presence Presence, cfg ServiceConfig, logger *slog.Logger) *Service {
	return &Service{convs: convs, store: store, presence: presence, cfg: cfg, logger: logger, marked: map[int64]bool{}}
}

// Claim gives the conversation to agent. The customer is told who is taking
// care of them. Claiming one's own conversation again does nothing.
// Returns ENotFound if there is no such conversation.
func (s *Service) Claim(ctx context.Context, conversationID int64, agent Agent) error {
	_, err := s.convs.Update(ctx, conversationID, func(conv bot.Conversation, _ []bot.Message) (*bot.Change, error) {
		if conv.State == bot.StateAgent && conv.Agent == agent.Name {
			return nil, nil
		}
		c := &bot.Change{Conversation: &conv}
		claim(c, agent, "claimed")
		return c, nil
	})
	return err
}

// claim makes agent the owner of c's conversation: state agent, the
// transition, the customer notice and the desk event.
func claim(c *bot.Change, agent Agent, reason string) {
	conv := c.Conversation
	from := conv.State
	conv.State, conv.Agent = bot.StateAgent, agent.Name
	c.Transition = &bot.Transition{From: from, To: bot.StateAgent, Actor: agent.Name, Reason: reason}
	c.Messages = append(c.Messages, bot.Message{Role: bot.RoleBot, Action: bot.ActionNotice, Lang: conv.Lang,
		Text: fill(textsFor(conv.Lang).Claimed, "{name}", agent.Name)})
	c.Outbox = append(c.Outbox, stateEvent(bot.StateAgent, agent))
}

// DeskMessage is an agent's message for the customer, as the desk sent it.
type DeskMessage struct {
	Text       string
	ExternalID string // the desk's id of the message (required): a repeat is ignored
	// Event, if set, is the desk's event that carried the message; it is
	// recorded with the message, in the same transaction.
	Event *bot.Event
}

// Reply relays an agent's message to the customer, with the agent's name.
// The first reply of an agent claims the conversation. A message or event
// the desk sent before (a platform retry) is ignored.
// Returns ENotFound if there is no such conversation.
func (s *Service) Reply(ctx context.Context, conversationID int64, agent Agent, m DeskMessage) error {
	if m.ExternalID == "" {
		return fmt.Errorf("agent reply without an id")
	}
	var ch bot.Channel
	c, err := s.convs.Update(ctx, conversationID, func(conv bot.Conversation, _ []bot.Message) (*bot.Change, error) {
		ch = conv.Channel
		c := &bot.Change{Conversation: &conv, Event: m.Event}
		if conv.State != bot.StateAgent || conv.Agent != agent.Name {
			claim(c, agent, "replied")
		}
		c.Messages = append(c.Messages, bot.Message{Role: bot.RoleAgent, Author: agent.Name, Text: m.Text,
			ExternalID: m.ExternalID, Lang: conv.Lang})
		return c, nil
	})
	if bot.ErrorKind(err) == bot.EConflict {
		// The desk sent this message or event before: it is stored and
		// relayed already. Any other conflict (the conversation kept changing
		// while the reply was written) is an error: the desk sends it again.
		repeat, rerr := s.repeated(ctx, ch, m)
		if rerr != nil {
			return fmt.Errorf("%w (and cannot tell whether it is a repeat: %v)", err, rerr)
		}
		if repeat {
			return nil
		}
		return err
	}
	if err != nil {
		return err
	}
	if s.presence != nil && s.presence.Offline(*c.Conversation) {
		msg := c.Messages[len(c.Messages)-1]
		s.enqueue(ctx, bot.OutboxItem{Target: bot.TargetDesk, Kind: KindMark, ConversationID: msg.ConversationID,
			MessageID: msg.ID, Payload: mustJSON(Mark{Status: MarkOffline, Message: msg.ExternalID})})
	}
	return nil
}

// repeated reports whether m was stored before, or its event handled.
func (s *Service) repeated(ctx context.Context, ch bot.Channel, m DeskMessage) (bool, error) {
	if m.Event != nil {
		seen, err := s.store.EventSeen(ctx, m.Event.Source, m.Event.ID)
		if err != nil || seen {
			return seen, err
		}
	}
	_, err := s.store.MessageByExternalID(ctx, ch, m.ExternalID)
	switch bot.ErrorKind(err) {
	case "":
		return true, nil
	case bot.ENotFound:
		return false, nil
	}
	return false, err
}

// Resolve closes the conversation and asks the customer to rate the help.
// Resolving a resolved conversation does nothing.
// Returns ENotFound if there is no such conversation.
func (s *Service) Resolve(ctx context.Context, conversationID int64, agent Agent) error {
	_, err := s.convs.Update(ctx, conversationID, func(conv bot.Conversation, _ []bot.Message) (*bot.Change, error) {
		if conv.State == bot.StateResolved {
			return nil, nil
		}
		from := conv.State
		conv.State = bot.StateResolved
		if conv.Agent == "" {
			conv.Agent = agent.Name
		}
		return &bot.Change{
			Conversation: &conv,
			Transition:   &bot.Transition{From: from, To: bot.StateResolved, Actor: agent.Name, Reason: "resolved"},
			Messages: []bot.Message{{Role: bot.RoleBot, Action: bot.ActionNotice, Lang: conv.Lang,
				Text: fill(textsFor(conv.Lang).Resolved, "{name}", agent.Name), QuickReplies: csatReplies(conv.Lang)}},
			Outbox: []bot.OutboxItem{stateEvent(bot.StateResolved, agent)},
		}, nil
	})
	return err
}

// BackToBot hands the conversation back to the bot.
// Returns ENotFound if there is no such conversation.
func (s *Service) BackToBot(ctx context.Context, conversationID int64, agent Agent) error {
	_, err := s.convs.Update(ctx, conversationID, func(conv bot.Conversation, _ []bot.Message) (*bot.Change, error) {
		if conv.State == bot.StateBot {
			return nil, nil
		}
		from := conv.State
		conv.State, conv.Agent = bot.StateBot, ""
		return &bot.Change{
			Conversation: &conv,
			Transition:   &bot.Transition{From: from, To: bot.StateBot, Actor: agent.Name, Reason: "back to bot"},
			Messages: []bot.Message{{Role: bot.RoleBot, Action: bot.ActionNotice, Lang: conv.Lang,
				Text: fill(textsFor(conv.Lang).BackToBot, "{name}", agent.Name)}},
			Outbox: []bot.OutboxItem{stateEvent(bot.StateBot, agent)},
		}, nil
	})
	return err
}

// Delivered records that an agent's message reached the customer, once: the
// desk gets a delivery mark.
func (s *Service) Delivered(ctx context.Context, m bot.Message) {
	s.mark(ctx, m, Mark{Status: MarkDelivered})
}

// DeliveryFailed records that an agent's message could not be delivered
// after retries: the desk is told why.
func (s *Service) DeliveryFailed(ctx context.Context, m bot.Message, cause error) {
	s.mark(ctx, m, Mark{Status: MarkFailed, Detail: cause.Error()})
}

// OutboxHooks returns the dispatcher hooks that mark agent messages delivered
// to customers on durable channels (or failed).
func (s *Service) OutboxHooks() (delivered func(context.Context, bot.OutboxItem), failed func(context.Context, bot.OutboxItem, error)) {
	load := func(ctx context.Context, it bot.OutboxItem) (bot.Message, bool) {
		if it.Kind != bot.KindDeliver || it.MessageID == 0 {
			return bot.Message{}, false
		}
		m, err := s.store.MessageByID(ctx, it.MessageID)
		if err != nil {
			s.logger.Error("delivery mark: cannot load message", "message", it.MessageID, "err", err)
			return m, false
		}
		return m, m.Role == bot.RoleAgent
	}
	delivered = func(ctx context.Context, it bot.OutboxItem) {
		if m, ok := load(ctx, it); ok {
			s.Delivered(ctx, m)
		}
	}
	failed = func(ctx context.Context, it bot.OutboxItem, err error) {
		if m, ok := load(ctx, it); ok {
			s.DeliveryFailed(ctx, m, err)
		}
	}
	return delivered, failed
}

// freshMessage is how old a message can be and still be taken as delivered
// for the first time (see mark).
const freshMessage = time.Minute

// mark queues a delivery mark for an agent message, once per message. A
// replayed history reports the same messages again and again: a bounded
// in-memory set spares the database those repeats.
func (s *Service) mark(ctx context.Context, m bot.Message, mark Mark) {
	if m.Role != bot.RoleAgent {
		return
	}
	s.mu.Lock()
	seen := s.marked[m.ID]
	if !seen {
		if len(s.marked) >= 100_000 {
			clear(s.marked)
		}
		s.marked[m.ID] = true
	}
	s.mu.Unlock()
	if seen {
		return
	}
	mark.Message = m.ExternalID
	event := fmt.Sprint(m.ID)
	// A message just written is being delivered for the first time; an
	// older one is often confirmed again (customers reconnecting after a
	// restart, which empties s.marked): a read answers those without taking
	// the write lock.
	if time.Since(m.CreatedAt) > freshMessage {
		if seen, err := s.store.EventSeen(ctx, "mark", event); err == nil && seen {
			return
		}
	}
	// Recorded and queued together: a crash in between would lose the mark.
	if _, err := s.store.EnqueueOnce(ctx, "mark", event, bot.OutboxItem{Target: bot.TargetDesk, Kind: KindMark,
		ConversationID: m.ConversationID, MessageID: m.ID, Payload: mustJSON(mark)}); err != nil {
		s.logger.Error("delivery mark: cannot record", "message", m.ID, "err", err)
		s.mu.Lock()
		delete(s.marked, m.ID) // the next report tries again
		s.mu.Unlock()
	}
}

func (s *Service) enqueue(ctx context.Context, it bot.OutboxItem) {
	if err := s.store.Enqueue(ctx, it); err != nil {
		s.logger.Error("cannot queue desk event", "kind", it.Kind, "conversation", it.ConversationID, "err", err)
	}
}

func stateEvent(state bot.State, agent Agent) bot.OutboxItem {
	return bot.OutboxItem{Target: bot.TargetDesk, Kind: KindState, Payload: mustJSON(StateEvent{State: state, Agent: agent.Name})}
}
