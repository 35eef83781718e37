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
	// Register a secret setting for the test: the real ones arrive with the
	// Slack, Discord and OpenAI adapters.
	old := Settings
	t.Cleanup(func() { Settings = old })
	Settings = append([]Setting(nil), old...)
	for i, s := range Settings {
		if s.Key == "shop.orders_url" {
			Settings[i].Env, Settings[i].Secret = "RELAIS_TEST_SECRET", true
		}
	}

	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	os.WriteFile(secret, []byte("https://hunter2.example/orders\n"), 0o600)
	c, err := Load(Sources{Getenv: env(map[string]string{"RELAIS_TEST_SECRET_FILE": secret})})
	if err != nil {
		t.Fatal(err)
	}
	if c.Shop.OrdersURL != "https://hunter2.example/orders" {
		t.Fatalf("secret from file = %q (trailing newline must be trimmed)", c.Shop.OrdersURL)
	}
	var b strings.Builder
	if err := Dump(&b, c); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "hunter2") {
		t.Errorf("Dump leaks the secret:\n%s", b.String())
	}
	if !strings.Contains(b.String(), `orders_url = "<redacted>"`) {
		t.Errorf("Dump does not say the secret is set:\n%s", b.String())
	}
	if got := c.Secrets(); len(got) != 1 || got[0] != "https://hunter2.example/orders" {
		t.Errorf("Secrets() = %q", got)
	}

	_, err = Load(Sources{Getenv: env(map[string]string{"RELAIS_TEST_SECRET": "x", "RELAIS_TEST_SECRET_FILE": secret})})
	if err == nil || !strings.Contains(err.Error(), "keep one") {
		t.Errorf("both RELAIS_TEST_SECRET and _FILE: err = %v, want a problem", err)
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
