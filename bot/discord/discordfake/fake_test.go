package discordfake_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/relaisbot/relais/bot/discord/discordfake"
)

// session returns a discordgo session whose requests to discord.com go to fake.
func session(t *testing.T, fake *discordfake.Server, token string) *discordgo.Session {
	t.Helper()
	s, err := discordgo.New("Bot " + token)
	if err != nil {
		t.Fatal(err)
	}
	s.Client = &http.Client{Transport: redirect{fake.URL()}}
	s.ShouldRetryOnRateLimit = false
	s.ShouldReconnectOnError = false
	s.StateEnabled = false
	s.SyncEvents = true
	return s
}

type redirect struct{ base string }

func (r redirect) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.URL.Scheme, req.URL.Host = "http", strings.TrimPrefix(r.base, "http://")
	return http.DefaultTransport.RoundTrip(req)
}

func TestREST(t *testing.T) {
	fake := discordfake.New(discordfake.Options{Users: []discordfake.User{{ID: "41", Username: "al", BlocksDMs: true}}})
	defer fake.Close()
	s := session(t, fake, fake.Options().Token)

	if me, err := s.User("@me"); err != nil || me.ID != discordfake.BotID || !me.Bot {
		t.Errorf("GET /users/@me = %+v, %v", me, err)
	}
	if _, err := session(t, fake, "wrong").User("@me"); !isREST(err, 401, 0) {
		t.Errorf("wrong token: %v, want 401", err)
	}
	if _, err := s.Request("GET", discordgo.EndpointAPI+"guilds/1/members", nil); !isREST(err, 404, 0) {
		t.Errorf("unknown route: %v, want a 404 JSON error", err)
	}
	dm, err := s.UserChannelCreate("41")
	if err != nil || dm.Type != discordgo.ChannelTypeDM || dm.ID != fake.DMChannel("41") {
		t.Fatalf("create DM = %+v, %v", dm, err)
	}
	if _, err := s.ChannelMessageSend(dm.ID, "hi"); !isREST(err, 403, 50007) {
		t.Errorf("DM to a user refusing DMs: %v, want 50007", err)
	}
	post := func(body string) error {
		_, err := s.RequestWithBucketID("POST", discordgo.EndpointChannelMessages(discordfake.SupportChannel), json.RawMessage(body), "x")
		return err
	}
	for range 2 {
		if err := post(`{"content":"once","nonce":"n1","enforce_nonce":true}`); err != nil {
			t.Fatal(err)
		}
	}
	if st := fake.State(); len(st.Posts()) != 1 || st.NonceReplays != 1 {
		t.Errorf("two posts with an enforced nonce: %d posts, %d replays; want 1 and 1", len(st.Posts()), st.NonceReplays)
	}
	for body, code := range map[string]int{
		`{"content":""}`: 50006, `{"content":"x","nonce":"` + strings.Repeat("n", 26) + `"}`: 50035,
		`{"content":"` + strings.Repeat("x", 2001) + `"}`:                                            50035,
		`{"components":[{"type":1,"components":[{"type":2,"style":1,"label":"a","custom_id":""}]}]}`: 50035,
	} {
		if err := post(body); !isREST(err, 400, code) {
			t.Errorf("post %.60s: %v, want 400 %d", body, err, code)
		}
	}
	fake.Inject(discordfake.RouteCreateMessage, discordfake.Fault{Status: 429, RetryAfter: 1.5, Times: 1})
	var rl *discordgo.RateLimitError
	if err := post(`{"content":"x"}`); !errors.As(err, &rl) || rl.RetryAfter != 1500*time.Millisecond {
		t.Errorf("rate-limited post: %v, want a RateLimitError of 1.5 s", err)
	}
	th, err := s.ThreadStartComplex(discordfake.SupportChannel, &discordgo.ThreadStart{Name: "t", Type: discordgo.ChannelTypeGuildPrivateThread})
	if err != nil || th.Type != discordgo.ChannelTypeGuildPrivateThread || th.ParentID != discordfake.SupportChannel {
		t.Fatalf("start thread = %+v, %v", th, err)
	}
	if err := s.ThreadMemberAdd(th.ID, "41"); err != nil {
		t.Errorf("add thread member: %v", err)
	}
	if c, _ := fake.State().Channel(th.ID); len(c.Members) != 2 {
		t.Errorf("thread members = %v", c.Members)
	}
}

func isREST(err error, status, code int) bool {
	var re *discordgo.RESTError
	return errors.As(err, &re) && re.Response.StatusCode == status && re.Message != nil && re.Message.Code == code
}

func TestGatewayAndInteractions(t *testing.T) {
	fake := discordfake.New(discordfake.Options{Users: []discordfake.User{{ID: "41", Username: "al", Locale: "fr"}},
		HeartbeatInterval: 50 * time.Millisecond})
	defer fake.Close()
	s := session(t, fake, fake.Options().Token)
	s.Identify.Intents = discordgo.IntentsAll
	events := make(chan any, 100)
	s.AddHandler(func(_ *discordgo.Session, m *discordgo.MessageCreate) { events <- m })
	s.AddHandler(func(_ *discordgo.Session, i *discordgo.InteractionCreate) { events <- i })
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	dm := fake.DMChannel("41")
	fake.UserSays("41", dm, "hello")
	m := (<-events).(*discordgo.MessageCreate)
	if m.Content != "hello" || m.Author.ID != "41" || m.GuildID != "" {
		t.Errorf("MESSAGE_CREATE = %+v", m.Message)
	}
	post, err := s.ChannelMessageSendComplex(dm, &discordgo.MessageSend{Content: "pick", Components: []discordgo.MessageComponent{
		discordgo.ActionsRow{Components: []discordgo.MessageComponent{discordgo.Button{Label: "A", CustomID: "a", Style: 1}}}}})
	if err != nil {
		t.Fatal(err)
	}
	if echo := (<-events).(*discordgo.MessageCreate); echo.ID != post.ID || !echo.Author.Bot {
		t.Errorf("the bot's own message was not echoed: %+v", echo.Message)
	}
	id, err := fake.UserClicks("41", post.ID, "a")
	if err != nil {
		t.Fatal(err)
	}
	i := (<-events).(*discordgo.InteractionCreate)
	if i.ID != id || i.MessageComponentData().CustomID != "a" || i.User.ID != "41" || i.Locale != "fr" || i.Message.ID != post.ID {
		t.Errorf("INTERACTION_CREATE = %+v", i.Interaction)
	}
	ack := &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredMessageUpdate}
	if err := s.InteractionRespond(i.Interaction, ack); err != nil {
		t.Errorf("callback: %v", err)
	}
	if err := s.InteractionRespond(i.Interaction, ack); !isREST(err, 400, 40060) {
		t.Errorf("second callback: %v, want 40060", err)
	}
	if _, ok := fake.WaitFor(2*time.Second, func(st discordfake.State) bool { return st.Heartbeats >= 2 }); !ok {
		t.Error("no heartbeats")
	}
}
