package faq

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/relaisbot/relais/bot"
)

// What ParseCommand guarantees (command.go, COMMANDS.md), for any line:
//
//   - it returns a Command or a *CommandError, never both, and the same for
//     the same line;
//   - an error says what to fix in both languages: a non-empty message, no
//     broken %-verb, valid UTF-8 for valid input, a known field, and a
//     bounded length whatever the input's (user input is quoted shortened);
//   - a Command is one the admin code can run as is: a known verb, an id
//     that is a valid topic.slug where the verb takes one, a language where
//     add and edit need one, a topic only for list, a draft number only for
//     approve and reject, a count in range, a body only for add and edit;
//   - a Command written back in its canonical form parses to the same
//     Command (the parser reads nothing it cannot write back).

// maxErrorRunes bounds a command error message: the longest text, the usage,
// and the input quoted at most maxEcho characters.
const maxErrorRunes = 400

// commandFields are the Field values a CommandError may carry.
var commandFields = []string{"", "id", "lang", "topic", "title", "questions", "answer", "tags"}

func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{
		"", "   ", "/faq", "/FAQ help", "help add", "aide supprimer", "?", "help frobnicate",
		"list", "LIST", "ls Shipping en", "liste livraison fr-FR", "list de", "list shipping.tracking", "list ship/ping",
		"show shipping.tracking", "Show Shipping.Tracking EN", "voir « shipping.tracking » fr", `show "shipping.tracking`,
		"show Shipping_Tracking", "show shipping.cadeau_réussi", "show a." + strings.Repeat("b", 100),
		"delete orders.gift-wrap-2", "rm orders.gift en", "supprimer orders.gift fr", "history orders.gift", "undo orders.gift fr",
		"add orders.gift en", "add shipping gift wrap", "edit orders.gift fr",
		"add orders.gift en\nQ: do you gift wrap\nq: Can I send it as a present?\nA: Yes.\n\nTick \"gift\" at checkout.  \ntitle: Gift wrapping\ntags: gift, wrapping,",
		"add orders.gift en Q: do you gift wrap\r\nA: Yes",
		"ajouter orders.cadeau fr\nQuestion : « vous faites les paquets cadeaux ? »\nRéponse : Oui.",
		"edit orders.gift en\nQ+: gift wrap?\nQ-: do you gift wrap\ntags:",
		"edit orders.gift en\nA:\nFirst line: with a colon.\nSecond line.",
		"edit orders.gift en\nA: one\nA: two", "add x.y en\nQ:\nA: yes", "add x.y en\nQ: ok\nstray line",
		"add x.y en\ntitle: \"\"\nQ: \"\"\nA:", "add x.y en\nQ: „Zitat“\nA: « » ‹›",
		`try "where is my parcel?"`, `try “où est mon colis ?”`, `essayer « où est mon colis ? »`, `try where is "my" parcel`,
		"try hello\nsecond line", "try", `try ""`, "try 5\" screen",
		"export", "export now", "import", "import replace", "import faq.json", "drafts",
		"approve 3", "approve #3 orders.gift", "approve three", "reject 0", "reject 3 4", "reject -1", "approve 99999999999999999999",
		"audit", "audit 5", "audit 1000", "audit -1", "list\nQ: what", "\nQ: what",
		"shwo x.y", "lsit", "histroy x.y", "frobnicate", "ＳＨＯＷ x.y", "SUPPRIMER x.y", "İmport",
		"show x.y\u200b", "show \u202ex.y\u202c", "show x.y\u00a0fr", "tags\x00", "show \xff\xfe", "add x.y en\n\xff: \xfe",
		"help " + strings.Repeat("é", 200), "list a." + strings.Repeat("b", 3000), strings.Repeat("«", 100),
		"show 🎁.🎀", "show שלום.עולם", "add x.y en\n" + strings.Repeat("Q: q\n", 60),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		cmd, err := ParseCommand(line)
		cmd2, err2 := ParseCommand(line)
		if !cmp.Equal(cmd, cmd2, cmpopts.EquateEmpty()) || (err == nil) != (err2 == nil) || err != nil && err.Error() != err2.Error() {
			t.Fatalf("ParseCommand(%.200q) is not deterministic: %+v, %v then %+v, %v", line, cmd, err, cmd2, err2)
		}
		if err != nil {
			checkCommandError(t, line, cmd, err)
			return
		}
		checkCommand(t, line, cmd)
		if cmd.Verb == VerbTry && strings.ContainsAny(cmd.Text, "\n\"“”«»„") {
			return // quotes and lines of the message cannot be written back as is
		}
		canon := formatCommand(cmd)
		again, err := ParseCommand(canon)
		if err != nil {
			t.Fatalf("ParseCommand(%.200q) = %+v, written back as %q, which fails: %v", line, cmd, canon, err)
		}
		if diff := cmp.Diff(cmd, again, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("ParseCommand(%.200q), written back as %q, parses differently (-first +again):\n%s", line, canon, diff)
		}
	})
}

