package faq

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/relaisbot/relais/bot"
)

// normalize tidies an entry written by a person: trimmed fields, the topic
// of its id, the first question as title if it has none, no empty or
// repeated questions and tags.
func normalize(e Entry) Entry {
	e.ID = strings.ToLower(strings.TrimSpace(e.ID))
	e.Lang = bot.Lang(strings.ToLower(strings.TrimSpace(string(e.Lang))))
	e.Topic = strings.TrimSpace(e.Topic)
	if e.Topic == "" {
		e.Topic = TopicOf(e.ID)
	}
	e.Questions = tidyList(e.Questions)
	e.Tags = tidyList(e.Tags)
	e.Title = strings.TrimSpace(e.Title)
	if e.Title == "" && len(e.Questions) > 0 {
		e.Title = shorten(e.Questions[0], maxTitle)
	}
	e.Answer = strings.TrimSpace(strings.ReplaceAll(e.Answer, "\r\n", "\n"))
	return e
}

// tidyList trims the items of list and drops empty and repeated ones (case
// and accents aside).
func tidyList(list []string) []string {
	var out []string
	seen := make(map[string]bool, len(list))
	for _, s := range list {
		s = strings.TrimSpace(s)
		if k := fold(s); s != "" && !seen[k] {
			seen[k] = true
			out = append(out, s)
		}
	}
	return out
}

// shorten cuts s to at most n characters, ending with "…" if it was cut.
func shorten(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return strings.TrimSpace(string([]rune(s)[:n-1])) + "…"
}

// validateEntry returns every problem of a normalized entry.
func validateEntry(e Entry) []*CommandError {
	var errs []*CommandError
	add := func(err *CommandError) { errs = append(errs, err) }
	if _, err := parseID(e.ID); err != nil {
		add(err.(*CommandError))
	} else if e.Topic != TopicOf(e.ID) {
		add(cmdErr("topic", txtTopicMismatch, echo(e.Topic), TopicOf(e.ID)))
	}
	switch e.Lang {
	case bot.LangEN, bot.LangFR:
	case "":
		add(cmdErr("lang", txtNoLang))
	default:
		add(cmdErr("lang", txtUnknownLang, echo(string(e.Lang))))
	}
	switch n := utf8.RuneCountInString(e.Title); {
	case strings.ContainsAny(e.Title, "\r\n"):
		add(cmdErr("title", txtTitleLines))
	case n > maxTitle:
		add(cmdErr("title", txtTitleTooLong, n, maxTitle))
	}
	switch n := len(e.Questions); {
	case n == 0:
		add(cmdErr("questions", txtNoQuestion))
	case n > maxQuestions:
		add(cmdErr("questions", txtTooManyQuestions, n, maxQuestions))
	}
	for i, q := range e.Questions {
		if strings.ContainsAny(q, "\r\n") {
			add(cmdErr("questions", txtQuestionLines, i+1))
		} else if n := utf8.RuneCountInString(q); n > maxQuestion {
			add(cmdErr("questions", txtQuestionTooLong, i+1, n, maxQuestion))
		}
	}
	if err := checkAnswer(e.Answer); err != nil {
		add(err)
	}
	if n := len(e.Tags); n > maxTags {
		add(cmdErr("tags", txtTooManyTags, n, maxTags))
	}
	for _, t := range e.Tags {
		if utf8.RuneCountInString(t) > maxTag || strings.ContainsAny(t, ",\r\n") {
			add(cmdErr("tags", txtBadTag, echo(t), maxTag))
			break
		}
	}
	return errs
}

// checkAnswer checks an answer's length and placeholders (with
// CheckAnswer), saying what is wrong in both languages.
func checkAnswer(answer string) *CommandError {
	switch n := utf8.RuneCountInString(answer); {
	case n == 0:
		return cmdErr("answer", txtNoAnswer)
	case n > maxAnswer:
		return cmdErr("answer", txtAnswerTooLong, n, maxAnswer)
	}
	if CheckAnswer(answer) == nil {
		return nil
	}
	for _, p := range placeholderRE.FindAllString(answer, -1) {
		if !slices.Contains(Placeholders, p) {
			return cmdErr("answer", txtBadPlaceholder, echo(p), strings.Join(Placeholders, " "))
		}
	}
	return cmdErr("answer", txtUnmatchedBrace, Placeholders[0])
}

// sameContent reports whether a and b say the same thing.
func sameContent(a, b Entry) bool {
	return a.Topic == b.Topic && a.Title == b.Title && a.Answer == b.Answer &&
		slices.Equal(a.Questions, b.Questions) && slices.Equal(a.Tags, b.Tags)
}

