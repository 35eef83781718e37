package faq

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/relaisbot/relais/bot"
)

func TestServiceDecide(t *testing.T) {
	svc := newSeededService(t, Options{AnswerThreshold: 0.8, ClarifyThreshold: 0.4})
	ix := svc.index.Load()
	hits := func(confs ...float64) []Hit {
		ids := []string{"returns.policy", "returns.refund-time", "returns.label", "orders.cancel"}
		var hs []Hit
		for i, c := range confs {
			hs = append(hs, Hit{ID: ids[i], Topic: TopicOf(ids[i]), Score: 10 - float64(i), Confidence: c})
		}
		return hs
	}
	tests := []struct {
		name   string
		m      Match
		action bot.Action
		ids    []string
	}{
		{"confident", Match{Lang: bot.LangEN, Hits: hits(0.9, 0.3)}, bot.ActionAnswer, []string{"returns.policy"}},
		{"unsure", Match{Lang: bot.LangEN, Hits: hits(0.6, 0.3, 0.2, 0.1)}, bot.ActionClarify,
			[]string{"returns.policy", "returns.refund-time", "returns.label"}},
		{"unsure, one hit", Match{Lang: bot.LangEN, Hits: hits(0.5)}, bot.ActionClarify, []string{"returns.policy"}},
		{"lost", Match{Lang: bot.LangEN, Hits: hits(0.2, 0.1)}, bot.ActionFallback, []string{"returns.policy", "returns.refund-time"}},
		{"nothing", Match{Lang: bot.LangFR}, bot.ActionFallback, nil},
		{"small talk", Match{Lang: bot.LangFR, SmallTalk: SmallTalkThanks}, bot.ActionSmallTalk, nil},
	}
	for _, tt := range tests {
		ans := svc.decide(ix, tt.m)
		var ids []string
		for _, c := range ans.Candidates {
			ids = append(ids, c.ID)
			if c.Title == "" {
				t.Errorf("%s: candidate %s has no title", tt.name, c.ID)
			}
		}
		if ans.Action != tt.action || !cmp.Equal(ids, tt.ids) {
			t.Errorf("%s: %s %v, want %s %v", tt.name, ans.Action, ids, tt.action, tt.ids)
		}
	}
}

func TestClarifyHits(t *testing.T) {
	mk := func(scores ...float64) []Hit {
		var hs []Hit
		for _, s := range scores {
			hs = append(hs, Hit{Score: s})
		}
		return hs
	}
	tests := []struct {
		scores []float64
		want   int
	}{
		{[]float64{10}, 1},
		{[]float64{10, 1}, 2},         // at least two when there are two
		{[]float64{10, 6, 5.5, 5}, 3}, // at most three
		{[]float64{10, 6, 4}, 2},      // the third scores less than half the first
	}
	for _, tt := range tests {
		if got := len(clarifyHits(mk(tt.scores...))); got != tt.want {
			t.Errorf("clarifyHits(%v): %d hits, want %d", tt.scores, got, tt.want)
		}
	}
}
