package faq

import (
	"regexp"
	"slices"
	"strings"

	"github.com/relaisbot/relais/bot"
)

// Verb names an admin command.
type Verb string

// The admin commands. COMMANDS.md documents them.
const (
	VerbHelp    Verb = "help"
	VerbList    Verb = "list"
	VerbShow    Verb = "show"
	VerbAdd     Verb = "add"
	VerbEdit    Verb = "edit"
	VerbDelete  Verb = "delete"
	VerbHistory Verb = "history"
	VerbUndo    Verb = "undo"
	VerbTry     Verb = "try"
	VerbExport  Verb = "export"
	VerbImport  Verb = "import"
	VerbDrafts  Verb = "drafts"
	VerbApprove Verb = "approve"
	VerbReject  Verb = "reject"
	VerbAudit   Verb = "audit"
)

// verbs lists the commands in the order help shows them.
var verbs = []Verb{VerbList, VerbShow, VerbAdd, VerbEdit, VerbDelete, VerbHistory, VerbUndo, VerbTry,
	VerbExport, VerbImport, VerbDrafts, VerbApprove, VerbReject, VerbAudit, VerbHelp}

// verbNames maps what may be typed (folded: lower case, no accents) to the
// verb: the English names, a few short forms, and French names.
var verbNames = map[string]Verb{
	"help": VerbHelp, "?": VerbHelp, "aide": VerbHelp,
	"list": VerbList, "ls": VerbList, "liste": VerbList, "lister": VerbList,
	"show": VerbShow, "voir": VerbShow, "afficher": VerbShow,
	"add": VerbAdd, "ajouter": VerbAdd,
	"edit": VerbEdit, "modifier": VerbEdit,
	"delete": VerbDelete, "del": VerbDelete, "rm": VerbDelete, "remove": VerbDelete, "supprimer": VerbDelete,
	"history": VerbHistory, "historique": VerbHistory,
	"undo": VerbUndo, "annuler": VerbUndo,
	"try": VerbTry, "test": VerbTry, "essayer": VerbTry, "tester": VerbTry,
	"export": VerbExport, "exporter": VerbExport,
	"import": VerbImport, "importer": VerbImport,
	"drafts": VerbDrafts, "brouillons": VerbDrafts,
	"approve": VerbApprove, "approuver": VerbApprove,
	"reject": VerbReject, "rejeter": VerbReject,
	"audit": VerbAudit, "journal": VerbAudit,
}

// verbNamesByPreference lists the keys of verbNames, English names first, so
// that suggestions are deterministic and in English when in doubt.
var verbNamesByPreference = func() []string {
	names := make([]string, 0, len(verbNames))
	for _, v := range verbs {
		names = append(names, string(v))
	}
	var others []string
	for name, v := range verbNames {
		if name != string(v) {
			others = append(others, name)
		}
	}
	slices.Sort(others)
	return append(names, others...)
}()

// verbUsage is the syntax of each command, the same in both languages.
var verbUsage = map[Verb]string{
	VerbHelp:    "help [command]",
	VerbList:    "list [topic] [fr|en]",
	VerbShow:    "show ID [fr|en]",
	VerbAdd:     "add ID fr|en",
	VerbEdit:    "edit ID fr|en",
	VerbDelete:  "delete ID [fr|en]",
	VerbHistory: "history ID [fr|en]",
	VerbUndo:    "undo ID [fr|en]",
	VerbTry:     `try "message"`,
	VerbExport:  "export",
	VerbImport:  "import [replace]",
	VerbDrafts:  "drafts",
	VerbApprove: "approve DRAFT [ID]",
	VerbReject:  "reject DRAFT",
	VerbAudit:   "audit [N]",
}

// Command is one parsed admin command.
type Command struct {
	Verb    Verb
	ID      string   // the entry: show, add, edit, delete, history, undo; approve: the id to create, if given
	Lang    bot.Lang // add, edit: required; list, show, delete, history, undo: "" for every language
	Topic   string   // list: only this topic
	Text    string   // try: the message
	DraftID int64    // approve, reject
	Replace bool     // import replace: also delete the entries the file lacks
	Count   int      // audit: how many records (0: the default)
	Help    Verb     // help: the command to explain, if any
	// Body is the inline content of add and edit; nil means none was given
	// and the caller should open a form.
	Body *Body
	// File is the file to import. ParseCommand never sets it: adapters that
	// receive a file with the command set it before Admin.Run.
	File []byte
}

