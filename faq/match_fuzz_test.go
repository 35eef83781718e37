package faq

import (
	"context"
	"math"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/relaisbot/relais/bot"
)

// What the matcher and the Service's decision guarantee (match.go,
// service.go), for any message over the seed FAQ:
//
//   - a message the Engine accepts (at most DefaultMaxMessageRunes
//     characters) is matched in well under maxMatchTime;
//   - the language is the forced one, else French or English;
//   - small talk has no hits; at most maxHits hits, distinct entries of
//     the index, best first (equal scores by id), with finite positive
//     scores, features in their documented ranges and a confidence in
//     [0, 1]; matching twice gives the same result;
//   - Answer follows the thresholds: small talk, else an answer with the top
//     entry iff its confidence reaches AnswerThreshold (its reply rendered,
//     no placeholder left), a clarification between 1 and maxClarify
//     entries, best first, iff it reaches ClarifyThreshold, else a fallback;
//     candidates are hits, titled, with confidences in (0, 1].

// maxMatchTime is thousands of times what matching a message takes: the
// typo search once took 5 s on a single 2000-letter word (cubic in its
// length).
const maxMatchTime = 2 * time.Second

// placeholder matches a placeholder left unrendered in a reply.
var placeholder = regexp.MustCompile(`\{[a-z_]+\}`)

func FuzzMatch(f *testing.F) {
	seed, err := Seed()
	if err != nil {
		f.Fatal(err)
	}
	for i, e := range seed {
		if i%7 == 0 && len(e.Questions) > 0 {
			f.Add(e.Questions[0], uint8(i))
		}
	}
	for _, s := range []string{
		"", "?", "hello", "Bonjour !", "merci beaucoup", "bye", "thanks, where is my parcel?",
		"Où est ma commande ?", "OÙ EST MA COMMANDE", "ou est ma commande", "je veux être remboursé",
		"I want a refund", "refund refund refund refund", "how long does delivery take to Canada",
		"wher is my ordr", "myorder", "accountpassword", "mot de passe oublié", "password",
		"can i pay with paypal or apple pay 💳", "livraison internationale en Belgique ?",
		"I haven't received my order and it's been 3 weeks, I want to talk to a human NOW",
		"asdkjh qwpoeiru zmxncb", "the", "le la les de du", "12345 67890", "order #A-1234-B",
		"\u200brefund\u200b", "\u202ednufer\u202c", "רוצה החזר", "退款", "\xff\xfe refund \xc3",
		strings.Repeat("refund ", 300), strings.Repeat("livraison retour remboursement ", 100),
	} {
		f.Add(s, uint8(0))
		f.Add(s, uint8(5))
	}
	opts := DefaultOptions()
	svc := newSeededService(f, opts)
	ix := svc.index.Load()
	f.Fuzz(func(t *testing.T, text string, sel uint8) {
		q := bot.Query{
			Text: text,
			Lang: []bot.Lang{"", bot.LangFR, bot.LangEN}[sel%3],
			Hint: []bot.Lang{"", bot.LangFR, bot.LangEN, "de"}[sel/3%4],
		}
		start := time.Now()
		m := svc.Match(q)
		if d := time.Since(start); d > maxMatchTime && utf8.RuneCountInString(text) <= bot.DefaultMaxMessageRunes {
			t.Errorf("Match of a message of %d characters (%.100q) took %v, more than %v", utf8.RuneCountInString(text), text, d, maxMatchTime)
		}
		if again := svc.Match(q); !cmp.Equal(m, again) {
			t.Fatalf("Match(%+.200v) is not deterministic: %+v then %+v", q, m, again)
		}
		checkMatch(t, ix, q, m)

		ans, err := svc.Answer(context.Background(), q)
		if err != nil {
			t.Fatalf("Answer(%+.200v): %v, want no error ever", q, err)
		}
		checkDecision(t, opts, q, m, ans)
	})
}

