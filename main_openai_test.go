package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/relaisbot/relais/faq/openai/openaifake"
	"github.com/relaisbot/relais/handoff/slack/slackfake"
)

// The language model the tests talk to, over HTTP through the real
// go-openai client: it rewords answers with a friendly opening (and, asked
// about delivery costs, invents a price), summarises for agents and finds
// customers frustrated.
const (
	paraphrase  = "whereabouts of the thing I bought?" // no word in common with the FAQ
	phrasedOpen = "Here you go: "
	summaryLine = "Needs to know where the parcel is."
)

func fakeModel(r openaifake.ChatRequest) string {
	switch sys := r.System(); {
	case strings.Contains(sys, "JSON"):
		return `{"frustrated": true}`
	case strings.Contains(sys, "support agents"):
		return summaryLine + "\nThe bot gave the tracking answer."
	}
	msg, answer, _ := strings.Cut(r.User(), "\n\nANSWER:\n")
	if strings.Contains(msg, "delivery cost") {
		return strings.ReplaceAll(answer, "4.90", "1.99") // an invented price
	}
	return phrasedOpen + answer
}

func newFakeModel(t *testing.T) *openaifake.Server {
	t.Helper()
	fake := openaifake.New(fakeModel)
	t.Cleanup(fake.Close)
	fake.Embed.Alias(paraphrase, "where is my order right now?") // a phrasing of shipping.tracking
	return fake
}

func openAIEnv(fake *openaifake.Server, timeout string) map[string]string {
	return map[string]string{
		"RELAIS_OPENAI_BASE_URL":          fake.BaseURL(),
		"RELAIS_OPENAI_CHAT_MODEL":        "fake-chat",
		"RELAIS_OPENAI_EMBEDDING_MODEL":   "fake-embed",
		"RELAIS_OPENAI_TIMEOUT":           timeout,
		"RELAIS_OPENAI_GROUNDED_PHRASING": "true",
		"RELAIS_OPENAI_SUMMARIES":         "true",
		"RELAIS_OPENAI_SECOND_OPINION":    "true",
	}
}

