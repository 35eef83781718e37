package slackfake

import "encoding/json"

// State is what the fake recorded. State and WaitFor hand out copies.
type State struct {
	Messages    []Message      // all messages (bot posts and people's), in ts order
	Updates     []Update       // chat.update calls that succeeded
	Reactions   []Reaction     // reactions.add calls that succeeded
	Deliveries  []Delivery     // events, interactions and commands sent to the app
	Responses   []Response     // messages posted to response_urls
	Ephemerals  []Ephemeral    // chat.postEphemeral calls that succeeded
	Views       []View         // modals opened with views.open
	Files       []File         // files uploaded by the app or by people (UploadFile)
	Calls       map[string]int // Web API calls per method, failed ones included
	Connections int            // Socket Mode connections accepted so far
	Connected   int            // Socket Mode connections open now
	// TCPConnections counts the connections accepted so far, Web API and
	// Socket Mode alike (a client that keeps its connections opens few).
	TCPConnections int
}

// Message is a message in a channel. Blocks and Text are the latest version.
type Message struct {
	Channel, TS, ThreadTS string
	User                  string // author; the bot user for posts
	BotID                 string // set for the app's own posts
	Text                  string
	Blocks                string // JSON array as posted, "" if none
	// Raw parameters of chat.postMessage, for assertions.
	LinkNames, UnfurlLinks, UnfurlMedia string
}

// Update is one successful chat.update.
type Update struct {
	Channel, TS, Text, Blocks string
}

// Reaction is one successful reactions.add.
type Reaction struct {
	Channel, TS, Name, User string
}

// Delivery is an event, interaction or slash command sent to the app.
type Delivery struct {
	ID      string // envelope id (Socket Mode) or "http-N" (Events API)
	Type    string // "events_api", "interactive" or "slash_commands"
	EventID string // events only
	Ref     string // interactions and commands: the ref SlashCommand, Shortcut or SubmitView returned
	Retry   int    // 0 for the first attempt
	Acked   bool   // Socket Mode: the app acked; HTTP: it answered 200
	Status  int    // HTTP status (Events API mode only)
	// Response is the payload of the app's ack (Socket Mode) or the body of
	// its answer (HTTP); nil if empty.
	Response json.RawMessage
}

// Response is a message the app posted to a response_url.
type Response struct {
	Ref          string // the command or shortcut whose response_url it is
	ResponseType string // "ephemeral" (the default) or "in_channel"
	Text         string
	Blocks       string // JSON array, "" if none
}

// Ephemeral is a message only User sees (chat.postEphemeral).
type Ephemeral struct {
	Channel, User, ThreadTS, Text, Blocks string
}

// View is a modal the app opened.
type View struct {
	ID, User        string
	Ref             string // the command or shortcut whose trigger_id opened it
	CallbackID      string
	Title           string
	PrivateMetadata string
	Blocks          string            // JSON array, as opened or last updated
	Errors          map[string]string // block id → error of the last submission answered "errors"
	Closed          bool              // a submission was answered "clear" (or the view was closed)
	Updates         int               // submissions answered "update"
}

// File is a file in the workspace.
type File struct {
	ID, Name, Title string
	User            string   // who uploaded it (the bot user for the app)
	Content         []byte   // nil until uploaded
	Channels        []string // where it was shared
	InitialComment  string
	Permalink       string
}

// DeliveryRef returns the latest delivery of an interaction or command
// (by the ref SlashCommand, Shortcut or SubmitView returned).
func (s State) DeliveryRef(ref string) (Delivery, bool) {
	for i := len(s.Deliveries) - 1; i >= 0; i-- {
		if s.Deliveries[i].Ref == ref {
			return s.Deliveries[i], true
		}
	}
	return Delivery{}, false
}

// ResponsesTo returns what the app posted to the response_url of ref.
func (s State) ResponsesTo(ref string) []Response {
	var out []Response
	for _, r := range s.Responses {
		if r.Ref == ref {
			out = append(out, r)
		}
	}
	return out
}

// View returns the view with this id.
func (s State) View(id string) (View, bool) {
	for _, v := range s.Views {
		if v.ID == id {
			return v, true
		}
	}
	return View{}, false
}

// File returns the file with this id.
func (s State) File(id string) (File, bool) {
	for _, f := range s.Files {
		if f.ID == id {
			return f, true
		}
	}
	return File{}, false
}

// Posts returns the app's own messages.
func (s State) Posts() []Message {
	var out []Message
	for _, m := range s.Messages {
		if m.BotID != "" {
			out = append(out, m)
		}
	}
	return out
}

// Thread returns the replies in the thread of channel/ts, oldest first.
func (s State) Thread(channel, ts string) []Message {
	var out []Message
	for _, m := range s.Messages {
		if m.Channel == channel && m.ThreadTS == ts && m.TS != ts {
			out = append(out, m)
		}
	}
	return out
}

// Message returns the message channel/ts.
func (s State) Message(channel, ts string) (Message, bool) {
	for _, m := range s.Messages {
		if m.Channel == channel && m.TS == ts {
			return m, true
		}
	}
	return Message{}, false
}

// Delivery returns the latest delivery of an event id.
func (s State) Delivery(eventID string) (Delivery, bool) {
	for i := len(s.Deliveries) - 1; i >= 0; i-- {
		if s.Deliveries[i].EventID == eventID {
			return s.Deliveries[i], true
		}
	}
	return Delivery{}, false
}
