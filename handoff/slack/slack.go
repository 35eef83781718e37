// Package slack is Slack as the agents' desk. Every conversation handed over
// to humans gets one thread in the agents' channel: a parent message with who
// the customer is, why the bot handed over, and Claim / Resolve / Back to bot
// buttons, then the full transcript in the thread. Agents answer in the
// thread; their replies (minus internal notes) go to the customer with the
// agent's display name. Later customer messages, state changes, ratings and
// delivery marks are posted in the same thread.
//
// Events arrive over Socket Mode (the default: no public URL needed) or the
// Events API (signed HTTP requests). The adapter delivers the outbox items of
// target bot.TargetDesk (it is a bot.Deliverer) and turns agents' actions into
// calls on the handoff Service (Desk).
//
// With an FAQAdmin (SetAdmin), FAQ admins change the FAQ with /faq (forms
// open as modals), and agents propose their replies as FAQ drafts (the
// "Propose as FAQ" message shortcut, or !faq in the thread). With Stats
// (SetStats), /relais stats shows the service-quality report.
//
// Package slack imports bot, handoff and faq (types) and slack-go; nothing
// imports it but the composition root.
package slack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/relaisbot/relais/bot"
	"github.com/relaisbot/relais/handoff"
)

// Modes of receiving events from Slack.
const (
	ModeSocket = "socket" // Socket Mode over a WebSocket the adapter opens (default)
	ModeEvents = "events" // Events API: Slack POSTs to Relais's public URL
)

// DefaultAPIURL is Slack's Web API base URL.
const DefaultAPIURL = "https://slack.com/api/"

// deskName is the desk name stored with threads.
const deskName = "slack"

// Config configures the Slack desk.
type Config struct {
	BotToken      string   // xoxb-… (secret)
	AppToken      string   // xapp-… for Socket Mode (secret)
	SigningSecret string   // for the Events API (secret)
	Channel       string   // agents' channel id, e.g. C0123456789
	Mode          string   // "socket" (default) or "events"
	APIURL        string   // Web API base URL; default "https://slack.com/api/" (must end with "/")
	Lang          bot.Lang // language of the texts agents read (default en)
	NoteMarker    string   // replies starting with it stay internal; default "note:" ("!note" always works)
	OnCallGroup   string   // user group id (S…) mentioned in reminders and low-rating alerts; optional
	AdminUsers    []string // user ids (U…) of the FAQ admins; optional
	AdminGroup    string   // user group id (S…) whose members are FAQ admins; optional
	// Timeout bounds one Web API call (default 30s): a post that takes
	// longer fails and its outbox item is tried again later.
	Timeout time.Duration
}

// validate fills in defaults and reports every problem, each with its setting.
func (c *Config) validate() error {
	if c.Mode == "" {
		c.Mode = ModeSocket
	}
	if c.APIURL == "" {
		c.APIURL = DefaultAPIURL
	}
	if c.Lang == "" {
		c.Lang = bot.LangEN
	}
	if c.Timeout <= 0 {
		c.Timeout = 30 * time.Second
	}
	if strings.TrimSpace(c.NoteMarker) == "" {
		c.NoteMarker = "note:"
	}
	c.NoteMarker = strings.ToLower(strings.TrimSpace(c.NoteMarker))
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if !strings.HasPrefix(c.BotToken, "xoxb-") {
		bad("slack.bot_token: want a bot token starting with xoxb- (OAuth & Permissions page of the Slack app)")
	}
	switch c.Mode {
	case ModeSocket:
		if !strings.HasPrefix(c.AppToken, "xapp-") {
			bad("slack.app_token: socket mode needs an app-level token starting with xapp- (Basic Information page, scope connections:write)")
		}
	case ModeEvents:
		if c.SigningSecret == "" {
			bad("slack.signing_secret: events mode needs the app's signing secret (Basic Information page)")
		}
	default:
		bad("slack.mode: %q is not a mode: use socket or events", c.Mode)
	}
	if len(c.Channel) < 2 || !strings.ContainsRune("CGD", rune(c.Channel[0])) || strings.ToUpper(c.Channel) != c.Channel {
		bad("slack.channel: %q is not a channel id: use the id (like C0123456789) from the channel's details, not its name", c.Channel)
	}
	if !strings.HasSuffix(c.APIURL, "/") || !(strings.HasPrefix(c.APIURL, "https://") || strings.HasPrefix(c.APIURL, "http://")) {
		bad("slack.api_url: %q must be an http(s) URL ending with /", c.APIURL)
	}
	if g := c.OnCallGroup; g != "" && (g[0] != 'S' || strings.ToUpper(g) != g || strings.ContainsAny(g, "<>|^ ")) {
		bad("slack.oncall_group: %q is not a user group id (like S0123456789)", g)
	}
	for _, u := range c.AdminUsers {
		if len(u) < 2 || (u[0] != 'U' && u[0] != 'W') || strings.ToUpper(u) != u || strings.ContainsAny(u, "<>|@ ") {
			bad("admin.slack_users: %q is not a Slack user id (like U0123456789)", u)
		}
	}
	if g := c.AdminGroup; g != "" && (g[0] != 'S' || strings.ToUpper(g) != g || strings.ContainsAny(g, "<>|^ ")) {
		bad("admin.slack_group: %q is not a user group id (like S0123456789)", g)
	}
	if c.Lang != bot.LangEN && c.Lang != bot.LangFR {
		bad("slack.lang: %q is not a language: use en or fr", c.Lang)
	}
	return errors.Join(errs...)
}

