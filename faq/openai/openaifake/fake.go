// Package openaifake is a wire-level fake of an OpenAI-compatible API for
// tests: POST /v1/embeddings and POST /v1/chat/completions, answered like the
// real API (JSON bodies, usage counts, error objects), with every request
// recorded and faults injected on demand (an HTTP status for the next calls,
// a delay). Embeddings are deterministic bags of words (BagOfWords) whose
// aliases make chosen paraphrases close in meaning; chat replies come from a
// function the test sets.
//
// Package openaifake imports only the standard library.
package openaifake

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
	"unicode"
)

// Request is one request the fake received.
type Request struct {
	Path string
	Body string // raw JSON
}

// ChatRequest is the part of a chat completion request the fake reads.
type ChatRequest struct {
	Model          string `json:"model"`
	MaxTokens      int    `json:"max_tokens"`
	ResponseFormat *struct {
		Type string `json:"type"`
	} `json:"response_format"`
	Messages []struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	} `json:"messages"`
}

// System returns the content of the system message.
func (r ChatRequest) System() string {
	for _, m := range r.Messages {
		if m.Role == "system" {
			return m.Content
		}
	}
	return ""
}

// User returns the content of the last user message.
func (r ChatRequest) User() string {
	for i := len(r.Messages) - 1; i >= 0; i-- {
		if r.Messages[i].Role == "user" {
			return r.Messages[i].Content
		}
	}
	return ""
}

// Server is the fake API. Its URL plus "/v1" is the base URL to configure.
type Server struct {
	*httptest.Server
	Embed *BagOfWords // how texts are embedded

	mu     sync.Mutex
	reqs   []Request
	chat   func(ChatRequest) string
	faults []fault
	delay  time.Duration
	conns  int
}

type fault struct {
	path   string // "" for every path
	status int
	left   int
}

// New starts a fake whose chat replies come from chat (nil: the reply is
// "ok") and whose embeddings come from a BagOfWords of 256 dimensions.
func New(chat func(ChatRequest) string) *Server {
	s := &Server{Embed: NewBagOfWords(256), chat: chat}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/embeddings", s.embeddings)
	mux.HandleFunc("POST /v1/chat/completions", s.completions)
	s.Server = httptest.NewUnstartedServer(mux)
	s.Config.ConnState = func(_ net.Conn, cs http.ConnState) {
		if cs == http.StateNew {
			s.mu.Lock()
			s.conns++
			s.mu.Unlock()
		}
	}
	s.Start()
	return s
}

// Connections returns how many connections the fake accepted so far.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns
}

// BaseURL returns the base URL to give the client ("http://127.0.0.1:N/v1").
func (s *Server) BaseURL() string { return s.URL + "/v1" }

// SetChat replaces the chat reply function.
func (s *Server) SetChat(chat func(ChatRequest) string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.chat = chat
}

// Fail makes the next n requests to path ("/v1/embeddings",
// "/v1/chat/completions", or "" for any) fail with status, with an OpenAI
// error object as body (and Retry-After for 429).
func (s *Server) Fail(path string, status, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, fault{path: path, status: status, left: n})
}

// SetDelay makes every request wait d before it is answered (0: none). A
// request whose client gives up ends the wait.
func (s *Server) SetDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// Requests returns the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.reqs...)
}

// Count returns how many requests went to path.
func (s *Server) Count(path string) int {
	n := 0
	for _, r := range s.Requests() {
		if r.Path == path {
			n++
		}
	}
	return n
}

// receive records r and applies the faults; it reports false when it wrote
// an error response.
func (s *Server) receive(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.reqs = append(s.reqs, Request{Path: r.URL.Path, Body: string(body)})
	delay := s.delay
	status := 0
	for i := range s.faults {
		f := &s.faults[i]
		if f.left > 0 && (f.path == "" || f.path == r.URL.Path) {
			f.left--
			status = f.status
			break
		}
	}
	s.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return nil, false
		}
	}
	if status != 0 {
		if status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "1")
		}
		writeJSON(w, status, map[string]any{"error": map[string]any{
			"message": http.StatusText(status), "type": "fake_error", "code": status,
		}})
		return nil, false
	}
	return body, true
}

