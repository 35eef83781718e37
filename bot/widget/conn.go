package widget

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
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
	ping  bool         // not a frame: ping the client and wait for its pong
}

// client is one WebSocket connection. Its reader is the goroutine serving
// the connection; a writer and a worker goroutine run only while they have
// something to do, so that an idle connection costs one goroutine. When ctx
// is done the connection is closed, which ends the reader.
type client struct {
	h      *Handler
	conn   *websocket.Conn
	wc     *wsConn // conn's socket, for batched writes; nil if it is not one
	key    string  // customerKey of the token
	ctx    context.Context
	cancel context.CancelCauseFunc

	mu       sync.Mutex
	queue    []outFrame // frames for the writer
	welcomed bool       // the welcome is written: a writer may start
	writing  bool       // a writer goroutine is running
	inbox    []inFrame  // messages for the worker
	working  bool       // a worker goroutine is running
	closed   bool       // the connection is over: start no goroutine
	nextPing time.Time  // guarded by the hub's lock (the pinger's)
	wg       sync.WaitGroup

	skipThrough int64 // message ids up to this one were in the welcome; set before the writer starts

	ip               string // the customer's address, for the abuse limits
	identityRejected bool   // the hello's identity was refused: the customer is anonymous
	hasConversation  bool   // the customer has a conversation: a message creates none (worker only)

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

// enqueue queues f for the writer without blocking, starting the writer if
// none runs. A full queue means the client cannot keep up: it is
// disconnected. It returns false if f was dropped.
func (c *client) enqueue(f outFrame) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || c.ctx.Err() != nil {
		return false
	}
	if len(c.queue) >= c.h.opts.SendBuffer {
		c.cancel(errSlow)
		return false
	}
	c.queue = append(c.queue, f)
	c.startWriter()
	return true
}

// startWriter starts the writer if there is something to write, the welcome
// went first, and none runs. The caller holds c.mu.
func (c *client) startWriter() {
	if c.welcomed && !c.writing && len(c.queue) > 0 && !c.closed {
		c.writing = true
		c.wg.Add(1)
		go c.writeLoop()
	}
}

// finish marks the connection over and waits for its writer and worker.
func (c *client) finish(cause error) {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.cancel(cause)
	c.wg.Wait()
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

	ip := h.clientIP(r)
	// A hijacked connection keeps the http.Server's deadlines; ours replace them.
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Time{})
	hw := &hijackWriter{ResponseWriter: w} // pooled buffers instead of the server's
	conn, err := websocket.Accept(hw, r, &websocket.AcceptOptions{OriginPatterns: h.opts.AllowedOrigins})
	if err != nil {
		h.conns.Done()
		// Accept has answered (403 for an origin not allowed): say why, for
		// shops that forgot to list their domain in AllowedOrigins.
		h.logger.Debug("widget websocket refused", keyError, err)
		return
	}
	conn.SetReadLimit(h.opts.ReadLimit)
	// The connection is ours now (hijacked): the HTTP handler returns, which
	// frees the request and the server's per-connection state, and a fresh
	// goroutine with a small stack serves the WebSocket for its lifetime.
	go func() {
		defer h.conns.Done()
		h.serveConn(conn, hw.conn, ip)
	}()
}

// serveConn serves an accepted WebSocket from ip until it closes. wc is its
// socket when it is one, for batched writes.
func (h *Handler) serveConn(conn *websocket.Conn, wc *wsConn, ip string) {
	hello, ok := h.readHello(conn)
	if !ok {
		conn.CloseNow()
		return
	}
	if !h.ipConns.add(ip, h.opts.ConnectionsPerIP) {
		// Say so in the customer's language, then close.
		lang := parseLang(hello.Lang).Or(h.opts.DefaultLang)
		msg, _ := json.Marshal(errorFrame{Type: typeError, Code: codeRateLimited, Message: h.engine.Texts(lang).TooManyConns})
		_ = h.write(conn, msg)
		conn.Close(websocket.StatusTryAgainLater, "too many connections")
		h.logger.Info("widget: too many connections from one address")
		return
	}
	defer h.ipConns.done(ip)
	c, token := h.newClient(conn, hello, ip)
	c.wc = wc
	defer c.finish(errGone)
	h.hub.add(c) // before loading the history, so nothing published meanwhile is missed
	defer h.hub.remove(c)
	// The welcome (history from the database, JSON) runs on a goroutine of
	// its own: its deep calls would grow this long-lived goroutine's stack,
	// which an idle connection would then keep.
	greeted := make(chan bool, 1)
	go func() { greeted <- h.greet(c, token, hello.After) }()
	if !<-greeted {
		return
	}

	c.readLoop()
	c.finish(errGone)
	h.logger.Debug("websocket closed", keyCause, context.Cause(c.ctx))
}

