package bot

import (
	"context"
	"fmt"
	"math"
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
	conv, err := e.conversation(ctx, conversationID)
	if err != nil {
		return nil, err
	}
	unlock := e.lock(conv.Channel, conv.CustomerKey)
	defer unlock()
	c, err := e.update(ctx, conversationID, fn)
	if ErrorKind(err) == EConflict && c == nil {
		// The conversation changed elsewhere since we knew it: once more,
		// from the database.
		c, err = e.update(ctx, conversationID, fn)
	}
	return c, err
}

// update is Update under the customer's lock.
func (e *Engine) update(ctx context.Context, conversationID int64, fn UpdateFunc) (*Change, error) {
	// Read again under the lock: the state may have changed meanwhile.
	conv, err := e.conversation(ctx, conversationID)
	if err != nil {
		return nil, err
	}
	entry, err := e.entry(ctx, conv)
	if err != nil {
		return nil, err
	}
	history, err := e.history(ctx, entry, math.MaxInt64)
	if err != nil {
		return nil, err
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
	if err := e.commit(ctx, c); err != nil {
		return nil, fmt.Errorf("store change: %w", err)
	}
	e.publish(*c.Conversation, c.Messages)
	return c, nil
}
