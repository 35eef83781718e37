package discord

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/relaisbot/relais/bot"
)

// defaultRetryAfter is the wait after a 429 that does not say how long.
const defaultRetryAfter = time.Second

// gatewayGrace is how long the gateway may be reconnecting before Healthy
// reports it: reconnects are routine and take a few seconds.
const gatewayGrace = 30 * time.Second

// hints explain Discord's JSON error codes that retrying cannot fix.
var hints = map[int]string{
	10003: "the customer's channel or thread no longer exists",
	10013: "the customer's Discord account no longer exists",
	50001: "the bot cannot see the channel or thread: let it view the support channel and send messages there and in its threads",
	50007: "the customer does not accept direct messages from the bot (privacy settings, left the server, or blocked the bot)",
	50013: "the bot lacks a permission: Send Messages, Send Messages in Threads, Create Private Threads or Create Public Threads",
	50083: "the customer's thread is archived and locked",
}

// status returns the HTTP status of a Discord REST error, or 0.
func status(err error) int {
	var re *discordgo.RESTError
	if errors.As(err, &re) && re.Response != nil {
		return re.Response.StatusCode
	}
	return 0
}

// code returns Discord's JSON error code of a REST error, or 0.
func code(err error) int {
	var re *discordgo.RESTError
	if errors.As(err, &re) && re.Message != nil {
		return re.Message.Code
	}
	return 0
}

// classify maps an error from delivering an item to what bot.Dispatcher must
// do: wait (rate limit), give up (permanent) or retry with backoff.
func (a *Adapter) classify(err error) error {
	if err == nil {
		return nil
	}
	var rl *discordgo.RateLimitError
	if errors.As(err, &rl) {
		return &bot.RetryAfterError{After: max(rl.RetryAfter, 100*time.Millisecond), Err: err}
	}
	switch s := status(err); {
	case s == http.StatusTooManyRequests: // a 429 without a JSON body
		after := defaultRetryAfter
		var re *discordgo.RESTError
		if errors.As(err, &re) {
			if secs, perr := strconv.ParseFloat(re.Response.Header.Get("Retry-After"), 64); perr == nil && secs > 0 {
				after = time.Duration(secs * float64(time.Second))
			}
		}
		return &bot.RetryAfterError{After: after, Err: err}
	case s == http.StatusUnauthorized:
		// Nothing can be delivered until an operator fixes the token: the
		// items wait (the dispatcher pauses), none is given up on.
		down := fmt.Errorf("discord: the bot token was refused: fix discord.token (RELAIS_DISCORD_TOKEN): %w", err)
		a.health.setToken(down)
		a.logger.Error("DISCORD IS DOWN: the bot token was refused; messages to Discord customers wait until it is fixed",
			"hint", "fix discord.token (RELAIS_DISCORD_TOKEN)")
		return bot.Unavailable(down)
	case hints[code(err)] != "":
		return bot.Permanent(fmt.Errorf("discord: %s: %w", hints[code(err)], err))
	case s == http.StatusForbidden || s == http.StatusNotFound:
		return bot.Permanent(fmt.Errorf("discord: the bot may not post there: %w", err))
	case s == http.StatusBadRequest:
		return bot.Permanent(fmt.Errorf("discord: Discord refused the message (a bug in Relais): %w", err))
	case bot.ErrorKind(err) == bot.ENotFound:
		return bot.Permanent(err) // the message or conversation is gone: retrying cannot help
	}
	return err
}

// health is what Healthy reports.
type health struct {
	mu        sync.Mutex
	ok        bool      // Start succeeded
	auth      error     // the token or intents were refused (sticky until Start succeeds)
	token     error     // the REST API refused the token (until a delivery succeeds)
	connected bool      // the gateway is connected now
	since     time.Time // not connected since
}

func (h *health) init() { h.since = time.Now() }

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

// setToken records that the REST API refused the token.
func (h *health) setToken(err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.token = err
}

// delivered records a successful delivery: the token works.
func (h *health) delivered() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.token = nil
}

func (h *health) setConnected(connected bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.connected && !connected {
		h.since = time.Now()
	}
	h.connected = connected
}

func (h *health) check(now time.Time) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case h.auth != nil:
		return h.auth
	case h.token != nil:
		return h.token
	case !h.ok:
		return errors.New("discord: not started")
	case !h.connected && now.Sub(h.since) > gatewayGrace:
		return fmt.Errorf("discord: gateway disconnected for %v", now.Sub(h.since).Round(time.Second))
	}
	return nil
}
