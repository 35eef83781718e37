package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/relaisbot/relais/handoff/slack/slackfake"
)

// htmlTricks are what a customer or an agent may write to run script in the
// widget, each of which runs if it becomes markup.
var htmlTricks = []string{
	`<img src=x onerror="window.__pwned=1">`,
	`<script>window.__pwned=1</script>`,
	`<a href="javascript:window.__pwned=1">click me</a> javascript:window.__pwned=1`,
	`<svg onload="window.__pwned=1"></svg><iframe srcdoc="<script>parent.__pwned=1</script>"></iframe>`,
	`&lt;b&gt;not bold&lt;/b&gt; &amp; <b>not bold</b>`,
}

// widgetRoot is the widget's shadow root in the page.
const widgetRoot = `document.querySelector('#relais-widget').shadowRoot`

// Customer and agent text (and the agent's name) containing HTML and
// javascript: links is shown literally by the widget in a real browser, on
// a page without a Content-Security-Policy: nothing runs and no element is
// made of it, whether the text was just sent, relayed from Slack, or loaded
// from the server's history.
func TestInjectionWidgetBrowser(t *testing.T) {
	ctx := newBrowser(t)
	agent := slackfake.User{ID: "U0EVIL", Name: "evil", DisplayName: `<img src=x onerror="window.__pwned=1">Eve`}
	fake := slackfake.New(slackfake.Options{Channels: []string{agentsChannel}, Users: []slackfake.User{agent}})
	t.Cleanup(fake.Close)
	r := startRelais(t, "", slackEnv(fake))

	poll := func(expr string) chromedp.Action[chromedp.Void] {
		return chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(20*time.Second))
	}
	js := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	texts := func(role, part string) string {
		return `[...` + widgetRoot + `.querySelectorAll('.item.` + role + ` ` + part + `')].map(e => e.textContent)`
	}
	// open loads a page of Relais's origin that has no CSP (the demo shop
	// has one, which would block inline handlers by itself), proves that
	// injected markup would run there, and installs the widget.
	open := []chromedp.Action[chromedp.Void]{
		chromedp.Navigate(r.URL + "/healthz"),
		chromedp.Evaluate[chromedp.Void](`document.body.insertAdjacentHTML('beforeend', '<img id="canary" src="x" onerror="window.__canary=1">')`),
		poll(`window.__canary === 1`),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('canary').remove();
			const s = document.createElement('script');
			s.src = '/widget.js';
			s.dataset.lang = 'en';
			document.body.appendChild(s);`),
		chromedp.WaitVisible(shadow(".launcher")),
		chromedp.Click(shadow(".launcher")),
		chromedp.WaitVisible(shadow("textarea")),
	}
	send := func(text string) []chromedp.Action[chromedp.Void] {
		return []chromedp.Action[chromedp.Void]{
			chromedp.Evaluate[chromedp.Void](`{ const ta = ` + string(shadow("textarea")) + `;
				ta.value = ` + js(text) + `; ta.dispatchEvent(new Event('input', { bubbles: true })); }`),
			chromedp.Click(shadow(".send")),
		}
	}
	run := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			page, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#relais-widget')?.shadowRoot?.textContent || document.body.innerText`))
			t.Fatalf("browser, %s: %v\nwidget text: %s", what, err, page)
		}
	}

	customer := strings.Join(htmlTricks, "\n")
	run("the customer's tricks and the hand-over", slices.Concat(open, send(customer),
		[]chromedp.Action[chromedp.Void]{
			poll(`[...` + widgetRoot + `.querySelectorAll('.item.customer')].some(e => e.dataset.id)`), // stored
			poll(texts("bot", ".text") + `.length >= 2`),
		},
		send("I want to talk to a human"),
		[]chromedp.Action[chromedp.Void]{poll(texts("bot", ".text") + `.some(t => t.includes('passing your conversation'))`)})...)

	st := waitSlack(t, fake, "the hand-over", func(s slackfake.State) bool { _, ok := parent(s); return ok })
	top, _ := parent(st)
	// The agent writes the same (Slack sends & < > as entities) and adds a
	// Slack link to a javascript: URL.
	wire := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(strings.Join(htmlTricks, " "))
	fake.AgentReply(agentsChannel, top.TS, agent.ID, wire+" <javascript:window.__pwned=1|click me>")
	agentText := strings.Join(htmlTricks, " ") + " click me (javascript:window.__pwned=1)"
	run("the agent's reply", poll(texts("agent", ".text")+`.length === 1`))

	check := func(when string) {
		t.Helper()
		var inert struct {
			Pwned    string   `json:"pwned"`
			Elements []string `json:"elements"`
			Customer []string `json:"customer"`
			Agent    []string `json:"agent"`
			Authors  []string `json:"authors"`
		}
		expr := `({
			pwned: typeof window.__pwned,
			elements: [...` + widgetRoot + `.querySelectorAll('img, script, a, iframe, frame, object, embed, base, link, meta'),
				...[...` + widgetRoot + `.querySelectorAll('.log *')].filter(e => !['DIV', 'SPAN', 'BUTTON'].includes(e.tagName))].map(e => e.outerHTML),
			customer: ` + texts("customer", ".text") + `,
			agent: ` + texts("agent", ".text") + `,
			authors: ` + texts("agent", ".author") + `,
		})`
		// Give anything injected time to load and fire.
		err := chromedp.Do(ctx, chromedp.Sleep(500*time.Millisecond))
		var res json.RawMessage
		if err == nil {
			res, err = chromedp.Run(ctx, chromedp.Evaluate[json.RawMessage](expr))
		}
		if err == nil {
			err = json.Unmarshal(res, &inert)
		}
		if err != nil {
			t.Fatalf("%s: %v", when, err)
		}
		if inert.Pwned != "undefined" {
			t.Errorf("%s: injected script ran (window.__pwned is a %s)", when, inert.Pwned)
		}
		if len(inert.Elements) > 0 {
			t.Errorf("%s: the widget made elements of the text: %q", when, inert.Elements)
		}
		if len(inert.Customer) == 0 || inert.Customer[0] != customer {
			t.Errorf("%s: the customer's message shows as %q, want %q", when, inert.Customer, customer)
		}
		if len(inert.Agent) != 1 || inert.Agent[0] != agentText || len(inert.Authors) != 1 || inert.Authors[0] != agent.DisplayName {
			t.Errorf("%s: the agent's message shows as %q by %q, want %q by %q", when, inert.Agent, inert.Authors, agentText, agent.DisplayName)
		}
	}
	check("as sent and relayed")

	// Again from the server's history, in a new page.
	run("the history", slices.Concat(open, []chromedp.Action[chromedp.Void]{poll(texts("agent", ".text") + `.length === 1`)})...)
	check("from the history")
}
