package main

import (
	"strings"
	"testing"
	"time"

	"github.com/relaisbot/relais/bot/discord/discordfake"
	"github.com/relaisbot/relais/handoff/slack/slackfake"
)

// A Discord customer, answered by DM and then in a thread of the support
// channel, handed over to Marie in Slack, is erased with `relais customer
// erase` while the server runs: the server deletes what the bot wrote in the
// Slack thread (Marie's own reply stays), the customer's Discord thread and
// the bot's messages in their DM (theirs stay: a bot may not delete them),
// and no outbox item is left pending or failed.
func TestEraseDiscordCustomerEverywhere(t *testing.T) {
	const user = "42"
	dfake := discordfake.New(discordfake.Options{Users: []discordfake.User{{ID: user, Username: "camille", GlobalName: "Camille", Locale: "fr"}}})
	t.Cleanup(dfake.Close)
	sfake := newFakeSlack(t)
	env := discordEnv(dfake, slackEnv(sfake))
	env["RELAIS_DISCORD_SUPPORT_CHANNEL"] = discordfake.SupportChannel
	r := startRelais(t, "", env)
	waitDiscord(t, dfake, "the gateway session", func(s discordfake.State) bool { return s.Identifies == 1 })

	dm := dfake.DMChannel(user)
	dfake.UserSays(user, dm, "Où est ma commande ?")
	waitDiscord(t, dfake, "the FAQ answer by DM", func(s discordfake.State) bool {
		_, ok := botSays(s, dm, "suivre votre commande")
		return ok
	})
	dfake.UserSays(user, discordfake.SupportChannel, "Je voudrais retourner un article")
	st := waitDiscord(t, dfake, "an answer in a thread", func(s discordfake.State) bool {
		th := s.Threads(discordfake.SupportChannel)
		return len(th) == 1 && len(s.PostsIn(th[0].ID)) > 0
	})
	thread := st.Threads(discordfake.SupportChannel)[0].ID
	dfake.UserSays(user, thread, "C'est inadmissible, je veux parler à un conseiller !!!")
	sst := waitSlack(t, sfake, "the hand-over in Slack", func(s slackfake.State) bool {
		p, ok := parent(s)
		return ok && len(s.Thread(agentsChannel, p.TS)) > 0
	})
	top, _ := parent(sst)
	_, agentTS := sfake.AgentReply(agentsChannel, top.TS, "U0MARIE", "Bonjour Camille, je m'en occupe.")
	waitDiscord(t, dfake, "Marie's reply in the thread", func(s discordfake.State) bool {
		_, ok := botSays(s, thread, "je m'en occupe")
		return ok
	})
	db := openSQL(t, r.DB)
	eventually(t, "every message delivered", func() bool {
		var n int
		return db.QueryRow(`SELECT COUNT(*) FROM outbox WHERE status = 'pending'`).Scan(&n) == nil && n == 0
	})
	st, sst = dfake.State(), sfake.State()
	if len(st.PostsIn(dm)) == 0 || len(st.PostsIn(thread)) == 0 || len(sst.Thread(agentsChannel, top.TS)) < 2 {
		t.Fatal("the conversation left no copies to erase")
	}

	out, stderr, err := runCmd(t, map[string]string{"RELAIS_DB": r.DB, "RELAIS_LOG_LEVEL": "error"}, "",
		"customer", "erase", "discord:"+user, "--yes")
	if err != nil || !strings.Contains(out, "Erased 1 conversations") {
		t.Fatalf("erase: %v\n%s%s", err, out, stderr)
	}

	// The server's dispatchers find the erasure within their poll interval.
	st, ok := dfake.WaitFor(20*time.Second, func(s discordfake.State) bool {
		_, kept := s.Channel(thread)
		return !kept && len(s.PostsIn(dm)) == 0
	})
	if !ok {
		_, kept := st.Channel(thread)
		t.Fatalf("Discord after the erasure: thread kept %v, %d bot messages in the DM; want none", kept, len(st.PostsIn(dm)))
	}
	for _, m := range st.Messages {
		if m.ChannelID == thread {
			t.Errorf("message %s left in the deleted thread", m.ID)
		}
	}
	if n := len(st.Messages); n != 2 {
		t.Errorf("%d messages left on Discord, want only the customer's 2 (in the DM and the support channel)", n)
	}
	sst, ok = sfake.WaitFor(20*time.Second, func(s slackfake.State) bool {
		_, kept := s.Message(agentsChannel, top.TS)
		return !kept
	})
	if !ok {
		t.Fatal("the hand-over summary is still in Slack")
	}
	for _, m := range sst.Posts() {
		if m.Channel == agentsChannel {
			t.Errorf("Relais's message %s is still in the agents' channel", m.TS)
		}
	}
	if left := sst.Thread(agentsChannel, top.TS); len(left) != 1 || left[0].TS != agentTS {
		t.Errorf("left in the Slack thread: %+v; want only Marie's own reply", left)
	}
	eventually(t, "the erasure items done", func() bool {
		var n int
		return db.QueryRow(`SELECT COUNT(*) FROM outbox WHERE status <> 'done'`).Scan(&n) == nil && n == 0
	})
	if logs := r.stderr.String(); strings.Contains(logs, "inadmissible") || strings.Contains(logs, "retourner") {
		t.Error("the logs contain customer text")
	}
	if !strings.Contains(r.stderr.String(), "erased a customer's copies") {
		t.Error("the server did not log the Discord erasure")
	}
}
