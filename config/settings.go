package config

import (
	"cmp"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Setting describes one configuration key: where it can be set and what it means.
type Setting struct {
	Key    string // TOML key, "section.name"
	Env    string // environment variable
	Flag   string // command-line flag name, if any
	Secret bool   // redacted in dumps and logs; also read from Env+"_FILE"
	Sep    string // for lists set from text: the separator (default ","); "[]" is the empty list
	Help   string
}

// Settings lists every configuration key. The README's configuration table is
// checked against it by a test.
var Settings = append([]Setting{
	{Key: "server.addr", Env: "RELAIS_ADDR", Flag: "addr", Help: "HTTP listen address"},
	{Key: "server.public_url", Env: "RELAIS_PUBLIC_URL", Help: "URL customers reach Relais at (widget snippet, links); empty = derived from the request"},
	{Key: "server.shutdown_timeout", Env: "RELAIS_SHUTDOWN_TIMEOUT", Help: "how long a graceful shutdown may take"},
	{Key: "server.gc_heap_floor_mib", Env: "RELAIS_GC_HEAP_FLOOR_MIB", Help: "heap (MiB) the garbage collector lets grow between collections while little is alive: fewer pauses in replies for some memory; 0 = Go's default (ignored when GOGC is set)"},
	{Key: "database.path", Env: "RELAIS_DB", Flag: "db", Help: "SQLite database file (created if missing)"},
	{Key: "log.level", Env: "RELAIS_LOG_LEVEL", Flag: "log-level", Help: "debug, info, warn or error"},
	{Key: "log.format", Env: "RELAIS_LOG_FORMAT", Help: "text or json"},
	{Key: "shop.name", Env: "RELAIS_SHOP_NAME", Help: "shop name used in greetings and answers"},
	{Key: "shop.default_lang", Env: "RELAIS_SHOP_DEFAULT_LANG", Help: "language before the customer writes: en or fr"},
	{Key: "shop.support_email", Env: "RELAIS_SHOP_SUPPORT_EMAIL", Help: "support email address given to customers"},
	{Key: "shop.return_window_days", Env: "RELAIS_SHOP_RETURN_WINDOW_DAYS", Help: "days a customer has to return an item"},
	{Key: "shop.refund_days", Env: "RELAIS_SHOP_REFUND_DAYS", Help: "days to refund once a return is received"},
	{Key: "shop.free_shipping_threshold", Env: "RELAIS_SHOP_FREE_SHIPPING_THRESHOLD", Help: "order amount above which shipping is free, as shown (\"50 €\")"},
	{Key: "shop.shipping_cost", Env: "RELAIS_SHOP_SHIPPING_COST", Help: "standard shipping cost, as shown"},
	{Key: "shop.delivery_days", Env: "RELAIS_SHOP_DELIVERY_DAYS", Help: "usual domestic delivery time in business days (\"2–4\")"},
	{Key: "shop.international_delivery_days", Env: "RELAIS_SHOP_INTERNATIONAL_DELIVERY_DAYS", Help: "usual international delivery time in business days"},
	{Key: "shop.orders_url", Env: "RELAIS_SHOP_ORDERS_URL", Help: "page where customers see and track their orders"},
	{Key: "hours.timezone", Env: "RELAIS_HOURS_TIMEZONE", Help: "IANA time zone of the support hours"},
	{Key: "hours.schedule", Env: "RELAIS_HOURS_SCHEDULE", Sep: ";", Help: "opening hours, e.g. [\"mon-fri 09:00-12:00,14:00-18:00\", \"sat 10:00-13:00\"] (env: separated by \";\"); empty (env: \"[]\") = always open"},
	{Key: "hours.holidays", Env: "RELAIS_HOURS_HOLIDAYS", Help: "closed days, YYYY-MM-DD (env: comma-separated)"},
	{Key: "faq.answer_threshold", Env: "RELAIS_FAQ_ANSWER_THRESHOLD", Help: "confidence needed to answer (0–1)"},
	{Key: "faq.clarify_threshold", Env: "RELAIS_FAQ_CLARIFY_THRESHOLD", Help: "confidence needed to offer choices instead of admitting it does not know (0–1)"},
	{Key: "widget.allowed_origins", Env: "RELAIS_WIDGET_ALLOWED_ORIGINS", Help: "shop origins allowed to open the widget's WebSocket (host patterns, e.g. shop.example.com; env: comma-separated); empty = same origin only"},
	{Key: "widget.max_message_length", Env: "RELAIS_WIDGET_MAX_MESSAGE_LENGTH", Help: "longest customer message, in characters"},
	{Key: "widget.connections_per_ip", Env: "RELAIS_WIDGET_CONNECTIONS_PER_IP", Help: "open chat connections (tabs) allowed per client address; 0 = no limit"},
	{Key: "widget.new_conversations_per_ip", Env: "RELAIS_WIDGET_NEW_CONVERSATIONS_PER_IP", Help: "new conversations a client address may start per hour; 0 = no limit"},
	{Key: "widget.messages_per_minute", Env: "RELAIS_WIDGET_MESSAGES_PER_MINUTE", Help: "messages a customer may send per minute, all tabs together; 0 = no limit"},
	{Key: "widget.client_ip_header", Env: "RELAIS_WIDGET_CLIENT_IP_HEADER", Help: "behind a reverse proxy: header holding the client address (e.g. X-Forwarded-For; its last address is used); empty = the connection's address"},
	{Key: "widget.identity_secret", Env: "RELAIS_WIDGET_IDENTITY_SECRET", Secret: true, Help: "shared secret with which the shop signs logged-in customers' ids (README, \"Verified customers\"); empty = every customer is anonymous"},
	{Key: "handoff.reopen_window", Env: "RELAIS_HANDOFF_REOPEN_WINDOW", Help: "a customer who writes within this time after a resolution reopens the same conversation (back to the same agent and Slack thread); later, a fresh conversation with the bot; 0 = always afresh"},
	{Key: "handoff.frustration_threshold", Env: "RELAIS_HANDOFF_FRUSTRATION_THRESHOLD", Help: "frustration score (0–1) from which the conversation goes to a person; an explicit request always does"},
	{Key: "handoff.expected_wait", Env: "RELAIS_HANDOFF_EXPECTED_WAIT", Help: "wait for a first agent reply announced to customers while there is no history; then the median of the last 7 days is announced"},
	{Key: "handoff.min_expected_wait", Env: "RELAIS_HANDOFF_MIN_EXPECTED_WAIT", Help: "the announced wait is never below this"},
	{Key: "handoff.remind_after", Env: "RELAIS_HANDOFF_REMIND_AFTER", Help: "when a customer has waited this long (in support hours) for an agent, the thread is reminded and the customer updated; 0 = never"},
	{Key: "slack.bot_token", Env: "RELAIS_SLACK_BOT_TOKEN", Secret: true, Help: "Slack bot token (xoxb-…); setting it enables the Slack desk"},
	{Key: "slack.app_token", Env: "RELAIS_SLACK_APP_TOKEN", Secret: true, Help: "Slack app-level token (xapp-…, scope connections:write) for Socket Mode"},
	{Key: "slack.signing_secret", Env: "RELAIS_SLACK_SIGNING_SECRET", Secret: true, Help: "Slack signing secret, for the Events API mode"},
	{Key: "slack.channel", Env: "RELAIS_SLACK_CHANNEL", Help: "id of the agents' channel (C…); the bot must be invited to it"},
	{Key: "slack.mode", Env: "RELAIS_SLACK_MODE", Help: "socket (Socket Mode, no public URL needed) or events (Events API over HTTP)"},
	{Key: "slack.api_url", Env: "RELAIS_SLACK_API_URL", Help: "Slack Web API base URL (for proxies and tests)"},
	{Key: "slack.lang", Env: "RELAIS_SLACK_LANG", Help: "language of the texts agents read in Slack: en or fr"},
	{Key: "slack.oncall_group", Env: "RELAIS_SLACK_ONCALL_GROUP", Help: "Slack user group id (S…) mentioned in reminders and low-rating alerts; empty = no mention"},
	{Key: "slack.note_marker", Env: "RELAIS_SLACK_NOTE_MARKER", Help: "thread replies starting with this stay internal (not sent to the customer)"},
	{Key: "slack.timeout", Env: "RELAIS_SLACK_TIMEOUT", Help: "longest wait for one Slack Web API call; a post that takes longer is tried again later"},
	{Key: "discord.token", Env: "RELAIS_DISCORD_TOKEN", Secret: true, Help: "Discord bot token; setting it lets customers talk to the shop on Discord (see bot/discord/README.md)"},
	{Key: "discord.dms", Env: "RELAIS_DISCORD_DMS", Help: "customers may write to the bot by direct message"},
	{Key: "discord.support_channel", Env: "RELAIS_DISCORD_SUPPORT_CHANNEL", Help: "id of a server text channel where customers write; each gets a thread of their own"},
	{Key: "discord.private_threads", Env: "RELAIS_DISCORD_PRIVATE_THREADS", Help: "customers' threads in the support channel are private"},
	{Key: "discord.api_base", Env: "RELAIS_DISCORD_API_BASE", Help: "Discord's base URL (for proxies and tests)"},
	{Key: "discord.timeout", Env: "RELAIS_DISCORD_TIMEOUT", Help: "longest wait for one Discord REST call; a message that takes longer is tried again later (never posted twice)"},
	{Key: "admin.slack_users", Env: "RELAIS_ADMIN_SLACK_USERS", Help: "Slack user ids (U…) allowed to change the FAQ with /faq"},
	{Key: "admin.slack_group", Env: "RELAIS_ADMIN_SLACK_GROUP", Help: "Slack user group id (S…) whose members may change the FAQ"},
	{Key: "admin.discord_roles", Env: "RELAIS_ADMIN_DISCORD_ROLES", Help: "Discord role ids whose members may change the FAQ with /faq"},
	{Key: "privacy.retention_days", Env: "RELAIS_PRIVACY_RETENTION_DAYS", Help: "conversations without activity for this many days are deleted, with their messages, ratings and Slack/Discord copies (checked hourly); 0 = kept until erased"},
}, openAISettings...)

// lookup returns the setting for key.
func lookup(key string) (Setting, bool) {
	for _, s := range Settings {
		if s.Key == key {
			return s, true
		}
	}
	return Setting{}, false
}

// field returns the addressable field of c named by a "section.name" key.
func field(c *Config, key string) (reflect.Value, error) {
	v := reflect.ValueOf(c).Elem()
	for _, part := range strings.Split(key, ".") {
		t := v.Type()
		found := false
		for i := range t.NumField() {
			if tag, _, _ := strings.Cut(t.Field(i).Tag.Get("toml"), ","); tag == part {
				v, found = v.Field(i), true
				break
			}
		}
		if !found {
			return reflect.Value{}, fmt.Errorf("unknown key %q", key)
		}
	}
	return v, nil
}

var durationType = reflect.TypeFor[time.Duration]()

// set parses s into the field of setting st.
func set(c *Config, st Setting, s string) error {
	key := st.Key
	v, err := field(c, key)
	if err != nil {
		return err
	}
	switch {
	case v.Type() == durationType:
		d, err := time.ParseDuration(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("%q is not a duration (e.g. 30s, 24h)", s)
		}
		v.SetInt(int64(d))
	case v.Kind() == reflect.String:
		v.SetString(s)
	case v.Kind() == reflect.Int:
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("%q is not a whole number", s)
		}
		v.SetInt(int64(n))
	case v.Kind() == reflect.Float64:
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return fmt.Errorf("%q is not a number", s)
		}
		v.SetFloat(f)
	case v.Kind() == reflect.Bool:
		b, err := strconv.ParseBool(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("%q is not true or false", s)
		}
		v.SetBool(b)
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.String:
		list := []string{}
		if strings.TrimSpace(s) == "[]" {
			v.Set(reflect.ValueOf(list))
			return nil
		}
		for _, item := range strings.Split(s, cmp.Or(st.Sep, ",")) {
			if item = strings.TrimSpace(item); item != "" {
				list = append(list, item)
			}
		}
		v.Set(reflect.ValueOf(list))
	default:
		return fmt.Errorf("cannot set %s from text", v.Type())
	}
	return nil
}

// get formats the field named by key as TOML.
func get(c *Config, key string) string {
	v, err := field(c, key)
	if err != nil {
		return ""
	}
	switch {
	case v.Type() == durationType:
		return strconv.Quote(time.Duration(v.Int()).String())
	case v.Kind() == reflect.String:
		return strconv.Quote(v.String())
	case v.Kind() == reflect.Slice:
		items := make([]string, v.Len())
		for i := range items {
			items[i] = strconv.Quote(v.Index(i).String())
		}
		return "[" + strings.Join(items, ", ") + "]"
	default:
		return fmt.Sprint(v.Interface())
	}
}
