package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/relaisbot/relais/bot"
	"github.com/relaisbot/relais/storage"
)

// wsClient speaks the widget protocol (README "Widget protocol") like a
// shop's own front end would.
type wsClient struct {
	t    *testing.T
	conn *websocket.Conn
}

type frame struct {
	Type     string          `json:"type"`
	Token    string          `json:"token"`
	Lang     string          `json:"lang"`
	State    string          `json:"state"`
	Greeting string          `json:"greeting"`
	ClientID string          `json:"client_id"`
	ID       int64           `json:"id"`
	On       bool            `json:"on"`
	Code     string          `json:"code"`
	Message  json.RawMessage `json:"message"`
	Messages []wireMessage   `json:"messages"`
}

type wireMessage struct {
	ID           int64  `json:"id"`
	Role         string `json:"role"`
	Author       string `json:"author"`
	Text         string `json:"text"`
	ClientID     string `json:"client_id"`
	Action       string `json:"action"`
	QuickReplies []struct {
		Label   string `json:"label"`
		Payload string `json:"payload"`
	} `json:"quick_replies"`
}

func dialWidget(t *testing.T, baseURL string) *wsClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, strings.Replace(baseURL, "http://", "ws://", 1)+"/widget/ws", nil)
	if err != nil {
		t.Fatalf("dial widget: %v", err)
	}
	t.Cleanup(func() { conn.CloseNow() })
	return &wsClient{t: t, conn: conn}
}

func (c *wsClient) send(v any) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := wsjson.Write(ctx, c.conn, v); err != nil {
		c.t.Fatalf("send %v: %v", v, err)
	}
}

// next reads frames until one of type typ arrives; it returns it and the
// messages ("message" frames) seen on the way, including it.
func (c *wsClient) next(typ string) (frame, []wireMessage) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var seen []wireMessage
	for {
		var f frame
		if err := wsjson.Read(ctx, c.conn, &f); err != nil {
			c.t.Fatalf("waiting for %q: %v", typ, err)
		}
		if f.Type == "message" {
			var m wireMessage
			if err := json.Unmarshal(f.Message, &m); err != nil {
				c.t.Fatalf("bad message frame: %v", err)
			}
			seen = append(seen, m)
		}
		if f.Type == typ {
			return f, seen
		}
	}
}

func (c *wsClient) hello(token string, after int64, lang string) frame {
	c.t.Helper()
	c.send(map[string]any{"type": "hello", "token": token, "lang": lang, "after": after})
	f, _ := c.next("welcome")
	return f
}

// ask sends text and returns the bot's reply messages (until typing off).
func (c *wsClient) ask(clientID, text string) (ack frame, replies []wireMessage) {
	c.t.Helper()
	c.send(map[string]any{"type": "message", "client_id": clientID, "text": text})
	ack, _ = c.next("ack")
	if ack.ClientID != clientID || ack.ID == 0 {
		c.t.Fatalf("ack = %+v, want client_id %s and a stored id", ack, clientID)
	}
	for {
		f, msgs := c.next("typing")
		for _, m := range msgs {
			if m.Role == "bot" || m.Role == "agent" {
				replies = append(replies, m)
			}
		}
		if !f.On {
			return ack, replies
		}
	}
}

func TestWidgetConversationEndToEnd(t *testing.T) {
	r := startRelais(t, "", nil)

	c := dialWidget(t, r.URL)
	w := c.hello("", 0, "fr-FR")
	if w.Token == "" || w.Lang != "fr" || !strings.Contains(w.Greeting, "Bonjour") {
		t.Fatalf("welcome = %+v; want a new token and a French greeting", w)
	}
	ack, replies := c.ask("c-1", "Où est ma commande ?")
	if len(replies) < 1 || replies[0].Action != "answer" {
		t.Fatalf("replies = %+v; want an FAQ answer", replies)
	}
	answer := replies[0].Text
	if !strings.Contains(strings.ToLower(answer), "suivi") && !strings.Contains(strings.ToLower(answer), "suivre") {
		t.Errorf("answer %q is not the French tracking answer", answer)
	}

	// Network loss: a new connection with the token replays the history.
	c.conn.CloseNow()
	c2 := dialWidget(t, r.URL)
	w2 := c2.hello(w.Token, 0, "fr")
	if w2.Token != w.Token {
		t.Errorf("resume: token changed from %q to %q", w.Token, w2.Token)
	}
	var texts []string
	for _, m := range w2.Messages {
		texts = append(texts, m.Role+":"+m.Text)
	}
	joined := strings.Join(texts, "\n")
	if !strings.Contains(joined, "customer:Où est ma commande ?") || !strings.Contains(joined, answer) {
		t.Errorf("history after reconnect lacks the question or the answer:\n%s", joined)
	}
	stored := len(w2.Messages)

	// A resend of the same client id (the ack was lost) is acknowledged with the
	// same id and stores nothing.
	c2.send(map[string]any{"type": "message", "client_id": "c-1", "text": "Où est ma commande ?"})
	again, _ := c2.next("ack")
	if again.ID != ack.ID {
		t.Errorf("resend ack id = %d, want %d", again.ID, ack.ID)
	}
	c3 := dialWidget(t, r.URL)
	if w3 := c3.hello(w.Token, 0, "fr"); len(w3.Messages) != stored {
		t.Errorf("after resend: %d messages in history, want %d (no duplicate)", len(w3.Messages), stored)
	}

	// Only the owner of the token reads the conversation.
	stranger := dialWidget(t, r.URL)
	if ws := stranger.hello("", 0, "en"); len(ws.Messages) != 0 || ws.Token == w.Token {
		t.Errorf("a new visitor got %d messages and token %q; want an empty, separate conversation", len(ws.Messages), ws.Token)
	}
	forged := dialWidget(t, r.URL)
	if wf := forged.hello(w.Token[:len(w.Token)-2]+"xx", 0, "en"); len(wf.Messages) != 0 {
		t.Errorf("a forged token read %d messages", len(wf.Messages))
	}
}

