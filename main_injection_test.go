package main

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/relaisbot/relais/bot/discord/discordfake"
	"github.com/relaisbot/relais/handoff/slack"
	"github.com/relaisbot/relais/handoff/slack/slackfake"
)

// Injection proofs ("Prove it holds", item 5): text written by customers
// and agents cannot ping anyone or hide a link in Slack or on Discord
// (this file), cannot run as HTML or JavaScript in the widget
// (main_injection_browser_test.go), and reaches SQL only as parameters
// (main_injection_sql_test.go, main_injection_static_test.go). Each test
// drives the whole server through run and asserts on what reached the
// other side: the fakes' record of the requests, the browser's DOM, the
// database file.

// slackTricks are what a customer may write to ping or link in Slack. Its
// formatting (*bold*) is left alone: it neither pings nor links, and agents
// read it as written.
var slackTricks = []string{
	"<!channel>", "<!here>", "<!everyone>", "@channel @here @everyone @group @Here",
	"<@U0MARIE>", "<#C0AGENTS>", "<!subteam^S0ONCALL>",
	"<https://evil.example|click me>", "<mailto:boss@evil.example|boss>", "&lt;!channel&gt;",
	"*bold* _italic_ ~struck~ `code`", "see https://evil.example/x",
}

// evilAgent writes in Slack under a name that tries to ping as well.
var evilAgent = slackfake.User{ID: "U0EVIL", Name: "evil", RealName: "Evil Agent", DisplayName: "<!channel> @here *boss*"}

// newTrickySlack starts a fake Slack with Marie and the evil agent.
func newTrickySlack(t *testing.T) *slackfake.Server {
	t.Helper()
	fake := slackfake.New(slackfake.Options{
		Channels: []string{agentsChannel},
		Users: []slackfake.User{
			{ID: "U0MARIE", Name: "marie.d", RealName: "Marie Dupont", DisplayName: "Marie"}, evilAgent},
		PingInterval: 500 * time.Millisecond,
	})
	t.Cleanup(fake.Close)
	return fake
}

var (
	// slackToken is a <…> token in mrkdwn: a mention, a link or a command.
	slackToken = regexp.MustCompile(`<[^<>]*>`)
	// ownDate is the only token Relais writes itself: a date (dateToken).
	ownDate = regexp.MustCompile(`^<!date\^\d+\^\{date_short(_pretty)?\} \{time\}\|[0-9: -]+UTC>$`)
	// massMention is a mention of everybody that Slack honours in plain text.
	massMention = regexp.MustCompile(`(?i)@(channel|here|everyone|group)`)
	// slackEntities are the only escapes of Slack's mrkdwn.
	slackEntities = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&", "\u200d", "")
)

// checkSlackPosts fails unless everything Relais sent to Slack is inert:
// no <…> token but Relais's own dates, no mass mention, link names and
// unfurling off on every post.
func checkSlackPosts(t *testing.T, st slackfake.State) {
	t.Helper()
	check := func(where, s string) {
		for _, loc := range slackToken.FindAllStringIndex(s, -1) {
			if tok := s[loc[0]:loc[1]]; !ownDate.MatchString(tok) {
				t.Errorf("%s: Slack gets the live token %q (in %q)", where, tok, around(s, loc))
			}
		}
		if loc := massMention.FindStringIndex(s); loc != nil {
			t.Errorf("%s: Slack gets the mass mention %q (in %q)", where, s[loc[0]:loc[1]], around(s, loc))
		}
	}
	checkBlocks := func(where, blocks string) {
		if blocks == "" {
			return
		}
		var v any
		if err := json.Unmarshal([]byte(blocks), &v); err != nil {
			t.Errorf("%s: blocks %q: %v", where, blocks, err)
		}
		for _, s := range jsonStrings(v) {
			check(where+" blocks", s)
		}
	}
	if len(st.Posts()) == 0 {
		t.Fatal("Relais posted nothing to Slack")
	}
	for _, m := range st.Posts() {
		where := "post " + m.TS
		check(where, m.Text)
		checkBlocks(where, m.Blocks)
		if m.LinkNames != "false" || m.UnfurlLinks != "false" || m.UnfurlMedia != "false" {
			t.Errorf("%s: link_names=%q unfurl_links=%q unfurl_media=%q; want all false", where, m.LinkNames, m.UnfurlLinks, m.UnfurlMedia)
		}
	}
	for _, u := range st.Updates {
		check("update of "+u.TS, u.Text)
		checkBlocks("update of "+u.TS, u.Blocks)
	}
	for _, e := range st.Ephemerals {
		check("ephemeral", e.Text)
		checkBlocks("ephemeral", e.Blocks)
	}
}

