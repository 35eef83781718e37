package slack_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/relaisbot/relais/bot"
	rslack "github.com/relaisbot/relais/handoff/slack"
	"github.com/relaisbot/relais/handoff/slack/slackfake"
)

// eventsFixture runs the adapter in events mode behind an HTTP server that
// the fake Slack posts to.
func eventsFixture(t *testing.T) (*fixture, *httptest.Server) {
	f := newFixture(t, setup{mode: rslack.ModeEvents})
	mux := http.NewServeMux()
	f.adapter.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	f.fake.UseHTTP(srv.URL+"/slack/events", srv.URL+"/slack/interactive")
	return f, srv
}

func TestEventsAPISignatures(t *testing.T) {
	f, srv := eventsFixture(t)
	secret := f.fake.Options().SigningSecret
	challenge := []byte(`{"token":"x","challenge":"c-123","type":"url_verification"}`)
	now := time.Now().Unix()
	tests := []struct {
		name       string
		ts         int64
		secret     string
		body       []byte
		wantStatus int
		wantBody   string
	}{
		{"valid url_verification", now, secret, challenge, http.StatusOK, "c-123"},
		{"wrong secret", now, "not-the-secret", challenge, http.StatusUnauthorized, ""},
		{"too old", now - 600, secret, challenge, http.StatusUnauthorized, ""},
		{"no signature", 0, "", challenge, http.StatusUnauthorized, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/slack/events", bytes.NewReader(tt.body))
			req.Header.Set("Content-Type", "application/json")
			if tt.secret != "" {
				req.Header.Set("X-Slack-Request-Timestamp", strconv.FormatInt(tt.ts, 10))
				req.Header.Set("X-Slack-Signature", slackfake.Sign(tt.secret, tt.ts, tt.body))
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.wantStatus || (tt.wantBody != "" && string(body) != tt.wantBody) {
				t.Errorf("got %d %q, want %d %q", resp.StatusCode, body, tt.wantStatus, tt.wantBody)
			}
		})
	}
	// Only POST is routed.
	resp, err := http.Get(srv.URL + "/slack/events")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /slack/events: %d, want 405", resp.StatusCode)
	}
}

func TestEventsAPIRepliesButtonsAndRetries(t *testing.T) {
	f, srv := eventsFixture(t)
	conv := f.handOff("cust-1")
	f.deliverAll()
	th := f.thread(conv.ID)

	ev, _ := f.fake.AgentReply(channel, th.Thread, "U0BOB", "Hello from the Events API")
	f.acked(ev)
	if err := f.fake.ResendEvent(ev); err != nil {
		t.Fatal(err)
	}
	f.waitFake("the retry answered", func(st slackfake.State) bool {
		d, ok := st.Delivery(ev)
		return ok && d.Retry == 1 && d.Status == http.StatusOK
	})
	got := f.messages(conv.ID, bot.RoleAgent)
	if len(got) != 1 || got[0].Author != "Bob Durand" || got[0].Text != "Hello from the Events API" {
		t.Errorf("agent messages %+v, want one from Bob Durand", got)
	}

	if err := f.fake.Click("U0ALICE", rslack.ActionResolve, strconv.FormatInt(conv.ID, 10)); err != nil {
		t.Fatal(err)
	}
	f.waitFor("resolved", func() bool { return f.conversation(conv.ID).State == bot.StateResolved })

	// Without an FAQAdmin, /faq says it is not set up.
	body := []byte("command=%2Ffaq&text=list&user_id=U0ALICE")
	req, _ := f.fake.SignedRequest(f.ctx, srv.URL+"/slack/commands", "application/x-www-form-urlencoded", body)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(answer), "not set up") {
		t.Errorf("/faq: %d %s", resp.StatusCode, answer)
	}
}

func TestRegisterInSocketModeAddsNothing(t *testing.T) {
	f := newFixture(t, setup{})
	mux := http.NewServeMux()
	f.adapter.Register(mux)
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/slack/events", strings.NewReader("{}")))
	if rec.Code != http.StatusNotFound {
		t.Errorf("POST /slack/events in socket mode: %d, want 404", rec.Code)
	}
}
