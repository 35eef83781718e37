package slackfake

// State is what the fake recorded. State and WaitFor hand out copies.
type State struct {
	Messages    []Message      // all messages (bot posts and people's), in ts order
	Updates     []Update       // chat.update calls that succeeded
	Reactions   []Reaction     // reactions.add calls that succeeded
	Deliveries  []Delivery     // events and interactions sent to the app
	Calls       map[string]int // Web API calls per method, failed ones included
	Connections int            // Socket Mode connections accepted so far
	Connected   int            // Socket Mode connections open now
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

// Delivery is an event or interaction sent to the app.
type Delivery struct {
	ID      string // envelope id (Socket Mode) or "http-N" (Events API)
	Type    string // "events_api" or "interactive"
	EventID string // events only
	Retry   int    // 0 for the first attempt
	Acked   bool   // Socket Mode: the app acked; HTTP: it answered 200
	Status  int    // HTTP status (Events API mode only)
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
