package storage

import (
	"context"
	"testing"

	"github.com/relaisbot/relais/bot"
)

func TestDiscordRoutes(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	if _, err := db.DiscordRoute(ctx, "u1"); bot.ErrorKind(err) != bot.ENotFound {
		t.Fatalf("DiscordRoute of an unknown user: %v; want ENotFound", err)
	}
	for _, ch := range []string{"dm1", "dm1", "thread1"} {
		if err := db.SetDiscordRoute(ctx, "u1", ch); err != nil {
			t.Fatalf("SetDiscordRoute(%s): %v", ch, err)
		}
	}
	if err := db.SetDiscordRoute(ctx, "u2", "dm2"); err != nil {
		t.Fatal(err)
	}
	for user, want := range map[string]string{"u1": "thread1", "u2": "dm2"} {
		if got, err := db.DiscordRoute(ctx, user); err != nil || got != want {
			t.Errorf("DiscordRoute(%s) = %q, %v; want %q", user, got, err, want)
		}
	}
}

func TestDiscordThreads(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	if _, err := db.DiscordThread(ctx, "u1", "support"); bot.ErrorKind(err) != bot.ENotFound {
		t.Fatalf("DiscordThread of an unknown user: %v; want ENotFound", err)
	}
	steps := []struct{ user, thread, parent string }{
		{"u1", "t1", "support"}, {"u1", "t2", "support"}, {"u1", "t2", "support"}, {"u1", "t3", "other"}, {"u2", "t4", "support"},
	}
	for _, s := range steps {
		if err := db.SaveDiscordThread(ctx, s.user, s.thread, s.parent); err != nil {
			t.Fatalf("SaveDiscordThread(%+v): %v", s, err)
		}
	}
	if err := db.SaveDiscordThread(ctx, "u2", "t1", "support"); bot.ErrorKind(err) != bot.EConflict {
		t.Errorf("saving u1's thread for u2: %v; want EConflict", err)
	}
	for _, c := range []struct{ user, parent, want string }{{"u1", "support", "t2"}, {"u1", "other", "t3"}, {"u2", "support", "t4"}} {
		if got, err := db.DiscordThread(ctx, c.user, c.parent); err != nil || got != c.want {
			t.Errorf("DiscordThread(%s, %s) = %q, %v; want %q (the latest)", c.user, c.parent, got, err, c.want)
		}
	}
	for thread, want := range map[string]string{"t1": "u1", "t2": "u1", "t4": "u2"} {
		if got, err := db.DiscordThreadOwner(ctx, thread); err != nil || got != want {
			t.Errorf("DiscordThreadOwner(%s) = %q, %v; want %q", thread, got, err, want)
		}
	}
	if _, err := db.DiscordThreadOwner(ctx, "t9"); bot.ErrorKind(err) != bot.ENotFound {
		t.Errorf("DiscordThreadOwner of a foreign thread: %v; want ENotFound", err)
	}
}
