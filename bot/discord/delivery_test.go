package discord

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/relaisbot/relais/bot"
	"github.com/relaisbot/relais/bot/discord/discordfake"
)

// contents returns the posts' texts.
func contents(posts []discordfake.Message) []string {
	out := make([]string, len(posts))
	for i, p := range posts {
		out[i] = p.Content
	}
	return out
}

func TestRateLimitThenDeliveredOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{cfg: Config{DMs: true}})
	e.fake.Inject(discordfake.RouteCreateMessage, discordfake.Fault{Status: 429, RetryAfter: 0.2, Times: 1})
	dm := e.fake.DMChannel(alice)
	start := time.Now()
	e.fake.UserSays(alice, dm, "q 1")
	posts := e.waitPosts(dm, 3)
	time.Sleep(100 * time.Millisecond)
	st := e.fake.State()
	if got := contents(st.PostsIn(dm)); len(got) != 3 || !strings.HasPrefix(got[0], "Hello") || got[1] != "a 1" {
		t.Errorf("posts = %q; want greeting, answer, prompt once each", got)
	}
	if calls := st.Calls[discordfake.RouteCreateMessage]; calls != 4 {
		t.Errorf("create message calls = %d, want 4 (one rate-limited)", calls)
	}
	if took := time.Since(start); took < 200*time.Millisecond {
		t.Errorf("delivered after %v; want the 0.2 s Retry-After honoured", took)
	}
	if len(e.failed()) != 0 || len(posts) != 3 {
		t.Errorf("failures: %v", e.failed())
	}
}

func TestAmbiguousFailureIsNotPostedTwice(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{cfg: Config{DMs: true}})
	// Discord creates the message, but the answer is lost (500): the retry
	// carries the same nonce and gets the message back instead of a new one.
	e.fake.Inject(discordfake.RouteCreateMessage, discordfake.Fault{Status: 500, Apply: true, Times: 1})
	dm := e.fake.DMChannel(alice)
	e.fake.UserSays(alice, dm, "q 1")
	e.waitPosts(dm, 3)
	time.Sleep(100 * time.Millisecond)
	st := e.fake.State()
	if got := contents(st.PostsIn(dm)); len(got) != 3 {
		t.Errorf("posts = %q; want each once", got)
	}
	if st.NonceReplays != 1 {
		t.Errorf("nonce replays = %d, want 1", st.NonceReplays)
	}
}

func TestLongMessageIsSplit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{cfg: Config{DMs: true}})
	// The second part fails once: the retry does not post the first again.
	e.fake.Inject(discordfake.RouteCreateMessage, discordfake.Fault{Skip: 2, Status: 500, Times: 1})
	dm := e.fake.DMChannel(alice)
	e.fake.UserSays(alice, dm, "a long answer please")
	posts := e.waitPosts(dm, 5)
	time.Sleep(100 * time.Millisecond)
	posts = e.fake.State().PostsIn(dm)
	var text []string
	for _, p := range posts[1:4] {
		if n := len([]rune(p.Content)); n > 2000 || len(p.Buttons()) != 0 {
			t.Errorf("part of %d characters with %d buttons", n, len(p.Buttons()))
		}
		text = append(text, p.Content)
	}
	if got, want := strings.Join(text, " "), strings.TrimSpace(strings.Repeat("word ", 900)); got != want || len(posts) != 5 {
		t.Errorf("%d posts; the parts joined differ from the answer: %d vs %d characters", len(posts), len(got), len(want))
	}
}

func TestForbiddenIsPermanent(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{cfg: Config{DMs: true}})
	e.fake.Inject(discordfake.RouteCreateMessage, discordfake.Fault{Status: 403, Code: 50001, Message: "Missing Access", Times: -1})
	dm := e.fake.DMChannel(alice)
	e.fake.UserSays(alice, dm, "q 1")
	e.wait("three failed posts", func(st discordfake.State) bool { return st.Calls[discordfake.RouteCreateMessage] >= 3 })
	time.Sleep(200 * time.Millisecond)
	failures := e.failed()
	if calls := e.fake.State().Calls[discordfake.RouteCreateMessage]; calls != 3 || len(failures) != 3 {
		t.Fatalf("%d calls, %d failures; want each of the 3 messages tried once and given up on", calls, len(failures))
	}
	if msg := failures[0].Error(); !strings.Contains(msg, "the bot cannot see the channel") || !strings.Contains(msg, "Missing Access") {
		t.Errorf("failure = %q; want what to fix and Discord's error", msg)
	}
}

func TestCustomerRefusingDMs(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{cfg: Config{DMs: true}})
	e.fake.UserSays(carol, e.fake.DMChannel(carol), "q 1")
	e.wait("failed posts", func(st discordfake.State) bool { return st.Calls[discordfake.RouteCreateMessage] >= 3 })
	time.Sleep(100 * time.Millisecond)
	if f := e.failed(); len(f) != 3 || !strings.Contains(f[0].Error(), "does not accept direct messages") {
		t.Errorf("failures = %v; want 3, saying the customer refuses DMs", f)
	}
}

