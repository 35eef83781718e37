package faq

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/relaisbot/relais/bot"
	"github.com/relaisbot/relais/faq/openai/openaifake"
)

// fakeEmbedder embeds in process with a deterministic bag of words; it can
// fail or be slow like a real API.
type fakeEmbedder struct {
	bow *openaifake.BagOfWords

	mu    sync.Mutex
	err   error
	delay time.Duration
	calls int
	texts int
}

func newFakeEmbedder() *fakeEmbedder { return &fakeEmbedder{bow: openaifake.NewBagOfWords(256)} }

func (f *fakeEmbedder) EmbeddingModel() string { return "fake-embed" }

func (f *fakeEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	f.mu.Lock()
	f.calls++
	f.texts += len(texts)
	err, delay := f.err, f.delay
	f.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if err != nil {
		return nil, err
	}
	out := make([][]float32, len(texts))
	for i, t := range texts {
		out[i] = f.bow.Vector(t)
	}
	return out, nil
}

func (f *fakeEmbedder) set(err error, delay time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.err, f.delay = err, delay
}

func (f *fakeEmbedder) counts() (calls, texts int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls, f.texts
}

// memVectors is an in-memory VectorStore.
type memVectors struct {
	mu sync.Mutex
	m  map[string]map[PhrasingKey][]float32 // model → key → vector
}

func (s *memVectors) FAQVectors(_ context.Context, model string) ([]PhrasingVector, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []PhrasingVector
	for k, v := range s.m[model] {
		out = append(out, PhrasingVector{PhrasingKey: k, Vector: slices.Clone(v)})
	}
	return out, nil
}

func (s *memVectors) SaveFAQVectors(_ context.Context, model string, vs []PhrasingVector) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]map[PhrasingKey][]float32{}
	}
	if s.m[model] == nil {
		s.m[model] = map[PhrasingKey][]float32{}
	}
	for _, v := range vs {
		s.m[model][v.PhrasingKey] = slices.Clone(v.Vector)
	}
	return nil
}

func (s *memVectors) PruneFAQVectors(_ context.Context, model string, keep []PhrasingKey) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for m, vs := range s.m {
		for k := range vs {
			if m != model || !slices.Contains(keep, k) {
				delete(vs, k)
				n++
			}
		}
	}
	return n, nil
}

func (s *memVectors) len(model string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m[model])
}

// newSemanticService returns a seeded Service with semantic matching on and
// every phrasing embedded.
func newSemanticService(t testing.TB, emb *fakeEmbedder, store *fakeStore) (*Service, *memVectors) {
	t.Helper()
	if store == nil {
		store = &fakeStore{}
	}
	vecs := &memVectors{}
	svc := NewService(store, DefaultFacts(), DefaultOptions(), discardLogger())
	svc.SetAssist(AssistOptions{Embedder: emb, Vectors: vecs, Timeout: time.Second})
	if err := svc.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := svc.SyncSemantic(context.Background()); err != nil {
		t.Fatal(err)
	}
	return svc, vecs
}

// A paraphrase sharing no word with the FAQ is answered through its
// embedding; off-topic messages stay unanswered.
func TestHybridParaphrase(t *testing.T) {
	emb := newFakeEmbedder()
	// The fake model reads the paraphrase like a phrasing of shipping.tracking.
	const paraphrase = "whereabouts of the thing I bought?"
	emb.bow.Alias(paraphrase, "where is my order right now?")
	svc, _ := newSemanticService(t, emb, nil)
	ctx := context.Background()

	lexical := newSeededService(t, DefaultOptions())
	lex, _ := lexical.Answer(ctx, bot.Query{Text: paraphrase, Lang: bot.LangEN})
	if lex.Action == bot.ActionAnswer {
		t.Fatalf("lexical matcher already answers %q (%s): pick another paraphrase", paraphrase, lex.FAQID)
	}
	ans, _ := svc.Answer(ctx, bot.Query{Text: paraphrase, Lang: bot.LangEN})
	if ans.Action != bot.ActionAnswer || ans.FAQID != "shipping.tracking" || ans.Confidence < DefaultOptions().AnswerThreshold {
		t.Errorf("hybrid answer to %q = %s %s (%.3f); want an answer from shipping.tracking (lexical: %s %.3f)",
			paraphrase, ans.Action, ans.FAQID, ans.Confidence, lex.Action, lex.Confidence)
	}
	if st := svc.AssistStats(); st.SemanticQueries != 1 || st.Vectors == 0 || st.MissingVectors != 0 {
		t.Errorf("stats = %+v; want one semantic query and every phrasing with a vector", st)
	}

	for _, q := range []string{"what's the weather like in Paris tomorrow?", "give me a recipe for pancakes", "who won the world cup in 1998"} {
		ans, _ := svc.Answer(ctx, bot.Query{Text: q, Lang: bot.LangEN})
		if ans.Action == bot.ActionAnswer {
			t.Errorf("off-topic %q answered from %s (%.3f)", q, ans.FAQID, ans.Confidence)
		}
	}
	// Questions the lexical matcher answers are still answered, the same way.
	for _, q := range []string{"where is my parcel", "how do I return an item?", "Où est ma commande ?"} {
		want, _ := lexical.Answer(ctx, bot.Query{Text: q})
		got, _ := svc.Answer(ctx, bot.Query{Text: q})
		if got.Action != want.Action || got.FAQID != want.FAQID {
			t.Errorf("%q: hybrid %s %s (%.3f), lexical %s %s (%.3f)", q, got.Action, got.FAQID, got.Confidence, want.Action, want.FAQID, want.Confidence)
		}
	}
}

