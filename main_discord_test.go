package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/relaisbot/relais/bot/discord/discordfake"
	"github.com/relaisbot/relais/handoff/slack/slackfake"
)

// discordEnv adds Discord on fake to an environment.
func discordEnv(fake *discordfake.Server, env map[string]string) map[string]string {
	if env == nil {
		env = map[string]string{}
	}
	env["RELAIS_DISCORD_TOKEN"] = fake.Options().Token
	env["RELAIS_DISCORD_API_BASE"] = fake.URL()
	return env
}

// waitDiscord waits until cond holds on the fake Discord.
func waitDiscord(t *testing.T, fake *discordfake.Server, what string, cond func(discordfake.State) bool) discordfake.State {
	t.Helper()
	st, ok := fake.WaitFor(10*time.Second, cond)
	if !ok {
		t.Fatalf("Discord: timed out waiting for %s; posts: %+v", what, st.Posts())
	}
	return st
}

// botSays reports whether the bot posted in channel a message containing text.
func botSays(st discordfake.State, channel, text string) (discordfake.Message, bool) {
	for _, m := range st.PostsIn(channel) {
		if m.Bot && strings.Contains(m.Content, text) {
			return m, true
		}
	}
	return discordfake.Message{}, false
}

// noMentions reports whether a message was sent allowing no mention at all.
func noMentions(m discordfake.Message) bool {
	var am struct {
		Parse       []string `json:"parse"`
		Users       []string `json:"users"`
		Roles       []string `json:"roles"`
		RepliedUser bool     `json:"replied_user"`
	}
	return json.Unmarshal(m.AllowedMentions, &am) == nil && am.Parse != nil && len(am.Parse) == 0 &&
		len(am.Users) == 0 && len(am.Roles) == 0 && !am.RepliedUser
}

// A Discord customer is answered from the FAQ, then handed to an agent in
// Slack, whose reply reaches Discord without pinging anyone.
func TestDiscordEndToEnd(t *testing.T) {
	dfake := discordfake.New(discordfake.Options{Users: []discordfake.User{{ID: "42", Username: "camille", GlobalName: "Camille", Locale: "fr"}}})
	t.Cleanup(dfake.Close)
	sfake := newFakeSlack(t)
	r := startRelais(t, "", discordEnv(dfake, slackEnv(sfake)))
	waitDiscord(t, dfake, "the gateway session", func(s discordfake.State) bool { return s.Identifies == 1 })

	dm := dfake.DMChannel("42")
	dfake.UserSays("42", dm, "Où est ma commande ?")
	st := waitDiscord(t, dfake, "the FAQ answer", func(s discordfake.State) bool {
		_, ok := botSays(s, dm, "suivre votre commande")
		return ok
	})
	answer, _ := botSays(st, dm, "suivre votre commande")
	if !noMentions(answer) {
		t.Errorf("answer allowed_mentions = %s, want none", answer.AllowedMentions)
	}

	dfake.UserSays("42", dm, "C'est inadmissible, je veux parler à un conseiller !!!")
	sst := waitSlack(t, sfake, "the hand-over in Slack", func(s slackfake.State) bool {
		p, ok := parent(s)
		return ok && strings.Contains(p.Blocks, "Discord") && len(s.Thread(agentsChannel, p.TS)) > 0
	})
	top, _ := parent(sst)
	waitDiscord(t, dfake, "the hand-over notice", func(s discordfake.State) bool {
		_, ok := botSays(s, dm, "Je transmets votre conversation")
		return ok
	})

	_, replyTS := sfake.AgentReply(agentsChannel, top.TS, "U0MARIE", "Bonjour Camille, je m'en occupe. @everyone <@42> <!channel>")
	st = waitDiscord(t, dfake, "Marie's reply", func(s discordfake.State) bool {
		_, ok := botSays(s, dm, "je m'en occupe")
		return ok
	})
	reply, _ := botSays(st, dm, "je m'en occupe")
	if !strings.Contains(reply.Content, "Marie") || !noMentions(reply) {
		t.Errorf("agent reply on Discord = %q, allowed_mentions %s; want Marie's name and no mention allowed", reply.Content, reply.AllowedMentions)
	}
	if strings.Contains(reply.Content, "@everyone") && !strings.Contains(reply.Content, "@\u200beveryone") && !strings.Contains(reply.Content, "\\@everyone") {
		t.Errorf("agent reply can ping everyone: %q", reply.Content)
	}
	waitSlack(t, sfake, "the ✓ on Marie's reply", func(s slackfake.State) bool {
		for _, re := range s.Reactions {
			if re.TS == replyTS && re.Name == "white_check_mark" {
				return true
			}
		}
		return false
	})
	if strings.Contains(r.stderr.String(), "inadmissible") {
		t.Error("the logs contain customer text")
	}
}
