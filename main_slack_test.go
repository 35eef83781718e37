package main

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/relaisbot/relais/bot"
	"github.com/relaisbot/relais/handoff/slack"
	"github.com/relaisbot/relais/handoff/slack/slackfake"
	"github.com/relaisbot/relais/storage"
)

const agentsChannel = "C0AGENTS"

// newFakeSlack starts a fake Slack with one agent, Marie.
func newFakeSlack(t *testing.T) *slackfake.Server {
	t.Helper()
	fake := slackfake.New(slackfake.Options{
		Channels:     []string{agentsChannel},
		Users:        []slackfake.User{{ID: "U0MARIE", Name: "marie.d", RealName: "Marie Dupont", DisplayName: "Marie"}},
		PingInterval: 500 * time.Millisecond,
	})
	t.Cleanup(fake.Close)
	return fake
}

// slackEnv is the environment of a Relais with the Slack desk in Socket Mode
// on fake, always open (so that the hand-over announces a wait).
func slackEnv(fake *slackfake.Server) map[string]string {
	o := fake.Options()
	return map[string]string{
		"RELAIS_SLACK_BOT_TOKEN": o.BotToken, "RELAIS_SLACK_APP_TOKEN": o.AppToken,
		"RELAIS_SLACK_CHANNEL": agentsChannel, "RELAIS_SLACK_API_URL": fake.URL(),
		"RELAIS_HOURS_SCHEDULE": "[]",
	}
}

// waitSlack waits until cond holds on the fake's state.
func waitSlack(t *testing.T, fake *slackfake.Server, what string, cond func(slackfake.State) bool) slackfake.State {
	t.Helper()
	st, ok := fake.WaitFor(10*time.Second, cond)
	if !ok {
		t.Fatalf("Slack: timed out waiting for %s; posts: %+v", what, st.Posts())
	}
	return st
}

// parent returns the handoff's parent message in the agents' channel.
func parent(st slackfake.State) (slackfake.Message, bool) {
	for _, m := range st.Posts() {
		if m.Channel == agentsChannel && m.ThreadTS == "" && strings.Contains(m.Blocks, slack.ActionClaim) {
			return m, true
		}
	}
	return slackfake.Message{}, false
}

// next reads frames until a message from role arrives.
func (c *wsClient) nextMessage(role string) wireMessage {
	c.t.Helper()
	for {
		_, msgs := c.next("message")
		for _, m := range msgs {
			if m.Role == role {
				return m
			}
		}
	}
}

