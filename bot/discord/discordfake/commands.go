package discordfake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// Attachment is a file a person attached to an application command, served
// at URL like Discord's CDN serves attachments.
type Attachment struct {
	ID, Filename, URL, ContentType string
	Size                           int
	Content                        []byte
}

// CommandCall is a person's use of an application command.
type CommandCall struct {
	Name    string                // the command
	Options map[string]string     // string options, by name
	Files   map[string]Attachment // attachment options, by name (from AddAttachment)
}

// AddAttachment stores a file that a person is about to attach to a command.
func (s *Server) AddAttachment(filename string, content []byte) Attachment {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.newID()
	a := Attachment{ID: id, Filename: filename, ContentType: "application/json", Size: len(content),
		Content: slices.Clone(content), URL: s.srv.URL + "/attachments/" + id + "/" + filename}
	s.attachments[id] = a
	return a
}

// UserCommand makes userID run an application command the bot registered
// (globally, or in the guild for a guild channel) in channelID: an
// INTERACTION_CREATE (type 2) is dispatched, with the user's guild roles in
// a guild channel. It returns the interaction's id, which names its answers
// (State.Replies) and the modal it may open (State.Modal).
func (s *Server) UserCommand(userID, channelID string, call CommandCall) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, known := s.users[userID]
	ch := s.channel(channelID)
	switch {
	case !known:
		return "", fmt.Errorf("discordfake: unknown user %q", userID)
	case ch == nil:
		return "", fmt.Errorf("discordfake: unknown channel %q", channelID)
	}
	var cmd *AppCommand
	for i := range s.state.Commands {
		c := &s.state.Commands[i]
		if c.Name == call.Name && (c.GuildID == "" || (ch.Type != TypeDM && c.GuildID == GuildID)) {
			cmd = c
		}
	}
	if cmd == nil {
		return "", fmt.Errorf("discordfake: no command %q registered for channel %s", call.Name, channelID)
	}
	var def struct {
		Options []struct {
			Name string `json:"name"`
			Type int    `json:"type"`
		} `json:"options"`
	}
	_ = json.Unmarshal(cmd.JSON, &def)
	typeOf := map[string]int{}
	for _, o := range def.Options {
		typeOf[o.Name] = o.Type
	}
	var options []map[string]any
	names := make([]string, 0, len(call.Options))
	for name := range call.Options {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if typeOf[name] != 3 {
			return "", fmt.Errorf("discordfake: command %q has no string option %q", call.Name, name)
		}
		options = append(options, map[string]any{"name": name, "type": 3, "value": call.Options[name]})
	}
	attachments := map[string]any{}
	for name, a := range call.Files {
		if typeOf[name] != 11 {
			return "", fmt.Errorf("discordfake: command %q has no attachment option %q", call.Name, name)
		}
		options = append(options, map[string]any{"name": name, "type": 11, "value": a.ID})
		attachments[a.ID] = map[string]any{"id": a.ID, "filename": a.Filename, "size": a.Size, "url": a.URL,
			"proxy_url": a.URL, "content_type": a.ContentType, "ephemeral": true}
	}
	data := map[string]any{"id": cmd.ID, "name": cmd.Name, "type": 1, "options": options}
	if len(attachments) > 0 {
		data["resolved"] = map[string]any{"attachments": attachments}
	}
	return s.interact(2, u, channelID, "", data), nil
}

