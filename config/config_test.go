package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestDefaultsAreValid(t *testing.T) {
	if p := Default().Validate(); len(p) > 0 {
		t.Fatalf("Default().Validate() = %v, want no problem", p)
	}
}

func TestExampleFileMatchesDefaults(t *testing.T) {
	got, err := Load(Sources{File: "../relais.example.toml"})
	if err != nil {
		t.Fatalf("Load example: %v", err)
	}
	if diff := cmp.Diff(Default(), got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("relais.example.toml differs from Default() (-default +file):\n%s", diff)
	}
	b, _ := os.ReadFile("../relais.example.toml")
	for _, s := range Settings {
		_, name, _ := strings.Cut(s.Key, ".")
		if !strings.Contains(string(b), "\n"+name+" = ") {
			t.Errorf("relais.example.toml does not document %s", s.Key)
		}
	}
}

func TestPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "relais.toml")
	os.WriteFile(file, []byte(`
[server]
addr = ":9000"
[database]
path = "file.db"
[shop]
name = "From File"
return_window_days = 14
[handoff]
reopen_window = "2h"
`), 0o600)
	c, err := Load(Sources{
		File:   file,
		Getenv: env(map[string]string{"RELAIS_DB": "env.db", "RELAIS_SHOP_NAME": "From Env", "RELAIS_WIDGET_ALLOWED_ORIGINS": "a.example, *.b.example"}),
		Flags:  map[string]string{"db": "flag.db"},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ key, got, want string }{
		{"server.addr", c.Server.Addr, ":9000"},                             // file over default
		{"database.path", c.Database.Path, "flag.db"},                       // flag over env over file
		{"shop.name", c.Shop.Name, "From Env"},                              // env over file
		{"shop.support_email", c.Shop.SupportEmail, "support@shop.example"}, // default
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %q, want %q", tc.key, tc.got, tc.want)
		}
	}
	if c.Shop.ReturnWindowDays != 14 || c.Handoff.ReopenWindow != 2*time.Hour {
		t.Errorf("typed file values: return window %d, reopen %v; want 14, 2h", c.Shop.ReturnWindowDays, c.Handoff.ReopenWindow)
	}
	if diff := cmp.Diff([]string{"a.example", "*.b.example"}, c.Widget.AllowedOrigins); diff != "" {
		t.Errorf("allowed origins from env (-want +got):\n%s", diff)
	}
}

// Every problem is reported at once, each naming its key.
func TestLoadReportsEveryProblem(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "relais.toml")
	os.WriteFile(file, []byte(`
[shop]
name = ""
support_email = "not an email"
colour = "blue"
[hours]
timezone = "Mars/Olympus"
schedule = ["mon-fry 9-18"]
`), 0o600)
	_, err := Load(Sources{
		File:   file,
		Getenv: env(map[string]string{"RELAIS_ADDR": "8080", "RELAIS_SHOP_RETURN_WINDOW_DAYS": "thirty", "RELAIS_FAQ_CLARIFY_THRESHOLD": "0.9"}),
		Flags:  map[string]string{"log-level": "loud"},
	})
	var p Problems
	if !errors.As(err, &p) {
		t.Fatalf("Load err = %v, want Problems", err)
	}
	msg := err.Error()
	for _, want := range []string{
		"shop.colour: unknown key",
		"server.addr:",
		"shop.return_window_days (from RELAIS_SHOP_RETURN_WINDOW_DAYS)",
		"log.level:",
		"shop.name: must not be empty",
		"shop.support_email:",
		"Mars/Olympus",
		"mon-fry 9-18",
		"faq.clarify_threshold:",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("problems do not mention %q:\n%s", want, msg)
		}
	}
}

