package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/relaisbot/relais/config"
	"github.com/relaisbot/relais/faq"
	"github.com/relaisbot/relais/handoff"
)

// lockedBuffer is an io.Writer safe for the server's goroutines and the test.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// relais is a Relais server started through run, as the binary would be.
type relais struct {
	URL    string
	DB     string
	stdout *lockedBuffer
	stderr *lockedBuffer
	stop   func() error // cancels run's context and returns run's error
}

var urlLine = regexp.MustCompile(`open (http://\S+)`)

// startRelais runs `relais serve` on a free port with a database in dir (a
// new temporary directory if empty) and the given environment.
func startRelais(t *testing.T, dir string, env map[string]string) *relais {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	db := filepath.Join(dir, "relais.db")
	getenv := func(k string) string {
		if v, ok := env[k]; ok {
			return v
		}
		return map[string]string{"RELAIS_ADDR": "127.0.0.1:0", "RELAIS_DB": db, "RELAIS_LOG_LEVEL": "debug"}[k]
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &relais{DB: db, stdout: &lockedBuffer{}, stderr: &lockedBuffer{}}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve"}, getenv, r.stdout, r.stderr) }()
	var once sync.Once
	var runErr error
	r.stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case runErr = <-done:
			case <-time.After(15 * time.Second):
				runErr = errors.New("run did not return within 15s of cancellation")
			}
		})
		return runErr
	}
	t.Cleanup(func() {
		if err := r.stop(); err != nil {
			t.Errorf("run: %v\nstderr:\n%s", err, r.stderr.String())
		} else if t.Failed() {
			t.Logf("relais log:\n%s", r.stderr.String())
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if m := urlLine.FindStringSubmatch(r.stdout.String()); m != nil {
			r.URL = m[1]
			return r
		}
		select {
		case err := <-done:
			t.Fatalf("run returned before serving: %v\nstderr:\n%s", err, r.stderr.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatalf("no URL printed within 30s; stdout %q, stderr:\n%s", r.stdout.String(), r.stderr.String())
	return nil
}

// runCmd runs a one-shot command through run and returns its output.
func runCmd(t *testing.T, env map[string]string, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	getenv := func(k string) string { return env[k] }
	err = runWithInput(context.Background(), args, getenv, strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), err
}

func TestHealthAndReadiness(t *testing.T) {
	r := startRelais(t, "", nil)
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get(r.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !json.Valid(body) {
			t.Errorf("GET %s = %d %s, want 200 with JSON", path, resp.StatusCode, body)
		}
	}
}

func TestTryCommand(t *testing.T) {
	env := map[string]string{"RELAIS_DB": filepath.Join(t.TempDir(), "relais.db")}
	out, stderr, err := runCmd(t, env, "", "try", "--json", "Où est ma commande ?")
	if err != nil {
		t.Fatalf("try: %v\n%s", err, stderr)
	}
	var got tryOutput
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("try --json printed %q: %v", out, err)
	}
	if got.Lang != "fr" || got.Action != "answer" || got.FAQID != "shipping.tracking" || got.Confidence <= 0 || got.Reply == "" || len(got.Candidates) == 0 {
		t.Errorf("try --json = %+v; want a French answer from shipping.tracking", got)
	}
	for _, key := range []string{`"lang"`, `"action"`, `"faq_id"`, `"confidence"`, `"candidates"`, `"reply"`, `"id"`, `"score"`, `"frustration"`, `"reasons"`} {
		if !strings.Contains(out, key) {
			t.Errorf("try --json output lacks %s: %s", key, out)
		}
	}

	out, _, err = runCmd(t, env, "", "try", "--json", "C'est la troisième fois que je demande, je vais faire opposition auprès de ma banque !!!")
	if err != nil {
		t.Fatal(err)
	}
	var angry tryOutput
	json.Unmarshal([]byte(out), &angry)
	if angry.Action != "handoff" || angry.Frustration.Score < 0.5 || len(angry.Frustration.Reasons) < 2 {
		t.Errorf("an angry customer: %s; want handoff with a high score and reasons", out)
	}

	// One message per line in, one JSON object per line out; a bad line is
	// reported and the run goes on.
	in := "where is my parcel\nI want to talk to a human\n\nwhat's the weather like in Paris tomorrow?\nbonjour\n"
	out, stderr, err = runCmd(t, env, in, "try", "-")
	if err != nil {
		t.Fatalf("try -: %v\n%s", err, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	wantActions := []string{"answer", "handoff", "", "fallback", "smalltalk"}
	if len(lines) != len(wantActions) {
		t.Fatalf("try - printed %d lines, want %d:\n%s", len(lines), len(wantActions), out)
	}
	for i, line := range lines {
		var o tryOutput
		if err := json.Unmarshal([]byte(line), &o); err != nil {
			t.Fatalf("line %d %q: %v", i+1, line, err)
		}
		if string(o.Action) != wantActions[i] {
			t.Errorf("line %d: action %q, want %q (%s)", i+1, o.Action, wantActions[i], line)
		}
		if wantActions[i] == "" && o.Error == "" {
			t.Errorf("line %d (empty message): no error reported: %s", i+1, line)
		}
	}

	out, _, err = runCmd(t, env, "", "try", "retourner un article", "--lang", "en")
	if err != nil || !strings.Contains(out, "language:   en") {
		t.Errorf("try MESSAGE --lang en (flag after the message): %v\n%s", err, out)
	}
	for _, args := range [][]string{{"try"}, {"try", "a", "b"}} {
		_, stderr, err := runCmd(t, env, "", args...)
		if !errors.Is(err, errUsage) || !strings.Contains(stderr, "give one MESSAGE") {
			t.Errorf("%q: err = %v, stderr %q; want a usage error that says why", args, err, stderr)
		}
	}
	if _, _, err := runCmd(t, env, "", "try", "--lang", "de", "hallo"); err == nil || !strings.Contains(err.Error(), "unknown language") {
		t.Errorf("try --lang de: err = %v, want unknown language", err)
	}
}

func TestConfigVersionHelp(t *testing.T) {
	dir := t.TempDir()
	out, _, err := runCmd(t, map[string]string{"RELAIS_SHOP_NAME": "Chez Léa"}, "", "config", "--db", filepath.Join(dir, "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`name = "Chez Léa"`, `path = "` + filepath.Join(dir, "x.db") + `"`, `addr = ":8080"`} {
		if !strings.Contains(out, want) {
			t.Errorf("config output lacks %s:\n%s", want, out)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "x.db")); !os.IsNotExist(err) {
		t.Error("relais config created the database; it must only print")
	}

	_, _, err = runCmd(t, map[string]string{"RELAIS_ADDR": "nonsense", "RELAIS_SHOP_SUPPORT_EMAIL": "nope"}, "", "config")
	if err == nil || !strings.Contains(err.Error(), "server.addr") || !strings.Contains(err.Error(), "shop.support_email") || exitCode(err) != 2 {
		t.Errorf("invalid config: err = %v (exit %d); want both keys named and exit 2", err, exitCode(err))
	}

	out, _, err = runCmd(t, nil, "", "version")
	if err != nil || !strings.HasPrefix(out, "relais ") {
		t.Errorf("version = %q, %v", out, err)
	}
	for _, args := range [][]string{{"--help"}, {"help"}, {"try", "--help"}} {
		out, _, err := runCmd(t, nil, "", args...)
		if err != nil || !strings.Contains(out, "relais try") {
			t.Errorf("%v: %v, output %q", args, err, out)
		}
	}
	_, stderr, err := runCmd(t, nil, "", "serve", "--bogus")
	if !errors.Is(err, errUsage) || !strings.Contains(stderr, "bogus") {
		t.Errorf("unknown flag: err = %v, stderr %q; want a usage error naming it", err, stderr)
	}
}

// The configuration's defaults are the values the packages measured best.
func TestConfigDefaultsMatchMeasuredDefaults(t *testing.T) {
	c, f := config.Default(), faq.DefaultOptions()
	if c.FAQ.AnswerThreshold != f.AnswerThreshold || c.FAQ.ClarifyThreshold != f.ClarifyThreshold {
		t.Errorf("config FAQ thresholds %v/%v, faq defaults %v/%v", c.FAQ.AnswerThreshold, c.FAQ.ClarifyThreshold, f.AnswerThreshold, f.ClarifyThreshold)
	}
	if c.Handoff.FrustrationThreshold != handoff.DefaultFrustrationThreshold {
		t.Errorf("config frustration threshold %v, handoff default %v", c.Handoff.FrustrationThreshold, handoff.DefaultFrustrationThreshold)
	}
}

var update = flag.Bool("update", false, "rewrite the generated parts of README.md")

// The README gives the two commands and documents every setting: its
// configuration table is generated from config.Settings (go test -run
// TestREADME -update . rewrites it).
func TestREADME(t *testing.T) {
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	for _, want := range []string{"go run .", "go test -race ./...", "gcc", "<script src="} {
		if !strings.Contains(readme, want) {
			t.Errorf("README.md lacks %q", want)
		}
	}
	const start, end = "<!-- config-table:start -->\n", "<!-- config-table:end -->"
	i, j := strings.Index(readme, start), strings.Index(readme, end)
	if i < 0 || j < i {
		t.Fatalf("README.md lacks the %q … %q markers", start, end)
	}
	table := configTable(t)
	if got := readme[i+len(start) : j]; got != table {
		if *update {
			os.WriteFile("README.md", []byte(readme[:i+len(start)]+table+readme[j:]), 0o644)
		} else {
			t.Errorf("README.md configuration table is out of date: run go test -run TestREADME -update .")
		}
	}
	ci, err := os.ReadFile(".ci/run")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(ci), "\ngo test -race ./...\n") {
		t.Error(".ci/run does not run the README test command")
	}
}

// configTable renders config.Settings with their defaults as a Markdown table.
func configTable(t *testing.T) string {
	var dump strings.Builder
	if err := config.Dump(&dump, config.Default()); err != nil {
		t.Fatal(err)
	}
	defaults := map[string]string{}
	section := ""
	for _, line := range strings.Split(dump.String(), "\n") {
		if strings.HasPrefix(line, "[") {
			section = strings.Trim(line, "[]")
		} else if k, v, ok := strings.Cut(line, " = "); ok {
			defaults[section+"."+k] = v
		}
	}
	var b strings.Builder
	b.WriteString("| key | environment | flag | default | meaning |\n|---|---|---|---|---|\n")
	for _, s := range config.Settings {
		flagName, env := "", "`"+s.Env+"`"
		if s.Flag != "" {
			flagName = "`--" + s.Flag + "`"
		}
		if s.Secret {
			env += " (or `" + s.Env + "_FILE`)"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | `%s` | %s |\n", s.Key, env, flagName, defaults[s.Key], s.Help)
	}
	return b.String()
}
