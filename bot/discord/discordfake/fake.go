// Package discordfake is a fake Discord for tests, speaking Discord's wire
// protocol faithfully enough for the real discordgo client: the gateway over a
// local WebSocket (HELLO, IDENTIFY, READY, heartbeats, RESUME with replay of
// missed events, op 7 reconnect, optional zlib frames) and the REST endpoints
// a support bot uses (gateway discovery, users, DM channels, messages with
// nonces, threads, thread members, interaction callbacks with modals and
// deferred answers, follow-ups and edits of interaction answers with
// attachments, application commands, attachment downloads, and what an
// erasure uses: message history, deleting messages and threads, unarchiving
// threads). Any other endpoint
// answers 404 with Discord's JSON error, as a fake should rather than invent
// behaviour.
//
// Tests drive it with helpers that act like people on Discord (UserSays,
// UserClicks, UserCommand, UserSubmitsModal, AddAttachment), make it
// misbehave (Inject, DropConnections, Reconnect, ResendMessage) and inspect
// what it recorded (State, WaitFor). Point the
// client at it by rewriting https://discord.com to URL() (the discord
// adapter's Config.APIBase does this).
//
// Package discordfake imports only the standard library and coder/websocket.
package discordfake

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"time"
)

// Default ids and token of a fake Discord.
const (
	DefaultToken   = "fake-bot-token"
	BotID          = "100000000000000001"
	GuildID        = "200000000000000001"
	SupportChannel = "300000000000000001" // a guild text channel named "support"
)

// Options configures a Server. Zero values take the defaults shown.
type Options struct {
	Token    string    // the bot token (DefaultToken); clients send "Bot <Token>"
	BotName  string    // the bot user's name ("Relais")
	Channels []Channel // guild channels besides SupportChannel
	Users    []User    // people known to the fake
	// HeartbeatInterval is announced in HELLO (41.25 s, as Discord does).
	HeartbeatInterval time.Duration
	// Zlib sends every gateway frame zlib-compressed, as a binary message.
	Zlib bool
	// DenyMessageContent plays an app whose privileged Message Content intent
	// is not enabled in the developer portal: an IDENTIFY asking for it is
	// closed with 4014 "Disallowed intent(s)".
	DenyMessageContent bool
	// NoPrivateThreads makes creating private threads fail with 403 Missing
	// Permissions (the bot lacks Create Private Threads).
	NoPrivateThreads bool
	// NoManageThreads plays a bot without Manage Threads: deleting a thread
	// fails with 403 Missing Permissions (50013), and so do archiving,
	// locking and unarchiving a locked thread.
	NoManageThreads bool
}

// User is a Discord user.
type User struct {
	ID         string
	Username   string
	GlobalName string   // display name; may be empty
	Locale     string   // client language ("fr", "en-US"), sent with interactions
	Roles      []string // ids of their roles in the guild, sent with their interactions there
	Bot        bool
	BlocksDMs  bool // sending a DM to this user fails with 50007
}

// Channel types used by the fake.
const (
	TypeText          = 0
	TypeDM            = 1
	TypePublicThread  = 11
	TypePrivateThread = 12
)

// Channel is a guild channel, a DM channel or a thread.
type Channel struct {
	ID, Name  string
	Type      int
	ParentID  string   // threads: the channel they belong to
	OwnerID   string   // threads: who created them
	Recipient string   // DM channels: the user
	Members   []string // threads: user ids of the members
	Archived  bool     // threads
	Locked    bool     // threads: an archived locked thread cannot be written to
	NoAccess  bool     // the bot cannot see it: 403 Missing Access
}

// Fault makes a REST route fail. The first Skip calls succeed, then Times
// calls fail (Times < 0: every call).
type Fault struct {
	Skip, Times int
	Status      int     // HTTP status: 429, 500, 403, …
	Code        int     // Discord's JSON error code (50001 Missing Access, …)
	Message     string  // Discord's JSON error message
	RetryAfter  float64 // seconds, for 429 (body retry_after and Retry-After header)
	// Apply makes the call take effect before the failure is answered: an
	// ambiguous failure, like a timeout after Discord created the message.
	Apply bool
	// Delay holds the answer back, as an overloaded Discord does. A client
	// that gives up first (its timeout) gets nothing, and the call has no
	// effect unless Apply; otherwise the fault is answered, or, with no
	// Status, the call is carried out normally (a slow success).
	Delay time.Duration
}