// UserSubmitsModal makes userID submit the modal the bot opened in answer
// to interactionID, with values (input custom id → text; inputs not given
// keep their prefilled value). Like Discord's client, it refuses a required
// input left empty or a value outside the input's lengths. It returns the
// submission's interaction id.
func (s *Server) UserSubmitsModal(userID, interactionID string, values map[string]string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := slices.IndexFunc(s.state.Modals, func(m Modal) bool { return m.InteractionID == interactionID })
	if i < 0 {
		return "", fmt.Errorf("discordfake: no modal opened for interaction %s", interactionID)
	}
	m := s.state.Modals[i]
	if m.UserID != userID {
		return "", fmt.Errorf("discordfake: the modal of interaction %s is not %s's", interactionID, userID)
	}
	var rows []any
	used := 0
	for _, in := range m.Inputs {
		v := in.Value
		if given, ok := values[in.CustomID]; ok {
			v, used = given, used+1
		}
		n := utf8.RuneCountInString(v)
		switch {
		case in.Required && v == "":
			return "", fmt.Errorf("discordfake: %s is required", in.CustomID)
		case v != "" && n < in.MinLength, in.MaxLength > 0 && n > in.MaxLength:
			return "", fmt.Errorf("discordfake: %s must be %d to %d characters long", in.CustomID, in.MinLength, in.MaxLength)
		}
		rows = append(rows, map[string]any{"type": 1, "components": []any{
			map[string]any{"type": 4, "custom_id": in.CustomID, "value": v}}})
	}
	if used != len(values) {
		return "", fmt.Errorf("discordfake: values for inputs the modal does not have: %v", values)
	}
	return s.interact(5, s.users[userID], m.ChannelID, "", map[string]any{"custom_id": m.CustomID, "components": rows}), nil
}

// interact records an interaction of kind by u in channelID and dispatches
// it. Call with mu held.
func (s *Server) interact(kind int, u User, channelID, messageID string, data map[string]any) string {
	id := s.newID()
	in := &interaction{token: "token-" + id, kind: kind, userID: u.ID, channelID: channelID, messageID: messageID, sent: time.Now()}
	s.interactions[id] = in
	v := map[string]any{
		"id": id, "application_id": BotID, "type": kind, "token": in.token, "version": 1,
		"data": data, "channel_id": channelID, "app_permissions": "0",
	}
	if u.Locale != "" {
		v["locale"] = u.Locale
	}
	if ch := s.channel(channelID); ch != nil && ch.Type != TypeDM {
		v["guild_id"], v["guild_locale"], v["member"] = GuildID, "en-US", s.memberJSON(u)
	} else {
		v["user"] = s.userJSON(u)
	}
	s.dispatch("INTERACTION_CREATE", v)
	s.notify()
	return id
}

// memberJSON is u as a guild member. Call with mu held.
func (s *Server) memberJSON(u User) map[string]any {
	roles := u.Roles
	if roles == nil {
		roles = []string{}
	}
	return map[string]any{"user": s.userJSON(u), "roles": roles, "permissions": "0", "nick": nil,
		"joined_at": "2025-01-01T00:00:00Z"}
}

// openModal records a modal answering an interaction, after Discord's
// checks. Call with mu held.
func (s *Server) openModal(id string, in *interaction, data json.RawMessage) *result {
	bad := func(why string) *result { r := errInvalidForm(why); return &r }
	if in.kind == 5 {
		return bad("type: a modal submission cannot be answered with a modal")
	}
	var m struct {
		CustomID   string `json:"custom_id"`
		Title      string `json:"title"`
		Components []struct {
			Type       int `json:"type"`
			Components []struct {
				Type      int    `json:"type"`
				CustomID  string `json:"custom_id"`
				Label     string `json:"label"`
				Style     int    `json:"style"`
				Value     string `json:"value"`
				Required  *bool  `json:"required"`
				MinLength int    `json:"min_length"`
				MaxLength int    `json:"max_length"`
			} `json:"components"`
		} `json:"components"`
	}
	if data == nil || json.Unmarshal(data, &m) != nil {
		return bad("data")
	}
	switch {
	case m.CustomID == "" || len(m.CustomID) > 100:
		return bad("data.custom_id: must be 1 to 100 in length")
	case m.Title == "" || utf8.RuneCountInString(m.Title) > 45:
		return bad("data.title: must be 1 to 45 in length")
	case len(m.Components) == 0 || len(m.Components) > 5:
		return bad("data.components: must be 1 to 5 in length")
	}
	modal := Modal{InteractionID: id, UserID: in.userID, ChannelID: in.channelID, CustomID: m.CustomID, Title: m.Title}
	for _, row := range m.Components {
		if row.Type != 1 || len(row.Components) != 1 || row.Components[0].Type != 4 {
			return bad("data.components: each action row holds one text input")
		}
		c := row.Components[0]
		value := utf8.RuneCountInString(c.Value)
		switch {
		case c.CustomID == "" || len(c.CustomID) > 100:
			return bad("custom_id: must be 1 to 100 in length")
		case c.Label == "" || utf8.RuneCountInString(c.Label) > 45:
			return bad("label: must be 1 to 45 in length")
		case c.Style != 1 && c.Style != 2:
			return bad("style: must be 1 or 2")
		case c.MaxLength > 4000 || value > 4000 || (c.MaxLength > 0 && value > c.MaxLength):
			return bad("value: must be 4000 or fewer in length, and within max_length")
		}
		modal.Inputs = append(modal.Inputs, ModalInput{CustomID: c.CustomID, Label: c.Label, Style: c.Style,
			Value: c.Value, Required: c.Required == nil || *c.Required, MinLength: c.MinLength, MaxLength: c.MaxLength})
	}
	s.state.Modals = append(s.state.Modals, modal)
	return nil
}

