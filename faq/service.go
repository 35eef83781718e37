package faq

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/relaisbot/relais/bot"
)

// Options tune the decisions of the Service.
type Options struct {
	// AnswerThreshold is the confidence from which the best entry is answered.
	AnswerThreshold float64
	// ClarifyThreshold is the confidence from which, below AnswerThreshold,
	// the customer is offered the best entries to choose from; below it the
	// bot admits it does not know.
	ClarifyThreshold float64
}

// DefaultOptions returns the thresholds chosen on the dev split (see
// BENCHMARKS.md): the lowest answer threshold keeping at least 99 % of dev
// answers right and at most 2 % of off-topic dev messages answered; from the
// clarify threshold up, clarifications nearly always offer the right entry.
func DefaultOptions() Options {
	return Options{AnswerThreshold: 0.8, ClarifyThreshold: 0.5}
}

// maxClarify is how many entries a clarification offers at most.
const maxClarify = 3

// Service answers customer messages from the FAQ. It keeps an Index of the
// stored entries in memory and swaps it atomically when the entries change,
// so Answer never touches the store. It implements bot.Answerer and is safe
// for concurrent use.
type Service struct {
	store  Store
	opts   Options
	logger *slog.Logger
	render [2]*strings.Replacer // per langIndex

	reload sync.Mutex // serialises Load and Reload
	index  atomic.Pointer[Index]
	assist *assist // optional language-model help (SetAssist); nil: none
}

var _ bot.Answerer = (*Service)(nil)

// NewService returns a Service over store. It answers nothing (every message
// falls back) until Load succeeds. The logger is used as given: the caller
// adds the component attribute.
func NewService(store Store, facts Facts, opts Options, logger *slog.Logger) *Service {
	s := &Service{
		store:  store,
		opts:   opts,
		logger: logger,
		render: [2]*strings.Replacer{facts.replacer(bot.LangEN), facts.replacer(bot.LangFR)},
	}
	s.index.Store(NewIndex(nil))
	return s
}

// Load stores the built-in FAQ if the store has never held any entry, then
// builds the index from the store.
func (s *Service) Load(ctx context.Context) error {
	seed, err := Seed()
	if err != nil {
		return fmt.Errorf("load seed FAQ: %w", err)
	}
	seeded, err := s.store.SeedFAQ(ctx, seed)
	if err != nil {
		return fmt.Errorf("seed FAQ: %w", err)
	}
	if seeded {
		s.logger.Info("seeded FAQ", "entries", len(seed))
	}
	return s.Reload(ctx)
}

// Reload rebuilds the index from the store and swaps it in. Call it after
// the entries changed. On error the current index stays in use.
func (s *Service) Reload(ctx context.Context) error {
	s.reload.Lock()
	defer s.reload.Unlock()
	entries, err := s.store.FAQEntries(ctx)
	if err != nil {
		return fmt.Errorf("load FAQ entries: %w", err)
	}
	ix := NewIndex(entries)
	s.index.Store(ix)
	s.logger.Info("FAQ index built", "entries", ix.Len(), "texts", len(entries))
	s.assist.reindexed()
	return nil
}

// Entries returns the entries currently answered from, sorted by id and
// language.
func (s *Service) Entries() []Entry { return s.index.Load().Entries() }

// Match returns the matcher's full reading of q (terms, ranked hits and
// their features), for tests, benchmarks and admin tools.
func (s *Service) Match(q bot.Query) Match {
	return s.index.Load().Match(q.Text, q.Lang, q.Hint)
}

// Answer matches q against the FAQ and decides: small talk, a confident
// answer, a clarification between the best entries, or a fallback. Replies
// and candidate titles are in the customer's language. It never returns an
// error.
func (s *Service) Answer(ctx context.Context, q bot.Query) (bot.Answer, error) {
	ix := s.index.Load()
	if s.assist != nil {
		return s.answerAssisted(ctx, ix, q), nil
	}
	return s.decide(ix, ix.Match(q.Text, q.Lang, q.Hint)), nil
}

// decide turns a Match into the bot's answer.
func (s *Service) decide(ix *Index, m Match) bot.Answer {
	ans := bot.Answer{Lang: m.Lang, Action: bot.ActionFallback}
	if m.SmallTalk != "" {
		ans.Action, ans.SmallTalk = bot.ActionSmallTalk, m.SmallTalk
		return ans
	}
	if len(m.Hits) == 0 {
		return ans
	}
	top := m.Hits[0]
	ans.Confidence, ans.Topic = top.Confidence, top.Topic
	switch {
	case top.Confidence >= s.opts.AnswerThreshold:
		e, _ := ix.Entry(top.ID, m.Lang)
		ans.Action, ans.FAQID = bot.ActionAnswer, top.ID
		ans.Reply = s.render[langIndex(e.Lang)].Replace(e.Answer)
		ans.Candidates = s.candidates(ix, m.Lang, m.Hits[:1])
	case top.Confidence >= s.opts.ClarifyThreshold:
		ans.Action = bot.ActionClarify
		ans.Candidates = s.candidates(ix, m.Lang, clarifyHits(m.Hits))
	default:
		ans.Candidates = s.candidates(ix, m.Lang, m.Hits[:min(len(m.Hits), maxClarify)])
	}
	return ans
}

// clarifyHits returns the entries to offer when unsure: the best one and the
// next ones scoring at least half as well, up to maxClarify, and at least two
// when there are two.
func clarifyHits(hits []Hit) []Hit {
	n := 1
	for n < len(hits) && n < maxClarify && (n < 2 || hits[n].Score >= hits[0].Score/2) {
		n++
	}
	return hits[:n]
}

// candidates converts hits to bot candidates titled in lang.
func (s *Service) candidates(ix *Index, lang bot.Lang, hits []Hit) []bot.Candidate {
	out := make([]bot.Candidate, 0, len(hits))
	for _, h := range hits {
		if h.Confidence <= 0 {
			continue // not a candidate in any useful sense
		}
		e, _ := ix.Entry(h.ID, lang)
		out = append(out, bot.Candidate{ID: h.ID, Title: e.Title, Topic: h.Topic, Score: h.Confidence})
	}
	return out
}

// Entry returns entry id as an answer in lang, or in the other language if
// it has no lang version; Lang stays lang (the customer's language) unless
// lang is empty. Returns a bot.Error of kind ENotFound if there is no entry id.
func (s *Service) Entry(ctx context.Context, id string, lang bot.Lang) (bot.Answer, error) {
	ix := s.index.Load()
	e, ok := ix.Entry(id, lang)
	if !ok {
		return bot.Answer{}, bot.Errorf(bot.ENotFound, "no FAQ entry %q", id)
	}
	topic := e.Topic
	if topic == "" {
		topic = TopicOf(e.ID)
	}
	return bot.Answer{
		Lang:       lang.Or(e.Lang),
		Action:     bot.ActionAnswer,
		FAQID:      e.ID,
		Topic:      topic,
		Confidence: 1,
		Reply:      s.render[langIndex(e.Lang)].Replace(e.Answer),
		Candidates: []bot.Candidate{{ID: e.ID, Title: e.Title, Topic: topic, Score: 1}},
	}, nil
}
