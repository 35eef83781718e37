package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/relaisbot/relais/bot"
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