func TestWidgetTooLongMessage(t *testing.T) {
	r := startRelais(t, "", map[string]string{"RELAIS_WIDGET_MAX_MESSAGE_LENGTH": "50"})
	c := dialWidget(t, r.URL)
	c.hello("", 0, "en")
	c.send(map[string]any{"type": "message", "client_id": "long", "text": strings.Repeat("a", 51)})
	f, _ := c.next("error")
	if f.Code != "too_long" || f.ClientID != "long" {
		t.Fatalf("error frame = %+v, want too_long for client id long", f)
	}
	// The connection still works.
	_, replies := c.ask("short", "hello")
	if len(replies) == 0 {
		t.Error("no reply after a refused message")
	}
}

// Shutdown closes live WebSockets with "going away" (the widget reconnects)
// and run returns cleanly, well within the shutdown timeout.
func TestGracefulShutdownClosesWidgets(t *testing.T) {
	r := startRelais(t, "", map[string]string{"RELAIS_SHUTDOWN_TIMEOUT": "5s"})
	c := dialWidget(t, r.URL)
	c.hello("", 0, "en")
	// Read like a browser does, so the close handshake is answered.
	closed := make(chan error, 1)
	go func() {
		for {
			if _, _, err := c.conn.Read(context.Background()); err != nil {
				closed <- err
				return
			}
		}
	}()
	start := time.Now()
	if err := r.stop(); err != nil {
		t.Fatalf("run: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("shutdown took %v with one idle widget, want well under the 5s timeout", d)
	}
	select {
	case err := <-closed:
		if got := websocket.CloseStatus(err); got != websocket.StatusGoingAway {
			t.Errorf("close status = %v (%v), want 1001 going away", got, err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the WebSocket stayed open after shutdown")
	}
}

// A message stored but not answered before a crash is answered when Relais
// starts again, and the customer finds the answer in their history.
func TestUnansweredMessageIsAnsweredAfterRestart(t *testing.T) {
	dir := t.TempDir()
	r := startRelais(t, dir, nil)
	c := dialWidget(t, r.URL)
	w := c.hello("", 0, "en")
	c.ask("first", "hello")
	c.conn.CloseNow()
	if err := r.stop(); err != nil {
		t.Fatal(err)
	}

	// The crash: a message stored (as Accept does) but never answered.
	db, err := storage.Open(context.Background(), r.DB)
	if err != nil {
		t.Fatal(err)
	}
	conv, err := db.LatestConversation(context.Background(), bot.ChannelWidget, widgetKey(w.Token))
	if err != nil {
		t.Fatal(err)
	}
	conv.UpdatedAt = time.Now().Add(-time.Minute)
	lost := bot.Message{Role: bot.RoleCustomer, Text: "where is my parcel", ExternalID: "lost", CreatedAt: time.Now().Add(-time.Minute)}
	if err := db.Commit(context.Background(), &bot.Change{Conversation: &conv, Messages: []bot.Message{lost}}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	r2 := startRelais(t, dir, nil)
	c2 := dialWidget(t, r2.URL)
	deadline := time.Now().Add(10 * time.Second)
	for {
		w2 := c2.hello(w.Token, 0, "en")
		last := w2.Messages[len(w2.Messages)-1]
		if last.Role == "bot" && last.Action == "feedback" && w2.Messages[len(w2.Messages)-2].Action == "answer" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the stored message was not answered after restart; last message: %+v", last)
		}
		time.Sleep(100 * time.Millisecond)
		c2 = dialWidget(t, r2.URL)
	}
}

// widgetKey is how the widget identifies a customer: the token's SHA-256.
func widgetKey(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
