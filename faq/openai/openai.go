// Package openai is Relais's optional language model, reached through any
// OpenAI-compatible API (OpenAI, Ollama, llama.cpp, vLLM, LiteLLM, …) with
// github.com/sashabaranov/go-openai. One Client serves four helpers, each
// satisfying a small interface declared where it is used:
//
//   - faq.Embedder: embeddings of the FAQ's phrasings and of customer
//     messages, for semantic matching;
//   - faq.Phraser: grounded rewording of an FAQ answer for the customer's
//     message (faq checks the result and falls back to the answer);
//   - handoff.Summarizer: a 2–3 line summary of a conversation for agents;
//   - handoff.FrustrationJudge: a second opinion on borderline frustration.
//
// Privacy and cost: every text sent is redacted first (Redact: emails, phone
// numbers, card numbers, IBANs); only customer and bot messages are ever
// sent, never agents' messages or notes. Each call is bounded by a timeout;
// a daily token budget (persisted through UsageStore) and a circuit breaker
// stop calls when they would cost too much or keep failing; every failure
// is an error the caller answers without the model. Stats counts calls,
// tokens and failures.
//
// Package openai imports faq and handoff (for the interfaces it satisfies),
// bot (types) and go-openai, the only package that does; nothing imports it
// but the composition root.
package openai

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/relaisbot/relais/faq"
	"github.com/relaisbot/relais/handoff"
)

// Errors a call returns without reaching the API.
var (
	// ErrBudget: the daily token budget is spent; calls resume the next UTC day.
	ErrBudget = errors.New("openai: daily token budget reached")
	// ErrCircuitOpen: the API failed too often in a row; calls resume after a pause.
	ErrCircuitOpen = errors.New("openai: circuit open after repeated failures")
	// ErrNoModel: the helper's model is not configured.
	ErrNoModel = errors.New("openai: no model configured for this call")
)

// Defaults of Config.
const (
	DefaultTimeout = 2 * time.Second
	// batchTimeout bounds a background embedding request of many texts.
	batchTimeout = time.Minute
	// flushEvery is how often token counts are written to the store.
	flushEvery = 10 * time.Second
	// idleConns is how many idle connections to the API are kept.
	idleConns = 16
)

// Config configures the Client.
type Config struct {
	// BaseURL of the OpenAI-compatible API, with its version path:
	// "https://api.openai.com/v1", "http://localhost:11434/v1" (Ollama),
	// "http://localhost:8080/v1" (llama.cpp).
	BaseURL string
	// APIKey, sent as a bearer token; empty for local servers that need none.
	APIKey string
	// ChatModel serves phrasing, summaries and second opinions; empty turns
	// them off.
	ChatModel string
	// EmbeddingModel serves semantic matching; empty turns it off.
	EmbeddingModel string
	// Timeout bounds each call made while someone waits (default 2 s).
	Timeout time.Duration
	// DailyTokenBudget caps the tokens (prompt + completion) used per UTC
	// day; 0 means no cap.
	DailyTokenBudget int64
	// HTTPClient, if set, sends the requests (proxies, tests).
	HTTPClient *http.Client
}

// api is the part of the go-openai client the Client uses.
type api interface {
	CreateEmbeddings(ctx context.Context, conv goopenai.EmbeddingRequestConverter) (goopenai.EmbeddingResponse, error)
	CreateChatCompletion(ctx context.Context, req goopenai.ChatCompletionRequest) (goopenai.ChatCompletionResponse, error)
}

// Client talks to the language model. It is safe for concurrent use.
type Client struct {
	cfg     Config
	api     api
	logger  *slog.Logger
	budget  *budget
	breaker *breaker
	now     func() time.Time
	stats   counters
}

var (
	_ faq.Embedder             = (*Client)(nil)
	_ faq.Phraser              = (*Client)(nil)
	_ handoff.Summarizer       = (*Client)(nil)
	_ handoff.FrustrationJudge = (*Client)(nil)
)

// New checks cfg and returns a Client whose token budget starts from what
// usage counted today (usage may be nil: counts are then not kept across
// restarts).
func New(ctx context.Context, cfg Config, usage UsageStore, logger *slog.Logger) (*Client, error) {
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("openai.base_url: %q is not an http(s) URL", cfg.BaseURL)
	}
	if cfg.ChatModel == "" && cfg.EmbeddingModel == "" {
		return nil, errors.New("openai: set openai.chat_model, openai.embedding_model or both")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	oc := goopenai.DefaultConfig(cfg.APIKey)
	oc.BaseURL = strings.TrimSuffix(cfg.BaseURL, "/")
	if cfg.HTTPClient != nil {
		oc.HTTPClient = cfg.HTTPClient
	} else if t, ok := http.DefaultTransport.(*http.Transport); ok {
		// Go keeps two idle connections per host: over HTTP/1.1 (a local
		// Ollama or llama.cpp, a proxy), with customers' questions embedded
		// at once, the others were closed after each busy moment and the
		// next calls dialled again. HTTP/2 shares one connection anyway.
		t = t.Clone()
		t.MaxIdleConnsPerHost = idleConns
		oc.HTTPClient = &http.Client{Transport: t}
	}
	c := &Client{cfg: cfg, api: goopenai.NewClientWithConfig(oc), logger: logger, now: time.Now,
		breaker: newBreaker(breakerFailures, breakerOpen)}
	if c.budget, err = newBudget(ctx, cfg.DailyTokenBudget, usage, c.now()); err != nil {
		return nil, err
	}
	return c, nil
}

