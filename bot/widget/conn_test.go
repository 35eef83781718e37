package widget

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/google/go-cmp/cmp"

	"github.com/relaisbot/relais/bot"
)

func TestHelloWelcome(t *testing.T) {
	tests := []struct {
		name, token, lang string
		wantLang          bot.Lang
	}{
		{"new customer, French", "", "fr", bot.LangFR},
		{"browser language", "", "fr-CA", bot.LangFR},
		{"unsupported language falls back", "", "de-DE", bot.LangEN},
		{"malformed token is replaced", "not-a-token", "en", bot.LangEN},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, Options{})
			_, w := e.hello(t, tt.token, tt.lang, 0)
			if !validToken(w.Token) || w.Token == tt.token {
				t.Errorf("hello token %q: got welcome token %q, want a new valid token", tt.token, w.Token)
			}
			if w.Lang != string(tt.wantLang) || w.State != "bot" || w.MaxLength != bot.DefaultMaxMessageRunes {
				t.Errorf("hello lang %q: got lang %q state %q max_length %d, want %q bot %d",
					tt.lang, w.Lang, w.State, w.MaxLength, tt.wantLang, bot.DefaultMaxMessageRunes)
			}
			if want := e.engine.Texts(tt.wantLang).Greeting; w.Greeting != want || !strings.Contains(w.Greeting, shopName) {
				t.Errorf("got greeting %q, want %q", w.Greeting, want)
			}
			if w.Messages == nil || len(w.Messages) != 0 {
				t.Errorf("got messages %v, want an empty list", w.Messages)
			}
		})
	}
}

func TestMessageFlow(t *testing.T) {
	e := newEnv(t, Options{})
	c, w := e.hello(t, "", "fr", 0)

	c.message("c1", "Quel est le délai de livraison ?")
	if m := c.expectMessage(bot.RoleBot); m.Action != bot.ActionGreeting {
		t.Errorf("first message: got action %q, want the stored greeting", m.Action)
	}
	echo := c.expectMessage(bot.RoleCustomer)
	if echo.ClientID != "c1" || echo.Text != "Quel est le délai de livraison ?" {
		t.Errorf("echo: got client_id %q text %q", echo.ClientID, echo.Text)
	}
	if ack := c.expect("ack"); ack.ClientID != "c1" || ack.ID != echo.ID {
		t.Errorf("got ack %s, want client_id c1 id %d", ack, echo.ID)
	}
	if f := c.expect("typing"); !f.On {
		t.Errorf("got %s, want typing on", f)
	}
	if m := c.expectMessage(bot.RoleBot); m.Action != bot.ActionAnswer || m.Text != "2-3 days." {
		t.Errorf("got answer %+v", m)
	}
	prompt := c.expectMessage(bot.RoleBot)
	if len(prompt.QuickReplies) != 2 || prompt.QuickReplies[0].Payload != bot.PayloadHelpful || prompt.CreatedAt == "" {
		t.Errorf("got prompt %+v, want 👍/👎 quick replies and a time", prompt)
	}
	if at, err := time.Parse(time.RFC3339, prompt.CreatedAt); err != nil || !regexp.MustCompile(`\.\d{3}Z$`).MatchString(prompt.CreatedAt) ||
		time.Since(at) > time.Minute {
		t.Errorf("created_at %q: want RFC 3339 in UTC with milliseconds, just now (%v)", prompt.CreatedAt, err)
	}
	if f := c.expect("typing"); f.On {
		t.Errorf("got %s, want typing off", f)
	}

	// Stored under the token's hash only.
	for _, m := range e.allMessages(t) {
		conv, _ := e.store.Conversation(t.Context(), m.ConversationID)
		if conv.CustomerKey != customerKey(w.Token) || conv.Channel != bot.ChannelWidget {
			t.Errorf("stored conversation %+v, want channel widget and key sha256(token)", conv)
		}
		if strings.Contains(m.ExternalID, w.Token) || strings.Contains(conv.CustomerKey, w.Token) {
			t.Errorf("the token is stored in %v", m)
		}
	}
}

