package main

// The crash test's customers (speaking the widget protocol like widget.js)
// and agent (answering in Slack threads).

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/relaisbot/relais/handoff/slack"
	"github.com/relaisbot/relais/handoff/slack/slackfake"
)

// agent plays Marie in Slack: once a hand-over thread has its transcript, she
// writes crashAgentReplies replies in it, each with a unique text, a moment
// apart.
type agent struct {
	fake     *slackfake.Server
	rng      *rand.Rand
	activity chan<- struct{}

	mu      sync.Mutex
	replied map[string]bool // thread ts → replies scheduled
	replies []agentReply
}

type agentReply struct {
	thread, ts, text string
	at               time.Time
}

func (a *agent) run(ctx context.Context) {
	type planned struct {
		at     time.Time
		thread string
	}
	var plan []planned
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			st := a.fake.State()
			for _, p := range st.Posts() {
				if p.Channel != agentsChannel || p.ThreadTS != "" || !strings.Contains(p.Blocks, slack.ActionClaim) ||
					a.replied[p.TS] || len(st.Thread(agentsChannel, p.TS)) == 0 {
					continue // not a thread with its transcript, or done already
				}
				a.replied[p.TS] = true
				for i := range crashAgentReplies {
					delay := time.Duration(i)*2*time.Second + time.Duration(a.rng.Int64N(int64(2*time.Second)))
					plan = append(plan, planned{now.Add(delay), p.TS})
				}
			}
			slices.SortFunc(plan, func(x, y planned) int { return x.at.Compare(y.at) })
			for len(plan) > 0 && !plan[0].at.After(now) {
				a.mu.Lock()
				text := fmt.Sprintf("Marie here, answer a%03d", len(a.replies)+1)
				_, ts := a.fake.AgentReply(agentsChannel, plan[0].thread, "U0MARIE", text)
				a.replies = append(a.replies, agentReply{thread: plan[0].thread, ts: ts, text: text, at: now})
				a.mu.Unlock()
				poke(a.activity)
				plan = plan[1:]
			}
		}
	}
}

// sent returns the replies written so far, and whether more are planned.
func (a *agent) sent() []agentReply {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.replies)
}

func formatCounts(c map[string]int) string {
	keys := []string{"customers", "messages sent", "acks", "resends", "reconnects", "kills", "restarts",
		"answered at a restart", "handed over", "agent replies", "slack event retries", "delivered", "raw duplicates",
		"failed", "outbox done", "outbox failed", "outbox pending", "slack posts", "duplicate posts after a kill"}
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, c[k]))
	}
	return strings.Join(parts, ", ")
}

// customer is a widget customer behaving like widget.js: it keeps its token,
// keeps each message until it is acknowledged and sends it again with the
// same client_id after every reconnect, says hello with the last id it has,
// and deduplicates messages by id (counting repeats, which must not happen).
// It writes its messages one at a time, a few seconds apart; one written
// while disconnected is sent once the connection is back.
type customer struct {
	idx      int
	url      string
	lang     string
	texts    []string // what it writes, in order
	rng      *rand.Rand
	activity chan<- struct{}

	mu       sync.Mutex
	token    string
	lastID   int64
	received map[int64]int // message id → times received
	pending  []int         // indexes in texts sent and not yet acknowledged
	acked    map[int]int64 // index in texts → stored message id
	next     int           // index in texts of the next message to write
	nextAt   time.Time     // when to write it (zero: after the previous one is acknowledged)
	resends  int           // message frames sent again
	sessions int           // WebSocket sessions opened
	refused  []string      // error frames other than "try again later" ones
}

// Questions customers ask; every third customer asks for a person second.
var (
	crashQuestions = map[string][]string{
		"en": {"Where is my parcel?", "How do I return an item?", "How long does delivery take?", "When will I get my refund?"},
		"fr": {"Où est mon colis ?", "Comment retourner un article ?", "Combien de temps prend la livraison ?", "Quand serai-je remboursé ?"},
	}
	crashHuman = map[string]string{"en": "I want to talk to a human", "fr": "Je veux parler à un conseiller"}
)

func newCustomer(idx int, url string, seed uint64, activity chan<- struct{}) *customer {
	c := &customer{idx: idx, url: url, lang: []string{"en", "fr"}[idx%2], rng: rand.New(rand.NewPCG(seed, uint64(idx))),
		activity: activity, received: map[int64]int{}, acked: map[int]int64{}}
	for m := range crashMessages {
		text := crashQuestions[c.lang][(idx+m)%len(crashQuestions[c.lang])]
		if idx%3 == 0 && m == 1 {
			text = crashHuman[c.lang]
		}
		c.texts = append(c.texts, text+" "+c.tag(m)) // the tag makes every text unique, in Slack too
	}
	c.nextAt = time.Now().Add(time.Duration(c.rng.Int64N(int64(2 * time.Second))))
	return c
}

// tag identifies message m of the customer in texts.
func (c *customer) tag(m int) string { return fmt.Sprintf("c%02dm%d", c.idx, m) }

func (c *customer) clientID(m int) string { return fmt.Sprintf("crash-%02d-%d", c.idx, m) }

