package slackfake

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// outgoing is an event or interaction waiting to be sent to the app.
type outgoing struct {
	kind    string          // "events_api", "interactive" or "slash_commands"
	eventID string          // events only
	ref     string          // interactions and commands: what the test holds
	payload json.RawMessage // the event_callback, the interaction or the command
	retry   int
}

// serveSocket is the Socket Mode WebSocket: hello, then envelopes; the
// client acks each envelope; the server pings.
func (s *Server) serveSocket(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	valid := s.tickets[r.PathValue("ticket")] && s.ctx.Err() == nil
	delete(s.tickets, r.PathValue("ticket"))
	if valid {
		s.handlers.Add(1)
	}
	s.mu.Unlock()
	if !valid {
		http.Error(w, "invalid or used ticket", http.StatusUnauthorized)
		return
	}
	defer s.handlers.Done()
	// slack-go sends "Origin: https://api.slack.com".
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{OriginPatterns: []string{"api.slack.com"}})
	if err != nil {
		return
	}
	defer c.CloseNow()
	ctx, cancel := context.WithCancel(s.ctx)
	defer cancel()
	hello := fmt.Sprintf(`{"type":"hello","num_connections":1,"debug_info":{"host":"fake","approximate_connection_time":18060},"connection_info":{"app_id":%q}}`, s.opts.AppID)
	if err := c.Write(ctx, websocket.MessageText, []byte(hello)); err != nil {
		return
	}
	s.mu.Lock()
	s.conns = append(s.conns, c)
	s.state.Connections++
	s.state.Connected = len(s.conns)
	s.notify()
	s.mu.Unlock()
	s.signal()
	defer s.removeConn(c)

	var pings sync.WaitGroup
	defer pings.Wait()
	defer cancel()
	pings.Go(func() { s.pingLoop(ctx, c) })
	for {
		_, data, err := c.Read(ctx)
		if err != nil {
			return
		}
		var ack struct {
			EnvelopeID string          `json:"envelope_id"`
			Payload    json.RawMessage `json:"payload"`
		}
		if json.Unmarshal(data, &ack) != nil || ack.EnvelopeID == "" {
			continue
		}
		s.mu.Lock()
		for i := range s.state.Deliveries {
			if d := &s.state.Deliveries[i]; d.ID == ack.EnvelopeID {
				d.Acked = true
				if p := nullable(ack.Payload); p != nil {
					d.Response = p
					s.applyViewResponse(d.Ref, p)
				}
			}
		}
		s.notify()
		s.mu.Unlock()
	}
}

func (s *Server) pingLoop(ctx context.Context, c *websocket.Conn) {
	t := time.NewTicker(s.opts.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			pctx, cancel := context.WithTimeout(ctx, s.opts.PingInterval)
			_ = c.Ping(pctx) // a lost pong is the client's problem, as with Slack
			cancel()
		}
	}
}

func (s *Server) removeConn(c *websocket.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i := slices.Index(s.conns, c); i >= 0 {
		s.conns = slices.Delete(s.conns, i, i+1)
		s.state.Connected = len(s.conns)
		s.notify()
	}
}

// DropConnections closes every Socket Mode connection abruptly, as a network
// failure would. slack-go reconnects through apps.connections.open.
func (s *Server) DropConnections() {
	s.mu.Lock()
	conns := slices.Clone(s.conns)
	s.mu.Unlock()
	for _, c := range conns {
		c.CloseNow()
	}
}

// UseHTTP switches delivery to the Events API: events are POSTed to
// eventsURL and interactions to interactiveURL (eventsURL if empty), signed
// with the signing secret; slash commands go to the URL of UseHTTPCommands,
// else to interactiveURL. Empty URLs switch back to Socket Mode.
func (s *Server) UseHTTP(eventsURL, interactiveURL string) {
	s.mu.Lock()
	s.eventsURL, s.interactiveURL = eventsURL, interactiveURL
	s.mu.Unlock()
	s.signal()
}

// UseHTTPCommands sets the Request URL of the app's slash commands (Events
// API mode).
func (s *Server) UseHTTPCommands(commandsURL string) {
	s.mu.Lock()
	s.commandsURL = commandsURL
	s.mu.Unlock()
	s.signal()
}

