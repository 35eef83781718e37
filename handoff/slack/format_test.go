package slack

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/slack-go/slack"

	"github.com/relaisbot/relais/bot"
)

func TestEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain text", "plain text"},
		{"<!channel> <!here|here> <!everyone>", "&lt;!channel&gt; &lt;!here|here&gt; &lt;!everyone&gt;"},
		{"<@U123> <#C123|general> <https://evil|click>", "&lt;@U123&gt; &lt;#C123|general&gt; &lt;https://evil|click&gt;"},
		{"@here @Channel @EVERYONE @group", "@\u200dhere @\u200dChannel @\u200dEVERYONE @\u200dgroup"},
		{"mail me@herecorp.fr", "mail me@\u200dherecorp.fr"},
		{"a & b &amp; c", "a &amp; b &amp;amp; c"},
		{"bad \xff byte", "bad \ufffd byte"},
		{"@", "@"},
	}
	for _, tt := range tests {
		if got := escape(tt.in); got != tt.want {
			t.Errorf("escape(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

type fakeUsers map[string]string

func (u fakeUsers) GetUserInfoContext(_ context.Context, id string, _ ...slack.GetUserInfoOption) (*slack.User, error) {
	name, ok := u[id]
	if !ok {
		return nil, errors.New("user_not_found")
	}
	return &slack.User{ID: id, Profile: slack.UserProfile{DisplayName: name}}, nil
}

func TestPlainText(t *testing.T) {
	a := &Adapter{users: newUserCache(fakeUsers{"U1": "Alice"}, 10, time.Hour)}
	tests := []struct{ in, want string }{
		{"hello", "hello"},
		{"&lt;b&gt; &amp;amp;", "<b> &amp;"},
		{"<https://x.test/a?b=1&amp;c=2|the page>", "the page (https://x.test/a?b=1&c=2)"},
		{"<https://x.test>", "https://x.test"},
		{"<https://x.test|https://x.test>", "https://x.test"},
		{"<mailto:a@b.test|a@b.test>", "a@b.test"},
		{"ask <@U1> or <@U2|bob>", "ask @Alice or @bob"},
		{"ask <@U9>", "ask @?"},
		{"<!here> look", "look"},
		{"in <#C1|general> <#C2|>", "in #general #channel"},
		{"<!subteam^S1|@support> <!date^1392734382^{date}|Feb 18>", "@support Feb 18"},
		{"a < b", "a < b"},
	}
	for _, tt := range tests {
		if got := a.plainText(context.Background(), tt.in); got != tt.want {
			t.Errorf("plainText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestEscapedLinesNeverSplitCharactersOrEntities(t *testing.T) {
	in := strings.Repeat("é<€>&😀", 100) + " " + strings.Repeat("word ", 50) + "\nsecond line"
	lines := escapedLines(in, 64)
	var joined strings.Builder
	for _, l := range lines {
		if len(l) > 64 || !utf8.ValidString(l) {
			t.Errorf("line of %d bytes (valid UTF-8: %v): %q", len(l), utf8.ValidString(l), l)
		}
		if i, j := strings.LastIndexByte(l, '&'), strings.LastIndexByte(l, ';'); i > j {
			t.Errorf("line ends inside an entity: %q", l)
		}
		joined.WriteString(l)
	}
	if got, want := strings.ReplaceAll(joined.String(), " ", ""), strings.ReplaceAll(escape(strings.ReplaceAll(in, "\n", "")), " ", ""); got != want {
		t.Errorf("wrapping lost text:\n got %q\nwant %q", got, want)
	}
}

func TestChunk(t *testing.T) {
	e := func(h string, lines ...string) entry { return entry{header: h, lines: lines} }
	got := chunk("T", []entry{e("A", "a1", "a2"), e("B", strings.Repeat("b", 20), strings.Repeat("c", 20)), e("C", "c1")}, "(more)", 40)
	want := []string{
		"T\n\nA\n> a1\n> a2\n\nB\n> bbbbbbbbbbbbbbbbbbbb", // exactly 40 bytes
		"B (more)\n> cccccccccccccccccccc\n\nC\n> c1",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("chunk (-want +got):\n%s", diff)
	}
}

func TestHandoffBounds(t *testing.T) {
	at := time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)
	m := func(role bot.Role, action bot.Action, d time.Duration) bot.Message {
		return bot.Message{Role: role, Action: action, CreatedAt: at.Add(d)}
	}
	msgs := []bot.Message{
		m(bot.RoleCustomer, "", -time.Hour),
		m(bot.RoleBot, bot.ActionHandoff, -time.Hour), // the previous hand-over
		m(bot.RoleCustomer, "", -time.Minute),
		m(bot.RoleBot, bot.ActionHandoff, 0), // this one
		m(bot.RoleCustomer, "", 0),           // arrived in the same millisecond, relayed on its own
		m(bot.RoleCustomer, "", time.Second),
	}
	if end, prev := handoffBounds(msgs, at); end != 4 || prev != 1 {
		t.Errorf("handoffBounds = %d, %d; want 4, 1", end, prev)
	}
	if end, prev := handoffBounds(msgs[2:3], at); end != 1 || prev != -1 {
		t.Errorf("handoffBounds without notices = %d, %d; want 1, -1", end, prev)
	}
}

func TestConfigValidation(t *testing.T) {
	_, err := New(Config{Mode: "webhook", APIURL: "https://slack.com/api", Lang: "de", Channel: "support"}, nil, nil)
	for _, want := range []string{"slack.bot_token", "slack.mode", "slack.channel", "slack.api_url", "slack.lang"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("New with a bad config: %v; want a problem with %s", err, want)
		}
	}
	_, err = New(Config{BotToken: "xoxb-1", Channel: "C1"}, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "slack.app_token") {
		t.Errorf("socket mode without an app token: %v", err)
	}
	_, err = New(Config{BotToken: "xoxb-1", Channel: "C1", Mode: ModeEvents}, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "slack.signing_secret") {
		t.Errorf("events mode without a signing secret: %v", err)
	}
	c := Config{BotToken: "xoxb-1", AppToken: "xapp-1", Channel: "C1", NoteMarker: " NB: "}
	if err := c.validate(); err != nil || c.Mode != ModeSocket || c.APIURL != DefaultAPIURL || c.Lang != bot.LangEN || c.NoteMarker != "nb:" {
		t.Errorf("defaults: %+v, %v", c, err)
	}
}

func TestUserCacheExpiresAndBounds(t *testing.T) {
	calls := 0
	users := countingUsers{fakeUsers{"U1": "Alice", "U2": "Bob", "U3": "Chloé"}, &calls}
	c := newUserCache(users, 2, time.Minute)
	now := time.Now()
	c.now = func() time.Time { return now }
	for _, id := range []string{"U1", "U1", "U2", "U3", "U1"} {
		now = now.Add(time.Second)
		if _, err := c.name(context.Background(), id); err != nil {
			t.Fatal(err)
		}
	}
	if calls != 4 || len(c.entries) != 2 {
		t.Errorf("%d lookups, %d entries; want 4 (U1 evicted by U3) and 2", calls, len(c.entries))
	}
	now = now.Add(2 * time.Minute)
	c.name(context.Background(), "U1")
	if calls != 5 {
		t.Errorf("%d lookups, want 5 (expired)", calls)
	}
}

type countingUsers struct {
	fakeUsers
	calls *int
}

func (u countingUsers) GetUserInfoContext(ctx context.Context, id string, o ...slack.GetUserInfoOption) (*slack.User, error) {
	*u.calls++
	return u.fakeUsers.GetUserInfoContext(ctx, id, o...)
}
