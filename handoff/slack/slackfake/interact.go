package slackfake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
	"unicode/utf8"
)

// trigger is a trigger_id handed to the app with a command or shortcut: it
// opens one view, for its user, within TriggerTTL.
type trigger struct {
	ref, user string
	expires   time.Time
	used      bool
}

// maxResponses is how many times a response_url may be used, as on Slack.
const maxResponses = 5

// SlashCommand makes userID type "command text" in channel (the text as
// Slack sends it: &, < and > escaped if the test wants them so): the command
// is sent to the app, over Socket Mode or to the commands URL. It returns
// the command's ref, which names its Delivery (with the app's ack) and the
// Responses posted to its response_url.
func (s *Server) SlashCommand(userID, channel, command, text string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ref := s.newRef("cmd")
	u := s.users[userID]
	payload, _ := json.Marshal(map[string]string{
		"token": "fake-verification-token", "team_id": s.opts.TeamID, "team_domain": "fake",
		"channel_id": channel, "channel_name": "channel", "user_id": userID, "user_name": u.Name,
		"command": command, "text": text, "api_app_id": s.opts.AppID, "is_enterprise_install": "false",
		"response_url": s.responseURL(ref), "trigger_id": s.newTrigger(ref, userID),
	})
	s.queue = append(s.queue, outgoing{kind: "slash_commands", ref: ref, payload: payload})
	s.signal()
	s.notify()
	return ref
}

// Shortcut makes userID run the message shortcut callbackID on the message
// channel/ts (a message_action interaction). It returns the shortcut's ref,
// like SlashCommand. It fails if there is no such message.
func (s *Server) Shortcut(userID, callbackID, channel, ts string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.find(channel, ts)
	if i < 0 {
		return "", fmt.Errorf("slackfake: no message %s/%s", channel, ts)
	}
	m := s.state.Messages[i]
	ref := s.newRef("shortcut")
	u := s.users[userID]
	msg := map[string]any{"type": "message", "user": m.User, "text": m.Text, "ts": m.TS}
	if m.ThreadTS != "" {
		msg["thread_ts"] = m.ThreadTS
	}
	if m.BotID != "" {
		msg["bot_id"] = m.BotID
	}
	payload, err := json.Marshal(map[string]any{
		"type": "message_action", "token": "fake-verification-token", "callback_id": callbackID,
		"trigger_id": s.newTrigger(ref, userID), "response_url": s.responseURL(ref), "action_ts": s.nextTS(),
		"team":    map[string]any{"id": s.opts.TeamID, "domain": "fake"},
		"user":    map[string]any{"id": userID, "name": u.Name, "team_id": s.opts.TeamID},
		"channel": map[string]any{"id": channel, "name": "channel"},
		"message": msg, "message_ts": m.TS,
	})
	if err != nil {
		return "", err
	}
	s.queue = append(s.queue, outgoing{kind: "interactive", ref: ref, payload: payload})
	s.signal()
	s.notify()
	return ref, nil
}

