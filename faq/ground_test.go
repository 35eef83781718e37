package faq

import "testing"

func TestCheckGrounded(t *testing.T) {
	const (
		en = "Standard delivery costs 4.90 € and takes 2–4 business days. It is free from 50 €. " +
			"Follow your order at https://shop.example/account/orders or write to support@shop.example. " +
			"Once we receive your return, we refund you within 5 days."
		fr = "La livraison standard coûte 4,90 € et prend 2 à 4 jours ouvrés. Elle est offerte dès 50 €. " +
			"Suivez votre commande sur https://shop.example/account/orders ou écrivez à support@shop.example. " +
			"Dès réception de votre retour, nous vous remboursons sous 5 jours."
	)
	tests := []struct {
		name, source, candidate, want string
	}{
		// Accepted: the same facts, reworded, reordered, written otherwise.
		{"en same facts", en, "Shipping is 4.90€, free for orders from 50 euros, and arrives in 2-4 working days. " +
			"Track it at shop.example/account/orders; questions: support@shop.example. Refunds come within five days of receiving your return.", ""},
		{"fr same facts", fr, "Pour 4.90 €, votre colis arrive en 2 à 4 jours ouvrés (offert à partir de 50 euros). " +
			"Votre suivi : https://shop.example/account/orders/ — contact : support@shop.example. Remboursement sous cinq jours après réception du retour.", ""},
		{"en shorter", en, "Delivery takes 2–4 business days.", ""},
		{"fr shorter", fr, "Suivez votre commande sur https://shop.example/account/orders.", ""},

		// Rejected: invented facts.
		{"en invented price", en, "Delivery costs 3.50 € and takes 2–4 business days.", UngroundedNumber},
		{"fr invented price", fr, "La livraison coûte 3,50 € et prend 2 à 4 jours.", UngroundedNumber},
		{"en other currency", en, "Delivery costs 4.90 $.", UngroundedCurrency},
		{"en percentage", en, "You get 10 % off your next order.", UngroundedNumber},
		{"en invented delay", en, "Delivery takes 24 hours.", UngroundedNumber},
		{"en invented date", en, "Your parcel arrives on Monday.", UngroundedDate},
		{"fr invented date", fr, "Votre colis arrivera lundi.", UngroundedDate},
		{"en invented day", en, "It ships on 14/03.", UngroundedNumber},
		{"en invented time", en, "Call us at 9:30.", UngroundedNumber},
		{"en invented url", en, "See https://evil.example/win for details.", UngroundedURL},
		{"fr invented bare url", fr, "Rendez-vous sur promo-shop.fr pour suivre.", UngroundedURL},
		{"en invented email", en, "Write to refunds@shop.example.", UngroundedEmail},
		{"en invented phone", en, "Call us on 01 23 45 67 89.", UngroundedNumber},
		{"en promise guarantee", en, "Delivery in 2–4 business days, guaranteed.", UngroundedPromise},
		{"fr promise garanti", fr, "Livraison garantie en 2 à 4 jours ouvrés.", UngroundedPromise},
		{"en promise today", en, "We ship your order today.", UngroundedPromise},
		{"fr promise aujourd'hui", fr, "Nous expédions votre commande aujourd'hui.", UngroundedPromise},
		{"en promise within", "Delivery takes 2–4 business days.", "Delivery within 4 business days.", UngroundedPromise},
		{"fr promise sous", "La livraison prend 2 à 4 jours ouvrés.", "Livraison sous 4 jours ouvrés.", UngroundedPromise},
		{"en promise free", "Delivery costs 4.90 €.", "Delivery is free and costs nothing.", UngroundedPromise},
		{"fr promise gratuit", "La livraison coûte 4,90 €.", "La livraison est gratuite.", UngroundedPromise},
		{"en promise refund", "You can return an item within 30 days.", "You can return an item within 30 days and we refund you.", UngroundedPromise},
		{"fr promise rembours", "Vous pouvez retourner un article pendant 30 jours.", "Retournez-le pendant 30 jours, nous vous remboursons.", UngroundedPromise},
		{"en redaction mark", en, "We will write to you at [email].", UngroundedPlaceholder},
		{"en invented mark", en, "Write to [EMAIL_2].", UngroundedPlaceholder},
		{"empty", en, "  ", UngroundedEmpty},
		{"too long", "Delivery takes 2–4 days.", string(make([]byte, 400)) + "x", UngroundedLength},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CheckGrounded(tt.source, tt.candidate); got != tt.want {
				t.Errorf("CheckGrounded(%q,\n\t%q) = %q, want %q", tt.source, tt.candidate, got, tt.want)
			}
		})
	}
}

// Every seed answer, rendered, is grounded in itself: the check never
// rejects a faithful copy.
func TestCheckGroundedSeedAnswers(t *testing.T) {
	svc := newSeededService(t, DefaultOptions())
	for _, e := range svc.Entries() {
		ans := svc.render[langIndex(e.Lang)].Replace(e.Answer)
		if got := CheckGrounded(ans, ans); got != "" {
			t.Errorf("%s: the answer itself is rejected (%s)", e.Key(), got)
		}
	}
}
