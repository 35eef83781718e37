package faq

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/relaisbot/relais/bot"
)

// Actor is who runs an admin command.
type Actor struct {
	Platform string   // "slack", "discord", "cli"
	ID       string   // platform user id ("" for cli)
	Name     string   // display name, recorded as the author
	Admin    bool     // the platform says this person may administer the FAQ
	Lang     bot.Lang // language of the replies
}

// lang returns the language of the actor's replies (English by default).
func (a Actor) lang() bot.Lang {
	if a.Lang == bot.LangFR {
		return bot.LangFR
	}
	return bot.LangEN
}

// author is how revisions name the actor: its name and platform, "Alice
// (slack)", or the name alone if it already starts with the platform
// ("cli (bob)").
func (a Actor) author() string {
	name := a.Name
	if name == "" {
		name = a.ID
	}
	switch {
	case name == "":
		return "unknown (" + a.Platform + ")"
	case a.Platform == "" || strings.HasPrefix(name, a.Platform):
		return name
	}
	return name + " (" + a.Platform + ")"
}

// auditName is how the audit log names the actor: the author and the
// platform's user id, "Alice (slack:U0123)".
func (a Actor) auditName() string {
	if a.ID == "" {
		return a.author()
	}
	name := a.Name
	if name == "" {
		name = "unknown"
	}
	return name + " (" + a.Platform + ":" + a.ID + ")"
}

// Reply is a command's result, ready to show.
type Reply struct {
	Text string // plain text with light Markdown (*bold*, `code`, lists); in Actor.Lang; no HTML
	File *File  // set by export
	// Form is set when the adapter should open a form for the entry (add or
	// edit without an inline body): prefilled with the current entry for
	// edit, with ID, Lang and Topic for add. Submit it with Admin.Save,
	// keeping Revision: it detects concurrent edits.
	Form *Entry
	// Problems is set when the command did nothing because of something the
	// user can fix (a typo, an invalid field, a refusal, a concurrent edit):
	// one per problem, with the field concerned so that forms can show it
	// next to that field. Text says the same for people.
	Problems []Problem
}

// File is a file sent with a Reply.
type File struct {
	Name    string
	Content []byte
}

// Problem is one reason a command did nothing.
type Problem struct {
	Entry string // "id/lang" of the entry concerned (import), or ""
	Field string // id, lang, topic, title, questions, answer, tags, file; or ""
	Text  string // in Actor.Lang
}

// TryFunc runs a message through the live decision path (main passes a
// wrapper over bot.Engine.Try) and formats it like `relais try`. lang forces
// the answer's language; empty detects it.
type TryFunc func(ctx context.Context, text string, lang bot.Lang) (string, error)

// Admin runs the FAQ admin commands of every platform: Slack and Discord
// slash commands and forms, and `relais faq`. Every change is stored as new
// revisions authored by the actor, with an audit record, and reloads the
// live matcher before the reply. It is safe for concurrent use.
type Admin struct {
	svc    *Service
	store  AdminStore
	try    TryFunc
	logger *slog.Logger
	now    func() time.Time
}

// NewAdmin returns an Admin changing the entries of store and reloading svc
// after each change. try may be nil: the try command then says it is not
// available. The logger is used as given.
func NewAdmin(svc *Service, store AdminStore, try TryFunc, logger *slog.Logger) *Admin {
	return &Admin{svc: svc, store: store, try: try, logger: logger, now: time.Now}
}

// SetClock replaces the clock that dates revisions (tests).
func (a *Admin) SetClock(now func() time.Time) { a.now = now }

// Execute parses and runs one command line (what follows "/faq"). Non-admins
// get a refusal Reply (not an error) and the attempt is audit-logged. Errors
// a user can fix are returned as Reply text (and Problems) too; only
// internal failures return an error.
func (a *Admin) Execute(ctx context.Context, actor Actor, line string) (Reply, error) {
	cmd, err := ParseCommand(line)
	if err != nil {
		if !actor.Admin {
			verb := ""
			if f := strings.Fields(line); len(f) > 0 {
				verb = f[0]
			}
			return a.refuse(ctx, actor, verb)
		}
		return a.fail(actor, err)
	}
	return a.Run(ctx, actor, cmd)
}