// signal wakes the delivery loop up.
func (s *Server) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// deliverLoop sends queued events in order: over the newest Socket Mode
// connection (waiting for one if none is open), or over HTTP.
func (s *Server) deliverLoop() {
	for {
		s.mu.Lock()
		var (
			out     outgoing
			conn    *websocket.Conn
			httpURL string
			ready   bool
		)
		if len(s.queue) > 0 {
			out = s.queue[0]
			httpURL = s.eventsURL
			if out.kind != "events_api" && s.interactiveURL != "" {
				httpURL = s.interactiveURL
			}
			if out.kind == "slash_commands" && s.commandsURL != "" {
				httpURL = s.commandsURL
			}
			if httpURL == "" && len(s.conns) > 0 {
				conn = s.conns[len(s.conns)-1]
			}
			if ready = httpURL != "" || conn != nil; ready {
				s.queue = s.queue[1:]
			}
		}
		s.mu.Unlock()
		if !ready {
			select {
			case <-s.wake:
				continue
			case <-s.ctx.Done():
				return
			}
		}
		if httpURL != "" {
			s.post(httpURL, out)
			continue
		}
		if err := s.send(conn, out); err != nil {
			s.mu.Lock()
			s.queue = append([]outgoing{out}, s.queue...) // resent on the next connection
			s.mu.Unlock()
			s.removeConn(conn)
		}
	}
}

// send writes an envelope on a Socket Mode connection.
func (s *Server) send(c *websocket.Conn, out outgoing) error {
	s.mu.Lock()
	s.seq++
	d := Delivery{ID: fmt.Sprintf("env-%d", s.seq), Type: out.kind, EventID: out.eventID, Ref: out.ref, Retry: out.retry}
	s.state.Deliveries = append(s.state.Deliveries, d)
	s.notify()
	s.mu.Unlock()
	reason := ""
	if out.retry > 0 {
		reason = "timeout"
	}
	env, err := json.Marshal(map[string]any{
		"envelope_id": d.ID, "type": out.kind, "payload": out.payload,
		"accepts_response_payload": out.kind != "events_api", "retry_attempt": out.retry, "retry_reason": reason,
	})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(s.ctx, 5*time.Second)
	defer cancel()
	return c.Write(ctx, websocket.MessageText, env)
}

// post sends an event (JSON), an interaction (form payload=) or a slash
// command (form fields) to the app over HTTP, signed, and records the
// answer's status and body.
func (s *Server) post(target string, out outgoing) {
	body, ctype := []byte(out.payload), "application/json"
	switch out.kind {
	case "interactive":
		body, ctype = []byte("payload="+url.QueryEscape(string(out.payload))), "application/x-www-form-urlencoded"
	case "slash_commands":
		var fields map[string]string
		_ = json.Unmarshal(out.payload, &fields)
		form := url.Values{}
		for k, v := range fields {
			form.Set(k, v)
		}
		body, ctype = []byte(form.Encode()), "application/x-www-form-urlencoded"
	}
	s.mu.Lock()
	s.seq++
	id := fmt.Sprintf("http-%d", s.seq)
	s.mu.Unlock()
	status := 0
	var answer []byte
	req, err := s.SignedRequest(s.ctx, target, ctype, body)
	if err == nil {
		if out.retry > 0 {
			req.Header.Set("X-Slack-Retry-Num", strconv.Itoa(out.retry))
			req.Header.Set("X-Slack-Retry-Reason", "http_timeout")
		}
		if resp, err := s.client.Do(req); err == nil {
			status = resp.StatusCode
			answer, _ = io.ReadAll(io.LimitReader(resp.Body, 1<<20))
			resp.Body.Close()
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d := Delivery{ID: id, Type: out.kind, EventID: out.eventID, Ref: out.ref,
		Retry: out.retry, Acked: status == http.StatusOK, Status: status}
	if status == http.StatusOK && json.Valid(answer) {
		d.Response = nullable(bytes.TrimSpace(answer))
		s.applyViewResponse(d.Ref, d.Response)
	}
	s.state.Deliveries = append(s.state.Deliveries, d)
	s.notify()
}

// nullable returns raw, or nil for an absent or null value.
func nullable(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	return raw
}

// SignedRequest returns a POST of body to target signed like Slack signs
// Events API and interactivity requests (v0, with the current time).
func (s *Server) SignedRequest(ctx context.Context, target, contentType string, body []byte) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	ts := time.Now().Unix()
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("X-Slack-Request-Timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("X-Slack-Signature", Sign(s.opts.SigningSecret, ts, body))
	return req, nil
}
