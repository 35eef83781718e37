package slack

import (
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/relaisbot/relais/bot"
)

// defaultRetryAfter is the wait after a 429 without Retry-After.
const defaultRetryAfter = time.Second

// socketGrace is how long Socket Mode may be (re)connecting before Healthy
// reports it: reconnects are routine and take a second or two.
const socketGrace = 15 * time.Second

// authCodes are Slack errors meaning the token is unusable: nothing works
// until an operator fixes the configuration.
var authCodes = map[string]bool{
	"invalid_auth": true, "not_authed": true, "token_revoked": true, "token_expired": true,
	"account_inactive": true, "not_allowed_token_type": true,
}

// channelCodes are Slack errors meaning the bot cannot post in the channel.
var channelCodes = map[string]bool{
	"channel_not_found": true, "not_in_channel": true, "is_archived": true, "missing_scope": true,
}

// hints explain permanent errors to operators.
var hints = map[string]string{
	"channel_not_found": "check slack.channel (RELAIS_SLACK_CHANNEL): it must be a channel id like C0123456789",
	"not_in_channel":    "invite the bot to the agents' channel: /invite @Relais",
	"is_archived":       "the agents' channel is archived: unarchive it or configure another one",
	"missing_scope":     "the Slack app lacks a scope: reinstall it from handoff/slack/manifest.json",
	"invalid_blocks":    "Slack refused the message layout (a bug in Relais)",
	"msg_too_long":      "the message is too long for Slack (a bug in Relais)",
}

// slackCode returns the "error" code of a Slack API error, or "".
func slackCode(err error) string {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err
	}
	return ""
}

// tokenHint tells operators what to do about a refused bot token.
const tokenHint = "fix slack.bot_token (RELAIS_SLACK_BOT_TOKEN) with the app's current bot token, or reinstall the app in the workspace; queued hand-overs are delivered once it works"

// classify maps an error from delivering an item to what the dispatcher
// must do: wait (rate limit), wait for an operator (a refused token: every
// item stays queued), give up (permanent) or retry with backoff. Auth and
// channel problems are logged loudly and reported by Healthy; a delivery
// that succeeds clears them.
func (a *Adapter) classify(err error, kind string, conversationID int64) error {
	if err == nil {
		a.health.delivered()
		return nil
	}
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		return &bot.RetryAfterError{After: max(rl.RetryAfter, 100*time.Millisecond), Err: err}
	}
	var sc slack.StatusCodeError
	if errors.As(err, &sc) && sc.Code == http.StatusTooManyRequests {
		return &bot.RetryAfterError{After: defaultRetryAfter, Err: err}
	}
	code := slackCode(err)
	switch {
	case authCodes[code]:
		down := fmt.Errorf("slack: the bot token was refused (%s): %s: %w", code, tokenHint, err)
		a.health.setAuth(down)
		a.logger.Error("SLACK DESK IS DOWN: the bot token was refused; nothing reaches the agents until it is fixed",
			"error_code", code, "hint", tokenHint, "kind", kind, "conversation", conversationID)
		return bot.Unavailable(down)
	case channelCodes[code]:
		perm := fmt.Errorf("slack: cannot post in channel %s (%s): %s: %w", a.cfg.Channel, code, hints[code], err)
		a.health.setChannel(perm)
		a.logger.Error("SLACK DESK IS DOWN: cannot post in the agents' channel; hand-overs wait until it is fixed", "error_code", code,
			"channel", a.cfg.Channel, "hint", hints[code], "kind", kind, "conversation", conversationID)
		// Every item needs the channel: they all wait (none is given up on)
		// until an operator fixes it.
		return bot.Unavailable(perm)
	case hints[code] != "":
		return bot.Permanent(fmt.Errorf("slack: %s: %w", hints[code], err))
	case bot.ErrorKind(err) == bot.ENotFound:
		return bot.Permanent(err) // the conversation or message is gone: retrying cannot help
	}
	return err
}

// health is what Healthy reports.
type health struct {
	mu        sync.Mutex
	socket    bool      // socket mode: the connection counts
	ok        bool      // Start succeeded
	auth      error     // the bot token was refused (until Start or a delivery succeeds)
	appAuth   error     // socket mode: the app-level token was refused (until a connection succeeds)
	channel   error     // the channel refused a post (until a post succeeds)
	connected bool      // socket mode: connected now
	since     time.Time // socket mode: not connected since
	connErr   error     // socket mode: the last connection error
}

func (h *health) init(socket bool) {
	h.socket, h.since = socket, time.Now()
}

func (h *health) started() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.ok, h.auth = true, nil
}

func (h *health) setAuth(err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.auth = err
}

func (h *health) setAppAuth(err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.appAuth = err
}

func (h *health) setChannel(err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.channel = err
}

// delivered records a successful delivery: the bot token and the channel work.
func (h *health) delivered() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.auth, h.channel = nil, nil
}

// setConnected records the Socket Mode connection's state.
func (h *health) setConnected(connected bool, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if connected {
		h.connected, h.connErr, h.appAuth = true, nil, nil
		return
	}
	if h.connected {
		h.since = time.Now()
	}
	h.connected = false
	if err != nil {
		h.connErr = err
	}
}

func (h *health) check(now time.Time) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case h.auth != nil:
		return h.auth
	case h.appAuth != nil:
		return h.appAuth
	case !h.ok:
		return errors.New("slack: not started (auth.test has not succeeded)")
	case h.channel != nil:
		return h.channel
	case h.socket && !h.connected && now.Sub(h.since) > socketGrace:
		if h.connErr != nil {
			return fmt.Errorf("slack: socket mode disconnected for %v: %w", now.Sub(h.since).Round(time.Second), h.connErr)
		}
		return fmt.Errorf("slack: socket mode not connected for %v", now.Sub(h.since).Round(time.Second))
	}
	return nil
}
