package discord

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/relaisbot/relais/bot"
)

func restError(status, code int) error {
	return &discordgo.RESTError{
		Response: &http.Response{StatusCode: status, Status: http.StatusText(status), Header: http.Header{"Retry-After": {"3"}}},
		Message:  &discordgo.APIErrorMessage{Code: code, Message: "message"},
	}
}

// permanent reports whether bot.Dispatcher gives up on err at once: its
// chain holds bot.Permanent's (unexported) wrapper.
func permanent(err error) bool {
	for ; err != nil; err = errors.Unwrap(err) {
		if fmt.Sprintf("%T", err) == "bot.permanentError" {
			return true
		}
	}
	return false
}

func TestClassify(t *testing.T) {
	a := &Adapter{logger: slog.New(slog.DiscardHandler)}
	rl := &discordgo.RateLimitError{RateLimit: &discordgo.RateLimit{TooManyRequests: &discordgo.TooManyRequests{RetryAfter: 2 * time.Second}}}
	for _, tc := range []struct {
		name      string
		err       error
		retry     time.Duration // a RetryAfterError with this delay
		permanent bool
		hint      string
	}{
		{"rate limit", rl, 2 * time.Second, false, ""},
		{"429 without body", restError(429, 0), 3 * time.Second, false, ""},
		{"unauthorized", restError(401, 0), 0, false, "fix discord.token"}, // Unavailable: the items wait
		{"missing access", restError(403, 50001), 0, true, "cannot see the channel"},
		{"cannot DM", restError(403, 50007), 0, true, "does not accept direct messages"},
		{"unknown channel", restError(404, 10003), 0, true, "no longer exists"},
		{"other 403", restError(403, 12345), 0, true, "may not post there"},
		{"bad request", restError(400, 50035), 0, true, "a bug in Relais"},
		{"server error", restError(500, 0), 0, false, ""},
		{"network", errors.New("connection refused"), 0, false, ""},
		{"gone", bot.Errorf(bot.ENotFound, "message 3 not found"), 0, true, ""},
	} {
		got := a.classify(tc.err)
		var ra *bot.RetryAfterError
		switch {
		case tc.retry > 0 && (!errors.As(got, &ra) || ra.After != tc.retry):
			t.Errorf("%s: classify = %v; want retry after %v", tc.name, got, tc.retry)
		case tc.permanent != permanent(got):
			t.Errorf("%s: classify = %v (%T); permanent = %v, want %v", tc.name, got, got, permanent(got), tc.permanent)
		case !strings.Contains(got.Error(), tc.hint) || !errors.Is(got, tc.err):
			t.Errorf("%s: classify = %q; want it to wrap the error and say %q", tc.name, got, tc.hint)
		}
	}
	if err := a.Healthy(); err == nil || !strings.Contains(err.Error(), "discord.token") {
		t.Errorf("Healthy after a refused token = %v", err)
	}
}
