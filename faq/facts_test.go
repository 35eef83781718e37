package faq

import (
	"testing"

	"github.com/relaisbot/relais/bot"
)

func TestFactsRender(t *testing.T) {
	f := DefaultFacts()
	tests := []struct {
		text string
		lang bot.Lang
		want string
	}{
		{"Returns within {return_window_days} days, refunds in {refund_days}.", bot.LangEN, "Returns within 30 days, refunds in 5."},
		{"{shop_name}: {support_email}", bot.LangFR, "Relais Demo Shop: support@shop.example"},
		{"Nous répondons {support_hours}.", bot.LangFR, "Nous répondons du lundi au vendredi, de 9 h à 18 h (heure de Paris)."},
		{"We answer {support_hours}.", bot.LangEN, "We answer Monday to Friday, 9:00–18:00 (Paris time)."},
		{"{shipping_cost}, free from {free_shipping_threshold}", bot.LangEN, "4.90 €, free from 50 €"},
		{"{delivery_days} / {international_delivery_days} days, see {orders_url}", bot.LangEN, "2–4 / 5–10 days, see https://shop.example/account/orders"},
		{"{unknown} stays", bot.LangEN, "{unknown} stays"},
	}
	for _, tt := range tests {
		if got := f.Render(tt.text, tt.lang); got != tt.want {
			t.Errorf("Render(%q, %s) = %q, want %q", tt.text, tt.lang, got, tt.want)
		}
	}
}

func TestFactsRenderHoursFallback(t *testing.T) {
	f := DefaultFacts()
	f.SupportHours = map[bot.Lang]string{bot.LangEN: "9–5"}
	if got := f.Render("{support_hours}", bot.LangFR); got != "9–5" {
		t.Errorf("Render with English hours only = %q, want 9–5", got)
	}
}

func TestCheckAnswer(t *testing.T) {
	tests := []struct {
		text    string
		wantErr bool
	}{
		{"Write to {support_email} within {return_window_days} days.", false},
		{"No placeholder at all.", false},
		{"Hello {customer_name}", true},
		{"Broken {support_email", true},
		{"Stray } brace", true},
	}
	for _, tt := range tests {
		err := CheckAnswer(tt.text)
		if (err != nil) != tt.wantErr {
			t.Errorf("CheckAnswer(%q) = %v, want error: %v", tt.text, err, tt.wantErr)
		}
		if err != nil && bot.ErrorKind(err) != bot.EInvalid {
			t.Errorf("CheckAnswer(%q) kind = %q, want %q", tt.text, bot.ErrorKind(err), bot.EInvalid)
		}
	}
}