// Without vectors (no model, the API failing or late), answers are exactly
// the lexical ones.
func TestHybridWithoutVectorsIsLexical(t *testing.T) {
	ctx := context.Background()
	lexical := newSeededService(t, DefaultOptions())
	var queries []string
	for _, s := range readSamples(t, "fr_dev.jsonl") {
		queries = append(queries, s.Text)
	}
	for _, s := range readSamples(t, "en_returns_dev.jsonl") {
		queries = append(queries, s.Text)
	}
	queries = append(queries, "bonjour", "thanks!", "what's the weather like?", "", "???")

	failing := newFakeEmbedder()
	svcFail, _ := newSemanticService(t, failing, nil)
	failing.set(errors.New("429 too many requests"), 0)

	late := newFakeEmbedder()
	svcLate, _ := newSemanticService(t, late, nil)
	svcLate.assist.opts.Timeout = 5 * time.Millisecond
	late.set(nil, time.Second)

	noVectors := NewService(&fakeStore{}, DefaultFacts(), DefaultOptions(), discardLogger())
	noVectors.SetAssist(AssistOptions{Embedder: newFakeEmbedder(), Vectors: &memVectors{}})
	if err := noVectors.Load(ctx); err != nil {
		t.Fatal(err)
	}

	for name, svc := range map[string]*Service{"embedder failing": svcFail, "embedder late": svcLate, "no vectors yet": noVectors} {
		for _, q := range queries {
			want, _ := lexical.Answer(ctx, bot.Query{Text: q})
			got, _ := svc.Answer(ctx, bot.Query{Text: q})
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s: %q: answer differs from the lexical one (-lexical +hybrid):\n%s", name, q, diff)
			}
		}
	}
	if st := svcFail.AssistStats(); st.SemanticFallbacks == 0 || st.SemanticQueries != 0 {
		t.Errorf("failing embedder: stats %+v, want fallbacks only", st)
	}
}

// A slow embedder never keeps the customer waiting beyond the timeout.
func TestHybridTimeoutBoundsAnswer(t *testing.T) {
	emb := newFakeEmbedder()
	svc, _ := newSemanticService(t, emb, nil)
	svc.assist.opts.Timeout = 50 * time.Millisecond
	emb.set(nil, 5*time.Second)
	start := time.Now()
	ans, _ := svc.Answer(context.Background(), bot.Query{Text: "where is my parcel"})
	if took := time.Since(start); took > 500*time.Millisecond {
		t.Errorf("Answer took %v with a 50ms timeout", took)
	}
	if ans.Action != bot.ActionAnswer || ans.FAQID != "shipping.tracking" {
		t.Errorf("lexical fallback answer = %s %s", ans.Action, ans.FAQID)
	}
}

// An edit gets its phrasings embedded (only the new ones), and vectors of
// phrasings that no longer exist are pruned.
func TestSemanticVectorsFollowEdits(t *testing.T) {
	ctx := context.Background()
	emb := newFakeEmbedder()
	store := &fakeStore{}
	svc, vecs := newSemanticService(t, emb, store)
	before := vecs.len("fake-embed")
	_, texts := emb.counts()
	if before == 0 || texts != before {
		t.Fatalf("%d vectors stored, %d texts embedded; want every phrasing once", before, texts)
	}

	e, _ := svc.index.Load().Entry("shipping.tracking", bot.LangEN)
	e.Questions = append(slices.Clone(e.Questions[1:]), "zorglub quantum parcel locator")
	store.put(e)
	if err := svc.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if err := svc.SyncSemantic(ctx); err != nil {
		t.Fatal(err)
	}
	_, after := emb.counts()
	if after != texts+1 {
		t.Errorf("%d texts embedded after the edit, want only the new phrasing (1)", after-texts)
	}
	if n := vecs.len("fake-embed"); n != before {
		t.Errorf("%d vectors stored after replacing one phrasing, want %d (old one pruned)", n, before)
	}
	// Another store, same vectors: a restart computes nothing.
	svc2 := NewService(store, DefaultFacts(), DefaultOptions(), discardLogger())
	emb2 := newFakeEmbedder()
	svc2.SetAssist(AssistOptions{Embedder: emb2, Vectors: vecs})
	if err := svc2.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if err := svc2.SyncSemantic(ctx); err != nil {
		t.Fatal(err)
	}
	if calls, _ := emb2.counts(); calls != 0 {
		t.Errorf("restart embedded again (%d calls), want the stored vectors used", calls)
	}
}

