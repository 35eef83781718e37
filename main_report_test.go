package main

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// The figures of a short day of chat, through /metrics and `relais report`.
func TestMetricsAndReport(t *testing.T) {
	dir := t.TempDir()
	r := startRelais(t, dir, nil)
	c := dialWidget(t, r.URL)
	c.hello("", 0, "en")
	// Two questions the bot cannot answer, not in a row (two in a row hand over).
	c.ask("q1", "Where is my order?")
	c.ask("q2", "do you sell vintage motorbike helmets")
	c.ask("q3", "How long does delivery take?")
	c.ask("q4", "Do you sell vintage motorbike helmets?")

	resp, err := http.Get(r.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	metrics := string(body)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("GET /metrics = %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, want := range []string{
		`relais_messages_received_total{channel="widget"} 4`,
		`relais_bot_replies_total{channel="widget",action="answer"} 2`,
		`relais_bot_replies_total{channel="widget",action="fallback"} 2`,
		`relais_reply_latency_seconds_count 4`,
		`relais_conversations{state="bot"} 1`,
		"# TYPE relais_kpi_bot_resolution_ratio gauge",
		"# TYPE relais_sqlite_checkpoints_total counter",
		"relais_sqlite_checkpoint_failures_total 0",
		"# TYPE relais_go_gc_cycles_total counter",
		"# TYPE relais_go_alloc_bytes_total counter",
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %q:\n%s", want, metrics)
		}
	}
	for _, secret := range []string{"motorbike", "order"} {
		if strings.Contains(metrics, secret) {
			t.Errorf("/metrics shows customer text %q", secret)
		}
	}
	c.conn.CloseNow()
	if err := r.stop(); err != nil {
		t.Fatal(err)
	}

	env := map[string]string{"RELAIS_DB": r.DB}
	out, stderr, err := runCmd(t, env, "", "report", "--json", "--since", "1d")
	if err != nil {
		t.Fatalf("report: %v\n%s", err, stderr)
	}
	var rep struct {
		Conversations int `json:"conversations"`
		WithQuestions int `json:"conversations_with_questions"`
		Unanswered    []struct {
			Example string `json:"example"`
			Count   int    `json:"count"`
		} `json:"top_unanswered"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("report --json printed %q: %v", out, err)
	}
	if rep.Conversations != 1 || rep.WithQuestions != 1 || len(rep.Unanswered) != 1 || rep.Unanswered[0].Count != 2 {
		t.Errorf("report = %+v; want 1 conversation and one group of 2 unanswered questions", rep)
	}
	text, _, err := runCmd(t, env, "", "report", "--lang", "fr")
	if err != nil || !strings.Contains(text, "Qualité de service") || !strings.Contains(text, "vintage motorbike helmets") {
		t.Errorf("report --lang fr: %v\n%s", err, text)
	}
	if _, _, err := runCmd(t, env, "", "report", "--since", "last week"); err == nil || !strings.Contains(err.Error(), "--since") {
		t.Errorf("report --since 'last week': err = %v, want a clear error", err)
	}
}
