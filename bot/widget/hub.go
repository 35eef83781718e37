package widget

import (
	"encoding/json"
	"sync"

	"github.com/relaisbot/relais/bot"
)

// hub knows the live connections of every customer. It is keyed by the
// customer key (the token's hash) rather than by conversation id: a customer
// has one current conversation on the widget, a browser that has not written
// yet has no conversation id, and a resolved conversation may be followed by a
// new one while the tab stays open.
type hub struct {
	mu      sync.RWMutex
	clients map[string]map[*client]struct{}
}

func (h *hub) add(c *client) {
	h.mu.Lock()
	defer h.mu.Unlock()
	set := h.clients[c.key]
	if set == nil {
		set = make(map[*client]struct{})
		h.clients[c.key] = set
	}
	set[c] = struct{}{}
}

func (h *hub) remove(c *client) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.clients[c.key], c)
	if len(h.clients[c.key]) == 0 {
		delete(h.clients, c.key)
	}
}

// count returns the number of live connections (tests and metrics).
func (h *hub) count() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	n := 0
	for _, set := range h.clients {
		n += len(set)
	}
	return n
}

// Offline reports whether conv's customer has no widget open. It reports
// false for conversations of other channels, which the widget cannot see.
func (h *Handler) Offline(conv bot.Conversation) bool {
	if conv.Channel != bot.ChannelWidget {
		return false
	}
	h.hub.mu.RLock()
	defer h.hub.mu.RUnlock()
	return len(h.hub.clients[conv.CustomerKey]) == 0
}

// confirmed reports an agent's message the customer says it has.
func (h *Handler) confirmed(m *bot.Message) {
	if m.Role != bot.RoleAgent {
		return
	}
	if h.opts.OnConfirmed != nil {
		h.opts.OnConfirmed(h.ctx, *m)
		return
	}
	h.delivered(m)
}

// delivered reports an agent's message written to the customer's socket.
func (h *Handler) delivered(m *bot.Message) {
	if m != nil && m.Role == bot.RoleAgent && h.opts.OnDelivered != nil {
		h.opts.OnDelivered(h.ctx, *m)
	}
}

// Publish pushes msgs to the live connections of conv's customer. It never
// blocks: a connection whose send queue is full is dropped (it replays what it
// missed when it reconnects). Conversations of other channels are ignored.
func (h *Handler) Publish(conv bot.Conversation, msgs []bot.Message) {
	if conv.Channel != bot.ChannelWidget || len(msgs) == 0 {
		return
	}
	frames := make([]outFrame, 0, len(msgs))
	for _, m := range msgs {
		data, err := json.Marshal(messageFrame{Type: typeMessage, Message: toJSON(m)})
		if err != nil {
			h.logger.Error("encode message", keyConversation, conv.ID, keyMessage, m.ID, keyError, err)
			continue
		}
		f := outFrame{data: data, msgID: m.ID}
		if m.Role == bot.RoleAgent {
			f.agent = &m
		}
		frames = append(frames, f)
	}
	h.hub.mu.RLock()
	defer h.hub.mu.RUnlock()
	for c := range h.hub.clients[conv.CustomerKey] {
		for _, f := range frames {
			if !c.enqueue(f) {
				break
			}
		}
	}
}
