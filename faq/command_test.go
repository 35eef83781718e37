package faq

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/relaisbot/relais/bot"
)

func TestParseCommand(t *testing.T) {
	for _, tc := range []struct {
		line string
		want Command
	}{
		{"", Command{Verb: VerbHelp}},
		{"   ", Command{Verb: VerbHelp}},
		{"/faq", Command{Verb: VerbHelp}},
		{"help add", Command{Verb: VerbHelp, Help: VerbAdd}},
		{"aide supprimer", Command{Verb: VerbHelp, Help: VerbDelete}},
		{"list", Command{Verb: VerbList}},
		{"LIST", Command{Verb: VerbList}},
		{"/faq list shipping", Command{Verb: VerbList, Topic: "shipping"}},
		{"list FR", Command{Verb: VerbList, Lang: bot.LangFR}},
		{"ls Shipping en", Command{Verb: VerbList, Topic: "shipping", Lang: bot.LangEN}},
		{"liste shipping fr-FR", Command{Verb: VerbList, Topic: "shipping", Lang: bot.LangFR}},
		{"show shipping.tracking", Command{Verb: VerbShow, ID: "shipping.tracking"}},
		{"Show Shipping.Tracking EN", Command{Verb: VerbShow, ID: "shipping.tracking", Lang: bot.LangEN}},
		{"voir shipping.tracking fr", Command{Verb: VerbShow, ID: "shipping.tracking", Lang: bot.LangFR}},
		{`show "shipping.tracking"`, Command{Verb: VerbShow, ID: "shipping.tracking"}},
		{"delete orders.gift-wrap-2", Command{Verb: VerbDelete, ID: "orders.gift-wrap-2"}},
		{"rm orders.gift en", Command{Verb: VerbDelete, ID: "orders.gift", Lang: bot.LangEN}},
		{"supprimer orders.gift fr", Command{Verb: VerbDelete, ID: "orders.gift", Lang: bot.LangFR}},
		{"history orders.gift", Command{Verb: VerbHistory, ID: "orders.gift"}},
		{"historique orders.gift en", Command{Verb: VerbHistory, ID: "orders.gift", Lang: bot.LangEN}},
		{"undo orders.gift", Command{Verb: VerbUndo, ID: "orders.gift"}},
		{"annuler orders.gift fr", Command{Verb: VerbUndo, ID: "orders.gift", Lang: bot.LangFR}},
		{"add orders.gift en", Command{Verb: VerbAdd, ID: "orders.gift", Lang: bot.LangEN}},
		{"edit orders.gift fr", Command{Verb: VerbEdit, ID: "orders.gift", Lang: bot.LangFR}},
		{"add orders.gift en\nQ: do you gift wrap\nq: Can I send it as a present?\nA: Yes.\n\nTick \"gift\" at checkout.  \ntitle: Gift wrapping\ntags: gift, wrapping,",
			Command{Verb: VerbAdd, ID: "orders.gift", Lang: bot.LangEN, Body: &Body{
				Questions: []string{"do you gift wrap", "Can I send it as a present?"},
				Answer:    "Yes.\n\nTick \"gift\" at checkout.", HasAnswer: true,
				Title: "Gift wrapping", HasTitle: true, Tags: []string{"gift", "wrapping"}, HasTags: true}}},
		{"add orders.gift en Q: do you gift wrap\r\nA: Yes",
			Command{Verb: VerbAdd, ID: "orders.gift", Lang: bot.LangEN, Body: &Body{
				Questions: []string{"do you gift wrap"}, Answer: "Yes", HasAnswer: true}}},
		{"ajouter orders.cadeau fr\nQuestion : « vous faites les paquets cadeaux ? »\nRéponse : Oui.",
			Command{Verb: VerbAdd, ID: "orders.cadeau", Lang: bot.LangFR, Body: &Body{
				Questions: []string{"vous faites les paquets cadeaux ?"}, Answer: "Oui.", HasAnswer: true}}},
		{"edit orders.gift en\nQ+: gift wrap?\nQ-: do you gift wrap\ntags:",
			Command{Verb: VerbEdit, ID: "orders.gift", Lang: bot.LangEN, Body: &Body{
				AddQuestions: []string{"gift wrap?"}, RemoveQuestions: []string{"do you gift wrap"}, HasTags: true}}},
		{"edit orders.gift en\nA:\nFirst line: with a colon.\nSecond line.",
			Command{Verb: VerbEdit, ID: "orders.gift", Lang: bot.LangEN, Body: &Body{
				Answer: "First line: with a colon.\nSecond line.", HasAnswer: true}}},
		{"edit orders.gift en\n\n  \n", Command{Verb: VerbEdit, ID: "orders.gift", Lang: bot.LangEN}},
		{`try "where is my parcel?"`, Command{Verb: VerbTry, Text: "where is my parcel?"}},
		{`try “où est mon colis ?”`, Command{Verb: VerbTry, Text: "où est mon colis ?"}},
		{`essayer « où est mon colis ? »`, Command{Verb: VerbTry, Text: "où est mon colis ?"}},
		{`try where is "my" parcel`, Command{Verb: VerbTry, Text: `where is "my" parcel`}},
		{"try hello\nsecond line", Command{Verb: VerbTry, Text: "hello\nsecond line"}},
		{"export", Command{Verb: VerbExport}},
		{"import", Command{Verb: VerbImport}},
		{"import replace", Command{Verb: VerbImport, Replace: true}},
		{"drafts", Command{Verb: VerbDrafts}},
		{"approve 3", Command{Verb: VerbApprove, DraftID: 3}},
		{"approve #3 orders.gift", Command{Verb: VerbApprove, DraftID: 3, ID: "orders.gift"}},
		{"reject 12", Command{Verb: VerbReject, DraftID: 12}},
		{"audit", Command{Verb: VerbAudit}},
		{"audit 5", Command{Verb: VerbAudit, Count: 5}},
	} {
		got, err := ParseCommand(tc.line)
		if err != nil {
			t.Errorf("ParseCommand(%q): %v", tc.line, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got, cmpopts.EquateEmpty(), cmp.AllowUnexported(Body{})); diff != "" {
			t.Errorf("ParseCommand(%q) mismatch (-want +got):\n%s", tc.line, diff)
		}
	}
}

func TestParseCommandErrors(t *testing.T) {
	for _, tc := range []struct {
		line, want, field string
	}{
		{"shwo shipping.tracking", "unknown command 'shwo': did you mean show? Type help for the list of commands", ""},
		{"lsit", "unknown command 'lsit': did you mean list? Type help for the list of commands", ""},
		{"histroy x.y", "unknown command 'histroy': did you mean history? Type help for the list of commands", ""},
		{"frobnicate", "unknown command 'frobnicate': type help for the list of commands", ""},
		{"help frobnicate", "unknown command 'frobnicate': type help for the list of commands", ""},
		{"show", "missing entry id: show ID [fr|en]", "id"},
		{"show shipping.tracking de", "unknown language 'de': use fr or en", "lang"},
		{"show shipping.tracking en extra", "too many arguments: show ID [fr|en]", ""},
		{"show Shipping_Tracking", "invalid id 'Shipping_Tracking': write topic.slug in lowercase letters, digits and dashes, e.g. shipping.gift-wrap", "id"},
		{"show shipping.gift_wrap", "invalid id 'shipping.gift_wrap': write topic.slug in lowercase letters, digits and dashes, e.g. shipping.gift-wrap", "id"},
		{"add shipping gift wrap", "invalid id 'shipping': write topic.slug in lowercase letters, digits and dashes, e.g. shipping.gift-wrap", "id"},
		{"show shipping.cadeau_réussi", "invalid id 'shipping.cadeau_réussi': write topic.slug in lowercase letters, digits and dashes, e.g. shipping.cadeau-reussi", "id"},
		{"add shipping.gift", "missing language: add ID fr|en", "lang"},
		{"add shipping.gift de", "unknown language 'de': use fr or en", "lang"},
		{"edit", "missing entry id: edit ID fr|en", "id"},
		{"add shipping.gift en hello", "too many arguments: add ID fr|en", ""},
		{"add shipping.gift en\nQ: ok\nthis line is stray", "line 3 is not a field: start it with Q:, Q+:, Q-:, A:, title: or tags: (“this line is stray”)", ""},
		{"add shipping.gift en\nQ:\nA: yes", "Q: on line 2 is empty: write the question after it", "questions"},
		{"add shipping.gift en\nA: one\nA: two", "A: is given twice (line 3): give it once; the lines after A: continue the answer", ""},
		{"list de", "unknown language 'de': use fr or en", "lang"},
		{"list shipping de", "unknown language 'de': use fr or en", "lang"},
		{"list shipping.tracking", "list takes a topic, not an id: to see this entry, type `show shipping.tracking`", ""},
		{"list ship/ping", "invalid topic 'ship/ping': a topic is a lowercase word such as shipping", "topic"},
		{"list a b c", "too many arguments: list [topic] [fr|en]", ""},
		{`try`, `missing message: try "where is my parcel?"`, ""},
		{`try ""`, `missing message: try "where is my parcel?"`, ""},
		{`show "shipping.tracking`, `unclosed quote ": add the closing "`, ""},
		{`show « shipping.tracking`, `unclosed quote «: add the closing »`, ""},
		{"approve", "missing draft number: approve DRAFT [ID]", ""},
		{"approve three", "invalid draft number 'three': use the number shown by drafts, e.g. approve 3", ""},
		{"reject 0", "invalid draft number '0': use the number shown by drafts, e.g. reject 3", ""},
		{"reject 3 4", "too many arguments: reject DRAFT", ""},
		{"import faq.json", "unexpected 'faq.json': send the file with the import command (as an attachment); `import replace` also deletes the entries the file lacks", ""},
		{"export now", "too many arguments: export", ""},
		{"audit 1000", "invalid count '1000': audit N takes N from 1 to 100", ""},
		{"list\nQ: what", "unexpected lines after list: only add and edit take Q:/A: lines", ""},
		{"\nQ: what", "the first line must be a command: type help for the list", ""},
		{"show a.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "id 'a.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb…' is too long: at most 64 characters", "id"},
	} {
		_, err := ParseCommand(tc.line)
		ce, ok := err.(*CommandError)
		if !ok {
			t.Errorf("ParseCommand(%q) error = %v, want *CommandError %q", tc.line, err, tc.want)
			continue
		}
		if ce.Error() != tc.want || ce.Field != tc.field {
			t.Errorf("ParseCommand(%q) error = %q (field %q)\nwant %q (field %q)", tc.line, ce.Error(), ce.Field, tc.want, tc.field)
		}
	}
}

// TestParseCommandErrorsInFrench checks that errors say the same in French.
func TestParseCommandErrorsInFrench(t *testing.T) {
	for _, tc := range []struct{ line, want string }{
		{"show shipping.tracking de", "langue inconnue « de » : utilisez fr ou en"},
		{"shwo x.y", "commande inconnue « shwo » : vouliez-vous dire show ? Tapez help pour la liste des commandes"},
		{"add shipping.gift", "langue manquante : add ID fr|en"},
		{"show Shipping Gift", "identifiant « Shipping » invalide : écrivez sujet.nom en minuscules, chiffres et tirets, par exemple shipping.gift-wrap"},
		{"add x.y en\nfoo", "la ligne 2 n'est pas un champ : commencez-la par Q:, Q+:, Q-:, A:, title: ou tags: (« foo »)"},
	} {
		_, err := ParseCommand(tc.line)
		ce, ok := err.(*CommandError)
		if !ok {
			t.Errorf("ParseCommand(%q) error = %v, want a *CommandError", tc.line, err)
			continue
		}
		if got := ce.In(bot.LangFR); got != tc.want {
			t.Errorf("ParseCommand(%q) error in French = %q\nwant %q", tc.line, got, tc.want)
		}
	}
}

func TestSuggestID(t *testing.T) {
	for in, want := range map[string]string{
		"Shipping.Gift_Wrap":   "shipping.gift-wrap",
		"shipping gift":        "shipping.gift",
		"retours.délai":        "retours.delai",
		"shipping.l'emballage": "shipping.l-emballage",
		"nodot":                "",
		".x":                   "",
	} {
		if got := suggestID(in); got != want {
			t.Errorf("suggestID(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestValidateEntry(t *testing.T) {
	long := string(make([]rune, maxAnswer+1))
	for _, tc := range []struct {
		name string
		e    Entry
		want []string // "field: message"
	}{
		{"valid", Entry{ID: "orders.gift", Lang: bot.LangEN, Questions: []string{"gift wrap?"}, Answer: "Yes, at {shop_name}."}, nil},
		{"empty", Entry{}, []string{
			"id: invalid id '': write topic.slug in lowercase letters, digits and dashes, e.g. shipping.gift-wrap",
			"lang: the language is missing: use fr or en",
			"questions: at least one question is needed: add a Q: line",
			"answer: the answer is empty: write it after A:",
		}},
		{"placeholder", Entry{ID: "orders.gift", Lang: "de", Questions: []string{"x"}, Answer: "See {shop}."}, []string{
			"lang: unknown language 'de': use fr or en",
			"answer: unknown placeholder {shop} in the answer: use one of " +
				"{shop_name} {support_email} {support_hours} {return_window_days} {refund_days} {free_shipping_threshold} {shipping_cost} {delivery_days} {international_delivery_days} {orders_url}",
		}},
		{"brace", Entry{ID: "orders.gift", Lang: "fr", Questions: []string{"x"}, Answer: "See {shop_name"}, []string{
			"answer: unmatched brace in the answer: placeholders are written like {shop_name}",
		}},
		{"topic", Entry{ID: "orders.gift", Topic: "shipping", Lang: "fr", Questions: []string{"x"}, Answer: "ok"}, []string{
			"topic: topic 'shipping' does not match the id: it must be orders",
		}},
		{"sizes", Entry{ID: "orders.gift", Lang: "fr", Title: "a title that is much too long to fit on any button in Slack or Discord at all",
			Questions: []string{"two\nlines"}, Answer: long, Tags: []string{"a,b"}}, []string{
			"title: the title is too long (77 characters): at most 75, it is shown on a button",
			"questions: question 1 spans several lines: one question per Q: line",
			"answer: the answer is too long (2001 characters): at most 2000, to fit in one chat message",
			"tags: invalid tag 'a,b': at most 40 characters, no commas",
		}},
	} {
		var got []string
		for _, err := range validateEntry(normalize(tc.e)) {
			got = append(got, err.Field+": "+err.Error())
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s: validateEntry mismatch (-want +got):\n%s", tc.name, diff)
		}
	}
}

func TestNormalize(t *testing.T) {
	got := normalize(Entry{ID: " Orders.Gift ", Lang: "EN", Questions: []string{" Gift wrap? ", "", "gift WRAP?", "présent"},
		Answer: " Yes.\r\nOK ", Tags: []string{"a", " a ", ""}})
	want := Entry{ID: "orders.gift", Lang: bot.LangEN, Topic: "orders", Title: "Gift wrap?",
		Questions: []string{"Gift wrap?", "présent"}, Answer: "Yes.\nOK", Tags: []string{"a"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("normalize mismatch (-want +got):\n%s", diff)
	}
}
