package main

import (
	"strings"
	"testing"
	"time"

	"github.com/relaisbot/relais/bot/discord/discordfake"
	"github.com/relaisbot/relais/bot/widget"
	"github.com/relaisbot/relais/handoff/slack/slackfake"
)

// With every secret configured and logs at debug level in JSON, neither the
// server's logs nor `relais config` show a secret, a widget token, a
// signature or anything a customer wrote.
func TestLogsHoldNoSecret(t *testing.T) {
	dfake := discordfake.New(discordfake.Options{})
	t.Cleanup(dfake.Close)
	sfake := newFakeSlack(t)
	model := newFakeModel(t)
	const identitySecret = "shop-identity-secret-4f1c9a"
	const apiKey = "sk-test-openai-key-8d2e71"
	env := discordEnv(dfake, slackEnv(sfake))
	for k, v := range openAIEnv(model, "1s") {
		env[k] = v
	}
	env["RELAIS_OPENAI_API_KEY"] = apiKey
	env["RELAIS_WIDGET_IDENTITY_SECRET"] = identitySecret
	env["RELAIS_LOG_FORMAT"] = "json"
	r := startRelais(t, "", env)

	// An anonymous customer and a verified one, each telling something personal.
	c := dialWidget(t, r.URL)
	w := c.hello("", 0, "en")
	c.ask("s1", "where is my parcel? I live at 7 Hidden Lane")
	expires := time.Now().Add(time.Hour).Unix()
	signature := widget.Sign([]byte(identitySecret), "shop-customer-991", expires)
	v := dialWidget(t, r.URL)
	v.send(map[string]any{"type": "hello", "lang": "en", "identity": map[string]any{"id": "shop-customer-991", "expires": expires, "signature": signature}})
	v.next("welcome")
	v.ask("s2", "I want a human, my card was charged twice")
	waitSlack(t, sfake, "the hand-over", func(st slackfake.State) bool { _, ok := parent(st); return ok })

	cfgOut, _, err := runCmd(t, env, "", "config")
	if err != nil {
		t.Fatal(err)
	}
	o, do := sfake.Options(), dfake.Options()
	secrets := []string{o.BotToken, o.AppToken, do.Token, apiKey, identitySecret, w.Token, signature,
		"7 Hidden Lane", "charged twice", "shop-customer-991"}
	for _, s := range secrets {
		if strings.Contains(r.stderr.String(), s) {
			t.Errorf("the server's logs contain %q", s)
		}
		if strings.Contains(cfgOut, s) {
			t.Errorf("relais config shows %q", s)
		}
	}
	if !strings.Contains(r.stderr.String(), `"level":"DEBUG"`) {
		t.Error("the logs are not JSON at debug level: the test would prove nothing")
	}
}
