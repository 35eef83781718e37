package bot

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
)

// convCache keeps what the Engine knows of active conversations — their
// state, recent messages and unanswered messages — so that answering a
// message does not read them back from the database. Every change the Engine
// commits updates it. A change made elsewhere (another process) is noticed
// at the next commit, which fails on the conversation's version: the entry is
// then forgotten and the work redone from the database.
type convCache struct {
	mu     sync.Mutex
	max    int
	m      map[int64]*cached
	latest map[string]int64 // channel and customer key → latest conversation id
}

type cached struct {
	conv Conversation
	// msgs are the last historySize messages, oldest first (all of them if
	// fewer). Copies of an entry share them: the elements are never written
	// once cached, new messages are appended past the end every copy was
	// cut at, and old ones are dropped by reslicing. Their Handled fields
	// are therefore as they were when cached: unhandled is what counts.
	msgs      []Message
	unhandled []int64 // ids of every customer message not yet handled, ascending
}

func newConvCache(max int) *convCache {
	return &convCache{max: max, m: make(map[int64]*cached), latest: make(map[string]int64)}
}

func customerSlot(ch Channel, key string) string { return string(ch) + "\x00" + key }

// latestConversation returns the customer's latest conversation.
// Returns ENotFound if there is none.
func (e *Engine) latestConversation(ctx context.Context, ch Channel, key string) (Conversation, error) {
	cc := e.cache
	cc.mu.Lock()
	if id, ok := cc.latest[customerSlot(ch, key)]; ok {
		if c, ok := cc.m[id]; ok {
			conv := c.conv
			cc.mu.Unlock()
			return conv, nil
		}
	}
	cc.mu.Unlock()
	conv, err := e.store.LatestConversation(ctx, ch, key)
	if err != nil {
		return conv, err
	}
	if _, err := e.load(ctx, conv); err != nil {
		return conv, err
	}
	return conv, nil
}

// conversation returns a conversation's current state.
func (e *Engine) conversation(ctx context.Context, id int64) (Conversation, error) {
	e.cache.mu.Lock()
	if c, ok := e.cache.m[id]; ok {
		conv := c.conv
		e.cache.mu.Unlock()
		return conv, nil
	}
	e.cache.mu.Unlock()
	return e.store.Conversation(ctx, id)
}

// load caches conv with its recent and unanswered messages, read from the
// database, and returns the entry (a copy).
func (e *Engine) load(ctx context.Context, conv Conversation) (cached, error) {
	msgs, err := e.store.RecentMessages(ctx, conv.ID, 0, 0, historySize)
	if err != nil {
		return cached{}, fmt.Errorf("load history: %w", err)
	}
	pending, err := e.store.UnhandledMessages(ctx, conv.ID, math.MaxInt64)
	if err != nil {
		return cached{}, fmt.Errorf("load unanswered messages: %w", err)
	}
	c := &cached{conv: conv, msgs: msgs}
	for _, m := range pending {
		c.unhandled = append(c.unhandled, m.ID)
	}
	e.cache.put(c)
	return c.clone(), nil
}

// entry returns the cached entry of conv at its version, loading it if needed.
func (e *Engine) entry(ctx context.Context, conv Conversation) (cached, error) {
	e.cache.mu.Lock()
	if c, ok := e.cache.m[conv.ID]; ok && c.conv.Version == conv.Version {
		out := c.clone()
		e.cache.mu.Unlock()
		return out, nil
	}
	e.cache.mu.Unlock()
	return e.load(ctx, conv)
}

// history returns the recent messages of an entry up to message through
// (inclusive), reading further back from the database if needed.
func (e *Engine) history(ctx context.Context, c cached, through int64) ([]Message, error) {
	n := len(c.msgs)
	for n > 0 && c.msgs[n-1].ID > through {
		n--
	}
	if n < len(c.msgs) && len(c.msgs) == historySize {
		// Answering an older message: its history reaches further back.
		return e.store.RecentMessages(ctx, c.conv.ID, 0, through, historySize)
	}
	return c.msgs[:n:n], nil
}