// Body is the content given after add or edit, one field per line:
//
//	title: Do you gift-wrap?
//	Q: do you gift wrap
//	Q: can I send it as a present
//	A: Yes: tick "gift" at checkout.
//	   The answer may span several lines.
//	tags: gift, wrapping
//
// Each field given replaces the entry's. Q+: adds one question and Q-:
// removes one, keeping the others.
type Body struct {
	Title           string
	HasTitle        bool
	Questions       []string // Q: lines: the new list of questions
	AddQuestions    []string // Q+: lines
	RemoveQuestions []string // Q-: lines
	Answer          string
	HasAnswer       bool
	Tags            []string
	HasTags         bool
}

// CommandError is a mistake the user can fix in a command or an entry. Error
// says it in English; In says it in the user's language.
type CommandError struct {
	Field string // the entry field concerned: id, lang, topic, title, questions, answer, tags; or ""
	text  adminText
	args  []any
}

func (e *CommandError) Error() string { return e.In(bot.LangEN) }

// In returns the message in lang.
func (e *CommandError) In(lang bot.Lang) string { return e.text.in(lang, e.args...) }

func cmdErr(field string, t adminText, args ...any) *CommandError {
	return &CommandError{Field: field, text: t, args: args}
}

// Limits on what commands accept.
const (
	maxIDLen      = 64
	maxQuestions  = 50
	maxQuestion   = 300  // characters of one question
	maxAnswer     = 2000 // characters of an answer: one Discord message
	maxTitle      = 75   // characters of a title: one Slack button
	maxTags       = 20
	maxTag        = 40
	maxAuditCount = 100
	maxEcho       = 40 // characters of user input quoted back in an error
)

var (
	entryIDRE = regexp.MustCompile(`^[a-z][a-z0-9-]*\.[a-z0-9][a-z0-9-]*$`)
	topicRE   = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)
)

// ParseCommand parses one admin command line: what follows "/faq" in Slack
// or Discord, or the arguments of `relais faq`. Verbs are case-insensitive;
// arguments with spaces are quoted with "…", “…” or «…». The lines after
// the first are the body of add and edit (see Body). An empty line is help.
// Errors are *CommandError.
func ParseCommand(line string) (Command, error) {
	line = strings.ReplaceAll(line, "\r\n", "\n")
	first, rest, _ := strings.Cut(line, "\n")
	toks, err := splitArgs(first)
	if err != nil {
		return Command{}, err
	}
	if len(toks) > 0 && strings.EqualFold(toks[0].s, "/faq") {
		toks = toks[1:]
	}
	if len(toks) == 0 {
		if strings.TrimSpace(rest) != "" {
			return Command{}, cmdErr("", txtBodyWithoutCommand)
		}
		return Command{Verb: VerbHelp}, nil
	}
	verb, err := parseVerb(toks[0].s)
	if err != nil {
		return Command{}, err
	}
	cmd := Command{Verb: verb}
	args := toks[1:]

	if verb == VerbTry {
		text := strings.TrimSpace(first[toks[0].end:])
		if r := strings.TrimSpace(rest); r != "" {
			text = strings.TrimSpace(text + "\n" + r)
		}
		cmd.Text = unquote(text)
		if strings.TrimSpace(cmd.Text) == "" {
			return Command{}, cmdErr("", txtMissingMessage)
		}
		return cmd, nil
	}
	if verb == VerbAdd || verb == VerbEdit {
		startLine := 2
		if len(args) > 2 {
			// The body may start on the command's line: "add x.y en Q: …".
			if body := first[args[2].start:]; isFieldLine(body) {
				rest, args, startLine = body+"\n"+rest, args[:2], 1
			}
		}
		if strings.TrimSpace(rest) != "" {
			b, err := parseBody(rest, startLine)
			if err != nil {
				return Command{}, err
			}
			cmd.Body = b
		}
	} else if strings.TrimSpace(rest) != "" {
		return Command{}, cmdErr("", txtUnexpectedBody, verb)
	}

	if err := parseArgs(&cmd, args); err != nil {
		return Command{}, err
	}
	return cmd, nil
}