func TestSlackDeskEndToEnd(t *testing.T) {
	fake := newFakeSlack(t)
	r := startRelais(t, "", slackEnv(fake))
	c := dialWidget(t, r.URL)
	w := c.hello("", 0, "fr")

	// A frustrated customer, whose text tries to ping the whole channel.
	_, replies := c.ask("c1", "Je veux parler à un conseiller, c'est la troisième fois !!! <!channel> @here <@U0MARIE>")
	if len(replies) != 1 || replies[0].Action != "handoff" || !strings.Contains(replies[0].Text, "vous n'aurez pas à vous répéter") {
		t.Fatalf("replies = %+v; want the French hand-over notice", replies)
	}
	st := waitSlack(t, fake, "the handoff and its transcript", func(s slackfake.State) bool {
		p, ok := parent(s)
		return ok && len(s.Thread(agentsChannel, p.TS)) > 0
	})
	top, _ := parent(st)
	transcript := ""
	for _, m := range st.Thread(agentsChannel, top.TS) {
		transcript += m.Text + "\n"
	}
	if !strings.Contains(transcript, "&lt;!channel&gt;") || !strings.Contains(transcript, "@\u200dhere") || !strings.Contains(transcript, "&lt;@U0MARIE&gt;") {
		t.Errorf("transcript does not neutralise the customer's mentions:\n%s", transcript)
	}
	for _, m := range st.Posts() {
		if strings.Contains(m.Text+m.Blocks, "<!channel>") || strings.Contains(m.Text+m.Blocks, "<@U0MARIE>") || strings.Contains(m.Text, " @here") {
			t.Errorf("a Slack post can ping: %q", m.Text)
		}
	}
	for _, want := range []string{"Claim", "Resolve", "Back to bot", "Website chat", "French", "asked for a person", "troisième fois"} {
		if !strings.Contains(top.Blocks+top.Text, want) {
			t.Errorf("parent message lacks %q: %s", want, top.Blocks)
		}
	}

	// Marie answers in the thread: the customer learns her name, then reads her.
	eventID, replyTS := fake.AgentReply(agentsChannel, top.TS, "U0MARIE", "Bonjour, je regarde votre commande &amp; je reviens vers vous.")
	if m := c.nextMessage("bot"); !strings.Contains(m.Text, "Marie, de notre équipe, prend en charge") {
		t.Errorf("claim notice = %q", m.Text)
	}
	if m := c.nextMessage("agent"); m.Author != "Marie" || m.Text != "Bonjour, je regarde votre commande & je reviens vers vous." {
		t.Errorf("agent message = %+v; want Marie's words as plain text", m)
	}
	waitSlack(t, fake, "the ✓ on Marie's reply", func(s slackfake.State) bool {
		for _, re := range s.Reactions {
			if re.TS == replyTS && re.Name == "white_check_mark" {
				return true
			}
		}
		return false
	})

	// Slack retries the event: nothing new. A note stays internal.
	if err := fake.ResendEvent(eventID); err != nil {
		t.Fatal(err)
	}
	noteID, _ := fake.AgentReply(agentsChannel, top.TS, "U0MARIE", "note: client déjà remboursé une fois")
	waitSlack(t, fake, "the resent event and the note acknowledged", func(s slackfake.State) bool {
		d1, ok1 := s.Delivery(eventID)
		d2, ok2 := s.Delivery(noteID)
		return ok1 && ok2 && d1.Retry == 1 && d1.Acked && d2.Acked
	})
	db := openStore(t, r)
	conv, err := db.LatestConversation(context.Background(), bot.ChannelWidget, widgetKey(w.Token))
	if err != nil {
		t.Fatal(err)
	}
	msgs, _ := db.Messages(context.Background(), conv.ID, 0, 100)
	var agentMsgs int
	for _, m := range msgs {
		if m.Role == bot.RoleAgent {
			agentMsgs++
			if strings.Contains(m.Text, "remboursé") {
				t.Errorf("the note reached the customer: %q", m.Text)
			}
		}
	}
	if agentMsgs != 1 {
		t.Errorf("%d agent messages stored, want 1 (the retry is ignored, the note is internal)", agentMsgs)
	}

	// Resolve: the customer is asked for a rating, which reaches the thread.
	id := strconv.FormatInt(conv.ID, 10)
	if err := fake.Click("U0MARIE", slack.ActionResolve, id); err != nil {
		t.Fatal(err)
	}
	closing := c.nextMessage("bot")
	if len(closing.QuickReplies) != 5 {
		t.Fatalf("closing message = %+v; want 5 rating buttons", closing)
	}
	c.send(map[string]any{"type": "message", "client_id": "rate", "text": closing.QuickReplies[4].Label, "payload": closing.QuickReplies[4].Payload})
	c.nextMessage("bot") // thanks
	waitSlack(t, fake, "the rating in the thread", func(s slackfake.State) bool {
		for _, m := range s.Thread(agentsChannel, top.TS) {
			if strings.Contains(m.Text, "5/5") {
				return true
			}
		}
		return false
	})
	if score, err := db.CSAT(context.Background(), conv.ID); err != nil || score != 5 {
		t.Errorf("stored CSAT = %d, %v; want 5", score, err)
	}

	// Back to bot: the bot answers again.
	if err := fake.Click("U0MARIE", slack.ActionBackToBot, id); err != nil {
		t.Fatal(err)
	}
	if m := c.nextMessage("bot"); !strings.Contains(m.Text, "Marie") {
		t.Errorf("back-to-bot notice = %q", m.Text)
	}
	if _, replies := c.ask("c2", "Où est ma commande ?"); len(replies) == 0 || replies[0].Action != "answer" {
		t.Errorf("after back to bot: replies %+v, want an FAQ answer", replies)
	}

	// Even at debug level, the logs hold no secret and nothing people wrote.
	o := fake.Options()
	logs := r.stderr.String()
	for _, secret := range []string{o.BotToken, o.AppToken, w.Token, "troisième fois", "je regarde votre commande", "remboursé", "Où est ma commande"} {
		if strings.Contains(logs, secret) {
			t.Errorf("the logs contain %q", secret)
		}
	}
}

// Slack rate-limits the first post; Relais restarts between the hand-over
// and the agent's reply: everything is still posted once and relayed.
func TestSlackRateLimitAndRestart(t *testing.T) {
	fake := newFakeSlack(t)
	fake.Inject("chat.postMessage", slackfake.Fault{Times: 1, Status: 429, RetryAfter: 1})
	dir := t.TempDir()
	r := startRelais(t, dir, slackEnv(fake))
	c := dialWidget(t, r.URL)
	w := c.hello("", 0, "en")
	c.ask("c1", "I want to talk to a human")
	st := waitSlack(t, fake, "the handoff after the 429", func(s slackfake.State) bool {
		p, ok := parent(s)
		return ok && len(s.Thread(agentsChannel, p.TS)) > 0
	})
	parents := 0
	for _, m := range st.Posts() {
		if m.ThreadTS == "" {
			parents++
		}
	}
	if parents != 1 || st.Calls["chat.postMessage"] < 2 {
		t.Fatalf("%d parent posts after %d calls; want exactly one, after a retry", parents, st.Calls["chat.postMessage"])
	}
	top, _ := parent(st)

	c.conn.CloseNow()
	if err := r.stop(); err != nil {
		t.Fatal(err)
	}
	r2 := startRelais(t, dir, slackEnv(fake))
	waitSlack(t, fake, "the restarted Relais connected", func(s slackfake.State) bool { return s.Connected == 1 && s.Connections == 2 })
	fake.AgentReply(agentsChannel, top.TS, "U0MARIE", "Hello, I'm here.")
	deadline := time.Now().Add(10 * time.Second)
	for {
		c2 := dialWidget(t, r2.URL)
		w2 := c2.hello(w.Token, 0, "en")
		last := w2.Messages[len(w2.Messages)-1]
		if last.Role == "agent" && last.Author == "Marie" && last.Text == "Hello, I'm here." {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the agent's reply did not reach the customer after the restart; last = %+v", last)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// openStore opens r's database for assertions (a second connection pool on
// the same file, as a tool would).
func openStore(t *testing.T, r *relais) *storage.DB {
	t.Helper()
	db, err := storage.Open(context.Background(), r.DB)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
