package slackfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// apiResult is a Web API answer: a JSON object with "ok".
type apiResult map[string]any

func apiError(code string) apiResult { return apiResult{"ok": false, "error": code} }

// serveAPI answers https://slack.com/api/{method}.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	method := r.PathValue("method")
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, apiError("invalid_form_data"))
		return
	}
	token := r.Form.Get("token")
	if bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		token = bearer
	}

	s.mu.Lock()
	s.state.Calls[method]++
	f := s.fault(method)
	if f != nil && f.Delay > 0 {
		s.notify()
		s.mu.Unlock()
		if !s.hold(r.Context(), f.Delay) {
			return // the client gave up: nobody reads the answer
		}
		s.mu.Lock()
	}
	defer s.mu.Unlock()
	defer s.notify()
	if f != nil && (f.Status != 0 || f.Error != "" || f.Delay == 0) {
		writeFault(w, f)
		return
	}
	var res apiResult
	switch method {
	case "apps.connections.open":
		res = s.checkToken(token, s.opts.AppToken, s.opts.BotToken)
		if res == nil {
			res = s.connectionsOpen()
		}
	case "auth.test", "chat.postMessage", "chat.update", "reactions.add", "users.info":
		res = s.checkToken(token, s.opts.BotToken, s.opts.AppToken)
		if res == nil {
			res = s.botMethod(method, r)
		}
	case "chat.postEphemeral", "conversations.open", "usergroups.users.list",
		"files.info", "files.getUploadURLExternal", "files.completeUploadExternal":
		res = s.checkToken(token, s.opts.BotToken, s.opts.AppToken)
		if res == nil {
			res = s.fileMethod(method, r)
		}
	case "conversations.replies", "chat.delete":
		res = s.checkToken(token, s.opts.BotToken, s.opts.AppToken)
		if res == nil {
			res = s.historyMethod(method, r)
		}
	case "views.open":
		res = s.checkToken(token, s.opts.BotToken, s.opts.AppToken)
		if res == nil {
			res = s.openView(r)
		}
	default:
		writeJSON(w, http.StatusNotFound, apiError("unknown_method"))
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// checkToken returns an error result unless token is want.
func (s *Server) checkToken(token, want, otherKind string) apiResult {
	switch token {
	case want:
		return nil
	case "":
		return apiError("not_authed")
	case otherKind:
		return apiError("not_allowed_token_type")
	}
	return apiError("invalid_auth")
}

func (s *Server) botMethod(method string, r *http.Request) apiResult {
	switch method {
	case "auth.test":
		return apiResult{"ok": true, "url": "https://fake.slack.test/", "team": "Fake", "user": "relais",
			"team_id": s.opts.TeamID, "user_id": s.opts.BotUserID, "bot_id": s.opts.BotID}
	case "chat.postMessage":
		return s.postMessage(r)
	case "chat.update":
		return s.updateMessage(r)
	case "reactions.add":
		return s.addReaction(r)
	default: // users.info
		u, ok := s.users[r.Form.Get("user")]
		if !ok {
			return apiError("user_not_found")
		}
		return apiResult{"ok": true, "user": map[string]any{
			"id": u.ID, "team_id": s.opts.TeamID, "name": u.Name, "real_name": u.RealName, "is_bot": u.IsBot,
			"profile": map[string]any{"real_name": u.RealName, "display_name": u.DisplayName},
		}}
	}
}

func (s *Server) member(channel string) apiResult {
	switch {
	case channel == "":
		return apiError("channel_not_found")
	case len(s.opts.Channels) > 0 && !slices.Contains(s.opts.Channels, channel):
		return apiError("not_in_channel")
	}
	return nil
}

func (s *Server) postMessage(r *http.Request) apiResult {
	channel, text, blocks := r.Form.Get("channel"), r.Form.Get("text"), r.Form.Get("blocks")
	if res := s.member(channel); res != nil {
		return res
	}
	if text == "" && blocks == "" {
		return apiError("no_text")
	}
	if blocks != "" && !json.Valid([]byte(blocks)) {
		return apiError("invalid_blocks")
	}
	m := Message{Channel: channel, TS: s.nextTS(), ThreadTS: r.Form.Get("thread_ts"), User: s.opts.BotUserID,
		BotID: s.opts.BotID, Text: text, Blocks: blocks, LinkNames: r.Form.Get("link_names"),
		UnfurlLinks: r.Form.Get("unfurl_links"), UnfurlMedia: r.Form.Get("unfurl_media")}
	s.state.Messages = append(s.state.Messages, m)
	if s.opts.EchoBotMessages {
		s.queueEvent(s.messageEvent(m, ""))
	}
	return apiResult{"ok": true, "channel": channel, "ts": m.TS, "message": map[string]any{
		"type": "message", "user": m.User, "bot_id": m.BotID, "text": text, "ts": m.TS, "thread_ts": m.ThreadTS}}
}

func (s *Server) updateMessage(r *http.Request) apiResult {
	channel, ts := r.Form.Get("channel"), r.Form.Get("ts")
	text, blocks := r.Form.Get("text"), r.Form.Get("blocks")
	i := s.find(channel, ts)
	switch {
	case i < 0:
		return apiError("message_not_found")
	case s.state.Messages[i].BotID != s.opts.BotID:
		return apiError("cant_update_message")
	case text == "" && blocks == "":
		return apiError("no_text")
	case blocks != "" && !json.Valid([]byte(blocks)):
		return apiError("invalid_blocks")
	}
	s.state.Messages[i].Text, s.state.Messages[i].Blocks = text, blocks
	s.state.Updates = append(s.state.Updates, Update{Channel: channel, TS: ts, Text: text, Blocks: blocks})
	return apiResult{"ok": true, "channel": channel, "ts": ts, "text": text}
}

func (s *Server) addReaction(r *http.Request) apiResult {
	channel, ts, name := r.Form.Get("channel"), r.Form.Get("timestamp"), r.Form.Get("name")
	if name == "" {
		return apiError("invalid_name")
	}
	if s.find(channel, ts) < 0 {
		return apiError("message_not_found")
	}
	for _, x := range s.state.Reactions {
		if x.Channel == channel && x.TS == ts && x.Name == name && x.User == s.opts.BotUserID {
			return apiError("already_reacted")
		}
	}
	s.state.Reactions = append(s.state.Reactions, Reaction{Channel: channel, TS: ts, Name: name, User: s.opts.BotUserID})
	return apiResult{"ok": true}
}

// connectionsOpen issues a single-use Socket Mode URL.
func (s *Server) connectionsOpen() apiResult {
	s.seq++
	ticket := fmt.Sprintf("ticket-%d", s.seq)
	s.tickets[ticket] = true
	url := "ws" + strings.TrimPrefix(s.srv.URL, "http") + "/socket/" + ticket
	return apiResult{"ok": true, "url": url}
}

// find returns the index of message channel/ts, or -1. Call with mu held.
func (s *Server) find(channel, ts string) int {
	return slices.IndexFunc(s.state.Messages, func(m Message) bool { return m.Channel == channel && m.TS == ts })
}

func writeFault(w http.ResponseWriter, f *Fault) {
	if f.Status == 0 {
		writeJSON(w, http.StatusOK, apiError(f.Error))
		return
	}
	if f.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(f.RetryAfter))
	}
	if f.Status == http.StatusTooManyRequests {
		writeJSON(w, f.Status, apiError("ratelimited"))
		return
	}
	// Slack answers 5xx with an HTML page.
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(f.Status)
	fmt.Fprintf(w, "<html><body>%d %s</body></html>", f.Status, http.StatusText(f.Status))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