// RunSemantic computes vectors in the background, retries while the API
// fails, and never blocks answers.
func TestRunSemanticRetries(t *testing.T) {
	emb := newFakeEmbedder()
	emb.set(errors.New("500 server error"), 0)
	vecs := &memVectors{}
	svc := NewService(&fakeStore{}, DefaultFacts(), DefaultOptions(), discardLogger())
	svc.SetAssist(AssistOptions{Embedder: emb, Vectors: vecs})
	if err := svc.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); svc.RunSemantic(ctx) }()
	defer func() { cancel(); <-done }()
	if ans, _ := svc.Answer(context.Background(), bot.Query{Text: "where is my parcel"}); ans.FAQID != "shipping.tracking" {
		t.Errorf("answer while vectors fail: %+v", ans)
	}
	emb.set(nil, 0)
	svc.assist.reindexed() // as an edit would; the retry timer would do it too, later
	deadline := time.Now().Add(10 * time.Second)
	for svc.AssistStats().Vectors == 0 || svc.AssistStats().MissingVectors > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("vectors not computed after the API recovered: %+v", svc.AssistStats())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestHybridConfidenceShape(t *testing.T) {
	c := &hybridPrior
	tests := []struct {
		name      string
		f         SemanticFeatures
		atLeast   float64
		below     float64
		wantOrder bool
	}{
		{"paraphrase, no shared word", SemanticFeatures{Similarity: 1, Margin: 0.5}, 0.8, 1.01, false},
		{"lexically sure, meaning agrees", SemanticFeatures{Lexical: 0.99, Similarity: 0.9, Margin: 0.3}, 0.95, 1.01, false},
		{"lexically sure, meaning unclear", SemanticFeatures{Lexical: 0.99, Similarity: 0.3, Margin: 0}, 0.8, 1.01, false},
		{"loosely related", SemanticFeatures{Similarity: 0.6, Margin: 0.2}, 0, 0.5, false},
		{"unrelated", SemanticFeatures{Similarity: 0.1, Margin: 0.05}, 0, 0.05, false},
	}
	for _, tt := range tests {
		p := hybridConfidence(c, tt.f)
		if p < tt.atLeast || p >= tt.below {
			t.Errorf("%s %+v: confidence %.3f, want in [%.2f, %.2f)", tt.name, tt.f, p, tt.atLeast, tt.below)
		}
	}
}

// BenchmarkSemanticSearch measures the brute-force search over phrasing
// vectors: 20,000 phrasings of 1,536 dimensions (text-embedding-3-small) is
// the size the design allows.
func BenchmarkSemanticSearch(b *testing.B) {
	for _, size := range []struct{ n, dim int }{{600, 1536}, {20000, 384}, {20000, 1536}} {
		b.Run(fmt.Sprintf("phrasings=%d/dim=%d", size.n, size.dim), func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 2))
			entries := size.n / 10
			ix := &Index{ids: make([]string, entries)}
			for i := range ix.ids {
				ix.ids[i] = fmt.Sprintf("e%06d", i)
			}
			s := &semIndex{ix: ix, dim: size.dim, vecs: make([]float32, size.n*size.dim), entry: make([]int32, size.n), pos: 0.8, neg: 0.3}
			for i := range s.vecs {
				s.vecs[i] = float32(r.NormFloat64())
			}
			for i := range s.entry {
				s.entry[i] = int32(i / 10)
				normalizeVector(s.vec(i))
			}
			s.scores.New = func() any { v := make([]float32, entries); return &v }
			q := make([]float32, size.dim)
			for i := range q {
				q[i] = float32(r.NormFloat64())
			}
			normalizeVector(q)
			b.ReportAllocs()
			for b.Loop() {
				s.search(q)
			}
		})
	}
}

// BenchmarkAnswerHybrid measures Answer with semantic matching on the seed
// FAQ, the embedding of the message excluded (an in-process fake).
func BenchmarkAnswerHybrid(b *testing.B) {
	svc, _ := newSemanticService(b, newFakeEmbedder(), nil)
	ctx := context.Background()
	q := bot.Query{Text: "I would like to know where my parcel is"}
	b.ReportAllocs()
	for b.Loop() {
		svc.Answer(ctx, q)
	}
}
