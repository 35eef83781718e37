package faq

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/relaisbot/relais/bot"
)

// Facts are the shop's details that FAQ answers mention. Answers hold
// placeholders ({shop_name}, {refund_days}, …) that are filled from Facts when
// an answer is shown, so the seed FAQ fits any shop and an admin never has to
// repeat a number in several answers.
type Facts struct {
	ShopName                  string
	SupportEmail              string
	SupportHours              map[bot.Lang]string // human-readable, per language
	ReturnWindowDays          int
	RefundDays                int
	FreeShippingThreshold     string // amount with currency, e.g. "50 €"
	ShippingCost              string // standard delivery, e.g. "4.90 €"
	DeliveryDays              string // standard delivery in business days, e.g. "2–4"
	InternationalDeliveryDays string // e.g. "5–10"
	OrdersURL                 string // where customers see their orders
}

// DefaultFacts returns the facts of the demo shop.
func DefaultFacts() Facts {
	return Facts{
		ShopName:     "Relais Demo Shop",
		SupportEmail: "support@shop.example",
		SupportHours: map[bot.Lang]string{
			bot.LangEN: "Monday to Friday, 9:00–18:00 (Paris time)",
			bot.LangFR: "du lundi au vendredi, de 9 h à 18 h (heure de Paris)",
		},
		ReturnWindowDays:          30,
		RefundDays:                5,
		FreeShippingThreshold:     "50 €",
		ShippingCost:              "4.90 €",
		DeliveryDays:              "2–4",
		InternationalDeliveryDays: "5–10",
		OrdersURL:                 "https://shop.example/account/orders",
	}
}

// Placeholders lists the placeholders an answer may use.
var Placeholders = []string{
	"{shop_name}", "{support_email}", "{support_hours}", "{return_window_days}", "{refund_days}",
	"{free_shipping_threshold}", "{shipping_cost}", "{delivery_days}",
	"{international_delivery_days}", "{orders_url}",
}

// replacer returns a Replacer filling the placeholders for answers in lang.
// Support hours fall back to the other language, then to "".
func (f Facts) replacer(lang bot.Lang) *strings.Replacer {
	hours := f.SupportHours[lang]
	if hours == "" {
		hours = f.SupportHours[langOf(1-langIndex(lang))]
	}
	return strings.NewReplacer(
		"{shop_name}", f.ShopName,
		"{support_email}", f.SupportEmail,
		"{support_hours}", hours,
		"{return_window_days}", strconv.Itoa(f.ReturnWindowDays),
		"{refund_days}", strconv.Itoa(f.RefundDays),
		"{free_shipping_threshold}", f.FreeShippingThreshold,
		"{shipping_cost}", f.ShippingCost,
		"{delivery_days}", f.DeliveryDays,
		"{international_delivery_days}", f.InternationalDeliveryDays,
		"{orders_url}", f.OrdersURL,
	)
}

// Render returns text with its placeholders filled in for lang. Unknown
// placeholders are left as they are; CheckAnswer reports them.
func (f Facts) Render(text string, lang bot.Lang) string {
	return f.replacer(lang).Replace(text)
}

var placeholderRE = regexp.MustCompile(`\{[^{}]*\}`)

// CheckAnswer reports an *bot.Error of kind EInvalid if an answer uses a
// placeholder that is not in Placeholders or has an unmatched brace.
func CheckAnswer(text string) error {
	for _, p := range placeholderRE.FindAllString(text, -1) {
		known := false
		for _, k := range Placeholders {
			known = known || p == k
		}
		if !known {
			return bot.Errorf(bot.EInvalid, "unknown placeholder %s: use one of %s", p, strings.Join(Placeholders, " "))
		}
	}
	if rest := placeholderRE.ReplaceAllString(text, ""); strings.ContainsAny(rest, "{}") {
		return bot.Errorf(bot.EInvalid, "unmatched brace in answer: write placeholders as %s", Placeholders[0])
	}
	return nil
}
