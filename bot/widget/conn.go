package widget

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/relaisbot/relais/bot"
)

// Log attribute keys. Logs carry ids and sizes, never customer text or tokens.
const (
	keyConversation = "conversation"
	keyMessage      = "message"
	keyBytes        = "bytes"
	keyOp           = "op"
	keyCause        = "cause"
	keyError        = "err"
)

// Why a connection ended.
var (
	errShutdown = errors.New("server shutting down")
	errSlow     = errors.New("client too slow")
	errNoPong   = errors.New("no pong")
	errGone     = errors.New("connection closed")
)

// outFrame is an encoded server→client frame. msgID is the stored message it
// carries, if any, so that a frame already replayed in the welcome is skipped.
type outFrame struct {
	data  []byte
	msgID int64
	agent *bot.Message // an agent's message, reported delivered once written
}

// client is one WebSocket connection. It runs three goroutines: the reader
// (the HTTP handler's own), the writer and the worker. All end when ctx is
// done; the writer then closes the connection, which ends the reader.
type client struct {
	h      *Handler
	conn   *websocket.Conn
	key    string // customerKey of the token
	send   chan outFrame
	inbox  chan inFrame
	ctx    context.Context
	cancel context.CancelCauseFunc

	skipThrough int64 // message ids up to this one were in the welcome; set before the writer starts

	langMu sync.Mutex
	lang   bot.Lang // language of the customer's texts and errors

	// Rate limiter; used by the reader goroutine only.
	tokens float64
	last   time.Time
}

func (c *client) language() bot.Lang {
	c.langMu.Lock()
	defer c.langMu.Unlock()
	return c.lang
}

func (c *client) setLanguage(l bot.Lang) {
	if l == "" {
		return
	}
	c.langMu.Lock()
	defer c.langMu.Unlock()
	c.lang = l
}

// enqueue queues f for the writer without blocking. A full queue means the
// client cannot keep up: it is disconnected. It returns false if f was dropped.
func (c *client) enqueue(f outFrame) bool {
	select {
	case <-c.ctx.Done():
		return false
	default:
	}
	select {
	case c.send <- f:
		return true
	default:
		c.cancel(errSlow)
		return false
	}
}

func (c *client) enqueueJSON(v any) {
	data, err := json.Marshal(v)
	if err != nil {
		c.h.logger.Error("encode frame", keyError, err)
		return
	}
	c.enqueue(outFrame{data: data})
}

func (c *client) sendError(code, clientID string) {
	lang := c.language()
	var msg string
	switch code {
	case codeBadRequest:
		msg = badRequestText[lang]
	case codeRateLimited:
		msg = c.h.engine.Texts(lang).RateLimited
	default:
		msg = c.h.engine.Texts(lang).InternalFailure
	}
	c.enqueueJSON(errorFrame{Type: typeError, Code: code, Message: msg, ClientID: clientID})
}

// serveWS is GET /widget/ws.
func (h *Handler) serveWS(w http.ResponseWriter, r *http.Request) {
	if !h.track() {
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	defer h.conns.Done()

	// A hijacked connection keeps the http.Server's deadlines; ours replace them.
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Time{})
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{OriginPatterns: h.opts.AllowedOrigins})
	if err != nil {
		// Accept has answered (403 for an origin not allowed): say why, for
		// shops that forgot to list their domain in AllowedOrigins.
		h.logger.Debug("widget websocket refused", keyError, err)
		return
	}
	conn.SetReadLimit(h.opts.ReadLimit)

	hello, ok := h.readHello(conn)
	if !ok {
		conn.CloseNow()
		return
	}
	c, token := h.newClient(conn, hello)
	defer c.cancel(errGone)
	h.hub.add(c) // before loading the history, so nothing published meanwhile is missed
	defer h.hub.remove(c)
	welcome, replayed, err := h.welcome(c, token, hello.After)
	if err != nil {
		h.logger.Error("welcome widget client", keyError, err)
		msg, _ := json.Marshal(errorFrame{Type: typeError, Code: codeInternal, Message: h.engine.Texts(c.language()).InternalFailure})
		_ = h.write(conn, msg)
		conn.Close(websocket.StatusInternalError, "try again later")
		return
	}
	// The welcome is written before the writer starts, so it is always the first frame.
	if err := h.write(conn, welcome); err != nil {
		conn.CloseNow()
		return
	}
	for i := range replayed {
		h.delivered(&replayed[i])
	}

	var wg sync.WaitGroup
	wg.Go(c.writeLoop)
	wg.Go(c.workLoop)
	c.readLoop()
	c.cancel(errGone)
	wg.Wait()
	h.logger.Debug("websocket closed", keyCause, context.Cause(c.ctx))
}