// Store is what the adapter reads and writes. Implemented by *storage.DB.
type Store interface {
	// Conversation returns a conversation. Returns bot.ENotFound if there is none.
	Conversation(ctx context.Context, id int64) (bot.Conversation, error)
	// Messages returns up to limit messages of a conversation with an id
	// above afterID, oldest first.
	Messages(ctx context.Context, conversationID, afterID int64, limit int) ([]bot.Message, error)
	// MessageByID returns a message. Returns bot.ENotFound if there is none.
	MessageByID(ctx context.Context, id int64) (bot.Message, error)
	// LatestHandoff returns the conversation's latest handoff.
	// Returns bot.ENotFound if it was never handed over.
	LatestHandoff(ctx context.Context, conversationID int64) (bot.Handoff, error)
	// DeskThread returns the conversation's thread. Returns bot.ENotFound if it has none.
	DeskThread(ctx context.Context, conversationID int64) (handoff.Thread, error)
	// ThreadConversation returns the thread with this parent message.
	// Returns bot.ENotFound if no conversation has it.
	ThreadConversation(ctx context.Context, desk, channel, thread string) (handoff.Thread, error)
	// SaveDeskThread records a conversation's thread.
	// Returns bot.EConflict if the conversation has one already.
	SaveDeskThread(ctx context.Context, t handoff.Thread) error
	// MarkEvent records that an event was processed; false if it was before.
	MarkEvent(ctx context.Context, source, id string) (bool, error)
	// EventSeen reports whether an event was recorded as processed.
	EventSeen(ctx context.Context, source, id string) (bool, error)
}

// Desk carries out what agents do. Implemented by *handoff.Service. Each
// method returns bot.ENotFound if there is no such conversation.
type Desk interface {
	Claim(ctx context.Context, conversationID int64, agent handoff.Agent) error
	Reply(ctx context.Context, conversationID int64, agent handoff.Agent, m handoff.DeskMessage) error
	Resolve(ctx context.Context, conversationID int64, agent handoff.Agent) error
	BackToBot(ctx context.Context, conversationID int64, agent handoff.Agent) error
}

// webAPI is the part of the slack-go client the adapter uses.
type webAPI interface {
	AuthTestContext(ctx context.Context) (*slack.AuthTestResponse, error)
	PostMessageContext(ctx context.Context, channelID string, options ...slack.MsgOption) (string, string, error)
	UpdateMessageContext(ctx context.Context, channelID, timestamp string, options ...slack.MsgOption) (string, string, string, error)
	AddReactionContext(ctx context.Context, name string, item slack.ItemRef) error
	GetUserInfoContext(ctx context.Context, user string, options ...slack.GetUserInfoOption) (*slack.User, error)
	GetConversationRepliesContext(ctx context.Context, params *slack.GetConversationRepliesParameters) ([]slack.Message, bool, string, error)
	DeleteMessageContext(ctx context.Context, channel, messageTimestamp string) (string, string, error)
}

