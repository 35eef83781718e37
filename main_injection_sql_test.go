package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/relaisbot/relais/bot"
	"github.com/relaisbot/relais/faq"
	"github.com/relaisbot/relais/handoff"
	"github.com/relaisbot/relais/handoff/slack/slackfake"
	"github.com/relaisbot/relais/storage"
)

// sqlTricks change a query if they become part of its text, or match more
// than themselves in a LIKE pattern.
var sqlTricks = []string{
	`'); DROP TABLE messages; --`,
	`" OR 1=1 --`,
	`' OR '1'='1`,
	`'; UPDATE conversations SET state = 'closed'; --`,
	`%`, `_`, `\`, `%_\%`, `\'`,
	"nul\x00byte",
}

// Customer text, agent text and FAQ admin input full of SQL go through the
// server and come back from the database byte for byte; customer references
// made of SQL name nobody; the schema and other people's data are intact;
// and erasing the customer erases the FAQ draft that quotes them.
func TestInjectionSQLRoundTrip(t *testing.T) {
	ctx := context.Background()
	fake := newFakeSlack(t)
	env := slackEnv(fake)
	env["RELAIS_ADMIN_SLACK_USERS"] = "U0MARIE"
	r := startRelais(t, "", env)
	db := openStore(t, r)
	raw := openSQL(t, r.DB)
	tables := schema(t, raw)
	cli := map[string]string{"RELAIS_DB": r.DB, "RELAIS_LOG_LEVEL": "error"}

	// A bystander, whose data must not change.
	other := dialWidget(t, r.URL)
	ow := other.hello("", 0, "en")
	other.ask("o1", "where is my parcel")
	otherBefore := customerMessages(t, db, ow.Token)

	// The customer writes each trick, asks for a person, then all of them.
	c := dialWidget(t, r.URL)
	w := c.hello("", 0, "en")
	for i, trick := range sqlTricks {
		c.say("t"+strconv.Itoa(i), trick)
	}
	time.Sleep(1100 * time.Millisecond) // the widget takes 10 messages at once, then one a second
	c.say("human", "I want to talk to a human")
	st := waitSlack(t, fake, "the hand-over", func(s slackfake.State) bool {
		return strings.Contains(threadText(s), "I want to talk to a human")
	})
	top, _ := parent(st)
	checkWaiting(t, db, w.Token)
	joined := strings.Join(sqlTricks, "\n")
	time.Sleep(1100 * time.Millisecond)
	c.say("all", joined)
	waitSlack(t, fake, "the relayed message", func(s slackfake.State) bool {
		return strings.Contains(threadText(s), "> "+strings.ReplaceAll(joined, "\n", "\n> "))
	})

	// Marie answers with the tricks, and proposes her answer as a FAQ
	// draft: it quotes the customer.
	fake.AgentReply(agentsChannel, top.TS, "U0MARIE", joined)
	if m := c.nextMessage("agent"); m.Text != joined {
		t.Errorf("the customer reads %q, want %q", m.Text, joined)
	}
	fake.AgentReply(agentsChannel, top.TS, "U0MARIE", "!faq tricks.draft")
	waitSlack(t, fake, "the draft saved", func(s slackfake.State) bool {
		return slices.ContainsFunc(s.Ephemerals, func(e slackfake.Ephemeral) bool { return strings.Contains(e.Text, "#1") })
	})

	// An admin adds an entry made of the tricks.
	body := "add tricks.sql en\nQ: " + strings.Join(sqlTricks, "\nQ: ") + "\nA: " + joined
	if got := slackCommand(t, fake, "U0MARIE", "/faq", body); !strings.Contains(got, "revision 1") {
		t.Fatalf("/faq add: %q", got)
	}

	// Everything comes back as written.
	want := append(append([]string{}, sqlTricks...), "I want to talk to a human", joined)
	if got := customerMessages(t, db, w.Token); !slices.Equal(got, want) {
		t.Errorf("stored customer messages:\n%q\nwant\n%q", got, want)
	}
	conv, err := db.LatestConversation(ctx, bot.ChannelWidget, widgetKey(w.Token))
	if err != nil {
		t.Fatal(err)
	}
	msgs, _ := db.Messages(ctx, conv.ID, 0, 1000)
	if i := slices.IndexFunc(msgs, func(m bot.Message) bool { return m.Role == bot.RoleAgent }); i < 0 || msgs[i].Text != joined {
		t.Errorf("stored agent messages: %+v; want one saying %q", msgs, joined)
	}
	drafts, err := db.FAQDrafts(ctx)
	question := strings.Join(strings.Fields(joined), " ") // a draft's question is one line
	if err != nil || len(drafts) != 1 || drafts[0].Question != question || drafts[0].Answer != joined {
		t.Errorf("drafts = %+v, %v; want one quoting the customer and Marie byte for byte", drafts, err)
	}
	rev, err := db.FAQRevision(ctx, "tricks.sql", bot.LangEN, 0)
	if err != nil || !slices.Equal(rev.Questions, sqlTricks) || rev.Answer != joined {
		t.Errorf("FAQ entry = %q / %q, %v;\nwant %q / %q", rev.Questions, rev.Answer, err, sqlTricks, joined)
	}
	out, stderr, err := runCmd(t, cli, "", "customer", "export", "token:"+w.Token)
	var data bot.CustomerData
	if err != nil || json.Unmarshal([]byte(out), &data) != nil || len(data.Conversations) != 1 {
		t.Fatalf("export: %v %s\n%s", err, stderr, out)
	}
	var exported []string
	for _, m := range data.Conversations[0].Messages {
		if m.Role == bot.RoleCustomer {
			exported = append(exported, m.Text)
		}
	}
	if !slices.Equal(exported, want) {
		t.Errorf("exported customer messages:\n%q\nwant\n%q", exported, want)
	}

	// References made of SQL name nobody, or are refused.
	for _, ref := range []string{"token:'); DROP TABLE messages; --", "customer:' OR '1'='1", "customer:%", "token:_"} {
		out, stderr, err := runCmd(t, cli, "", "customer", "erase", ref, "--yes")
		if err != nil || !strings.Contains(out, "Nothing is stored") {
			t.Errorf("erase %q: %v %s\n%s; want nothing erased", ref, err, stderr, out)
		}
	}
	for _, ref := range []string{"conversation:1 OR 1=1", "#1; DROP TABLE conversations", "discord:1' OR '1'='1", "discord:%"} {
		if _, _, err := runCmd(t, cli, "", "customer", "erase", ref, "--yes"); bot.ErrorKind(err) != bot.EInvalid {
			t.Errorf("erase %q: err = %v, want an invalid reference", ref, err)
		}
	}
	if got := schema(t, raw); !slices.Equal(got, tables) {
		t.Errorf("tables now %q, were %q", got, tables)
	}
	var check string
	if err := raw.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Errorf("integrity_check = %q, %v", check, err)
	}
	if got := customerMessages(t, db, w.Token); !slices.Equal(got, want) {
		t.Errorf("after the references, the customer's messages are %q", got)
	}

	// Erasing the customer erases the draft that quotes them, and nobody else's data.
	if out, stderr, err := runCmd(t, cli, "", "customer", "erase", "token:"+w.Token, "--yes"); err != nil || !strings.Contains(out, "Erased 1 conversations") {
		t.Fatalf("erase: %v %s\n%s", err, stderr, out)
	}
	if drafts, err := db.FAQDrafts(ctx); err != nil || len(drafts) != 0 {
		t.Errorf("drafts after erasing the customer they quote: %+v, %v", drafts, err)
	}
	if got := customerMessages(t, db, ow.Token); !slices.Equal(got, otherBefore) {
		t.Errorf("the bystander's messages are now %q, were %q", got, otherBefore)
	}
	if _, err := db.FAQRevision(ctx, "tricks.sql", bot.LangEN, 0); err != nil {
		t.Errorf("the FAQ entry went with the customer: %v", err)
	}
}

