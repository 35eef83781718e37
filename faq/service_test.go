package faq

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/relaisbot/relais/bot"
)

// countingStore counts the calls to a Store.
type countingStore struct {
	fakeStore
	calls int
}

func (s *countingStore) FAQEntries(ctx context.Context) ([]Entry, error) {
	s.calls++
	return s.fakeStore.FAQEntries(ctx)
}

func (s *countingStore) SeedFAQ(ctx context.Context, entries []Entry) (bool, error) {
	s.calls++
	return s.fakeStore.SeedFAQ(ctx, entries)
}

func TestServiceLoadSeedsOnce(t *testing.T) {
	store := &fakeStore{}
	svc := NewService(store, DefaultFacts(), DefaultOptions(), discardLogger())
	if err := svc.Load(t.Context()); err != nil {
		t.Fatal(err)
	}
	seed := mustSeed(t)
	if got := len(svc.Entries()); got != len(seed) {
		t.Fatalf("after Load: %d entries, want the %d seed entries", got, len(seed))
	}

	// An admin deletes everything: a restart must not seed again.
	store.mu.Lock()
	store.entries = nil
	store.mu.Unlock()
	if err := svc.Load(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := len(svc.Entries()); got != 0 {
		t.Errorf("after a second Load on an emptied FAQ: %d entries, want 0", got)
	}
}

func TestServiceLoadError(t *testing.T) {
	boom := errors.New("disk on fire")
	svc := NewService(&fakeStore{err: boom}, DefaultFacts(), DefaultOptions(), discardLogger())
	if err := svc.Load(t.Context()); !errors.Is(err, boom) {
		t.Fatalf("Load = %v, want it to wrap %v", err, boom)
	}
	// The service still answers, from an empty FAQ.
	ans, err := svc.Answer(t.Context(), bot.Query{Text: "where is my order?"})
	if err != nil || ans.Action != bot.ActionFallback {
		t.Errorf("Answer without entries = %+v, %v; want a fallback", ans, err)
	}
}

func TestServiceReload(t *testing.T) {
	store := &fakeStore{}
	svc := NewService(store, DefaultFacts(), DefaultOptions(), discardLogger())
	if err := svc.Load(t.Context()); err != nil {
		t.Fatal(err)
	}
	q := bot.Query{Text: "can I get gift wrapping?"}
	if ans, _ := svc.Answer(t.Context(), q); ans.Action == bot.ActionAnswer {
		t.Fatalf("before the edit, %q answered with %s", q.Text, ans.FAQID)
	}
	store.put(Entry{ID: "orders.gift-wrap", Lang: bot.LangEN, Topic: "orders", Title: "Gift wrapping",
		Questions: []string{"gift wrapping", "can you wrap my order as a gift?", "do you do gift wrap"},
		Answer:    "Yes, tick \"Gift wrap\" at checkout ({shop_name})."})
	if err := svc.Reload(t.Context()); err != nil {
		t.Fatal(err)
	}
	ans, _ := svc.Answer(t.Context(), q)
	if ans.Action != bot.ActionAnswer || ans.FAQID != "orders.gift-wrap" {
		t.Fatalf("after the edit, %q = %s %s, want an answer with orders.gift-wrap", q.Text, ans.Action, ans.FAQID)
	}
	if want := "Yes, tick \"Gift wrap\" at checkout (Relais Demo Shop)."; ans.Reply != want {
		t.Errorf("Reply = %q, want %q", ans.Reply, want)
	}
}

func TestServiceAnswer(t *testing.T) {
	svc := newSeededService(t, DefaultOptions())
	tests := []struct {
		q         bot.Query
		action    bot.Action
		id        string
		lang      bot.Lang
		smallTalk string
	}{
		// The widget's browser test depends on this one.
		{bot.Query{Text: "Où est ma commande ?"}, bot.ActionAnswer, "shipping.tracking", bot.LangFR, ""},
		{bot.Query{Text: "Où est ma commande ?", Hint: bot.LangEN}, bot.ActionAnswer, "shipping.tracking", bot.LangFR, ""},
		{bot.Query{Text: "where is my parcel??"}, bot.ActionAnswer, "shipping.tracking", bot.LangEN, ""},
		{bot.Query{Text: "hi, where is my parcel?"}, bot.ActionAnswer, "shipping.tracking", bot.LangEN, ""},
		{bot.Query{Text: "je veux annuler ma commande"}, bot.ActionAnswer, "orders.cancel", bot.LangFR, ""},
		{bot.Query{Text: "my parcel arrived damaged"}, bot.ActionAnswer, "shipping.damaged", bot.LangEN, ""},
		{bot.Query{Text: "j'ai oublié mon mot de passe"}, bot.ActionAnswer, "account.password", bot.LangFR, ""},
		{bot.Query{Text: "how do I return an item"}, bot.ActionAnswer, "returns.policy", bot.LangEN, ""},
		{bot.Query{Text: "where is my order", Lang: bot.LangFR}, bot.ActionAnswer, "shipping.tracking", bot.LangFR, ""},
		{bot.Query{Text: "hi"}, bot.ActionSmallTalk, "", bot.LangEN, SmallTalkGreeting},
		{bot.Query{Text: "bonjour !", Hint: bot.LangEN}, bot.ActionSmallTalk, "", bot.LangFR, SmallTalkGreeting},
		{bot.Query{Text: "merci beaucoup"}, bot.ActionSmallTalk, "", bot.LangFR, SmallTalkThanks},
		{bot.Query{Text: "thanks, bye"}, bot.ActionSmallTalk, "", bot.LangEN, SmallTalkBye},
		{bot.Query{Text: "what's the weather like in Paris tomorrow?"}, bot.ActionFallback, "", bot.LangEN, ""},
		{bot.Query{Text: "tell me a joke"}, bot.ActionFallback, "", bot.LangEN, ""},
		{bot.Query{Text: "donne-moi une recette de crêpes"}, bot.ActionFallback, "", bot.LangFR, ""},
		{bot.Query{Text: "who won the world cup in 2018"}, bot.ActionFallback, "", bot.LangEN, ""},
		{bot.Query{Text: ""}, bot.ActionFallback, "", bot.LangEN, ""},
		{bot.Query{Text: "???", Hint: bot.LangFR}, bot.ActionFallback, "", bot.LangFR, ""},
	}
	for _, tt := range tests {
		ans, err := svc.Answer(t.Context(), tt.q)
		if err != nil {
			t.Fatalf("Answer(%+v): %v", tt.q, err)
		}
		if ans.Action != tt.action || ans.FAQID != tt.id || ans.Lang != tt.lang || ans.SmallTalk != tt.smallTalk {
			t.Errorf("Answer(%+v) = %s %q %s %q (confidence %.2f, candidates %v); want %s %q %s %q",
				tt.q, ans.Action, ans.FAQID, ans.Lang, ans.SmallTalk, ans.Confidence, ans.Candidates,
				tt.action, tt.id, tt.lang, tt.smallTalk)
		}
		if ans.Confidence < 0 || ans.Confidence > 1 {
			t.Errorf("Answer(%+v): confidence %v out of [0, 1]", tt.q, ans.Confidence)
		}
	}
}

// TestServiceAnswerContent checks what an answer carries: the rendered reply
// and the title in the customer's language, the topic.
func TestServiceAnswerContent(t *testing.T) {
	svc := newSeededService(t, DefaultOptions())
	ans, err := svc.Answer(t.Context(), bot.Query{Text: "Où est ma commande ?"})
	if err != nil {
		t.Fatal(err)
	}
	fr, _ := svc.index.Load().Entry("shipping.tracking", bot.LangFR)
	want := bot.Answer{
		Lang: bot.LangFR, Action: bot.ActionAnswer, FAQID: "shipping.tracking", Topic: "shipping",
		Confidence: ans.Confidence,
		Candidates: []bot.Candidate{{ID: "shipping.tracking", Title: fr.Title, Topic: "shipping", Score: ans.Confidence}},
		Reply:      DefaultFacts().Render(fr.Answer, bot.LangFR),
	}
	if diff := cmp.Diff(want, ans); diff != "" {
		t.Errorf("Answer mismatch (-want +got):\n%s", diff)
	}
	if !strings.Contains(ans.Reply, "https://shop.example/account/orders") || strings.ContainsAny(ans.Reply, "{}") {
		t.Errorf("Reply not rendered: %q", ans.Reply)
	}
}

func TestServiceEntry(t *testing.T) {
	store := &fakeStore{}
	svc := NewService(store, DefaultFacts(), DefaultOptions(), discardLogger())
	if err := svc.Load(t.Context()); err != nil {
		t.Fatal(err)
	}
	store.put(Entry{ID: "orders.gift-wrap", Lang: bot.LangEN, Topic: "orders", Title: "Gift wrapping",
		Questions: []string{"gift wrap"}, Answer: "Ask {support_email}."})
	if err := svc.Reload(t.Context()); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		id        string
		lang      bot.Lang
		wantLang  bot.Lang
		wantTitle string
	}{
		{"returns.label", bot.LangFR, bot.LangFR, "Étiquette de retour et envoi du colis"},
		{"returns.label", bot.LangEN, bot.LangEN, "Return label and sending a return"},
		{"orders.gift-wrap", bot.LangFR, bot.LangFR, "Gift wrapping"}, // no French text: English, language kept
		{"orders.gift-wrap", "", bot.LangEN, "Gift wrapping"},
	}
	for _, tt := range tests {
		ans, err := svc.Entry(t.Context(), tt.id, tt.lang)
		if err != nil {
			t.Fatalf("Entry(%s, %s): %v", tt.id, tt.lang, err)
		}
		if ans.Action != bot.ActionAnswer || ans.FAQID != tt.id || ans.Lang != tt.wantLang || ans.Confidence != 1 ||
			len(ans.Candidates) != 1 || ans.Candidates[0].Title != tt.wantTitle || ans.Reply == "" || strings.ContainsAny(ans.Reply, "{}") {
			t.Errorf("Entry(%s, %s) = %+v", tt.id, tt.lang, ans)
		}
	}
	_, err := svc.Entry(t.Context(), "no.such-entry", bot.LangEN)
	if bot.ErrorKind(err) != bot.ENotFound {
		t.Errorf("Entry(unknown) error = %v, want kind %s", err, bot.ENotFound)
	}
}