// newClient returns the connection's client and the customer's token: the
// one in hello, or a new one if it is missing or malformed.
func (h *Handler) newClient(conn *websocket.Conn, hello inFrame, ip string) (*client, string) {
	tok := hello.Token
	if !validToken(tok) {
		tok = newToken()
	}
	key := customerKey(tok)
	rejected := false
	if id := hello.Identity; id != nil {
		if id.verify(h.opts.IdentitySecret, time.Now()) {
			key = IdentityKey(id.ID) // the shop vouches: the same conversation on every device
		} else {
			rejected = true
			h.logger.Info("widget: identity rejected (bad signature, expired, or no identity secret configured)")
		}
	}
	ctx, cancel := context.WithCancelCause(h.ctx)
	c := &client{
		h: h, conn: conn, key: key, ip: ip, identityRejected: rejected,
		lang:   parseLang(hello.Lang).Or(h.opts.DefaultLang),
		ctx:    ctx,
		cancel: cancel,
		tokens: float64(h.opts.RateBurst),
		last:   time.Now(),
		// Spread the pings of all connections over the interval.
		nextPing: time.Now().Add(time.Duration(rand.Int64N(int64(h.opts.PingInterval)))),
	}
	context.AfterFunc(ctx, c.closeConn) // closing ends the reader
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
		var (
			f      inFrame
			hello  bool
			failed bool
		)
		onFreshStack(func() {
			if typ == websocket.MessageText && json.Unmarshal(data, &f) == nil && f.Type == typeHello {
				hello = true
				return
			}
			bad, _ := json.Marshal(errorFrame{Type: typeError, Code: codeBadRequest, Message: badRequestText[h.opts.DefaultLang]})
			failed = h.write(conn, bad) != nil
		})
		if hello {
			return f, true
		}
		if failed {
			return inFrame{}, false
		}
	}
}

// greet sends the welcome, before any other frame, and reports whether the
// connection can go on.
func (h *Handler) greet(c *client, token string, after int64) bool {
	welcome, replayed, confirmed, err := h.welcome(c, token, after)
	if err != nil {
		h.logger.Error("welcome widget client", keyError, err)
		msg, _ := json.Marshal(errorFrame{Type: typeError, Code: codeInternal, Message: h.engine.Texts(c.language()).InternalFailure})
		_ = h.write(c.conn, msg)
		c.conn.Close(websocket.StatusInternalError, "try again later")
		return false
	}
	if err := h.write(c.conn, welcome); err != nil {
		c.conn.CloseNow()
		return false
	}
	// What was published meanwhile may go now (skipThrough is set).
	c.mu.Lock()
	c.welcomed = true
	c.startWriter()
	c.mu.Unlock()
	if c.identityRejected {
		c.enqueueJSON(errorFrame{Type: typeError, Code: codeIdentityRejected,
			Message: "identity not accepted (bad signature, expired, or identity verification not configured): continuing anonymously"})
	}
	for i := range confirmed {
		h.confirmed(&confirmed[i])
	}
	for i := range replayed {
		h.delivered(&replayed[i])
	}
	return true
}

// confirmLimit is how many messages up to the hello's "after" are checked
// for agents' messages the client confirms having.
const confirmLimit = 10

// welcome returns the answer to hello: the token, the conversation's state
// and the messages the client has not seen (also returned, for delivery
// marks), and the last agents' messages the client says it has (up to
// after): written to it before a crash kept us from recording the delivery,
// they are delivered all the same.
func (h *Handler) welcome(c *client, token string, after int64) (data []byte, replayed, confirmed []bot.Message, err error) {
	ctx, cancel := context.WithTimeout(h.ctx, h.opts.ProcessTimeout)
	defer cancel()
	state, lang := bot.StateBot, c.language()
	var msgs []bot.Message
	conv, err := h.engine.LatestConversation(ctx, bot.ChannelWidget, c.key)
	switch {
	case err == nil:
		state, lang = conv.State, conv.Lang.Or(lang)
		if msgs, err = h.engine.History(ctx, conv.ID, max(after, 0), h.opts.HistoryLimit); err != nil {
			return nil, nil, nil, err
		}
		if after > 0 {
			seen, err := h.engine.HistoryThrough(ctx, conv.ID, after, confirmLimit)
			if err != nil {
				return nil, nil, nil, err
			}
			for _, m := range seen {
				if m.Role == bot.RoleAgent {
					confirmed = append(confirmed, m)
				}
			}
		}
	case bot.ErrorKind(err) != bot.ENotFound:
		return nil, nil, nil, err
	}
	c.hasConversation = err == nil
	c.setLanguage(lang)
	c.skipThrough = max(after, 0)
	if len(msgs) > 0 {
		c.skipThrough = max(c.skipThrough, msgs[len(msgs)-1].ID)
	}
	data, err = json.Marshal(welcomeFrame{
		Type: typeWelcome, Token: token, Lang: lang, State: state,
		Greeting: h.engine.Texts(lang).Greeting, MaxLength: h.opts.MaxMessageRunes,
		Messages: toJSONs(msgs),
	})
	return data, msgs, confirmed, err
}

func (h *Handler) write(conn *websocket.Conn, data []byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), h.opts.WriteTimeout)
	defer cancel()
	return conn.Write(ctx, websocket.MessageText, data)
}
