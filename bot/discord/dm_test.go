package discord

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/relaisbot/relais/bot"
	"github.com/relaisbot/relais/bot/discord/discordfake"
	"github.com/relaisbot/relais/handoff"
)

func TestDMQuestionIsAnswered(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{cfg: Config{DMs: true}})
	dm := e.fake.DMChannel(alice)
	id := e.fake.UserSays(alice, dm, "How long does delivery take?")

	posts := e.waitPosts(dm, 3)
	want := []string{
		"Hello! I'm the Test Shop assistant.",
		"Delivery takes 2–4 days. Track it at https://shop.example/account_orders.",
		"Did this answer your question?",
	}
	for i, w := range want {
		if !strings.HasPrefix(posts[i].Content, w) {
			t.Errorf("post %d = %q, want it to start with %q", i, posts[i].Content, w)
		}
	}
	for i, p := range posts {
		if string(p.AllowedMentions) != `{"parse":[],"replied_user":false}` {
			t.Errorf("post %d: allowed_mentions %s, want no mention allowed", i, p.AllowedMentions)
		}
		if p.Nonce == "" || !p.EnforceNonce {
			t.Errorf("post %d: nonce %q, enforce_nonce %v; want an enforced nonce", i, p.Nonce, p.EnforceNonce)
		}
	}
	wantButtons := []discordfake.Button{
		{Label: "👍 Yes", CustomID: "qr:feedback:up", Style: 2}, {Label: "👎 No", CustomID: "qr:feedback:down", Style: 2},
	}
	if got := posts[2].Buttons(); !equalButtons(got, wantButtons) {
		t.Errorf("feedback buttons = %+v, want %+v", got, wantButtons)
	}
	if len(posts[0].Buttons())+len(posts[1].Buttons()) != 0 {
		t.Errorf("buttons on the greeting or answer: %s", describe(posts))
	}

	msgs := e.messages(alice)
	conv, _ := e.db.Conversation(t.Context(), msgs[0].ConversationID)
	if conv.CustomerName != "Alice" || conv.Lang != bot.LangEN {
		t.Errorf("conversation: name %q, lang %q; want Alice, en", conv.CustomerName, conv.Lang)
	}
	var customer []bot.Message
	for _, m := range msgs {
		if m.Role == bot.RoleCustomer {
			customer = append(customer, m)
		}
	}
	if len(customer) != 1 || customer[0].ExternalID != "discord:"+id || !customer[0].Handled {
		t.Errorf("stored customer messages: %+v; want one, handled, with external id discord:%s", customer, id)
	}
}

func TestButtonClickStoresFeedback(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{cfg: Config{DMs: true}})
	dm := e.fake.DMChannel(alice)
	e.fake.UserSays(alice, dm, "How long does delivery take?")
	prompt := e.waitPosts(dm, 3)[2]

	click, err := e.fake.UserClicks(alice, prompt.ID, "qr:feedback:up")
	if err != nil {
		t.Fatal(err)
	}
	posts := e.waitPosts(dm, 4)
	if !strings.HasPrefix(posts[3].Content, "Great, glad it helped") {
		t.Errorf("answer to 👍 = %q", posts[3].Content)
	}
	st := e.fake.State()
	cb, ok := st.Callback(click)
	if !ok || cb.Type != 7 || string(cb.Data) != `{"components":[]}` || cb.Delay > 3*time.Second {
		t.Errorf("interaction callback = %+v (found %v); want an update removing the buttons within 3 s", cb, ok)
	}
	if m, _ := st.Message(prompt.ID); len(m.Buttons()) != 0 || m.Content != prompt.Content {
		t.Errorf("clicked message after the click: %q %+v; want the same text without buttons", m.Content, m.Buttons())
	}

	var helpful bool
	if err := e.query(`SELECT helpful FROM feedback`).Scan(&helpful); err != nil || !helpful {
		t.Errorf("stored feedback: %v, %v; want helpful", helpful, err)
	}
	msgs := e.messages(alice)
	var click1 bot.Message
	for _, m := range msgs {
		if m.Payload != "" {
			click1 = m
		}
	}
	if click1.Text != "👍 Yes" || click1.Payload != bot.PayloadHelpful || click1.ExternalID != "discord:interaction:"+click {
		t.Errorf("stored click = %+v", click1)
	}
}

func TestDuplicateMessageIsStoredOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{cfg: Config{DMs: true}})
	dm := e.fake.DMChannel(alice)
	id := e.fake.UserSays(alice, dm, "How long does delivery take?")
	e.waitPosts(dm, 3)
	if err := e.fake.ResendMessage(id); err != nil {
		t.Fatal(err)
	}
	e.fake.UserSays(alice, dm, "q 1") // handled after the duplicate (same customer, in order)
	posts := e.waitPosts(dm, 5)
	if got := e.customerMessages(alice); len(got) != 2 {
		t.Errorf("stored customer messages = %q; want the question once, then q 1", got)
	}
	if len(posts) != 5 || !strings.HasPrefix(posts[3].Content, "a 1") {
		t.Errorf("posts: %s\nwant the duplicate unanswered", describe(posts))
	}
}

func TestOwnAndOtherBotsMessagesAreIgnored(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{cfg: Config{DMs: true, SupportChannel: discordfake.SupportChannel}})
	dm := e.fake.DMChannel(alice)
	e.fake.Dispatch("MESSAGE_CREATE", map[string]any{"id": "1", "channel_id": dm, "content": "from myself", "type": 0,
		"author": map[string]any{"id": discordfake.BotID, "username": "Relais", "bot": true}})
	e.fake.UserSays(other, discordfake.SupportChannel, "another bot speaking")
	e.fake.Dispatch("MESSAGE_CREATE", map[string]any{"id": "2", "channel_id": dm, "content": "", "type": 7,
		"author": map[string]any{"id": alice, "username": "alice_w"}}) // a system message (member joined)
	e.fake.Dispatch("MESSAGE_UPDATE", map[string]any{"id": "3", "channel_id": dm, "content": "an edit", "type": 0,
		"author": map[string]any{"id": alice, "username": "alice_w"}})
	e.fake.UserSays(alice, dm, "q 1")
	posts := e.waitPosts(dm, 3) // the bot's posts come back over the gateway too, and are ignored
	time.Sleep(100 * time.Millisecond)
	if got := e.customerMessages(alice); len(got) != 1 || got[0] != "q 1" {
		t.Errorf("stored customer messages = %q; want only q 1", got)
	}
	if _, err := e.db.LatestConversation(t.Context(), bot.ChannelDiscord, other); bot.ErrorKind(err) != bot.ENotFound {
		t.Errorf("a conversation was opened for another bot: %v", err)
	}
	if n := len(e.fake.State().Posts()); n != len(posts) {
		t.Errorf("bot posts: %d, want %d (only answers to alice)", n, len(posts))
	}
}

func TestMentionsNeverPing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{cfg: Config{DMs: true}, desk: true})
	dm := e.fake.DMChannel(alice)
	e.fake.UserSays(alice, dm, "Please ping everyone")
	e.fake.UserSays(alice, dm, "I want to talk to a human")
	posts := e.waitPosts(dm, 4)
	if want := `@` + "\u200b" + `everyone \<@123\> \<@&456\> \*\*bold\*\* \[click\]\(https://evil.example)`; posts[1].Content != want {
		t.Errorf("answer with mentions = %q\nwant %q", posts[1].Content, want)
	}
	conv, err := e.db.LatestConversation(t.Context(), bot.ChannelDiscord, alice)
	if err != nil || conv.State != bot.StateWaiting {
		t.Fatalf("after asking for a human: state %q, %v; want waiting", conv.State, err)
	}
	err = e.agents.Reply(t.Context(), conv.ID, agent("Marie *Support*"),
		handoff.DeskMessage{Text: "Hi @everyone and @here, <@123> <@&456> <#789>", ExternalID: "slack:1"})
	if err != nil {
		t.Fatal(err)
	}
	var reply discordfake.Message
	e.wait("the agent's reply", func(st discordfake.State) bool {
		for _, p := range st.PostsIn(dm) {
			if strings.Contains(p.Content, "(support): ") {
				reply = p
				return true
			}
		}
		return false
	})
	want := `**Marie \*Support\*** (support): Hi @` + "\u200b" + `everyone and @` + "\u200b" + `here, \<@123\> \<@&456\> \<#789\>`
	if reply.Content != want {
		t.Errorf("agent reply = %q\nwant %q", reply.Content, want)
	}
	var am map[string]any
	if err := json.Unmarshal(reply.AllowedMentions, &am); err != nil || len(am["parse"].([]any)) != 0 || am["users"] != nil || am["roles"] != nil {
		t.Errorf("allowed_mentions = %s; want {parse: []} and no users or roles", reply.AllowedMentions)
	}
}

func agent(name string) handoff.Agent { return handoff.Agent{ID: "U0AGENT", Name: name} }

func equalButtons(a, b []discordfake.Button) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
