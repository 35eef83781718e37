// Package slackfake is a fake Slack for tests, speaking Slack's wire protocol
// faithfully enough for the real slack-go client: Web API methods over HTTP
// (auth.test, chat.postMessage, chat.postEphemeral, chat.update,
// reactions.add, users.info, usergroups.users.list, conversations.open,
// views.open, files.info, files.getUploadURLExternal and
// files.completeUploadExternal with their upload and download URLs,
// apps.connections.open), response_urls, a Socket Mode WebSocket (hello,
// envelopes, acks with payloads, pings) and an Events API client that POSTs
// signed requests.
//
// Tests drive it with helpers that act like people in Slack (AgentReply,
// Click, SlashCommand, Shortcut, SubmitView, UploadFile, SendEvent), make it
// misbehave (Inject, DropConnections, ResendEvent) and inspect what it
// recorded (State, WaitFor). Methods it does not know
// answer 404 unknown_method, as a fake should rather than invent behaviour.
//
// Package slackfake imports only the standard library and coder/websocket.
package slackfake

import (
	"context"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// Options configures a Server. Zero values take the defaults shown.
type Options struct {
	BotToken      string   // "xoxb-fake-token"
	AppToken      string   // "xapp-fake-token"
	SigningSecret string   // "fake-signing-secret"
	TeamID        string   // "T0FAKE"
	AppID         string   // "A0FAKE"
	BotUserID     string   // "U0BOT"
	BotID         string   // "B0BOT"
	Channels      []string // channels the bot is a member of; empty: every channel
	Users         []User   // users known to users.info
	// PingInterval is how often the server pings Socket Mode clients (2s).
	// slack-go drops a connection that gets no ping for 30 s.
	PingInterval time.Duration
	// EchoBotMessages makes every chat.postMessage come back as a message
	// event, as real Slack does for apps subscribed to message.channels.
	EchoBotMessages bool
	// UserGroups are the workspace's user groups (S… id → member user
	// ids), for usergroups.users.list.
	UserGroups map[string][]string
	// TriggerTTL is how long a trigger_id may open a view (3s, as Slack).
	TriggerTTL time.Duration
}

// User is a workspace member, as users.info returns it.
type User struct {
	ID          string
	Name        string // the handle
	RealName    string
	DisplayName string
	IsBot       bool
}

// Fault makes a Web API method fail. The first Skip calls succeed, then
// Times calls fail (Times < 0: every call).
type Fault struct {
	Skip, Times int
	Status      int    // an HTTP status (429, 500…); 0: answer 200 with Error
	RetryAfter  int    // seconds, sent as Retry-After (with Status 429)
	Error       string // the "error" of {"ok":false} (invalid_auth, …)
	// Delay holds the answer back, as an overloaded Slack does. A client that
	// gives up first (its timeout) gets nothing and the call has no effect;
	// otherwise the fault is answered, or, with neither Status nor Error, the
	// call is carried out normally (a slow success).
	Delay time.Duration
}

// Server is a running fake Slack. Close it when done.
type Server struct {
	opts     Options
	srv      *httptest.Server
	client   *http.Client
	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup // the delivery loop
	handlers sync.WaitGroup // Socket Mode connections
	wake     chan struct{}

	mu             sync.Mutex
	state          State
	changed        chan struct{} // closed and replaced on every change
	faults         map[string][]*Fault
	users          map[string]User
	lastTS         int64
	seq            int
	events         map[string]eventRecord // by event id, for ResendEvent
	queue          []outgoing
	conns          []*websocket.Conn
	tickets        map[string]bool
	eventsURL      string
	interactiveURL string
	commandsURL    string
	groups         map[string][]string
	triggers       map[string]trigger // trigger_id → who may open a view with it, until when
	responseUses   map[string]int     // response_url ref → posts made
	refViews       map[string]string  // view submission ref → view id
	uploads        map[string]File    // files being uploaded, by id
	dms            map[string]string  // user id → DM channel id
}

// New starts a fake Slack on a local port.
func New(opts Options) *Server {
	def := func(v *string, d string) {
		if *v == "" {
			*v = d
		}
	}
	def(&opts.BotToken, "xoxb-fake-token")
	def(&opts.AppToken, "xapp-fake-token")
	def(&opts.SigningSecret, "fake-signing-secret")
	def(&opts.TeamID, "T0FAKE")
	def(&opts.AppID, "A0FAKE")
	def(&opts.BotUserID, "U0BOT")
	def(&opts.BotID, "B0BOT")
	if opts.PingInterval <= 0 {
		opts.PingInterval = 2 * time.Second
	}
	if opts.TriggerTTL <= 0 {
		opts.TriggerTTL = 3 * time.Second
	}
	s := &Server{
		opts: opts, client: &http.Client{Timeout: 10 * time.Second}, wake: make(chan struct{}, 1),
		state:   State{Calls: map[string]int{}},
		changed: make(chan struct{}), faults: map[string][]*Fault{}, users: map[string]User{},
		events: map[string]eventRecord{}, tickets: map[string]bool{},
		groups: map[string][]string{}, triggers: map[string]trigger{}, responseUses: map[string]int{}, dms: map[string]string{},
		refViews: map[string]string{}, uploads: map[string]File{},
	}
	for id, members := range opts.UserGroups {
		s.groups[id] = slices.Clone(members)
	}
	for _, u := range opts.Users {
		s.users[u.ID] = u
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	mux := http.NewServeMux()
	mux.HandleFunc("/api/{method}", s.serveAPI)
	mux.HandleFunc("GET /socket/{ticket}", s.serveSocket)
	mux.HandleFunc("POST /respond/{ref}", s.serveResponseURL)
	mux.HandleFunc("POST /upload/{file}", s.serveUpload)
	mux.HandleFunc("GET /download/{file}/{name}", s.serveDownload)
	s.srv = httptest.NewUnstartedServer(mux)
	s.srv.Config.ConnState = func(_ net.Conn, cs http.ConnState) {
		if cs == http.StateNew {
			s.mu.Lock()
			s.state.TCPConnections++
			s.mu.Unlock()
		}
	}
	s.srv.Start()
	s.wg.Go(s.deliverLoop)
	return s
}

// URL returns the Web API base URL, ending with "/" (for slack.OptionAPIURL).
func (s *Server) URL() string { return s.srv.URL + "/api/" }

// Options returns the options in effect (tokens, ids, secret).
func (s *Server) Options() Options { return s.opts }

// Close drops every connection and stops the server.
func (s *Server) Close() {
	s.mu.Lock()
	s.cancel() // under mu: no connection handler starts after this
	s.mu.Unlock()
	s.DropConnections()
	s.handlers.Wait()
	s.wg.Wait()
	s.srv.Close()
}

// Inject makes method fail as f says. Faults of one method apply in order.
func (s *Server) Inject(method string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[method] = append(s.faults[method], &f)
}

// Heal removes the faults injected for methods, or for every method if none
// is given: Slack works again (a token restored, an outage over).
func (s *Server) Heal(methods ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(methods) == 0 {
		clear(s.faults)
	}
	for _, m := range methods {
		delete(s.faults, m)
	}
}

// State returns a copy of what the fake recorded so far.
func (s *Server) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.snapshot()
}

// WaitFor waits until cond holds for the recorded state, or timeout. It
// returns the last state seen and whether cond held.
func (s *Server) WaitFor(timeout time.Duration, cond func(State) bool) (State, bool) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		st, changed := s.snapshot(), s.changed
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

// snapshot copies the state. Call with mu held.
func (s *Server) snapshot() State {
	st := s.state
	st.Messages = slices.Clone(st.Messages)
	st.Updates = slices.Clone(st.Updates)
	st.Reactions = slices.Clone(st.Reactions)
	st.Deliveries = slices.Clone(st.Deliveries)
	st.Responses = slices.Clone(st.Responses)
	st.Ephemerals = slices.Clone(st.Ephemerals)
	st.Views = slices.Clone(st.Views)
	for i := range st.Views {
		st.Views[i].Errors = maps.Clone(st.Views[i].Errors)
	}
	st.Files = slices.Clone(st.Files)
	for i := range st.Files {
		st.Files[i].Channels = slices.Clone(st.Files[i].Channels)
	}
	st.Calls = make(map[string]int, len(s.state.Calls))
	for k, v := range s.state.Calls {
		st.Calls[k] = v
	}
	return st
}

// notify wakes WaitFor callers up. Call with mu held.
func (s *Server) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// fault returns the fault to apply to this call of method, if any. Call with mu held.
func (s *Server) fault(method string) *Fault {
	for _, f := range s.faults[method] {
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

// nextTS returns a new message timestamp: unique and increasing, with
// microseconds like Slack's. Call with mu held.
func (s *Server) nextTS() string {
	now := time.Now().UnixMicro()
	if now <= s.lastTS {
		now = s.lastTS + 1
	}
	s.lastTS = now
	return formatTS(now)
}

func formatTS(micros int64) string {
	return fmt.Sprintf("%d.%06d", micros/1_000_000, micros%1_000_000)
}
