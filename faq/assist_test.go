package faq

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/relaisbot/relais/bot"
)

// fakePhraser rewords with a function, optionally late.
type fakePhraser struct {
	fn    func(answer, message string, lang bot.Lang) (string, error)
	delay time.Duration
}

func (f fakePhraser) Phrase(ctx context.Context, answer, message string, lang bot.Lang) (string, error) {
	if f.delay > 0 {
		select {
		case <-time.After(f.delay):
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	return f.fn(answer, message, lang)
}

func newPhrasingService(t *testing.T, p Phraser, timeout time.Duration) *Service {
	t.Helper()
	svc := NewService(&fakeStore{}, DefaultFacts(), DefaultOptions(), discardLogger())
	svc.SetAssist(AssistOptions{Phraser: p, Timeout: timeout})
	if err := svc.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	return svc
}

func TestGroundedPhrasing(t *testing.T) {
	ctx := context.Background()
	verbatim, _ := newSeededService(t, DefaultOptions()).Answer(ctx, bot.Query{Text: "how much is delivery?", Lang: bot.LangEN})
	if verbatim.Action != bot.ActionAnswer || !strings.Contains(verbatim.Reply, "4.90 €") {
		t.Fatalf("the seed answer to the delivery question changed: %+v", verbatim)
	}
	tests := []struct {
		name    string
		phraser fakePhraser
		want    string // "" = the verbatim answer
		stat    func(AssistStats) int64
	}{
		{"same facts reworded", fakePhraser{fn: func(a, _ string, _ bot.Lang) (string, error) {
			return "Good question! " + a, nil
		}}, "Good question! " + verbatim.Reply, func(s AssistStats) int64 { return s.Phrased }},
		{"invented price", fakePhraser{fn: func(a, _ string, _ bot.Lang) (string, error) {
			return strings.ReplaceAll(a, "4.90 €", "2.90 €"), nil
		}}, "", func(s AssistStats) int64 { return s.PhraseRejected }},
		{"invented promise", fakePhraser{fn: func(a, _ string, _ bot.Lang) (string, error) {
			return a + " We guarantee delivery.", nil
		}}, "", func(s AssistStats) int64 { return s.PhraseRejected }},
		{"API error", fakePhraser{fn: func(string, string, bot.Lang) (string, error) {
			return "", errors.New("429 too many requests")
		}}, "", func(s AssistStats) int64 { return s.PhraseFailed }},
		{"too late", fakePhraser{delay: 5 * time.Second, fn: func(a, _ string, _ bot.Lang) (string, error) { return a, nil }},
			"", func(s AssistStats) int64 { return s.PhraseFailed }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := newPhrasingService(t, tt.phraser, 100*time.Millisecond)
			start := time.Now()
			ans, _ := svc.Answer(ctx, bot.Query{Text: "how much is delivery?", Lang: bot.LangEN})
			if took := time.Since(start); took > time.Second {
				t.Errorf("Answer took %v with a 100ms timeout", took)
			}
			want := tt.want
			if want == "" {
				want = verbatim.Reply
			}
			if ans.Reply != want {
				t.Errorf("reply = %q\nwant %q", ans.Reply, want)
			}
			if n := tt.stat(svc.AssistStats()); n != 1 {
				t.Errorf("counter = %d, want 1 (%+v)", n, svc.AssistStats())
			}
		})
	}

	// Only confident answers are reworded: clarifications, fallbacks and
	// small talk never reach the model.
	called := false
	svc := newPhrasingService(t, fakePhraser{fn: func(a, _ string, _ bot.Lang) (string, error) {
		called = true
		return a, nil
	}}, time.Second)
	for _, q := range []string{"bonjour", "what's the weather like in Paris?", "order"} {
		if ans, _ := svc.Answer(ctx, bot.Query{Text: q}); ans.Action == bot.ActionAnswer {
			t.Fatalf("%q is answered: pick another example", q)
		}
	}
	if called {
		t.Error("the phraser was asked for something other than an answer")
	}
}