func TestDeliverWithoutRouteOpensDM(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{cfg: Config{DMs: true}})
	// An agent's message for a customer whose route is unknown (say, the
	// conversation was imported): it goes by DM.
	c := &bot.Change{
		Conversation: &bot.Conversation{Channel: bot.ChannelDiscord, CustomerKey: bob, Lang: bot.LangFR, State: bot.StateAgent,
			CreatedAt: time.Now(), UpdatedAt: time.Now()},
		Messages: []bot.Message{{Role: bot.RoleAgent, Author: "Marie", Text: "Bonjour", CreatedAt: time.Now()}},
		Outbox:   []bot.OutboxItem{{Target: Target, Kind: bot.KindDeliver, MessageIndex: 1}},
	}
	if err := e.db.Commit(t.Context(), c); err != nil {
		t.Fatal(err)
	}
	posts := e.waitPosts(e.fake.DMChannel(bob), 1)
	if posts[0].Content != "**Marie** (support): Bonjour" {
		t.Errorf("post = %q", posts[0].Content)
	}
	if route, err := e.db.DiscordRoute(t.Context(), bob); err != nil || route != posts[0].ChannelID {
		t.Errorf("route = %q, %v; want the DM channel recorded", route, err)
	}
}

func TestManyMessagesInOrderPerCustomer(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{cfg: Config{DMs: true}})
	users := []string{alice, bob, carol}
	const perUser = 100 // 300 messages
	dms := map[string]string{}
	for _, u := range users[:2] {
		dms[u] = e.fake.DMChannel(u)
	}
	e.fake.SetChannel(discordfake.Channel{ID: "500000000000000001", Name: "carol-thread", Type: discordfake.TypePublicThread,
		ParentID: support, Members: []string{carol}})
	if err := e.db.SaveDiscordThread(t.Context(), carol, "500000000000000001", support); err != nil {
		t.Fatal(err)
	}
	dms[carol] = "500000000000000001"
	for i := range perUser {
		for _, u := range users {
			e.fake.UserSays(u, dms[u], fmt.Sprintf("q %s %d", u[len(u)-1:], i))
		}
	}
	for _, u := range users {
		e.wait("all answers to "+u, func(st discordfake.State) bool {
			posts := st.PostsIn(dms[u])
			return len(posts) > 0 && strings.HasPrefix(posts[len(posts)-1].Content, "Did this answer") &&
				countPrefix(posts, "a ") == perUser
		})
	}
	for _, u := range users {
		var want []string
		for i := range perUser {
			want = append(want, fmt.Sprintf("q %s %d", u[len(u)-1:], i))
		}
		if got := e.customerMessages(u); strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("%s: stored out of order:\n%q", u, got)
		}
		var answers []string
		for _, p := range e.fake.State().PostsIn(dms[u]) {
			if strings.HasPrefix(p.Content, "a ") {
				answers = append(answers, "q"+strings.TrimPrefix(p.Content, "a"))
			}
		}
		if strings.Join(answers, "|") != strings.Join(want, "|") {
			t.Errorf("%s: answered out of order:\n%q", u, answers)
		}
	}
}

func countPrefix(posts []discordfake.Message, prefix string) int {
	n := 0
	for _, p := range posts {
		if strings.HasPrefix(p.Content, prefix) {
			n++
		}
	}
	return n
}

// A refused token is an operator's problem, not the messages': they wait and
// are delivered once the token works again, and Healthy says so meanwhile.
func TestRefusedTokenKeepsMessagesWaiting(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{cfg: Config{DMs: true}})
	e.fake.Inject(discordfake.RouteCreateMessage, discordfake.Fault{Status: 401, Code: 0, Message: "401: Unauthorized", Times: 2})
	dm := e.fake.DMChannel(alice)
	e.fake.UserSays(alice, dm, "q 1")
	deadline := time.Now().Add(5 * time.Second)
	for err := e.adapter.Healthy(); err == nil || !strings.Contains(err.Error(), "discord.token"); err = e.adapter.Healthy() {
		if time.Now().After(deadline) {
			t.Fatalf("Healthy while the token is refused = %v; want the token named", err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	e.waitPosts(dm, 3)
	time.Sleep(100 * time.Millisecond)
	if got := contents(e.fake.State().PostsIn(dm)); len(got) != 3 || got[1] != "a 1" {
		t.Errorf("posts = %q; want greeting, answer, prompt once each", got)
	}
	if f := e.failed(); len(f) != 0 {
		t.Errorf("failures: %v; want none given up on", f)
	}
	if err := e.adapter.Healthy(); err != nil {
		t.Errorf("Healthy after a delivery = %v", err)
	}
}

// Many customers at once reuse the REST connections: Go's default client
// keeps two idle connections per host and closed the others after every
// busy moment (in production, a TLS handshake per call).
func TestRESTKeepsItsConnections(t *testing.T) {
	t.Parallel()
	var users []discordfake.User
	for i := range 48 {
		users = append(users, discordfake.User{ID: fmt.Sprint(9000 + i), Username: fmt.Sprint("customer", i)})
	}
	e := newEnv(t, envOptions{cfg: Config{DMs: true}, fake: discordfake.Options{Users: users}})
	// wave has 24 customers ask a question at once and returns the
	// connections Discord accepted once every one is answered.
	wave := func(us []discordfake.User) int {
		dms := make([]string, len(us))
		for i, u := range us {
			dms[i] = e.fake.DMChannel(u.ID)
		}
		for i, u := range us {
			e.fake.UserSays(u.ID, dms[i], "q 1")
		}
		st := e.wait("every customer answered", func(st discordfake.State) bool {
			for _, dm := range dms {
				if len(st.PostsIn(dm)) < 3 {
					return false
				}
			}
			return true
		})
		return st.TCPConnections
	}
	first := wave(users[:24])
	second := wave(users[24:])
	// A few more at most: a call may dial while another frees a connection.
	if opened := second - first; opened > 2 {
		t.Errorf("the second wave of 24 customers opened %d connections, want ≤ 2: the first wave's are kept", opened)
	}
}