// Server is a running fake Discord. Close it when done.
type Server struct {
	opts     Options
	srv      *httptest.Server
	mux      *http.ServeMux
	ctx      context.Context
	cancel   context.CancelFunc
	handlers sync.WaitGroup // gateway connections

	mu           sync.Mutex
	state        State
	changed      chan struct{} // closed and replaced on every change
	faults       map[string][]*Fault
	users        map[string]User
	lastID       int64
	session      *session
	conns        []*gatewayConn
	interactions map[string]*interaction
	attachments  map[string]Attachment // files people attached to commands, by id
}

// New starts a fake Discord on a local port.
func New(opts Options) *Server {
	if opts.Token == "" {
		opts.Token = DefaultToken
	}
	if opts.BotName == "" {
		opts.BotName = "Relais"
	}
	if opts.HeartbeatInterval <= 0 {
		opts.HeartbeatInterval = 41250 * time.Millisecond
	}
	s := &Server{
		opts: opts, changed: make(chan struct{}), faults: map[string][]*Fault{},
		users: map[string]User{}, lastID: 1_000_000_000_000_000_000, interactions: map[string]*interaction{},
		attachments: map[string]Attachment{},
		state:       State{Calls: map[string]int{}},
	}
	s.users[BotID] = User{ID: BotID, Username: opts.BotName, Bot: true}
	for _, u := range opts.Users {
		s.users[u.ID] = u
	}
	s.state.Channels = append(s.state.Channels, Channel{ID: SupportChannel, Name: "support", Type: TypeText})
	s.state.Channels = append(s.state.Channels, opts.Channels...)
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.mux = http.NewServeMux()
	s.routes()
	s.srv = httptest.NewUnstartedServer(s)
	s.srv.Config.ConnState = func(_ net.Conn, cs http.ConnState) {
		if cs == http.StateNew {
			s.mu.Lock()
			s.state.TCPConnections++
			s.mu.Unlock()
		}
	}
	s.srv.Start()
	return s
}

// URL returns the fake's base URL (http://127.0.0.1:PORT), standing for
// https://discord.com: REST is under /api/v9/.
func (s *Server) URL() string { return s.srv.URL }

// Options returns the options in effect.
func (s *Server) Options() Options { return s.opts }

// Close drops every gateway connection and stops the server.
func (s *Server) Close() {
	s.mu.Lock()
	s.cancel() // under mu: no gateway connection starts after this
	s.mu.Unlock()
	s.DropConnections()
	s.handlers.Wait()
	s.srv.Close()
}

// ServeHTTP answers Discord's routes, and 404 with Discord's JSON error for
// anything else (a wrong method included).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if _, pattern := s.mux.Handler(r); pattern == "" {
		writeJSON(w, http.StatusNotFound, apiError(0, "404: Not Found"))
		return
	}
	s.mux.ServeHTTP(w, r)
}

// Inject makes route (one of the Route constants) fail as f says. Faults of
// one route apply in order.
func (s *Server) Inject(route string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[route] = append(s.faults[route], &f)
}

// fault returns the fault to apply to this call of route, if any. Call with mu held.
func (s *Server) fault(route string) *Fault {
	for _, f := range s.faults[route] {
		switch {
		case f.Skip > 0:
			f.Skip--
			return nil
		case f.Times != 0:
			if f.Times > 0 {
				f.Times--
			}
			return f
		}
	}
	return nil
}

// State returns a copy of what the fake recorded so far.
func (s *Server) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state.clone()
}

// WaitFor waits until cond holds for the recorded state, or timeout. It
// returns the last state seen and whether cond held.
func (s *Server) WaitFor(timeout time.Duration, cond func(State) bool) (State, bool) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		st, changed := s.state.clone(), s.changed
		s.mu.Unlock()
		if cond(st) {
			return st, true
		}
		select {
		case <-changed:
		case <-deadline.C:
			return st, false
		}
	}
}

// notify wakes WaitFor callers up. Call with mu held.
func (s *Server) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// newID returns a new snowflake: unique and increasing. Call with mu held.
func (s *Server) newID() string {
	s.lastID++
	return strconv.FormatInt(s.lastID, 10)
}

// channel returns a pointer to the recorded channel id. Call with mu held.
func (s *Server) channel(id string) *Channel {
	for i := range s.state.Channels {
		if s.state.Channels[i].ID == id {
			return &s.state.Channels[i]
		}
	}
	return nil
}

// message returns a pointer to the recorded message id. Call with mu held.
func (s *Server) message(id string) *Message {
	for i := range s.state.Messages {
		if s.state.Messages[i].ID == id {
			return &s.state.Messages[i]
		}
	}
	return nil
}
