package discord

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/relaisbot/relais/bot"
	"github.com/relaisbot/relais/bot/discord/discordfake"
	"github.com/relaisbot/relais/handoff/slack"
	"github.com/relaisbot/relais/handoff/slack/slackfake"
)

const agentsChannel = "C0AGENTS"

// withSlack runs the Slack desk (the real adapter, on a fake Slack) next to
// the Discord channel: hand-overs open threads there, agents answer from there.
func (e *env) withSlack() *slackfake.Server {
	e.t.Helper()
	fake := slackfake.New(slackfake.Options{Channels: []string{agentsChannel}, PingInterval: 500 * time.Millisecond,
		Users: []slackfake.User{{ID: "U0MARIE", Name: "marie", RealName: "Marie Dupont", DisplayName: "Marie"}}})
	e.t.Cleanup(fake.Close)
	o := fake.Options()
	desk, err := slack.New(slack.Config{BotToken: o.BotToken, AppToken: o.AppToken, Channel: agentsChannel, APIURL: fake.URL()},
		e.db, e.logger)
	if err != nil {
		e.t.Fatal(err)
	}
	desk.SetDesk(e.agents)
	disp := bot.NewDispatcher(e.db, bot.TargetDesk, desk, bot.DispatcherConfig{Poll: 100 * time.Millisecond}, e.logger)
	e.db.OnOutbox(func(target string) {
		if target == bot.TargetDesk {
			disp.Kick()
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	if err := desk.Start(ctx); err != nil {
		cancel()
		e.t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() { desk.Run(ctx) })
	wg.Go(func() { disp.Run(ctx) })
	e.t.Cleanup(func() { cancel(); wg.Wait() })
	return fake
}

func TestFrustratedCustomerReachesSlackAndAgentReplies(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{cfg: Config{DMs: true}, desk: true})
	sl := e.withSlack()
	dm := e.fake.DMChannel(alice)
	e.fake.UserSays(alice, dm, "Third time I ask!!! This is a scam, I will file a chargeback")

	st, ok := sl.WaitFor(15*time.Second, func(st slackfake.State) bool { return len(st.Posts()) >= 2 })
	if !ok {
		t.Fatalf("no hand-over in Slack; posts: %+v", st.Posts())
	}
	parent := st.Posts()[0]
	if !strings.Contains(parent.Text+parent.Blocks, "Discord") {
		t.Errorf("Slack parent message does not say the customer is on Discord: %s", parent.Blocks)
	}
	if posts := e.waitPosts(dm, 2); !strings.Contains(posts[1].Content, "person") {
		t.Errorf("hand-over notice on Discord = %q", posts[1].Content)
	}

	// What Slack sends when an agent types "@everyone <@123> <@&456>" (Slack
	// escapes < > &); the Slack adapter turns it back into that text.
	_, ts := sl.AgentReply(agentsChannel, parent.TS, "U0MARIE", "Sorry! @everyone &lt;@123&gt; &lt;@&amp;456&gt; refunded")
	var reply string
	e.wait("the agent's reply on Discord", func(st discordfake.State) bool {
		for _, p := range st.PostsIn(dm) {
			if strings.HasPrefix(p.Content, "**Marie** (support): Sorry") {
				reply = p.Content
				return string(p.AllowedMentions) == `{"parse":[],"replied_user":false}`
			}
		}
		return false
	})
	if want := "**Marie** (support): Sorry! @\u200beveryone \\<@123\\> \\<@&456\\> refunded"; reply != want {
		t.Errorf("agent reply on Discord = %q\nwant %q", reply, want)
	}
	if _, ok := sl.WaitFor(10*time.Second, func(st slackfake.State) bool {
		for _, r := range st.Reactions {
			if r.TS == ts && r.Name == "white_check_mark" {
				return true
			}
		}
		return false
	}); !ok {
		t.Error("the agent's message was not marked delivered (✅) in Slack")
	}
}
