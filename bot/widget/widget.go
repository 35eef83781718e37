// Package widget is the storefront channel of Relais: the chat bubble a shop
// installs with one script tag.
//
// It serves the embeddable widget.js, a demo storefront page, and the
// WebSocket endpoint the widget talks to (the wire protocol is documented in
// the README, "Widget protocol"). It also implements bot.Publisher: replies stored by the Engine
// are pushed to the customer's open tabs, never to anybody else, and never
// blocking the Engine. The stored history is the truth; a tab that missed
// something replays it when it reconnects.
//
// Customers are anonymous: the server issues a random token that the browser
// keeps. Only the token's SHA-256 is used as the customer's identity, so the
// database never holds the token, and a conversation can only be read by
// whoever holds its token.
//
// Package widget imports only bot, the standard library and coder/websocket.
package widget

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/relaisbot/relais/bot"
)

// Engine is what the widget needs from *bot.Engine.
type Engine interface {
	// Accept stores a customer message. It returns an *bot.Error of kind
	// ETooLong or EInvalid, in the Inbound's language, for a message it refuses.
	Accept(ctx context.Context, in bot.Inbound) (bot.Receipt, error)
	// Process answers an accepted message; replies are published.
	Process(ctx context.Context, r bot.Receipt) error
	// History returns up to limit messages after afterID, oldest first.
	History(ctx context.Context, conversationID, afterID int64, limit int) ([]bot.Message, error)
	// HistoryThrough returns the last limit messages up to throughID, oldest first.
	HistoryThrough(ctx context.Context, conversationID, throughID int64, limit int) ([]bot.Message, error)
	// LatestConversation returns ENotFound if the customer has none.
	LatestConversation(ctx context.Context, ch bot.Channel, customerKey string) (bot.Conversation, error)
	// Texts returns the bot's system texts in lang.
	Texts(lang bot.Lang) bot.Texts
}

var _ Engine = (*bot.Engine)(nil)

// Options configures a Handler. Zero fields take the documented defaults.
type Options struct {
	// AllowedOrigins are the shop origins allowed to open the WebSocket, as
	// host patterns ("shop.example", "*.shop.example"; see coder/websocket
	// AcceptOptions.OriginPatterns). Empty allows the widget's own host only.
	AllowedOrigins []string
	// MaxMessageRunes is the longest message, advertised to the widget. It must
	// equal bot.Config.MaxMessageRunes, which the Engine enforces.
	// Default bot.DefaultMaxMessageRunes.
	MaxMessageRunes int
	// OnDelivered, if set, is called once an agent's message has been written
	// to one of the customer's open widgets (live or replayed on reconnect),
	// from that connection's goroutine: it must be quick.
	OnDelivered func(ctx context.Context, m bot.Message)
	// OnConfirmed, if set, is called for an agent's message a reconnecting
	// customer says it already has (it was written before, but its delivery
	// may not have been recorded: Relais was stopped in between). Unset,
	// OnDelivered is called instead.
	OnConfirmed func(ctx context.Context, m bot.Message)
	// ShopName is shown on the demo page (default: a demo tea shop).
	ShopName string
	// PublicURL is where customers reach Relais, used in the snippet shown on
	// the demo page. Default: derived from the request.
	PublicURL string
	// DefaultLang is used when neither the conversation nor the browser says
	// which language to speak. Default bot.LangEN.
	DefaultLang bot.Lang

	ReadLimit      int64         // largest frame accepted, in bytes. Default 64 KiB (and at least 12 bytes per rune of MaxMessageRunes).
	WriteTimeout   time.Duration // deadline of each write. Default 10s.
	PingInterval   time.Duration // how often the server pings. Default 30s.
	PongTimeout    time.Duration // how long a pong may take before the connection is dropped. Default 10s.
	HelloTimeout   time.Duration // how long the client may take to say hello. Default 10s.
	SendBuffer     int           // frames queued per connection before it is dropped as too slow. Default 64.
	HistoryLimit   int           // most messages replayed in a welcome. Default 200.
	ProcessTimeout time.Duration // deadline of storing and answering one message. Default 60s.
	// A connection may send RateBurst messages at once, then one per RateEvery.
	// Defaults 10 and 1s.
	RateBurst int
	RateEvery time.Duration

	// Abuse limits, each answered with a polite notice in the customer's
	// language; 0 takes the default, a negative value disables the limit.
	ConnectionsPerIP      int // open WebSockets per client address. Default 20.
	NewConversationsPerIP int // new conversations per client address per hour. Default 30.
	MessagesPerMinute     int // messages per customer (all tabs) per minute. Default 30.
	// ClientIPHeader is the header carrying the customer's address when Relais
	// is behind a reverse proxy (e.g. X-Forwarded-For); empty: the peer address.
	ClientIPHeader string
	// IdentitySecret, if set, lets the shop vouch for logged-in customers:
	// a hello with an Identity signed with it finds the customer's
	// conversation on any device.
	IdentitySecret []byte
}

