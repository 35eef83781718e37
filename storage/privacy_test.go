package storage

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/relaisbot/relais/bot"
	"github.com/relaisbot/relais/faq"
	"github.com/relaisbot/relais/handoff"
)

// secret is customer text that must not survive an erasure anywhere on disk.
const secret = "my card number is 4970-SECRET-1234"

// conversationWithEverything stores a conversation of key with a customer
// message, a bot answer, a 👍, a hand-over, a Slack thread, a rating and a
// draft quoting the customer.
func conversationWithEverything(t *testing.T, db *DB, ch bot.Channel, key, text string, at time.Time) *bot.Conversation {
	t.Helper()
	ctx := context.Background()
	conv := &bot.Conversation{Channel: ch, CustomerKey: key, CustomerName: "Ada", Lang: bot.LangEN, State: bot.StateBot, CreatedAt: at, UpdatedAt: at}
	c := &bot.Change{Conversation: conv, Messages: []bot.Message{
		{Role: bot.RoleCustomer, Text: text, ExternalID: key + text, Handled: true, CreatedAt: at},
		{Role: bot.RoleBot, Action: bot.ActionAnswer, FAQID: "billing.invoice", Text: "Here is how.", CreatedAt: at},
	}}
	if err := db.Commit(ctx, c); err != nil {
		t.Fatal(err)
	}
	conv.State = bot.StateWaiting
	c = &bot.Change{Conversation: conv, Feedback: &bot.Feedback{MessageID: c.Messages[1].ID, FAQID: "billing.invoice", Helpful: true},
		Transition: &bot.Transition{From: bot.StateBot, To: bot.StateWaiting, Actor: "bot", Reason: "explicit_request"},
		Handoff:    &bot.Handoff{Reason: "explicit_request", Score: 1, Signals: []string{"asked for a human"}, CreatedAt: at},
		CSAT:       &bot.CSAT{Score: 2, Agent: "Marie"}}
	if err := db.Commit(ctx, c); err != nil {
		t.Fatal(err)
	}
	thread := fmt.Sprintf("1700000000.%06d", conv.ID)
	if err := db.SaveDeskThread(ctx, handoff.Thread{ConversationID: conv.ID, Desk: "slack", Channel: "CDESK", Thread: thread, CreatedAt: at}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.AddFAQDraft(ctx, faq.Draft{Lang: bot.LangEN, Question: text, Answer: "We'll check.", Author: "Marie",
		Source: "slack:CDESK:" + thread + ":1700000001.000100"}, faq.AuditRecord{Actor: "Marie", Action: "faq.draft"}); err != nil {
		t.Fatal(err)
	}
	return conv
}

func TestExportAndEraseCustomer(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	ada := bot.Customer{Channel: bot.ChannelWidget, Key: "tok:ada"}
	first := conversationWithEverything(t, db, ada.Channel, ada.Key, secret, t0)
	second := conversationWithEverything(t, db, ada.Channel, ada.Key, "again about "+secret, t0.Add(time.Hour))
	other := conversationWithEverything(t, db, bot.ChannelWidget, "tok:bob", "bob's question", t0)

	d, err := db.CustomerData(ctx, ada)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Conversations) != 2 || d.Conversations[0].ID != first.ID || d.Conversations[1].ID != second.ID {
		t.Fatalf("export: conversations %+v, want %d and %d", d.Conversations, first.ID, second.ID)
	}
	c := d.Conversations[0]
	if len(c.Messages) != 2 || c.Messages[0].Text != secret || len(c.StateChanges) != 1 || len(c.Handoffs) != 1 ||
		len(c.Feedback) != 1 || !c.Feedback[0].Helpful || c.CSAT == nil || c.CSAT.Score != 2 || c.CustomerName != "Ada" {
		t.Errorf("export of conversation %d incomplete: %+v", first.ID, c)
	}
	if _, err := json.Marshal(d); err != nil {
		t.Fatal(err)
	}

	e, err := db.EraseCustomer(ctx, ada, "Marie (slack:U1)")
	if err != nil {
		t.Fatal(err)
	}
	if e.Conversations != 2 || e.Messages != 4 || e.Copies != 2 {
		t.Errorf("erasure = %+v, want 2 conversations, 4 messages, 2 Slack threads", e)
	}
	if d, err := db.CustomerData(ctx, ada); err != nil || len(d.Conversations) != 0 {
		t.Errorf("after erasure, export = %+v, %v; want nothing", d.Conversations, err)
	}
	for _, table := range []string{"messages", "state_changes", "handoffs", "feedback", "csat", "desk_threads"} {
		var n int
		db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table+` WHERE conversation_id IN (?, ?)`, first.ID, second.ID).Scan(&n)
		if n != 0 {
			t.Errorf("%d rows of %s left for the erased conversations", n, table)
		}
	}
	if d, _ := db.CustomerData(ctx, bot.Customer{Channel: bot.ChannelWidget, Key: "tok:bob"}); len(d.Conversations) != 1 || d.Conversations[0].ID != other.ID {
		t.Errorf("another customer's data was touched: %+v", d.Conversations)
	}
	drafts, err := db.FAQDrafts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(drafts) != 1 || drafts[0].Question != "bob's question" {
		t.Errorf("drafts after erasure: %+v, want only bob's", drafts)
	}

	// The Slack threads are queued for deletion, outside any conversation.
	items, _, err := db.DueOutbox(ctx, bot.TargetDesk, time.Now().Add(time.Hour), 10)
	if err != nil {
		t.Fatal(err)
	}
	var threads []string
	for _, it := range items {
		if it.Kind != bot.KindErase || it.ConversationID != 0 {
			t.Errorf("unexpected item %+v", it)
			continue
		}
		var p bot.ErasePayload
		json.Unmarshal(it.Payload, &p)
		threads = append(threads, p.Channel+"/"+p.Thread)
	}
	if len(threads) != 2 || threads[0] != fmt.Sprintf("CDESK/1700000000.%06d", first.ID) {
		t.Errorf("erase items for threads %v, want ada's two", threads)
	}

	audit, err := db.AuditLog(ctx, 1)
	if err != nil || len(audit) != 1 || audit[0].Action != "customer.erase" || audit[0].Subject != "widget:tok:ada" ||
		audit[0].Actor != "Marie (slack:U1)" {
		t.Errorf("audit log = %+v, %v; want the erasure", audit, err)
	}

	// Nothing of the erased text is left on disk: secure_delete zeroes the
	// freed pages and the write-ahead log is truncated.
	for _, f := range []string{db.path, db.path + "-wal"} {
		b, err := os.ReadFile(f)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte("4970-SECRET")) {
			t.Errorf("%s still holds the erased text", f)
		}
	}
}

