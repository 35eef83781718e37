package slackfake

import (
	"net/http"
	"strconv"
)

// historyMethod serves conversations.replies and chat.delete. The caller
// holds s.mu.
func (s *Server) historyMethod(method string, r *http.Request) apiResult {
	if method == "chat.delete" {
		return s.deleteMessage(r)
	}
	return s.replies(r)
}

// replies lists a thread, its parent first, a page at a time (cursor = the
// index of the next message), as conversations.replies does.
func (s *Server) replies(r *http.Request) apiResult {
	channel, ts := r.Form.Get("channel"), r.Form.Get("ts")
	if res := s.member(channel); res != nil {
		return res
	}
	var thread []map[string]any
	found := false
	for _, m := range s.state.Messages {
		if m.Channel != channel || (m.TS != ts && m.ThreadTS != ts) {
			continue
		}
		found = found || m.TS == ts
		msg := map[string]any{"type": "message", "user": m.User, "text": m.Text, "ts": m.TS, "thread_ts": ts}
		if m.BotID != "" {
			msg["bot_id"] = m.BotID
		}
		thread = append(thread, msg)
	}
	if !found {
		return apiError("thread_not_found")
	}
	limit, _ := strconv.Atoi(r.Form.Get("limit"))
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	start, _ := strconv.Atoi(r.Form.Get("cursor"))
	start = min(max(start, 0), len(thread))
	end := min(start+limit, len(thread))
	next := ""
	if end < len(thread) {
		next = strconv.Itoa(end)
	}
	return apiResult{"ok": true, "messages": thread[start:end], "has_more": next != "",
		"response_metadata": map[string]any{"next_cursor": next}}
}

// deleteMessage deletes one of the app's own messages: like Slack with a bot
// token, it refuses people's messages (cant_delete_message).
func (s *Server) deleteMessage(r *http.Request) apiResult {
	channel, ts := r.Form.Get("channel"), r.Form.Get("ts")
	if res := s.member(channel); res != nil {
		return res
	}
	i := s.find(channel, ts)
	switch {
	case i < 0:
		return apiError("message_not_found")
	case s.state.Messages[i].BotID != s.opts.BotID:
		return apiError("cant_delete_message")
	}
	s.state.Messages = append(s.state.Messages[:i], s.state.Messages[i+1:]...)
	return apiResult{"ok": true, "channel": channel, "ts": ts}
}