func (o Options) withDefaults() Options {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	defInt := func(n *int, v int) {
		if *n <= 0 {
			*n = v
		}
	}
	defInt(&o.MaxMessageRunes, bot.DefaultMaxMessageRunes)
	o.DefaultLang = o.DefaultLang.Or(bot.LangEN)
	if floor := int64(o.MaxMessageRunes)*12 + 4096; o.ReadLimit < floor {
		o.ReadLimit = max(floor, 64<<10)
	}
	def(&o.WriteTimeout, 10*time.Second)
	def(&o.PingInterval, 30*time.Second)
	def(&o.PongTimeout, 10*time.Second)
	def(&o.HelloTimeout, 10*time.Second)
	defInt(&o.SendBuffer, 64)
	defInt(&o.HistoryLimit, 200)
	def(&o.ProcessTimeout, 60*time.Second)
	defInt(&o.RateBurst, 10)
	def(&o.RateEvery, time.Second)
	// Limits: 0 takes the default, negative disables.
	defLimit := func(n *int, v int) {
		if *n == 0 {
			*n = v
		}
	}
	defLimit(&o.ConnectionsPerIP, 20)
	defLimit(&o.NewConversationsPerIP, 30)
	defLimit(&o.MessagesPerMinute, 30)
	return o
}

// Handler serves the widget and its WebSocket and pushes live replies.
// It implements bot.Publisher.
type Handler struct {
	engine Engine
	opts   Options
	logger *slog.Logger
	hub    hub

	mu       sync.Mutex
	closed   bool
	shutdown context.CancelCauseFunc // ends every connection
	ctx      context.Context         // done once Close is called
	conns    sync.WaitGroup          // one per WebSocket handler
	work     context.Context         // messages being stored and answered; outlives ctx until Close's deadline
	stopWork context.CancelFunc
	pinger   chan struct{} // closed when the ping loop has ended

	ipConns   connCounter    // open WebSockets per client address
	newConvs  *windowLimiter // new conversations per client address per hour
	perMinute *windowLimiter // messages per customer per minute
}

var _ bot.Publisher = (*Handler)(nil)

// New returns a Handler. For live replies to reach the widget, add the Handler
// to the Engine's publishers (bot.Engine.AddPublisher). A nil logger discards.
func New(engine Engine, opts Options, logger *slog.Logger) *Handler {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	work, stopWork := context.WithCancel(context.Background())
	h := &Handler{
		engine: engine, opts: opts.withDefaults(), logger: logger,
		hub: hub{clients: make(map[string]map[*client]struct{})},
		ctx: ctx, shutdown: cancel, work: work, stopWork: stopWork,
		pinger:  make(chan struct{}),
		ipConns: connCounter{n: make(map[string]int)},
	}
	h.newConvs = newWindowLimiter(h.opts.NewConversationsPerIP, time.Hour)
	h.perMinute = newWindowLimiter(h.opts.MessagesPerMinute, time.Minute)
	go func() { h.pingLoop(); close(h.pinger) }()
	return h
}

// Register adds the widget's routes to mux:
//
//	GET /widget.js         the embeddable script
//	GET /widget/ws         the WebSocket (see the README, "Widget protocol")
//	GET /widget/static/*   static assets (the demo page's stylesheet)
//	GET /{$}               the demo storefront page
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /widget.js", h.serveScript)
	mux.HandleFunc("GET /widget/ws", h.serveWS)
	mux.Handle("GET /widget/static/{file}", http.StripPrefix("/widget/static/", http.FileServerFS(staticFS)))
	mux.HandleFunc("GET /{$}", h.serveDemo)
}

// Close closes every WebSocket (http.Server.Shutdown does not) and waits until
// every connection's goroutines have ended. A message being answered is
// finished first, until ctx ends (then it is cancelled: a stored message is
// answered at the next start); queued ones are dropped unacknowledged, and the
// widget resends them when it reconnects. After Close, new WebSockets are
// refused.
func (h *Handler) Close(ctx context.Context) {
	h.mu.Lock()
	h.closed = true
	h.mu.Unlock()
	h.shutdown(errShutdown)
	<-h.pinger
	done := make(chan struct{})
	go func() { h.conns.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		// Out of time: cancel the messages still being answered. Stored ones
		// are answered at the next start.
		h.stopWork()
		<-done
	}
	h.stopWork()
}

// track registers a new connection; it returns false once Close was called.
func (h *Handler) track() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return false
	}
	h.conns.Add(1)
	return true
}
