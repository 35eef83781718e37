package config

import (
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"strings"

	"github.com/relaisbot/relais/bot"
)

// Validate returns every problem of c, each naming its key.
func (c Config) Validate() Problems {
	var p Problems
	add := func(key, format string, args ...any) {
		p = append(p, key+": "+fmt.Sprintf(format, args...))
	}

	if _, port, err := net.SplitHostPort(c.Server.Addr); err != nil || port == "" {
		add("server.addr", "%q is not host:port (e.g. :8080 or 127.0.0.1:8080)", c.Server.Addr)
	}
	if c.Server.PublicURL != "" {
		if u, err := url.Parse(c.Server.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			add("server.public_url", "%q is not an http(s) URL", c.Server.PublicURL)
		}
	}
	if c.Server.GCHeapFloorMiB < 0 || c.Server.GCHeapFloorMiB > 1<<20 {
		add("server.gc_heap_floor_mib", "must be 0 (off) to 1048576 (1 TiB)")
	}
	if c.Server.ShutdownTimeout <= 0 {
		add("server.shutdown_timeout", "must be positive")
	}
	if strings.TrimSpace(c.Database.Path) == "" {
		add("database.path", "must not be empty")
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		add("log.level", "%q is not debug, info, warn or error", c.Log.Level)
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		add("log.format", "%q is not text or json", c.Log.Format)
	}

	if strings.TrimSpace(c.Shop.Name) == "" {
		add("shop.name", "must not be empty")
	}
	if _, err := bot.ParseLang(c.Shop.DefaultLang); err != nil {
		add("shop.default_lang", "%v", err)
	}
	if a, err := mail.ParseAddress(c.Shop.SupportEmail); err != nil || a.Name != "" {
		add("shop.support_email", "%q is not an email address", c.Shop.SupportEmail)
	}
	if c.Shop.ReturnWindowDays <= 0 {
		add("shop.return_window_days", "must be at least 1")
	}
	if c.Shop.RefundDays <= 0 {
		add("shop.refund_days", "must be at least 1")
	}
	if u, err := url.Parse(c.Shop.OrdersURL); c.Shop.OrdersURL != "" && (err != nil || u.Host == "") {
		add("shop.orders_url", "%q is not a URL", c.Shop.OrdersURL)
	}
	if _, err := c.ParseHours(); err != nil {
		add("hours", "%v", err)
	}

	if t := c.FAQ.AnswerThreshold; t <= 0 || t > 1 {
		add("faq.answer_threshold", "%v must be in (0, 1]", t)
	}
	if t := c.FAQ.ClarifyThreshold; t < 0 || t > 1 {
		add("faq.clarify_threshold", "%v must be in [0, 1]", t)
	} else if t >= c.FAQ.AnswerThreshold {
		add("faq.clarify_threshold", "%v must be below faq.answer_threshold (%v)", t, c.FAQ.AnswerThreshold)
	}
	if n := c.Widget.MaxMessageLength; n < 1 || n > 20000 {
		add("widget.max_message_length", "%d must be between 1 and 20000", n)
	}
	for key, n := range map[string]int{"widget.connections_per_ip": c.Widget.ConnectionsPerIP,
		"widget.new_conversations_per_ip": c.Widget.NewConversationsPerIP, "widget.messages_per_minute": c.Widget.MessagesPerMinute} {
		if n < 0 {
			add(key, "%d must not be negative (0 = no limit)", n)
		}
	}
	if h := c.Widget.ClientIPHeader; h != "" && strings.ContainsAny(h, " :\t") {
		add("widget.client_ip_header", "%q is not a header name", h)
	}
	if s := c.Widget.IdentitySecret; s != "" && len(s) < 16 {
		add("widget.identity_secret", "too short: use at least 16 random characters (e.g. openssl rand -hex 32)")
	}
	if n := c.Privacy.RetentionDays; n < 0 {
		add("privacy.retention_days", "%d must not be negative (0 = keep until erased)", n)
	}
	for _, o := range c.Widget.AllowedOrigins {
		if strings.Contains(o, "://") {
			add("widget.allowed_origins", "%q: give a host pattern without the scheme (e.g. shop.example.com, *.shop.example.com)", o)
		}
	}
	if c.Handoff.ReopenWindow < 0 {
		add("handoff.reopen_window", "must not be negative")
	}
	if t := c.Handoff.FrustrationThreshold; t <= 0 || t > 1 {
		add("handoff.frustration_threshold", "%v must be in (0, 1]", t)
	}
	if c.Handoff.ExpectedWait <= 0 {
		add("handoff.expected_wait", "must be positive")
	}
	if c.Handoff.MinExpectedWait <= 0 || c.Handoff.MinExpectedWait > c.Handoff.ExpectedWait {
		add("handoff.min_expected_wait", "must be positive and at most handoff.expected_wait")
	}
	if c.Handoff.RemindAfter < 0 {
		add("handoff.remind_after", "must not be negative")
	}
	p = append(p, c.Slack.validate()...)
	p = append(p, c.OpenAI.validate()...)
	for _, u := range c.Admin.SlackUsers {
		if len(u) < 2 || (u[0] != 'U' && u[0] != 'W') || strings.ToUpper(u) != u {
			add("admin.slack_users", "%q is not a Slack user id (like U0123456789)", u)
		}
	}
	if g := c.Admin.SlackGroup; g != "" && (g[0] != 'S' || strings.ToUpper(g) != g) {
		add("admin.slack_group", "%q is not a Slack user group id (like S0123456789)", g)
	}
	for _, r := range c.Admin.DiscordRoles {
		if _, err := strconv.ParseUint(r, 10, 64); err != nil {
			add("admin.discord_roles", "%q is not a Discord role id (digits)", r)
		}
	}
	if d := c.Discord; d.Enabled() {
		if !d.DMs && d.SupportChannel == "" {
			add("discord.dms", "customers need a way in: enable discord.dms or set discord.support_channel")
		}
		if u, err := url.Parse(d.APIBase); err != nil || u.Host == "" {
			add("discord.api_base", "%q is not a URL", d.APIBase)
		}
		if d.Timeout <= 0 {
			add("discord.timeout", "must be positive")
		}
	}
	return p
}

