package slackfake

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// eventRecord keeps an event's payload so that it can be sent again.
type eventRecord struct {
	payload json.RawMessage
	retries int
}

// Sign returns the X-Slack-Signature of body sent at ts (Unix seconds).
func Sign(secret string, ts int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%d:", ts)
	mac.Write(body)
	return "v0=" + hex.EncodeToString(mac.Sum(nil))
}

// AgentReply makes userID write text in channel, in the thread of threadTS
// (none if empty): the message is recorded and its message event is sent to
// the app. It returns the event id and the new message's ts.
func (s *Server) AgentReply(channel, threadTS, userID, text string) (eventID, ts string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := Message{Channel: channel, TS: s.nextTS(), ThreadTS: threadTS, User: userID, Text: text}
	s.state.Messages = append(s.state.Messages, m)
	s.notify()
	return s.queueEvent(s.messageEvent(m, "")), m.TS
}

// SendEvent sends any inner event (a JSON object such as
// {"type":"message","subtype":"message_changed",…}) to the app in an
// event_callback, and returns its event id.
func (s *Server) SendEvent(inner map[string]any) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.queueEvent(inner)
}

// ResendEvent sends an event again with the same event_id, as Slack does
// when the app did not acknowledge it in time.
func (s *Server) ResendEvent(eventID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.events[eventID]
	if !ok {
		return fmt.Errorf("slackfake: no event %q", eventID)
	}
	rec.retries++
	s.events[eventID] = rec
	s.queue = append(s.queue, outgoing{kind: "events_api", eventID: eventID, payload: rec.payload, retry: rec.retries})
	s.signal()
	return nil
}

// Click makes userID click the button with actionID and value on the
// newest bot message that has one, and sends the block_actions interaction
// to the app. It fails if no message has such a button.
func (s *Server) Click(userID, actionID, value string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := len(s.state.Messages) - 1; i >= 0; i-- {
		m := s.state.Messages[i]
		blockID, label, ok := findButton(m.Blocks, actionID, value)
		if m.BotID == "" || !ok {
			continue
		}
		u := s.users[userID]
		payload, err := json.Marshal(map[string]any{
			"type": "block_actions", "token": "fake-verification-token", "api_app_id": s.opts.AppID,
			"trigger_id":   fmt.Sprintf("%d.trigger", time.Now().UnixNano()),
			"team":         map[string]any{"id": s.opts.TeamID, "domain": "fake"},
			"user":         map[string]any{"id": userID, "username": u.Name, "name": u.Name, "team_id": s.opts.TeamID},
			"channel":      map[string]any{"id": m.Channel, "name": "support"},
			"container":    map[string]any{"type": "message", "message_ts": m.TS, "channel_id": m.Channel, "is_ephemeral": false},
			"message":      map[string]any{"type": "message", "user": m.User, "bot_id": m.BotID, "text": m.Text, "ts": m.TS, "blocks": json.RawMessage(m.Blocks)},
			"response_url": "https://hooks.fake.slack.test/actions/1",
			"actions": []map[string]any{{
				"type": "button", "action_id": actionID, "block_id": blockID, "value": value,
				"text": map[string]any{"type": "plain_text", "text": label, "emoji": true}, "action_ts": s.nextTS(),
			}},
		})
		if err != nil {
			return err
		}
		s.queue = append(s.queue, outgoing{kind: "interactive", payload: payload})
		s.signal()
		return nil
	}
	return fmt.Errorf("slackfake: no message has a button %q with value %q", actionID, value)
}

// findButton looks for a button in a message's blocks.
func findButton(blocks, actionID, value string) (blockID, label string, ok bool) {
	var bs []struct {
		BlockID  string `json:"block_id"`
		Elements []struct {
			Type     string          `json:"type"`
			ActionID string          `json:"action_id"`
			Value    string          `json:"value"`
			Text     json.RawMessage `json:"text"` // an object for buttons, a string in context blocks
		} `json:"elements"`
	}
	if blocks == "" || json.Unmarshal([]byte(blocks), &bs) != nil {
		return "", "", false
	}
	for _, b := range bs {
		for _, e := range b.Elements {
			if e.Type == "button" && e.ActionID == actionID && e.Value == value {
				var text struct {
					Text string `json:"text"`
				}
				_ = json.Unmarshal(e.Text, &text)
				return b.BlockID, text.Text, true
			}
		}
	}
	return "", "", false
}

// messageEvent is the message event Slack sends for m. Call with mu held.
func (s *Server) messageEvent(m Message, subtype string) map[string]any {
	ev := map[string]any{
		"type": "message", "channel": m.Channel, "user": m.User, "text": m.Text, "ts": m.TS,
		"event_ts": m.TS, "channel_type": "channel", "team": s.opts.TeamID,
	}
	if m.ThreadTS != "" {
		ev["thread_ts"] = m.ThreadTS
	}
	if subtype != "" {
		ev["subtype"] = subtype
	}
	if m.BotID != "" {
		ev["bot_id"], ev["app_id"] = m.BotID, s.opts.AppID
	} else {
		ev["client_msg_id"] = fmt.Sprintf("client-%s", m.TS)
	}
	return ev
}

// queueEvent wraps inner in an event_callback and queues it. Call with mu held.
func (s *Server) queueEvent(inner map[string]any) string {
	s.seq++
	id := fmt.Sprintf("Ev%08d", s.seq)
	payload, err := json.Marshal(map[string]any{
		"token": "fake-verification-token", "team_id": s.opts.TeamID, "api_app_id": s.opts.AppID,
		"event": inner, "type": "event_callback", "event_id": id, "event_time": time.Now().Unix(),
		"authorizations": []map[string]any{{"team_id": s.opts.TeamID, "user_id": s.opts.BotUserID, "is_bot": true}},
	})
	if err != nil {
		panic(err) // inner comes from the test: plain JSON values
	}
	s.events[id] = eventRecord{payload: payload}
	s.queue = append(s.queue, outgoing{kind: "events_api", eventID: id, payload: payload})
	s.signal()
	s.notify()
	return id
}
