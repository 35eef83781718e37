package discordfake

import (
	"encoding/json"
	"fmt"
	"time"
)

// UserSays makes userID write text in channelID (a guild channel, a thread,
// or a DM channel from DMChannel): the message is recorded and its
// MESSAGE_CREATE is dispatched. It returns the new message's id. It panics if
// the user or channel is unknown (a mistake in the test). The fake does not
// check that the user may write there.
func (s *Server) UserSays(userID, channelID, text string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.notify()
	ch := s.channel(channelID)
	if ch == nil {
		panic(fmt.Sprintf("discordfake: UserSays in unknown channel %q", channelID))
	}
	if _, found := s.users[userID]; !found {
		panic(fmt.Sprintf("discordfake: UserSays by unknown user %q", userID))
	}
	if !ch.Locked {
		ch.Archived = false
	}
	m := Message{ID: s.newID(), ChannelID: channelID, AuthorID: userID, Content: text, CreatedAt: now()}
	s.state.Messages = append(s.state.Messages, m)
	s.dispatch("MESSAGE_CREATE", s.messageJSON(m))
	return m.ID
}

// ResendMessage dispatches a recorded message's MESSAGE_CREATE again, as a
// replay would.
func (s *Server) ResendMessage(messageID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.message(messageID)
	if m == nil {
		return fmt.Errorf("discordfake: no message %q", messageID)
	}
	s.dispatch("MESSAGE_CREATE", s.messageJSON(*m))
	return nil
}

// UserClicks makes userID click the button with customID on the bot's
// message messageID: an INTERACTION_CREATE (message component) is
// dispatched. It returns the interaction's id, to find its Callback. It
// fails if the message has no such button.
func (s *Server) UserClicks(userID, messageID, customID string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.message(messageID)
	if m == nil || !m.Bot {
		return "", fmt.Errorf("discordfake: no bot message %q", messageID)
	}
	found := false
	for _, b := range m.Buttons() {
		found = found || b.CustomID == customID
	}
	u, known := s.users[userID]
	switch {
	case !found:
		return "", fmt.Errorf("discordfake: message %s has no button %q", messageID, customID)
	case !known:
		return "", fmt.Errorf("discordfake: unknown user %q", userID)
	}
	id := s.newID()
	in := &interaction{token: "token-" + id, kind: 3, userID: userID, channelID: m.ChannelID, messageID: m.ID, sent: time.Now()}
	s.interactions[id] = in
	data := map[string]any{
		"id": id, "application_id": BotID, "type": 3, "token": in.token, "version": 1,
		"data":       map[string]any{"custom_id": customID, "component_type": 2},
		"channel_id": m.ChannelID, "message": s.messageJSON(*m), "app_permissions": "0",
	}
	if u.Locale != "" {
		data["locale"] = u.Locale
	}
	if ch := s.channel(m.ChannelID); ch != nil && ch.Type != TypeDM {
		data["guild_id"], data["guild_locale"] = GuildID, "en-US"
		data["member"] = s.memberJSON(u)
	} else {
		data["user"] = s.userJSON(u)
	}
	s.dispatch("INTERACTION_CREATE", data)
	return id, nil
}

// Dispatch sends any gateway event (such as MESSAGE_UPDATE) with data as its
// payload in the current session.
func (s *Server) Dispatch(event string, data map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dispatch(event, data)
}

// DMChannel returns the id of the DM channel between the bot and userID,
// creating it: pass it to UserSays to write to the bot in private.
func (s *Server) DMChannel(userID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.notify()
	return s.dmChannel(userID).ID
}

// SetChannel changes a channel (archive a thread, take the bot's access
// away) or adds one.
func (s *Server) SetChannel(c Channel) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.notify()
	if ch := s.channel(c.ID); ch != nil {
		*ch = c
		return
	}
	s.state.Channels = append(s.state.Channels, c)
}

// userJSON is a user object. Call with mu held.
func (s *Server) userJSON(u User) map[string]any {
	v := map[string]any{"id": u.ID, "username": u.Username, "discriminator": "0", "avatar": nil, "global_name": nil}
	if u.GlobalName != "" {
		v["global_name"] = u.GlobalName
	}
	if u.Bot {
		v["bot"] = true
	}
	return v
}

// channelJSON is a channel object. Call with mu held.
func (s *Server) channelJSON(c Channel) map[string]any {
	v := map[string]any{"id": c.ID, "type": c.Type, "last_message_id": nil}
	switch c.Type {
	case TypeDM:
		v["recipients"] = []any{s.userJSON(s.users[c.Recipient])}
		return v
	case TypePublicThread, TypePrivateThread:
		v["parent_id"], v["owner_id"], v["member_count"] = c.ParentID, c.OwnerID, len(c.Members)
		v["thread_metadata"] = map[string]any{"archived": c.Archived, "locked": c.Locked,
			"auto_archive_duration": 10080, "archive_timestamp": now().Format(time.RFC3339), "invitable": false}
	}
	v["guild_id"], v["name"] = GuildID, c.Name
	return v
}

// messageJSON is a message object as MESSAGE_CREATE and REST return it.
// Call with mu held.
func (s *Server) messageJSON(m Message) map[string]any {
	components := json.RawMessage("[]")
	if m.Components != nil {
		components = m.Components
	}
	v := map[string]any{
		"id": m.ID, "channel_id": m.ChannelID, "author": s.userJSON(s.users[m.AuthorID]), "content": m.Content,
		"timestamp": m.CreatedAt.Format(time.RFC3339Nano), "edited_timestamp": nil, "type": 0, "tts": false,
		"mention_everyone": false, "mentions": []any{}, "mention_roles": []any{}, "attachments": attachmentsJSON(m),
		"embeds": []any{}, "components": components, "pinned": false, "flags": m.Flags,
	}
	if m.Nonce != "" {
		v["nonce"] = m.Nonce
	}
	if ch := s.channel(m.ChannelID); ch != nil && ch.Type != TypeDM {
		v["guild_id"] = GuildID
		if !m.Bot {
			v["member"] = map[string]any{"roles": []string{}, "joined_at": "2025-01-01T00:00:00Z"}
		}
	}
	return v
}

// attachmentsJSON is the attachments of a message object.
func attachmentsJSON(m Message) []any {
	out := []any{}
	for i, f := range m.Attachments {
		out = append(out, map[string]any{"id": fmt.Sprintf("%s%d", m.ID, i), "filename": f.Name, "size": len(f.Content),
			"content_type": f.ContentType})
	}
	return out
}
