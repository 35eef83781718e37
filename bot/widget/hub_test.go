package widget

import (
	"context"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/relaisbot/relais/bot"
)

func TestPublishOnlyToTheCustomer(t *testing.T) {
	e := newEnv(t, Options{})
	a1, w := e.hello(t, "", "en", 0)
	a2, _ := e.hello(t, w.Token, "en", 0) // a second tab
	b, _ := e.hello(t, "", "en", 0)

	conv := bot.Conversation{ID: 7, Channel: bot.ChannelWidget, CustomerKey: customerKey(w.Token)}
	e.h.Publish(conv, []bot.Message{{ID: 1, Role: bot.RoleAgent, Author: "Léa", Text: "Hello, Léa here."}})
	e.h.Publish(bot.Conversation{Channel: bot.ChannelDiscord, CustomerKey: conv.CustomerKey}, []bot.Message{{ID: 2, Text: "discord"}})
	for i, c := range []*wsClient{a1, a2} {
		if m := c.expectMessage(bot.RoleAgent); m.Author != "Léa" || m.Text != "Hello, Léa here." {
			t.Errorf("tab %d: got %+v, want Léa's message", i+1, m)
		}
	}
	// b got nothing: its next frame answers its own message.
	b.message("b1", "hi")
	if m := b.expectMessage(bot.RoleBot); m.Action != bot.ActionGreeting {
		t.Errorf("stranger: got %+v, want its own greeting", m)
	}
}

func TestPublishNeverBlocksOnSlowClient(t *testing.T) {
	e := newEnv(t, Options{SendBuffer: 4, WriteTimeout: 200 * time.Millisecond})
	slow, w := e.hello(t, "", "en", 0) // then never reads again
	_ = slow
	conv := bot.Conversation{ID: 1, Channel: bot.ChannelWidget, CustomerKey: customerKey(w.Token)}
	text := strings.Repeat("x", 16<<10)

	var total, slowest time.Duration
	for i := range 500 {
		start := time.Now()
		e.h.Publish(conv, []bot.Message{{ID: int64(i + 1), Role: bot.RoleBot, Text: text}})
		d := time.Since(start)
		total += d
		slowest = max(slowest, d)
	}
	if slowest > 100*time.Millisecond || total > 2*time.Second {
		t.Errorf("500 publishes to a client that does not read: slowest %v, total %v; want no blocking", slowest, total)
	}
	eventually(t, "the slow client to be disconnected", func() bool { return e.h.hub.count() == 0 })
}

func TestClientWithoutPongIsDropped(t *testing.T) {
	e := newEnv(t, Options{PingInterval: 50 * time.Millisecond, PongTimeout: 100 * time.Millisecond})
	e.hello(t, "", "en", 0) // the client stops reading, so it never answers pings
	eventually(t, "the silent client to be dropped", func() bool { return e.h.hub.count() == 0 })
}

func TestPingKeepsLiveClient(t *testing.T) {
	e := newEnv(t, Options{PingInterval: 20 * time.Millisecond, PongTimeout: 200 * time.Millisecond})
	c, _ := e.hello(t, "", "en", 0)
	// A pending Read answers pings, as a browser does.
	got := make(chan []byte, 1)
	go func() {
		_, b, _ := c.conn.Read(t.Context())
		got <- b
	}()
	time.Sleep(300 * time.Millisecond) // about 15 ping rounds
	if n := e.h.hub.count(); n != 1 {
		t.Fatalf("after pings: %d connections, want 1", n)
	}
	c.message("c1", "hi")
	if b := <-got; !strings.Contains(string(b), `"type":"message"`) {
		t.Errorf("after pings: got %s, want a message frame", b)
	}
}

func TestCloseEndsConnectionsAndGoroutines(t *testing.T) {
	e := newEnv(t, Options{})
	before := runtime.NumGoroutine()

	var clients []*wsClient
	for range 3 {
		c, _ := e.hello(t, "", "en", 0)
		clients = append(clients, c)
	}
	idle := e.dial(t) // has not said hello yet
	_ = idle
	eventually(t, "3 connections", func() bool { return e.h.hub.count() == 3 })

	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, c := range clients {
			_, _, err := c.conn.Read(t.Context())
			if got := websocket.CloseStatus(err); got != websocket.StatusGoingAway {
				t.Errorf("after Close: client read error %v (status %v), want going away", err, got)
			}
		}
	}()
	closed := make(chan struct{})
	go func() { e.h.Close(context.Background()); close(closed) }()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return")
	}
	<-done
	if n := e.h.hub.count(); n != 0 {
		t.Errorf("after Close: %d connections in the hub, want 0", n)
	}
	idle.conn.CloseNow()
	waitGoroutines(t, before)

	_, resp, err := websocket.Dial(t.Context(), e.wsURL(), &websocket.DialOptions{
		HTTPClient: &http.Client{Transport: &http.Transport{DisableKeepAlives: true}},
	})
	if err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("dial after Close: got %v %v, want 503", resp, err)
	}
}

// waitGoroutines waits until no more goroutines run than before, and dumps
// them all if that does not happen.
func waitGoroutines(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines left, want at most %d:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// An agent's message written to a customer whose delivery was never recorded
// (Relais was killed right after writing it) is delivered when the customer
// comes back saying it has every message up to it.
func TestReconnectConfirmsAgentMessages(t *testing.T) {
	delivered, confirmed := make(chan int64, 10), make(chan int64, 10)
	e := newEnv(t, Options{
		OnDelivered: func(_ context.Context, m bot.Message) { delivered <- m.ID },
		OnConfirmed: func(_ context.Context, m bot.Message) { confirmed <- m.ID },
	})
	c, w := e.hello(t, "", "en", 0)
	c.message("c1", "hello")
	for c.read().Type != "ack" {
	}
	conv, err := e.engine.LatestConversation(t.Context(), bot.ChannelWidget, customerKey(w.Token))
	if err != nil {
		t.Fatal(err)
	}
	c.conn.CloseNow()
	eventually(t, "the customer to be offline", func() bool { return e.h.Offline(conv) })
	ch, err := e.engine.Update(t.Context(), conv.ID, func(bot.Conversation, []bot.Message) (*bot.Change, error) {
		return &bot.Change{Messages: []bot.Message{{Role: bot.RoleAgent, Author: "Léa", Text: "Léa here."}}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	agentMsg := ch.Messages[0].ID
	select {
	case id := <-delivered:
		t.Fatalf("message %d reported delivered to an offline customer", id)
	case <-time.After(50 * time.Millisecond):
	}

	c2, welcome := e.hello(t, w.Token, "en", agentMsg)
	if len(welcome.Messages) != 0 {
		t.Errorf("welcome replays %d messages the client has", len(welcome.Messages))
	}
	select {
	case id := <-confirmed:
		if id != agentMsg {
			t.Errorf("reported %d confirmed; want %d", id, agentMsg)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the message the client confirmed was never reported")
	}
	select {
	case id := <-delivered: // OnDelivered measures relays: a confirmation is not one
		t.Errorf("confirmed message %d also reported as written", id)
	case <-time.After(50 * time.Millisecond):
	}
	c2.conn.CloseNow()
}