func (s *Server) embeddings(w http.ResponseWriter, r *http.Request) {
	body, ok := s.receive(w, r)
	if !ok {
		return
	}
	var req struct {
		Model string          `json:"model"`
		Input json.RawMessage `json:"input"`
	}
	if err := json.Unmarshal(body, &req); err != nil || req.Model == "" {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]any{"message": "bad request", "type": "invalid_request_error"}})
		return
	}
	var inputs []string
	if err := json.Unmarshal(req.Input, &inputs); err != nil {
		var one string
		if err := json.Unmarshal(req.Input, &one); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]any{"message": "bad input", "type": "invalid_request_error"}})
			return
		}
		inputs = []string{one}
	}
	data := make([]map[string]any, len(inputs))
	tokens := 0
	for i, text := range inputs {
		data[i] = map[string]any{"object": "embedding", "index": i, "embedding": s.Embed.Vector(text)}
		tokens += len(strings.Fields(text))
	}
	writeJSON(w, http.StatusOK, map[string]any{"object": "list", "model": req.Model, "data": data,
		"usage": map[string]int{"prompt_tokens": tokens, "total_tokens": tokens}})
}

func (s *Server) completions(w http.ResponseWriter, r *http.Request) {
	body, ok := s.receive(w, r)
	if !ok {
		return
	}
	var req ChatRequest
	if err := json.Unmarshal(body, &req); err != nil || req.Model == "" || len(req.Messages) == 0 {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]any{"message": "bad request", "type": "invalid_request_error"}})
		return
	}
	s.mu.Lock()
	chat := s.chat
	s.mu.Unlock()
	reply := "ok"
	if chat != nil {
		reply = chat(req)
	}
	prompt := 0
	for _, m := range req.Messages {
		prompt += len(strings.Fields(m.Content))
	}
	completion := len(strings.Fields(reply))
	writeJSON(w, http.StatusOK, map[string]any{
		"id": "chatcmpl-fake", "object": "chat.completion", "created": time.Now().Unix(), "model": req.Model,
		"choices": []map[string]any{{"index": 0, "finish_reason": "stop",
			"message": map[string]string{"role": "assistant", "content": reply}}},
		"usage": map[string]int{"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion},
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// BagOfWords embeds a text as the normalised sum of one pseudo-random unit
// vector per distinct word (lower-cased, without accents' marks, stop words
// left out). Aliases map a word to another, so that a chosen paraphrase
// gets the vector of the text it paraphrases. It is deterministic and safe
// for concurrent use once its aliases are set.
type BagOfWords struct {
	Dim     int
	Aliases map[string]string
}

// NewBagOfWords returns a BagOfWords of dim dimensions and no aliases.
func NewBagOfWords(dim int) *BagOfWords { return &BagOfWords{Dim: dim, Aliases: map[string]string{}} }

// Alias makes every word of paraphrase stand, in order, for the words of
// original (the extra words of the longer one are left as they are).
func (b *BagOfWords) Alias(paraphrase, original string) {
	p, o := Words(paraphrase), Words(original)
	for i := range min(len(p), len(o)) {
		b.Aliases[p[i]] = o[i]
	}
}

// Vector returns the embedding of text.
func (b *BagOfWords) Vector(text string) []float32 {
	v := make([]float64, b.Dim)
	seen := map[string]bool{}
	for _, w := range Words(text) {
		if a, ok := b.Aliases[w]; ok {
			w = a
		}
		if seen[w] {
			continue
		}
		seen[w] = true
		h := fnv.New64a()
		h.Write([]byte(w))
		x := h.Sum64() | 1
		for i := range v {
			x ^= x << 13
			x ^= x >> 7
			x ^= x << 17
			v[i] += float64(int64(x>>11))/float64(1<<52) - 1
		}
	}
	n := 0.0
	for _, x := range v {
		n += x * x
	}
	out := make([]float32, b.Dim)
	if n == 0 {
		out[0] = 1 // no word: a fixed vector
		return out
	}
	n = math.Sqrt(n)
	for i, x := range v {
		out[i] = float32(x / n)
	}
	return out
}

// stopWords are left out of BagOfWords vectors.
var stopWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`a an the i my me you your is are am do does did to of in on for and or it this that
		can could be have has with at by from what where when how why which please
		le la les un une de des du je j mon ma mes vous votre vos est et ou a au aux en pour que qui quoi ou
		ce cette il elle on ne pas d l qu s`) {
		stopWords[w] = true
	}
}

// Words returns the lower-cased words of text without stop words.
func Words(text string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if !stopWords[w] {
			out = append(out, w)
		}
	}
	return out
}

// String describes the fake, for test logs.
func (s *Server) String() string { return fmt.Sprintf("openaifake at %s", s.URL) }
