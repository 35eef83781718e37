package storage

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/relaisbot/relais/bot"
	"github.com/relaisbot/relais/faq"
)

func TestFAQVectors(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	key := func(id string, lang bot.Lang, text string) faq.PhrasingKey {
		return faq.PhrasingKey{EntryID: id, Lang: lang, Hash: faq.PhrasingHash(text)}
	}
	a := faq.PhrasingVector{PhrasingKey: key("shipping.tracking", bot.LangEN, "where is my parcel"), Vector: []float32{0.5, -0.25, 1e-7, 3}}
	b := faq.PhrasingVector{PhrasingKey: key("shipping.tracking", bot.LangFR, "où est mon colis"), Vector: []float32{1, 2, 3, 4}}
	c := faq.PhrasingVector{PhrasingKey: key("returns.policy", bot.LangEN, "how do I return"), Vector: []float32{-1, 0, 0, 0}}
	if err := db.SaveFAQVectors(ctx, "m1", []faq.PhrasingVector{a, b, c}); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveFAQVectors(ctx, "m2", []faq.PhrasingVector{a}); err != nil {
		t.Fatal(err)
	}
	b.Vector = []float32{4, 3, 2, 1} // recomputed: replaced
	if err := db.SaveFAQVectors(ctx, "m1", []faq.PhrasingVector{b}); err != nil {
		t.Fatal(err)
	}
	byKey := func(x, y faq.PhrasingVector) int {
		return strings.Compare(x.EntryID+string(x.Lang), y.EntryID+string(y.Lang))
	}
	got, err := db.FAQVectors(ctx, "m1")
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(got, byKey)
	if diff := cmp.Diff([]faq.PhrasingVector{c, a, b}, got); diff != "" {
		t.Errorf("FAQVectors(m1) mismatch (-want +got):\n%s", diff)
	}

	n, err := db.PruneFAQVectors(ctx, "m1", []faq.PhrasingKey{a.PhrasingKey, b.PhrasingKey})
	if err != nil || n != 2 {
		t.Fatalf("PruneFAQVectors = %d, %v; want c and m2's vector deleted (2)", n, err)
	}
	got, _ = db.FAQVectors(ctx, "m1")
	slices.SortFunc(got, byKey)
	if diff := cmp.Diff([]faq.PhrasingVector{a, b}, got); diff != "" {
		t.Errorf("after pruning (-want +got):\n%s", diff)
	}
	if other, _ := db.FAQVectors(ctx, "m2"); len(other) != 0 {
		t.Errorf("vectors of another model kept: %v", other)
	}
	if err := db.SaveFAQVectors(ctx, "m1", []faq.PhrasingVector{{PhrasingKey: a.PhrasingKey}}); bot.ErrorKind(err) != bot.EInvalid {
		t.Errorf("empty vector: err = %v, want EInvalid", err)
	}
}

func TestTokenUsageAndSummaries(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	if n, err := db.TokensUsed(ctx, "2025-03-14"); err != nil || n != 0 {
		t.Fatalf("TokensUsed of a day without calls = %d, %v", n, err)
	}
	db.AddTokensUsed(ctx, "2025-03-14", 120, 1)
	db.AddTokensUsed(ctx, "2025-03-14", 30, 2)
	db.AddTokensUsed(ctx, "2025-03-15", 7, 1)
	if n, err := db.TokensUsed(ctx, "2025-03-14"); err != nil || n != 150 {
		t.Errorf("TokensUsed = %d, %v; want 150", n, err)
	}

	conv := newConversation("k1")
	ch := &bot.Change{Conversation: conv, Handoff: &bot.Handoff{Reason: "frustration", CreatedAt: t0}}
	if err := db.Commit(ctx, ch); err != nil {
		t.Fatal(err)
	}
	h, err := db.LatestHandoff(ctx, conv.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.HandoffSummary(ctx, h.ID); bot.ErrorKind(err) != bot.ENotFound {
		t.Errorf("summary before any: err = %v, want ENotFound", err)
	}
	for _, s := range []string{"first", "Wants a refund.\nBot gave the policy."} {
		if err := db.SaveHandoffSummary(ctx, h.ID, s); err != nil {
			t.Fatal(err)
		}
		if got, err := db.HandoffSummary(ctx, h.ID); err != nil || got != s {
			t.Errorf("HandoffSummary = %q, %v; want %q", got, err, s)
		}
	}
	if err := db.SaveHandoffSummary(ctx, h.ID+100, "x"); bot.ErrorKind(err) != bot.ENotFound {
		t.Errorf("summary of no hand-over: err = %v, want ENotFound", err)
	}
}