// Run writes the token counts to the store every few seconds until ctx
// ends, and once more then.
func (c *Client) Run(ctx context.Context) {
	t := time.NewTicker(flushEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			c.Flush(context.WithoutCancel(ctx))
			return
		case <-t.C:
			c.Flush(ctx)
		}
	}
}

// Flush writes the token counts not yet stored. Call it before the program
// ends when Run is not running (one-shot commands).
func (c *Client) Flush(ctx context.Context) {
	if err := c.budget.flush(ctx); err != nil {
		c.logger.Warn("openai: cannot store token usage; will retry", "err", err)
	}
}

// EmbeddingModel returns the configured embedding model.
func (c *Client) EmbeddingModel() string { return c.cfg.EmbeddingModel }

// Embed returns the embeddings of texts (redacted first). A single text is
// bounded by the configured timeout, a batch by a longer one; ctx may
// shorten both.
func (c *Client) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	if c.cfg.EmbeddingModel == "" {
		return nil, ErrNoModel
	}
	if len(texts) == 0 {
		return nil, nil
	}
	input := make([]string, len(texts))
	chars := 0
	for i, t := range texts {
		input[i] = Redact(strings.ReplaceAll(t, "\n", " "))
		chars += len(input[i])
	}
	timeout := c.cfg.Timeout
	if len(texts) > 1 {
		timeout = batchTimeout
	}
	var out [][]float32
	err := c.call(ctx, kindEmbed, timeout, func(ctx context.Context) (goopenai.Usage, int, error) {
		res, err := c.api.CreateEmbeddings(ctx, goopenai.EmbeddingRequestStrings{
			Input: input, Model: goopenai.EmbeddingModel(c.cfg.EmbeddingModel),
			EncodingFormat: goopenai.EmbeddingEncodingFormatFloat,
		})
		if err != nil {
			return goopenai.Usage{}, 0, err
		}
		if len(res.Data) != len(input) {
			return res.Usage, chars, fmt.Errorf("%d embeddings for %d texts", len(res.Data), len(input))
		}
		out = make([][]float32, len(input))
		for _, d := range res.Data {
			if d.Index < 0 || d.Index >= len(out) || len(d.Embedding) == 0 {
				return res.Usage, chars, fmt.Errorf("embedding with index %d", d.Index)
			}
			out[d.Index] = d.Embedding
		}
		for i, v := range out {
			if v == nil || len(v) != len(out[0]) {
				return res.Usage, chars, fmt.Errorf("embedding %d missing or of another length", i)
			}
		}
		return res.Usage, chars, nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// chat sends one chat completion (every message redacted first) and returns
// the reply's text.
func (c *Client) chat(ctx context.Context, kind int, msgs []goopenai.ChatCompletionMessage, maxTokens int, jsonReply bool) (string, error) {
	if c.cfg.ChatModel == "" {
		return "", ErrNoModel
	}
	chars := 0
	for i := range msgs {
		msgs[i].Content = Redact(msgs[i].Content)
		chars += len(msgs[i].Content)
	}
	req := goopenai.ChatCompletionRequest{Model: c.cfg.ChatModel, Messages: msgs, MaxTokens: maxTokens, Temperature: 0.2}
	if jsonReply {
		req.ResponseFormat = &goopenai.ChatCompletionResponseFormat{Type: goopenai.ChatCompletionResponseFormatTypeJSONObject}
	}
	var text string
	err := c.call(ctx, kind, c.cfg.Timeout, func(ctx context.Context) (goopenai.Usage, int, error) {
		res, err := c.api.CreateChatCompletion(ctx, req)
		if err != nil {
			return goopenai.Usage{}, 0, err
		}
		if len(res.Choices) == 0 {
			return res.Usage, chars, errors.New("no choice in the reply")
		}
		text = strings.TrimSpace(res.Choices[0].Message.Content)
		return res.Usage, chars + len(text), nil
	})
	return text, err
}

// call runs fn within timeout if the breaker and the budget allow it, and
// counts its outcome and tokens. fn returns the usage the API reported and
// the characters exchanged (to estimate tokens when a server reports none).
func (c *Client) call(ctx context.Context, kind int, timeout time.Duration, fn func(context.Context) (goopenai.Usage, int, error)) error {
	c.stats.calls[kind].Add(1)
	now := c.now()
	if !c.breaker.allow(now) {
		c.stats.failures[failCircuitOpen].Add(1)
		return ErrCircuitOpen
	}
	if c.budget.exhausted(now) {
		c.breaker.release()
		c.stats.failures[failBudget].Add(1)
		return ErrBudget
	}
	callCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	usage, chars, err := fn(callCtx)
	tokens := int64(usage.PromptTokens + usage.CompletionTokens)
	if tokens == 0 {
		tokens = int64(usage.TotalTokens)
	}
	if tokens == 0 && chars > 0 {
		tokens = int64(chars+3) / 4 // the server reported none: about 4 characters a token
	}
	if tokens > 0 {
		c.budget.add(c.now(), tokens)
		c.stats.promptTokens.Add(int64(usage.PromptTokens))
		c.stats.completionTokens.Add(int64(usage.CompletionTokens))
		c.stats.tokens.Add(tokens)
	}
	if err == nil {
		c.breaker.success()
		return nil
	}
	reason := classify(ctx, err)
	c.stats.failures[reason].Add(1)
	if reason == failCanceled {
		c.breaker.release()
	} else {
		c.breaker.failure(c.now())
	}
	c.logger.Debug("openai: call failed", "kind", kindNames[kind], "reason", failNames[reason],
		"took", time.Since(start).Round(time.Millisecond), "err", err)
	return fmt.Errorf("openai %s: %s: %w", kindNames[kind], failNames[reason], err)
}

// classify names why a call failed. A call the caller gave up on (ctx
// cancelled, not timed out) says nothing about the API.
func classify(ctx context.Context, err error) int {
	var apiErr *goopenai.APIError
	var reqErr *goopenai.RequestError
	status := 0
	switch {
	case errors.As(err, &apiErr):
		status = apiErr.HTTPStatusCode
	case errors.As(err, &reqErr):
		status = reqErr.HTTPStatusCode
	}
	switch {
	case status == http.StatusTooManyRequests:
		return failRateLimited
	case status >= 500:
		return failServer
	case status >= 400:
		return failClient
	case errors.Is(err, context.DeadlineExceeded):
		return failTimeout
	case errors.Is(err, context.Canceled) && ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded):
		return failCanceled
	case errors.Is(err, context.Canceled):
		return failTimeout
	case status == 0 && strings.Contains(err.Error(), "Client.Timeout"):
		return failTimeout
	case status == 0 && !isNetwork(err):
		return failBadReply
	}
	return failNetwork
}

// isNetwork reports whether err is a transport error (no HTTP answer).
func isNetwork(err error) bool {
	var ue *url.Error
	return errors.As(err, &ue)
}

// Kinds of calls and reasons of failures, for Stats.
const (
	kindEmbed = iota
	kindPhrase
	kindSummary
	kindOpinion
	numKinds
)

var kindNames = [numKinds]string{"embed", "phrase", "summary", "second_opinion"}

const (
	failTimeout = iota
	failRateLimited
	failServer
	failClient
	failNetwork
	failBadReply
	failBudget
	failCircuitOpen
	failCanceled
	numFails
)

var failNames = [numFails]string{"timeout", "rate_limited", "server_error", "client_error", "network", "bad_reply", "budget", "circuit_open", "canceled"}

// counters are the Client's running counts.
type counters struct {
	calls                                  [numKinds]atomic.Int64
	failures                               [numFails]atomic.Int64
	tokens, promptTokens, completionTokens atomic.Int64
}

// Stats are the Client's counters, for /metrics.
type Stats struct {
	// Calls by kind: embed, phrase, summary, second_opinion (attempts,
	// including those refused by the budget or the breaker).
	Calls map[string]int64
	// Failures by reason: timeout, rate_limited, server_error,
	// client_error, network, bad_reply, budget, circuit_open, canceled.
	Failures map[string]int64
	// Tokens counted since start (estimated at 4 characters a token for
	// servers that report none), of which those the API reported as prompt
	// and completion tokens.
	Tokens, PromptTokens, CompletionTokens int64
	// TokensToday is today's count (UTC) against DailyTokenBudget (0 = none).
	TokensToday, DailyTokenBudget int64
	// CircuitOpen is set while calls are refused after repeated failures.
	CircuitOpen bool
}

// Stats returns the counters.
func (c *Client) Stats() Stats {
	now := c.now()
	s := Stats{Calls: map[string]int64{}, Failures: map[string]int64{},
		Tokens: c.stats.tokens.Load(), PromptTokens: c.stats.promptTokens.Load(), CompletionTokens: c.stats.completionTokens.Load(),
		TokensToday: c.budget.today(now), DailyTokenBudget: c.cfg.DailyTokenBudget, CircuitOpen: c.breaker.open(now)}
	for k := range numKinds {
		s.Calls[kindNames[k]] = c.stats.calls[k].Load()
	}
	for f := range numFails {
		s.Failures[failNames[f]] = c.stats.failures[f].Load()
	}
	return s
}