// newClient returns the connection's client and the customer's token: the
// one in hello, or a new one if it is missing or malformed.
func (h *Handler) newClient(conn *websocket.Conn, hello inFrame) (*client, string) {
	tok := hello.Token
	if !validToken(tok) {
		tok = newToken()
	}
	ctx, cancel := context.WithCancelCause(h.ctx)
	c := &client{
		h: h, conn: conn, key: customerKey(tok), lang: parseLang(hello.Lang).Or(h.opts.DefaultLang),
		send:   make(chan outFrame, h.opts.SendBuffer),
		inbox:  make(chan inFrame, h.opts.RateBurst),
		ctx:    ctx,
		cancel: cancel,
		tokens: float64(h.opts.RateBurst),
		last:   time.Now(),
	}
	return c, tok
}

// readHello waits for the client's hello. Other frames are answered with a
// bad_request error.
func (h *Handler) readHello(conn *websocket.Conn) (inFrame, bool) {
	ctx, cancel := context.WithTimeout(h.ctx, h.opts.HelloTimeout)
	defer cancel()
	for {
		typ, data, err := conn.Read(ctx)
		if err != nil {
			return inFrame{}, false
		}
		var f inFrame
		if typ == websocket.MessageText && json.Unmarshal(data, &f) == nil && f.Type == typeHello {
			return f, true
		}
		bad, _ := json.Marshal(errorFrame{Type: typeError, Code: codeBadRequest, Message: badRequestText[h.opts.DefaultLang]})
		if h.write(conn, bad) != nil {
			return inFrame{}, false
		}
	}
}

// welcome returns the answer to hello: the token, the conversation's state
// and the messages the client has not seen (also returned, for delivery marks).
func (h *Handler) welcome(c *client, token string, after int64) ([]byte, []bot.Message, error) {
	ctx, cancel := context.WithTimeout(h.ctx, h.opts.ProcessTimeout)
	defer cancel()
	state, lang := bot.StateBot, c.language()
	var msgs []bot.Message
	conv, err := h.engine.LatestConversation(ctx, bot.ChannelWidget, c.key)
	switch {
	case err == nil:
		state, lang = conv.State, conv.Lang.Or(lang)
		if msgs, err = h.engine.History(ctx, conv.ID, max(after, 0), h.opts.HistoryLimit); err != nil {
			return nil, nil, err
		}
	case bot.ErrorKind(err) != bot.ENotFound:
		return nil, nil, err
	}
	c.setLanguage(lang)
	c.skipThrough = max(after, 0)
	if len(msgs) > 0 {
		c.skipThrough = max(c.skipThrough, msgs[len(msgs)-1].ID)
	}
	data, err := json.Marshal(welcomeFrame{
		Type: typeWelcome, Token: token, Lang: lang, State: state,
		Greeting: h.engine.Texts(lang).Greeting, MaxLength: h.opts.MaxMessageRunes,
		Messages: toJSONs(msgs),
	})
	return data, msgs, err
}

func (h *Handler) write(conn *websocket.Conn, data []byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), h.opts.WriteTimeout)
	defer cancel()
	return conn.Write(ctx, websocket.MessageText, data)
}
