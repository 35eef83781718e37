package slack

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/relaisbot/relais/bot"
	"github.com/relaisbot/relais/handoff"
)

// SummaryStore keeps the agents' summaries of hand-overs, so that the parent
// message keeps its summary when it is rewritten after a restart.
// Implemented by *storage.DB.
type SummaryStore interface {
	// HandoffSummary returns a hand-over's summary.
	// Returns bot.ENotFound if it has none.
	HandoffSummary(ctx context.Context, handoffID int64) (string, error)
	// SaveHandoffSummary stores a hand-over's summary.
	// Returns bot.ENotFound if there is no such hand-over.
	SaveHandoffSummary(ctx context.Context, handoffID int64, summary string) error
}

// Limits of a summary as shown: a few short lines.
const (
	maxSummaryLines = 3
	maxSummaryBytes = 700
	maxSummaries    = 10000 // cached in memory
)

// summaries adds a short summary to the parent message of each hand-over.
type summaries struct {
	sum     handoff.Summarizer
	store   SummaryStore
	timeout time.Duration

	mu    sync.Mutex
	cache map[int64]string // hand-over id → summary ("" when known to have none)
}

// SetSummarizer makes the parent message of every new hand-over show a
// summary of the conversation written by sum, in the agents' language. It is
// asked when the hand-over is delivered and never delays it: the parent and
// the transcript are posted meanwhile, and the parent is updated with the
// summary when it comes, within timeout; without one in time there is no
// summary. Summaries are stored in store. Call it before Run.
func (a *Adapter) SetSummarizer(sum handoff.Summarizer, store SummaryStore, timeout time.Duration) {
	if sum == nil || store == nil {
		a.summaries = nil
		return
	}
	if timeout <= 0 {
		timeout = 2 * time.Second
	}
	a.summaries = &summaries{sum: sum, store: store, timeout: timeout, cache: map[int64]string{}}
}

// pendingSummary is a summary being written while the hand-over is posted.
type pendingSummary struct {
	handoffID int64
	ctx       context.Context
	cancel    context.CancelFunc
	result    chan string // the summary, or "" on failure; buffered
	done      chan struct{}
}

// startSummary starts writing the summary of hand-over h from msgs (the
// conversation up to it). It returns nil when there is nothing to do: no
// summarizer, no hand-over record, or a summary already made.
func (a *Adapter) startSummary(ctx context.Context, h *bot.Handoff, msgs []bot.Message) *pendingSummary {
	s := a.summaries
	if s == nil || h == nil || h.ID == 0 {
		return nil
	}
	if text, ok := s.cached(h.ID); ok && text != "" {
		return nil
	}
	p := &pendingSummary{handoffID: h.ID, result: make(chan string, 1), done: make(chan struct{})}
	p.ctx, p.cancel = context.WithTimeout(ctx, s.timeout)
	msgs = append([]bot.Message(nil), msgs...)
	go func() {
		defer close(p.done)
		text, err := s.sum.Summarize(p.ctx, a.cfg.Lang, msgs)
		if err != nil {
			a.logger.Info("slack: no hand-over summary", "handoff", h.ID, "conversation", h.ConversationID, "err", err)
			text = ""
		}
		p.result <- cleanSummary(text)
	}()
	return p
}

// stop abandons the summary if it is still being written and waits for its
// goroutine to end.
func (p *pendingSummary) stop() {
	if p == nil {
		return
	}
	p.cancel()
	<-p.done
}

// showSummary waits for p (within its deadline), stores the summary and
// rewrites the thread's parent with it. Failures are logged: the hand-over
// itself was delivered.
func (a *Adapter) showSummary(ctx context.Context, th handoff.Thread, p *pendingSummary) {
	if p == nil {
		return
	}
	var text string
	select {
	case text = <-p.result:
	case <-p.ctx.Done():
	}
	if text == "" {
		return
	}
	s := a.summaries
	if err := s.store.SaveHandoffSummary(ctx, p.handoffID, text); err != nil {
		a.logger.Warn("slack: cannot store the hand-over summary", "handoff", p.handoffID, "err", err)
	}
	s.remember(p.handoffID, text)
	if err := a.updateParent(ctx, th, a.texts.Waiting); err != nil {
		a.logger.Warn("slack: cannot show the hand-over summary", "handoff", p.handoffID, "conversation", th.ConversationID, "err", err)
		return
	}
	a.logger.Info("slack: hand-over summary shown", "handoff", p.handoffID, "conversation", th.ConversationID, "bytes", len(text))
}

// loadSummary makes sure the summary of h (if any) is in the cache, reading
// the store after a restart.
func (a *Adapter) loadSummary(ctx context.Context, h *bot.Handoff) {
	s := a.summaries
	if s == nil || h == nil {
		return
	}
	if _, ok := s.cached(h.ID); ok {
		return
	}
	text, err := s.store.HandoffSummary(ctx, h.ID)
	switch {
	case err == nil:
		s.remember(h.ID, text)
	case bot.ErrorKind(err) == bot.ENotFound:
		s.remember(h.ID, "")
	default:
		a.logger.Warn("slack: cannot read the hand-over summary", "handoff", h.ID, "err", err)
	}
}

// summaryBlocks returns the parent's summary section for h, if it has one.
func (a *Adapter) summaryBlocks(h *bot.Handoff) []slack.Block {
	s := a.summaries
	if s == nil || h == nil {
		return nil
	}
	text, _ := s.cached(h.ID)
	if text == "" {
		return nil
	}
	label := "📝 Summary (AI)"
	if a.cfg.Lang == bot.LangFR {
		label = "📝 Résumé (IA)"
	}
	var b strings.Builder
	for _, line := range strings.Split(text, "\n") {
		b.WriteString("\n" + escape(line))
	}
	md := slack.NewTextBlockObject(slack.MarkdownType, truncate("*"+label+"*"+b.String(), maxFieldBytes), false, false)
	return []slack.Block{slack.NewSectionBlock(md, nil, nil)}
}

func (s *summaries) cached(handoffID int64) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	text, ok := s.cache[handoffID]
	return text, ok
}

func (s *summaries) remember(handoffID int64, text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.cache) >= maxSummaries {
		clear(s.cache)
	}
	s.cache[handoffID] = text
}

// cleanSummary keeps the first few non-empty lines of a model's summary,
// without list marks, within maxSummaryBytes.
func cleanSummary(text string) string {
	var lines []string
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(line), "-•*·"))
		if line == "" {
			continue
		}
		lines = append(lines, line)
		if len(lines) == maxSummaryLines {
			break
		}
	}
	return truncate(strings.Join(lines, "\n"), maxSummaryBytes)
}