// Adapter is the Slack desk. Build it with New, then SetDesk, Start, Run.
type Adapter struct {
	cfg    Config
	store  Store
	logger *slog.Logger
	client *slack.Client
	api    webAPI
	admapi adminAPI
	hc     *http.Client // Web API and response_urls
	texts  texts
	atexts adminTexts
	users  *userCache
	admins *adminCheck
	jobs   *jobs
	health health

	mu        sync.Mutex
	desk      Desk
	admin     FAQAdmin
	stats     Stats
	customers Customers
	botUserID string
	progress  map[int64]progress // outbox item id → how far its delivery got

	lanes lanes // one inbound event at a time per conversation thread

	summaries *summaries // hand-over summaries (SetSummarizer); nil: none
}

// New checks cfg and returns an Adapter. Every problem in cfg is reported,
// each naming its setting.
func New(cfg Config, store Store, logger *slog.Logger) (*Adapter, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if store == nil || logger == nil {
		return nil, errors.New("slack: store and logger are required")
	}
	hc := newHTTPClient(cfg.Timeout)
	client := slack.New(cfg.BotToken,
		slack.OptionAPIURL(cfg.APIURL),
		slack.OptionAppLevelToken(cfg.AppToken),
		slack.OptionHTTPClient(hc),
	)
	a := &Adapter{
		cfg: cfg, store: store, logger: logger, client: client, api: client, admapi: client, hc: hc,
		texts: textsFor(cfg.Lang), atexts: adminTextsFor(cfg.Lang), jobs: newJobs(),
		progress: map[int64]progress{},
	}
	a.users = newUserCache(client, 1000, time.Hour)
	a.admins = &adminCheck{users: cfg.AdminUsers, group: cfg.AdminGroup, api: client, now: time.Now}
	a.health.init(cfg.Mode == ModeSocket)
	return a, nil
}

// SetDesk sets who carries out agents' actions. Call it before Run.
func (a *Adapter) SetDesk(d Desk) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.desk = d
}

func (a *Adapter) getDesk() (Desk, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.desk == nil {
		return nil, errors.New("slack: no desk set (SetDesk)")
	}
	return a.desk, nil
}

// Start checks the bot token with auth.test and learns the bot's own user
// id, so that the bot ignores its own messages. It must succeed before Run.
func (a *Adapter) Start(ctx context.Context) error {
	res, err := a.api.AuthTestContext(ctx)
	if err != nil {
		if code := slackCode(err); authCodes[code] {
			err = fmt.Errorf("slack.bot_token: Slack refused the bot token (%s): check RELAIS_SLACK_BOT_TOKEN and that the app is installed", code)
			a.health.setAuth(err)
			return err
		}
		return fmt.Errorf("slack: auth.test: %w", err)
	}
	a.mu.Lock()
	a.botUserID = res.UserID
	a.mu.Unlock()
	a.health.started()
	a.logger.Info("slack: authorised", "team", res.TeamID, "bot_user", res.UserID, "mode", a.cfg.Mode, "channel", a.cfg.Channel)
	return nil
}

// self returns the bot's user id (known after Start).
func (a *Adapter) self() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.botUserID
}

// Healthy returns nil when the adapter is authorised (and, in socket mode,
// connected or reconnecting for a few seconds only), and an error saying
// what is wrong otherwise.
func (a *Adapter) Healthy() error { return a.health.check(time.Now()) }

// Run receives events until ctx ends. In socket mode it keeps a Socket Mode
// connection open, reconnecting as needed; in events mode it only waits
// (events arrive through Register's routes). When ctx ends, it cancels the
// slash commands being carried out and waits for them. It returns nil when
// ctx ends, and an error only if Start did not succeed first.
func (a *Adapter) Run(ctx context.Context) error {
	if a.self() == "" {
		return errors.New("slack: Run before a successful Start")
	}
	defer a.jobs.stop()
	if a.cfg.Mode == ModeEvents {
		<-ctx.Done()
		return nil
	}
	a.runSocket(ctx)
	return nil
}