// application answers GET /oauth2/applications/@me.
func (s *Server) application(*http.Request, []byte) result {
	return ok(map[string]any{"id": BotID, "name": s.opts.BotName, "description": "", "bot_public": false, "flags": 0,
		"bot": s.userJSON(s.users[BotID])})
}

var commandName = regexp.MustCompile(`^[-_\p{Ll}\p{N}]{1,32}$`)

// createCommand creates an application command, or updates the one with
// the same name (in the same guild), as Discord does.
func (s *Server) createCommand(r *http.Request, body []byte) result {
	guild := r.PathValue("guild")
	switch {
	case r.PathValue("app") != BotID:
		return fail(http.StatusNotFound, 10002, "Unknown Application")
	case guild != "" && guild != GuildID:
		return errMissingAccess
	}
	var cmd struct {
		Name        string `json:"name"`
		Description string `json:"description"`
		Options     []struct {
			Type        int    `json:"type"`
			Name        string `json:"name"`
			Description string `json:"description"`
			Required    bool   `json:"required"`
		} `json:"options"`
	}
	if json.Unmarshal(body, &cmd) != nil {
		return errInvalidForm("body")
	}
	desc := func(d string) bool { n := utf8.RuneCountInString(d); return n >= 1 && n <= 100 }
	switch {
	case !commandName.MatchString(cmd.Name):
		return errInvalidForm("name: must be 1-32 lowercase letters, digits, - or _")
	case !desc(cmd.Description):
		return errInvalidForm("description: must be 1 to 100 in length")
	case len(cmd.Options) > 25:
		return errInvalidForm("options: must be 25 or fewer in length")
	}
	optional := false
	for _, o := range cmd.Options {
		switch {
		case !commandName.MatchString(o.Name) || !desc(o.Description) || o.Type < 1 || o.Type > 11:
			return errInvalidForm("options: invalid option " + o.Name)
		case o.Required && optional:
			return errInvalidForm("options: required options must be placed before non-required options")
		}
		optional = !o.Required
	}
	var v map[string]any
	_ = json.Unmarshal(body, &v)
	i := slices.IndexFunc(s.state.Commands, func(c AppCommand) bool { return c.Name == cmd.Name && c.GuildID == guild })
	id := s.newID()
	if i >= 0 {
		id = s.state.Commands[i].ID
	}
	v["id"], v["application_id"], v["version"], v["type"] = id, BotID, s.newID(), 1
	if guild != "" {
		v["guild_id"] = guild
	}
	raw, _ := json.Marshal(v)
	c := AppCommand{ID: id, GuildID: guild, Name: cmd.Name, JSON: raw}
	if i >= 0 {
		s.state.Commands[i] = c
	} else {
		s.state.Commands = append(s.state.Commands, c)
	}
	return ok(v)
}

