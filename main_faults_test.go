package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket/wsjson"

	"github.com/relaisbot/relais/bot"
	"github.com/relaisbot/relais/bot/discord"
	"github.com/relaisbot/relais/bot/discord/discordfake"
	"github.com/relaisbot/relais/handoff/slack/slackfake"
)

// Platform faults end to end ("Prove it holds", item 2): Slack and Discord
// fail for a while (HTTP 500, 429 with Retry-After, calls that hang past
// the client's timeout, dropped connections, events sent twice); once they
// recover, every message has been delivered once and in order. A revoked
// Slack token is loud, visible on /readyz and honest with customers, and
// loses nothing.

// widgetLog reads a widget connection's frames and keeps what the customer
// saw: the messages shown and the acknowledgements of what they sent.
type widgetLog struct {
	c      *wsClient
	msgs   []wireMessage
	acks   map[string]int64
	errors map[string]string // client id → error code
}

func newWidgetLog(c *wsClient) *widgetLog {
	return &widgetLog{c: c, acks: map[string]int64{}, errors: map[string]string{}}
}

// until reads frames until cond holds (checked before each read).
func (l *widgetLog) until(what string, cond func() bool) {
	l.c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	for !cond() {
		var f frame
		if err := wsjson.Read(ctx, l.c.conn, &f); err != nil {
			l.c.t.Fatalf("widget: waiting for %s: %v; messages so far: %+v", what, err, l.msgs)
		}
		switch f.Type {
		case "ack":
			l.acks[f.ClientID] = f.ID
		case "error":
			l.errors[f.ClientID] = f.Code
		case "message":
			var m wireMessage
			if err := json.Unmarshal(f.Message, &m); err != nil {
				l.c.t.Fatalf("bad message frame: %v", err)
			}
			l.msgs = append(l.msgs, m)
		}
	}
}

// say sends a customer message and waits for its acknowledgement. Like the
// widget, it sends again a message refused for going too fast (a
// connection may send 10 messages at once, then one a second).
func (l *widgetLog) say(clientID, text string) {
	l.c.t.Helper()
	for {
		l.c.send(map[string]any{"type": "message", "client_id": clientID, "text": text})
		l.until("the ack of "+clientID, func() bool { return l.acks[clientID] != 0 || l.errors[clientID] != "" })
		switch code := l.errors[clientID]; code {
		case "":
			return
		case "rate_limited":
			delete(l.errors, clientID)
			time.Sleep(time.Second)
		default:
			l.c.t.Fatalf("message %s refused: %s", clientID, code)
		}
	}
}

// agentTexts returns the texts of the agents' messages among msgs, in order.
func agentTexts(msgs []wireMessage) []string {
	var out []string
	for _, m := range msgs {
		if m.Role == "agent" {
			out = append(out, m.Text)
		}
	}
	return out
}

// numbered returns "<prefix> 1 of n" … "<prefix> n of n".
func numbered(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s %02d of %02d", prefix, i+1, n)
	}
	return out
}

var customerMark = regexp.MustCompile(`Customer message \d\d of \d\d`)