// Run runs a parsed command, like Execute. Adapters use it to run import
// with the file they received (cmd.File).
func (a *Admin) Run(ctx context.Context, actor Actor, cmd Command) (Reply, error) {
	if !actor.Admin && cmd.Verb != VerbHelp {
		return a.refuse(ctx, actor, string(cmd.Verb))
	}
	var (
		r   Reply
		err error
	)
	switch cmd.Verb {
	case VerbHelp:
		r = help(actor.lang(), cmd.Help)
	case VerbList:
		r, err = a.list(ctx, actor, cmd)
	case VerbShow:
		r, err = a.show(ctx, actor, cmd)
	case VerbAdd, VerbEdit:
		r, err = a.addOrEdit(ctx, actor, cmd)
	case VerbDelete:
		r, err = a.delete(ctx, actor, cmd)
	case VerbHistory:
		r, err = a.history(ctx, actor, cmd)
	case VerbUndo:
		r, err = a.undo(ctx, actor, cmd)
	case VerbTry:
		r, err = a.runTry(ctx, actor, cmd.Text)
	case VerbExport:
		r, err = a.export(ctx, actor)
	case VerbImport:
		if cmd.File == nil {
			return problems(actor.lang(), Problem{Field: "file", Text: txtImportHow.in(actor.lang())}), nil
		}
		r, err = a.importFile(ctx, actor, cmd.File, cmd.Replace)
	case VerbDrafts:
		r, err = a.drafts(ctx, actor)
	case VerbApprove:
		r, err = a.approve(ctx, actor, cmd.DraftID, cmd.ID)
	case VerbReject:
		r, err = a.reject(ctx, actor, cmd.DraftID)
	case VerbAudit:
		r, err = a.auditLog(ctx, actor, cmd.Count)
	default:
		err = cmdErr("", txtUnknownVerb, echo(string(cmd.Verb)))
	}
	if err != nil {
		return a.fail(actor, err)
	}
	return r, nil
}

// Save creates or replaces entry (e.ID, e.Lang) from a form (Slack or
// Discord modal): it validates it, stores a revision authored by actor,
// reloads the live matcher and audit-logs. Topic defaults to the id's, the
// title to the first question. If e.Revision is not 0 (the form was
// prefilled from Reply.Form) and the entry changed since, nothing is stored
// and the Reply has a Problem.
func (a *Admin) Save(ctx context.Context, actor Actor, e Entry) (Reply, error) {
	if !actor.Admin {
		return a.refuse(ctx, actor, "save")
	}
	e = normalize(e)
	lang := actor.lang()
	if errs := validateEntry(e); len(errs) > 0 {
		return entryProblems(lang, e, errs), nil
	}
	latest, err := a.latest(ctx, e.ID, e.Lang)
	if err != nil {
		return Reply{}, err
	}
	if e.Revision != 0 && e.Revision != latest.Revision {
		return problems(lang, Problem{Entry: e.Key(), Text: txtChangedSinceForm.in(lang,
			ref(e.ID, e.Lang), latest.UpdatedBy, formatTime(latest.UpdatedAt))}), nil
	}
	r, err := a.put(ctx, actor, e, latest)
	if err != nil {
		return a.fail(actor, err)
	}
	return r, nil
}

// Import adds or replaces the entries of an export file (JSON, the format
// of export and of the seed files), as "import" with the file would. Entries
// that are not in the file are kept.
func (a *Admin) Import(ctx context.Context, actor Actor, data []byte) (Reply, error) {
	return a.Run(ctx, actor, Command{Verb: VerbImport, File: data})
}

// refuse tells a non-admin they may not run the command and logs the attempt.
func (a *Admin) refuse(ctx context.Context, actor Actor, verb string) (Reply, error) {
	verb = echo(verb)
	err := a.store.Audit(ctx, AuditRecord{Actor: actor.auditName(), Action: AuditDenied, Subject: "/faq " + verb,
		Detail: "not an admin on " + actor.Platform, CreatedAt: a.now()})
	if err != nil {
		return Reply{}, fmt.Errorf("audit refused command: %w", err)
	}
	a.logger.Warn("faq admin command refused", "platform", actor.Platform, "user", actor.ID, "command", verb)
	lang := actor.lang()
	return problems(lang, Problem{Text: txtRefused.in(lang, verb)}), nil
}

// latest returns the latest revision of (id, lang), deleted or not; the zero
// Revision if the entry never existed.
func (a *Admin) latest(ctx context.Context, id string, lang bot.Lang) (Revision, error) {
	r, err := a.store.FAQRevision(ctx, id, lang, 0)
	if bot.ErrorKind(err) == bot.ENotFound {
		return Revision{}, nil
	}
	return r, err
}

