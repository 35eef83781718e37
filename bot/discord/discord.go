// Package discord is Discord as a customer channel. Customers write to the
// bot by direct message, or in a support channel where each customer gets a
// thread of their own (private or public); the bot answers with the same
// Engine as the storefront widget: FAQ answers, quick replies as buttons,
// frustration detection and hand-over to the agents' desk, agents' replies
// relayed with their name, satisfaction ratings.
//
// Inbound, the adapter keeps a gateway connection (discordgo; intents
// Guilds, GuildMessages, DirectMessages and the privileged MessageContent),
// reconnects and resumes after drops, and hands each customer's messages and
// button clicks to the Engine one at a time, in order. Every message is
// stored (unique on its Discord id) before anything is acknowledged.
//
// Outbound, the adapter is the bot.Deliverer of target "discord": the Engine
// queues every bot and agent message in the outbox, and Deliver posts it
// where the customer wrote last, escaped and with no allowed mentions, so
// that nothing relayed can ping anyone. A nonce per outbox item lets Discord
// drop a repeated post after an ambiguous failure.
//
// With an FAQAdmin (SetAdmin), the adapter registers the /faq application
// command at Start and lets the members of the configured admin roles change
// the FAQ from Discord: replies are ephemeral, add and edit open a modal,
// export answers with the file, import takes an attached file.
//
// Package discord imports bot, faq (types) and discordgo (with its
// gorilla/websocket); the fake Discord of its tests lives in discordfake.
package discord

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"

	"github.com/relaisbot/relais/bot"
)

// DefaultAPIBase is Discord's address. REST is under /api/v9.
const DefaultAPIBase = "https://discord.com"

// Target is the outbox target the adapter delivers (the channel's name).
const Target = string(bot.ChannelDiscord)

// Config configures the Discord channel.
type Config struct {
	Token string // bot token from the developer portal (secret); a "Bot " prefix is optional
	// DMs lets customers write to the bot by direct message.
	DMs bool
	// SupportChannel is the id of a guild text channel where customers may
	// write; each customer then continues in a thread of their own. Empty:
	// no support channel.
	SupportChannel string
	// PrivateThreads makes those threads private (only the customer, the bot
	// and moderators see them); if the bot may not create private threads,
	// it falls back to a public thread. False: public threads.
	PrivateThreads bool
	// APIBase is Discord's base URL (default https://discord.com): every
	// request to discord.com goes there instead (proxies, tests).
	APIBase string
	// AdminRoles are the ids of the roles whose members are FAQ admins
	// (/faq); empty: nobody administers the FAQ from Discord.
	AdminRoles []string
	// Timeout bounds one REST call (default 20s): a message that takes
	// longer fails and is tried again later, with the same nonce.
	Timeout time.Duration
}

// validate fills in defaults and reports every problem, each with its setting.
func (c *Config) validate() (*url.URL, error) {
	c.Token = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(c.Token), "Bot "))
	if c.APIBase == "" {
		c.APIBase = DefaultAPIBase
	}
	if c.Timeout <= 0 {
		c.Timeout = 20 * time.Second
	}
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if c.Token == "" {
		bad("discord.token: the bot token is required (developer portal → your app → Bot → Reset Token)")
	}
	if !c.DMs && c.SupportChannel == "" {
		bad("discord: enable direct messages or set a support channel, or customers cannot reach the bot")
	}
	if c.SupportChannel != "" && !isSnowflake(c.SupportChannel) {
		bad("discord.support_channel: %q is not a channel id: enable Developer Mode in Discord, right-click the channel, Copy Channel ID", c.SupportChannel)
	}
	for _, r := range c.AdminRoles {
		if !isSnowflake(r) {
			bad("admin.discord_roles: %q is not a role id: enable Developer Mode in Discord, right-click the role (Server Settings → Roles), Copy Role ID", r)
		}
	}
	base, err := url.Parse(c.APIBase)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		bad("discord.api_base: %q must be an http(s) URL such as https://discord.com", c.APIBase)
	}
	return base, errors.Join(errs...)
}

