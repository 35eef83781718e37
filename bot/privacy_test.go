package bot_test

import (
	"context"
	"testing"
	"time"

	"github.com/relaisbot/relais/bot"
)

// After an erasure the customer starts afresh, whether the erasure went
// through the running Engine or another process (the CLI), whose changes the
// Engine's cache does not know about.
func TestEraseThenWriteAgain(t *testing.T) {
	for name, inProcess := range map[string]bool{"in process": true, "other process": false} {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, bot.Config{})
			ctx := context.Background()
			first := f.send(t, "alice", "where is my parcel", "")
			if err := f.engine.Process(ctx, first); err != nil {
				t.Fatal(err)
			}
			var engine *bot.Engine
			if inProcess {
				engine = f.engine
			}
			p := bot.NewPrivacy(f.db, engine, nil)
			alice := bot.Customer{Channel: bot.ChannelWidget, Key: "alice"}
			e, err := p.Erase(ctx, alice, "test")
			if err != nil || e.Conversations != 1 || e.Messages < 3 {
				t.Fatalf("Erase = %+v, %v; want alice's conversation", e, err)
			}
			f.now = f.now.Add(time.Minute)
			again := f.send(t, "alice", "and my invoice?", "")
			if err := f.engine.Process(ctx, again); err != nil {
				t.Fatal(err)
			}
			if again.Conversation.ID == first.Conversation.ID {
				t.Fatalf("wrote into the erased conversation %d", first.Conversation.ID)
			}
			d, err := p.Export(ctx, alice)
			if err != nil || len(d.Conversations) != 1 || d.Conversations[0].Messages[0].Action != bot.ActionGreeting {
				t.Fatalf("export after erasure = %+v, %v; want one new conversation, greeted afresh", d, err)
			}
			for _, m := range d.Conversations[0].Messages {
				if m.Text == "where is my parcel" {
					t.Error("the erased message is back")
				}
			}
		})
	}
}

func TestExpireKeepsRecentConversations(t *testing.T) {
	f := newFixture(t, bot.Config{})
	ctx := context.Background()
	f.now = time.Now().AddDate(0, 0, -40)
	old := f.send(t, "old", "hello", "")
	f.engine.Process(ctx, old)
	f.now = time.Now()
	recent := f.send(t, "recent", "hello", "")
	f.engine.Process(ctx, recent)

	p := bot.NewPrivacy(f.db, f.engine, nil)
	e, err := p.Expire(ctx, 30*24*time.Hour, time.Now())
	if err != nil || e.Conversations != 1 || e.IDs[0] != old.Conversation.ID {
		t.Fatalf("Expire = %+v, %v; want the 40-day-old conversation only", e, err)
	}
	if _, err := f.db.Conversation(ctx, recent.Conversation.ID); err != nil {
		t.Errorf("recent conversation: %v", err)
	}
}