func TestEraseDiscordCustomer(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	conversationWithEverything(t, db, bot.ChannelDiscord, "u1", "hello", t0)
	db.SetDiscordRoute(ctx, "u1", "dm1")
	db.SaveDiscordThread(ctx, "u1", "t1", "support")
	db.SaveDiscordThread(ctx, "u2", "t2", "support")

	e, err := db.EraseCustomer(ctx, bot.Customer{Channel: bot.ChannelDiscord, Key: "u1"}, "admin")
	if err != nil || e.Conversations != 1 || e.Copies != 2 {
		t.Fatalf("erasure = %+v, %v; want 1 conversation, a Slack thread and the Discord copies", e, err)
	}
	if _, err := db.DiscordRoute(ctx, "u1"); bot.ErrorKind(err) != bot.ENotFound {
		t.Errorf("the route to u1 survived: %v", err)
	}
	if _, err := db.DiscordThread(ctx, "u1", "support"); bot.ErrorKind(err) != bot.ENotFound {
		t.Errorf("u1's thread survived: %v", err)
	}
	if th, err := db.DiscordThread(ctx, "u2", "support"); err != nil || th != "t2" {
		t.Errorf("u2's thread = %q, %v; want kept", th, err)
	}
	items, _, _ := db.DueOutbox(ctx, string(bot.ChannelDiscord), time.Now().Add(time.Hour), 10)
	if len(items) != 1 || items[0].Kind != bot.KindErase {
		t.Fatalf("Discord items = %+v, want one erase", items)
	}
	var p bot.ErasePayload
	json.Unmarshal(items[0].Payload, &p)
	if p.User != "u1" || len(p.Threads) != 1 || p.Threads[0] != "t1" || p.Channel != "dm1" {
		t.Errorf("Discord erase payload = %+v", p)
	}
}

