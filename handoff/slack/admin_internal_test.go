package slack

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/relaisbot/relais/faq"
)

func TestFileRef(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"F0123ABCD", "F0123ABCD", true},
		{"https://team.slack.com/files/U0ALICE/F0123ABCD/faq.json", "F0123ABCD", true},
		{"<https://team.slack.com/files/U0ALICE/F0123ABCD/faq.json|faq.json>", "F0123ABCD", true},
		{"https://files.slack.com/files-pri/T0TEAM-F0123ABCD/faq.json", "F0123ABCD", true},
		{"faq.json", "", false},
		{"f0123abcd", "", false},
		{"https://example.com/faq.json", "", false},
	}
	for _, tt := range tests {
		if got, ok := fileRef(tt.in); got != tt.want || ok != tt.ok {
			t.Errorf("fileRef(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestDraftCommand(t *testing.T) {
	tests := []struct {
		in, id string
		ok     bool
	}{
		{"!faq", "", true},
		{"  !FAQ shipping.gift-wrap  ", "shipping.gift-wrap", true},
		{"faq: draft", "", true},
		{"Faq:Draft orders.x", "orders.x", true},
		{"!faqs are great", "", false},
		{"the !faq command", "", false},
		{"faq: what do we say?", "", false},
	}
	for _, tt := range tests {
		if id, ok := draftCommand(tt.in); id != tt.id || ok != tt.ok {
			t.Errorf("draftCommand(%q) = %q, %v; want %q, %v", tt.in, id, ok, tt.id, tt.ok)
		}
	}
}

func TestSplitPost(t *testing.T) {
	lines := make([]string, 100)
	for i := range lines {
		lines[i] = strings.Repeat("x", 99)
	}
	text := strings.Join(lines, "\n") // 10,000 bytes
	parts := splitPost(text, 3000, 5)
	if len(parts) != 4 || strings.Join(parts, "\n") != text {
		t.Errorf("split in %d parts; rejoined equal: %v", len(parts), strings.Join(parts, "\n") == text)
	}
	for _, p := range parts {
		if len(p) > 3000 {
			t.Errorf("part of %d bytes", len(p))
		}
	}
	parts = splitPost(text, 1000, 3)
	if len(parts) != 3 || !strings.HasSuffix(parts[2], "\n…") || len(parts[2]) > 1000 {
		t.Errorf("truncated split: %d parts, last ends %q", len(parts), parts[len(parts)-1][len(parts[len(parts)-1])-10:])
	}
	long := strings.Repeat("é", 2000) // one line of 4,000 bytes
	parts = splitPost(long, 1000, 10)
	if got := strings.ReplaceAll(strings.Join(parts, ""), "…", ""); got != long {
		t.Errorf("a long line is not cut on rune boundaries without loss")
	}
}

func TestParsePeriod(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"7d", 7 * 24 * time.Hour, true},
		{"24h", 24 * time.Hour, true},
		{"90m", 90 * time.Minute, true},
		{"365d", 365 * 24 * time.Hour, true},
		{"366d", 0, false},
		{"0d", 0, false},
		{"-3h", 0, false},
		{"week", 0, false},
	}
	for _, tt := range tests {
		if got, ok := parsePeriod(tt.in); got != tt.want || ok != tt.ok {
			t.Errorf("parsePeriod(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestFormErrors(t *testing.T) {
	got := formErrors([]faq.Problem{{Field: "answer", Text: "a"}, {Field: "questions", Text: "q1"}, {Field: "questions", Text: "q2"}})
	if len(got) != 2 || got["answer"] != "a" || got["questions"] != "q1 q2" {
		t.Errorf("formErrors = %v", got)
	}
	if got := formErrors([]faq.Problem{{Field: "answer", Text: "a"}, {Text: "changed meanwhile"}}); got != nil {
		t.Errorf("a problem without an input: %v, want none (a notice instead)", got)
	}
}

type groupStub struct {
	calls   int
	members []string
	err     error
}

func (g *groupStub) GetUserGroupMembersContext(context.Context, string, ...slack.GetUserGroupMembersOption) ([]string, error) {
	g.calls++
	return g.members, g.err
}

func TestAdminCheck(t *testing.T) {
	now := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	api := &groupStub{members: []string{"U0CAROL"}}
	c := &adminCheck{users: []string{"U0ALICE"}, group: "S0ADMINS", api: api, now: func() time.Time { return now }}
	ctx := context.Background()
	check := func(user string, want bool) {
		t.Helper()
		if got, err := c.isAdmin(ctx, user); got != want || err != nil {
			t.Errorf("isAdmin(%s) = %v, %v; want %v", user, got, err, want)
		}
	}
	check("U0ALICE", true)
	check("U0CAROL", true)
	check("U0BOB", false)
	check("", false)
	if api.calls != 1 {
		t.Errorf("%d group lookups, want 1 (Alice is listed, then cached)", api.calls)
	}
	// Expired: asked again; when Slack fails, recent members still count.
	now = now.Add(2 * time.Minute)
	api.err = errors.New("slack down")
	check("U0CAROL", true)
	// Too old and Slack still failing: an error, not a silent refusal.
	now = now.Add(2 * time.Hour)
	if _, err := c.isAdmin(ctx, "U0CAROL"); err == nil {
		t.Error("isAdmin with stale members and Slack down: no error")
	}
	check("U0ALICE", true) // listed users need no lookup
	// Removed from the group: no longer an admin once asked again.
	api.err, api.members = nil, nil
	check("U0CAROL", false)
}

func TestTSTime(t *testing.T) {
	if got := tsTime("1700000000.000100"); !got.Equal(time.Unix(1700000000, 100_000)) {
		t.Errorf("tsTime = %v", got)
	}
}