func TestSecretFromFileAndDumpRedacts(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "bot-token")
	os.WriteFile(secret, []byte("xoxb-hunter2\n"), 0o600)
	c, err := Load(Sources{Getenv: env(map[string]string{
		"RELAIS_SLACK_BOT_TOKEN_FILE": secret,
		"RELAIS_SLACK_APP_TOKEN":      "xapp-swordfish",
		"RELAIS_SLACK_CHANNEL":        "C123",
	})})
	if err != nil {
		t.Fatal(err)
	}
	if c.Slack.BotToken != "xoxb-hunter2" || !c.Slack.Enabled() {
		t.Fatalf("bot token from file = %q (the trailing newline must be trimmed)", c.Slack.BotToken)
	}
	var b strings.Builder
	if err := Dump(&b, c); err != nil {
		t.Fatal(err)
	}
	for _, leak := range []string{"hunter2", "swordfish"} {
		if strings.Contains(b.String(), leak) {
			t.Errorf("Dump leaks a secret:\n%s", b.String())
		}
	}
	for _, want := range []string{`bot_token = "<redacted>"`, `app_token = "<redacted>"`, `signing_secret = ""`, `channel = "C123"`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("Dump lacks %s:\n%s", want, b.String())
		}
	}
	if diff := cmp.Diff([]string{"xoxb-hunter2", "xapp-swordfish"}, c.Secrets()); diff != "" {
		t.Errorf("Secrets() (-want +got):\n%s", diff)
	}

	_, err = Load(Sources{Getenv: env(map[string]string{"RELAIS_SLACK_BOT_TOKEN": "xoxb-x", "RELAIS_SLACK_BOT_TOKEN_FILE": secret})})
	if err == nil || !strings.Contains(err.Error(), "keep one") {
		t.Errorf("both RELAIS_SLACK_BOT_TOKEN and _FILE: err = %v, want a problem", err)
	}
}

func TestEnvironmentLists(t *testing.T) {
	c, err := Load(Sources{Getenv: env(map[string]string{
		"RELAIS_HOURS_SCHEDULE": "mon-fri 09:00-12:00,14:00-18:00; sat 10:00-13:00",
		"RELAIS_HOURS_HOLIDAYS": "2026-12-25,2027-01-01",
	})})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"mon-fri 09:00-12:00,14:00-18:00", "sat 10:00-13:00"}, c.Hours.Schedule); diff != "" {
		t.Errorf("schedule from env (-want +got):\n%s", diff)
	}
	if len(c.Hours.Holidays) != 2 {
		t.Errorf("holidays = %q", c.Hours.Holidays)
	}
	c, err = Load(Sources{Getenv: env(map[string]string{"RELAIS_HOURS_SCHEDULE": "[]"})})
	if err != nil || len(c.Hours.Schedule) != 0 {
		t.Errorf(`RELAIS_HOURS_SCHEDULE="[]": schedule %q, %v; want empty (always open)`, c.Hours.Schedule, err)
	}
}

func TestSlackValidation(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want []string // problems expected; none if empty
	}{
		{map[string]string{}, nil},
		{map[string]string{"RELAIS_SLACK_CHANNEL": "C1"}, []string{"slack.bot_token: must be set"}},
		{map[string]string{"RELAIS_SLACK_BOT_TOKEN": "xoxp-user"}, []string{"slack.bot_token: must be a bot token", "slack.channel:", "slack.app_token:"}},
		{map[string]string{"RELAIS_SLACK_BOT_TOKEN": "xoxb-1", "RELAIS_SLACK_CHANNEL": "C1", "RELAIS_SLACK_MODE": "events"}, []string{"slack.signing_secret:"}},
		{map[string]string{"RELAIS_SLACK_BOT_TOKEN": "xoxb-1", "RELAIS_SLACK_CHANNEL": "C1", "RELAIS_SLACK_APP_TOKEN": "xapp-1", "RELAIS_SLACK_API_URL": "http://127.0.0.1:1", "RELAIS_SLACK_LANG": "de"},
			[]string{"slack.api_url:", "slack.lang:"}},
		{map[string]string{"RELAIS_SLACK_BOT_TOKEN": "xoxb-1", "RELAIS_SLACK_CHANNEL": "C1", "RELAIS_SLACK_APP_TOKEN": "xapp-1"}, nil},
	} {
		_, err := Load(Sources{Getenv: env(tc.env)})
		if len(tc.want) == 0 {
			if err != nil {
				t.Errorf("%v: unexpected problems: %v", tc.env, err)
			}
			continue
		}
		for _, w := range tc.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%v: problems %v lack %q", tc.env, err, w)
			}
		}
	}
}

func TestDumpRoundTrips(t *testing.T) {
	c := Default()
	c.Shop.Name = `Chez "Léa"`
	c.Hours.Holidays = []string{"2026-12-25"}
	var b strings.Builder
	if err := Dump(&b, c); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "dump.toml")
	os.WriteFile(file, []byte(b.String()), 0o600)
	got, err := Load(Sources{File: file})
	if err != nil {
		t.Fatalf("Load of Dump output: %v\n%s", err, b.String())
	}
	if diff := cmp.Diff(c, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}
