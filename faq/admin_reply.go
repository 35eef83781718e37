package faq

import (
	"errors"
	"strings"
	"time"

	"github.com/relaisbot/relais/bot"
)

// fail turns an error into a Reply if the user can do something about it,
// and returns it otherwise.
func (a *Admin) fail(actor Actor, err error) (Reply, error) {
	lang := actor.lang()
	var ce *CommandError
	switch {
	case errors.As(err, &ce):
		return problems(lang, Problem{Field: ce.Field, Text: ce.In(lang)}), nil
	case bot.ErrorKind(err) == bot.EConflict:
		return problems(lang, Problem{Text: txtConflict.in(lang)}), nil
	case bot.ErrorKind(err) != bot.EInternal:
		return problems(lang, Problem{Text: bot.ErrorMessage(err)}), nil
	}
	return Reply{}, err
}

// problems returns a Reply listing ps.
func problems(lang bot.Lang, ps ...Problem) Reply {
	if len(ps) == 1 && ps[0].Entry == "" {
		return Reply{Text: ps[0].Text, Problems: ps}
	}
	var b strings.Builder
	b.WriteString(txtProblems.in(lang, len(ps)))
	for _, p := range ps {
		b.WriteString("\n• ")
		if p.Entry != "" {
			id, l, _ := strings.Cut(p.Entry, "/")
			b.WriteString(ref(id, bot.Lang(l)) + ": ")
		}
		b.WriteString(p.Text)
	}
	return Reply{Text: b.String(), Problems: ps}
}

// entryProblems reports the problems of entry e.
func entryProblems(lang bot.Lang, e Entry, errs []*CommandError) Reply {
	ps := make([]Problem, len(errs))
	for i, err := range errs {
		ps[i] = Problem{Entry: e.Key(), Field: err.Field, Text: err.In(lang)}
	}
	return problems(lang, ps...)
}

// ref names an entry in replies: `shipping.tracking` (en).
func ref(id string, lang bot.Lang) string {
	if lang == "" {
		return code(id)
	}
	return code(id) + " (" + string(lang) + ")"
}

func code(s string) string { return "`" + s + "`" }

// undoCommand is the undo command for (id, lang).
func undoCommand(id string, lang bot.Lang) string {
	if lang == "" {
		return code("undo " + id)
	}
	return code("undo " + id + " " + string(lang))
}

// formatTime formats a time for replies.
func formatTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }
