package faq

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"
)

var (
	embedURL   = flag.String("faq.embed-url", "", "OpenAI-compatible base URL (…/v1) to embed with, for TestFitHybridCalibration")
	embedModel = flag.String("faq.embed-model", "", "embedding model, for TestFitHybridCalibration")
	embedKey   = flag.String("faq.embed-key", "", "API key of the embedding server, if it needs one")
)

// TestFitHybridCalibration fits the hybrid calibration of one embedding
// model on the dev split (the same as the lexical calibration's) and prints
// the entry to paste into hybridFits (hybrid.go):
//
//	go test ./faq -run TestFitHybridCalibration -v -timeout 1h -args -faq.fit \
//	    -faq.embed-url=http://localhost:11434/v1 -faq.embed-model=nomic-embed-text
//
// It embeds the seed FAQ and about 11,000 dev messages (about 150,000
// tokens).
func TestFitHybridCalibration(t *testing.T) {
	if !*fitFlag || *embedURL == "" || *embedModel == "" {
		t.Skip("run with -args -faq.fit -faq.embed-url=URL -faq.embed-model=MODEL")
	}
	emb := &httpEmbedder{url: strings.TrimSuffix(*embedURL, "/") + "/embeddings", model: *embedModel, key: *embedKey}
	var samples []sample
	for _, set := range devSets(t) {
		samples = append(samples, set.Samples...)
	}
	fit := fitHybrid(t, emb, samples)
	t.Logf("hybrid calibration of %s fitted on %d dev messages; paste into hybridFits:\n%s", *embedModel, len(samples), fit.literal(*embedModel))
	t.Logf("dev split at the default thresholds: %s", fit.report)
}

// The fitting runs in CI on the hand-written dev sets with the fake model,
// so that it keeps working for the day it is run with a real one.
func TestFitHybridPipeline(t *testing.T) {
	if testing.Short() {
		t.Skip("embeds and fits")
	}
	samples := append(readSamples(t, "fr_dev.jsonl"), readSamples(t, "en_returns_dev.jsonl")...)
	fit := fitHybrid(t, newFakeEmbedder(), samples)
	c := fit.calibration
	for name, v := range map[string]float64{"bias": c.Bias, "lexical": c.Lexical, "similarity": c.Similarity, "margin": c.Margin} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Errorf("%s coefficient is %v", name, v)
		}
	}
	if c.Lexical <= 0 {
		t.Errorf("lexical coefficient %.3f: the lexical confidence must count for the right answer", c.Lexical)
	}
	if len(c.Isotonic) < 3 || c.Isotonic[0].Score != 0 || c.Isotonic[len(c.Isotonic)-1].Score != 1 {
		t.Errorf("isotonic table %v, want knots from 0 to 1", c.Isotonic)
	}
	if !strings.Contains(fit.literal("m"), `"m": {Bias:`) {
		t.Errorf("literal = %s", fit.literal("m"))
	}
}

// hybridFit is a fitted hybrid calibration and how it decides on the dev split.
type hybridFit struct {
	calibration hybridCalibration
	report      string
}

// literal returns the Go literal of the fit, for hybridFits.
func (f hybridFit) literal(model string) string {
	c := f.calibration
	var b strings.Builder
	fmt.Fprintf(&b, "\t%q: {Bias: %.3f, Lexical: %.3f, Similarity: %.3f, Margin: %.3f, Isotonic: []struct{ Score, Right float64 }{\n\t\t", model, c.Bias, c.Lexical, c.Similarity, c.Margin)
	for _, k := range c.Isotonic {
		fmt.Fprintf(&b, "{%.4f, %.4f}, ", k.Score, k.Right)
	}
	b.WriteString("\n\t}},")
	return b.String()
}

// hybridVector is the regression input of a candidate, with a leading 1.
func hybridVector(f SemanticFeatures) []float64 {
	p := min(max(f.Lexical, 0.001), 0.999)
	l := min(max(math.Log(p/(1-p)), -lexicalLogitBound), lexicalLogitBound)
	return []float64{1, l, f.Similarity, f.Margin}
}

