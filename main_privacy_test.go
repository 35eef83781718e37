package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/relaisbot/relais/bot"
	"github.com/relaisbot/relais/handoff/slack/slackfake"
	"github.com/relaisbot/relais/storage"
)

// A customer asks for their data and then for its erasure, by the number of
// their conversation, while the server runs and the customer is connected.
func TestCustomerExportAndEraseWhileServing(t *testing.T) {
	dir := t.TempDir()
	r := startRelais(t, dir, nil)
	env := map[string]string{"RELAIS_DB": r.DB, "RELAIS_LOG_LEVEL": "error"}

	c := dialWidget(t, r.URL)
	w := c.hello("", 0, "en")
	ack, _ := c.ask("m1", "where is my parcel? my address is 12 Secret Street")
	c.ask("m2", "thanks")
	db := openStore(t, r)
	msg, err := db.MessageByID(context.Background(), ack.ID)
	if err != nil {
		t.Fatal(err)
	}
	ref := "conversation:" + strconv.FormatInt(msg.ConversationID, 10)

	// Export: to a private file, with every message.
	file := filepath.Join(dir, "export.json")
	if _, stderr, err := runCmd(t, env, "", "customer", "export", ref, file); err != nil {
		t.Fatalf("export: %v\n%s", err, stderr)
	}
	var data bot.CustomerData
	b, err := os.ReadFile(file)
	if err != nil || json.Unmarshal(b, &data) != nil {
		t.Fatalf("export file: %v %s", err, b)
	}
	if fi, _ := os.Stat(file); fi.Mode().Perm() != 0o600 {
		t.Errorf("export file mode %v, want 0600: it holds personal data", fi.Mode().Perm())
	}
	if len(data.Conversations) != 1 || !strings.Contains(string(b), "12 Secret Street") ||
		data.Customer.Key != widgetKey(w.Token) || len(data.Conversations[0].Messages) < 5 {
		t.Fatalf("export = %s, want the customer's conversation with all its messages", b)
	}
	// The same customer, named by their token.
	if out, _, err := runCmd(t, env, "", "customer", "export", "token:"+w.Token); err != nil || !strings.Contains(out, "12 Secret Street") {
		t.Errorf("export by token: %v\n%s", err, out)
	}

	// Erase: asks first, and does nothing unless confirmed.
	out, _, err := runCmd(t, env, "no\n", "customer", "erase", ref)
	if err != nil || !strings.Contains(out, "Nothing was deleted") {
		t.Fatalf("unconfirmed erase: %v\n%s", err, out)
	}
	if _, err := db.Conversation(context.Background(), msg.ConversationID); err != nil {
		t.Fatalf("unconfirmed erase deleted the conversation: %v", err)
	}
	out, stderr, err := runCmd(t, env, "ERASE\n", "customer", "erase", ref)
	if err != nil || !strings.Contains(out, "Erased 1 conversations") {
		t.Fatalf("erase: %v\n%s%s", err, out, stderr)
	}
	out, _, _ = runCmd(t, env, "", "customer", "export", "token:"+w.Token)
	if strings.Contains(out, "Secret Street") {
		t.Fatalf("export after erasure still holds the data:\n%s", out)
	}
	out, _, err = runCmd(t, env, "", "faq", "audit")
	if err != nil || !strings.Contains(out, "customer.erase") {
		t.Errorf("audit log does not show the erasure: %v\n%s", err, out)
	}

	// The connected customer writes again: a fresh conversation, at once,
	// with nothing of the erased one — although the server had it in memory.
	_, replies := c.ask("m3", "hello again")
	if len(replies) == 0 {
		t.Fatal("no reply after the erasure")
	}
	c2 := dialWidget(t, r.URL)
	w2 := c2.hello(w.Token, 0, "en")
	for _, m := range w2.Messages {
		if strings.Contains(m.Text, "Secret Street") || m.ClientID == "m1" {
			t.Errorf("after erasure the history still shows %+v", m)
		}
	}
	if len(w2.Messages) == 0 || w2.Messages[len(w2.Messages)-1].ID <= ack.ID {
		t.Errorf("history after erasure = %+v; want the new conversation, with ids above the erased ones", w2.Messages)
	}

	// Bad references get a clear error.
	for _, bad := range []string{"42", "conversation:abc", "discord:alice", "conversation:999999"} {
		if _, _, err := runCmd(t, env, "", "customer", "export", bad); err == nil {
			t.Errorf("export %q succeeded; want an error", bad)
		}
	}
}

