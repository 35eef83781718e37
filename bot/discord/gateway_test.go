package discord

import (
	"context"
	"log/slog"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/relaisbot/relais/bot"
	"github.com/relaisbot/relais/bot/discord/discordfake"
	"github.com/relaisbot/relais/handoff"
	"github.com/relaisbot/relais/storage"
)

func TestGatewayDropIsResumed(t *testing.T) {
	t.Parallel()
	for _, zlib := range []bool{false, true} {
		t.Run(map[bool]string{false: "json", true: "zlib"}[zlib], func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, envOptions{cfg: Config{DMs: true}, fake: discordfake.Options{Zlib: zlib}})
			dm := e.fake.DMChannel(alice)
			e.fake.UserSays(alice, dm, "q 1")
			e.waitPosts(dm, 3)

			e.fake.DropConnections()
			e.fake.UserSays(alice, dm, "q 2") // while disconnected: replayed on resume
			e.wait("a resume", func(st discordfake.State) bool { return st.Resumes == 1 && st.Connected == 1 })
			e.fake.UserSays(alice, dm, "q 3")
			posts := e.waitPosts(dm, 7)
			if got := contents(posts); got[3] != "a 2" || got[5] != "a 3" {
				t.Errorf("posts after the drop = %q; want a 2 then a 3", got)
			}
			if err := e.adapter.Healthy(); err != nil {
				t.Errorf("Healthy after reconnecting: %v", err)
			}

			e.fake.Reconnect() // op 7: Discord asks to reconnect
			e.wait("a second resume", func(st discordfake.State) bool { return st.Resumes == 2 && st.Connected == 1 })
			e.fake.UserSays(alice, dm, "q 4")
			if posts := e.waitPosts(dm, 9); posts[7].Content != "a 4" {
				t.Errorf("post after op 7 = %q", posts[7].Content)
			}
			if st := e.fake.State(); st.Identifies != 1 {
				t.Errorf("identifies = %d; want 1 (resumed, not re-identified)", st.Identifies)
			}
		})
	}
}

// startAdapter builds an Adapter for fake and starts it.
func startAdapter(t *testing.T, fake *discordfake.Server, cfg Config) (*Adapter, error) {
	t.Helper()
	db, err := storage.Open(t.Context(), filepath.Join(t.TempDir(), "relais.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	engine := bot.NewEngine(bot.Config{DurableChannels: []bot.Channel{bot.ChannelDiscord}}, db, fakeFAQ{},
		handoff.NewPolicy(handoff.DefaultFrustrationThreshold), handoff.NewEscalator(false, bot.Hours{}, nil), nil)
	if cfg.Token == "" {
		cfg.Token = fake.Options().Token
	}
	cfg.APIBase = fake.URL()
	a, err := New(cfg, engine, db, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a, a.Start(t.Context())
}

func TestStartFailsClearly(t *testing.T) {
	t.Parallel()
	fake := discordfake.New(discordfake.Options{Channels: []discordfake.Channel{
		{ID: "300000000000000002", Name: "secret", Type: discordfake.TypeText, NoAccess: true},
		{ID: "300000000000000003", Name: "voice", Type: 2},
	}})
	defer fake.Close()
	denied := discordfake.New(discordfake.Options{DenyMessageContent: true})
	defer denied.Close()
	for _, tc := range []struct {
		name string
		fake *discordfake.Server
		cfg  Config
		want string
	}{
		{"bad token", fake, Config{Token: "wrong", DMs: true}, "discord.token: Discord refused the bot token"},
		{"hidden channel", fake, Config{SupportChannel: "300000000000000002"}, "discord.support_channel: the bot cannot see channel"},
		{"unknown channel", fake, Config{SupportChannel: "300000000000000009"}, "discord.support_channel: the bot cannot see channel"},
		{"voice channel", fake, Config{SupportChannel: "300000000000000003"}, "is not a text channel"},
		{"message content intent", denied, Config{DMs: true}, "enable MESSAGE CONTENT INTENT"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := startAdapter(t, tc.fake, tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Start = %v; want an error containing %q", err, tc.want)
			}
			if h := a.Healthy(); h == nil {
				t.Error("Healthy after a failed Start = nil")
			}
			if err := a.Run(t.Context()); err == nil {
				t.Error("Run after a failed Start = nil; want an error")
			}
		})
	}
}

// TestCloseEndsEverything is not parallel: it checks that no goroutine of
// the adapter or discordgo is left, which other tests' adapters would blur.
func TestCloseEndsEverything(t *testing.T) {
	fake := discordfake.New(discordfake.Options{Users: people})
	defer fake.Close()
	a, err := startAdapter(t, fake, Config{DMs: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	fake.UserSays(alice, fake.DMChannel(alice), "q 1")
	start := time.Now()
	if err := a.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run after Close = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after Close")
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("Close took %v", took)
	}
	if _, ok := fake.WaitFor(2*time.Second, func(st discordfake.State) bool { return st.Connected == 0 }); !ok {
		t.Error("the gateway connection is still open after Close")
	}
	if err := a.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	var left string
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if left = leftGoroutines(); left == "" {
			return
		}
	}
	t.Errorf("goroutines left after Close:\n%s", left)
}

// leftGoroutines returns the stacks of goroutines running discordgo's
// session or the adapter's code.
func leftGoroutines() string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var left []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		for _, frame := range []string{"discordgo.(*Session)", "discord.(*Adapter)", "discord.(*serial)", "gorilla/websocket"} {
			if strings.Contains(g, frame) {
				left = append(left, g)
				break
			}
		}
	}
	return strings.Join(left, "\n\n")
}

func TestConfigValidation(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		cfg  Config
		want []string // substrings of the error; none: valid
	}{
		{Config{Token: "t", DMs: true}, nil},
		{Config{Token: "Bot t", SupportChannel: "300000000000000001", APIBase: "http://127.0.0.1:1/discord"}, nil},
		{Config{}, []string{"discord.token", "enable direct messages or set a support channel"}},
		{Config{Token: "t", SupportChannel: "#support"}, []string{"discord.support_channel"}},
		{Config{Token: "t", DMs: true, APIBase: "discord.com"}, []string{"discord.api_base"}},
	} {
		_, err := tc.cfg.validate()
		if len(tc.want) == 0 && err != nil {
			t.Errorf("validate(%+v) = %v; want valid", tc.cfg, err)
		}
		for _, w := range tc.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("validate(%+v) = %v; want an error with %q", tc.cfg, err, w)
			}
		}
	}
}
