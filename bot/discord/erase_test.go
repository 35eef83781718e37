package discord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/relaisbot/relais/bot"
	"github.com/relaisbot/relais/bot/discord/discordfake"
)

// erase erases a Discord customer as `relais customer erase` does, and waits
// until the dispatcher has delivered the erasure.
func (e *env) erase(user string) {
	e.t.Helper()
	got, err := bot.NewPrivacy(e.db, e.engine, nil).Erase(context.Background(), bot.Customer{Channel: bot.ChannelDiscord, Key: user}, "admin")
	if err != nil || got.Copies == 0 {
		e.t.Fatalf("Erase(%s) = %+v, %v; want the Discord copies queued", user, got, err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		depth, err := e.db.OutboxDepth(context.Background())
		if err != nil {
			e.t.Fatal(err)
		}
		if depth[Target] == 0 {
			break
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("the erasure is still pending: %v", depth)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if f := e.failed(); len(f) != 0 {
		e.t.Fatalf("the dispatcher gave up: %v", f)
	}
}

// settle waits until every queued message was delivered.
func (e *env) settle() {
	e.t.Helper()
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if depth, err := e.db.OutboxDepth(context.Background()); err == nil && depth[Target] == 0 {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatal("outbox not drained")
		}
	}
}

// erasureLog returns the counts the erasure logged.
func (e *env) erasureLog() map[string]any {
	e.t.Helper()
	for line := range strings.Lines(e.logs.String()) {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) == nil && rec["msg"] == "discord: erased a customer's copies" {
			return rec
		}
	}
	e.t.Fatalf("no erasure logged:\n%s", e.logs.String())
	return nil
}

// said returns the messages user wrote in channel that still exist.
func said(st discordfake.State, user, channel string) int {
	n := 0
	for _, m := range st.Messages {
		if m.AuthorID == user && m.ChannelID == channel {
			n++
		}
	}
	return n
}

func wantCounts(t *testing.T, rec map[string]any, want map[string]float64) {
	t.Helper()
	for k, v := range want {
		if rec[k] != v {
			t.Errorf("erasure log %s = %v, want %v (log: %v)", k, rec[k], v, rec)
		}
	}
}

// Erasing a DM customer deletes every message the bot wrote in their DM,
// more than a page of history, and nothing else: the customer's own messages
// stay (a bot may not delete them), and so does another customer's DM.
func TestEraseDeletesBotMessagesInDM(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{cfg: Config{DMs: true}})
	dm := e.fake.DMChannel(alice)
	e.fake.UserSays(alice, dm, "q 1")
	e.waitPosts(dm, 3)
	for i := range 120 { // older notices of the bot, enough for a second page
		if _, err := e.adapter.session.ChannelMessageSend(dm, fmt.Sprintf("notice %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	e.fake.UserSays(alice, dm, "q 2")
	e.wait("the second answer", func(st discordfake.State) bool {
		posts := st.PostsIn(dm)
		return len(posts) > 124 && strings.HasPrefix(posts[len(posts)-1].Content, "Did this answer")
	})
	bobDM := e.fake.DMChannel(bob)
	e.fake.UserSays(bob, bobDM, "q bob")
	e.waitPosts(bobDM, 3)
	e.settle()
	before := e.fake.State()
	bots := len(before.PostsIn(dm))

	e.erase(alice)

	st := e.fake.State()
	if left := st.PostsIn(dm); len(left) != 0 {
		t.Errorf("%d of the bot's %d messages left in Alice's DM: %s", len(left), bots, describe(left))
	}
	if n := said(st, alice, dm); n != 2 {
		t.Errorf("Alice's own messages in her DM: %d, want her 2 kept", n)
	}
	if got, want := len(st.PostsIn(bobDM)), len(before.PostsIn(bobDM)); got != want {
		t.Errorf("Bob's DM: %d bot messages, want his %d untouched", got, want)
	}
	if n := st.Calls[discordfake.RouteDeleteMessage]; n != bots {
		t.Errorf("%d deletions asked, want one per bot message (%d): the customer's are not the bot's to delete", n, bots)
	}
	if n := st.Calls[discordfake.RouteListMessages]; n < 2 {
		t.Errorf("history listed %d times; want at least 2 pages for %d messages", n, bots+2)
	}
	wantCounts(t, e.erasureLog(), map[string]float64{keyDeleted: float64(bots), keyKept: 2, keyThreadsDeleted: 0, keyUnreachable: 0})
}

// Erasing a customer of the support channel deletes their thread with
// everything in it; another customer's thread stays, and so does the
// customer's own message in the support channel that started the thread.
func TestEraseDeletesCustomerThread(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{cfg: Config{SupportChannel: support}})
	first := e.fake.UserSays(alice, support, "q 1")
	th := e.threadOf(1)
	e.waitPosts(th.ID, 3)
	e.fake.UserSays(alice, th.ID, "q 2")
	e.waitPosts(th.ID, 5)
	e.fake.UserSays(bob, support, "q bob")
	bobs := e.threadOf(2)
	e.waitPosts(bobs.ID, 3)
	e.settle()

	e.erase(alice)

	st := e.fake.State()
	if _, ok := st.Channel(th.ID); ok {
		t.Error("Alice's thread still exists")
	}
	for _, m := range st.Messages {
		if m.ChannelID == th.ID {
			t.Errorf("message %s left in Alice's deleted thread", m.ID)
		}
	}
	if _, ok := st.Channel(bobs.ID); !ok || len(st.PostsIn(bobs.ID)) < 3 {
		t.Error("Bob's thread was touched")
	}
	if _, ok := st.Message(first); !ok {
		t.Error("Alice's own message in the support channel is gone; the bot has no right to delete it")
	}
	if n := st.Calls[discordfake.RouteDeleteMessage]; n != 0 {
		t.Errorf("%d messages deleted one by one; deleting the thread is enough", n)
	}
	wantCounts(t, e.erasureLog(), map[string]float64{keyThreadsDeleted: 1, keyDeleted: 0})
}

// Without Manage Threads the thread cannot be deleted: the bot deletes its
// own messages in it instead, reopening the thread, archived meanwhile.
func TestEraseWithoutManageThreadsDeletesOwnMessages(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{cfg: Config{SupportChannel: support, PrivateThreads: true},
		fake: discordfake.Options{NoManageThreads: true}})
	e.fake.UserSays(alice, support, "q 1")
	th := e.threadOf(1)
	e.waitPosts(th.ID, 3)
	e.fake.UserSays(alice, th.ID, "q 2")
	e.waitPosts(th.ID, 5)
	e.settle()
	th, _ = e.fake.State().Channel(th.ID)
	th.Archived = true // a week without activity
	e.fake.SetChannel(th)
	bots := len(e.fake.State().PostsIn(th.ID))

	e.erase(alice)

	st := e.fake.State()
	if _, ok := st.Channel(th.ID); !ok {
		t.Fatal("the thread is gone, although the bot may not delete threads")
	}
	if left := st.PostsIn(th.ID); len(left) != 0 {
		t.Errorf("%d of the bot's %d messages left in the thread: %s", len(left), bots, describe(left))
	}
	if n := said(st, alice, th.ID); n != 1 {
		t.Errorf("Alice's messages in the thread: %d, want her 1 kept", n)
	}
	if st.Calls[discordfake.RouteDeleteChannel] != 1 || st.Calls[discordfake.RouteEditChannel] != 1 {
		t.Errorf("calls %v; want one refused thread deletion and one unarchiving", st.Calls)
	}
	if !strings.Contains(e.logs.String(), "grant Manage Threads") {
		t.Error("the log does not say which permission is missing")
	}
	wantCounts(t, e.erasureLog(), map[string]float64{keyThreadsDeleted: 0, keyDeleted: float64(bots), keyKept: 1})
}

// A rate limit halfway through is reported to the dispatcher, and the retry
// finishes from what is left; a message deleted meanwhile by someone else,
// and a whole erasure delivered again (a crash before it was marked done),
// count as done.
func TestEraseRateLimitedAndRepeated(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{cfg: Config{DMs: true, SupportChannel: support}})
	dm := e.fake.DMChannel(alice)
	e.fake.UserSays(alice, dm, "q 1")
	e.waitPosts(dm, 3)
	e.fake.UserSays(alice, support, "q 2")
	th := e.threadOf(1)
	e.waitPosts(th.ID, 2)
	e.settle()
	payload, _ := json.Marshal(bot.ErasePayload{User: alice, Threads: []string{th.ID}})
	it := bot.OutboxItem{ID: 999, Target: Target, Kind: bot.KindErase, Payload: payload}

	e.fake.Inject(discordfake.RouteDeleteMessage, discordfake.Fault{Skip: 1, Times: 1, Status: 429, RetryAfter: 0.25})
	err := e.adapter.Deliver(t.Context(), it)
	var ra *bot.RetryAfterError
	if !errors.As(err, &ra) || ra.After < 200*time.Millisecond {
		t.Fatalf("Deliver under a rate limit: %v; want a RetryAfterError of 0.25 s", err)
	}
	if n := len(e.fake.State().PostsIn(dm)); n != 2 {
		t.Fatalf("after the rate limit %d bot messages left in the DM, want 2", n)
	}
	// The next message is deleted by someone else as the bot asks.
	e.fake.Inject(discordfake.RouteDeleteMessage, discordfake.Fault{Times: 1, Status: 404, Code: 10008, Message: "Unknown Message", Apply: true})
	if err := e.adapter.Deliver(t.Context(), it); err != nil {
		t.Fatalf("Deliver, retried: %v", err)
	}
	st := e.fake.State()
	if _, ok := st.Channel(th.ID); ok || len(st.PostsIn(dm)) != 0 {
		t.Fatalf("after the retry: thread kept %v, %d bot messages in the DM; want all gone", ok, len(st.PostsIn(dm)))
	}
	if err := e.adapter.Deliver(t.Context(), it); err != nil {
		t.Errorf("Deliver of a finished erasure: %v", err)
	}
	if n := e.fake.State().Calls[discordfake.RouteDeleteChannel]; n != 3 {
		t.Errorf("thread deletions asked %d times, want 3 (the last two find it gone)", n)
	}
}