// around returns s[loc[0]:loc[1]] with some context, for error messages.
func around(s string, loc []int) string {
	from, to := max(0, loc[0]-30), min(len(s), loc[1]+30)
	return strings.ToValidUTF8(s[from:to], "")
}

// jsonStrings returns every string in a decoded JSON value.
func jsonStrings(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, x := range v {
			out = append(out, jsonStrings(x)...)
		}
		return out
	case map[string]any:
		var out []string
		for _, x := range v {
			out = append(out, jsonStrings(x)...)
		}
		return out
	}
	return nil
}

// threadText returns the thread of the hand-over as agents read it: the
// posts' text with Slack's entities decoded and zero-width joiners removed.
func threadText(st slackfake.State) string {
	top, _ := parent(st)
	var b strings.Builder
	for _, m := range st.Thread(agentsChannel, top.TS) {
		b.WriteString(slackEntities.Replace(m.Text) + "\n")
	}
	return b.String()
}

// A widget customer's text and an agent's name and text cannot ping or link
// in Slack (they show as written, links unfurled by nobody), and an agent's
// Slack syntax reaches the customer as plain text.
func TestInjectionSlack(t *testing.T) {
	fake := newTrickySlack(t)
	r := startRelais(t, "", slackEnv(fake))
	c := dialWidget(t, r.URL)
	c.hello("", 0, "en")

	// Before the hand-over (in the transcript), then after it (relayed alone).
	before := strings.Join(slackTricks, "\n")
	c.ask("c1", before)
	if _, replies := c.ask("c2", "I want to talk to a human"); len(replies) == 0 || replies[0].Action != "handoff" {
		t.Fatalf("replies = %+v; want a hand-over", replies)
	}
	after := strings.Join(slackTricks, " ")
	c.say("c3", after)
	st := waitSlack(t, fake, "the transcript and the relayed message", func(s slackfake.State) bool {
		return strings.Contains(threadText(s), "> "+after)
	})
	top, _ := parent(st)

	// The evil agent answers with live Slack tokens and escaped look-alikes.
	fake.AgentReply(agentsChannel, top.TS, evilAgent.ID, "&lt;!channel&gt; <!channel> @here <@U0MARIE> "+
		"<https://evil.example|click me> &lt;https://evil.example|click me&gt;")
	const wantAgent = "<!channel>  @here @Marie click me (https://evil.example) <https://evil.example|click me>"
	if m := c.nextMessage("agent"); m.Text != wantAgent || m.Author != evilAgent.DisplayName {
		t.Errorf("the customer reads %q by %q;\nwant %q by %q (plain text)", m.Text, m.Author, wantAgent, evilAgent.DisplayName)
	}

	// Back to the bot, then a second hand-over: its transcript quotes the
	// agent's message, stored as plain text, back into Slack.
	id := strconv.FormatInt(conversationOf(t, st, top), 10)
	if err := fake.Click(evilAgent.ID, slack.ActionBackToBot, id); err != nil {
		t.Fatal(err)
	}
	c.nextMessage("bot")
	c.ask("c4", "I want to talk to a human please")
	st = waitSlack(t, fake, "the second transcript", func(s slackfake.State) bool {
		return strings.Contains(threadText(s), "> "+wantAgent)
	})

	checkSlackPosts(t, st)
	// Nothing is lost: agents read every trick as it was written.
	thread := threadText(st)
	for _, trick := range slackTricks {
		if !strings.Contains(thread, "> "+trick+"\n") {
			t.Errorf("the transcript does not show the line %q as written:\n%s", trick, thread)
		}
	}
	if !strings.Contains(thread, "<!channel> @here *boss* (agent)") {
		t.Errorf("the second transcript does not name the agent as written:\n%s", thread)
	}
}

// say sends text and waits until it is stored (no bot answer is expected
// while the customer waits for an agent).
func (c *wsClient) say(clientID, text string) {
	c.t.Helper()
	c.send(map[string]any{"type": "message", "client_id": clientID, "text": text})
	if ack, _ := c.next("ack"); ack.ClientID != clientID || ack.ID == 0 {
		c.t.Fatalf("ack = %+v, want client_id %s and a stored id", ack, clientID)
	}
}

// conversationOf returns the conversation id of a hand-over's parent
// message (the value of its buttons).
func conversationOf(t *testing.T, st slackfake.State, top slackfake.Message) int64 {
	t.Helper()
	m, _ := st.Message(agentsChannel, top.TS)
	id, err := strconv.ParseInt(buttonValue(m.Blocks, slack.ActionClaim), 10, 64)
	if err != nil {
		t.Fatalf("parent message without a conversation id: %s", m.Blocks)
	}
	return id
}

