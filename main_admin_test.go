package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/relaisbot/relais/bot/discord/discordfake"
	"github.com/relaisbot/relais/handoff/slack/slackfake"
)

// People of the FAQ administration test: on Discord, Dana has the admin role
// and Bob has not; in Slack, Marie is an admin by her user id and Paul is not.
const (
	adminRole = "500000000000000001"
	dana      = "400000000000000010"
	bob       = "400000000000000011"
)

// Customers on Discord, each asking once (asking the same thing twice would
// rightly count as a repeat, a frustration signal).
var discordCustomers = []string{"400000000000000012", "400000000000000013", "400000000000000014"}

// discordFAQ runs /faq as user in the support channel and returns its
// answer once complete.
func discordFAQ(t *testing.T, fake *discordfake.Server, user, line string) string {
	t.Helper()
	id, err := fake.UserCommand(user, discordfake.SupportChannel, discordfake.CommandCall{Name: "faq", Options: map[string]string{"command": line}})
	if err != nil {
		t.Fatal(err)
	}
	st := waitDiscord(t, fake, "the answer to /faq "+line, func(st discordfake.State) bool {
		r := st.Replies(id)
		return len(r) > 0 && r[0].Content != ""
	})
	var parts []string
	for _, m := range st.Replies(id) {
		parts = append(parts, m.Content)
	}
	return strings.Join(parts, "\n")
}

// slackCommand runs a slash command as user in the agents' channel and
// returns its ephemeral replies, joined.
func slackCommand(t *testing.T, fake *slackfake.Server, user, command, text string) string {
	t.Helper()
	ref := fake.SlashCommand(user, agentsChannel, command, text)
	st := waitSlack(t, fake, "the reply to "+command+" "+text, func(st slackfake.State) bool {
		return len(st.ResponsesTo(ref)) > 0
	})
	var texts []string
	for _, r := range st.ResponsesTo(ref) {
		texts = append(texts, r.Text)
	}
	return strings.Join(texts, "\n")
}

// askDiscord sends a DM as user and returns the bot's messages, joined, up
// to the first with buttons (an answer ends with "did this help?" 👍/👎,
// "I don't know" with a button to a person).
func askDiscord(t *testing.T, fake *discordfake.Server, user, text string) string {
	t.Helper()
	dm := fake.DMChannel(user)
	before := len(fake.State().PostsIn(dm))
	fake.UserSays(user, dm, text)
	st := waitDiscord(t, fake, "the answer to "+text, func(st discordfake.State) bool {
		for _, m := range st.PostsIn(dm)[before:] {
			if m.Bot && len(m.Components) > 0 {
				return true
			}
		}
		return false
	})
	var said []string
	for _, m := range st.PostsIn(dm)[before:] {
		if m.Bot {
			said = append(said, m.Content)
			if len(m.Components) > 0 {
				break
			}
		}
	}
	return strings.Join(said, "\n")
}

// The FAQ is administered from Discord and Slack while Relais serves
// customers: an entry added with the Discord form answers the next question
// at once, non-admins are refused on both platforms, undo from Slack takes
// the entry back, and /relais stats shows the figures.
func TestFAQAdminEndToEnd(t *testing.T) {
	users := []discordfake.User{
		{ID: dana, Username: "dana", GlobalName: "Dana", Locale: "en-US", Roles: []string{adminRole}},
		{ID: bob, Username: "bob", GlobalName: "Bob", Locale: "en-US"},
	}
	for i, id := range discordCustomers {
		users = append(users, discordfake.User{ID: id, Username: fmt.Sprintf("customer%d", i), Locale: "en-US"})
	}
	dfake := discordfake.New(discordfake.Options{Users: users})
	t.Cleanup(dfake.Close)
	sfake := newFakeSlack(t)
	env := discordEnv(dfake, slackEnv(sfake))
	env["RELAIS_DISCORD_SUPPORT_CHANNEL"] = discordfake.SupportChannel
	env["RELAIS_ADMIN_DISCORD_ROLES"] = adminRole
	env["RELAIS_ADMIN_SLACK_USERS"] = "U0MARIE"
	startRelais(t, "", env)
	waitDiscord(t, dfake, "/faq registered", func(st discordfake.State) bool { return len(st.Commands) == 1 })

	const question = "do you gift wrap presents"
	const answer = "Yes, for free: tick gift wrap at checkout."
	if got := askDiscord(t, dfake, discordCustomers[0], question); strings.Contains(got, answer) {
		t.Fatalf("before the entry exists, the bot answers %q", got)
	}

	if got := discordFAQ(t, dfake, bob, "add shipping.gift-wrap en"); !strings.Contains(got, "only FAQ admins") {
		t.Errorf("/faq add by a Discord non-admin: %q", got)
	}
	id, err := dfake.UserCommand(dana, discordfake.SupportChannel, discordfake.CommandCall{Name: "faq", Options: map[string]string{"command": "add shipping.gift-wrap en"}})
	if err != nil {
		t.Fatal(err)
	}
	waitDiscord(t, dfake, "the form", func(st discordfake.State) bool { _, ok := st.Modal(id); return ok })
	sub, err := dfake.UserSubmitsModal(dana, id, map[string]string{"questions": question + "\ncan you wrap it as a present", "answer": answer})
	if err != nil {
		t.Fatal(err)
	}
	st := waitDiscord(t, dfake, "the saved form", func(st discordfake.State) bool { return len(st.Replies(sub)) > 0 })
	if got := st.Replies(sub)[0].Content; !strings.Contains(got, "revision 1") {
		t.Fatalf("saving the form: %q", got)
	}
	if got := askDiscord(t, dfake, discordCustomers[1], question); !strings.Contains(got, answer) {
		t.Errorf("after /faq add, the bot answers %q, want the new entry", got)
	}

	// Slack: a non-admin is refused; Marie's undo takes the entry back.
	if got := slackCommand(t, sfake, "U0PAUL", "/faq", "undo shipping.gift-wrap"); !strings.Contains(got, "only FAQ admins") {
		t.Errorf("/faq undo by a Slack non-admin: %q", got)
	}
	if got := slackCommand(t, sfake, "U0MARIE", "/faq", "history shipping.gift-wrap"); !strings.Contains(got, "Dana") {
		t.Errorf("/faq history does not name the author: %q", got)
	}
	if got := slackCommand(t, sfake, "U0MARIE", "/faq", "undo shipping.gift-wrap"); !strings.Contains(got, "deleted again") {
		t.Errorf("/faq undo: %q", got)
	}
	if got := askDiscord(t, dfake, discordCustomers[2], question); strings.Contains(got, answer) {
		t.Errorf("after /faq undo, the bot still answers %q", got)
	}

	if got := slackCommand(t, sfake, "U0MARIE", "/relais", "stats 7d"); !strings.Contains(got, "CSAT") {
		t.Errorf("/relais stats: %q", got)
	}
}
