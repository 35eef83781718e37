package bot_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/relaisbot/relais/bot"
	"github.com/relaisbot/relais/handoff"
	"github.com/relaisbot/relais/storage"
)

// scriptedFAQ answers from a table keyed by message text: a fake of the FAQ
// boundary, so these tests pin the Engine's behaviour, not the matcher's.
type scriptedFAQ map[string]bot.Answer

func (f scriptedFAQ) Answer(_ context.Context, q bot.Query) (bot.Answer, error) {
	a, ok := f[q.Text]
	if !ok {
		return bot.Answer{Lang: q.Lang.Or(q.Hint), Action: bot.ActionFallback, Confidence: 0.05}, nil
	}
	if q.Lang != "" {
		a.Lang = q.Lang
	}
	return a, nil
}

func (f scriptedFAQ) Entry(_ context.Context, id string, lang bot.Lang) (bot.Answer, error) {
	for _, a := range f {
		if a.FAQID == id {
			a.Lang, a.Action, a.Confidence = lang, bot.ActionAnswer, 1
			return a, nil
		}
	}
	return bot.Answer{}, bot.Errorf(bot.ENotFound, "no entry %s", id)
}

var faqAnswers = scriptedFAQ{
	"where is my parcel": {Lang: bot.LangEN, Action: bot.ActionAnswer, FAQID: "shipping.tracking", Topic: "shipping", Confidence: 0.9, Reply: "Track it on your orders page."},
	"où est mon colis":   {Lang: bot.LangFR, Action: bot.ActionAnswer, FAQID: "shipping.tracking", Topic: "shipping", Confidence: 0.9, Reply: "Suivez-le depuis vos commandes."},
	"refund": {Lang: bot.LangEN, Action: bot.ActionClarify, Confidence: 0.4, Candidates: []bot.Candidate{
		{ID: "returns.refund-time", Title: "When will I be refunded?", Score: 0.4},
		{ID: "returns.policy", Title: "How do I return an item?", Score: 0.3},
	}},
	"when will I be refunded":        {Lang: bot.LangEN, Action: bot.ActionAnswer, FAQID: "returns.refund-time", Topic: "returns", Confidence: 0.8, Reply: "Within 5 days."},
	"je veux parler à un conseiller": {Lang: bot.LangFR, Action: bot.ActionFallback},
	"hello":                          {Lang: bot.LangEN, Action: bot.ActionSmallTalk, SmallTalk: "greeting"},
}

// recorder is a Publisher that remembers what it was given.
type recorder struct {
	mu   sync.Mutex
	msgs []bot.Message
}

func (r *recorder) Publish(_ bot.Conversation, msgs []bot.Message) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, msgs...)
}

type fixture struct {
	engine *bot.Engine
	db     *storage.DB
	pub    *recorder
	now    time.Time
}

