package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/relaisbot/relais/bot/widget"
)

// A logged-in customer, vouched for by the shop's signature, writes from one
// device and finds the conversation on another (no shared token); a forged
// signature sees nothing of it.
func TestBrowserVerifiedCustomerOnTwoDevices(t *testing.T) {
	ctx := newBrowser(t)
	const secret = "0123456789abcdef-shop-secret"
	r := startRelais(t, "", map[string]string{"RELAIS_WIDGET_IDENTITY_SECRET": secret})

	exp := time.Now().Add(time.Hour).Unix()
	good := widget.Sign([]byte(secret), "customer-42", exp)
	forged := widget.Sign([]byte("guessed"), "customer-42", exp)
	const question = "Où est ma commande ?"
	items := func(role string) string {
		return `[...document.querySelector('#relais-widget').shadowRoot.querySelectorAll('.item.` + role + `')].map(i => i.textContent).join('\n')`
	}
	// open loads a page of the shop (any page of Relais's origin will do)
	// with the widget signed by signature, on a "device" without storage.
	open := func(signature string) []chromedp.Action[chromedp.Void] {
		install := fmt.Sprintf(`localStorage.clear();
			const s = document.createElement('script');
			s.src = '/widget.js';
			s.dataset.lang = 'fr';
			s.dataset.customerId = 'customer-42';
			s.dataset.customerExpires = '%d';
			s.dataset.customerSignature = '%s';
			document.body.appendChild(s);`, exp, signature)
		return []chromedp.Action[chromedp.Void]{
			chromedp.Navigate(r.URL + "/healthz"),
			chromedp.Evaluate[chromedp.Void](install),
			chromedp.WaitVisible(shadow(".launcher")),
			chromedp.Click(shadow(".launcher")),
			chromedp.WaitVisible(shadow("textarea")),
		}
	}
	poll := func(expr string) chromedp.Action[chromedp.Void] {
		return chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(20*time.Second))
	}

	steps := append(open(good),
		chromedp.Evaluate[chromedp.Void](string(shadow("textarea"))+`.focus()`),
		chromedp.KeyEvent(question),
		chromedp.Click(shadow(".send")),
		poll(items("bot")+`.includes('suivre votre commande')`))
	// Another device: no token, the same signed customer.
	steps = append(append(steps, open(good)...), poll(items("customer")+".includes(`"+question+"`)"))
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("verified customer: %v\nserver log:\n%s", err, r.stderr.String())
	}

	if err := chromedp.Do(ctx, append(open(forged), chromedp.Sleep(time.Second))...); err != nil {
		t.Fatal(err)
	}
	seen, err := chromedp.Run(ctx, chromedp.Evaluate[string](items("customer")))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(seen, question) {
		t.Errorf("a forged signature shows the customer's conversation: %q", seen)
	}
}