// waitUntil polls cond (database state, logs, HTTP) until it holds.
func waitUntil(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// outboxDrained reports whether no item is pending for target.
func outboxDrained(t *testing.T, r *relais, target string) func() bool {
	db := openStore(t, r)
	return func() bool {
		depth, err := db.OutboxDepth(context.Background())
		return err == nil && depth[target] == 0
	}
}

// eventsSettled reports whether Relais acknowledged the latest delivery of
// every event, and counts the deliveries that were Slack retries.
func eventsSettled(st slackfake.State) (settled bool, retries int) {
	latest := map[string]slackfake.Delivery{}
	for _, d := range st.Deliveries {
		if d.Type == "events_api" {
			latest[d.EventID] = d
			if d.Retry > 0 {
				retries++
			}
		}
	}
	for _, d := range latest {
		if !d.Acked {
			return false, retries
		}
	}
	return true, retries
}

// A handed-over widget customer keeps writing while Slack answers
// chat.postMessage with 500s, then a 429, then hangs past the client's
// timeout, and the Socket Mode connection drops; the agent answers
// meanwhile and Slack sends events again. Afterwards every customer message
// is in the thread once, in order, and every agent reply reached the
// customer once, in order.
func TestSlackFaultsEndToEnd(t *testing.T) {
	fake := newFakeSlack(t)
	fake.RetryUnacked(time.Second, 3) // as Slack: an event whose ack was lost comes again
	env := slackEnv(fake)
	env["RELAIS_SLACK_TIMEOUT"] = "1500ms"
	r := startRelais(t, "", env)
	c := dialWidget(t, r.URL)
	w := c.hello("", 0, "en")
	if _, replies := c.ask("h", "I want to talk to a human"); len(replies) == 0 || replies[0].Action != "handoff" {
		t.Fatalf("replies = %+v; want the hand-over notice", replies)
	}
	st := waitSlack(t, fake, "the hand-over", func(s slackfake.State) bool {
		p, ok := parent(s)
		return ok && len(s.Thread(agentsChannel, p.TS)) > 0
	})
	top, _ := parent(st)
	log := newWidgetLog(c)
	agentWants := numbered("Agent reply", 4)
	agentSays := func(i int) { fake.AgentReply(agentsChannel, top.TS, "U0MARIE", agentWants[i]) }
	sees := func(n int) func() bool { // the n-th reply shown (any duplicate of an earlier one shows before)
		return func() bool { return slices.Contains(agentTexts(log.msgs), agentWants[n-1]) }
	}

	// Marie takes the conversation before the trouble starts.
	firstEvent, firstTS := fake.AgentReply(agentsChannel, top.TS, "U0MARIE", agentWants[0])
	log.until("the first agent reply", sees(1))
	waitSlack(t, fake, "the ✓ on the first reply", func(s slackfake.State) bool {
		return slices.ContainsFunc(s.Reactions, func(re slackfake.Reaction) bool { return re.TS == firstTS && re.Name == "white_check_mark" })
	})
	before := fake.State()

	// Slack fails: twice 500, then (after one success) a 429 asking to wait
	// 1 s, then (after one more success) a post that hangs for longer than
	// the client's 1.5 s timeout and has no effect.
	fake.Inject("chat.postMessage", slackfake.Fault{Times: 2, Status: http.StatusInternalServerError})
	fake.Inject("chat.postMessage", slackfake.Fault{Skip: 1, Times: 1, Status: http.StatusTooManyRequests, RetryAfter: 1})
	fake.Inject("chat.postMessage", slackfake.Fault{Skip: 1, Times: 1, Delay: 4 * time.Second})
	customerWants := numbered("Customer message", 10)
	for i := range 5 {
		log.say(fmt.Sprintf("m%d", i), customerWants[i])
	}
	agentSays(1)
	log.until("the second agent reply", sees(2))
	fake.DropConnections() // its ack may be lost with the connection: Slack retries it
	agentSays(2)           // sent once Relais has reconnected
	for i := 5; i < 10; i++ {
		log.say(fmt.Sprintf("m%d", i), customerWants[i])
	}
	if err := fake.ResendEvent(firstEvent); err != nil { // Slack sends the first reply again
		t.Fatal(err)
	}
	log.until("the third agent reply", sees(3))
	agentSays(3)
	log.until("the fourth agent reply", sees(4))

	// Recovery: everything pending goes out, every event is acknowledged.
	waitUntil(t, 20*time.Second, "the desk's outbox drained", outboxDrained(t, r, bot.TargetDesk))
	st, ok := fake.WaitFor(10*time.Second, func(s slackfake.State) bool { settled, _ := eventsSettled(s); return settled })
	if !ok {
		t.Fatalf("Slack events not all acknowledged: %+v", st.Deliveries)
	}

	var inThread []string
	for _, m := range st.Thread(agentsChannel, top.TS) {
		inThread = append(inThread, customerMark.FindAllString(m.Text, -1)...)
	}
	if !slices.Equal(inThread, customerWants) {
		t.Errorf("customer messages in the Slack thread:\n%q\nwant each once, in order:\n%q", inThread, customerWants)
	}
	if got := agentTexts(log.msgs); !slices.Equal(got, agentWants) {
		t.Errorf("agent replies the customer saw live:\n%q\nwant each once, in order:\n%q", got, agentWants)
	}
	c2 := dialWidget(t, r.URL)
	if got := agentTexts(c2.hello(w.Token, 0, "en").Messages); !slices.Equal(got, agentWants) {
		t.Errorf("agent replies in the customer's history:\n%q\nwant each once, in order:\n%q", got, agentWants)
	}

	calls := st.Calls["chat.postMessage"] - before.Calls["chat.postMessage"]
	posts := len(st.Posts()) - len(before.Posts())
	_, retries := eventsSettled(st)
	t.Logf("customer messages sent %d, in the thread %d; chat.postMessage calls %d, posts %d (failed %d); "+
		"agent replies sent %d, seen live %d; event deliveries %d, Slack retries %d; socket connections %d",
		len(customerWants), len(inThread), calls, posts, calls-posts, len(agentWants), len(agentTexts(log.msgs)),
		len(st.Deliveries), retries, st.Connections)
	if calls-posts < 4 {
		t.Errorf("only %d chat.postMessage calls failed; the faults were not exercised", calls-posts)
	}
	if retries < 1 || st.Connections < 2 {
		t.Errorf("%d event retries and %d connections; want a retry and a reconnection", retries, st.Connections)
	}
}

// unescape undoes Discord's markdown escaping, to compare a post with the
// stored text.
var unescape = strings.NewReplacer(`\`, "", "\u200b", "")

// A Discord DM customer asks questions while Discord answers message
// creations with 500s, a 429 and a call that hangs past the client's
// timeout after creating the message, and the gateway drops (messages
// written meanwhile come on RESUME, one twice); then the customer is handed
// to an agent whose replies meet a 500 and a lost answer. Afterwards every
// customer message is stored once, and every bot and agent message is
// posted once, in order.
func TestDiscordFaultsEndToEnd(t *testing.T) {
	const customer = "42"
	dfake := discordfake.New(discordfake.Options{Users: []discordfake.User{{ID: customer, Username: "camille", GlobalName: "Camille", Locale: "en"}}})
	t.Cleanup(dfake.Close)
	sfake := newFakeSlack(t)
	env := discordEnv(dfake, slackEnv(sfake))
	env["RELAIS_DISCORD_TIMEOUT"] = "1500ms"
	r := startRelais(t, "", env)
	waitDiscord(t, dfake, "the gateway session", func(s discordfake.State) bool { return s.Identifies == 1 })
	dm := dfake.DMChannel(customer)

	// Message creation fails: twice 500, then (after one success) a 429
	// asking to wait 1 s, then (after one more) a creation that Discord
	// carries out but answers only after the client gave up.
	lost := discordfake.Fault{Skip: 1, Times: 1, Delay: 4 * time.Second, Apply: true}
	dfake.Inject(discordfake.RouteCreateMessage, discordfake.Fault{Times: 2, Status: http.StatusInternalServerError})
	dfake.Inject(discordfake.RouteCreateMessage, discordfake.Fault{Skip: 1, Times: 1, Status: http.StatusTooManyRequests, RetryAfter: 1})
	dfake.Inject(discordfake.RouteCreateMessage, lost)
	questions := []string{"Where is my order?", "How do I return an item?", "How much is shipping?",
		"When will I get my refund?", "Do you ship abroad?", "Can I change my delivery address?"}
	var ids []string
	for _, q := range questions[:3] {
		ids = append(ids, dfake.UserSays(customer, dm, q))
	}
	waitDiscord(t, dfake, "the bot answering the first questions", func(s discordfake.State) bool {
		return s.Calls[discordfake.RouteCreateMessage] > 0
	})
	dfake.DropConnections()
	for _, q := range questions[3:] { // written while disconnected: replayed on RESUME
		ids = append(ids, dfake.UserSays(customer, dm, q))
	}
	if err := dfake.ResendMessage(ids[4]); err != nil { // and one of them twice
		t.Fatal(err)
	}
	waitDiscord(t, dfake, "the session resumed", func(s discordfake.State) bool { return s.Resumes >= 1 && s.Connected == 1 })

	// The customer asks for a person; once the bot's messages are out, Marie
	// answers while Discord fails again (a 500, then a lost answer).
	human := "I want to talk to a human"
	dfake.UserSays(customer, dm, human)
	sst := waitSlack(t, sfake, "the hand-over in Slack", func(s slackfake.State) bool {
		p, ok := parent(s)
		return ok && len(s.Thread(agentsChannel, p.TS)) > 0
	})
	top, _ := parent(sst)
	waitUntil(t, 20*time.Second, "the bot's messages posted", outboxDrained(t, r, discord.Target))
	dfake.Inject(discordfake.RouteCreateMessage, discordfake.Fault{Times: 1, Status: http.StatusInternalServerError})
	dfake.Inject(discordfake.RouteCreateMessage, lost)
	agentWants := numbered("Agent reply", 3)
	for _, text := range agentWants {
		sfake.AgentReply(agentsChannel, top.TS, "U0MARIE", text)
	}

	// Recovery: everything pending goes out.
	waitDiscord(t, dfake, "the last agent reply", func(s discordfake.State) bool {
		_, ok := botSays(s, dm, agentWants[2])
		return ok
	})
	waitUntil(t, 20*time.Second, "Discord's outbox drained", outboxDrained(t, r, discord.Target))

	db := openStore(t, r)
	conv, err := db.LatestConversation(context.Background(), bot.ChannelDiscord, customer)
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := db.Messages(context.Background(), conv.ID, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var asked []string
	var said []bot.Message // the bot's and the agent's, in order
	for _, m := range msgs {
		switch m.Role {
		case bot.RoleCustomer:
			asked = append(asked, m.Text)
		case bot.RoleBot, bot.RoleAgent:
			said = append(said, m)
		}
	}
	if want := append(slices.Clone(questions), human); !slices.Equal(asked, want) {
		t.Errorf("customer messages stored:\n%q\nwant each once, in order:\n%q", asked, want)
	}
	st := dfake.State()
	posts := st.PostsIn(dm)
	if len(posts) != len(said) {
		t.Errorf("%d posts in the DM for %d bot and agent messages; want one each", len(posts), len(said))
	}
	for i := range min(len(posts), len(said)) {
		want, _, _ := strings.Cut(said[i].Text, "\n")
		if got := unescape.Replace(posts[i].Content); !strings.Contains(got, unescape.Replace(want)) {
			t.Errorf("post %d = %q; want message %d (%s) %q", i, posts[i].Content, said[i].ID, said[i].Role, want)
		}
	}
	nonces := map[string]bool{}
	for _, p := range posts {
		if p.Nonce == "" || nonces[p.Nonce] {
			t.Errorf("post %q has nonce %q, seen before or empty", p.Content, p.Nonce)
		}
		nonces[p.Nonce] = true
	}
	answers := 0
	for _, m := range said {
		if m.Action == bot.ActionAnswer {
			answers++
		}
	}
	if answers != len(questions) {
		t.Errorf("%d FAQ answers stored for %d questions; want one each", answers, len(questions))
	}

	calls := st.Calls[discordfake.RouteCreateMessage]
	t.Logf("customer messages sent %d (+1 replayed twice), stored %d; bot and agent messages stored %d, posted %d; "+
		"create-message calls %d (failed or lost %d), nonce replays %d; gateway connections %d, resumes %d",
		len(questions)+1, len(asked), len(said), len(posts), calls, calls-len(posts), st.NonceReplays, st.Connections, st.Resumes)
	if st.NonceReplays < 2 || calls-len(posts) < 6 { // 2+1+1 in the first round, 1+1 in the second
		t.Errorf("%d nonce replays, %d failed calls; the faults were not exercised", st.NonceReplays, calls-len(posts))
	}
}

// readyz returns GET /readyz's status and checks.
func readyz(t *testing.T, r *relais) (int, map[string]string) {
	t.Helper()
	resp, err := http.Get(r.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Ready  bool              `json:"ready"`
		Checks map[string]string `json:"checks"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("GET /readyz: %v", err)
	}
	if body.Ready != (resp.StatusCode == http.StatusOK) {
		t.Errorf("GET /readyz = %d with ready %v", resp.StatusCode, body.Ready)
	}
	return resp.StatusCode, body.Checks
}

