package faq

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/relaisbot/relais/bot"
)

// Limits on import files.
const (
	maxImportBytes   = 8 << 20
	maxImportEntries = 5000
)

// Export returns entries in the export format: a JSON array of entries, the
// format of the seed files (faq/seed/*.json), sorted as given, without
// revision data, indented, ending with a newline. The same FAQ always
// exports to the same bytes, so the file diffs well in version control.
func Export(entries []Entry) ([]byte, error) {
	out := make([]Entry, len(entries))
	for i, e := range entries {
		out[i] = Entry{ID: e.ID, Lang: e.Lang, Topic: e.Topic, Title: e.Title, Questions: e.Questions,
			Answer: e.Answer, Tags: e.Tags}
		if out[i].Questions == nil {
			out[i].Questions = []string{}
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return nil, fmt.Errorf("encode FAQ export: %w", err)
	}
	return buf.Bytes(), nil
}

// export sends every entry as a file.
func (a *Admin) export(ctx context.Context, actor Actor) (Reply, error) {
	entries, err := a.store.FAQEntries(ctx)
	if err != nil {
		return Reply{}, err
	}
	data, err := Export(entries)
	if err != nil {
		return Reply{}, err
	}
	ids := map[string]bool{}
	for _, e := range entries {
		ids[e.ID] = true
	}
	name := "relais-faq-" + a.now().UTC().Format("20060102-1504") + ".json"
	return Reply{
		Text: txtExported.in(actor.lang(), len(entries), len(ids), code(name)),
		File: &File{Name: name, Content: data},
	}, nil
}

// ParseExport reads an export file and checks every entry, as import does.
// It returns the normalized entries, or every problem found (in lang), each
// with the entry ("id/lang", or "#N" for the Nth entry when it has no valid
// id) and the field concerned.
func ParseExport(data []byte, lang bot.Lang) ([]Entry, []Problem) {
	fileProblem := func(t adminText, args ...any) []Problem {
		return []Problem{{Field: "file", Text: t.in(lang, args...)}}
	}
	if len(data) > maxImportBytes {
		return nil, fileProblem(txtFileTooBig, len(data)>>20, maxImportBytes>>20)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	var raws []json.RawMessage
	if err := json.Unmarshal(data, &raws); err != nil {
		return nil, fileProblem(txtNotExport, err)
	}
	if len(raws) > maxImportEntries {
		return nil, fileProblem(txtTooManyEntries, len(raws), maxImportEntries)
	}
	var (
		entries []Entry
		probs   []Problem
		seen    = map[string]int{}
	)
	for i, raw := range raws {
		var e Entry
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e); err != nil {
			probs = append(probs, Problem{Entry: fmt.Sprintf("#%d", i+1), Text: txtBadEntryJSON.in(lang, i+1, err)})
			continue
		}
		e = normalize(e)
		key := e.Key()
		if _, err := parseID(e.ID); err != nil {
			key = fmt.Sprintf("#%d", i+1)
		}
		if first, dup := seen[e.Key()]; dup {
			probs = append(probs, Problem{Entry: key, Field: "id", Text: txtDuplicateEntry.in(lang, i+1, first)})
			continue
		}
		seen[e.Key()] = i + 1
		for _, err := range validateEntry(e) {
			probs = append(probs, Problem{Entry: key, Field: err.Field, Text: err.In(lang)})
		}
		entries = append(entries, e)
	}
	if len(probs) > 0 {
		return nil, probs
	}
	return entries, nil
}

// importFile adds or replaces the entries of an export file, all or
// nothing; with replace, it also deletes the entries the file lacks.
func (a *Admin) importFile(ctx context.Context, actor Actor, data []byte, replace bool) (Reply, error) {
	lang := actor.lang()
	entries, probs := ParseExport(data, lang)
	if len(probs) > 0 {
		r := problems(lang, probs...)
		r.Text = txtNothingImported.in(lang) + " " + r.Text
		return r, nil
	}
	if replace && len(entries) == 0 {
		return problems(lang, Problem{Field: "file", Text: txtReplaceEmpty.in(lang)}), nil
	}
	current, err := a.store.FAQEntries(ctx)
	if err != nil {
		return Reply{}, err
	}
	byKey := make(map[string]Entry, len(current))
	for _, e := range current {
		byKey[e.Key()] = e
	}
	now, author := a.now(), actor.author()
	var (
		c                                  = Change{Audit: AuditRecord{Action: AuditImport, Subject: "faq"}}
		added, changed, deleted, unchanged int
		inFile                             = make(map[string]bool, len(entries))
	)
	for _, e := range entries {
		inFile[e.Key()] = true
		e.UpdatedBy, e.UpdatedAt = author, now
		cur, ok := byKey[e.Key()]
		switch {
		case ok && sameContent(cur, e):
			unchanged++
			continue
		case ok:
			changed++
			c.Entries = append(c.Entries, EntryChange{Entry: e, Note: "import", Base: cur.Revision})
			continue
		}
		latest, err := a.latest(ctx, e.ID, e.Lang) // a deleted entry's revisions go on
		if err != nil {
			return Reply{}, err
		}
		added++
		c.Entries = append(c.Entries, EntryChange{Entry: e, Note: "import", Base: latest.Revision})
	}
	if replace {
		for _, cur := range current {
			if !inFile[cur.Key()] {
				deleted++
				base := cur.Revision
				cur.UpdatedBy, cur.UpdatedAt = author, now
				c.Entries = append(c.Entries, EntryChange{Entry: cur, Deleted: true, Note: "import", Base: base})
			}
		}
	}
	summary := txtImportSummary.in(lang, len(entries), added, changed, deleted, unchanged)
	if len(c.Entries) == 0 {
		return Reply{Text: txtImportNothing.in(lang) + " " + summary}, nil
	}
	c.Audit.Detail = fmt.Sprintf("%d entries: %d added, %d changed, %d deleted, %d unchanged", len(entries), added, changed, deleted, unchanged)
	if replace {
		c.Audit.Detail += " (replace)"
	}
	if _, err := a.commit(ctx, actor, c); err != nil {
		return Reply{}, err
	}
	return Reply{Text: txtImported.in(lang) + " " + summary}, nil
}