// TestServiceAnswerDoesNotTouchStore checks that answering is in memory only.
func TestServiceAnswerDoesNotTouchStore(t *testing.T) {
	store := &countingStore{}
	svc := NewService(store, DefaultFacts(), DefaultOptions(), discardLogger())
	if err := svc.Load(t.Context()); err != nil {
		t.Fatal(err)
	}
	before := store.calls
	for _, text := range []string{"where is my order", "hello", "weather?"} {
		if _, err := svc.Answer(t.Context(), bot.Query{Text: text}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.Entry(t.Context(), "returns.label", bot.LangEN); err != nil {
		t.Fatal(err)
	}
	if store.calls != before {
		t.Errorf("Answer and Entry made %d store calls, want none", store.calls-before)
	}
}

// TestServiceConcurrent answers while the index is rebuilt; run with -race.
func TestServiceConcurrent(t *testing.T) {
	store := &fakeStore{}
	svc := NewService(store, DefaultFacts(), DefaultOptions(), discardLogger())
	if err := svc.Load(t.Context()); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 50 {
				q := benchQueries[(g*50+i)%len(benchQueries)]
				if _, err := svc.Answer(ctx, bot.Query{Text: q}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Go(func() {
		for range 3 {
			if err := svc.Reload(ctx); err != nil {
				t.Error(err)
				return
			}
		}
	})
	wg.Wait()
}
