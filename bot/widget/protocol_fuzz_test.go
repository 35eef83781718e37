package widget

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"

	"github.com/relaisbot/relais/bot"
	"github.com/relaisbot/relais/storage"
)

// The widget's decoder is not one function: a frame is read by readHello
// (first frame) or readLoop and receive (later ones), then checked by the
// Engine's Validate. FuzzWidgetFrame drives that real path, over a real
// WebSocket to a Handler wired to a real Engine and store, and checks what
// the README ("Widget protocol") promises for any frame, text or binary:
//
//   - as the first frame: a hello gets a welcome (the hello's token kept if
//     it is one the server could have made, else a fresh valid one; the
//     hello's language if supported; max_length the configured limit), plus
//     an identity_rejected error when it carries an identity the server
//     cannot verify; anything else gets one bad_request error in the
//     default language and the connection stays open for a hello;
//   - after the hello: a message frame with a valid client_id, payload and
//     text is acknowledged with its client_id and echoed back exactly as
//     decoded (the stored text and payload are the frame's); a frame that is
//     not one gets exactly one error, with the code the protocol gives for
//     its fault, a non-empty message, and the client_id echoed only when it
//     is valid; the connection stays open either way;
//   - a frame over the read limit closes the connection with 1009 (message
//     too big), and no frame the server sends exceeds a bounded size.

// fuzzMaxRunes is the message limit of the fuzzed server, small so that
// fuzzing reaches too_long.
const fuzzMaxRunes = 100

// maxOutFrame bounds any frame the server sends in answer to one short
// message (the welcome of a new customer, an echo, an error).
const maxOutFrame = 16 << 10

