package slack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/relaisbot/relais/bot"
	"github.com/relaisbot/relais/faq"
)

// FAQAdmin runs the FAQ admin commands (faq/COMMANDS.md). Implemented by
// *faq.Admin. Refusals and mistakes the user can fix come back as a Reply
// with Problems; only internal failures return an error.
type FAQAdmin interface {
	// Execute parses and runs what follows /faq.
	Execute(ctx context.Context, actor faq.Actor, line string) (faq.Reply, error)
	// Run runs a parsed command (import with its file).
	Run(ctx context.Context, actor faq.Actor, cmd faq.Command) (faq.Reply, error)
	// Save stores an entry from the form, refusing it if the entry changed
	// since the form was opened (its Revision).
	Save(ctx context.Context, actor faq.Actor, e faq.Entry) (faq.Reply, error)
	// Draft proposes an agent's answer as a new entry; any actor may.
	Draft(ctx context.Context, actor faq.Actor, d faq.Draft) (faq.Reply, error)
}

// Stats renders the service-quality report of the last since, in lang, as
// plain text (aligned columns), for /relais stats.
type Stats func(ctx context.Context, lang bot.Lang, since time.Duration) (string, error)

// adminAPI is the part of the slack-go client that the admin commands,
// forms and drafts use.
type adminAPI interface {
	OpenViewContext(ctx context.Context, triggerID string, view slack.ModalViewRequest) (*slack.ViewResponse, error)
	GetUserGroupMembersContext(ctx context.Context, group string, options ...slack.GetUserGroupMembersOption) ([]string, error)
	PostEphemeralContext(ctx context.Context, channelID, userID string, options ...slack.MsgOption) (string, error)
	PostMessageContext(ctx context.Context, channelID string, options ...slack.MsgOption) (string, string, error)
	OpenConversationContext(ctx context.Context, params *slack.OpenConversationParameters) (*slack.Channel, bool, bool, error)
	UploadFileContext(ctx context.Context, params slack.UploadFileParameters) (*slack.FileSummary, error)
	GetFileInfoContext(ctx context.Context, fileID string, count, page int) (*slack.File, []slack.Comment, *slack.Paging, error)
	GetFileContext(ctx context.Context, downloadURL string, w io.Writer) error
}

// SetAdmin enables /faq, the entry form and FAQ drafts. Call it before Run.
func (a *Adapter) SetAdmin(admin FAQAdmin) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.admin = admin
}

// SetStats enables /relais stats. Call it before Run.
func (a *Adapter) SetStats(s Stats) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.stats = s
}

func (a *Adapter) getAdmin() FAQAdmin {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.admin
}

func (a *Adapter) getStats() Stats {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.stats
}

// actor returns who runs an admin command: their display name (fallback
// when Slack cannot tell it), whether they are a FAQ admin, and the desk's
// language. It fails only if the admin group cannot be checked.
func (a *Adapter) actor(ctx context.Context, userID, fallback string) (faq.Actor, error) {
	actor := a.person(ctx, userID, fallback)
	admin, err := a.admins.isAdmin(ctx, userID)
	if err != nil {
		return actor, err
	}
	actor.Admin = admin
	return actor, nil
}

// person returns a Slack user as a (non-admin) actor.
func (a *Adapter) person(ctx context.Context, userID, fallback string) faq.Actor {
	name, err := a.users.name(ctx, userID)
	if err != nil {
		a.logger.Warn("slack: cannot look up a user's name", "user", userID, "err", err)
		name = fallback
	}
	return faq.Actor{Platform: deskName, ID: userID, Name: name, Lang: a.cfg.Lang}
}

// Admin group membership is remembered for groupTTL; when Slack cannot
// answer, members known for less than groupStale are used.
const (
	groupTTL   = time.Minute
	groupStale = time.Hour
)

// groupMembers is the usergroups.users.list call of the Slack client.
type groupMembers interface {
	GetUserGroupMembersContext(ctx context.Context, group string, options ...slack.GetUserGroupMembersOption) ([]string, error)
}

// adminCheck tells FAQ admins: the configured users and the members of the
// configured user group.
type adminCheck struct {
	users []string
	group string
	api   groupMembers
	now   func() time.Time

	mu      sync.Mutex
	members []string
	fetched time.Time // zero: never
}

// isAdmin reports whether userID is a FAQ admin. It fails if the admin
// group must be asked and Slack cannot answer.
func (c *adminCheck) isAdmin(ctx context.Context, userID string) (bool, error) {
	if userID == "" {
		return false, nil
	}
	if slices.Contains(c.users, userID) {
		return true, nil
	}
	if c.group == "" {
		return false, nil
	}
	c.mu.Lock()
	members, fetched := c.members, c.fetched
	c.mu.Unlock()
	now := c.now()
	if !fetched.IsZero() && now.Sub(fetched) < groupTTL {
		return slices.Contains(members, userID), nil
	}
	fresh, err := c.api.GetUserGroupMembersContext(ctx, c.group)
	if err != nil {
		if !fetched.IsZero() && now.Sub(fetched) < groupStale {
			return slices.Contains(members, userID), nil
		}
		if code := slackCode(err); code != "" {
			err = fmt.Errorf("%s: %s", code, groupHint(code))
		}
		return false, fmt.Errorf("members of the admin group %s: %w", c.group, err)
	}
	c.mu.Lock()
	c.members, c.fetched = fresh, now
	c.mu.Unlock()
	return slices.Contains(fresh, userID), nil
}