func newFixture(t testing.TB, cfg bot.Config) *fixture {
	t.Helper()
	db, err := storage.Open(context.Background(), filepath.Join(t.TempDir(), "relais.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if cfg.Shop.Name == "" {
		cfg.Shop = bot.Shop{Name: "Test Shop", SupportEmail: "help@test.example"}
	}
	f := &fixture{db: db, pub: &recorder{}, now: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}
	f.engine = bot.NewEngine(cfg, db, faqAnswers, handoff.NewPolicy(handoff.DefaultFrustrationThreshold), handoff.NewEscalator(false, bot.Hours{}, nil), nil)
	f.engine.SetClock(func() time.Time { return f.now })
	f.engine.AddPublisher(f.pub)
	return f
}

var clientSeq int

// send receives text (or a payload) from customer key on the widget.
func (f *fixture) send(t *testing.T, key, text, payload string) bot.Receipt {
	t.Helper()
	clientSeq++
	r, err := f.engine.Receive(context.Background(), bot.Inbound{
		Channel: bot.ChannelWidget, CustomerKey: key, Text: text, Payload: payload,
		ExternalID: fmt.Sprintf("client-%d", clientSeq),
	})
	if err != nil {
		t.Fatalf("Receive(%q): %v", text, err)
	}
	return r
}

// replies returns the bot messages answering message id.
func (f *fixture) replies(t *testing.T, convID, id int64) []bot.Message {
	t.Helper()
	msgs, err := f.db.Messages(context.Background(), convID, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []bot.Message
	for _, m := range msgs {
		if m.ReplyTo == id {
			out = append(out, m)
		}
	}
	return out
}

func TestFirstMessageGreetsAndAnswers(t *testing.T) {
	f := newFixture(t, bot.Config{})
	r := f.send(t, "alice", "where is my parcel", "")
	msgs, _ := f.db.Messages(context.Background(), r.Conversation.ID, 0, 100)
	var got []string
	for _, m := range msgs {
		got = append(got, fmt.Sprintf("%s/%s", m.Role, m.Action))
	}
	want := "bot/greeting customer/ bot/answer bot/feedback"
	if strings.Join(got, " ") != want {
		t.Fatalf("conversation = %v, want %s", got, want)
	}
	if !strings.Contains(msgs[0].Text, "Test Shop") {
		t.Errorf("greeting %q does not name the shop", msgs[0].Text)
	}
	if !msgs[1].Handled {
		t.Error("customer message not marked handled after the answer")
	}
	answer, prompt := msgs[2], msgs[3]
	if answer.FAQID != "shipping.tracking" || answer.Text != "Track it on your orders page." || answer.ReplyTo != msgs[1].ID {
		t.Errorf("answer = %+v", answer)
	}
	if len(prompt.QuickReplies) != 2 || prompt.QuickReplies[0].Payload != bot.PayloadHelpful || prompt.QuickReplies[1].Payload != bot.PayloadNotHelpful {
		t.Errorf("helpful prompt quick replies = %+v, want 👍/👎", prompt.QuickReplies)
	}
	if len(f.pub.msgs) != 4 {
		t.Errorf("published %d messages, want 4 (greeting, customer echo, answer, prompt)", len(f.pub.msgs))
	}
}

func TestInboundIsStoredBeforeProcessingAndResumable(t *testing.T) {
	f := newFixture(t, bot.Config{})
	ctx := context.Background()
	r, err := f.engine.Accept(ctx, bot.Inbound{Channel: bot.ChannelWidget, CustomerKey: "bob", Text: "where is my parcel", ExternalID: "c-1"})
	if err != nil {
		t.Fatal(err)
	}
	// A crash here: the message is stored and not answered.
	pending, err := f.db.UnhandledMessages(ctx, r.Conversation.ID, r.Message.ID)
	if err != nil || len(pending) != 1 || pending[0].ID != r.Message.ID {
		t.Fatalf("UnhandledMessages = %v, %v; want the accepted message", pending, err)
	}
	// After a restart the stored message is answered once.
	if err := f.engine.ProcessStored(ctx, pending[0]); err != nil {
		t.Fatal(err)
	}
	if err := f.engine.ProcessStored(ctx, pending[0]); err != nil {
		t.Fatal(err)
	}
	if got := f.replies(t, r.Conversation.ID, r.Message.ID); len(got) != 2 {
		t.Errorf("%d replies after processing twice, want 2 (answer + prompt, once)", len(got))
	}
}

func TestDuplicateExternalIDIsIgnored(t *testing.T) {
	f := newFixture(t, bot.Config{})
	ctx := context.Background()
	in := bot.Inbound{Channel: bot.ChannelWidget, CustomerKey: "carol", Text: "where is my parcel", ExternalID: "same-id"}
	first, err := f.engine.Receive(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	again, err := f.engine.Receive(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if !again.Duplicate || again.Message.ID != first.Message.ID || !again.Handled {
		t.Errorf("resend: receipt = %+v; want duplicate of message %d, handled", again, first.Message.ID)
	}
	msgs, _ := f.db.Messages(ctx, first.Conversation.ID, 0, 100)
	if len(msgs) != 4 {
		t.Errorf("%d messages stored, want 4: a resend stores and answers nothing", len(msgs))
	}
}

func TestValidation(t *testing.T) {
	f := newFixture(t, bot.Config{MaxMessageRunes: 10})
	ctx := context.Background()
	for _, tc := range []struct {
		text, kind string
		lang       bot.Lang
		want       string
	}{
		{"ceci est beaucoup trop long", bot.ETooLong, bot.LangFR, "trop long"},
		{"this is much too long", bot.ETooLong, bot.LangEN, "too long"},
		{"   ", bot.EInvalid, bot.LangEN, "empty"},
	} {
		_, err := f.engine.Accept(ctx, bot.Inbound{Channel: bot.ChannelWidget, CustomerKey: "dan", Text: tc.text, Lang: tc.lang})
		if bot.ErrorKind(err) != tc.kind || !strings.Contains(bot.ErrorMessage(err), tc.want) {
			t.Errorf("Accept(%q, %s) err = %v; want kind %s mentioning %q", tc.text, tc.lang, err, tc.kind, tc.want)
		}
	}
	if _, err := f.db.LatestConversation(ctx, bot.ChannelWidget, "dan"); bot.ErrorKind(err) != bot.ENotFound {
		t.Errorf("a refused message created a conversation (err = %v)", err)
	}
}

func TestFeedbackAndTwoThumbsDownOfferHonestHandoff(t *testing.T) {
	f := newFixture(t, bot.Config{})
	ctx := context.Background()
	r := f.send(t, "erin", "où est mon colis", "")
	up := f.send(t, "erin", "👍 Oui", bot.PayloadHelpful)
	if got := f.replies(t, r.Conversation.ID, up.Message.ID); len(got) != 1 || got[0].Action != bot.ActionFeedback || !strings.Contains(got[0].Text, "ravi") {
		t.Errorf("reply to 👍 = %+v, want French thanks", got)
	}
	f.send(t, "erin", "où est mon colis", "")
	down1 := f.send(t, "erin", "👎 Non", bot.PayloadNotHelpful)
	if got := f.replies(t, r.Conversation.ID, down1.Message.ID); len(got) != 1 || got[0].Action != bot.ActionFeedback ||
		len(got[0].QuickReplies) != 1 || got[0].QuickReplies[0].Payload != bot.PayloadHuman {
		t.Errorf("reply to first 👎 = %+v, want an apology offering a person", got)
	}
	f.send(t, "erin", "où est mon colis", "")
	down2 := f.send(t, "erin", "👎 Non", bot.PayloadNotHelpful)
	got := f.replies(t, r.Conversation.ID, down2.Message.ID)
	if len(got) != 1 || got[0].Action != bot.ActionHandoff || !strings.Contains(got[0].Text, "help@test.example") {
		t.Fatalf("reply to second 👎 in a row = %+v; want the honest no-human notice with the support email", got)
	}
	raw, err := sql.Open("sqlite3", f.db.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var helpful, unhelpful int
	if err := raw.QueryRowContext(ctx, `SELECT COUNT(*) FILTER (WHERE helpful), COUNT(*) FILTER (WHERE NOT helpful) FROM feedback`).Scan(&helpful, &unhelpful); err != nil {
		t.Fatal(err)
	}
	if helpful != 1 || unhelpful != 2 {
		t.Errorf("feedback rows: %d helpful, %d unhelpful; want 1 and 2", helpful, unhelpful)
	}
}

func TestClarifyOffersChoicesThenAnswersTheChoice(t *testing.T) {
	f := newFixture(t, bot.Config{})
	r := f.send(t, "fay", "refund", "")
	got := f.replies(t, r.Conversation.ID, r.Message.ID)
	if len(got) != 1 || got[0].Action != bot.ActionClarify {
		t.Fatalf("reply = %+v, want clarify", got)
	}
	qr := got[0].QuickReplies
	if len(qr) != 3 || qr[0].Payload != "faq:returns.refund-time" || qr[2].Payload != bot.PayloadHuman {
		t.Fatalf("quick replies = %+v; want both candidates and a person", qr)
	}
	choice := f.send(t, "fay", qr[0].Label, qr[0].Payload)
	got = f.replies(t, r.Conversation.ID, choice.Message.ID)
	if len(got) == 0 || got[0].Action != bot.ActionAnswer || got[0].FAQID != "returns.refund-time" {
		t.Errorf("reply to the choice = %+v, want the chosen entry's answer", got)
	}
}

func TestTwoFallbacksInARowHandOff(t *testing.T) {
	f := newFixture(t, bot.Config{})
	r1 := f.send(t, "gus", "blorp", "")
	if got := f.replies(t, r1.Conversation.ID, r1.Message.ID); len(got) != 1 || got[0].Action != bot.ActionFallback {
		t.Fatalf("first unknown message: %+v, want fallback", got)
	}
	r2 := f.send(t, "gus", "zzzz", "")
	if got := f.replies(t, r2.Conversation.ID, r2.Message.ID); len(got) != 1 || got[0].Action != bot.ActionHandoff {
		t.Fatalf("second unknown message in a row: %+v, want handoff", got)
	}
}

func TestExplicitHumanRequestInFrench(t *testing.T) {
	f := newFixture(t, bot.Config{DefaultLang: bot.LangFR})
	r := f.send(t, "hugo", "je veux parler à un conseiller", "")
	got := f.replies(t, r.Conversation.ID, r.Message.ID)
	if len(got) != 1 || got[0].Action != bot.ActionHandoff || !strings.Contains(got[0].Text, "personne ne peut reprendre") {
		t.Fatalf("reply = %+v, want the French no-human notice", got)
	}
}

func TestConcurrentMessagesOfOneCustomerAreSerialised(t *testing.T) {
	f := newFixture(t, bot.Config{})
	const n = 20
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			_, err := f.engine.Receive(context.Background(), bot.Inbound{
				Channel: bot.ChannelWidget, CustomerKey: "ivy", Text: "hello", ExternalID: fmt.Sprintf("ivy-%d", i)})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	conv, err := f.db.LatestConversation(context.Background(), bot.ChannelWidget, "ivy")
	if err != nil {
		t.Fatal(err)
	}
	msgs, _ := f.db.Messages(context.Background(), conv.ID, 0, 1000)
	var customers, greetings, answers int
	for _, m := range msgs {
		switch {
		case m.Role == bot.RoleCustomer:
			customers++
		case m.Action == bot.ActionGreeting:
			greetings++
		case m.Action == bot.ActionSmallTalk:
			answers++
		}
	}
	if customers != n || greetings != 1 || answers != n {
		t.Errorf("one conversation with %d customer messages, %d greetings, %d answers; want %d, 1, %d", customers, greetings, answers, n, n)
	}
}

func TestResolvedConversationStartsAfresh(t *testing.T) {
	f := newFixture(t, bot.Config{ReopenWindow: time.Hour})
	ctx := context.Background()
	resolve := func(id int64) {
		t.Helper()
		conv, err := f.db.Conversation(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		from := conv.State
		conv.State = bot.StateResolved
		if err := f.db.Commit(ctx, &bot.Change{Conversation: &conv, Transition: &bot.Transition{From: from, To: bot.StateResolved, Actor: "test"}}); err != nil {
			t.Fatal(err)
		}
	}
	r := f.send(t, "jo", "hello", "")
	resolve(r.Conversation.ID)
	f.now = f.now.Add(30 * time.Minute)
	again := f.send(t, "jo", "where is my parcel", "")
	if again.Conversation.ID != r.Conversation.ID {
		t.Fatalf("within the reopen window: conversation %d, want %d", again.Conversation.ID, r.Conversation.ID)
	}
	if c, _ := f.db.Conversation(ctx, r.Conversation.ID); c.State != bot.StateBot {
		t.Errorf("reopened conversation state = %s, want bot", c.State)
	}
	resolve(r.Conversation.ID)
	f.now = f.now.Add(2 * time.Hour)
	fresh := f.send(t, "jo", "where is my parcel", "")
	if fresh.Conversation.ID == r.Conversation.ID {
		t.Errorf("after the reopen window: same conversation %d, want a new one", r.Conversation.ID)
	}
}

// A customer who reopens a resolved conversation and asks for a person is
// handed over at once, in the language they write in.
func TestReopenedConversationCanBeHandedOver(t *testing.T) {
	f := newFixture(t, bot.Config{ReopenWindow: time.Hour})
	f.engine = bot.NewEngine(bot.Config{ReopenWindow: time.Hour, Shop: bot.Shop{Name: "S", SupportEmail: "s@x.example"}},
		f.db, faqAnswers, handoff.NewPolicy(handoff.DefaultFrustrationThreshold), waitingDesk{}, nil)
	f.engine.SetClock(func() time.Time { return f.now })
	ctx := context.Background()
	r := f.send(t, "kim", "hello", "")
	conv, _ := f.db.Conversation(ctx, r.Conversation.ID)
	conv.State = bot.StateResolved
	if err := f.db.Commit(ctx, &bot.Change{Conversation: &conv, Transition: &bot.Transition{From: bot.StateBot, To: bot.StateResolved, Actor: "test"}}); err != nil {
		t.Fatal(err)
	}
	f.send(t, "kim", "je veux parler à un conseiller", "")
	got, _ := f.db.Conversation(ctx, r.Conversation.ID)
	if got.State != bot.StateWaiting || got.Lang != bot.LangFR {
		t.Errorf("after asking for a person in a reopened conversation: state %s, lang %s; want waiting, fr", got.State, got.Lang)
	}
}

// waitingDesk hands every conversation over (a desk is configured).
type waitingDesk struct{}

func (waitingDesk) Escalate(_ context.Context, conv bot.Conversation, a bot.Assessment, _ string) (*bot.Change, error) {
	from := conv.State
	conv.State = bot.StateWaiting
	return &bot.Change{Conversation: &conv, Transition: &bot.Transition{From: from, To: bot.StateWaiting, Actor: "bot", Reason: a.Reason},
		Messages: []bot.Message{{Role: bot.RoleBot, Action: bot.ActionHandoff, Text: "a person will answer", Lang: conv.Lang}}}, nil
}

func TestTry(t *testing.T) {
	f := newFixture(t, bot.Config{})
	ctx := context.Background()
	for _, tc := range []struct {
		text   string
		lang   bot.Lang
		action bot.Action
		faqID  string
		reply  string
	}{
		{"where is my parcel", "", bot.ActionAnswer, "shipping.tracking", "Track it"},
		{"refund", "", bot.ActionClarify, "", "Which of these"},
		{"I want to talk to a human", "", bot.ActionHandoff, "", "nobody from the team"},
		{"blorp", bot.LangFR, bot.ActionFallback, "", "reformuler"},
	} {
		r, err := f.engine.Try(ctx, tc.text, tc.lang)
		if err != nil {
			t.Fatalf("Try(%q): %v", tc.text, err)
		}
		if r.Action != tc.action || r.FAQID != tc.faqID || !strings.Contains(r.Reply, tc.reply) {
			t.Errorf("Try(%q) = %s %q %q; want %s %q containing %q", tc.text, r.Action, r.FAQID, r.Reply, tc.action, tc.faqID, tc.reply)
		}
	}
	if _, err := f.db.LatestConversation(ctx, "", ""); bot.ErrorKind(err) != bot.ENotFound {
		t.Error("Try stored a conversation")
	}
}

func (waitingDesk) Reopen(context.Context, bot.Conversation, bot.Message) (*bot.Change, error) {
	return nil, bot.Errorf(bot.EUnavailable, "this fake desk does not reopen")
}
