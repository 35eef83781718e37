package discord

import (
	"slices"
	"strings"
	"testing"

	"github.com/relaisbot/relais/bot/discord/discordfake"
)

const support = discordfake.SupportChannel

// threadOf waits for the n-th thread of the support channel to have a
// member besides the bot, and returns it.
func (e *env) threadOf(n int) discordfake.Channel {
	e.t.Helper()
	st := e.wait("a thread", func(st discordfake.State) bool {
		return len(st.Threads(support)) >= n && len(st.Threads(support)[n-1].Members) > 1
	})
	return st.Threads(support)[n-1]
}

func TestSupportChannelOpensPrivateThread(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{cfg: Config{SupportChannel: support, PrivateThreads: true}})
	e.fake.UserSays(alice, support, "How long does delivery take?")
	th := e.threadOf(1)
	if th.Type != discordfake.TypePrivateThread || th.Name != "Support · Alice" || !slices.Contains(th.Members, alice) {
		t.Errorf("thread = %+v; want a private thread named after Alice, with her in it", th)
	}
	posts := e.waitPosts(th.ID, 3)
	if !strings.HasPrefix(posts[1].Content, "Delivery takes") {
		t.Errorf("answer in the thread = %q", posts[1].Content)
	}
	if got := e.fake.State().PostsIn(support); len(got) != 0 {
		t.Errorf("bot posts in the support channel itself: %s", describe(got))
	}

	// The conversation continues in the thread; others writing there are not Alice.
	e.fake.UserSays(bob, th.ID, "q bob")
	e.fake.UserSays(alice, th.ID, "q 2")
	posts = e.waitPosts(th.ID, 5)
	if !strings.HasPrefix(posts[3].Content, "a 2") {
		t.Errorf("answer in the thread = %q; posts: %s", posts[3].Content, describe(posts))
	}
	// A click in her thread is hers.
	if _, err := e.fake.UserClicks(alice, posts[4].ID, "qr:feedback:down"); err != nil {
		t.Fatal(err)
	}
	posts = e.waitPosts(th.ID, 6)
	if !strings.HasPrefix(posts[5].Content, "Sorry this didn't help") {
		t.Errorf("answer to 👎 in the thread = %q", posts[5].Content)
	}
	// Writing in the support channel again continues in the same thread.
	e.fake.UserSays(alice, support, "q 3")
	posts = e.waitPosts(th.ID, 8)
	if n := len(e.fake.State().Threads(support)); n != 1 || !strings.HasPrefix(posts[6].Content, "a 3") {
		t.Errorf("%d threads, post %q; want the same thread to go on", n, posts[6].Content)
	}
	if got := e.customerMessages(alice); !slices.Equal(got, []string{"How long does delivery take?", "q 2", "👎 No", "q 3"}) {
		t.Errorf("Alice's stored messages = %q", got)
	}
	if _, err := e.db.LatestConversation(t.Context(), "discord", bob); err == nil {
		t.Error("Bob's message in Alice's thread was taken as his own conversation")
	}
}

func TestArchivedThreadIsReplaced(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{cfg: Config{SupportChannel: support, PrivateThreads: true}})
	e.fake.UserSays(alice, support, "q 1")
	th := e.threadOf(1)
	e.waitPosts(th.ID, 3)
	th.Archived = true
	e.fake.SetChannel(th)
	e.fake.UserSays(alice, support, "q 2")
	th2 := e.threadOf(2)
	if posts := e.waitPosts(th2.ID, 2); !strings.HasPrefix(posts[0].Content, "a 2") {
		t.Errorf("first post in the new thread = %q", posts[0].Content)
	}
}

func TestPublicThreads(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		private bool // asked for private threads, which the bot may not create
	}{{"configured", false}, {"fallback", true}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, envOptions{
				cfg:  Config{SupportChannel: support, PrivateThreads: tc.private},
				fake: discordfake.Options{NoPrivateThreads: true},
			})
			id := e.fake.UserSays(alice, support, "q 1")
			th := e.threadOf(1)
			if th.Type != discordfake.TypePublicThread || th.ID != id || !slices.Contains(th.Members, alice) {
				t.Errorf("thread = %+v; want a public thread from message %s with Alice in it", th, id)
			}
			if posts := e.waitPosts(th.ID, 3); !strings.HasPrefix(posts[1].Content, "a 1") {
				t.Errorf("answer in the thread = %q", posts[1].Content)
			}
		})
	}
}

func TestThreadFailureAnswersInSupportChannel(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{cfg: Config{SupportChannel: support}})
	e.fake.Inject(discordfake.RouteStartMessageThread, discordfake.Fault{Status: 403, Code: 50013, Message: "Missing Permissions", Times: -1})
	e.fake.UserSays(alice, support, "q 1")
	if posts := e.waitPosts(support, 3); !strings.HasPrefix(posts[1].Content, "a 1") {
		t.Errorf("answer in the support channel = %q", posts[1].Content)
	}
	if !strings.Contains(e.logs.String(), "cannot open a thread") {
		t.Errorf("the thread failure was not logged:\n%s", e.logs.String())
	}
}

func TestDMsOffIgnoresDMs(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{cfg: Config{SupportChannel: support}})
	e.fake.UserSays(alice, e.fake.DMChannel(alice), "q dm")
	e.fake.UserSays(alice, support, "q 1")
	th := e.threadOf(1)
	e.waitPosts(th.ID, 3)
	if got := e.customerMessages(alice); !slices.Equal(got, []string{"q 1"}) {
		t.Errorf("stored = %q; want the DM ignored", got)
	}
}

func TestDMAndThreadShareTheConversation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{cfg: Config{DMs: true, SupportChannel: support, PrivateThreads: true}})
	e.fake.UserSays(alice, support, "q 1")
	th := e.threadOf(1)
	e.waitPosts(th.ID, 3)
	dm := e.fake.DMChannel(alice)
	e.fake.UserSays(alice, dm, "q 2")
	if posts := e.waitPosts(dm, 2); !strings.HasPrefix(posts[0].Content, "a 2") {
		t.Errorf("reply to the DM = %q; want it in the DM, with no new greeting", posts[0].Content)
	}
	if got := e.customerMessages(alice); !slices.Equal(got, []string{"q 1", "q 2"}) {
		t.Errorf("stored = %q; want one conversation", got)
	}
}