// changeSummary says what changed from a to b: "answer, +2 −1 questions".
func changeSummary(lang bot.Lang, a, b Entry) string {
	var parts []string
	if a.Title != b.Title {
		parts = append(parts, txtFieldTitle.in(lang))
	}
	if a.Answer != b.Answer {
		parts = append(parts, txtFieldAnswer.in(lang))
	}
	added, removed := 0, 0
	for _, q := range b.Questions {
		if !slices.Contains(a.Questions, q) {
			added++
		}
	}
	for _, q := range a.Questions {
		if !slices.Contains(b.Questions, q) {
			removed++
		}
	}
	switch {
	case added > 0 && removed > 0:
		parts = append(parts, fmt.Sprintf("+%d −%d %s", added, removed, txtFieldQuestions.in(lang)))
	case added > 0:
		parts = append(parts, fmt.Sprintf("+%d %s", added, txtFieldQuestions.in(lang)))
	case removed > 0:
		parts = append(parts, fmt.Sprintf("−%d %s", removed, txtFieldQuestions.in(lang)))
	case !slices.Equal(a.Questions, b.Questions):
		parts = append(parts, txtFieldOrder.in(lang))
	}
	if !slices.Equal(a.Tags, b.Tags) {
		parts = append(parts, txtFieldTags.in(lang))
	}
	if a.Topic != b.Topic {
		parts = append(parts, txtFieldTopic.in(lang))
	}
	return strings.Join(parts, ", ")
}

// applyBody returns e changed by the fields of b.
func applyBody(e Entry, b *Body) (Entry, error) {
	if b.HasTitle {
		e.Title = b.Title
	}
	if b.HasAnswer {
		e.Answer = b.Answer
	}
	if b.HasTags {
		e.Tags = b.Tags
	}
	if len(b.Questions) > 0 {
		e.Questions = slices.Clone(b.Questions)
	} else {
		e.Questions = slices.Clone(e.Questions)
	}
	e.Questions = append(e.Questions, b.AddQuestions...)
	for _, q := range b.RemoveQuestions {
		i := slices.IndexFunc(e.Questions, func(s string) bool { return fold(strings.TrimSpace(s)) == fold(q) })
		if i < 0 {
			return e, cmdErr("questions", txtNoSuchQuestion, echo(q))
		}
		e.Questions = slices.Delete(e.Questions, i, i+1)
	}
	return e, nil
}

// addOrEdit runs add and edit: with a body, it stores the entry; without,
// it asks the adapter to open a form.
func (a *Admin) addOrEdit(ctx context.Context, actor Actor, cmd Command) (Reply, error) {
	lang := actor.lang()
	latest, err := a.latest(ctx, cmd.ID, cmd.Lang)
	if err != nil {
		return Reply{}, err
	}
	exists := latest.Revision > 0 && !latest.Deleted
	var base Entry
	switch {
	case cmd.Verb == VerbAdd && exists:
		return Reply{}, cmdErr("id", txtExists, ref(cmd.ID, cmd.Lang), code("edit "+cmd.ID+" "+string(cmd.Lang)))
	case cmd.Verb == VerbAdd:
		base = Entry{ID: cmd.ID, Lang: cmd.Lang, Topic: TopicOf(cmd.ID)}
	default:
		if !exists {
			_, err := a.current(ctx, cmd.ID, cmd.Lang)
			return Reply{}, err
		}
		base = latest.Entry
	}
	if cmd.Body == nil {
		form := base
		t := txtFormEdit
		if cmd.Verb == VerbAdd {
			t = txtFormAdd
		}
		return Reply{Text: t.in(lang, ref(cmd.ID, cmd.Lang), code("help "+string(cmd.Verb))), Form: &form}, nil
	}
	e, err := applyBody(base, cmd.Body)
	if err != nil {
		return Reply{}, err
	}
	e = normalize(e)
	if errs := validateEntry(e); len(errs) > 0 {
		return entryProblems(lang, e, errs), nil
	}
	return a.put(ctx, actor, e, latest)
}

// delete deletes an entry in one language or all.
func (a *Admin) delete(ctx context.Context, actor Actor, cmd Command) (Reply, error) {
	entries, err := a.current(ctx, cmd.ID, cmd.Lang)
	if err != nil {
		return Reply{}, err
	}
	now := a.now()
	c := Change{Audit: AuditRecord{Action: AuditDelete, Subject: subject(cmd.ID, cmd.Lang)}}
	var langs, detail []string
	for _, e := range entries {
		base := e.Revision
		e.UpdatedBy, e.UpdatedAt = actor.author(), now
		c.Entries = append(c.Entries, EntryChange{Entry: e, Deleted: true, Note: "delete", Base: base})
		langs = append(langs, string(e.Lang))
		detail = append(detail, fmt.Sprintf("%s revision %d", e.Lang, base+1))
	}
	c.Audit.Detail = strings.Join(detail, ", ")
	if _, err := a.commit(ctx, actor, c); err != nil {
		return Reply{}, err
	}
	return Reply{Text: txtDeleted.in(actor.lang(), code(cmd.ID), strings.Join(langs, ", "), undoCommand(cmd.ID, cmd.Lang))}, nil
}

// subject is the audit subject of a change to id in lang (all if empty).
func subject(id string, lang bot.Lang) string {
	if lang == "" {
		return id
	}
	return Entry{ID: id, Lang: lang}.Key()
}