// With a retention period, conversations without activity for longer are
// deleted when the server starts, bot-only ones included.
func TestRetentionDeletesOldConversations(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "relais.db")
	db, err := storage.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	old := time.Now().AddDate(0, 0, -40)
	var ids []int64
	for _, at := range []time.Time{old, time.Now().AddDate(0, 0, -5)} {
		conv := &bot.Conversation{Channel: bot.ChannelWidget, CustomerKey: "k" + at.String(), Lang: bot.LangEN,
			State: bot.StateBot, CreatedAt: at, UpdatedAt: at}
		if err := db.Commit(context.Background(), &bot.Change{Conversation: conv,
			Messages: []bot.Message{{Role: bot.RoleBot, Action: bot.ActionGreeting, Text: "Hello", CreatedAt: at}}}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, conv.ID)
	}
	db.Close()

	r := startRelais(t, dir, map[string]string{"RELAIS_PRIVACY_RETENTION_DAYS": "30"})
	st := openStore(t, r)
	eventually(t, "the 40-day-old conversation deleted", func() bool {
		_, err := st.Conversation(context.Background(), ids[0])
		return bot.ErrorKind(err) == bot.ENotFound
	})
	if _, err := st.Conversation(context.Background(), ids[1]); err != nil {
		t.Errorf("the 5-day-old conversation: %v; want kept", err)
	}
	audit, err := st.AuditLog(context.Background(), 5)
	if err != nil || len(audit) == 0 || audit[0].Action != "conversations.expire" {
		t.Errorf("audit log = %+v, %v; want the expiry", audit, err)
	}
}

// eventually polls cond until it holds or 10 seconds pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A FAQ admin exports and erases a customer's data from Slack with
// /relais customer; anyone else is refused; erasing asks for confirmation.
func TestCustomerCommandInSlack(t *testing.T) {
	sfake := newFakeSlack(t)
	env := slackEnv(sfake)
	env["RELAIS_ADMIN_SLACK_USERS"] = "U0MARIE"
	r := startRelais(t, "", env)

	c := dialWidget(t, r.URL)
	c.hello("", 0, "en")
	ack, _ := c.ask("m1", "where is my parcel? my address is 12 Secret Street")
	msg, err := openStore(t, r).MessageByID(context.Background(), ack.ID)
	if err != nil {
		t.Fatal(err)
	}
	ref := "#" + strconv.FormatInt(msg.ConversationID, 10)

	if got := slackCommand(t, sfake, "U0PAUL", "/relais", "customer export "+ref); !strings.Contains(got, "Only FAQ admins") {
		t.Errorf("export by a non-admin: %q", got)
	}
	if got := slackCommand(t, sfake, "U0MARIE", "/relais", "customer export #999999"); !strings.Contains(got, "999999") {
		t.Errorf("export of a conversation that does not exist: %q", got)
	}
	if got := slackCommand(t, sfake, "U0MARIE", "/relais", "customer export "+ref); !strings.Contains(got, "Export of 1 conversations") {
		t.Errorf("export: %q", got)
	}
	st := waitSlack(t, sfake, "the export file", func(st slackfake.State) bool { return len(st.Files) == 1 && st.Files[0].Content != nil })
	if f := st.Files[0]; !strings.Contains(string(f.Content), "12 Secret Street") || !slices.Contains(f.Channels, sfake.DMChannel("U0MARIE")) {
		t.Errorf("export file %s in %v: want the conversation, sent to Marie privately", f.Content, f.Channels)
	}

	if got := slackCommand(t, sfake, "U0MARIE", "/relais", "customer erase "+ref); !strings.Contains(got, "customer erase "+ref+" confirm") {
		t.Errorf("unconfirmed erase: %q", got)
	}
	if got := slackCommand(t, sfake, "U0PAUL", "/relais", "customer erase "+ref+" confirm"); !strings.Contains(got, "Only FAQ admins") {
		t.Errorf("erase by a non-admin: %q", got)
	}
	if _, err := openStore(t, r).Conversation(context.Background(), msg.ConversationID); err != nil {
		t.Fatalf("an unconfirmed or refused erase deleted the conversation: %v", err)
	}
	if got := slackCommand(t, sfake, "U0MARIE", "/relais", "customer erase "+ref+" confirm"); !strings.Contains(got, "Erased 1 conversations") {
		t.Errorf("erase: %q", got)
	}
	if _, err := openStore(t, r).Conversation(context.Background(), msg.ConversationID); err == nil {
		t.Error("the conversation is still stored after the erasure")
	}
	if out, _, err := runCmd(t, map[string]string{"RELAIS_DB": r.DB}, "", "faq", "audit"); err != nil || !strings.Contains(out, "slack:U0MARIE") {
		t.Errorf("the audit log does not name who erased: %v\n%s", err, out)
	}
}
