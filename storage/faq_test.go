package storage

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/relaisbot/relais/bot"
	"github.com/relaisbot/relais/faq"
)

func TestSeedFAQOnlyOnce(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	db.SetClock(func() time.Time { return t0 })
	entries := []faq.Entry{
		{ID: "shipping.tracking", Lang: bot.LangEN, Topic: "shipping", Title: "Track my order",
			Questions: []string{"where is my order", "track parcel"}, Answer: "Go to {orders_url}.", Tags: []string{"tracking"}},
		{ID: "shipping.tracking", Lang: bot.LangFR, Topic: "shipping", Title: "Suivre ma commande",
			Questions: []string{"où est ma commande"}, Answer: "Rendez-vous sur {orders_url}."},
	}
	seeded, err := db.SeedFAQ(ctx, entries)
	if err != nil || !seeded {
		t.Fatalf("SeedFAQ = %v, %v; want true", seeded, err)
	}
	got, err := db.FAQEntries(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []faq.Entry{entries[0], entries[1]}
	for i := range want {
		want[i].Revision, want[i].UpdatedAt, want[i].UpdatedBy = 1, t0, "seed"
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("FAQEntries mismatch (-want +got):\n%s", diff)
	}
	seeded, err = db.SeedFAQ(ctx, entries[:1])
	if err != nil || seeded {
		t.Errorf("second SeedFAQ = %v, %v; want false: a seeded FAQ is never reseeded", seeded, err)
	}
}