func checkCommandError(t *testing.T, line string, cmd Command, err error) {
	t.Helper()
	var ce *CommandError
	if !errors.As(err, &ce) {
		t.Fatalf("ParseCommand(%.200q) error %v (%T), want a *CommandError", line, err, err)
	}
	if !cmp.Equal(cmd, Command{}, cmpopts.EquateEmpty()) {
		t.Errorf("ParseCommand(%.200q) returned %+v with the error %q", line, cmd, err)
	}
	if !slices.Contains(commandFields, ce.Field) {
		t.Errorf("ParseCommand(%.200q) error %q has unknown field %q", line, err, ce.Field)
	}
	en, fr := ce.In(bot.LangEN), ce.In(bot.LangFR)
	for _, msg := range []string{en, fr} {
		switch {
		case strings.TrimSpace(msg) == "":
			t.Errorf("ParseCommand(%.200q): empty error message", line)
		case strings.Count(msg, "%!") > strings.Count(line, "%!"): // "%!s(MISSING)" and the like
			t.Errorf("ParseCommand(%.200q) error %q: broken format verb", line, msg)
		case utf8.ValidString(line) && !utf8.ValidString(msg):
			t.Errorf("ParseCommand(%.200q) error %q: not valid UTF-8", line, msg)
		case utf8.RuneCountInString(msg) > maxErrorRunes:
			t.Errorf("ParseCommand(%.200q) error of %d characters, more than %d: %q", line, utf8.RuneCountInString(msg), maxErrorRunes, msg)
		}
	}
	if en == fr {
		t.Errorf("ParseCommand(%.200q) error %q is not translated", line, en)
	}
	if err.Error() != en {
		t.Errorf("ParseCommand(%.200q): Error() = %q, want the English message %q", line, err.Error(), en)
	}
}

