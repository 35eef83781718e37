package widget

import (
	"cmp"
	"context"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/relaisbot/relais/bot"
)

func TestConnectionsPerAddress(t *testing.T) {
	e := newEnv(t, Options{ConnectionsPerIP: 2})
	a, _ := e.hello(t, "", "fr", 0)
	e.hello(t, "", "fr", 0)
	c := e.dial(t)
	c.send(map[string]any{"type": "hello", "lang": "fr"})
	f := c.expect("error")
	if f.Code != codeRateLimited || f.errText() != e.engine.Texts(bot.LangFR).TooManyConns {
		t.Errorf("third connection: got %s, want the French too-many-connections notice", f)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, _, err := c.conn.Read(ctx); websocket.CloseStatus(err) != websocket.StatusTryAgainLater {
		t.Errorf("third connection: %v, want closed with 1013 try again later", err)
	}
	// Closing one makes room.
	a.conn.Close(websocket.StatusNormalClosure, "")
	eventually(t, "a free slot", func() bool {
		c := e.dial(t)
		c.send(map[string]any{"type": "hello", "lang": "fr"})
		return c.read().Type == "welcome"
	})
}

func TestNewConversationsPerAddress(t *testing.T) {
	e := newEnv(t, Options{NewConversationsPerIP: 2})
	var first *wsClient
	for i := range 3 {
		c, _ := e.hello(t, "", "en", 0)
		c.message("m", "hello")
		f := c.answer("m")
		if i < 2 {
			if f.Type != "ack" {
				t.Fatalf("new conversation %d: got %s, want an ack", i+1, f)
			}
			first = c
			continue
		}
		if f.Code != codeRateLimited || f.ClientID != "m" || f.errText() != e.engine.Texts(bot.LangEN).TooManyConvs {
			t.Errorf("third new conversation: got %s, want the too-many-conversations notice", f)
		}
	}
	// A customer who has a conversation goes on writing.
	first.message("m2", "still me")
	if ack := first.answer("m2"); ack.Type != "ack" {
		t.Errorf("existing customer: got %s, want an ack", ack)
	}
	if n := len(e.allMessages(t)); n == 0 {
		t.Fatal("nothing stored")
	}
}

func TestMessagesPerMinutePerCustomer(t *testing.T) {
	e := newEnv(t, Options{MessagesPerMinute: 3, RateBurst: 100})
	a, w := e.hello(t, "", "en", 0)
	b, _ := e.hello(t, w.Token, "en", 0) // another tab of the same customer
	for i, c := range []*wsClient{a, a, b} {
		id := strconv.Itoa(i + 1)
		c.message(id, "more")
		if f := c.answer(id); f.Type != "ack" {
			t.Fatalf("message %s: got %s, want an ack", id, f)
		}
	}
	b.message("4", "one too many")
	if f := b.answer("4"); f.Type != "error" || f.Code != codeRateLimited {
		t.Errorf("got %s, want rate_limited for the fourth message: the limit is per customer, across tabs", f)
	}
}

func TestIdentityVerification(t *testing.T) {
	secret := []byte("shop-secret")
	e := newEnv(t, Options{IdentitySecret: secret})
	exp := time.Now().Add(time.Hour).Unix()
	identity := map[string]any{"id": "customer-42", "expires": exp, "signature": Sign(secret, "customer-42", exp)}

	// Device A: a logged-in customer writes.
	a := e.dial(t)
	a.send(map[string]any{"type": "hello", "lang": "en", "identity": identity})
	a.expect("welcome")
	a.message("q", "hello from my laptop")
	if f := a.answer("q"); f.Type != "ack" {
		t.Fatalf("got %s, want an ack", f)
	}

	// Device B, another token: the same conversation.
	b := e.dial(t)
	b.send(map[string]any{"type": "hello", "lang": "en", "identity": identity})
	w := b.expect("welcome")
	if got := roles(w.Messages); got == "" || w.Messages[1].Text != "hello from my laptop" {
		t.Errorf("second device: history %+v, want the laptop's conversation", w.Messages)
	}

	for name, bad := range map[string]map[string]any{
		"forged":  {"id": "customer-42", "expires": exp, "signature": Sign([]byte("guess"), "customer-42", exp)},
		"expired": {"id": "customer-42", "expires": time.Now().Add(-time.Minute).Unix(), "signature": Sign(secret, "customer-42", time.Now().Add(-time.Minute).Unix())},
		"too far": {"id": "customer-42", "expires": time.Now().Add(90 * 24 * time.Hour).Unix(), "signature": Sign(secret, "customer-42", time.Now().Add(90*24*time.Hour).Unix())},
		"other":   {"id": "customer-43", "expires": exp, "signature": Sign(secret, "customer-42", exp)},
	} {
		c := e.dial(t)
		c.send(map[string]any{"type": "hello", "lang": "en", "identity": bad})
		if w := c.expect("welcome"); len(w.Messages) != 0 {
			t.Errorf("%s identity read the customer's conversation (%d messages)", name, len(w.Messages))
		}
		if f := c.expect("error"); f.Code != codeIdentityRejected {
			t.Errorf("%s identity: got %s, want identity_rejected", name, f)
		}
	}

	// Without a secret configured, no identity is trusted.
	e2 := newEnv(t, Options{})
	c := e2.dial(t)
	c.send(map[string]any{"type": "hello", "lang": "en", "identity": identity})
	c.expect("welcome")
	if f := c.expect("error"); f.Code != codeIdentityRejected {
		t.Errorf("no secret: got %s, want identity_rejected", f)
	}
	if IdentityKey("a") == IdentityKey("b") || IdentityKey("x") == customerKey("x") {
		t.Error("identity keys collide")
	}
}

func TestClientIP(t *testing.T) {
	for _, tc := range []struct {
		header, value, remote, want string
	}{
		{"", "", "203.0.113.7:5000", "203.0.113.7"},
		{"", "", "[2001:db8:1:2:3:4:5:6]:443", "2001:db8:1:2::/64"},
		// The header is ignored unless configured: clients can set it.
		{"", "198.51.100.1", "203.0.113.7:5000", "203.0.113.7"},
		// The proxy appends the peer: the last address is the trusted one.
		{"X-Forwarded-For", "6.6.6.6, 198.51.100.1", "10.0.0.1:80", "198.51.100.1"},
		{"X-Real-IP", "198.51.100.2", "10.0.0.1:80", "198.51.100.2"},
		{"X-Forwarded-For", "garbage", "10.0.0.1:80", "10.0.0.1"},
		{"X-Forwarded-For", "", "10.0.0.1:80", "10.0.0.1"},
	} {
		h := &Handler{opts: Options{ClientIPHeader: tc.header}}
		r := httptest.NewRequest("GET", "/widget/ws", nil)
		r.RemoteAddr = tc.remote
		if tc.value != "" {
			name := cmp.Or(tc.header, "X-Forwarded-For")
			r.Header.Set(name, tc.value)
		}
		if got := h.clientIP(r); got != tc.want {
			t.Errorf("header %q=%q from %s: got %q, want %q", tc.header, tc.value, tc.remote, got, tc.want)
		}
	}
}