func isSnowflake(s string) bool {
	if len(s) < 15 || len(s) > 21 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// Engine is what the adapter needs from *bot.Engine.
type Engine interface {
	// Accept stores a customer message. It returns an *bot.Error of kind
	// ETooLong or EInvalid, in the Inbound's language, for a message it refuses.
	Accept(ctx context.Context, in bot.Inbound) (bot.Receipt, error)
	// Process answers an accepted message; replies are queued in the outbox.
	Process(ctx context.Context, r bot.Receipt) error
}

var _ Engine = (*bot.Engine)(nil)

// Store is what the adapter reads and writes. Implemented by *storage.DB.
// User, channel and thread ids are Discord ids.
type Store interface {
	// Conversation returns a conversation. Returns bot.ENotFound if there is none.
	Conversation(ctx context.Context, id int64) (bot.Conversation, error)
	// MessageByID returns a message. Returns bot.ENotFound if there is none.
	MessageByID(ctx context.Context, id int64) (bot.Message, error)
	// DiscordRoute returns the channel where userID gets replies.
	// Returns bot.ENotFound if none is recorded.
	DiscordRoute(ctx context.Context, userID string) (string, error)
	// SetDiscordRoute records where userID gets replies from now on.
	SetDiscordRoute(ctx context.Context, userID, channelID string) error
	// DiscordThread returns userID's latest thread in parentID.
	// Returns bot.ENotFound if there is none.
	DiscordThread(ctx context.Context, userID, parentID string) (string, error)
	// SaveDiscordThread records a thread opened for userID in parentID.
	// Returns bot.EConflict if the thread belongs to another user.
	SaveDiscordThread(ctx context.Context, userID, threadID, parentID string) error
	// DiscordThreadOwner returns the user a thread was opened for.
	// Returns bot.ENotFound if it is not a customer thread.
	DiscordThreadOwner(ctx context.Context, threadID string) (string, error)
}

// Adapter is the Discord channel. Build it with New, then Start, Run; it
// delivers outbox items of Target as a bot.Deliverer.
type Adapter struct {
	cfg     Config
	engine  Engine
	store   Store
	logger  *slog.Logger
	session *discordgo.Session
	apiHost string // the host of Config.APIBase
	health  health
	work    *bot.Serial // each customer's events, in order
	// commands handles application commands by name (SetAdmin adds /faq).
	commands map[string]func(ctx context.Context, i *discordgo.Interaction) error
	forms    *forms // entry forms refused, to open again

	mu       sync.Mutex
	admin    FAQAdmin      // set by SetAdmin, before Start
	botID    string        // known after Start
	started  bool          // Start succeeded
	closed   bool          // Close was called
	progress map[int64]int // outbox item id → parts already posted
	dialing  net.Conn      // the gateway connection being opened

	openMu       sync.Mutex    // one gateway open at a time; Close waits for it
	disconnected chan struct{} // a gateway connection ended (buffer of 1)
	closing      context.Context
	stopClosing  context.CancelFunc // Close began: abandon a gateway open in progress
	life         context.Context
	stopLife     context.CancelFunc // Close ended: close every connection left
}

// New checks cfg and returns an Adapter. Every problem in cfg is reported,
// each naming its setting. A nil logger discards.
func New(cfg Config, engine Engine, store Store, logger *slog.Logger) (*Adapter, error) {
	base, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	if engine == nil || store == nil {
		return nil, errors.New("discord: engine and store are required")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	a := &Adapter{
		cfg: cfg, engine: engine, store: store, logger: logger, apiHost: base.Host,
		work:         bot.NewSerial(maxParallel, maxQueued),
		commands:     map[string]func(context.Context, *discordgo.Interaction) error{},
		forms:        newForms(),
		progress:     map[int64]int{},
		disconnected: make(chan struct{}, 1),
	}
	a.closing, a.stopClosing = context.WithCancel(context.Background())
	a.life, a.stopLife = context.WithCancel(context.Background())
	a.health.init()

	s, err := discordgo.New("Bot " + cfg.Token)
	if err != nil {
		return nil, fmt.Errorf("discord: %w", err)
	}
	var transport http.RoundTripper = http.DefaultTransport
	if t, ok := transport.(*http.Transport); ok {
		// Go keeps two idle connections per host: over HTTP/1.1 (a proxy,
		// the fake) busier moments (the outbox's parallel deliveries, the
		// answers of several customers) closed the others and the next
		// calls dialled again. HTTP/2 shares one connection anyway.
		t = t.Clone()
		t.MaxIdleConnsPerHost = idleConns
		transport = t
	}
	if cfg.APIBase != DefaultAPIBase {
		transport = rewrite{base: base, next: transport}
	}
	s.Client = &http.Client{Timeout: cfg.Timeout, Transport: transport}
	s.Dialer = &websocket.Dialer{Proxy: http.ProxyFromEnvironment, HandshakeTimeout: 20 * time.Second, NetDialContext: a.dial}
	s.SyncEvents = true              // handlers run in order on the gateway's reader; they only queue work
	s.StateEnabled = false           // no cache of guilds and members: nothing needs it
	s.ShouldReconnectOnError = false // Run reconnects, so that Close stops it
	s.ShouldRetryOnRateLimit = false // rate limits go back to the dispatcher (Retry-After)
	s.Identify.Intents = discordgo.IntentsGuilds | discordgo.IntentsGuildMessages | discordgo.IntentsMessageContent
	if cfg.DMs {
		s.Identify.Intents |= discordgo.IntentsDirectMessages
	}
	s.AddHandler(a.onConnect)
	s.AddHandler(a.onDisconnect)
	s.AddHandler(a.onMessageCreate)
	s.AddHandler(a.onInteractionCreate)
	a.session = s
	return a, nil
}

// rewrite sends requests for discord.com to another base URL.
type rewrite struct {
	base *url.URL
	next http.RoundTripper
}

func (t rewrite) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Host != "discord.com" {
		return t.next.RoundTrip(r)
	}
	r = r.Clone(r.Context())
	r.URL.Scheme, r.URL.Host, r.Host = t.base.Scheme, t.base.Host, ""
	r.URL.Path = strings.TrimSuffix(t.base.Path, "/") + r.URL.Path
	r.URL.RawPath = ""
	return t.next.RoundTrip(r)
}

// self returns the bot's user id (known after Start).
func (a *Adapter) self() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.botID
}

// Healthy returns nil when the adapter is started, its token accepted and
// its gateway connected (or reconnecting for a few seconds only), and an
// error saying what is wrong otherwise.
func (a *Adapter) Healthy() error { return a.health.check(time.Now()) }

// Close closes the gateway, then lets the customers' messages being handled
// finish (for drainTimeout at most; later ones are dropped) and ends every
// goroutine of the adapter. Deliver must not be called after Close.
func (a *Adapter) Close() error {
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return nil
	}
	a.closed = true
	a.mu.Unlock()
	a.stopClosing()
	a.openMu.Lock()
	err := a.session.Close()
	a.openMu.Unlock()
	a.stopLife()
	a.work.Close(drainTimeout)
	if err != nil {
		return fmt.Errorf("discord: close gateway: %w", err)
	}
	return nil
}