func TestReconnectReplaysHistory(t *testing.T) {
	e := newEnv(t, Options{})
	c, w := e.hello(t, "", "en", 0)
	c.message("c1", "hello there")
	c.expectMessage(bot.RoleBot) // greeting
	ack := c.converse2()
	c.conn.Close(websocket.StatusNormalClosure, "")

	_, all := e.hello(t, w.Token, "en", 0)
	if all.Token != w.Token {
		t.Errorf("reconnect: got token %q, want the same token", all.Token)
	}
	if got := roles(all.Messages); got != "bot customer bot" {
		t.Errorf("reconnect after 0: got roles %q, want %q", got, "bot customer bot")
	}
	if all.Messages[1].ClientID != "c1" {
		t.Errorf("replayed customer message has client_id %q, want c1", all.Messages[1].ClientID)
	}

	_, missed := e.hello(t, w.Token, "en", ack.ID)
	if got := roles(missed.Messages); got != "bot" || missed.Messages[0].ID <= ack.ID {
		t.Errorf("reconnect after %d: got %+v, want only the bot reply", ack.ID, missed.Messages)
	}
}

// converse2 reads the rest of a first exchange after the greeting.
func (c *wsClient) converse2() frame {
	c.t.Helper()
	c.expectMessage(bot.RoleCustomer)
	ack := c.expect("ack")
	c.expect("typing")
	c.expectMessage(bot.RoleBot)
	c.expect("typing")
	return ack
}

func roles(msgs []messageJSON) string {
	var s []string
	for _, m := range msgs {
		s = append(s, string(m.Role))
	}
	return strings.Join(s, " ")
}

func TestResendSameClientID(t *testing.T) {
	e := newEnv(t, Options{})
	c, w := e.hello(t, "", "en", 0)
	c.message("c1", "hello")
	c.expectMessage(bot.RoleBot)
	first := c.converse2()

	// Same connection, then after a reconnect: acked again, stored once.
	c.message("c1", "hello")
	if ack := c.expect("ack"); ack.ID != first.ID {
		t.Errorf("resend: got ack %s, want id %d", ack, first.ID)
	}
	c2, _ := e.hello(t, w.Token, "en", 0)
	c2.message("c1", "hello")
	if ack := c2.expect("ack"); ack.ID != first.ID {
		t.Errorf("resend after reconnect: got ack %s, want id %d", ack, first.ID)
	}
	// Nothing else was sent meanwhile: the next frame is the next message's echo.
	if m := c2.converse("c2", "something else"); m.ClientID != "c2" {
		t.Errorf("got %s, want the ack of c2", m)
	}
	n := 0
	for _, m := range e.allMessages(t) {
		if m.Role == bot.RoleCustomer && clientIDOf(m.ExternalID) == "c1" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("stored %d messages with client_id c1, want 1", n)
	}
}

func TestTooLong(t *testing.T) {
	for _, tt := range []struct{ lang, want string }{{"fr", "trop long"}, {"en", "too long"}} {
		t.Run(tt.lang, func(t *testing.T) {
			e := newEnv(t, Options{})
			c, _ := e.hello(t, "", tt.lang, 0)
			c.message("long", strings.Repeat("é", bot.DefaultMaxMessageRunes+1))
			f := c.expect("error")
			if f.Code != "too_long" || f.ClientID != "long" || !strings.Contains(f.errText(), tt.want) ||
				!strings.Contains(f.errText(), "2000") {
				t.Errorf("got %s, want too_long for client_id long saying %q and 2000", f, tt.want)
			}
			if n := len(e.allMessages(t)); n != 0 {
				t.Errorf("stored %d messages, want none", n)
			}
		})
	}
}