// A DM channel the bot cannot open any more is skipped with a log line, not
// retried; the DM channel Relais knew is still cleaned when Discord confirms
// it is the customer's DM, and never when it is not.
func TestEraseUnreachableDM(t *testing.T) {
	t.Parallel()
	blocked := discordfake.Fault{Times: -1, Status: 403, Code: 50007, Message: "Cannot send messages to this user"}
	deleted := discordfake.Fault{Times: -1, Status: 404, Code: 10013, Message: "Unknown User"}
	tests := []struct {
		name      string
		fault     discordfake.Fault
		known     string // "dm", "support" or ""
		wantLeft  func(bots int) int
		wantUnrch float64
	}{
		{"blocked, DM unknown", blocked, "", func(bots int) int { return bots }, 1},
		{"account deleted, DM known", deleted, "dm", func(int) int { return 0 }, 0},
		{"account deleted, last answered in the support channel", deleted, "support", func(bots int) int { return bots }, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, envOptions{cfg: Config{DMs: true, SupportChannel: support}})
			dm := e.fake.DMChannel(alice)
			e.fake.UserSays(alice, dm, "q 1")
			e.waitPosts(dm, 3)
			e.settle()
			channel := dm
			if tc.known == "support" {
				channel = support
				if _, err := e.adapter.session.ChannelMessageSend(support, "Welcome to the support channel"); err != nil {
					t.Fatal(err)
				}
			}
			bots := len(e.fake.State().PostsIn(channel))
			p := bot.ErasePayload{User: alice}
			if tc.known != "" {
				p.Channel = channel
			}
			payload, _ := json.Marshal(p)
			e.fake.Inject(discordfake.RouteCreateDM, tc.fault)

			if err := e.adapter.Deliver(t.Context(), bot.OutboxItem{ID: 1, Target: Target, Kind: bot.KindErase, Payload: payload}); err != nil {
				t.Fatalf("Deliver: %v; want done", err)
			}
			if left := len(e.fake.State().PostsIn(channel)); left != tc.wantLeft(bots) {
				t.Errorf("%d of %d bot messages left in %s, want %d", left, bots, tc.known, tc.wantLeft(bots))
			}
			wantCounts(t, e.erasureLog(), map[string]float64{keyUnreachable: tc.wantUnrch})
		})
	}
}
