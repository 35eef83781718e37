package faq

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
	"unicode"

	"github.com/relaisbot/relais/bot"
)

// Phraser adapts an FAQ answer to the customer's message and language, using
// only the facts of the answer. Implemented by faq/openai.Client.
type Phraser interface {
	// Phrase returns answer reworded for message, in lang. ctx bounds the
	// call; on any error the caller sends answer as it is.
	Phrase(ctx context.Context, answer, message string, lang bot.Lang) (string, error)
}

// AssistOptions turn on the optional help of a language model. The zero
// value turns nothing on: the Service then answers exactly as without it.
type AssistOptions struct {
	// Embedder, with Vectors, adds semantic matching: every phrasing gets a
	// vector (computed in the background by RunSemantic and kept in
	// Vectors), and a message embedded in time is matched by meaning as well
	// as by words.
	Embedder Embedder
	Vectors  VectorStore
	// Phraser, if set, rewords confident answers for the customer's
	// message; a rewording that adds any fact (CheckGrounded) is dropped for
	// the FAQ answer word for word.
	Phraser Phraser
	// Timeout is the longest Answer waits for the model in all, embedding
	// and rewording together (default 2 s). When it runs out the answer is
	// the lexical one, word for word.
	Timeout time.Duration
}

// DefaultAssistTimeout is the default AssistOptions.Timeout.
const DefaultAssistTimeout = 2 * time.Second

// AssistStats count what the language model did for the FAQ.
type AssistStats struct {
	SemanticQueries   int64 // messages matched with their embedding
	SemanticFallbacks int64 // messages matched lexically only because embedding failed or was late
	Phrased           int64 // answers sent reworded
	PhraseRejected    int64 // rewordings dropped because they added a fact
	PhraseFailed      int64 // rewordings that failed or came too late
	Vectors           int64 // phrasings with a vector in the live index
	MissingVectors    int64 // phrasings still waiting for theirs
}

// assist is the Service's optional language-model help.
type assist struct {
	opts AssistOptions
	sem  atomic.Pointer[semIndex]
	kick chan struct{} // wakes RunSemantic after a reload

	mu    sync.Mutex                // guards known (RunSemantic and SyncSemantic)
	known map[PhrasingKey][]float32 // vectors of the model, loaded once then kept in step
	stats struct{ queries, fallbacks, phrased, rejected, failed, vectors, missing atomic.Int64 }
}

// SetAssist turns on the language-model help described by o. Call it before
// Load. Semantic matching starts once RunSemantic (or SyncSemantic) has
// built the vector index.
func (s *Service) SetAssist(o AssistOptions) {
	if o.Timeout <= 0 {
		o.Timeout = DefaultAssistTimeout
	}
	if o.Embedder == nil || o.Vectors == nil {
		o.Embedder, o.Vectors = nil, nil
	}
	s.assist = &assist{opts: o, kick: make(chan struct{}, 1)}
}

// AssistStats returns the counters of the language-model help.
func (s *Service) AssistStats() AssistStats {
	a := s.assist
	if a == nil {
		return AssistStats{}
	}
	return AssistStats{
		SemanticQueries: a.stats.queries.Load(), SemanticFallbacks: a.stats.fallbacks.Load(),
		Phrased: a.stats.phrased.Load(), PhraseRejected: a.stats.rejected.Load(), PhraseFailed: a.stats.failed.Load(),
		Vectors: a.stats.vectors.Load(), MissingVectors: a.stats.missing.Load(),
	}
}

// reindexed tells the semantic worker that the index changed.
func (a *assist) reindexed() {
	if a == nil || a.opts.Embedder == nil {
		return
	}
	select {
	case a.kick <- struct{}{}:
	default:
	}
}

// answer is Answer with the language model's help: the hybrid match when
// the message can be embedded in time, and the reworded answer when it
// passes the grounding check, all within one deadline.
func (s *Service) answerAssisted(ctx context.Context, ix *Index, q bot.Query) bot.Answer {
	a := s.assist
	ctx, cancel := context.WithTimeout(ctx, a.opts.Timeout)
	defer cancel()
	m := ix.Match(q.Text, q.Lang, q.Hint)
	if sem := a.sem.Load(); sem != nil && sem.ix == ix && m.SmallTalk == "" && hasLetter(q.Text) {
		vs, err := a.opts.Embedder.Embed(ctx, []string{q.Text})
		if err == nil && len(vs) == 1 && len(vs[0]) == sem.dim {
			qv := vs[0]
			normalizeVector(qv)
			m = sem.hybrid(m, qv)
			a.stats.queries.Add(1)
		} else {
			a.stats.fallbacks.Add(1)
			s.logger.Debug("semantic matching skipped", "err", err)
		}
	}
	ans := s.decide(ix, m)
	if a.opts.Phraser != nil && ans.Action == bot.ActionAnswer && ans.Reply != "" {
		s.phrase(ctx, &ans, q.Text)
	}
	return ans
}

