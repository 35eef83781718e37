package config

import (
	"fmt"
	"net/url"
	"strings"
	"time"
)

// OpenAI is the optional language model, reached through any
// OpenAI-compatible API. It is enabled by setting a base URL; without one
// Relais makes no call at all.
type OpenAI struct {
	BaseURL          string        `toml:"base_url"`
	APIKey           string        `toml:"api_key"`
	ChatModel        string        `toml:"chat_model"`
	EmbeddingModel   string        `toml:"embedding_model"`
	Timeout          time.Duration `toml:"timeout"`
	DailyTokenBudget int           `toml:"daily_token_budget"`
	GroundedPhrasing bool          `toml:"grounded_phrasing"`
	Summaries        bool          `toml:"summaries"`
	SecondOpinion    bool          `toml:"second_opinion"`
}

// DefaultOpenAI returns the language model's defaults: off (no base URL),
// OpenAI's small models, 2 s per call, 500,000 tokens a day, semantic
// matching only (phrasing, summaries and second opinions are opt-in).
func DefaultOpenAI() OpenAI {
	return OpenAI{
		ChatModel:        "gpt-4o-mini",
		EmbeddingModel:   "text-embedding-3-small",
		Timeout:          2 * time.Second,
		DailyTokenBudget: 500000,
	}
}

// Enabled reports whether the language model is configured.
func (o OpenAI) Enabled() bool { return o.BaseURL != "" }

// openAISettings are the language model's settings, listed in Settings.
var openAISettings = []Setting{
	{Key: "openai.base_url", Env: "RELAIS_OPENAI_BASE_URL", Help: "OpenAI-compatible API base URL, e.g. https://api.openai.com/v1, http://localhost:11434/v1 (Ollama), http://localhost:8080/v1 (llama.cpp); empty = no language model, no call at all (see faq/openai/README.md)"},
	{Key: "openai.api_key", Env: "RELAIS_OPENAI_API_KEY", Secret: true, Help: "API key (sent as a bearer token); empty for local servers that need none"},
	{Key: "openai.chat_model", Env: "RELAIS_OPENAI_CHAT_MODEL", Help: "chat model for grounded phrasing, hand-over summaries and second opinions; empty = none of them"},
	{Key: "openai.embedding_model", Env: "RELAIS_OPENAI_EMBEDDING_MODEL", Help: "embedding model for semantic matching (FAQ phrasings are embedded once and stored); empty = lexical matching only"},
	{Key: "openai.timeout", Env: "RELAIS_OPENAI_TIMEOUT", Help: "longest wait for the model while a customer waits (then the answer is the lexical one, word for word)"},
	{Key: "openai.daily_token_budget", Env: "RELAIS_OPENAI_DAILY_TOKEN_BUDGET", Help: "tokens (prompt + completion) per UTC day; once spent, Relais works without the model until the next day; 0 = no limit"},
	{Key: "openai.grounded_phrasing", Env: "RELAIS_OPENAI_GROUNDED_PHRASING", Help: "let the model adapt FAQ answers to the customer's message, using only the answer's facts (checked; otherwise the answer is sent word for word)"},
	{Key: "openai.summaries", Env: "RELAIS_OPENAI_SUMMARIES", Help: "show agents a 2–3 line summary of the conversation in the Slack hand-over message"},
	{Key: "openai.second_opinion", Env: "RELAIS_OPENAI_SECOND_OPINION", Help: "ask the model whether the customer is frustrated when the frustration score is within 0.1 of the threshold"},
}

// validate checks the language model's settings: nothing when it is off,
// everything it needs when on.
func (o OpenAI) validate() Problems {
	var p Problems
	add := func(key, format string, args ...any) { p = append(p, key+": "+fmt.Sprintf(format, args...)) }
	if o.DailyTokenBudget < 0 {
		add("openai.daily_token_budget", "must not be negative (0 = no limit)")
	}
	if !o.Enabled() {
		if o.APIKey != "" || o.GroundedPhrasing || o.Summaries || o.SecondOpinion {
			add("openai.base_url", "must be set to use the language model (other openai.* settings are set), e.g. https://api.openai.com/v1")
		}
		return p
	}
	if u, err := url.Parse(o.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		add("openai.base_url", "%q is not an http(s) URL (e.g. https://api.openai.com/v1 or http://localhost:11434/v1)", o.BaseURL)
	}
	if u, err := url.Parse(o.BaseURL); err == nil && u.Host == "api.openai.com" && o.APIKey == "" {
		add("openai.api_key", "OpenAI needs an API key (RELAIS_OPENAI_API_KEY)")
	}
	if strings.TrimSpace(o.ChatModel) == "" && strings.TrimSpace(o.EmbeddingModel) == "" {
		add("openai.embedding_model", "set openai.embedding_model, openai.chat_model or both")
	}
	if strings.TrimSpace(o.ChatModel) == "" {
		for _, f := range []struct {
			key string
			on  bool
		}{{"openai.grounded_phrasing", o.GroundedPhrasing}, {"openai.summaries", o.Summaries}, {"openai.second_opinion", o.SecondOpinion}} {
			if f.on {
				add(f.key, "needs openai.chat_model")
			}
		}
	}
	if o.Timeout < 100*time.Millisecond || o.Timeout > time.Minute {
		add("openai.timeout", "%v must be between 100ms and 1m", o.Timeout)
	}
	return p
}