func TestExpireConversations(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	old := conversationWithEverything(t, db, bot.ChannelWidget, "tok:old", "old question", t0.AddDate(0, 0, -100))
	oldBotOnly := newConversation("tok:bot-only")
	oldBotOnly.CreatedAt, oldBotOnly.UpdatedAt = t0.AddDate(0, 0, -95), t0.AddDate(0, 0, -95)
	if err := db.Commit(ctx, &bot.Change{Conversation: oldBotOnly, Messages: []bot.Message{{Role: bot.RoleBot, Text: "hi", CreatedAt: oldBotOnly.CreatedAt}}}); err != nil {
		t.Fatal(err)
	}
	recent := conversationWithEverything(t, db, bot.ChannelWidget, "tok:new", "new question", t0.AddDate(0, 0, -10))

	var total bot.Erasure
	for {
		e, err := db.ExpireConversations(ctx, t0.AddDate(0, 0, -90), "retention", 1)
		if err != nil {
			t.Fatal(err)
		}
		if e.Conversations == 0 {
			break
		}
		total.Conversations += e.Conversations
		total.IDs = append(total.IDs, e.IDs...)
	}
	if total.Conversations != 2 || total.IDs[0] != old.ID || total.IDs[1] != oldBotOnly.ID {
		t.Errorf("expired %+v, want conversations %d and %d", total, old.ID, oldBotOnly.ID)
	}
	if _, err := db.Conversation(ctx, recent.ID); err != nil {
		t.Errorf("a recent conversation was expired: %v", err)
	}
	audit, _ := db.AuditLog(ctx, 10)
	if len(audit) < 2 || audit[0].Action != "conversations.expire" || audit[0].Actor != "retention" {
		t.Errorf("audit log = %+v, want the expiries", audit)
	}
}

func TestIDsAreNeverReused(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	conv := conversationWithEverything(t, db, bot.ChannelWidget, "tok:last", "hello", t0)
	msgs, _ := db.Messages(ctx, conv.ID, 0, 10)
	lastMsg := msgs[len(msgs)-1].ID
	for range 2 { // twice: the floor must hold when it is already set
		if _, err := db.EraseCustomer(ctx, bot.Customer{Channel: bot.ChannelWidget, Key: "tok:last"}, "test"); err != nil {
			t.Fatal(err)
		}
		next := newConversation("tok:last")
		c := &bot.Change{Conversation: next, Messages: []bot.Message{{Role: bot.RoleBot, Text: "hi", CreatedAt: t0}}}
		if err := db.Commit(ctx, c); err != nil {
			t.Fatal(err)
		}
		if next.ID <= conv.ID || c.Messages[0].ID <= lastMsg {
			t.Fatalf("after erasing conversation %d (last message %d), new ids %d and %d: reused",
				conv.ID, lastMsg, next.ID, c.Messages[0].ID)
		}
		conv, lastMsg = next, c.Messages[0].ID
	}
}

// Retention deletes Relais's copies on Discord once none of the customer's
// conversations is left (their DM holds all of them).
func TestExpireDiscordCopies(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	conversationWithEverything(t, db, bot.ChannelDiscord, "u1", "old question", t0.AddDate(0, 0, -100))
	conversationWithEverything(t, db, bot.ChannelDiscord, "u2", "old question", t0.AddDate(0, 0, -100))
	conversationWithEverything(t, db, bot.ChannelDiscord, "u2", "recent question", t0.AddDate(0, 0, -5))
	db.SetDiscordRoute(ctx, "u1", "dm1")
	db.SetDiscordRoute(ctx, "u2", "dm2")

	e, err := db.ExpireConversations(ctx, t0.AddDate(0, 0, -90), "retention", 100)
	if err != nil || e.Conversations != 2 {
		t.Fatalf("expiry = %+v, %v; want 2 conversations", e, err)
	}
	items, _, _ := db.DueOutbox(ctx, string(bot.ChannelDiscord), time.Now().Add(time.Hour), 10)
	if len(items) != 1 {
		t.Fatalf("Discord items = %+v, want one erase (u1's; u2 still has a conversation)", items)
	}
	var p bot.ErasePayload
	json.Unmarshal(items[0].Payload, &p)
	if items[0].Kind != bot.KindErase || p.User != "u1" || p.Channel != "dm1" {
		t.Errorf("Discord erase item %+v, payload %+v; want u1's DM", items[0], p)
	}
	if ch, err := db.DiscordRoute(ctx, "u2"); err != nil || ch != "dm2" {
		t.Errorf("u2's route = %q, %v; want kept", ch, err)
	}
}