// clientIDSpec is the README's client_id: what crypto.randomUUID() and the
// like produce, at most 100 characters.
var clientIDSpec = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,100}$`)

// newFuzzEnv is newEnv for a fuzz target: abuse limits off (every iteration
// is a new customer from the same address) and a small message limit.
func newFuzzEnv(f *testing.F) *env {
	f.Helper()
	logger := slog.New(slog.DiscardHandler)
	db, err := storage.Open(context.Background(), filepath.Join(f.TempDir(), "relais.db"))
	if err != nil {
		f.Fatal(err)
	}
	e := &env{store: db, logs: &syncBuffer{}}
	e.engine = bot.NewEngine(bot.Config{Shop: bot.Shop{Name: shopName}, DefaultLang: bot.LangEN, MaxMessageRunes: fuzzMaxRunes},
		db, fakeFAQ{}, fakePolicy{}, fakeDesk{}, logger)
	e.h = New(e.engine, Options{
		MaxMessageRunes: fuzzMaxRunes, RateBurst: 1000, RateEvery: time.Millisecond,
		ConnectionsPerIP: -1, NewConversationsPerIP: -1, MessagesPerMinute: -1,
	}, logger)
	e.engine.AddPublisher(e.h)
	mux := http.NewServeMux()
	e.h.Register(mux)
	e.srv = httptest.NewServer(mux)
	f.Cleanup(func() {
		e.h.Close(context.Background())
		e.srv.Close()
		db.Close()
	})
	return e
}

func FuzzWidgetFrame(f *testing.F) {
	validTok := base64.RawURLEncoding.EncodeToString(make([]byte, 32))
	for _, s := range []string{
		`{"type":"hello"}`,
		`{"type":"hello","lang":"fr","after":0}`,
		`{"type":"hello","token":"` + validTok + `","lang":" EN ","after":-5}`,
		`{"type":"hello","token":"` + validTok + `=","lang":"fr-FR"}`,
		`{"type":"hello","token":"not-a-token","lang":"de"}`,
		`{"type":"hello","identity":{"id":"cust-42","expires":4102444800,"signature":"00"}}`,
		`{"type":"hello","identity":null}`,
		`{"type":"hello","after":"7"}`,
		`{"type":"HELLO"}`,
		`{"type":"hello","type":"message"}`,
		`{"type":"message","client_id":"c1","text":"Où est mon colis ?"}`,
		`{"type":"message","client_id":"550e8400-e29b-41d4-a716-446655440000","text":"Where is my order? 📦"}`,
		`{"type":"message","client_id":"c2","text":"livraison","payload":"faq:delivery.delay"}`,
		`{"type":"message","client_id":"c3","text":"","payload":"human"}`,
		`{"type":"message","client_id":"c4","text":"   \n\t "}`,
		`{"type":"message","client_id":"c5","text":"` + strings.Repeat("é", fuzzMaxRunes) + `"}`,
		`{"type":"message","client_id":"c6","text":"` + strings.Repeat("é", fuzzMaxRunes+1) + `"}`,
		`{"type":"message","client_id":"c7","text":"x","payload":"` + strings.Repeat("p", maxPayloadLen+1) + `"}`,
		`{"type":"message","client_id":"` + strings.Repeat("a", maxClientIDLen+1) + `","text":"x"}`,
		`{"type":"message","client_id":"<script>","text":"x"}`,
		`{"type":"message","client_id":"c8","text":"\ud800 lone surrogate \u0000 nul"}`,
		`{"type":"message","client_id":"c9","text":"\u200b\u200d\u2066RTL \u05e9\u05dc\u05d5\u05dd\u2069"}`,
		`{"type":"message","client_id":"c10","text":"BOOM"}`,
		`{"type":"message","client_id":"c11","text":"hi","after":1e400}`,
		`{"type":"message","client_id":"c12","text":"hi","extra":{"deep":[1,2,{"x":null}]}}`,
		`{"type":"message","client_id":12,"text":"hi"}`,
		`{"type":"message","client_id":"c13","text":["hi"]}`,
		`{"type":"message","client_id":"c14","text":"hi"} trailing`,
		`{"type":"typing","on":true}`,
		`{"type":"ack","client_id":"c1","id":1}`,
		`{}`, `null`, `[]`, `"just a string"`, `42`, ``, `{`, `{"type":`, "\xff\xfe{\"type\":\"hello\"}",
	} {
		f.Add([]byte(s), false)
	}
	f.Add([]byte(`{"type":"hello"}`), true)
	f.Add([]byte(`{"type":"message","client_id":"big","text":"`+strings.Repeat("x", 70<<10)+`"}`), false) // over the read limit
	f.Add([]byte(`{"type":"message","client_id":"c1","text":"hi"}`), true)

	e := newFuzzEnv(f)
	f.Fuzz(func(t *testing.T, data []byte, binary bool) {
		typ := websocket.MessageText
		if binary {
			typ = websocket.MessageBinary
		}
		checkAsHello(t, e, typ, data)
		checkAfterHello(t, e, typ, data)
	})
}

// checkAsHello sends data as the first frame of a connection.
func checkAsHello(t *testing.T, e *env, typ websocket.MessageType, data []byte) {
	c := e.dial(t)
	defer c.conn.CloseNow()
	if int64(len(data)) > e.h.opts.ReadLimit {
		checkTooBig(t, c, typ, data, e.h.opts.ReadLimit)
		return
	}
	c.sendRaw(typ, data)
	var hello inFrame
	if typ != websocket.MessageText || json.Unmarshal(data, &hello) != nil || hello.Type != typeHello {
		f := checkedFrame(t, c, data)
		if f.Type != typeError || f.Code != codeBadRequest || f.errText() != badRequestText[bot.LangEN] || f.ClientID != "" {
			t.Fatalf("first frame %.300q: got %s, want one bad_request error in English", data, f)
		}
		// The connection is still open for a hello.
		c.send(map[string]any{"type": "hello", "lang": "fr"})
		if w := checkedFrame(t, c, data); w.Type != typeWelcome || w.Lang != "fr" {
			t.Fatalf("hello after the bad first frame %.300q: got %s, want a French welcome", data, w)
		}
		return
	}

	w := checkedFrame(t, c, data)
	if w.Type != typeWelcome {
		t.Fatalf("hello %.300q: got %s, want a welcome", data, w)
	}
	if tokenSpec(hello.Token) {
		if w.Token != hello.Token {
			t.Errorf("hello %.300q: welcome token %q, want the hello's token kept", data, w.Token)
		}
	} else if !tokenSpec(w.Token) {
		t.Errorf("hello %.300q: welcome token %q is not a fresh 32-byte base64url token", data, w.Token)
	}
	wantLang := "en"
	if l := strings.ToLower(strings.TrimSpace(hello.Lang)); strings.HasPrefix(l, "fr") {
		if _, err := bot.ParseLang(l); err == nil {
			wantLang = "fr"
		}
	}
	// The fuzzer's tokens never have a conversation (checkAfterHello uses
	// fresh ones), so the welcome is a new customer's.
	if w.Lang != wantLang || w.MaxLength != fuzzMaxRunes || w.Greeting == "" || len(w.Messages) != 0 || w.State != string(bot.StateBot) {
		t.Errorf("hello %.300q: got %s, want a new customer's welcome in %s with max_length %d", data, w, wantLang, fuzzMaxRunes)
	}
	if hello.Identity != nil {
		// No identity secret is configured: any identity is refused.
		if f := checkedFrame(t, c, data); f.Type != typeError || f.Code != codeIdentityRejected || f.errText() == "" {
			t.Errorf("hello %.300q with an identity: got %s, want identity_rejected", data, f)
		}
	}
}

// checkAfterHello sends data after a hello, then a sentinel message, and
// checks every frame the server sends until the sentinel's ack.
func checkAfterHello(t *testing.T, e *env, typ websocket.MessageType, data []byte) {
	c := e.dial(t)
	defer c.conn.CloseNow()
	token := newToken() // a new customer: none of the fuzzer's client_ids was used before
	c.send(map[string]any{"type": "hello", "token": token})
	if w := checkedFrame(t, c, nil); w.Type != typeWelcome {
		t.Fatalf("hello: got %s, want a welcome", w)
	}
	if int64(len(data)) > e.h.opts.ReadLimit {
		checkTooBig(t, c, typ, data, e.h.opts.ReadLimit)
		return
	}
	c.sendRaw(typ, data)
	sentinel := "sentinel-" + newToken()[:16]
	c.message(sentinel, "sentinel")

	want := expectedAfterHello(typ, data)
	var frames []frame
	var ack, echo *frame
	for {
		f := checkedFrame(t, c, data)
		if f.ClientID == sentinel && (f.Type == typeAck || f.Type == typeError) {
			if f.Type != typeAck {
				t.Fatalf("frame %.300q: the sentinel message got %s, want an ack", data, f)
			}
			break
		}
		frames = append(frames, f)
		switch {
		case f.Type == typeError && (want.code == "" || f.Code != want.code || f.ClientID != want.clientID):
			// The fake FAQ fails on "boom": the message is stored and
			// acknowledged, then answering fails.
			if !(want.code == "" && want.boom && f.Code == codeInternal && ack != nil && f.ClientID == want.clientID) {
				t.Fatalf("frame %.300q: got %s, want %s", data, f, want)
			}
		case f.Type == typeAck:
			if want.code != "" || f.ClientID != want.clientID || f.ID <= 0 || ack != nil {
				t.Fatalf("frame %.300q: got %s, want %s", data, f, want)
			}
			ack = &f
		case f.Type == typeMessage && f.msg().Role == bot.RoleCustomer && f.msg().ClientID != sentinel:
			if m := f.msg(); want.code != "" || echo != nil || m.ClientID != want.clientID {
				t.Fatalf("frame %.300q: got an echo %s, want %s", data, f.Raw, want)
			}
			echo = &f
		}
	}
	if want.code == "" {
		if ack == nil || echo == nil {
			t.Fatalf("frame %.300q: got %s, want an ack and the echo of client_id %q", data, frames, want.clientID)
		}
		m := echo.msg()
		if m.ID != ack.ID || m.Text != want.text || utf8.RuneCountInString(m.Text) > fuzzMaxRunes {
			t.Errorf("frame %.300q: echoed as %s, want the ack's id %d and the text %q as decoded", data, echo.Raw, ack.ID, want.text)
		}
		// What was stored is what was sent.
		conv, err := e.engine.LatestConversation(context.Background(), bot.ChannelWidget, customerKey(token))
		if err != nil {
			t.Fatalf("frame %.300q: acknowledged, but the customer has no conversation: %v", data, err)
		}
		msgs, err := e.engine.History(context.Background(), conv.ID, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, s := range msgs {
			if s.ID == m.ID {
				found = true
				if s.Text != want.text || s.Payload != want.payload || clientIDOf(s.ExternalID) != want.clientID {
					t.Errorf("frame %.300q: stored text %q payload %q external id %q, want %q %q and client_id %q",
						data, s.Text, s.Payload, s.ExternalID, want.text, want.payload, want.clientID)
				}
			}
		}
		if !found {
			t.Errorf("frame %.300q: message %d acknowledged but not stored", data, m.ID)
		}
		return
	}
	errs := 0
	for _, f := range frames {
		if f.Type == typeError {
			errs++
		}
	}
	if errs != 1 || ack != nil || echo != nil {
		t.Fatalf("frame %.300q: got %s, want exactly one error %s", data, frames, want)
	}
}

// verdict is what the protocol says the server does with a frame after the
// hello: code "" means accepted (ack and echo), else one error with code.
type verdict struct {
	code, clientID string
	text, payload  string
	boom           bool // the fake FAQ fails to answer it
}

func (v verdict) String() string {
	if v.code == "" {
		return "ack and echo of client_id " + v.clientID
	}
	return "error " + v.code + " for client_id " + strconvQuote(v.clientID)
}

func strconvQuote(s string) string { b, _ := json.Marshal(s); return string(b) }

// expectedAfterHello is the protocol, written down independently of
// readLoop and receive (the README's "Widget protocol").
func expectedAfterHello(typ websocket.MessageType, data []byte) verdict {
	var f struct {
		Type     string    `json:"type"`
		Token    string    `json:"token"`
		Lang     string    `json:"lang"`
		After    int64     `json:"after"`
		ClientID string    `json:"client_id"`
		Text     string    `json:"text"`
		Payload  string    `json:"payload"`
		Identity *Identity `json:"identity"`
	}
	if typ != websocket.MessageText || json.Unmarshal(data, &f) != nil || f.Type != "message" || !clientIDSpec.MatchString(f.ClientID) {
		return verdict{code: codeBadRequest}
	}
	v := verdict{clientID: f.ClientID, text: f.Text, payload: f.Payload}
	switch {
	case len(f.Payload) > 200:
		v.code = codeBadRequest
	case strings.TrimSpace(f.Text) == "" && f.Payload == "":
		v.code = codeInvalid
	case utf8.RuneCountInString(f.Text) > fuzzMaxRunes:
		v.code = codeTooLong
	}
	v.boom = strings.Contains(strings.ToLower(f.Text), "boom")
	return v
}

// tokenSpec reports whether tok is a token as the README describes them:
// 32 bytes in unpadded base64url, canonically encoded.
func tokenSpec(tok string) bool {
	b, err := base64.RawURLEncoding.Strict().DecodeString(tok)
	return err == nil && len(b) == 32 && len(tok) == 43
}

// checkedFrame reads the next frame and checks what every server frame
// satisfies: a JSON text frame of bounded size, of a known type; errors have
// a known code and a message.
func checkedFrame(t *testing.T, c *wsClient, sent []byte) frame {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	typ, b, err := c.conn.Read(ctx)
	if err != nil {
		t.Fatalf("after sending %.300q: read frame: %v", sent, err)
	}
	var f frame
	if typ != websocket.MessageText || !utf8.Valid(b) || json.Unmarshal(b, &f) != nil {
		t.Fatalf("after sending %.300q: got %v %q, want a JSON text frame", sent, typ, b)
	}
	if len(b) > maxOutFrame {
		t.Fatalf("after sending %.300q: frame of %d bytes, more than %d", sent, len(b), maxOutFrame)
	}
	switch f.Type {
	case typeWelcome, typeMessage, typeAck, typeTyping:
	case typeError:
		switch f.Code {
		case codeTooLong, codeInvalid, codeRateLimited, codeBadRequest, codeInternal, codeIdentityRejected:
		default:
			t.Fatalf("after sending %.300q: error frame %s with an unknown code", sent, b)
		}
		if f.errText() == "" {
			t.Fatalf("after sending %.300q: error frame %s without a message", sent, b)
		}
	default:
		t.Fatalf("after sending %.300q: frame %s of unknown type", sent, b)
	}
	return f
}

// checkTooBig sends a frame over the read limit: the server closes the
// connection with 1009 (message too big).
func checkTooBig(t *testing.T, c *wsClient, typ websocket.MessageType, data []byte, limit int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = c.conn.Write(ctx, typ, data) // the server may close before reading it all
	for {
		_, _, err := c.conn.Read(ctx)
		if err == nil {
			continue
		}
		if s := websocket.CloseStatus(err); s != websocket.StatusMessageTooBig {
			t.Fatalf("frame of %d bytes over the %d-byte limit: connection ended with %v, want close status %v",
				len(data), limit, err, websocket.StatusMessageTooBig)
		}
		return
	}
}