// slackMethods are the Web API methods Relais calls with the bot token.
var slackMethods = []string{"auth.test", "chat.postMessage", "chat.update", "reactions.add", "users.info",
	"conversations.replies", "chat.delete", "chat.postEphemeral", "conversations.open", "usergroups.users.list", "views.open"}

// Slack revokes the token while Relais runs: Relais says so loudly, /readyz
// reports the desk degraded, a customer who asks for a person is told
// honestly that it may take longer, and the hand-over waits in the outbox;
// once the token works again it is delivered and /readyz is ready.
func TestSlackRevokedToken(t *testing.T) {
	fake := newFakeSlack(t)
	r := startRelais(t, "", slackEnv(fake))
	waitSlack(t, fake, "the Socket Mode connection", func(s slackfake.State) bool { return s.Connected == 1 })
	waitUntil(t, 10*time.Second, "/readyz ready", func() bool { code, _ := readyz(t, r); return code == http.StatusOK })

	for _, m := range slackMethods {
		fake.Inject(m, slackfake.Fault{Error: "token_revoked", Times: -1})
	}
	fake.Inject("apps.connections.open", slackfake.Fault{Error: "invalid_auth", Times: -1})
	fake.DropConnections() // and the socket refuses to come back
	var checks map[string]string
	waitUntil(t, 10*time.Second, "/readyz to report Slack", func() bool {
		var code int
		code, checks = readyz(t, r)
		return code == http.StatusServiceUnavailable
	})
	if !strings.Contains(checks["slack"], "token") || checks["database"] != "ok" {
		t.Errorf("/readyz checks = %v; want slack degraded by a token problem, the database ok", checks)
	}

	// A new customer asks for a person: told the truth, and the hand-over is kept.
	c := dialWidget(t, r.URL)
	w := c.hello("", 0, "en")
	_, replies := c.ask("h", "I want to talk to a human")
	if len(replies) == 0 || replies[0].Action != "handoff" ||
		!strings.Contains(replies[0].Text, "may take longer than usual") || !strings.Contains(replies[0].Text, "nothing is lost") {
		t.Fatalf("replies = %+v; want the hand-over notice saying an agent may take longer", replies)
	}
	revoked := fake.State()
	waitSlack(t, fake, "the hand-over tried again", func(s slackfake.State) bool { // not given up on
		return s.Calls["chat.postMessage"] >= revoked.Calls["chat.postMessage"]+2
	})
	var loud string
	waitUntil(t, 5*time.Second, "the loud error about the bot token", func() bool {
		loud = errorLine(r.stderr.String(), "SLACK DESK IS DOWN", "bot token was refused", "token_revoked", "RELAIS_SLACK_BOT_TOKEN")
		return loud != ""
	})
	t.Logf("loud error: %s", loud)
	if line := errorLine(r.stderr.String(), "SLACK DESK IS DOWN", "app-level token", "invalid_auth", "RELAIS_SLACK_APP_TOKEN"); line == "" {
		t.Error("no ERROR names the refused app-level token and what to check")
	} else {
		t.Logf("loud error: %s", line)
	}
	code, checks := readyz(t, r)
	if code != http.StatusServiceUnavailable || !strings.Contains(checks["slack"], "token_revoked") || !strings.Contains(checks["slack"], "RELAIS_SLACK_BOT_TOKEN") {
		t.Errorf("/readyz = %d %v; want 503 naming the revoked bot token and what to fix", code, checks)
	}
	db := openStore(t, r)
	depth, err := db.OutboxDepth(context.Background())
	if err != nil || depth[bot.TargetDesk] == 0 {
		t.Fatalf("outbox depth = %v, %v; want the hand-over still queued", depth, err)
	}
	if _, ok := parent(fake.State()); ok {
		t.Fatal("a hand-over reached Slack with a revoked token")
	}
	attempts := fake.State().Calls["chat.postMessage"] - revoked.Calls["chat.postMessage"]

	// The token works again.
	fake.Heal()
	st := waitSlack(t, fake, "the hand-over once the token works", func(s slackfake.State) bool {
		p, ok := parent(s)
		return ok && len(s.Thread(agentsChannel, p.TS)) > 0
	})
	waitUntil(t, 15*time.Second, "/readyz ready again", func() bool { code, _ := readyz(t, r); return code == http.StatusOK })
	waitUntil(t, 5*time.Second, "the desk's outbox drained", outboxDrained(t, r, bot.TargetDesk))
	parents := 0
	for _, m := range st.Posts() {
		if m.ThreadTS == "" {
			parents++
		}
	}
	conv, err := db.LatestConversation(context.Background(), bot.ChannelWidget, widgetKey(w.Token))
	if err != nil {
		t.Fatal(err)
	}
	if th, err := db.DeskThread(context.Background(), conv.ID); err != nil || parents != 1 {
		t.Errorf("%d parent posts, thread %+v, %v; want the customer's one hand-over", parents, th, err)
	}
	t.Logf("chat.postMessage attempts while revoked %d (hand-over still queued); posts after recovery %d; socket connections %d; relais ERROR lines %d",
		attempts, len(st.Posts()), fake.State().Connections, strings.Count(r.stderr.String(), "level=ERROR"))
}

// errorLine returns the first ERROR line of logs containing every part, or "".
func errorLine(logs string, parts ...string) string {
	for _, line := range strings.Split(logs, "\n") {
		if !strings.Contains(line, "level=ERROR") {
			continue
		}
		all := true
		for _, p := range parts {
			all = all && strings.Contains(line, p)
		}
		if all {
			return line
		}
	}
	return ""
}