// SubmitView makes userID submit the open view viewID with values (block id
// → text typed; inputs not given keep their initial value). Like Slack's
// client, it refuses a required input left empty or a value longer than its
// max_length. It returns the submission's ref: its Delivery holds the app's
// answer (response_action), which the fake applies to the view.
func (s *Server) SubmitView(userID, viewID string, values map[string]string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	vi := -1
	for i, v := range s.state.Views {
		if v.ID == viewID {
			vi = i
		}
	}
	switch {
	case vi < 0:
		return "", fmt.Errorf("slackfake: no view %q", viewID)
	case s.state.Views[vi].Closed:
		return "", fmt.Errorf("slackfake: view %q is closed", viewID)
	case s.state.Views[vi].User != userID:
		return "", fmt.Errorf("slackfake: view %q is not open for %s", viewID, userID)
	}
	v := &s.state.Views[vi]
	state := map[string]any{}
	for _, in := range inputs(v.Blocks) {
		val, given := values[in.BlockID]
		if !given {
			val = in.Element.InitialValue
		}
		switch {
		case !in.Optional && val == "":
			return "", fmt.Errorf("slackfake: %s is required", in.BlockID)
		case in.Element.MaxLength > 0 && utf8.RuneCountInString(val) > in.Element.MaxLength:
			return "", fmt.Errorf("slackfake: %s is longer than %d characters", in.BlockID, in.Element.MaxLength)
		}
		state[in.BlockID] = map[string]any{in.Element.ActionID: map[string]any{"type": in.Element.Type, "value": val}}
	}
	ref := s.newRef("submit")
	u := s.users[userID]
	payload, err := json.Marshal(map[string]any{
		"type": "view_submission", "token": "fake-verification-token", "api_app_id": s.opts.AppID,
		"trigger_id": fmt.Sprintf("%s.trigger", ref),
		"team":       map[string]any{"id": s.opts.TeamID, "domain": "fake"},
		"user":       map[string]any{"id": userID, "name": u.Name, "team_id": s.opts.TeamID},
		"view": map[string]any{
			"id": v.ID, "type": "modal", "callback_id": v.CallbackID, "private_metadata": v.PrivateMetadata,
			"title": map[string]any{"type": "plain_text", "text": v.Title}, "blocks": json.RawMessage(v.Blocks),
			"state": map[string]any{"values": state}, "hash": ref, "app_id": s.opts.AppID, "bot_id": s.opts.BotID,
			"team_id": s.opts.TeamID,
		},
		"response_urls": []any{},
	})
	if err != nil {
		return "", err
	}
	s.refViews[ref] = v.ID
	s.queue = append(s.queue, outgoing{kind: "interactive", ref: ref, payload: payload})
	s.signal()
	s.notify()
	return ref, nil
}

// input is an input block of a view.
type input struct {
	BlockID  string `json:"block_id"`
	Type     string `json:"type"`
	Optional bool   `json:"optional"`
	Label    struct {
		Text string `json:"text"`
	} `json:"label"`
	Element struct {
		Type         string `json:"type"`
		ActionID     string `json:"action_id"`
		InitialValue string `json:"initial_value"`
		MaxLength    int    `json:"max_length"`
		Multiline    bool   `json:"multiline"`
	} `json:"element"`
}

// inputs returns the input blocks of a view's blocks.
func inputs(blocks string) []input {
	var all []input
	_ = json.Unmarshal([]byte(blocks), &all)
	var out []input
	for _, b := range all {
		if b.Type == "input" {
			out = append(out, b)
		}
	}
	return out
}

// applyViewResponse applies the app's answer to a view submission. Call
// with mu held.
func (s *Server) applyViewResponse(ref string, payload json.RawMessage) {
	id, ok := s.refViews[ref]
	if !ok {
		return
	}
	var r struct {
		Action string            `json:"response_action"`
		Errors map[string]string `json:"errors"`
		View   struct {
			Title struct {
				Text string `json:"text"`
			} `json:"title"`
			Blocks json.RawMessage `json:"blocks"`
		} `json:"view"`
	}
	if json.Unmarshal(payload, &r) != nil {
		return
	}
	for i := range s.state.Views {
		v := &s.state.Views[i]
		if v.ID != id {
			continue
		}
		switch r.Action {
		case "errors":
			v.Errors = r.Errors
		case "clear":
			v.Closed, v.Errors = true, nil
		case "update":
			v.Title, v.Blocks, v.Errors = r.View.Title.Text, string(r.View.Blocks), nil
			v.Updates++
		}
	}
}

