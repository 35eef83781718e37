package discordfake

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
)

// REST routes of history and deletion (paths under /api/v9), as Inject and
// State.Calls name them.
const (
	RouteEditChannel   = "PATCH /channels/{channel}"
	RouteDeleteChannel = "DELETE /channels/{channel}"
	RouteListMessages  = "GET /channels/{channel}/messages"
	RouteDeleteMessage = "DELETE /channels/{channel}/messages/{message}"
)

// flagEphemeral marks a message only its recipient sees; Discord never lists it.
const flagEphemeral = 1 << 6

var errDMAction = fail(http.StatusForbidden, 50003, "Cannot execute action on a DM channel")

func isThread(c *Channel) bool { return c.Type == TypePublicThread || c.Type == TypePrivateThread }

// editChannel modifies a thread's archived and locked flags, as the bot may:
// unarchiving an unlocked thread needs only Send Messages; archiving,
// locking, unlocking and unarchiving a locked thread need Manage Threads.
// Like Discord, an archived thread accepts no other change.
func (s *Server) editChannel(r *http.Request, body []byte) result {
	var req struct {
		Archived *bool `json:"archived"`
		Locked   *bool `json:"locked"`
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(body, &req) != nil || json.Unmarshal(body, &fields) != nil {
		return errInvalidForm("body must be a JSON object")
	}
	for k := range fields {
		if k != "archived" && k != "locked" {
			return errInvalidForm(k + ": the fake edits only a thread's archived and locked flags")
		}
	}
	ch, errRes := s.visible(r.PathValue("channel"))
	switch {
	case errRes != nil:
		return *errRes
	case !isThread(ch):
		return errMissingPerms // the fake's bot may not manage channels
	case ch.Archived && (req.Archived == nil || *req.Archived):
		return errArchived
	}
	unarchive := req.Archived != nil && !*req.Archived && ch.Archived
	needsManage := req.Locked != nil || (req.Archived != nil && *req.Archived) || (unarchive && ch.Locked)
	if needsManage && s.opts.NoManageThreads {
		return errMissingPerms
	}
	if req.Archived != nil {
		ch.Archived = *req.Archived
	}
	if req.Locked != nil {
		ch.Locked = *req.Locked
	}
	data := s.channelJSON(*ch)
	s.dispatch("THREAD_UPDATE", data)
	return ok(data)
}

// deleteChannel deletes a thread with all its messages (Manage Threads
// needed, even for the thread's creator) and returns it. On a DM channel it
// only closes the conversation, as Discord does: the messages stay. The
// fake's bot may not delete guild channels.
func (s *Server) deleteChannel(r *http.Request, _ []byte) result {
	ch, errRes := s.visible(r.PathValue("channel"))
	switch {
	case errRes != nil:
		return *errRes
	case ch.Type == TypeDM:
		return ok(s.channelJSON(*ch))
	case !isThread(ch):
		return errMissingPerms
	case s.opts.NoManageThreads:
		return errMissingPerms
	}
	th := *ch
	data := s.channelJSON(th)
	s.state.Channels = slices.DeleteFunc(s.state.Channels, func(c Channel) bool { return c.ID == th.ID })
	s.state.Messages = slices.DeleteFunc(s.state.Messages, func(m Message) bool { return m.ChannelID == th.ID })
	s.dispatch("THREAD_DELETE", map[string]any{"id": th.ID, "guild_id": GuildID, "parent_id": th.ParentID, "type": th.Type})
	return ok(data)
}

// listMessages lists a channel's messages newest first, at most limit
// (1–100, default 50) of them: the latest, or the latest before the
// message before, or the earliest after the message after. Ephemeral
// messages are not listed.
func (s *Server) listMessages(r *http.Request, _ []byte) result {
	q := r.URL.Query()
	limit := 50
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return errInvalidForm("limit: must be between 1 and 100")
		}
		limit = n
	}
	before, after := q.Get("before"), q.Get("after")
	if q.Get("around") != "" {
		return errInvalidForm("around: not supported by the fake")
	}
	ch, errRes := s.visible(r.PathValue("channel"))
	if errRes != nil {
		return *errRes
	}
	var msgs []Message // oldest first
	for _, m := range s.state.Messages {
		if m.ChannelID == ch.ID && m.Flags&flagEphemeral == 0 &&
			(before == "" || snowflakeLess(m.ID, before)) && (after == "" || snowflakeLess(after, m.ID)) {
			msgs = append(msgs, m)
		}
	}
	if after != "" {
		msgs = msgs[:min(limit, len(msgs))]
	} else {
		msgs = msgs[max(0, len(msgs)-limit):]
	}
	out := []any{}
	for i := len(msgs) - 1; i >= 0; i-- {
		out = append(out, s.messageJSON(msgs[i]))
	}
	return ok(out)
}

// deleteMessage deletes a message: the bot's own anywhere, nobody else's (a
// DM refuses with 50003; the fake's bot lacks Manage Messages in the guild).
// A message in an archived thread cannot be deleted until the thread is
// unarchived.
func (s *Server) deleteMessage(r *http.Request, _ []byte) result {
	ch, errRes := s.visible(r.PathValue("channel"))
	if errRes != nil {
		return *errRes
	}
	m := s.message(r.PathValue("message"))
	switch {
	case m == nil || m.ChannelID != ch.ID || m.Flags&flagEphemeral != 0:
		return errUnknownMessage
	case ch.Archived:
		return errArchived
	case m.AuthorID != BotID && ch.Type == TypeDM:
		return errDMAction
	case m.AuthorID != BotID:
		return errMissingPerms
	}
	id := m.ID
	s.state.Messages = slices.DeleteFunc(s.state.Messages, func(m Message) bool { return m.ID == id })
	data := map[string]any{"id": id, "channel_id": ch.ID}
	if ch.Type != TypeDM {
		data["guild_id"] = GuildID
	}
	s.dispatch("MESSAGE_DELETE", data)
	return result{http.StatusNoContent, nil}
}

// snowflakeLess orders snowflakes (decimal numbers) by value.
func snowflakeLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}
