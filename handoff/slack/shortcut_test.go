package slack_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/relaisbot/relais/bot"
	rslack "github.com/relaisbot/relais/handoff/slack"
	"github.com/relaisbot/relais/handoff/slack/slackfake"
)

// shortcut runs the "Propose as FAQ" shortcut as user on channel/ts and
// returns what the user is told.
func (f *fixture) shortcut(user, ts string) string {
	f.t.Helper()
	ref, err := f.fake.Shortcut(user, rslack.ShortcutDraft, channel, ts)
	if err != nil {
		f.t.Fatal(err)
	}
	st := f.waitFake("the shortcut's answer", func(st slackfake.State) bool {
		d, _ := st.DeliveryRef(ref)
		return len(st.ResponsesTo(ref)) > 0 && d.Acked
	})
	return st.ResponsesTo(ref)[0].Text
}

// ephemeral waits for a message only user sees in the thread, containing want.
func (f *fixture) ephemeral(user, thread, want string) {
	f.t.Helper()
	f.waitFake("an ephemeral message with "+want, func(st slackfake.State) bool {
		for _, e := range st.Ephemerals {
			if e.User == user && e.ThreadTS == thread && e.Channel == channel && strings.Contains(e.Text, want) {
				return true
			}
		}
		return false
	})
}

func TestDrafts(t *testing.T) {
	f, svc := adminFixture(t, setup{})
	question := "Can you gift-wrap my " + secretWord + " order?"
	f.say("cust-1", question, "")
	conv := f.handOff("cust-1")
	f.deliverAll()
	th := f.thread(conv.ID)
	ev, ts := f.fake.AgentReply(channel, th.Thread, "U0BOB", "Yes, we wrap it for free: tick “gift” at checkout.")
	f.acked(ev)

	// The shortcut on Bob's reply makes a draft of the exchange.
	if got := f.shortcut("U0BOB", ts); !strings.Contains(got, "Draft #1 saved") || !strings.Contains(got, "`approve 1 topic.slug`") {
		t.Errorf("shortcut answer %q", got)
	}
	drafts, err := f.db.FAQDrafts(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(drafts) != 1 {
		t.Fatalf("drafts %+v, want 1", drafts)
	}
	if d := drafts[0]; d.Question != question || d.Answer != "Yes, we wrap it for free: tick “gift” at checkout." ||
		d.Author != "Bob Durand (slack)" || d.Source != "slack:"+channel+":"+th.Thread+":"+ts || d.Lang != bot.LangEN {
		t.Errorf("draft %+v", d)
	}

	// The thread command on the same reply finds the same draft, and does
	// not reach the customer.
	ev2, _ := f.fake.AgentReply(channel, th.Thread, "U0BOB", "!faq orders.gift-wrap")
	f.acked(ev2)
	f.ephemeral("U0BOB", th.Thread, "already proposed: draft #1")
	if n := len(f.messages(conv.ID, bot.RoleAgent)); n != 1 {
		t.Errorf("%d agent messages stored, want 1: draft commands are not relayed", n)
	}

	// A later reply, proposed with "faq: draft" and a suggested id.
	ev3, _ := f.fake.AgentReply(channel, th.Thread, "U0ALICE", "The wrapping adds one day to the delivery.")
	ev4, _ := f.fake.AgentReply(channel, th.Thread, "U0ALICE", "FAQ: draft shipping.gift-delay")
	f.acked(ev3, ev4)
	f.ephemeral("U0ALICE", th.Thread, "`approve 2 shipping.gift-delay`")

	// Only agents' replies in a conversation thread can be proposed.
	var botPost string
	for _, m := range f.fake.State().Thread(channel, th.Thread) {
		if m.BotID != "" {
			botPost = m.TS
		}
	}
	if got := f.shortcut("U0BOB", botPost); !strings.Contains(got, "Choose an agent's reply") {
		t.Errorf("shortcut on a bot post: %q", got)
	}
	if got := f.shortcut("U0BOB", th.Thread); !strings.Contains(got, "Only a reply in a customer's thread") {
		t.Errorf("shortcut on the parent message: %q", got)
	}

	// An admin approves the first draft: the live FAQ answers the question.
	if got := f.command("U0BOB", "/faq", "approve 1 orders.gift-wrap"); !strings.Contains(got, "only FAQ admins") {
		t.Errorf("approve by a non-admin: %q", got)
	}
	if got := f.command("U0ALICE", "/faq", "drafts"); !strings.Contains(got, "#1") || !strings.Contains(got, "#2") {
		t.Errorf("/faq drafts: %q", got)
	}
	if got := f.command("U0ALICE", "/faq", "approve 1 orders.gift-wrap"); !strings.Contains(got, "Draft #1 approved") {
		t.Errorf("/faq approve: %q", got)
	}
	if id := matches(svc, question, bot.LangEN); id != "orders.gift-wrap" {
		t.Errorf("after the approval, the customer's question matches %q", id)
	}
}

func TestDraftNoQuestion(t *testing.T) {
	f, _ := adminFixture(t, setup{})
	conv := f.handOff("cust-1") // a button, not a question
	f.deliverAll()
	th := f.thread(conv.ID)
	ev, ts := f.fake.AgentReply(channel, th.Thread, "U0BOB", "note: we should document the gift wrapping")
	f.acked(ev)
	if got := f.shortcut("U0BOB", ts); !strings.Contains(got, "no customer question") {
		t.Errorf("shortcut without a question: %q", got)
	}
	ev, _ = f.fake.AgentReply(channel, th.Thread, "U0BOB", "!faq")
	f.acked(ev)
	f.ephemeral("U0BOB", th.Thread, "Reply to the customer first")
}

// The admin commands and the form work over the Events API too: commands
// are acknowledged at once, form problems come back in the HTTP answer.
func TestAdminOverEventsAPI(t *testing.T) {
	f, _ := adminFixture(t, setup{mode: rslack.ModeEvents})
	mux := http.NewServeMux()
	f.adapter.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	f.fake.UseHTTP(srv.URL+"/slack/events", srv.URL+"/slack/interactive")
	f.fake.UseHTTPCommands(srv.URL + "/slack/commands")

	if got := f.command("U0ALICE", "/faq", "list shipping en"); !strings.Contains(got, "shipping.tracking") {
		t.Errorf("/faq list over HTTP: %q", got)
	}
	f.fake.SlashCommand("U0ALICE", channel, "/faq", "edit shipping.tracking en")
	st := f.waitFake("the form", func(st slackfake.State) bool { return len(st.Views) == 1 })
	sub, err := f.fake.SubmitView("U0ALICE", st.Views[0].ID, map[string]string{"title": "Where is it?\nReally?", "questions": strings.Repeat("q", 301)})
	if err != nil {
		t.Fatal(err)
	}
	st = f.waitFake("the form's errors", func(st slackfake.State) bool { d, _ := st.DeliveryRef(sub); return d.Status != 0 })
	d, _ := st.DeliveryRef(sub)
	v, _ := st.View(st.Views[0].ID)
	if d.Status != http.StatusOK || !strings.Contains(string(d.Response), `"response_action":"errors"`) ||
		v.Errors["questions"] == "" || v.Closed {
		t.Errorf("submission answered %d %s; view %+v", d.Status, d.Response, v)
	}
}
