package discordfake

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// Gateway close codes the fake uses.
const (
	CloseAuthFailed        = 4004 // IDENTIFY with a wrong token
	CloseDisallowedIntents = 4014 // a privileged intent the app may not use
)

// intentMessageContent is the privileged Message Content intent bit.
const intentMessageContent = 1 << 15

// session is a gateway session: the dispatches sent in it, in order (the
// sequence number of log[i] is i+1), so that a RESUME replays missed ones.
type session struct {
	id      string
	intents int
	log     [][]byte
	grew    chan struct{} // closed and replaced when log grows
}

// gatewayConn is an open gateway connection.
type gatewayConn struct {
	c *websocket.Conn
}

// frame is a gateway payload.
type frame struct {
	Op int             `json:"op"`
	D  json.RawMessage `json:"d"`
	S  *int            `json:"s,omitempty"`
	T  string          `json:"t,omitempty"`
}

// serveGateway is the gateway WebSocket: HELLO, then IDENTIFY or RESUME,
// heartbeats, and the session's dispatches in order.
func (s *Server) serveGateway(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.ctx.Err() != nil {
		s.mu.Unlock()
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	s.handlers.Add(1)
	s.mu.Unlock()
	defer s.handlers.Done()
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer c.CloseNow()
	c.SetReadLimit(1 << 20)
	ctx, cancel := context.WithCancel(s.ctx)
	defer cancel()
	gc := &gatewayConn{c: c}
	s.mu.Lock()
	s.conns = append(s.conns, gc)
	s.state.Connections++
	s.state.Connected = len(s.conns)
	s.notify()
	s.mu.Unlock()
	defer s.removeConn(gc)

	hello, _ := json.Marshal(map[string]any{"op": 10, "d": map[string]any{"heartbeat_interval": s.opts.HeartbeatInterval.Milliseconds()}})
	if s.write(ctx, c, hello) != nil {
		return
	}
	var senders sync.WaitGroup
	defer senders.Wait()
	defer cancel()
	for {
		_, data, err := c.Read(ctx)
		if err != nil {
			return
		}
		var f frame
		if json.Unmarshal(data, &f) != nil {
			c.Close(4002, "Error while decoding payload.")
			return
		}
		switch f.Op {
		case 1:
			s.mu.Lock()
			s.state.Heartbeats++
			s.notify()
			s.mu.Unlock()
			if s.write(ctx, c, []byte(`{"op":11}`)) != nil {
				return
			}
		case 2:
			sess, code, reason := s.identify(f.D)
			if code != 0 {
				c.Close(websocket.StatusCode(code), reason)
				return
			}
			senders.Go(func() { s.sendLoop(ctx, c, sess, 0) })
		case 6:
			sess, from, ok := s.resume(f.D)
			if !ok {
				if s.write(ctx, c, []byte(`{"op":9,"d":false}`)) != nil {
					return
				}
				continue
			}
			senders.Go(func() { s.sendLoop(ctx, c, sess, from) })
		}
	}
}

// identify starts a new session, whose first dispatch is READY. It returns a
// close code and reason instead if the token or intents are refused.
func (s *Server) identify(d json.RawMessage) (*session, int, string) {
	var id struct {
		Token   string `json:"token"`
		Intents int    `json:"intents"`
	}
	_ = json.Unmarshal(d, &id)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state.Identifies++
	s.notify()
	if strings.TrimPrefix(id.Token, "Bot ") != s.opts.Token {
		return nil, CloseAuthFailed, "Authentication failed."
	}
	if s.opts.DenyMessageContent && id.Intents&intentMessageContent != 0 {
		return nil, CloseDisallowedIntents, "Disallowed intent(s)."
	}
	s.session = &session{id: "session-" + s.newID(), intents: id.Intents, grew: make(chan struct{})}
	s.appendDispatch(s.session, "READY", map[string]any{
		"v": 9, "user": s.userJSON(s.users[BotID]), "session_id": s.session.id,
		"resume_gateway_url": s.gatewayURL(), "guilds": []any{map[string]any{"id": GuildID, "unavailable": true}},
		"application": map[string]any{"id": BotID, "flags": 0},
	})
	return s.session, 0, ""
}

// resume continues the current session after the client's last sequence
// number: missed dispatches are replayed, then RESUMED.
func (s *Server) resume(d json.RawMessage) (*session, int, bool) {
	var r struct {
		Token     string `json:"token"`
		SessionID string `json:"session_id"`
		Seq       int    `json:"seq"`
	}
	_ = json.Unmarshal(d, &r)
	s.mu.Lock()
	defer s.mu.Unlock()
	sess := s.session
	if sess == nil || r.SessionID != sess.id || strings.TrimPrefix(r.Token, "Bot ") != s.opts.Token {
		return nil, 0, false
	}
	s.state.Resumes++
	s.notify()
	s.appendDispatch(sess, "RESUMED", map[string]any{})
	return sess, min(max(r.Seq, 0), len(sess.log)), true
}

// sendLoop writes the session's dispatches from index from on, as they come.
func (s *Server) sendLoop(ctx context.Context, c *websocket.Conn, sess *session, from int) {
	for next := from; ; {
		s.mu.Lock()
		var payload []byte
		if next < len(sess.log) {
			payload = sess.log[next]
			next++
		}
		grew := sess.grew
		s.mu.Unlock()
		if payload != nil {
			if s.write(ctx, c, payload) != nil {
				return // the connection is gone; a RESUME replays the rest
			}
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-grew:
		}
	}
}

// dispatch sends an event in the current session (kept for a RESUME if no
// connection is open). Without a session, the event is lost, as on Discord.
// Call with mu held.
func (s *Server) dispatch(event string, data any) {
	if s.session != nil {
		s.appendDispatch(s.session, event, data)
	}
}

// appendDispatch adds a dispatch to sess's log. Call with mu held.
func (s *Server) appendDispatch(sess *session, event string, data any) {
	d, err := json.Marshal(data)
	if err != nil {
		panic("discordfake: " + err.Error()) // only called with plain maps
	}
	seq := len(sess.log) + 1
	payload, _ := json.Marshal(frame{Op: 0, D: d, S: &seq, T: event})
	sess.log = append(sess.log, payload)
	close(sess.grew)
	sess.grew = make(chan struct{})
}

// write sends one gateway frame, zlib-compressed if configured.
func (s *Server) write(ctx context.Context, c *websocket.Conn, payload []byte) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if !s.opts.Zlib {
		return c.Write(ctx, websocket.MessageText, payload)
	}
	var b bytes.Buffer
	z := zlib.NewWriter(&b)
	z.Write(payload)
	z.Close()
	return c.Write(ctx, websocket.MessageBinary, b.Bytes())
}

func (s *Server) removeConn(gc *gatewayConn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i := slices.Index(s.conns, gc); i >= 0 {
		s.conns = slices.Delete(s.conns, i, i+1)
		s.state.Connected = len(s.conns)
		s.notify()
	}
}

// DropConnections closes every gateway connection abruptly, as a network
// failure would. The session stays valid: the client may RESUME it.
func (s *Server) DropConnections() {
	s.mu.Lock()
	conns := slices.Clone(s.conns)
	s.mu.Unlock()
	for _, gc := range conns {
		gc.c.CloseNow()
	}
}

// Reconnect asks every connected client to reconnect and resume (op 7).
func (s *Server) Reconnect() {
	s.mu.Lock()
	conns := slices.Clone(s.conns)
	s.mu.Unlock()
	for _, gc := range conns {
		_ = s.write(s.ctx, gc.c, []byte(`{"op":7,"d":null}`))
	}
}

// gatewayURL is what GET /gateway answers.
func (s *Server) gatewayURL() string {
	return "ws" + strings.TrimPrefix(s.srv.URL, "http") + "/gateway"
}