func groupHint(code string) string {
	switch code {
	case "no_such_subteam":
		return "check admin.slack_group (RELAIS_ADMIN_SLACK_GROUP): it must be a user group id like S0123456789"
	case "missing_scope":
		return "the Slack app lacks the usergroups:read scope: reinstall it from handoff/slack/manifest.json"
	}
	return "Slack refused the request"
}

// Background work of slash commands: Slack wants an answer within 3 s, so
// a command is acknowledged at once and carried out here, its reply going to
// its response_url.
const (
	maxJobs    = 8
	jobTimeout = 2 * time.Minute
)

// jobs runs slash commands in the background, at most maxJobs at a time,
// each for jobTimeout at most; stop cancels and waits for them.
type jobs struct {
	ctx    context.Context
	cancel context.CancelFunc
	slots  chan struct{}

	mu      sync.Mutex
	stopped bool
	wg      sync.WaitGroup
}

func newJobs() *jobs {
	j := &jobs{slots: make(chan struct{}, maxJobs)}
	j.ctx, j.cancel = context.WithCancel(context.Background())
	return j
}

// start runs fn in the background, or returns false if too many jobs run
// or the adapter stopped.
func (j *jobs) start(fn func(ctx context.Context)) bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.stopped {
		return false
	}
	select {
	case j.slots <- struct{}{}:
	default:
		return false
	}
	j.wg.Go(func() {
		defer func() { <-j.slots }()
		ctx, cancel := context.WithTimeout(j.ctx, jobTimeout)
		defer cancel()
		fn(ctx)
	})
	return true
}

// stop cancels the jobs running and waits for them; later jobs do not start.
func (j *jobs) stop() {
	j.mu.Lock()
	j.stopped = true
	j.mu.Unlock()
	j.cancel()
	j.wg.Wait()
}

// tell sends text (light Markdown, escaped here) to a user privately: to
// responseURL if there is one, else as an ephemeral message in channel
// (in thread, if set), else in their direct messages with the app.
func (a *Adapter) tell(ctx context.Context, responseURL, channel, thread, userID, text string) {
	for _, p := range splitPost(text, maxReplyBytes, maxResponses) {
		p = escape(p)
		err := errors.New("no response_url")
		if responseURL != "" {
			err = slack.PostWebhookCustomHTTPContext(ctx, responseURL, a.hc, &slack.WebhookMessage{ResponseType: "ephemeral", Text: p})
		}
		if err != nil && channel != "" {
			opts := []slack.MsgOption{slack.MsgOptionText(p, false)}
			if thread != "" {
				opts = append(opts, slack.MsgOptionTS(thread))
			}
			_, err = a.admapi.PostEphemeralContext(ctx, channel, userID, opts...)
		}
		if err != nil {
			_, _, err = a.admapi.PostMessageContext(ctx, userID, slack.MsgOptionText(p, false))
		}
		if err != nil {
			a.logger.Error("slack: cannot answer a user", "user", userID, "channel", channel, "err", err)
			return
		}
	}
}

// maxResponses is how many times Slack lets an app use a response_url;
// maxReplyBytes bounds one reply before escaping (Slack advises 4,000
// characters per message).
const (
	maxResponses  = 5
	maxReplyBytes = 3000
)

// splitPost cuts text into at most max posts of at most size bytes each,
// at line breaks where it can; what does not fit is dropped with a mark.
func splitPost(text string, size, max int) []string {
	var parts []string
	var cur []byte
	flush := func() {
		if len(cur) > 0 {
			parts = append(parts, string(cur))
			cur = cur[:0]
		}
	}
	for line := range strings.SplitSeq(text, "\n") {
		for len(line) > size {
			flush()
			head := truncate(line, size)
			parts = append(parts, head)
			line = line[len(head)-len("…"):]
		}
		if len(cur)+len(line)+1 > size {
			flush()
		}
		if len(cur) > 0 {
			cur = append(cur, '\n')
		}
		cur = append(cur, line...)
	}
	flush()
	if len(parts) > max {
		parts = parts[:max]
		parts[max-1] = truncate(parts[max-1], size-len("\n…")) + "\n…"
	}
	return parts
}

// idleConns is how many idle connections to Slack the Web API client keeps:
// as many as can call Slack at once (the inbound lanes and the outbox's
// parallel deliveries). Go's default is two per host, so over HTTP/1.1 (a
// proxy, the fake) a busy moment closed the others and the next calls
// opened new ones. Over HTTP/2, which Slack speaks, calls share one
// connection anyway.
const idleConns = inboundParallel + 8

// newHTTPClient is the client of the Web API and response_urls.
func newHTTPClient(timeout time.Duration) *http.Client {
	t, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		return &http.Client{Timeout: timeout}
	}
	t = t.Clone()
	t.MaxIdleConnsPerHost = idleConns
	return &http.Client{Timeout: timeout, Transport: t}
}