// validate checks the Slack desk: nothing when it is off, everything it needs when on.
func (s Slack) validate() Problems {
	var p Problems
	add := func(key, format string, args ...any) { p = append(p, key+": "+fmt.Sprintf(format, args...)) }
	if !s.Enabled() {
		if s.AppToken != "" || s.SigningSecret != "" || s.Channel != "" {
			add("slack.bot_token", "must be set to enable Slack (other slack.* settings are set)")
		}
		return p
	}
	if !strings.HasPrefix(s.BotToken, "xoxb-") {
		add("slack.bot_token", "must be a bot token starting with xoxb-")
	}
	if s.Channel == "" {
		add("slack.channel", "must be set: the id of the agents' channel (C…)")
	}
	switch s.Mode {
	case "socket":
		if !strings.HasPrefix(s.AppToken, "xapp-") {
			add("slack.app_token", "Socket Mode needs an app-level token starting with xapp-")
		}
	case "events":
		if s.SigningSecret == "" {
			add("slack.signing_secret", "the Events API mode needs the app's signing secret")
		}
	default:
		add("slack.mode", "%q is not socket or events", s.Mode)
	}
	if u, err := url.Parse(s.APIURL); err != nil || u.Host == "" || !strings.HasSuffix(s.APIURL, "/") {
		add("slack.api_url", "%q is not a URL ending with /", s.APIURL)
	}
	if _, err := bot.ParseLang(s.Lang); err != nil {
		add("slack.lang", "%v", err)
	}
	if s.Timeout <= 0 {
		add("slack.timeout", "must be positive")
	}
	return p
}

// ParseHours returns the support hours.
func (c Config) ParseHours() (bot.Hours, error) {
	return bot.ParseHours(c.Hours.Timezone, c.Hours.Schedule, c.Hours.Holidays)
}

// DefaultLang returns the shop's default language.
func (c Config) DefaultLang() bot.Lang {
	l, err := bot.ParseLang(c.Shop.DefaultLang)
	if err != nil {
		return bot.LangEN
	}
	return l
}