// waitLog waits until the server logged want.
func waitLog(t *testing.T, r *relais, want string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(r.stderr.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("the server did not log %q", want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// botAnswer returns the bot's first answer among replies.
func botAnswer(replies []wireMessage) (wireMessage, bool) {
	for _, m := range replies {
		if m.Action == "answer" {
			return m, true
		}
	}
	return wireMessage{}, false
}

func TestOpenAIEndToEnd(t *testing.T) {
	fake := newFakeModel(t)
	slk := newFakeSlack(t)
	env := openAIEnv(fake, "1s")
	for k, v := range slackEnv(slk) {
		env[k] = v
	}
	r := startRelais(t, "", env)
	waitLog(t, r, "semantic matching on")
	if n := fake.Count("/v1/embeddings"); n == 0 {
		t.Fatal("the FAQ's phrasings were not embedded")
	}
	c := dialWidget(t, r.URL)
	c.hello("", 0, "en")

	// A paraphrase sharing no word with the FAQ is answered, reworded.
	_, replies := c.ask("p1", paraphrase)
	ans, ok := botAnswer(replies)
	if !ok || !strings.HasPrefix(ans.Text, phrasedOpen) || !strings.Contains(ans.Text, "https://shop.example/account/orders") {
		t.Fatalf("paraphrase: replies %+v; want the tracking answer, reworded", replies)
	}

	// A rewording that invents a price is rejected: the FAQ answer goes out as it is.
	_, replies = c.ask("p2", "how much does delivery cost?")
	ans, ok = botAnswer(replies)
	if !ok || strings.Contains(ans.Text, "1.99") || !strings.Contains(ans.Text, "4.90 €") || strings.HasPrefix(ans.Text, phrasedOpen) {
		t.Errorf("invented price: reply %+v; want the verbatim answer with 4.90 €", replies)
	}
	waitLog(t, r, `msg="grounded phrasing rejected: answer sent word for word" component=faq faq_id=shipping.cost reason=number`)

	// Personal data never reaches the model.
	pii := map[string]string{
		"email": "ann.lee@example.org", "phone": "+33 6 12 34 56 78", "card": "4111 1111 1111 1111",
		"iban": "FR76 3000 6000 0112 3456 7890 189",
	}
	_, replies = c.ask("p3", "where is my parcel? I paid with card "+pii["card"]+", mail me at "+pii["email"]+" or call "+pii["phone"]+", refund to IBAN "+pii["iban"])
	if len(replies) == 0 {
		t.Fatal("no reply to the message with personal data")
	}

	// A borderline frustration score (0.45 with a threshold of 0.5) hands
	// over on the model's second opinion; agents get a summary in the header.
	c = dialWidget(t, r.URL) // a new customer: no history to add to the score
	c.hello("", 0, "en")
	_, replies = c.ask("p6", "I'm disappointed")
	if len(replies) == 0 || replies[0].Action != "handoff" {
		t.Fatalf("borderline frustration: replies %+v; want a hand-over on the second opinion", replies)
	}
	st := waitSlack(t, slk, "the hand-over summary in the parent", func(s slackfake.State) bool {
		p, ok := parent(s)
		if !ok {
			return false
		}
		m, ok := s.Message(agentsChannel, p.TS)
		return ok && strings.Contains(m.Blocks, summaryLine)
	})
	top, _ := parent(st)
	head, _ := st.Message(agentsChannel, top.TS)
	for _, want := range []string{"second opinion: frustrated", "Summary (AI)", "Claim"} {
		if !strings.Contains(head.Blocks, want) {
			t.Errorf("parent lacks %q: %s", want, head.Blocks)
		}
	}
	// An agent's note and reply stay out of every request.
	slk.AgentReply(agentsChannel, top.TS, "U0MARIE", "note: VIP customer, secret-note-42")
	slk.AgentReply(agentsChannel, top.TS, "U0MARIE", "Hello, agent-reply-42 here.")
	c.nextMessage("agent")

	for _, req := range fake.Requests() {
		for kind, v := range pii {
			if strings.Contains(req.Body, v) || strings.Contains(req.Body, strings.ReplaceAll(v, " ", "")) {
				t.Errorf("the customer's %s reached the model: %s %s", kind, req.Path, req.Body)
			}
		}
		for _, secret := range []string{"secret-note-42", "agent-reply-42", "support@shop.example"} {
			if strings.Contains(req.Body, secret) {
				t.Errorf("%q reached the model: %s", secret, req.Body)
			}
		}
	}
	for _, want := range []string{"[email]", "[phone]", "[card]", "[iban]"} {
		found := false
		for _, req := range fake.Requests() {
			found = found || strings.Contains(req.Body, want)
		}
		if !found {
			t.Errorf("no request carries the mark %s: was the message with personal data sent at all?", want)
		}
	}
}

// 429, 5xx and a slow API fall back to the lexical, verbatim answer within
// the timeout; the breaker then stops calling.
func TestOpenAIFallsBack(t *testing.T) {
	fake := newFakeModel(t)
	r := startRelais(t, "", openAIEnv(fake, "1s"))
	waitLog(t, r, "semantic matching on")
	ask := func(id, text string) ([]wireMessage, time.Duration) {
		c := dialWidget(t, r.URL) // a new customer each time: no repeated question
		c.hello("", 0, "en")
		start := time.Now()
		_, replies := c.ask(id, text)
		return replies, time.Since(start)
	}
	if replies, _ := ask("ok", "where is my parcel"); !strings.HasPrefix(replies[0].Text, phrasedOpen) {
		t.Fatalf("healthy API: replies %+v; want the answer reworded", replies)
	}
	for _, tt := range []struct {
		name   string
		inject func()
	}{
		{"429", func() { fake.Fail("", 429, 2) }}, // the message's embedding and its rewording
		{"500", func() { fake.Fail("", 500, 2) }},
		{"slow", func() { fake.SetDelay(5 * time.Second) }},
	} {
		tt.inject()
		replies, took := ask(tt.name, "where is my parcel")
		fake.SetDelay(0)
		if ans, ok := botAnswer(replies); !ok || strings.HasPrefix(ans.Text, phrasedOpen) || !strings.Contains(ans.Text, "https://shop.example/account/orders") {
			t.Errorf("%s: replies %+v; want the verbatim tracking answer", tt.name, replies)
		}
		if took > 2500*time.Millisecond {
			t.Errorf("%s: the customer waited %v with a 1s timeout", tt.name, took)
		}
	}
	// Six failures in a row (2 + 2 + the slow embedding and the rewording
	// left no time): the breaker is open, the model is left alone.
	sent := len(fake.Requests())
	replies, took := ask("open", "where is my parcel")
	if len(fake.Requests()) != sent || took > time.Second || strings.HasPrefix(replies[0].Text, phrasedOpen) {
		t.Errorf("open breaker: %d requests sent, waited %v, replies %+v", len(fake.Requests())-sent, took, replies)
	}

	// The counters tell operators what happened.
	resp, err := http.Get(r.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, want := range []string{
		`relais_llm_calls_total{kind="embed"}`, `relais_llm_calls_total{kind="phrase"}`,
		`relais_llm_failures_total{reason="rate_limited"}`, `relais_llm_failures_total{reason="server_error"}`,
		`relais_llm_failures_total{reason="circuit_open"}`, "relais_llm_tokens_total ",
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// Without configuration Relais behaves as before: no request at all.
func TestOpenAIOffMakesNoCall(t *testing.T) {
	fake := newFakeModel(t)
	r := startRelais(t, "", nil)
	c := dialWidget(t, r.URL)
	c.hello("", 0, "en")
	for i, q := range []string{"where is my parcel", paraphrase, "how much does delivery cost?", "I'm disappointed"} {
		c.ask("q"+string(rune('a'+i)), q)
	}
	if n := len(fake.Requests()); n != 0 {
		t.Errorf("%d requests to the model without configuration", n)
	}
	if strings.Contains(r.stderr.String(), "language model on") {
		t.Error("the language model is on without configuration")
	}
}

// A model that does not answer in time makes semantic matching wait: the
// customer is answered lexically meanwhile, and the start is not delayed.
func TestOpenAIDownAtStart(t *testing.T) {
	fake := newFakeModel(t)
	fake.Fail("", 500, 1000)
	start := time.Now()
	r := startRelais(t, "", openAIEnv(fake, "300ms"))
	if took := time.Since(start); took > 15*time.Second {
		t.Errorf("start took %v with the model down", took)
	}
	c := dialWidget(t, r.URL)
	c.hello("", 0, "en")
	_, replies := c.ask("d1", "where is my parcel")
	if ans, ok := botAnswer(replies); !ok || strings.HasPrefix(ans.Text, phrasedOpen) {
		t.Errorf("model down: replies %+v; want the verbatim tracking answer", replies)
	}
	waitLog(t, r, "semantic matching: cannot compute vectors; retrying")
}