func TestBadRequestKeepsConnection(t *testing.T) {
	e := newEnv(t, Options{})
	c := e.dial(t)
	c.sendRaw(websocket.MessageText, []byte("{not json"))
	if f := c.expect("error"); f.Code != "bad_request" {
		t.Errorf("before hello: got %s, want bad_request", f)
	}
	c.send(map[string]any{"type": "hello", "lang": "fr"})
	c.expect("welcome")

	for _, bad := range []string{`{not json`, `{"type":"dance"}`, `{"type":"hello"}`, `{"type":"message","text":"no id"}`,
		`{"type":"message","client_id":"<script>","text":"x"}`, `"just a string"`} {
		c.sendRaw(websocket.MessageText, []byte(bad))
		f := c.expect("error")
		if f.Code != "bad_request" || f.errText() != badRequestText[bot.LangFR] {
			t.Errorf("sent %s: got %s, want bad_request in French", bad, f)
		}
	}
	c.sendRaw(websocket.MessageBinary, []byte(`{"type":"message"}`))
	if f := c.expect("error"); f.Code != "bad_request" {
		t.Errorf("binary frame: got %s, want bad_request", f)
	}
	c.message("ok", "bonjour")
	c.expectMessage(bot.RoleBot)
	if ack := c.converse2(); ack.ClientID != "ok" {
		t.Errorf("got %s, want ack of ok", ack)
	}
}

func TestOriginAllowList(t *testing.T) {
	e := newEnv(t, Options{AllowedOrigins: []string{"shop.example"}})
	tests := []struct {
		origin string
		ok     bool
	}{
		{"https://shop.example", true},
		{e.srv.URL, true}, // same origin
		{"https://evil.example", false},
		{"https://shop.example.evil.example", false},
	}
	for _, tt := range tests {
		conn, resp, err := websocket.Dial(t.Context(), e.wsURL(), &websocket.DialOptions{
			HTTPHeader: map[string][]string{"Origin": {tt.origin}},
		})
		if tt.ok != (err == nil) {
			t.Errorf("origin %s: got error %v, want allowed=%v", tt.origin, err, tt.ok)
		}
		if !tt.ok && (resp == nil || resp.StatusCode != 403) {
			t.Errorf("origin %s: got response %v, want 403", tt.origin, resp)
		}
		if conn != nil {
			conn.CloseNow()
		}
	}
}

func TestOtherTokenCannotSeeConversation(t *testing.T) {
	e := newEnv(t, Options{})
	a, wa := e.hello(t, "", "en", 0)
	a.message("c1", "my address is 1 rue X")
	a.expectMessage(bot.RoleBot)
	ackA := a.converse2()

	for _, tok := range []string{"", customerKey(wa.Token), newToken()} {
		b, wb := e.hello(t, tok, "en", 0)
		if wb.Token == wa.Token || len(wb.Messages) != 0 || wb.State != "bot" {
			t.Errorf("hello with token %q: got %s, want a stranger's empty welcome", tok, wb)
		}
		// Reusing A's client_id creates B's own message; it does not reveal A's.
		b.message("c1", "hi")
		b.expectMessage(bot.RoleBot)
		if ack := b.converse2(); ack.ID == ackA.ID {
			t.Errorf("B's ack of c1 is A's message id %d", ack.ID)
		}
	}
	// A saw none of B's frames: its next frame is its own.
	if ack := a.converse("c2", "still there?"); ack.ClientID != "c2" {
		t.Errorf("got %s, want A's own ack", ack)
	}
}

