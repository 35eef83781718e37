package discordfake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// REST routes, as Inject and State.Calls name them (paths under /api/v9).
const (
	RouteGateway             = "GET /gateway"
	RouteGatewayBot          = "GET /gateway/bot"
	RouteGetUser             = "GET /users/{user}"
	RouteCreateDM            = "POST /users/@me/channels"
	RouteGetChannel          = "GET /channels/{channel}"
	RouteCreateMessage       = "POST /channels/{channel}/messages"
	RouteStartThread         = "POST /channels/{channel}/threads"
	RouteStartMessageThread  = "POST /channels/{channel}/messages/{message}/threads"
	RouteAddThreadMember     = "PUT /channels/{channel}/thread-members/{user}"
	RouteInteractionCallback = "POST /interactions/{interaction}/{token}/callback"
	RouteApplication         = "GET /oauth2/applications/@me"
	RouteGlobalCommand       = "POST /applications/{app}/commands"
	RouteGuildCommand        = "POST /applications/{app}/guilds/{guild}/commands"
	RouteEditOriginal        = "PATCH /webhooks/{app}/{token}/messages/@original"
	RouteFollowup            = "POST /webhooks/{app}/{token}"
)

// result is a handler's answer: a status and a JSON body (none if nil).
type result struct {
	status int
	body   any
}

func ok(body any) result { return result{http.StatusOK, body} }

// apiError is Discord's JSON error body.
func apiError(code int, message string) map[string]any {
	return map[string]any{"code": code, "message": message}
}

func fail(status, code int, message string) result {
	return result{status, apiError(code, message)}
}

// Common Discord errors.
var (
	errUnknownChannel = fail(http.StatusNotFound, 10003, "Unknown Channel")
	errUnknownMessage = fail(http.StatusNotFound, 10008, "Unknown Message")
	errUnknownUser    = fail(http.StatusNotFound, 10013, "Unknown User")
	errMissingAccess  = fail(http.StatusForbidden, 50001, "Missing Access")
	errMissingPerms   = fail(http.StatusForbidden, 50013, "Missing Permissions")
	errCannotDM       = fail(http.StatusForbidden, 50007, "Cannot send messages to this user")
	errEmptyMessage   = fail(http.StatusBadRequest, 50006, "Cannot send an empty message")
	errArchived       = fail(http.StatusBadRequest, 50083, "Thread is archived")
)

func errInvalidForm(why string) result {
	return fail(http.StatusBadRequest, 50035, "Invalid Form Body: "+why)
}

// routes registers the REST endpoints and the gateway.
func (s *Server) routes() {
	handle := func(route string, auth bool, h func(r *http.Request, body []byte) result) {
		method, path, _ := strings.Cut(route, " ")
		s.mux.HandleFunc(method+" /api/v9"+path, s.serveREST(route, auth, h))
	}
	handle(RouteGateway, false, func(*http.Request, []byte) result { return ok(map[string]any{"url": s.gatewayURL()}) })
	handle(RouteGatewayBot, true, func(*http.Request, []byte) result {
		return ok(map[string]any{"url": s.gatewayURL(), "shards": 1, "session_start_limit": map[string]any{
			"total": 1000, "remaining": 999, "reset_after": 86400000, "max_concurrency": 1}})
	})
	handle(RouteGetUser, true, s.getUser)
	handle(RouteCreateDM, true, s.createDM)
	handle(RouteGetChannel, true, s.getChannel)
	handle(RouteCreateMessage, true, s.createMessage)
	handle(RouteStartThread, true, s.startThread)
	handle(RouteStartMessageThread, true, s.startMessageThread)
	handle(RouteAddThreadMember, true, s.addThreadMember)
	handle(RouteEditChannel, true, s.editChannel)
	handle(RouteDeleteChannel, true, s.deleteChannel)
	handle(RouteListMessages, true, s.listMessages)
	handle(RouteDeleteMessage, true, s.deleteMessage)
	handle(RouteInteractionCallback, false, s.interactionCallback)
	handle(RouteApplication, true, s.application)
	handle(RouteGlobalCommand, true, s.createCommand)
	handle(RouteGuildCommand, true, s.createCommand)
	handle(RouteEditOriginal, false, s.editOriginal)
	handle(RouteFollowup, false, s.followup)
	s.mux.HandleFunc("GET /attachments/{id}/{name}", s.serveAttachment)
	s.mux.HandleFunc("GET /gateway", s.serveGateway)
	s.mux.HandleFunc("GET /gateway/", s.serveGateway)
}

// serveREST runs a REST handler under the lock, after the token check and
// the faults injected for route.
func (s *Server) serveREST(route string, auth bool, h func(*http.Request, []byte) result) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		s.mu.Lock()
		defer func() { s.notify(); s.mu.Unlock() }()
		s.state.Calls[route]++
		if auth && r.Header.Get("Authorization") != "Bot "+s.opts.Token {
			writeJSON(w, http.StatusUnauthorized, apiError(0, "401: Unauthorized"))
			return
		}
		f := s.fault(route)
		var res result
		applied := f != nil && f.Apply
		if applied {
			res = h(r, body)
		}
		if f != nil && f.Delay > 0 {
			s.notify()
			s.mu.Unlock()
			held := s.hold(r.Context(), f.Delay)
			s.mu.Lock()
			if !held {
				return // the client gave up: nobody reads the answer
			}
		}
		if f != nil && (f.Status != 0 || f.Delay == 0) {
			writeFault(w, f)
			return
		}
		if !applied {
			res = h(r, body)
		}
		writeJSON(w, res.status, res.body)
	}
}

