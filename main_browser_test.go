package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/relaisbot/relais/bot"
	"github.com/relaisbot/relais/config"
	"github.com/relaisbot/relais/faq"
)

// findBrowser returns the path of a Chromium-like browser, or "".
func findBrowser() string {
	for _, name := range []string{"chromium", "chromium-browser", "chromium-headless-shell", "headless_shell", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// newBrowser starts headless Chromium. Without a browser the test is skipped,
// except where RELAIS_REQUIRE_BROWSER is set (CI), where it fails.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	path := findBrowser()
	if path == "" {
		if os.Getenv("RELAIS_REQUIRE_BROWSER") != "" {
			t.Fatal("no Chromium found and RELAIS_REQUIRE_BROWSER is set: install chromium (apt-get install chromium)")
		}
		t.Skip("no Chromium found; install chromium to run the browser test")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox, // CI runs as root
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		// The machines have no internet: keep Chromium from trying.
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	return ctx
}

// shadow selects an element inside the widget's shadow root.
func shadow(sel string) chromedp.JSPath {
	return chromedp.JSPath(`document.querySelector('#relais-widget').shadowRoot.querySelector(` + "`" + sel + "`" + `)`)
}

// A customer opens the demo shop, asks in French where their order is, and
// reads the French tracking answer.
func TestBrowserAsksWhereIsMyOrder(t *testing.T) {
	ctx := newBrowser(t)
	r := startRelais(t, "", nil)

	want := frenchTrackingAnswer(t)
	botTexts := `[...document.querySelector('#relais-widget').shadowRoot.querySelectorAll('.item.bot')].map(i => i.textContent).join('\n---\n')`
	err := chromedp.Do(ctx,
		chromedp.Navigate(r.URL+"/"),
		chromedp.WaitVisible(shadow(".launcher")),
		chromedp.Click(shadow(".launcher")),
		chromedp.WaitVisible(shadow("textarea")),
		// Type into the focused textarea with page-level key events: chromedp's
		// SendKeys reads node attributes without a lock (a data race under -race).
		chromedp.Evaluate[chromedp.Void](string(shadow("textarea"))+`.focus()`),
		chromedp.KeyEvent("Où est ma commande ?"),
		chromedp.Click(shadow(".send")),
		chromedp.Poll[chromedp.Void](botTexts+`.includes(`+"`"+firstLine(want)+"`"+`)`,
			chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(20*time.Second)),
	)
	if err != nil {
		page, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#relais-widget')?.shadowRoot?.textContent || document.body.innerText`))
		if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(90)); err == nil {
			shot := filepath.Join(t.TempDir(), "failure.jpg")
			os.WriteFile(shot, png, 0o644)
			t.Logf("screenshot: %s", shot)
		}
		t.Fatalf("browser: %v\nwidget text: %s\nserver log:\n%s", err, page, r.stderr.String())
	}
	lastBot, err := chromedp.Run(ctx, chromedp.Evaluate[string](botTexts))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(lastBot, "suivre votre commande") {
		t.Errorf("bot messages do not hold the French tracking answer:\n%s", lastBot)
	}
}

// frenchTrackingAnswer returns the seed's French shipping.tracking answer as
// the server renders it with the default configuration.
func frenchTrackingAnswer(t *testing.T) string {
	t.Helper()
	entries, err := faq.Seed()
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	hours, err := cfg.ParseHours()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.ID == "shipping.tracking" && e.Lang == bot.LangFR {
			return faqFacts(cfg, hours).Render(e.Answer, bot.LangFR)
		}
	}
	t.Fatal("no French shipping.tracking entry in the seed")
	return ""
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return strings.ReplaceAll(line, "`", "")
}
