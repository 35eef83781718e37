package widget

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/relaisbot/relais/bot"
	"github.com/relaisbot/relais/storage"
)

const shopName = "Test Shop"

// env is a Handler wired to a real *bot.Engine over fakes, behind an httptest server.
type env struct {
	h      *Handler
	engine *bot.Engine
	store  *storage.DB
	srv    *httptest.Server
	logs   *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newEnv(t *testing.T, opts Options) *env {
	t.Helper()
	logs := &syncBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	db, err := storage.Open(context.Background(), filepath.Join(t.TempDir(), "relais.db"))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{store: db, logs: logs}
	e.engine = bot.NewEngine(bot.Config{Shop: bot.Shop{Name: shopName}, DefaultLang: bot.LangEN},
		e.store, fakeFAQ{}, fakePolicy{}, fakeDesk{}, logger)
	e.h = New(e.engine, opts, logger)
	e.engine.AddPublisher(e.h)
	mux := http.NewServeMux()
	e.h.Register(mux)
	e.srv = httptest.NewServer(mux)
	t.Cleanup(func() {
		e.h.Close(context.Background())
		e.srv.Close()
		db.Close()
	})
	return e
}

// allMessages returns every stored message, oldest first.
func (e *env) allMessages(t *testing.T) []bot.Message {
	t.Helper()
	var all []bot.Message
	for id := int64(1); ; id++ {
		if _, err := e.store.Conversation(context.Background(), id); err != nil {
			return all
		}
		msgs, err := e.store.Messages(context.Background(), id, 0, 10000)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, msgs...)
	}
}

func (e *env) wsURL() string { return "ws" + strings.TrimPrefix(e.srv.URL, "http") + "/widget/ws" }

// frame is any server→client frame. "message" is an object in message frames
// and a string in error frames, so it is kept raw.
type frame struct {
	Type      string          `json:"type"`
	Token     string          `json:"token"`
	Lang      string          `json:"lang"`
	State     string          `json:"state"`
	Greeting  string          `json:"greeting"`
	MaxLength int             `json:"max_length"`
	Messages  []messageJSON   `json:"messages"`
	Raw       json.RawMessage `json:"message"`
	ClientID  string          `json:"client_id"`
	ID        int64           `json:"id"`
	On        bool            `json:"on"`
	Code      string          `json:"code"`
}

func (f frame) msg() messageJSON {
	var m messageJSON
	json.Unmarshal(f.Raw, &m)
	return m
}

func (f frame) errText() string {
	var s string
	json.Unmarshal(f.Raw, &s)
	return s
}

func (f frame) String() string {
	b, _ := json.Marshal(f)
	return string(b)
}

type wsClient struct {
	t    *testing.T
	conn *websocket.Conn
}

func (e *env) dial(t *testing.T) *wsClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, e.wsURL(), nil)
	if err != nil {
		t.Fatalf("dial %s: %v", e.wsURL(), err)
	}
	conn.SetReadLimit(4 << 20)
	t.Cleanup(func() { conn.CloseNow() })
	return &wsClient{t: t, conn: conn}
}

// hello dials and greets the server; it returns the client and the welcome.
func (e *env) hello(t *testing.T, token, lang string, after int64) (*wsClient, frame) {
	t.Helper()
	c := e.dial(t)
	c.send(map[string]any{"type": "hello", "token": token, "lang": lang, "after": after})
	return c, c.expect("welcome")
}

func (c *wsClient) send(v any) {
	c.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		c.t.Fatal(err)
	}
	c.sendRaw(websocket.MessageText, b)
}

func (c *wsClient) sendRaw(typ websocket.MessageType, b []byte) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.conn.Write(ctx, typ, b); err != nil {
		c.t.Fatalf("write %s: %v", b, err)
	}
}

func (c *wsClient) message(clientID, text string) {
	c.t.Helper()
	c.send(map[string]string{"type": "message", "client_id": clientID, "text": text})
}

func (c *wsClient) read() frame {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	typ, b, err := c.conn.Read(ctx)
	if err != nil {
		c.t.Fatalf("read frame: %v", err)
	}
	var f frame
	if typ != websocket.MessageText || json.Unmarshal(b, &f) != nil {
		c.t.Fatalf("read frame: got %v %q, want a JSON text frame", typ, b)
	}
	return f
}

// expect reads the next frame and fails unless it has type typ.
func (c *wsClient) expect(typ string) frame {
	c.t.Helper()
	f := c.read()
	if f.Type != typ {
		c.t.Fatalf("got frame %s, want type %q", f, typ)
	}
	return f
}

// expectMessage reads a message frame from role.
func (c *wsClient) expectMessage(role bot.Role) messageJSON {
	c.t.Helper()
	f := c.expect("message")
	if m := f.msg(); m.Role != role {
		c.t.Fatalf("got message %s, want role %q", f.Raw, role)
	}
	return f.msg()
}

// converse sends a message of a customer who already has a conversation and
// a fallback reply; it returns the ack.
func (c *wsClient) converse(clientID, text string) frame {
	c.t.Helper()
	c.message(clientID, text)
	c.expectMessage(bot.RoleCustomer)
	ack := c.expect("ack")
	if f := c.expect("typing"); !f.On {
		c.t.Fatalf("got %s, want typing on", f)
	}
	c.expectMessage(bot.RoleBot)
	if f := c.expect("typing"); f.On {
		c.t.Fatalf("got %s, want typing off", f)
	}
	return ack
}

// eventually polls cond until it holds or 5 seconds pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// answer reads frames until the ack or error for clientID and returns it,
// skipping the echo, greetings and typing indicators in between.
func (c *wsClient) answer(clientID string) frame {
	c.t.Helper()
	for {
		f := c.read()
		if (f.Type == "ack" || f.Type == "error") && f.ClientID == clientID {
			return f
		}
	}
}
