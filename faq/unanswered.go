package faq

import (
	"cmp"
	"slices"

	"github.com/relaisbot/relais/bot"
)

// Question is a customer message the bot could not answer.
type Question struct {
	Text string
	Lang bot.Lang
}

// QuestionGroup is a set of similar unanswered questions: a gap in the FAQ.
type QuestionGroup struct {
	Example string   `json:"example"` // the first question of the group
	Lang    bot.Lang `json:"lang"`
	Count   int      `json:"count"`
}

// similar is the Jaccard similarity of analysed terms from which two
// questions are grouped.
const similar = 0.5

// GroupQuestions groups similar questions (the same terms after folding,
// stemming and the shop vocabulary, so "où est mon colis" and "mon paquet
// est où ?" group together) and returns the n largest groups, largest first.
func GroupQuestions(qs []Question, n int) []QuestionGroup {
	an := newDocAnalyzer()
	type group struct {
		QuestionGroup
		terms map[string]bool
	}
	var groups []*group
	for _, q := range qs {
		li := langIndex(q.Lang)
		ts, _ := an.analyze(q.Text, li)
		if len(ts) == 0 {
			continue // nothing to learn from ("?", "ok")
		}
		terms := make(map[string]bool, len(ts))
		for _, t := range ts {
			terms[t] = true
		}
		var best *group
		bestSim := 0.0
		for _, g := range groups {
			if s := jaccard(terms, g.terms); s >= similar && s > bestSim {
				best, bestSim = g, s
			}
		}
		if best == nil {
			groups = append(groups, &group{QuestionGroup: QuestionGroup{Example: q.Text, Lang: q.Lang, Count: 1}, terms: terms})
			continue
		}
		best.Count++
	}
	slices.SortStableFunc(groups, func(a, b *group) int { return cmp.Compare(b.Count, a.Count) })
	out := make([]QuestionGroup, 0, min(n, len(groups)))
	for _, g := range groups[:min(n, len(groups))] {
		out = append(out, g.QuestionGroup)
	}
	return out
}

func jaccard(a, b map[string]bool) float64 {
	inter := 0
	for t := range a {
		if b[t] {
			inter++
		}
	}
	union := len(a) + len(b) - inter
	if union == 0 {
		return 0
	}
	return float64(inter) / float64(union)
}
