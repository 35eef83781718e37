package faq

import (
	"context"
	"fmt"
	"strings"

	"github.com/relaisbot/relais/bot"
)

// historyLimit is how many revisions history shows.
const historyLimit = 20

// history lists the revisions of an entry, newest first.
func (a *Admin) history(ctx context.Context, actor Actor, cmd Command) (Reply, error) {
	lang := actor.lang()
	revs, err := a.store.FAQHistory(ctx, cmd.ID, cmd.Lang, historyLimit+1)
	if err != nil {
		return Reply{}, err
	}
	if len(revs) == 0 {
		_, err := a.current(ctx, cmd.ID, cmd.Lang)
		return Reply{}, err
	}
	var b strings.Builder
	b.WriteString(txtHistoryHeader.in(lang, ref(cmd.ID, cmd.Lang)))
	for i, r := range revs[:min(len(revs), historyLimit)] {
		var prev *Revision
		for j := i + 1; j < len(revs); j++ {
			if revs[j].Lang == r.Lang {
				prev = &revs[j]
				break
			}
		}
		fmt.Fprintf(&b, "\n• r%d %s · %s · %s · %s", r.Revision, r.Lang, formatTime(r.UpdatedAt), r.UpdatedBy, describeRevision(lang, r, prev))
	}
	if len(revs) > historyLimit {
		b.WriteString("\n" + txtHistoryMore.in(lang, historyLimit))
	}
	b.WriteString("\n" + txtHistoryFooter.in(lang, undoCommand(cmd.ID, cmd.Lang)))
	return Reply{Text: b.String()}, nil
}

// describeRevision says what revision r did, given the revision before it
// in the same language (nil if unknown).
func describeRevision(lang bot.Lang, r Revision, prev *Revision) string {
	desc := noteIn(lang, r.Note)
	switch {
	case r.Deleted && r.Note != "delete":
		desc += " → " + txtWordDeleted.in(lang)
	case !r.Deleted && prev != nil && !prev.Deleted:
		if s := changeSummary(lang, prev.Entry, r.Entry); s != "" {
			desc += " (" + s + ")"
		}
	}
	return desc
}

// noteIn translates the note of a revision for display.
func noteIn(lang bot.Lang, note string) string {
	var n int64
	var by string
	switch {
	case note == "":
		return "—"
	case noteWords[note].en != "":
		return noteWords[note].in(lang)
	}
	if _, err := fmt.Sscanf(note, "undo of revision %d", &n); err == nil {
		return txtNoteUndo.in(lang, n)
	}
	if rest, ok := strings.CutPrefix(note, "from draft "); ok {
		if _, err := fmt.Sscanf(rest, "%d by", &n); err == nil {
			_, by, _ = strings.Cut(rest, " by ")
			return txtNoteDraft.in(lang, n, by)
		}
	}
	return note
}

// undo restores the state before the latest revision of an entry, as a new
// revision: undoing an edit restores the previous text, undoing a deletion
// restores the entry, undoing a creation deletes it. Without a language, it
// undoes the latest change, in every language it touched.
func (a *Admin) undo(ctx context.Context, actor Actor, cmd Command) (Reply, error) {
	langs := []bot.Lang{cmd.Lang}
	if cmd.Lang == "" {
		langs = bot.Langs
	}
	var latest []Revision
	for _, l := range langs {
		r, err := a.latest(ctx, cmd.ID, l)
		if err != nil {
			return Reply{}, err
		}
		if r.Revision > 0 {
			latest = append(latest, r)
		}
	}
	if len(latest) == 0 {
		_, err := a.current(ctx, cmd.ID, cmd.Lang)
		return Reply{}, err
	}
	if len(latest) == 2 { // keep the latest change, in one or both languages
		x, y := latest[0], latest[1]
		switch {
		case x.UpdatedAt.Equal(y.UpdatedAt) && x.UpdatedBy == y.UpdatedBy && x.Note == y.Note:
		case x.UpdatedAt.After(y.UpdatedAt):
			latest = latest[:1]
		default:
			latest = latest[1:]
		}
	}

	now := a.now()
	c := Change{Audit: AuditRecord{Action: AuditUndo, Subject: subject(cmd.ID, cmd.Lang)}}
	var before []Revision // the state each change restores
	for _, l := range latest {
		prev := Revision{Entry: l.Entry, Deleted: true} // undoing a creation deletes
		if l.Revision > 1 {
			var err error
			if prev, err = a.store.FAQRevision(ctx, cmd.ID, l.Lang, l.Revision-1); err != nil {
				return Reply{}, err
			}
		}
		e := prev.Entry
		if prev.Deleted {
			e = l.Entry // a deletion revision holds the content deleted
		}
		e.UpdatedBy, e.UpdatedAt = actor.author(), now
		note := fmt.Sprintf("undo of revision %d", l.Revision)
		c.Entries = append(c.Entries, EntryChange{Entry: e, Deleted: prev.Deleted, Note: note, Base: l.Revision})
		before = append(before, prev)
	}
	var detail []string
	for _, ec := range c.Entries {
		detail = append(detail, fmt.Sprintf("%s: %s", ec.Entry.Lang, ec.Note))
	}
	c.Audit.Detail = strings.Join(detail, ", ")
	revs, err := a.commit(ctx, actor, c)
	if err != nil {
		return Reply{}, err
	}

	lang := actor.lang()
	var lines []string
	for i, r := range revs {
		l, prev := latest[i], before[i]
		name := ref(r.ID, r.Lang)
		switch {
		case r.Deleted:
			lines = append(lines, txtUndoDeleted.in(lang, name, l.Revision, r.Revision))
		case l.Deleted:
			lines = append(lines, txtUndoRestored.in(lang, name, prev.Revision, r.Revision))
		default:
			lines = append(lines, txtUndoReverted.in(lang, name, prev.Revision, r.Revision, changeSummary(lang, l.Entry, r.Entry)))
		}
	}
	lines = append(lines, txtUndoAgain.in(lang))
	return Reply{Text: strings.Join(lines, "\n")}, nil
}
