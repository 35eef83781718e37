package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
)

// frame is the part of server→client frames the load test reads.
type frame struct {
	Type    string          `json:"type"`
	Token   string          `json:"token"`
	Message json.RawMessage `json:"message"`
}

type wireMessage struct {
	ID     int64  `json:"id"`
	Role   string `json:"role"`
	Author string `json:"author"`
	Text   string `json:"text"`
	Action string `json:"action"`
	// CreatedAt is when Relais dated the message (RFC 3339, milliseconds),
	// on the same machine's clock.
	CreatedAt string `json:"created_at"`
}

// customer is one widget customer on its own WebSocket.
type customer struct {
	id    int
	conn  *websocket.Conn
	seq   atomic.Int64
	onMsg func(c *customer, m wireMessage, at time.Time) // called from the reader
	sent  atomic.Int64                                   // UnixNano of the last send, 0 when none is outstanding
}

// dial connects a new customer (no token: a new identity) and waits for the
// welcome; onMsg, if set, sees every message frame as it arrives.
func dial(ctx context.Context, baseURL string, id int, onMsg func(*customer, wireMessage, time.Time)) (*customer, error) {
	ctx2, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx2, strings.Replace(baseURL, "http://", "ws://", 1)+"/widget/ws", nil)
	if err != nil {
		return nil, fmt.Errorf("dial: %w", err)
	}
	conn.SetReadLimit(1 << 20)
	c := &customer{id: id, conn: conn, onMsg: onMsg}
	if err := wsjson.Write(ctx2, conn, map[string]any{"type": "hello", "token": "", "lang": "en", "after": 0}); err != nil {
		conn.CloseNow()
		return nil, fmt.Errorf("hello: %w", err)
	}
	var w frame
	if err := wsjson.Read(ctx2, conn, &w); err != nil || w.Type != "welcome" {
		conn.CloseNow()
		return nil, fmt.Errorf("welcome: %v (%s)", err, w.Type)
	}
	go c.read(ctx)
	return c, nil
}

// read handles frames until the connection ends (it also answers pings).
func (c *customer) read(ctx context.Context) {
	for {
		_, data, err := c.conn.Read(ctx)
		if err != nil {
			return
		}
		if c.onMsg == nil || !strings.Contains(string(data[:min(len(data), 24)]), `"message"`) {
			continue
		}
		at := time.Now()
		var f frame
		if json.Unmarshal(data, &f) != nil || f.Type != "message" {
			continue
		}
		var m wireMessage
		if json.Unmarshal(f.Message, &m) == nil {
			c.onMsg(c, m, at)
		}
	}
}

// say sends a message and records when.
func (c *customer) say(ctx context.Context, text string) error {
	n := c.seq.Add(1)
	c.sent.Store(time.Now().UnixNano())
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return wsjson.Write(ctx, c.conn, map[string]any{"type": "message", "client_id": fmt.Sprintf("b%d-%d", c.id, n), "text": text})
}

func (c *customer) close() { c.conn.Close(websocket.StatusNormalClosure, "") }

// decisions are the bot actions that answer a question.
var decisions = map[string]bool{"answer": true, "clarify": true, "fallback": true, "smalltalk": true, "handoff": true}
