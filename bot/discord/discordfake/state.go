package discordfake

import (
	"encoding/json"
	"slices"
	"time"
)

// State is what the fake recorded. State and WaitFor hand out copies.
type State struct {
	Messages  []Message      // every message, people's and the bot's, in creation order
	Channels  []Channel      // guild channels, DM channels and threads, in creation order
	Callbacks []Callback     // interaction callbacks that succeeded
	Commands  []AppCommand   // application commands registered
	Modals    []Modal        // modals the bot opened in answer to interactions
	Calls     map[string]int // REST calls per route (the Route constants), failed ones included
	// NonceReplays counts message creations answered with an earlier message
	// because of enforce_nonce.
	NonceReplays int

	Connections int // gateway connections accepted so far
	Connected   int // gateway connections open now
	Identifies  int // IDENTIFY (op 2) received
	Resumes     int // successful RESUME (op 6)
	Heartbeats  int // heartbeats (op 1) received
	// TCPConnections counts the connections accepted so far, REST and
	// gateway alike (a client that keeps its connections opens few).
	TCPConnections int
}

// Message is a message in a channel, as last edited.
type Message struct {
	ID, ChannelID, AuthorID string
	Bot                     bool // posted by the bot through REST
	Content                 string
	Components              json.RawMessage // as posted; nil if none
	AllowedMentions         json.RawMessage // as posted; nil if absent
	Nonce                   string
	EnforceNonce            bool
	Flags                   int
	CreatedAt               time.Time
	// InteractionID is set on the answers to an interaction: its first
	// answer (type 4, or the deferred one, edited later) and follow-ups.
	InteractionID string
	Attachments   []File // files sent with the message
}

// File is a file attached to a message.
type File struct {
	Name, ContentType string
	Content           []byte
}

// AppCommand is an application command the bot registered.
type AppCommand struct {
	ID, GuildID, Name string // GuildID is empty for a global command
	JSON              json.RawMessage
}

// Modal is a modal the bot opened in answer to an interaction.
type Modal struct {
	InteractionID, UserID, ChannelID string
	CustomID, Title                  string
	Inputs                           []ModalInput
}

// ModalInput is a text input of a modal.
type ModalInput struct {
	CustomID, Label string
	Style           int // 1 short, 2 paragraph
	Value           string
	Required        bool
	MinLength       int
	MaxLength       int
}

// Button is a button of a message's components.
type Button struct {
	Label, CustomID string
	Style           int
}

// Buttons returns the message's buttons, row after row.
func (m Message) Buttons() []Button {
	var rows []struct {
		Components []struct {
			Type     int    `json:"type"`
			Style    int    `json:"style"`
			Label    string `json:"label"`
			CustomID string `json:"custom_id"`
		} `json:"components"`
	}
	if json.Unmarshal(m.Components, &rows) != nil {
		return nil
	}
	var out []Button
	for _, r := range rows {
		for _, c := range r.Components {
			if c.Type == 2 {
				out = append(out, Button{Label: c.Label, CustomID: c.CustomID, Style: c.Style})
			}
		}
	}
	return out
}

// Callback is an interaction's answer.
type Callback struct {
	InteractionID string
	Type          int             // 4 message, 6 deferred update, 7 update message, …
	Data          json.RawMessage // as sent; nil if none
	Delay         time.Duration   // from the interaction's dispatch to its callback (Discord allows 3 s)
}

// Posts returns the bot's messages.
func (s State) Posts() []Message {
	var out []Message
	for _, m := range s.Messages {
		if m.Bot {
			out = append(out, m)
		}
	}
	return out
}

// PostsIn returns the bot's messages in a channel, oldest first.
func (s State) PostsIn(channelID string) []Message {
	var out []Message
	for _, m := range s.Messages {
		if m.Bot && m.ChannelID == channelID {
			out = append(out, m)
		}
	}
	return out
}

// Replies returns the answers to an interaction, oldest first: its first
// answer (as last edited) and its follow-ups.
func (s State) Replies(interactionID string) []Message {
	var out []Message
	for _, m := range s.Messages {
		if m.InteractionID == interactionID && interactionID != "" {
			out = append(out, m)
		}
	}
	return out
}

// Modal returns the modal opened in answer to an interaction.
func (s State) Modal(interactionID string) (Modal, bool) {
	for _, m := range s.Modals {
		if m.InteractionID == interactionID {
			return m, true
		}
	}
	return Modal{}, false
}

// Message returns the message with this id.
func (s State) Message(id string) (Message, bool) {
	for _, m := range s.Messages {
		if m.ID == id {
			return m, true
		}
	}
	return Message{}, false
}

// Channel returns the channel with this id.
func (s State) Channel(id string) (Channel, bool) {
	for _, c := range s.Channels {
		if c.ID == id {
			return c, true
		}
	}
	return Channel{}, false
}

// Threads returns the threads of channel parentID, oldest first.
func (s State) Threads(parentID string) []Channel {
	var out []Channel
	for _, c := range s.Channels {
		if (c.Type == TypePublicThread || c.Type == TypePrivateThread) && c.ParentID == parentID {
			out = append(out, c)
		}
	}
	return out
}

// Callback returns the answer to an interaction.
func (s State) Callback(interactionID string) (Callback, bool) {
	for _, c := range s.Callbacks {
		if c.InteractionID == interactionID {
			return c, true
		}
	}
	return Callback{}, false
}

func (s State) clone() State {
	st := s
	st.Messages = slices.Clone(s.Messages)
	st.Channels = slices.Clone(s.Channels)
	for i := range st.Channels {
		st.Channels[i].Members = slices.Clone(st.Channels[i].Members)
	}
	st.Callbacks = slices.Clone(s.Callbacks)
	st.Commands = slices.Clone(s.Commands)
	st.Modals = slices.Clone(s.Modals)
	for i := range st.Modals {
		st.Modals[i].Inputs = slices.Clone(st.Modals[i].Inputs)
	}
	st.Calls = make(map[string]int, len(s.Calls))
	for k, v := range s.Calls {
		st.Calls[k] = v
	}
	return st
}