func checkCommand(t *testing.T, line string, cmd Command) {
	t.Helper()
	bad := func(why string) { t.Errorf("ParseCommand(%.200q) = %+v: %s", line, cmd, why) }
	if !slices.Contains(verbs, cmd.Verb) {
		bad("unknown verb")
	}
	validID := func(id string) bool { return entryIDRE.MatchString(id) && len(id) <= maxIDLen }
	switch cmd.Verb {
	case VerbShow, VerbDelete, VerbHistory, VerbUndo, VerbAdd, VerbEdit:
		if !validID(cmd.ID) {
			bad("invalid id")
		}
	case VerbApprove:
		if cmd.ID != "" && !validID(cmd.ID) {
			bad("invalid id")
		}
	default:
		if cmd.ID != "" {
			bad("an id for a verb that takes none")
		}
	}
	switch {
	case cmd.Lang != "" && cmd.Lang != bot.LangEN && cmd.Lang != bot.LangFR:
		bad("unknown language")
	case (cmd.Verb == VerbAdd || cmd.Verb == VerbEdit) && cmd.Lang == "":
		bad("add or edit without a language")
	case cmd.Lang != "" && !slices.Contains([]Verb{VerbList, VerbShow, VerbDelete, VerbHistory, VerbUndo, VerbAdd, VerbEdit}, cmd.Verb):
		bad("a language for a verb that takes none")
	}
	if cmd.Topic != "" && (cmd.Verb != VerbList || !topicRE.MatchString(cmd.Topic)) {
		bad("invalid topic")
	}
	if (cmd.DraftID > 0) != (cmd.Verb == VerbApprove || cmd.Verb == VerbReject) || cmd.DraftID < 0 {
		bad("draft number without approve or reject, or approve or reject without one")
	}
	if cmd.Count < 0 || cmd.Count > maxAuditCount || cmd.Count != 0 && cmd.Verb != VerbAudit {
		bad("count out of range")
	}
	if cmd.Replace && cmd.Verb != VerbImport {
		bad("replace for a verb other than import")
	}
	if cmd.Help != "" && (cmd.Verb != VerbHelp || !slices.Contains(verbs, cmd.Help)) {
		bad("invalid help topic")
	}
	if cmd.File != nil {
		bad("a file, which ParseCommand never sets")
	}
	if (cmd.Text != "") != (cmd.Verb == VerbTry) || cmd.Text != strings.TrimSpace(cmd.Text) {
		bad("try needs its message, trimmed; no other verb has one")
	}
	if b := cmd.Body; b != nil {
		if cmd.Verb != VerbAdd && cmd.Verb != VerbEdit {
			bad("a body for a verb other than add or edit")
		}
		if !b.HasTitle && !b.HasAnswer && !b.HasTags && len(b.Questions)+len(b.AddQuestions)+len(b.RemoveQuestions) == 0 {
			bad("an empty body: nil means none")
		}
		for _, q := range slices.Concat(b.Questions, b.AddQuestions, b.RemoveQuestions, []string{b.Title}, b.Tags) {
			if strings.Contains(q, "\n") || q != strings.TrimSpace(q) {
				bad("a question, title or tag not trimmed on one line")
			}
		}
		for _, tag := range b.Tags {
			if tag == "" || strings.Contains(tag, ",") {
				bad("an empty tag, or one with a comma")
			}
		}
		if b.Answer != strings.TrimSpace(b.Answer) || !b.HasAnswer && b.Answer != "" || !b.HasTitle && b.Title != "" || !b.HasTags && b.Tags != nil {
			bad("a field set without its Has flag, or an untrimmed answer")
		}
	}
}

// formatCommand writes cmd in canonical form: English verb, arguments in
// order, quoted body values. A try message is written as is: it reads back
// the same when it holds no quote and no line break.
func formatCommand(cmd Command) string {
	args := []string{string(cmd.Verb)}
	switch cmd.Verb {
	case VerbHelp:
		if cmd.Help != "" {
			args = append(args, string(cmd.Help))
		}
	case VerbList:
		if cmd.Topic != "" {
			args = append(args, cmd.Topic)
		}
		if cmd.Lang != "" {
			args = append(args, string(cmd.Lang))
		}
	case VerbApprove, VerbReject:
		args = append(args, "#"+strconv.FormatInt(cmd.DraftID, 10))
		if cmd.ID != "" {
			args = append(args, cmd.ID)
		}
	case VerbImport:
		if cmd.Replace {
			args = append(args, "replace")
		}
	case VerbAudit:
		if cmd.Count != 0 {
			args = append(args, strconv.Itoa(cmd.Count))
		}
	case VerbTry:
		return "try " + cmd.Text
	default:
		if cmd.ID != "" {
			args = append(args, cmd.ID)
		}
		if cmd.Lang != "" {
			args = append(args, string(cmd.Lang))
		}
	}
	line := strings.Join(args, " ")
	if b := cmd.Body; b != nil {
		quote := func(s string) string { return `"` + s + `"` }
		var lines []string
		if b.HasTitle {
			lines = append(lines, "title: "+quote(b.Title))
		}
		for _, q := range b.Questions {
			lines = append(lines, "Q: "+quote(q))
		}
		for _, q := range b.AddQuestions {
			lines = append(lines, "Q+: "+quote(q))
		}
		for _, q := range b.RemoveQuestions {
			lines = append(lines, "Q-: "+quote(q))
		}
		if b.HasTags {
			lines = append(lines, "tags: "+strings.Join(b.Tags, ", "))
		}
		if b.HasAnswer {
			lines = append(lines, "A: "+b.Answer)
		}
		line += "\n" + strings.Join(lines, "\n")
	}
	return line
}