// run connects, and reconnects, until ctx ends.
func (c *customer) run(ctx context.Context) {
	backoff := 100 * time.Millisecond
	for {
		if c.session(ctx) {
			backoff = 100 * time.Millisecond
		}
		// A random wait before reconnecting, growing, as the widget does (shorter).
		c.mu.Lock()
		wait := backoff/2 + time.Duration(c.rng.Int64N(int64(backoff/2)))
		c.mu.Unlock()
		backoff = min(2*backoff, time.Second)
		if !sleepCtx(ctx, wait) {
			return
		}
	}
}

// session runs one WebSocket connection until it fails or ctx ends, and
// reports whether it was welcomed.
func (c *customer) session(ctx context.Context) (welcomed bool) {
	dctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	conn, _, err := websocket.Dial(dctx, c.url, nil)
	cancel()
	if err != nil {
		return false
	}
	var reader sync.WaitGroup
	defer reader.Wait()
	defer conn.CloseNow()
	done := make(chan struct{})
	defer close(done)
	frames := make(chan frame)
	reader.Go(func() {
		defer close(frames)
		for {
			var f frame
			if err := wsjson.Read(context.Background(), conn, &f); err != nil {
				return
			}
			select {
			case frames <- f:
			case <-done:
				return
			}
		}
	})
	write := func(vs []any) bool {
		for _, v := range vs {
			wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			err := wsjson.Write(wctx, conn, v)
			cancel()
			if err != nil {
				return false
			}
		}
		return true
	}
	if !write([]any{c.hello()}) {
		return false
	}
	var retry <-chan time.Time // when to send unacknowledged messages again
	welcomeBy := time.After(10 * time.Second)
	for {
		var typed <-chan time.Time // when the customer writes the next message
		if at := c.typedAt(); welcomed && !at.IsZero() {
			typed = time.After(time.Until(at))
		}
		select {
		case <-ctx.Done():
			return welcomed
		case <-welcomeBy:
			if !welcomed {
				return false
			}
		case <-retry:
			retry = nil
			if !write(c.unacked()) {
				return welcomed
			}
		case <-typed:
			if !write(c.write()) {
				return welcomed
			}
			poke(c.activity)
		case f, ok := <-frames:
			if !ok {
				return welcomed
			}
			welcomed = welcomed || f.Type == "welcome"
			out, again := c.onFrame(f)
			if !write(out) {
				return welcomed
			}
			if again {
				retry = time.After(time.Second)
			}
		}
	}
}

func (c *customer) hello() any {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sessions++
	return map[string]any{"type": "hello", "token": c.token, "lang": c.lang, "after": c.lastID}
}

func (c *customer) message(m int) any {
	return map[string]any{"type": "message", "client_id": c.clientID(m), "text": c.texts[m]}
}

// onFrame takes a frame in and returns the frames to send now, and whether
// to send the unacknowledged messages again in a moment.
func (c *customer) onFrame(f frame) (out []any, again bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch f.Type {
	case "welcome":
		c.token = f.Token
		for _, m := range f.Messages {
			c.see(m)
		}
		for _, m := range c.pending { // unacknowledged: send again, same client_id
			out = append(out, c.message(m))
			c.resends++
		}
	case "message":
		var m wireMessage
		if json.Unmarshal(f.Message, &m) == nil {
			c.see(m)
		}
	case "ack":
		for i, m := range c.pending {
			if c.clientID(m) == f.ClientID {
				c.acked[m] = f.ID
				c.pending = slices.Delete(c.pending, i, i+1)
				break
			}
		}
		if len(c.pending) == 0 && c.next < len(c.texts) && c.nextAt.IsZero() {
			think := 2*time.Second + time.Duration(c.rng.Int64N(int64(2500*time.Millisecond)))
			c.nextAt = time.Now().Add(think)
		}
	case "error":
		switch f.Code {
		case "rate_limited", "internal":
			again = true // keep the message; send it again later
		default:
			c.refused = append(c.refused, f.Code+" "+f.ClientID)
		}
	}
	return out, again
}

// typedAt returns when the customer writes the next message (zero: not yet known).
func (c *customer) typedAt() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nextAt
}

// write returns the next message, now pending.
func (c *customer) write() []any {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.nextAt = time.Time{}
	if c.next == len(c.texts) {
		return nil
	}
	c.pending = append(c.pending, c.next)
	c.next++
	return []any{c.message(c.next - 1)}
}

// unacked returns the unacknowledged messages, to send again.
func (c *customer) unacked() []any {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []any
	for _, m := range c.pending {
		out = append(out, c.message(m))
		c.resends++
	}
	return out
}

// see records a message received. Call with mu held.
func (c *customer) see(m wireMessage) {
	c.received[m.ID]++
	c.lastID = max(c.lastID, m.ID)
}

// done reports whether the customer has written everything and had it acknowledged.
func (c *customer) done() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.next == len(c.texts) && len(c.pending) == 0
}

// poke sends on ch without blocking.
func poke(ch chan<- struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// sleepCtx sleeps for d, or until ctx ends (then it returns false).
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
