package openai

import "testing"

func TestRedact(t *testing.T) {
	tests := []struct{ in, want string }{
		// Emails.
		{"write to jean.dupont+shop@exemple.fr please", "write to [email] please"},
		{"Mon mail : Élodie.Martin@gmail.com.", "Mon mail : [email]."},
		// French phone numbers.
		{"appelez-moi au 06 12 34 56 78", "appelez-moi au [phone]"},
		{"tél. 01.23.45.67.89 ou 0612345678", "tél. [phone] ou [phone]"},
		{"mon numéro +33 6 12 34 56 78 !", "mon numéro [phone] !"},
		{"ou le 0033 1 23 45 67 89", "ou le [phone]"},
		// English phone numbers.
		{"call me on +44 20 7946 0958", "call me on [phone]"},
		{"my mobile is 07700 900123", "my mobile is [phone]"},
		{"reach me at (415) 555-0100 or 415-555-0100", "reach me at [phone] or [phone]"},
		{"+1 (415) 555-0100 after 6", "[phone] after 6"},
		// Card numbers that pass the Luhn check.
		{"my card 4111 1111 1111 1111 was charged twice", "my card [card] was charged twice"},
		{"card 5555-5555-5555-4444", "card [card]"},
		{"4012888888881881", "[card]"},
		// IBANs that pass the mod-97 check.
		{"IBAN FR76 3000 6000 0112 3456 7890 189 merci", "IBAN [iban] merci"},
		{"refund to GB82WEST12345698765432", "refund to [iban]"},
		{"de89370400440532013000", "[iban]"},
		// Left alone: order and parcel numbers, amounts, dates, wrong checks.
		{"order #12345 is late", "order #12345 is late"},
		{"commande n° 1234567890 en retard", "commande n° 1234567890 en retard"},
		{"parcel 6A12345678901 not moving", "parcel 6A12345678901 not moving"},
		{"#0612345678", "#0612345678"},
		{"I paid 49.90 € on 14/03/2025 at 10:30", "I paid 49.90 € on 14/03/2025 at 10:30"},
		{"delivered 2025-03-14", "delivered 2025-03-14"},
		{"4111 1111 1111 1112 fails Luhn", "4111 1111 1111 1112 fails Luhn"},
		{"GB82WEST12345698765431 wrong check", "GB82WEST12345698765431 wrong check"},
		{"size 42, 3 items, 2–4 days", "size 42, 3 items, 2–4 days"},
	}
	for _, tt := range tests {
		if got := Redact(tt.in); got != tt.want {
			t.Errorf("Redact(%q)\n\t= %q\n\twant %q", tt.in, got, tt.want)
		}
	}
}

func TestRedactReversible(t *testing.T) {
	answer := "Write to support@shop.example or call 01 23 45 67 89; shipping is 4.90 €."
	sent, restore := redactReversible(answer)
	if want := "Write to [EMAIL_1] or call [PHONE_1]; shipping is 4.90 €."; sent != want {
		t.Fatalf("sent %q, want %q", sent, want)
	}
	if got := restore("Questions? [EMAIL_1] or [PHONE_1]."); got != "Questions? support@shop.example or 01 23 45 67 89." {
		t.Errorf("restore = %q", got)
	}
	if got := restore("Try [EMAIL_2]."); got != "Try [EMAIL_2]." {
		t.Errorf("an invented mark is restored: %q", got)
	}
}