func writeFault(w http.ResponseWriter, f *Fault) {
	if f.Status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", strconv.Itoa(int(f.RetryAfter+0.999)))
		w.Header().Set("X-RateLimit-Scope", "user")
		writeJSON(w, f.Status, map[string]any{"message": "You are being rate limited.", "retry_after": f.RetryAfter, "global": false})
		return
	}
	msg := f.Message
	if msg == "" {
		msg = fmt.Sprintf("%d: %s", f.Status, http.StatusText(f.Status))
	}
	writeJSON(w, f.Status, apiError(f.Code, msg))
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	if body == nil {
		w.WriteHeader(status)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}

func (s *Server) getUser(r *http.Request, _ []byte) result {
	id := r.PathValue("user")
	if id == "@me" {
		id = BotID
	}
	u, found := s.users[id]
	if !found {
		return errUnknownUser
	}
	return ok(s.userJSON(u))
}

func (s *Server) createDM(_ *http.Request, body []byte) result {
	var req struct {
		RecipientID string `json:"recipient_id"`
	}
	if json.Unmarshal(body, &req) != nil || req.RecipientID == "" {
		return errInvalidForm("recipient_id is required")
	}
	if _, found := s.users[req.RecipientID]; !found {
		return errUnknownUser
	}
	return ok(s.channelJSON(*s.dmChannel(req.RecipientID)))
}

// dmChannel returns the DM channel between the bot and userID, creating it.
// Call with mu held.
func (s *Server) dmChannel(userID string) *Channel {
	for i, c := range s.state.Channels {
		if c.Type == TypeDM && c.Recipient == userID {
			return &s.state.Channels[i]
		}
	}
	s.state.Channels = append(s.state.Channels, Channel{ID: s.newID(), Type: TypeDM, Recipient: userID})
	return &s.state.Channels[len(s.state.Channels)-1]
}

// visible returns the channel the bot addresses, or the error Discord gives.
// Call with mu held.
func (s *Server) visible(id string) (*Channel, *result) {
	ch := s.channel(id)
	switch {
	case ch == nil:
		return nil, &errUnknownChannel
	case ch.NoAccess:
		return nil, &errMissingAccess
	}
	return ch, nil
}

func (s *Server) getChannel(r *http.Request, _ []byte) result {
	ch, errRes := s.visible(r.PathValue("channel"))
	if errRes != nil {
		return *errRes
	}
	return ok(s.channelJSON(*ch))
}

func (s *Server) startThread(r *http.Request, body []byte) result {
	var req struct {
		Name string `json:"name"`
		Type int    `json:"type"`
	}
	if json.Unmarshal(body, &req) != nil || req.Name == "" || utf8.RuneCountInString(req.Name) > 100 {
		return errInvalidForm("name must be 1-100 characters")
	}
	parent, errRes := s.visible(r.PathValue("channel"))
	switch {
	case errRes != nil:
		return *errRes
	case parent.Type != TypeText:
		return fail(http.StatusBadRequest, 50024, "Cannot execute action on this channel type")
	case req.Type == 0:
		req.Type = TypePrivateThread // Discord's default for this route
	case req.Type != TypePrivateThread && req.Type != TypePublicThread:
		return errInvalidForm("type must be 11 or 12")
	}
	if req.Type == TypePrivateThread && s.opts.NoPrivateThreads {
		return errMissingPerms
	}
	return ok(s.channelJSON(s.newThread(s.newID(), parent.ID, req.Name, req.Type)))
}

func (s *Server) startMessageThread(r *http.Request, body []byte) result {
	var req struct {
		Name string `json:"name"`
	}
	if json.Unmarshal(body, &req) != nil || req.Name == "" || utf8.RuneCountInString(req.Name) > 100 {
		return errInvalidForm("name must be 1-100 characters")
	}
	parent, errRes := s.visible(r.PathValue("channel"))
	if errRes != nil {
		return *errRes
	}
	m := s.message(r.PathValue("message"))
	switch {
	case m == nil || m.ChannelID != parent.ID:
		return errUnknownMessage
	case s.channel(m.ID) != nil:
		return fail(http.StatusBadRequest, 160004, "A thread has already been created for this message")
	}
	// A thread started from a message has the message's id.
	return ok(s.channelJSON(s.newThread(m.ID, parent.ID, req.Name, TypePublicThread)))
}

// newThread records a thread the bot created and tells the gateway.
// Call with mu held.
func (s *Server) newThread(id, parentID, name string, typ int) Channel {
	th := Channel{ID: id, Name: name, Type: typ, ParentID: parentID, OwnerID: BotID, Members: []string{BotID}}
	s.state.Channels = append(s.state.Channels, th)
	data := s.channelJSON(th)
	data["newly_created"] = true
	s.dispatch("THREAD_CREATE", data)
	return th
}

func (s *Server) addThreadMember(r *http.Request, _ []byte) result {
	th, errRes := s.visible(r.PathValue("channel"))
	switch {
	case errRes != nil:
		return *errRes
	case th.Type != TypePublicThread && th.Type != TypePrivateThread:
		return fail(http.StatusBadRequest, 50024, "Cannot execute action on this channel type")
	case th.Archived:
		return errArchived
	}
	user := r.PathValue("user")
	if _, found := s.users[user]; !found {
		return errUnknownUser
	}
	if !slices.Contains(th.Members, user) {
		th.Members = append(th.Members, user)
	}
	return result{http.StatusNoContent, nil}
}

// now is the fake's clock.
func now() time.Time { return time.Now().UTC() }