// webhookInteraction returns the interaction of an interaction webhook.
// Call with mu held.
func (s *Server) webhookInteraction(r *http.Request) (string, *interaction) {
	if r.PathValue("app") != BotID {
		return "", nil
	}
	for id, in := range s.interactions {
		if in.token == r.PathValue("token") {
			return id, in
		}
	}
	return "", nil
}

var errUnknownWebhook = fail(http.StatusNotFound, 10015, "Unknown Webhook")

// messageBody is a message sent through an interaction webhook.
type messageBody struct {
	Content    *string         `json:"content"`
	Components json.RawMessage `json:"components"`
	Flags      int             `json:"flags"`
	files      []File
}

// parseMessageBody reads a JSON body, or a multipart one (payload_json and
// files[n]).
func parseMessageBody(r *http.Request, body []byte) (messageBody, *result) {
	var m messageBody
	bad := func(why string) (messageBody, *result) { r := errInvalidForm(why); return m, &r }
	payload := body
	if mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		payload = nil
		mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				return bad("multipart: " + err.Error())
			}
			data, err := io.ReadAll(p)
			if err != nil {
				return bad("multipart: " + err.Error())
			}
			switch name := p.FormName(); {
			case name == "payload_json":
				payload = data
			case strings.HasPrefix(name, "files["):
				m.files = append(m.files, File{Name: p.FileName(), ContentType: p.Header.Get("Content-Type"), Content: data})
			}
		}
	}
	if json.Unmarshal(payload, &m) != nil {
		return bad("payload")
	}
	if m.Content != nil && utf8.RuneCountInString(*m.Content) > maxContent {
		return bad("content: must be 2000 or fewer in length")
	}
	return m, nil
}

// editOriginal edits the first answer of an interaction (type 4 or 5).
func (s *Server) editOriginal(r *http.Request, body []byte) result {
	_, in := s.webhookInteraction(r)
	if in == nil {
		return errUnknownWebhook
	}
	m := s.message(in.original)
	if m == nil {
		return errUnknownMessage
	}
	d, errRes := parseMessageBody(r, body)
	if errRes != nil {
		return *errRes
	}
	if d.Content != nil {
		m.Content = *d.Content
	}
	if c := nullable(d.Components); c != nil {
		m.Components = nil
		if string(c) != "[]" {
			m.Components = c
		}
	}
	if d.files != nil {
		m.Attachments = d.files
	}
	return ok(s.messageJSON(*m))
}

// followup posts a further answer to an interaction already answered.
func (s *Server) followup(r *http.Request, body []byte) result {
	id, in := s.webhookInteraction(r)
	if in == nil || !in.answered {
		return errUnknownWebhook
	}
	d, errRes := parseMessageBody(r, body)
	if errRes != nil {
		return *errRes
	}
	content := ""
	if d.Content != nil {
		content = *d.Content
	}
	if content == "" && len(d.files) == 0 {
		return errEmptyMessage
	}
	m := Message{ID: s.newID(), ChannelID: in.channelID, AuthorID: BotID, Bot: true, Content: content,
		Components: nullable(d.Components), Flags: d.Flags, CreatedAt: now(), InteractionID: id, Attachments: d.files}
	if string(m.Components) == "[]" {
		m.Components = nil
	}
	s.state.Messages = append(s.state.Messages, m)
	if r.URL.Query().Get("wait") != "true" {
		return result{http.StatusNoContent, nil}
	}
	return ok(s.messageJSON(m))
}

// serveAttachment serves an attachment's content, as Discord's CDN does.
func (s *Server) serveAttachment(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	a, found := s.attachments[r.PathValue("id")]
	s.mu.Unlock()
	if !found || a.Filename != r.PathValue("name") {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", a.ContentType)
	_, _ = w.Write(a.Content)
}
