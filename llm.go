package main

import (
	"context"
	"log/slog"

	"github.com/relaisbot/relais/config"
	"github.com/relaisbot/relais/faq"
	"github.com/relaisbot/relais/faq/openai"
	"github.com/relaisbot/relais/handoff"
	"github.com/relaisbot/relais/storage"
)

// llm is the optional language model as the application wires it.
type llm struct {
	client *openai.Client
	cfg    config.OpenAI
}

// newLLM returns the language-model client, or nil when openai.base_url is
// not set: then nothing calls any model.
func newLLM(ctx context.Context, cfg config.OpenAI, db *storage.DB, logger *slog.Logger) (*llm, error) {
	if !cfg.Enabled() {
		return nil, nil
	}
	c, err := openai.New(ctx, openai.Config{
		BaseURL: cfg.BaseURL, APIKey: cfg.APIKey, ChatModel: cfg.ChatModel, EmbeddingModel: cfg.EmbeddingModel,
		Timeout: cfg.Timeout, DailyTokenBudget: int64(cfg.DailyTokenBudget),
	}, db, logger)
	if err != nil {
		return nil, err
	}
	logger.Info("language model on", "base_url", cfg.BaseURL, "chat_model", cfg.ChatModel, "embedding_model", cfg.EmbeddingModel,
		"grounded_phrasing", cfg.GroundedPhrasing, "summaries", cfg.Summaries, "second_opinion", cfg.SecondOpinion,
		"timeout", cfg.Timeout, "daily_token_budget", cfg.DailyTokenBudget)
	return &llm{client: c, cfg: cfg}, nil
}

// faqAssist is the language model's help to the FAQ: semantic matching when
// an embedding model is set, grounded phrasing when asked for.
func (l *llm) faqAssist(db *storage.DB) faq.AssistOptions {
	o := faq.AssistOptions{Timeout: l.cfg.Timeout}
	if l.cfg.EmbeddingModel != "" {
		o.Embedder, o.Vectors = l.client, db
	}
	if l.cfg.GroundedPhrasing && l.cfg.ChatModel != "" {
		o.Phraser = l.client
	}
	return o
}

// policy adds the second opinion on borderline frustration to p when asked for.
func (l *llm) policy(p handoff.Policy, logger *slog.Logger) handoff.Policy {
	if l == nil || !l.cfg.SecondOpinion || l.cfg.ChatModel == "" {
		return p
	}
	return p.WithSecondOpinion(l.client, l.cfg.Timeout, logger)
}

// summarizer returns who writes hand-over summaries, or nil.
func (l *llm) summarizer() handoff.Summarizer {
	if l == nil || !l.cfg.Summaries || l.cfg.ChatModel == "" {
		return nil
	}
	return l.client
}

// run keeps the token counts stored until ctx ends.
func (l *llm) run(ctx context.Context) {
	if l != nil {
		l.client.Run(ctx)
	}
}

// flush stores the token counts not yet stored (one-shot commands).
func (l *llm) flush() {
	if l != nil {
		l.client.Flush(context.Background())
	}
}

// stats returns the language model's counters, for /metrics: calls, tokens
// and failures (openai.Stats), zero when it is off.
func (l *llm) stats() openai.Stats {
	if l == nil {
		return openai.Stats{}
	}
	return l.client.Stats()
}

var _ openai.UsageStore = (*storage.DB)(nil)