func TestInternalErrorIsLocalizedAndNotLeaked(t *testing.T) {
	e := newEnv(t, Options{})
	c, w := e.hello(t, "", "fr", 0)
	c.message("c1", "boom: my secret card number")
	c.expectMessage(bot.RoleBot)
	c.expectMessage(bot.RoleCustomer)
	c.expect("ack")
	c.expect("typing")
	if f := c.expect("typing"); f.On {
		t.Errorf("got %s, want typing off after a failure", f)
	}
	f := c.expect("error")
	// The message was stored before answering failed: the customer is told so.
	if f.Code != "internal" || f.ClientID != "c1" || f.errText() != e.engine.Texts(bot.LangFR).NotAnswered {
		t.Errorf("got %s, want the French NotAnswered text for c1", f)
	}
	logs := e.logs.String()
	if !strings.Contains(logs, "faq backend unreachable") {
		t.Errorf("logs %s: want the internal error logged", logs)
	}
	for _, secret := range []string{"secret card", w.Token} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs contain %q: %s", secret, logs)
		}
	}
}

func TestRateLimited(t *testing.T) {
	e := newEnv(t, Options{RateBurst: 1, RateEvery: 1e12})
	c, _ := e.hello(t, "", "en", 0)
	c.message("c1", "hi")
	c.message("c2", "hi again")
	// The refusal comes from the reader, possibly before c1's frames.
	var got frame
	for range 8 {
		if f := c.read(); f.Type == "error" {
			got = f
			break
		}
	}
	if got.Code != "rate_limited" || got.ClientID != "c2" || got.errText() != e.engine.Texts(bot.LangEN).RateLimited {
		t.Errorf("got %s, want rate_limited for c2", got)
	}
}

// brokenHistory is an Engine whose store cannot be read.
type brokenHistory struct{ Engine }

func (brokenHistory) LatestConversation(context.Context, bot.Channel, string) (bot.Conversation, error) {
	return bot.Conversation{}, errors.New("database is locked")
}

func TestWelcomeFailure(t *testing.T) {
	e := newEnv(t, Options{})
	e.h.engine = brokenHistory{e.engine}
	c := e.dial(t)
	c.send(map[string]any{"type": "hello", "lang": "fr"})
	f := c.expect("error")
	if f.Code != "internal" || f.errText() != e.engine.Texts(bot.LangFR).InternalFailure {
		t.Errorf("got %s, want the French InternalFailure text", f)
	}
	_, _, err := c.conn.Read(t.Context())
	if got := websocket.CloseStatus(err); got != websocket.StatusInternalError {
		t.Errorf("got close %v (%v), want 1011", got, err)
	}
	if logs := e.logs.String(); !strings.Contains(logs, "database is locked") {
		t.Errorf("logs %s: want the failure logged", logs)
	}
}

func TestOptionsDefaults(t *testing.T) {
	tests := []struct {
		in   Options
		want Options
	}{
		{Options{}, Options{MaxMessageRunes: 2000, DefaultLang: bot.LangEN, ReadLimit: 64 << 10,
			WriteTimeout: 10 * time.Second, PingInterval: 30 * time.Second, PongTimeout: 10 * time.Second,
			HelloTimeout: 10 * time.Second, SendBuffer: 64, HistoryLimit: 200, ProcessTimeout: time.Minute,
			RateBurst: 10, RateEvery: time.Second, ConnectionsPerIP: 20, NewConversationsPerIP: 30, MessagesPerMinute: 30}},
		// The read limit always fits the longest message, even fully escaped.
		{Options{MaxMessageRunes: 10000, ReadLimit: 1000, DefaultLang: bot.LangFR}, Options{MaxMessageRunes: 10000,
			DefaultLang: bot.LangFR, ReadLimit: 10000*12 + 4096,
			WriteTimeout: 10 * time.Second, PingInterval: 30 * time.Second, PongTimeout: 10 * time.Second,
			HelloTimeout: 10 * time.Second, SendBuffer: 64, HistoryLimit: 200, ProcessTimeout: time.Minute,
			RateBurst: 10, RateEvery: time.Second, ConnectionsPerIP: 20, NewConversationsPerIP: 30, MessagesPerMinute: 30}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, tt.in.withDefaults()); diff != "" {
			t.Errorf("withDefaults(%+v) mismatch (-want +got):\n%s", tt.in, diff)
		}
	}
}