// phrase replaces ans.Reply by its rewording for message when it comes in
// time and adds no fact.
func (s *Service) phrase(ctx context.Context, ans *bot.Answer, message string) {
	a := s.assist
	out, err := a.opts.Phraser.Phrase(ctx, ans.Reply, message, ans.Lang)
	if err != nil {
		a.stats.failed.Add(1)
		s.logger.Info("grounded phrasing failed: answer sent word for word", "faq_id", ans.FAQID, "err", err)
		return
	}
	if reason := CheckGrounded(ans.Reply, out); reason != "" {
		a.stats.rejected.Add(1)
		s.logger.Info("grounded phrasing rejected: answer sent word for word", "faq_id", ans.FAQID, "reason", reason)
		return
	}
	a.stats.phrased.Add(1)
	ans.Reply = out
}

func hasLetter(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) {
			return true
		}
	}
	return false
}

// embedBatch is how many phrasings one embedding request carries, and
// embedTimeout how long one such request may take (background work).
const (
	embedBatch   = 64
	embedTimeout = time.Minute
)

// RunSemantic keeps the phrasings' vectors in step with the FAQ until ctx
// ends: after Load and after every Reload it loads the stored vectors,
// computes the missing ones in the background (retrying with backoff while
// the API fails) and swaps in a new vector index. Answers never wait for it;
// until it is done they use the previous vectors or none. It returns at once
// when semantic matching is off.
func (s *Service) RunSemantic(ctx context.Context) {
	a := s.assist
	if a == nil || a.opts.Embedder == nil {
		return
	}
	a.reindexed() // the index loaded before RunSemantic started
	retry := time.NewTimer(0)
	<-retry.C
	defer retry.Stop()
	wait := 10 * time.Second
	for {
		select {
		case <-ctx.Done():
			return
		case <-a.kick:
		case <-retry.C:
		}
		err := s.SyncSemantic(ctx)
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			wait = 10 * time.Second
			continue
		}
		s.logger.Warn("semantic matching: cannot compute vectors; retrying", "err", err, "retry_in", wait)
		retry.Reset(wait)
		wait = min(2*wait, 10*time.Minute)
	}
}

// SyncSemantic brings the vector index in step with the current FAQ once:
// stored vectors first (semantic matching starts with them), then the
// missing ones computed and stored batch by batch. It returns an error when
// some are still missing.
func (s *Service) SyncSemantic(ctx context.Context) error {
	a := s.assist
	if a == nil || a.opts.Embedder == nil {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	model := a.opts.Embedder.EmbeddingModel()
	if a.known == nil {
		stored, err := a.opts.Vectors.FAQVectors(ctx, model)
		if err != nil {
			return fmt.Errorf("load vectors: %w", err)
		}
		a.known = make(map[PhrasingKey][]float32, len(stored))
		for _, v := range stored {
			a.known[v.PhrasingKey] = v.Vector
		}
	}
	ix := s.index.Load()
	missing := s.swapSemantic(ix, model)
	for len(missing) > 0 {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		batch := missing[:min(embedBatch, len(missing))]
		texts := make([]string, len(batch))
		for i, p := range batch {
			texts[i] = p.text
		}
		callCtx, cancel := context.WithTimeout(ctx, embedTimeout)
		vs, err := a.opts.Embedder.Embed(callCtx, texts)
		cancel()
		if err == nil && len(vs) != len(batch) {
			err = fmt.Errorf("%d vectors for %d texts", len(vs), len(batch))
		}
		if err != nil {
			return fmt.Errorf("embed %d phrasings: %w", len(missing), err)
		}
		save := make([]PhrasingVector, len(batch))
		for i, p := range batch {
			save[i] = PhrasingVector{PhrasingKey: p.key, Vector: vs[i]}
			a.known[p.key] = vs[i]
		}
		if err := a.opts.Vectors.SaveFAQVectors(ctx, model, save); err != nil {
			return fmt.Errorf("store vectors: %w", err)
		}
		missing = missing[len(batch):]
		if len(missing) == 0 || ix != s.index.Load() {
			// Done, or edited meanwhile: index what we have for the
			// current FAQ and go on with what it still lacks.
			ix = s.index.Load()
			missing = s.swapSemantic(ix, model)
		}
	}
	// Every phrasing has its vector: forget the others.
	keep := make([]PhrasingKey, 0, len(a.known))
	current := make(map[PhrasingKey][]float32)
	for _, p := range phrasings(ix) {
		keep = append(keep, p.key)
		current[p.key] = a.known[p.key]
	}
	a.known = current
	if n, err := a.opts.Vectors.PruneFAQVectors(ctx, model, keep); err != nil {
		s.logger.Warn("semantic matching: cannot prune old vectors", "err", err)
	} else if n > 0 {
		s.logger.Info("semantic matching: old vectors pruned", "count", n)
	}
	return nil
}

// swapSemantic builds the vector index of ix from the known vectors, swaps it
// in and returns the phrasings still missing a vector.
func (s *Service) swapSemantic(ix *Index, model string) []phrasing {
	a := s.assist
	sem, missing := newSemIndex(ix, model, a.known)
	old := a.sem.Swap(sem)
	n := 0
	if sem != nil {
		n = sem.Len()
	}
	a.stats.vectors.Store(int64(n))
	a.stats.missing.Store(int64(len(missing)))
	if sem != nil && len(missing) == 0 && (old == nil || old.Len() != sem.Len() || old.ix != ix) {
		s.logger.Info("semantic matching on", "model", model, "vectors", n, "missing", len(missing),
			"fitted_calibration", HybridFitted(model))
	}
	return missing
}
