// Package config is Relais's typed configuration: defaults, then an optional
// TOML file, then RELAIS_* environment variables (secrets also as *_FILE),
// then command-line flags. Validation reports every problem at once, naming
// the key; Dump prints the effective configuration with secrets redacted.
//
// Package config imports the standard library, the TOML parser and bot (whose
// value types, such as languages and support hours, it parses and validates so
// that there is one parser for each). It never reads the environment itself:
// the caller passes getenv.
package config

import "time"

// Config is the whole configuration. Field tags give the TOML key.
type Config struct {
	Server   Server   `toml:"server"`
	Database Database `toml:"database"`
	Log      Log      `toml:"log"`
	Shop     Shop     `toml:"shop"`
	Hours    Hours    `toml:"hours"`
	FAQ      FAQ      `toml:"faq"`
	Widget   Widget   `toml:"widget"`
	Handoff  Handoff  `toml:"handoff"`
	Slack    Slack    `toml:"slack"`
	Discord  Discord  `toml:"discord"`
	Admin    Admin    `toml:"admin"`
	OpenAI   OpenAI   `toml:"openai"`
	Privacy  Privacy  `toml:"privacy"`
}

// Privacy is how long customers' data is kept.
type Privacy struct {
	RetentionDays int `toml:"retention_days"`
}

// Admin says who may change the FAQ from Slack and Discord.
type Admin struct {
	SlackUsers   []string `toml:"slack_users"`
	SlackGroup   string   `toml:"slack_group"`
	DiscordRoles []string `toml:"discord_roles"`
}

// Server is the HTTP server.
type Server struct {
	Addr            string        `toml:"addr"`
	PublicURL       string        `toml:"public_url"`
	ShutdownTimeout time.Duration `toml:"shutdown_timeout"`
	// GCHeapFloorMiB lets the heap grow to this many MiB between garbage
	// collections while little of it is alive (0: Go's default pacing).
	GCHeapFloorMiB int `toml:"gc_heap_floor_mib"`
}

// Database is the SQLite database.
type Database struct {
	Path string `toml:"path"`
}

// Log is logging.
type Log struct {
	Level  string `toml:"level"`
	Format string `toml:"format"`
}

// Shop holds the facts the bot states in its answers.
type Shop struct {
	Name                      string `toml:"name"`
	DefaultLang               string `toml:"default_lang"`
	SupportEmail              string `toml:"support_email"`
	ReturnWindowDays          int    `toml:"return_window_days"`
	RefundDays                int    `toml:"refund_days"`
	FreeShippingThreshold     string `toml:"free_shipping_threshold"`
	ShippingCost              string `toml:"shipping_cost"`
	DeliveryDays              string `toml:"delivery_days"`
	InternationalDeliveryDays string `toml:"international_delivery_days"`
	OrdersURL                 string `toml:"orders_url"`
}

// Hours are the support team's opening hours.
type Hours struct {
	Timezone string   `toml:"timezone"`
	Schedule []string `toml:"schedule"`
	Holidays []string `toml:"holidays"`
}

// FAQ tunes the matcher's decisions.
type FAQ struct {
	AnswerThreshold  float64 `toml:"answer_threshold"`
	ClarifyThreshold float64 `toml:"clarify_threshold"`
}

// Widget is the storefront chat widget.
type Widget struct {
	AllowedOrigins        []string `toml:"allowed_origins"`
	MaxMessageLength      int      `toml:"max_message_length"`
	ConnectionsPerIP      int      `toml:"connections_per_ip"`
	NewConversationsPerIP int      `toml:"new_conversations_per_ip"`
	MessagesPerMinute     int      `toml:"messages_per_minute"`
	ClientIPHeader        string   `toml:"client_ip_header"`
	IdentitySecret        string   `toml:"identity_secret"`
}

// Handoff is the hand-over to humans.
type Handoff struct {
	ReopenWindow         time.Duration `toml:"reopen_window"`
	ExpectedWait         time.Duration `toml:"expected_wait"`
	MinExpectedWait      time.Duration `toml:"min_expected_wait"`
	RemindAfter          time.Duration `toml:"remind_after"`
	FrustrationThreshold float64       `toml:"frustration_threshold"`
}

// Slack is the agents' desk in Slack. It is enabled by setting a bot token.
type Slack struct {
	BotToken      string        `toml:"bot_token"`
	AppToken      string        `toml:"app_token"`
	SigningSecret string        `toml:"signing_secret"`
	Channel       string        `toml:"channel"`
	Mode          string        `toml:"mode"`
	APIURL        string        `toml:"api_url"`
	Lang          string        `toml:"lang"`
	NoteMarker    string        `toml:"note_marker"`
	OnCallGroup   string        `toml:"oncall_group"`
	Timeout       time.Duration `toml:"timeout"`
}

// Enabled reports whether the Slack desk is configured.
func (s Slack) Enabled() bool { return s.BotToken != "" }

// Discord is Discord as a customer channel. It is enabled by setting a token.
type Discord struct {
	Token          string        `toml:"token"`
	DMs            bool          `toml:"dms"`
	SupportChannel string        `toml:"support_channel"`
	PrivateThreads bool          `toml:"private_threads"`
	APIBase        string        `toml:"api_base"`
	Timeout        time.Duration `toml:"timeout"`
}

// Enabled reports whether the Discord channel is configured.
func (d Discord) Enabled() bool { return d.Token != "" }

// Default returns the configuration used when nothing is set: enough to run
// Relais locally with no account anywhere.
func Default() Config {
	return Config{
		Server:   Server{Addr: ":8080", ShutdownTimeout: 10 * time.Second, GCHeapFloorMiB: 64},
		Database: Database{Path: "relais.db"},
		Log:      Log{Level: "info", Format: "text"},
		Shop: Shop{
			Name:                      "Relais Demo Shop",
			DefaultLang:               "en",
			SupportEmail:              "support@shop.example",
			ReturnWindowDays:          30,
			RefundDays:                5,
			FreeShippingThreshold:     "50 €",
			ShippingCost:              "4.90 €",
			DeliveryDays:              "2–4",
			InternationalDeliveryDays: "5–10",
			OrdersURL:                 "https://shop.example/account/orders",
		},
		Hours: Hours{Timezone: "Europe/Paris", Schedule: []string{"mon-fri 09:00-18:00"}},
		FAQ:   FAQ{AnswerThreshold: 0.8, ClarifyThreshold: 0.5},
		Widget: Widget{
			MaxMessageLength: 2000,
			ConnectionsPerIP: 20, NewConversationsPerIP: 30, MessagesPerMinute: 30,
		},
		Handoff: Handoff{ReopenWindow: 24 * time.Hour, ExpectedWait: 15 * time.Minute, MinExpectedWait: 2 * time.Minute,
			RemindAfter: 10 * time.Minute, FrustrationThreshold: 0.5},
		Slack:   Slack{Mode: "socket", APIURL: "https://slack.com/api/", Lang: "en", NoteMarker: "note:", Timeout: 30 * time.Second},
		Discord: Discord{DMs: true, PrivateThreads: true, APIBase: "https://discord.com", Timeout: 20 * time.Second},
		OpenAI:  DefaultOpenAI(),
	}
}
