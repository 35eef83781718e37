package slack

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
)

// Events API limits: Slack waits 3 s for an answer, then sends again.
const (
	httpHandleTimeout = 2500 * time.Millisecond
	maxRequestBytes   = 1 << 20
)

// Register adds the Events API routes to mux (events mode only; in socket
// mode it adds nothing). One handler serves all three routes and tells the
// requests apart by their content: point the app's Event Subscriptions at
// /slack/events, Interactivity at /slack/interactive and the /faq command at
// /slack/commands.
func (a *Adapter) Register(mux *http.ServeMux) {
	if a.cfg.Mode != ModeEvents {
		return
	}
	h := http.HandlerFunc(a.serveHTTP)
	mux.Handle("POST /slack/events", h)
	mux.Handle("POST /slack/interactive", h)
	mux.Handle("POST /slack/commands", h)
}

// serveHTTP answers a request from Slack: 401 unless it is signed with the
// signing secret within the last 5 minutes; url_verification's challenge;
// events and interactions handled within Slack's 3 s (500 if they fail, so
// that Slack sends an event again).
func (a *Adapter) serveHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBytes))
	if err != nil {
		http.Error(w, "cannot read the request", http.StatusBadRequest)
		return
	}
	if err := a.verify(r.Header, body); err != nil {
		a.logger.Warn("slack: refused a request without a valid signature", "remote", r.RemoteAddr, "err", err)
		http.Error(w, "invalid signature", http.StatusUnauthorized)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), httpHandleTimeout)
	defer cancel()
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/x-www-form-urlencoded" {
		a.serveForm(ctx, w, body)
		return
	}
	ev, err := slackevents.ParseEvent(body, slackevents.OptionNoVerifyToken())
	if err != nil {
		if json.Valid(body) {
			w.WriteHeader(http.StatusOK) // an event type Relais does not use
			return
		}
		http.Error(w, "bad event", http.StatusBadRequest)
		return
	}
	switch ev.Type {
	case slackevents.URLVerification:
		v, _ := ev.Data.(*slackevents.EventsAPIURLVerificationEvent)
		if v == nil {
			http.Error(w, "bad url_verification", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, v.Challenge)
	case slackevents.CallbackEvent:
		cb, _ := ev.Data.(*slackevents.EventsAPICallbackEvent)
		if cb == nil {
			http.Error(w, "bad event_callback", http.StatusBadRequest)
			return
		}
		err := a.inbound(ctx, eventLane(ev.InnerEvent), func(ctx context.Context) error { return a.handleEvent(ctx, cb.EventID, ev.InnerEvent) })
		if err != nil {
			a.logger.Warn("slack: event not handled; Slack will send it again", "event", cb.EventID,
				"retry", r.Header.Get("X-Slack-Retry-Num"), "err", err)
			http.Error(w, "not handled", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	default:
		w.WriteHeader(http.StatusOK)
	}
}

// serveForm answers interactions (payload=…) and slash commands (command=…).
func (a *Adapter) serveForm(ctx context.Context, w http.ResponseWriter, body []byte) {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	switch {
	case form.Has("payload"):
		var cb slack.InteractionCallback
		if err := json.Unmarshal([]byte(form.Get("payload")), &cb); err != nil {
			http.Error(w, "bad payload", http.StatusBadRequest)
			return
		}
		payload, err := a.interact(ctx, cb)
		if err != nil {
			a.logger.Error("slack: button click failed", "err", err)
			http.Error(w, "action failed", http.StatusInternalServerError)
			return
		}
		writeAck(w, payload)
	case form.Has("command"):
		writeAck(w, a.command(slack.SlashCommand{
			TeamID: form.Get("team_id"), ChannelID: form.Get("channel_id"), ChannelName: form.Get("channel_name"),
			UserID: form.Get("user_id"), UserName: form.Get("user_name"), Command: form.Get("command"),
			Text: form.Get("text"), ResponseURL: form.Get("response_url"), TriggerID: form.Get("trigger_id"),
			APIAppID: form.Get("api_app_id"),
		}))
	default:
		http.Error(w, "unknown request", http.StatusBadRequest)
	}
}

// writeAck answers a request from Slack with 200 and payload as JSON
// (nothing if nil).
func writeAck(w http.ResponseWriter, payload any) {
	if payload == nil {
		w.WriteHeader(http.StatusOK)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(payload)
}

// verify checks Slack's v0 signature and timestamp.
func (a *Adapter) verify(h http.Header, body []byte) error {
	sv, err := slack.NewSecretsVerifier(h, a.cfg.SigningSecret)
	if err != nil {
		return err
	}
	if _, err := sv.Write(body); err != nil {
		return err
	}
	if err := sv.Ensure(); err != nil {
		return errors.New("signature mismatch")
	}
	return nil
}