// fitHybrid embeds the seed FAQ and the samples with emb, fits the logistic
// regression on every candidate of every sample (right or not), then the
// isotonic table on the top candidates as the fitted model ranks them.
func fitHybrid(t *testing.T, emb Embedder, samples []sample) hybridFit {
	t.Helper()
	ctx := context.Background()
	svc := NewService(&fakeStore{}, DefaultFacts(), DefaultOptions(), discardLogger())
	svc.SetAssist(AssistOptions{Embedder: emb, Vectors: &memVectors{}})
	if err := svc.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if err := svc.SyncSemantic(ctx); err != nil {
		t.Fatal(err)
	}
	sem := svc.assist.sem.Load()
	if sem == nil {
		t.Fatal("the model's vectors do not tell the FAQ's entries apart")
	}
	ix := svc.index.Load()

	type row struct {
		want string
		hits []Hit
	}
	var rows []row
	for i := 0; i < len(samples); i += embedBatch {
		batch := samples[i:min(i+embedBatch, len(samples))]
		texts := make([]string, len(batch))
		for j, s := range batch {
			texts[j] = s.Text
			if !hasLetter(s.Text) {
				texts[j] = "?"
			}
		}
		vs, err := emb.Embed(ctx, texts)
		if err != nil {
			t.Fatalf("embed dev messages: %v", err)
		}
		for j, s := range batch {
			normalizeVector(vs[j])
			hits, ok := sem.candidates(ix.Match(s.Text, "", ""), vs[j])
			if ok {
				rows = append(rows, row{want: s.Want, hits: hits})
			}
		}
	}
	var xs [][]float64
	var ys []float64
	for _, r := range rows {
		for _, h := range r.hits {
			xs = append(xs, hybridVector(h.Semantic))
			ys = append(ys, b2f(h.ID == r.want))
		}
	}
	w := fitLogistic(xs, ys, 1e-3, 50)
	c := hybridCalibration{Bias: w[0], Lexical: w[1], Similarity: w[2], Margin: w[3]}

	var ps, tops []float64
	answered, right := 0, 0
	for _, r := range rows {
		best, bestP := "", -1.0
		for _, h := range r.hits {
			if p := hybridScore(&c, h.Semantic); p > bestP || p == bestP && h.ID < best {
				best, bestP = h.ID, p
			}
		}
		ps = append(ps, bestP)
		tops = append(tops, b2f(best == r.want && r.want != ""))
	}
	for _, k := range fitIsotonic(ps, tops, isotonicBins) {
		c.Isotonic = append(c.Isotonic, struct{ Score, Right float64 }{k[0], k[1]})
	}
	for i := range ps {
		if calibratedAt(&c, ps[i]) >= DefaultOptions().AnswerThreshold {
			answered++
			right += int(tops[i])
		}
	}
	report := fmt.Sprintf("%d messages, %d answered (%.1f %%), %d of them right (%.1f %%)",
		len(rows), answered, 100*float64(answered)/float64(max(1, len(rows))), right, 100*float64(right)/float64(max(1, answered)))
	return hybridFit{calibration: c, report: report}
}

// calibratedAt maps a logistic output through c's isotonic table.
func calibratedAt(c *hybridCalibration, p float64) float64 {
	t := c.Isotonic
	if len(t) == 0 || p <= t[0].Score {
		return p
	}
	for i := 1; i < len(t); i++ {
		if p <= t[i].Score {
			a, b := t[i-1], t[i]
			return a.Right + (b.Right-a.Right)*(p-a.Score)/(b.Score-a.Score)
		}
	}
	return t[len(t)-1].Right
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// httpEmbedder calls an OpenAI-compatible /embeddings endpoint with the
// standard library (package faq does not import go-openai).
type httpEmbedder struct{ url, model, key string }

func (e *httpEmbedder) EmbeddingModel() string { return e.model }

func (e *httpEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	body, _ := json.Marshal(map[string]any{"model": e.model, "input": texts})
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if e.key != "" {
		req.Header.Set("Authorization", "Bearer "+e.key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("embeddings: HTTP %d", resp.StatusCode)
	}
	var out struct {
		Data []struct {
			Index     int       `json:"index"`
			Embedding []float32 `json:"embedding"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return nil, err
	}
	vs := make([][]float32, len(texts))
	for _, d := range out.Data {
		if d.Index >= 0 && d.Index < len(vs) {
			vs[d.Index] = d.Embedding
		}
	}
	for i, v := range vs {
		if v == nil {
			return nil, fmt.Errorf("no embedding for text %d", i)
		}
	}
	return vs, nil
}