// discordTricks are what a Discord customer may write to ping or link.
const discordTricks = "@everyone @here <@42> <@&500000000000000001> <#300000000000000001> " +
	"[click](https://evil.example) <https://evil.example> ||spoiler|| <t:0:R>\n# heading\n-# small"

var (
	// discordUnescaped finds what Discord would parse: <…> mentions, masked
	// links ([ and ]) and mass mentions not broken by a zero-width space.
	discordUnescaped = regexp.MustCompile(`(^|[^\\])[<\[\]]|@everyone|@here`)
	// discordEscape is a backslash escape of Discord's Markdown.
	discordEscape = regexp.MustCompile(`\\([[:punct:]])`)
)

// A Discord customer's name and text, and an agent's name and text relayed
// from Slack, cannot ping or hide a link on Discord: every message allows
// no mention and shows, escaped, exactly what was written.
func TestInjectionDiscord(t *testing.T) {
	const customerName = "@everyone <@&500000000000000001> [click](https://evil.example)"
	dfake := discordfake.New(discordfake.Options{Users: []discordfake.User{
		{ID: "42", Username: "camille", GlobalName: customerName, Locale: "en-US"}}})
	t.Cleanup(dfake.Close)
	agent := slackfake.User{ID: "U0EVIL", Name: "evil", DisplayName: "@here [boss](https://evil.example) <@42>"}
	sfake := slackfake.New(slackfake.Options{Channels: []string{agentsChannel}, Users: []slackfake.User{agent}})
	t.Cleanup(sfake.Close)
	startRelais(t, "", discordEnv(dfake, slackEnv(sfake)))
	waitDiscord(t, dfake, "the gateway session", func(s discordfake.State) bool { return s.Identifies == 1 })

	dm := dfake.DMChannel("42")
	dfake.UserSays("42", dm, discordTricks)
	dfake.UserSays("42", dm, "I want to talk to a human")
	sst := waitSlack(t, sfake, "the hand-over in Slack", func(s slackfake.State) bool {
		return strings.Contains(threadText(s), "I want to talk to a human")
	})
	top, _ := parent(sst)

	// The agent types a mention, a role, a channel and a masked link (Slack
	// sends them escaped), and uses Slack's own link and @channel tokens.
	sfake.AgentReply(agentsChannel, top.TS, agent.ID, "@everyone @here &lt;@42&gt; &lt;@&amp;500000000000000001&gt; "+
		"&lt;#300000000000000001&gt; [click](<https://evil.example>) <https://evil.example|masked> <!channel>")
	const wantAgent = "**@here [boss](https://evil.example) <@42>** (support): @everyone @here <@42> " +
		"<@&500000000000000001> <#300000000000000001> [click](https://evil.example) masked (https://evil.example)"
	st := waitDiscord(t, dfake, "the agent's reply", func(s discordfake.State) bool {
		_, ok := botSays(s, dm, "masked")
		return ok
	})

	posts := 0
	for _, m := range st.Posts() {
		if !m.Bot || m.InteractionID != "" {
			continue
		}
		posts++
		if !noMentions(m) {
			t.Errorf("message %q allows mentions: %s", m.Content, m.AllowedMentions)
		}
		if bad := discordUnescaped.FindString(m.Content); bad != "" {
			t.Errorf("message %q: Discord would parse %q", m.Content, bad)
		}
	}
	if posts < 3 {
		t.Fatalf("only %d bot messages on Discord", posts)
	}
	reply, _ := botSays(st, dm, "masked")
	if got := strings.ReplaceAll(discordEscape.ReplaceAllString(reply.Content, "$1"), "\u200b", ""); got != wantAgent {
		t.Errorf("the customer reads %q (escaped %q);\nwant %q", got, reply.Content, wantAgent)
	}

	// The Discord customer's name and text are inert in Slack too.
	sst = sfake.State()
	checkSlackPosts(t, sst)
	if thread := threadText(sst); !strings.Contains(thread, "> [click](https://evil.example) <https://evil.example>") {
		t.Errorf("the transcript does not show the customer's text as written:\n%s", thread)
	}
	var blocks any
	p, _ := parent(sst)
	json.Unmarshal([]byte(p.Blocks), &blocks)
	if shown := slackEntities.Replace(strings.Join(jsonStrings(blocks), "\n")); !strings.Contains(shown, customerName) {
		t.Errorf("the parent message does not name the customer as written: %s", p.Blocks)
	}
}
