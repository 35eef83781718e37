package bot

import (
	"context"
	"fmt"
)

// UpdateFunc builds the change to apply to a conversation, given its current
// state and recent history (oldest first). It returns nil to change nothing.
type UpdateFunc func(conv Conversation, history []Message) (*Change, error)

// Update applies the change built by fn to a conversation, with the same
// per-customer ordering as inbound messages: fn sees the conversation as it is
// after every earlier message and change. New bot and agent messages are
// delivered to the customer (through the outbox on durable channels) and
// published. It is how agents act on conversations (claim, reply, resolve).
// Returns ENotFound if there is no such conversation.
func (e *Engine) Update(ctx context.Context, conversationID int64, fn UpdateFunc) (*Change, error) {
	conv, err := e.store.Conversation(ctx, conversationID)
	if err != nil {
		return nil, err
	}
	unlock := e.lock(conv.Channel, conv.CustomerKey)
	defer unlock()
	// Reload under the lock: the state may have changed meanwhile.
	if conv, err = e.store.Conversation(ctx, conversationID); err != nil {
		return nil, err
	}
	history, err := e.store.RecentMessages(ctx, conv.ID, 0, 0, historySize)
	if err != nil {
		return nil, fmt.Errorf("load history: %w", err)
	}
	c, err := fn(conv, history)
	if err != nil || c == nil {
		return nil, err
	}
	if c.Conversation == nil {
		c.Conversation = &conv
	}
	if err := c.checkTransition(conv.State); err != nil {
		return nil, err
	}
	now := e.now().UTC()
	c.Conversation.UpdatedAt = now
	c.stamp(now)
	for i := range c.Messages {
		if c.Messages[i].Role != RoleCustomer {
			e.deliver(c, *c.Conversation, i+1)
		}
	}
	if err := e.store.Commit(ctx, c); err != nil {
		return nil, fmt.Errorf("store change: %w", err)
	}
	e.publish(*c.Conversation, c.Messages)
	return c, nil
}