// views.open: a trigger opens one modal, for its user, within TriggerTTL.
func (s *Server) openView(r *http.Request) apiResult {
	var req struct {
		TriggerID string `json:"trigger_id"`
		View      struct {
			Type  string `json:"type"`
			Title struct {
				Text string `json:"text"`
			} `json:"title"`
			Submit          *json.RawMessage `json:"submit"`
			Blocks          json.RawMessage  `json:"blocks"`
			CallbackID      string           `json:"callback_id"`
			PrivateMetadata string           `json:"private_metadata"`
		} `json:"view"`
	}
	body, err := io.ReadAll(r.Body)
	if err != nil || json.Unmarshal(body, &req) != nil {
		return apiError("invalid_json")
	}
	t, ok := s.triggers[req.TriggerID]
	switch {
	case !ok:
		return apiError("invalid_trigger_id")
	case t.used || time.Now().After(t.expires):
		return apiError("expired_trigger_id")
	}
	v := req.View
	var blocks []json.RawMessage
	if json.Unmarshal(v.Blocks, &blocks) != nil || len(blocks) == 0 || len(blocks) > 100 {
		return apiError("invalid_arguments")
	}
	ins := inputs(string(v.Blocks))
	seen := map[string]bool{}
	for _, in := range ins {
		switch {
		case in.BlockID == "" || seen[in.BlockID] || in.Element.ActionID == "" || in.Label.Text == "":
			return apiError("invalid_arguments")
		case utf8.RuneCountInString(in.Label.Text) > 2000,
			in.Element.MaxLength > 3000,
			in.Element.MaxLength > 0 && utf8.RuneCountInString(in.Element.InitialValue) > in.Element.MaxLength:
			return apiError("invalid_arguments")
		}
		seen[in.BlockID] = true
	}
	switch {
	case v.Type != "modal", v.Title.Text == "", utf8.RuneCountInString(v.Title.Text) > 24,
		len(ins) > 0 && v.Submit == nil, len(v.PrivateMetadata) > 3000, len(v.CallbackID) > 255:
		return apiError("invalid_arguments")
	}
	t.used = true
	s.triggers[req.TriggerID] = t
	s.seq++
	view := View{ID: fmt.Sprintf("V%08d", s.seq), User: t.user, Ref: t.ref, CallbackID: v.CallbackID, Title: v.Title.Text,
		PrivateMetadata: v.PrivateMetadata, Blocks: string(v.Blocks)}
	s.state.Views = append(s.state.Views, view)
	return apiResult{"ok": true, "view": map[string]any{"id": view.ID, "type": "modal", "callback_id": view.CallbackID,
		"private_metadata": view.PrivateMetadata, "blocks": v.Blocks, "team_id": s.opts.TeamID, "app_id": s.opts.AppID}}
}

// serveResponseURL records a message posted to a response_url; each may be
// used maxResponses times.
func (s *Server) serveResponseURL(w http.ResponseWriter, r *http.Request) {
	var msg struct {
		Text         string          `json:"text"`
		Blocks       json.RawMessage `json:"blocks"`
		ResponseType string          `json:"response_type"`
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil || json.Unmarshal(body, &msg) != nil {
		http.Error(w, "invalid_payload", http.StatusBadRequest)
		return
	}
	ref := r.PathValue("ref")
	s.mu.Lock()
	defer s.mu.Unlock()
	uses, ok := s.responseUses[ref]
	switch {
	case !ok:
		http.Error(w, "no_service", http.StatusNotFound)
		return
	case uses >= maxResponses:
		http.Error(w, "used_url", http.StatusNotFound)
		return
	case msg.Text == "" && nullable(msg.Blocks) == nil:
		http.Error(w, "no_text", http.StatusBadRequest)
		return
	}
	s.responseUses[ref]++
	rt := msg.ResponseType
	if rt == "" {
		rt = "ephemeral"
	}
	resp := Response{Ref: ref, ResponseType: rt, Text: msg.Text}
	if b := nullable(msg.Blocks); b != nil {
		resp.Blocks = string(b)
	}
	s.state.Responses = append(s.state.Responses, resp)
	s.notify()
	_, _ = io.WriteString(w, "ok")
}

// newRef returns a new ref with a prefix ("cmd-3"). Call with mu held.
func (s *Server) newRef(prefix string) string {
	s.seq++
	return fmt.Sprintf("%s-%d", prefix, s.seq)
}

// responseURL returns the response_url of ref. Call with mu held.
func (s *Server) responseURL(ref string) string {
	s.responseUses[ref] = 0
	return s.srv.URL + "/respond/" + ref
}

// newTrigger returns a trigger_id for ref's user. Call with mu held.
func (s *Server) newTrigger(ref, userID string) string {
	id := fmt.Sprintf("%d.%s.trigger", time.Now().UnixNano(), ref)
	s.triggers[id] = trigger{ref: ref, user: userID, expires: time.Now().Add(s.opts.TriggerTTL)}
	return id
}