// current returns the entries of id in lang (every language if empty), as
// stored now. If there is none, the error says so, and how to bring back a
// deleted entry.
func (a *Admin) current(ctx context.Context, id string, lang bot.Lang) ([]Entry, error) {
	all, err := a.store.FAQEntries(ctx)
	if err != nil {
		return nil, err
	}
	var out, others []Entry
	for _, e := range all {
		switch {
		case e.ID != id:
		case lang == "" || e.Lang == lang:
			out = append(out, e)
		default:
			others = append(others, e)
		}
	}
	if len(out) > 0 {
		return out, nil
	}
	hist, err := a.store.FAQHistory(ctx, id, lang, 1)
	switch {
	case err != nil:
		return nil, err
	case len(hist) > 0 && hist[0].Deleted:
		r := hist[0]
		return nil, cmdErr("id", txtWasDeleted, ref(id, lang), formatTime(r.UpdatedAt), r.UpdatedBy, undoCommand(id, lang))
	case len(others) > 0:
		return nil, cmdErr("lang", txtNoLangVersion, code(id), lang, code("add "+id+" "+string(lang)))
	}
	return nil, cmdErr("id", txtNoEntry, code(id))
}

// commit stores c, then reloads the live matcher.
func (a *Admin) commit(ctx context.Context, actor Actor, c Change) ([]Revision, error) {
	c.Audit.Actor = actor.auditName()
	if c.Audit.CreatedAt.IsZero() {
		c.Audit.CreatedAt = a.now()
	}
	revs, err := a.store.ChangeFAQ(ctx, c)
	if err != nil {
		if k := bot.ErrorKind(err); k == bot.EConflict || k == bot.ENotFound {
			return nil, bot.Errorf(bot.EConflict, "%s", err) // changed meanwhile
		}
		return nil, fmt.Errorf("store FAQ change: %w", err)
	}
	a.logger.Info("faq changed", "action", c.Audit.Action, "subject", c.Audit.Subject, "revisions", len(revs),
		"platform", actor.Platform, "user", actor.ID)
	if len(c.Entries) == 0 {
		return revs, nil
	}
	if err := a.svc.Reload(ctx); err != nil {
		return nil, fmt.Errorf("%s is stored but the live FAQ was not reloaded: %w", c.Audit.Subject, err)
	}
	return revs, nil
}

// put stores e, created or replacing the entry whose latest revision is
// latest, and reports it.
func (a *Admin) put(ctx context.Context, actor Actor, e Entry, latest Revision) (Reply, error) {
	lang := actor.lang()
	exists := latest.Revision > 0 && !latest.Deleted
	if exists && sameContent(latest.Entry, e) {
		return Reply{Text: txtUnchanged.in(lang, ref(e.ID, e.Lang))}, nil
	}
	e.UpdatedBy, e.UpdatedAt = actor.author(), a.now()
	note, action := "add", AuditAdd
	if exists {
		note, action = "edit", AuditEdit
	}
	revs, err := a.commit(ctx, actor, Change{
		Entries: []EntryChange{{Entry: e, Note: note, Base: latest.Revision}},
		Audit:   AuditRecord{Action: action, Subject: e.Key(), Detail: fmt.Sprintf("revision %d", latest.Revision+1)},
	})
	if err != nil {
		return Reply{}, err
	}
	rev := revs[0]
	var text string
	if exists {
		text = txtUpdated.in(lang, ref(e.ID, e.Lang), rev.Revision, changeSummary(lang, latest.Entry, rev.Entry))
	} else {
		text = txtAdded.in(lang, ref(e.ID, e.Lang), rev.Revision)
	}
	return Reply{Text: text + a.coverage(lang, rev.Entry)}, nil
}

// coverage warns when questions of e lead to another entry first, or are
// also questions of another entry (which then loses them).
func (a *Admin) coverage(lang bot.Lang, e Entry) string {
	owner := map[string]string{} // folded question → another entry with it
	for _, o := range a.svc.Entries() {
		if o.Lang == e.Lang && o.ID != e.ID {
			for _, q := range o.Questions {
				owner[fold(strings.TrimSpace(q))] = o.ID
			}
		}
	}
	var stray []string
	for _, q := range e.Questions {
		if other, ok := owner[fold(q)]; ok {
			stray = append(stray, txtAlsoQuestionOf.in(lang, echo(q), code(other)))
			continue
		}
		m := a.svc.Match(bot.Query{Text: q, Lang: e.Lang})
		if len(m.Hits) > 0 && m.Hits[0].ID == e.ID {
			continue
		}
		to := txtNoEntryMatches.in(lang)
		if len(m.Hits) > 0 {
			to = code(m.Hits[0].ID)
		}
		stray = append(stray, fmt.Sprintf("“%s” → %s", echo(q), to))
	}
	if len(stray) == 0 {
		return ""
	}
	return "\n" + txtCoverage.in(lang, len(stray), len(e.Questions)) + "\n• " + strings.Join(stray[:min(len(stray), 3)], "\n• ")
}