func checkMatch(t *testing.T, ix *Index, q bot.Query, m Match) {
	t.Helper()
	bad := func(format string, args ...any) {
		t.Helper()
		t.Errorf("Match(%+.200v): "+format, append([]any{q}, args...)...)
	}
	switch {
	case q.Lang != "" && m.Lang != q.Lang:
		bad("language %q, want the forced %q", m.Lang, q.Lang)
	case m.Lang != bot.LangFR && m.Lang != bot.LangEN:
		bad("language %q, want fr or en", m.Lang)
	}
	switch m.SmallTalk {
	case "":
	case SmallTalkGreeting, SmallTalkThanks, SmallTalkBye:
		if len(m.Hits) > 0 {
			bad("small talk %q with hits %v", m.SmallTalk, m.Hits)
		}
	default:
		bad("unknown small talk %q", m.SmallTalk)
	}
	if m.Unknown < 0 {
		bad("%d unknown words", m.Unknown)
	}
	if len(m.Hits) > maxHits {
		bad("%d hits, more than %d", len(m.Hits), maxHits)
	}
	const eps = 1e-6
	in := func(x, lo, hi float64) bool { return !math.IsNaN(x) && x >= lo-eps && x <= hi+eps }
	seen := map[string]bool{}
	for i, h := range m.Hits {
		if seen[h.ID] {
			bad("entry %s ranked twice", h.ID)
		}
		seen[h.ID] = true
		if e, ok := ix.Entry(h.ID, m.Lang); !ok || h.Topic != TopicOf(e.ID) && h.Topic != e.Topic {
			bad("hit %s (topic %q) is not an entry of the index", h.ID, h.Topic)
		}
		if !(h.Score > 0) || math.IsInf(h.Score, 0) {
			bad("hit %s has score %v", h.ID, h.Score)
		}
		if !in(h.Confidence, 0, 1) {
			bad("hit %s has confidence %v, outside [0, 1]", h.ID, h.Confidence)
		}
		if i > 0 {
			prev := m.Hits[i-1]
			if prev.Score < h.Score || prev.Score == h.Score && prev.ID > h.ID {
				bad("hits out of order: %s (%v) before %s (%v)", prev.ID, prev.Score, h.ID, h.Score)
			}
		}
		ft := h.Features
		for _, c := range []struct {
			name   string
			v      float64
			lo, hi float64
		}{
			{"QueryCoverage", ft.QueryCoverage, 0, 1},
			{"ConceptCoverage", ft.ConceptCoverage, 0, ft.QueryCoverage},
			{"PhrasingCoverage", ft.PhrasingCoverage, 0, 1},
			{"EntryCoverage", ft.EntryCoverage, ft.QueryCoverage, 1},
			{"Unknown", ft.Unknown, 0, 1},
			{"Margin", ft.Margin, -1, 1},
			{"LogShare", ft.LogShare, math.Inf(-1), 0},
			{"InvTerms", ft.InvTerms, 0, 1},
			{"Corrected", ft.Corrected, 0, 1},
		} {
			if !in(c.v, c.lo, c.hi) || math.IsInf(c.v, 0) {
				bad("hit %s: %s = %v, outside [%v, %v]", h.ID, c.name, c.v, c.lo, c.hi)
			}
		}
		if i == 0 && ft.Margin < -eps || i > 0 && ft.Margin > eps {
			bad("hit %d (%s) has margin %v: the best has a margin ≥ 0, the others ≤ 0", i, h.ID, ft.Margin)
		}
	}
}

func checkDecision(t *testing.T, opts Options, q bot.Query, m Match, ans bot.Answer) {
	t.Helper()
	bad := func(format string, args ...any) {
		t.Helper()
		t.Errorf("Answer(%+.200v) = %+.300v: "+format, append([]any{q, ans}, args...)...)
	}
	if ans.Lang != m.Lang {
		bad("language %q, the match says %q", ans.Lang, m.Lang)
	}
	hits := map[string]bool{}
	for _, h := range m.Hits {
		hits[h.ID] = true
	}
	for i, c := range ans.Candidates {
		if !hits[c.ID] || c.Title == "" || !(c.Score > 0 && c.Score <= 1) || c.Topic != TopicOf(c.ID) {
			bad("candidate %d %+v: not a titled hit with a confidence in (0, 1]", i, c)
		}
		if i > 0 && ans.Candidates[i-1].ID == c.ID {
			bad("candidate %s offered twice", c.ID)
		}
	}
	switch {
	case m.SmallTalk != "":
		if ans.Action != bot.ActionSmallTalk || ans.SmallTalk != m.SmallTalk {
			bad("want small talk %q", m.SmallTalk)
		}
		return
	case len(m.Hits) == 0:
		if ans.Action != bot.ActionFallback || len(ans.Candidates) != 0 {
			bad("no hits: want a fallback without candidates")
		}
		return
	}
	top := m.Hits[0]
	if ans.Confidence != top.Confidence || ans.Topic != top.Topic {
		bad("confidence %v topic %q, want the top hit's %v %q", ans.Confidence, ans.Topic, top.Confidence, top.Topic)
	}
	if len(ans.Candidates) > 0 && ans.Candidates[0].ID != top.ID {
		bad("first candidate %s, want the top hit %s", ans.Candidates[0].ID, top.ID)
	}
	switch {
	case top.Confidence >= opts.AnswerThreshold:
		if ans.Action != bot.ActionAnswer || ans.FAQID != top.ID || strings.TrimSpace(ans.Reply) == "" || len(ans.Candidates) != 1 {
			bad("top confidence %v ≥ %v: want the answer of %s", top.Confidence, opts.AnswerThreshold, top.ID)
		}
		if p := placeholder.FindString(ans.Reply); p != "" {
			bad("placeholder %s left in the reply", p)
		}
	case top.Confidence >= opts.ClarifyThreshold:
		if ans.Action != bot.ActionClarify || len(ans.Candidates) < 1 || len(ans.Candidates) > maxClarify || ans.FAQID != "" || ans.Reply != "" {
			bad("top confidence %v in [%v, %v): want a clarification between 1 and %d entries", top.Confidence, opts.ClarifyThreshold, opts.AnswerThreshold, maxClarify)
		}
	default:
		if ans.Action != bot.ActionFallback || len(ans.Candidates) > maxClarify || ans.FAQID != "" || ans.Reply != "" {
			bad("top confidence %v < %v: want a fallback", top.Confidence, opts.ClarifyThreshold)
		}
	}
}
