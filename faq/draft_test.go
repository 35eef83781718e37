package faq_test

import (
	"context"
	"strings"
	"testing"

	"github.com/relaisbot/relais/bot"
	"github.com/relaisbot/relais/faq"
)

func TestDraftApprove(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	d := faq.Draft{Lang: bot.LangEN, Question: "Hi, can you\ngift wrap my order?", Answer: "Yes, tick \"gift\" at checkout: {shop_name} wraps it for free.",
		SuggestedID: "orders.gift-wrap", Source: "slack:C1:1700000000.000100"}
	r, err := f.admin.Draft(ctx, bob, d) // agents may propose
	if err != nil || len(r.Problems) > 0 {
		t.Fatalf("Draft = %+v, %v", r, err)
	}
	wantText(t, "draft reply", r.Text, "Draft #1 saved: an FAQ admin can approve it with `approve 1 orders.gift-wrap` or reject it with `reject 1`.")
	if a := f.lastAudit(t); a.Actor != "Bob (slack:U2)" || a.Action != faq.AuditDraft || a.Subject != "draft 1" {
		t.Errorf("audit record = %+v", a)
	}
	r, err = f.admin.Draft(ctx, bob, d) // Slack retried
	if err != nil || r.Text != "This answer was already proposed: draft #1." {
		t.Errorf("second Draft from the same source = %q, %v", r.Text, err)
	}

	r = f.ok(t, alice, "drafts")
	wantText(t, "drafts", r.Text, "*Drafts waiting for approval* (1):\n"+
		"• *#1* (en) · Bob (slack) · 2026-11-23 10:00 UTC\n"+
		"  Q: Hi, can you gift wrap my order?\n"+
		"  A: Yes, tick \"gift\" at checkout: {shop_name} wraps it for free.\n"+
		"  → `approve 1 orders.gift-wrap`\n"+
		"`approve N [ID]` creates the entry in the draft's language; `reject N` drops the draft.")

	if r := f.run(t, bob, "approve 1"); len(r.Problems) != 1 || f.lastAudit(t).Action != faq.AuditDenied {
		t.Errorf("approve by an agent = %+v; want a logged refusal", r)
	}

	r = f.ok(t, alice, "approve 1")
	wantText(t, "approve", r.Text, "Draft #1 approved: `orders.gift-wrap` (en) created (revision 1), proposed by Bob (slack). "+
		"Its title is the customer's question; change it with `edit orders.gift-wrap en`.")
	e, ok := f.entry(t, "orders.gift-wrap", bot.LangEN)
	if !ok || e.UpdatedBy != "Alice (slack)" || e.Title != "Hi, can you gift wrap my order?" ||
		strings.Join(e.Questions, "|") != "Hi, can you gift wrap my order?" || e.Answer != d.Answer {
		t.Errorf("approved entry = %+v, %v; want it authored by the approver", e, ok)
	}
	hist, err := f.db.FAQHistory(ctx, "orders.gift-wrap", bot.LangEN, 1)
	if err != nil || len(hist) != 1 || hist[0].Note != "from draft 1 by Bob (slack)" {
		t.Errorf("history = %+v, %v; want the drafter recorded", hist, err)
	}
	if a := f.lastAudit(t); a.Action != faq.AuditApprove || a.Subject != "orders.gift-wrap/en" || a.Detail != "draft 1 by Bob (slack)" {
		t.Errorf("audit record = %+v", a)
	}
	if got := f.answers(t, "can you gift wrap my order?", bot.LangEN); got != "orders.gift-wrap" {
		t.Errorf("the approved entry is not live: answered with %q", got)
	}
	r = f.ok(t, alice, "history orders.gift-wrap en")
	wantContains(t, "history", r.Text, "• r1 en · 2026-11-23 10:00 UTC · Alice (slack) · from draft #1 by Bob (slack)")
	r = f.run(t, alice, "approve 1")
	wantText(t, "approve twice", r.Text, "no draft #1 is waiting for approval: `drafts` lists them")
	if r := f.ok(t, alice, "drafts"); r.Text != "No draft is waiting for approval." {
		t.Errorf("drafts after approval = %q", r.Text)
	}
}

func TestDraftRejectAndErrors(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	// No language: detected from the question. No suggested id.
	r, err := f.admin.Draft(ctx, bob, faq.Draft{Question: "Est-ce que vous livrez en Suisse ?", Answer: "Oui, en 5 jours."})
	if err != nil || len(r.Problems) > 0 {
		t.Fatalf("Draft = %+v, %v", r, err)
	}
	r = f.run(t, alain, "approve 1")
	wantText(t, "approve without id", r.Text, "le brouillon n° 1 n'a pas d'identifiant suggéré : donnez-en un, par exemple `approve 1 topic.slug`")
	r = f.run(t, alain, "approve 1 shipping.tracking")
	wantText(t, "approve onto an entry", r.Text, "`shipping.tracking` (fr) existe déjà : donnez un autre identifiant (`approve 1 other.id`), ou ajoutez-y la question avec edit")
	r = f.ok(t, alain, "reject 1")
	wantText(t, "reject", r.Text, "Brouillon n° 1 (proposé par Bob (slack)) rejeté.")
	if a := f.lastAudit(t); a.Action != faq.AuditReject || a.Subject != "draft 1" || a.Actor != "Alain (discord:42)" {
		t.Errorf("audit record = %+v", a)
	}
	if ds, _ := f.db.FAQDrafts(ctx); len(ds) != 0 {
		t.Errorf("pending drafts after reject = %+v", ds)
	}

	r, err = f.admin.Draft(ctx, bob, faq.Draft{Lang: "de", Question: " ", Answer: "{price}", SuggestedID: "Bad Id"})
	if err != nil {
		t.Fatal(err)
	}
	wantText(t, "invalid draft", r.Text, "Problems (4):\n"+
		"• unknown language 'de': use fr or en\n"+
		"• the customer's question is empty\n"+
		"• unknown placeholder {price} in the answer: use one of {shop_name} {support_email} {support_hours} {return_window_days} {refund_days} {free_shipping_threshold} {shipping_cost} {delivery_days} {international_delivery_days} {orders_url}\n"+
		"• invalid id 'bad id': write topic.slug in lowercase letters, digits and dashes, e.g. bad.id")
}