// pending returns the unanswered customer messages of an entry up to
// message through, oldest first.
func (e *Engine) pending(ctx context.Context, c cached, through int64) ([]Message, error) {
	var out []Message
	for _, id := range c.unhandled {
		if id > through {
			break
		}
		if i := slices.IndexFunc(c.msgs, func(m Message) bool { return m.ID == id }); i >= 0 {
			out = append(out, c.msgs[i])
			continue
		}
		m, err := e.store.MessageByID(ctx, id) // older than the recent messages: rare
		if err != nil {
			return nil, fmt.Errorf("load unanswered message %d: %w", id, err)
		}
		out = append(out, m)
	}
	return out, nil
}

// clone returns a copy of the entry that later commits do not change. The
// messages are shared (see cached), cut at their length so that appending to
// the copy cannot write into them.
func (c *cached) clone() cached {
	return cached{conv: c.conv, msgs: slices.Clip(c.msgs), unhandled: slices.Clone(c.unhandled)}
}

func (cc *convCache) put(c *cached) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if _, ok := cc.m[c.conv.ID]; !ok && len(cc.m) >= cc.max {
		for id, old := range cc.m { // evict an arbitrary entry
			cc.drop(id, old)
			break
		}
	}
	cc.m[c.conv.ID] = c
	slot := customerSlot(c.conv.Channel, c.conv.CustomerKey)
	if id, ok := cc.latest[slot]; !ok || id <= c.conv.ID {
		cc.latest[slot] = c.conv.ID
	}
}

// drop removes an entry. The caller holds cc.mu.
func (cc *convCache) drop(id int64, c *cached) {
	delete(cc.m, id)
	slot := customerSlot(c.conv.Channel, c.conv.CustomerKey)
	if cc.latest[slot] == id {
		delete(cc.latest, slot)
	}
}

func (cc *convCache) forget(id int64) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if c, ok := cc.m[id]; ok {
		cc.drop(id, c)
	}
}

// committed updates the cache after c was committed over version from (0
// for a new conversation).
func (cc *convCache) committed(c *Change, from int64, created bool) {
	if created {
		n := &cached{conv: *c.Conversation, msgs: slices.Clone(c.Messages)}
		for _, m := range c.Messages {
			if m.Role == RoleCustomer && !m.Handled {
				n.unhandled = append(n.unhandled, m.ID)
			}
		}
		if len(n.msgs) > historySize {
			n.msgs = n.msgs[len(n.msgs)-historySize:]
		}
		cc.put(n)
		return
	}
	cc.mu.Lock()
	defer cc.mu.Unlock()
	id := c.Conversation.ID
	e, ok := cc.m[id]
	if !ok {
		return
	}
	if e.conv.Version != from {
		cc.drop(id, e)
		return
	}
	e.conv = *c.Conversation
	e.unhandled = slices.DeleteFunc(e.unhandled, func(id int64) bool { return slices.Contains(c.Handled, id) })
	for _, m := range c.Messages {
		if m.Role == RoleCustomer && !m.Handled {
			e.unhandled = append(e.unhandled, m.ID)
		}
	}
	// Past the end of every copy; copies keep the old backing array if
	// append moves to a new one.
	e.msgs = append(e.msgs, c.Messages...)
	if extra := len(e.msgs) - historySize; extra > 0 {
		e.msgs = e.msgs[extra:]
	}
}

// commit stores c and keeps the cache in step. On failure the conversation
// is forgotten: the next read comes from the database.
func (e *Engine) commit(ctx context.Context, c *Change) error {
	from, created := c.Conversation.Version, c.Conversation.ID == 0
	if err := e.store.Commit(ctx, c); err != nil {
		if !created {
			e.cache.forget(c.Conversation.ID)
			if ErrorKind(err) == ENotFound {
				// Erased by another process since it was cached: a conflict,
				// which callers resolve by reading the database again.
				return Errorf(EConflict, "conversation %d was erased meanwhile", c.Conversation.ID)
			}
		}
		return err
	}
	e.cache.committed(c, from, created)
	return nil
}
