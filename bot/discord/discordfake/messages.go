package discordfake

import (
	"encoding/json"
	"net/http"
	"time"
	"unicode/utf8"
)

// Discord's limits on messages.
const (
	maxContent  = 2000
	maxNonce    = 25
	nonceWindow = 5 * time.Minute // enforce_nonce looks this far back
)

// createMessage posts the bot's message. With enforce_nonce, a nonce the bot
// used in the channel within a few minutes returns that message instead of
// creating one, as Discord does.
func (s *Server) createMessage(r *http.Request, body []byte) result {
	var req struct {
		Content         string          `json:"content"`
		Components      json.RawMessage `json:"components"`
		AllowedMentions json.RawMessage `json:"allowed_mentions"`
		Nonce           json.RawMessage `json:"nonce"`
		EnforceNonce    bool            `json:"enforce_nonce"`
		Flags           int             `json:"flags"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return errInvalidForm(err.Error())
	}
	ch, errRes := s.visible(r.PathValue("channel"))
	if errRes != nil {
		return *errRes
	}
	nonce := nonceString(req.Nonce)
	if bad := s.checkMessage(req.Content, req.Components, nonce); bad != nil {
		return *bad
	}
	switch {
	case ch.Type == TypeDM && s.users[ch.Recipient].BlocksDMs:
		return errCannotDM
	case ch.Archived && ch.Locked:
		return errArchived
	}
	if req.EnforceNonce && nonce != "" {
		for i := len(s.state.Messages) - 1; i >= 0; i-- {
			m := s.state.Messages[i]
			if m.Bot && m.ChannelID == ch.ID && m.Nonce == nonce && now().Sub(m.CreatedAt) < nonceWindow {
				s.state.NonceReplays++
				return ok(s.messageJSON(m))
			}
		}
	}
	ch.Archived = false // writing in an archived thread unarchives it
	m := Message{ID: s.newID(), ChannelID: ch.ID, AuthorID: BotID, Bot: true, Content: req.Content,
		AllowedMentions: nullable(req.AllowedMentions), Nonce: nonce, EnforceNonce: req.EnforceNonce,
		Flags: req.Flags, CreatedAt: now()}
	if c := nullable(req.Components); c != nil && string(c) != "[]" {
		m.Components = c
	}
	s.state.Messages = append(s.state.Messages, m)
	s.dispatch("MESSAGE_CREATE", s.messageJSON(m)) // the bot sees its own messages, as on Discord
	return ok(s.messageJSON(m))
}

// checkMessage applies Discord's validation of a message. Call with mu held.
func (s *Server) checkMessage(content string, components json.RawMessage, nonce string) *result {
	var rows []struct {
		Type       int `json:"type"`
		Components []struct {
			Type     int    `json:"type"`
			Label    string `json:"label"`
			CustomID string `json:"custom_id"`
			URL      string `json:"url"`
		} `json:"components"`
	}
	if c := nullable(components); c != nil {
		if err := json.Unmarshal(c, &rows); err != nil {
			r := errInvalidForm("components: " + err.Error())
			return &r
		}
	}
	bad := func(why string) *result { r := errInvalidForm(why); return &r }
	switch {
	case utf8.RuneCountInString(content) > maxContent:
		return bad("content: must be 2000 or fewer in length")
	case content == "" && len(rows) == 0:
		return &errEmptyMessage
	case len(nonce) > maxNonce:
		return bad("nonce: must be 25 or fewer in length")
	case len(rows) > 5:
		return bad("components: must be 5 or fewer in length")
	}
	seen := map[string]bool{}
	for _, row := range rows {
		if row.Type != 1 || len(row.Components) == 0 || len(row.Components) > 5 {
			return bad("components: an action row holds 1 to 5 buttons")
		}
		for _, b := range row.Components {
			switch {
			case b.Type != 2:
				return bad("components: only buttons are supported by the fake")
			case utf8.RuneCountInString(b.Label) > 80:
				return bad("label: must be 80 or fewer in length")
			case b.URL == "" && (b.CustomID == "" || len(b.CustomID) > 100):
				return bad("custom_id: must be 1 to 100 in length")
			case b.CustomID != "" && seen[b.CustomID]:
				return bad("custom_id: must be unique")
			}
			seen[b.CustomID] = true
		}
	}
	return nil
}

// nonceString reads a nonce, which Discord accepts as a string or an integer.
func nonceString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	if raw = nullable(raw); raw != nil {
		return string(raw)
	}
	return ""
}

// nullable returns raw, or nil for an absent or null value.
func nullable(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	return raw
}

// interaction is a component interaction sent to the app.
type interaction struct {
	token     string
	kind      int // 2 application command, 3 message component, 5 modal submit
	userID    string
	channelID string
	messageID string // components: the message clicked
	sent      time.Time
	answered  bool
	original  string // the message answering it (types 4 and 5), which the bot may edit
}

// interactionCallback answers an interaction once. An update (type 7)
// changes the message's content or components; a message (type 4) posts one;
// a deferred answer (type 5) posts an empty one, to edit later; a modal
// (type 9) opens, unless the interaction is a modal's submission.
func (s *Server) interactionCallback(r *http.Request, body []byte) result {
	id := r.PathValue("interaction")
	in := s.interactions[id]
	if in == nil || in.token != r.PathValue("token") {
		return fail(http.StatusNotFound, 10062, "Unknown interaction")
	}
	if in.answered {
		return fail(http.StatusBadRequest, 40060, "Interaction has already been acknowledged.")
	}
	var req struct {
		Type int             `json:"type"`
		Data json.RawMessage `json:"data"`
	}
	var d struct {
		Content    *string         `json:"content"`
		Components json.RawMessage `json:"components"`
		Flags      int             `json:"flags"`
	}
	if err := json.Unmarshal(body, &req); err != nil || req.Type < 1 || req.Type > 12 {
		return errInvalidForm("type")
	}
	if req.Data = nullable(req.Data); req.Data != nil {
		if err := json.Unmarshal(req.Data, &d); err != nil {
			return errInvalidForm("data: " + err.Error())
		}
	}
	switch {
	case req.Type == 9:
		if errRes := s.openModal(id, in, req.Data); errRes != nil {
			return *errRes
		}
	case (req.Type == 4 || req.Type == 5) && d.Content != nil && utf8.RuneCountInString(*d.Content) > maxContent:
		return errInvalidForm("data.content: must be 2000 or fewer in length")
	case req.Type == 7:
		if m := s.message(in.messageID); m != nil {
			if d.Content != nil {
				m.Content = *d.Content
			}
			if c := nullable(d.Components); c != nil {
				m.Components = nil
				if string(c) != "[]" {
					m.Components = c
				}
			}
		}
	case req.Type == 4 && d.Content != nil, req.Type == 5:
		content := ""
		if d.Content != nil {
			content = *d.Content
		}
		m := Message{ID: s.newID(), ChannelID: in.channelID, AuthorID: BotID, Bot: true, Content: content,
			Components: nullable(d.Components), Flags: d.Flags, CreatedAt: now(), InteractionID: id}
		s.state.Messages = append(s.state.Messages, m)
		in.original = m.ID
	}
	in.answered = true
	s.state.Callbacks = append(s.state.Callbacks, Callback{InteractionID: id, Type: req.Type, Data: req.Data, Delay: time.Since(in.sent)})
	return result{http.StatusNoContent, nil}
}
