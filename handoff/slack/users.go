package slack

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"
)

// userInfo is the users.info call of the Slack client.
type userInfo interface {
	GetUserInfoContext(ctx context.Context, user string, options ...slack.GetUserInfoOption) (*slack.User, error)
}

// userCache remembers agents' display names: at most max entries, each for
// ttl. When Slack cannot answer, an expired name is better than none.
type userCache struct {
	api userInfo
	max int
	ttl time.Duration
	now func() time.Time

	mu      sync.Mutex
	entries map[string]userEntry
}

type userEntry struct {
	name    string
	expires time.Time
}

func newUserCache(api userInfo, max int, ttl time.Duration) *userCache {
	return &userCache{api: api, max: max, ttl: ttl, now: time.Now, entries: map[string]userEntry{}}
}

// name returns the display name of a Slack user: the profile's display
// name, else the real name, else the handle.
func (c *userCache) name(ctx context.Context, id string) (string, error) {
	c.mu.Lock()
	e, ok := c.entries[id]
	c.mu.Unlock()
	if ok && c.now().Before(e.expires) {
		return e.name, nil
	}
	u, err := c.api.GetUserInfoContext(ctx, id)
	if err != nil {
		if ok {
			return e.name, nil
		}
		return "", fmt.Errorf("users.info %s: %w", id, err)
	}
	name := displayName(u)
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		c.evict()
	}
	c.entries[id] = userEntry{name: name, expires: c.now().Add(c.ttl)}
	return name, nil
}

// evict drops expired entries, or the one closest to expiry if none is.
// Call with mu held.
func (c *userCache) evict() {
	now := c.now()
	oldest := ""
	for id, e := range c.entries {
		if now.After(e.expires) {
			delete(c.entries, id)
			continue
		}
		if oldest == "" || e.expires.Before(c.entries[oldest].expires) {
			oldest = id
		}
	}
	if len(c.entries) >= c.max {
		delete(c.entries, oldest)
	}
}

func displayName(u *slack.User) string {
	for _, s := range []string{u.Profile.DisplayName, u.Profile.RealName, u.RealName, u.Name, u.ID} {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return "?"
}