// schema returns the database's tables, indexes and triggers.
func schema(t *testing.T, raw *sql.DB) []string {
	t.Helper()
	rows, err := raw.Query(`SELECT type || ' ' || name FROM sqlite_master ORDER BY type, name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	if err := rows.Err(); err != nil || len(names) < 10 {
		t.Fatalf("schema: %q, %v", names, err)
	}
	return names
}

// customerMessages returns the texts of the customer messages of a widget
// customer's latest conversation.
func customerMessages(t *testing.T, db *storage.DB, token string) []string {
	t.Helper()
	ctx := context.Background()
	conv, err := db.LatestConversation(ctx, bot.ChannelWidget, widgetKey(token))
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := db.Messages(ctx, conv.ID, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, m := range msgs {
		if m.Role == bot.RoleCustomer {
			texts = append(texts, m.Text)
		}
	}
	return texts
}

// checkWaiting checks that the customer's conversation is listed as waiting
// for an agent, read back whole.
func checkWaiting(t *testing.T, db *storage.DB, token string) {
	t.Helper()
	waiting, err := db.Waiting(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(waiting) != 1 || waiting[0].Conversation.CustomerKey != widgetKey(token) || waiting[0].Conversation.ID == 0 ||
		waiting[0].Conversation.Channel != bot.ChannelWidget || waiting[0].Conversation.State != bot.StateWaiting ||
		waiting[0].Conversation.CreatedAt.IsZero() || waiting[0].Since.IsZero() || waiting[0].Reminders != 0 {
		t.Errorf("waiting = %+v; want the customer's conversation", waiting)
	}
}

// Erasing a customer deletes the FAQ drafts proposed from their Slack
// thread, found with a LIKE pattern built from the thread's channel and ts:
// %, _ and \ in them match only themselves, and the pattern stops at the
// thread (a draft source is "slack:CHANNEL:THREAD:MESSAGE").
func TestInjectionSQLLikePattern(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "relais.db")
	db, err := storage.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	conv := &bot.Conversation{Channel: bot.ChannelWidget, CustomerKey: "k", Lang: bot.LangEN, State: bot.StateWaiting, CreatedAt: now, UpdatedAt: now}
	const channel, thread = `C\%`, "1_1"
	err = db.Commit(ctx, &bot.Change{Conversation: conv, Messages: []bot.Message{
		{Role: bot.RoleCustomer, Text: "my secret question", Handled: true, CreatedAt: now},
		{Role: bot.RoleAgent, Author: "Marie", Text: "the answer", ExternalID: "slack:" + channel + ":1700000000.000300", CreatedAt: now},
	}})
	if err == nil {
		err = db.SaveDeskThread(ctx, handoff.Thread{ConversationID: conv.ID, Desk: "slack", Channel: channel, Thread: thread, CreatedAt: now})
	}
	if err != nil {
		t.Fatal(err)
	}
	theirs := []string{
		"slack:" + channel + ":" + thread + ":1700000000.000200", // proposed in their thread
		"slack:" + channel + ":1700000000.000300",                // the older form: the id of a message of theirs
	}
	others := []string{
		"slack:C%:101:1700000000.000200",    // what an unescaped pattern matches
		`slack:C\%:1x1:1700000000.000200`,   // _ matches one character
		`slack:C\%:1_10:1700000000.000200`,  // the thread is a prefix of another
		`slack:C\\%:1_1:1700000000.000200`,  // \ escapes the next character
		"slack:C%:1700000000.000300",        // another channel, same message ts
		"discord:" + channel + ":" + thread, // another platform
	}
	for i, source := range append(append([]string{}, theirs...), others...) {
		_, _, err := db.AddFAQDraft(ctx, faq.Draft{Lang: bot.LangEN, Question: "q" + strconv.Itoa(i), Answer: "a", Author: "Marie", Source: source},
			faq.AuditRecord{Actor: "Marie", Action: "faq.draft"})
		if err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	env := map[string]string{"RELAIS_DB": path, "RELAIS_LOG_LEVEL": "error"}
	if out, stderr, err := runCmd(t, env, "", "customer", "erase", "conversation:"+strconv.FormatInt(conv.ID, 10), "--yes"); err != nil {
		t.Fatalf("erase: %v\n%s%s", err, out, stderr)
	}
	db, err = storage.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	drafts, err := db.FAQDrafts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, d := range drafts {
		left = append(left, d.Source)
	}
	slices.Sort(left)
	slices.Sort(others)
	if !slices.Equal(left, others) {
		t.Errorf("drafts left after the erasure:\n%q\nwant\n%q", left, others)
	}
}
