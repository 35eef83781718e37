package faq

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/relaisbot/relais/bot"
)

// Draft is an agent's answer proposed as a new FAQ entry, waiting for an
// admin's approval.
type Draft struct {
	ID          int64
	Lang        bot.Lang
	Question    string // the customer's message
	Answer      string // the agent's reply
	SuggestedID string // the entry id the agent suggests, if any
	Author      string // who proposed it
	CreatedAt   time.Time
	Source      string // where it comes from, e.g. "slack:C0123:1700000000.000100:1700000042.000200" (channel, thread, message)
}

// Draft records an agent's answer as a proposed entry awaiting approval
// (from a Slack thread): Question is the customer's message, Answer the
// agent's reply. Any actor may propose a draft, not only admins. An empty
// Lang is detected from the question; ID, Author and CreatedAt are set here.
// Proposing the same Source twice stores one draft.
func (a *Admin) Draft(ctx context.Context, actor Actor, d Draft) (Reply, error) {
	lang := actor.lang()
	d.Question = strings.Join(strings.Fields(d.Question), " ")
	d.Answer = strings.TrimSpace(strings.ReplaceAll(d.Answer, "\r\n", "\n"))
	d.SuggestedID = strings.ToLower(strings.TrimSpace(d.SuggestedID))
	var errs []*CommandError
	switch {
	case d.Lang != "":
		l, err := parseLangArg(string(d.Lang))
		if err != nil {
			errs = append(errs, err.(*CommandError))
		}
		d.Lang = l
	case d.Question != "":
		d.Lang = a.svc.Match(bot.Query{Text: d.Question}).Lang
	}
	switch n := len([]rune(d.Question)); {
	case n == 0:
		errs = append(errs, cmdErr("question", txtDraftNoQuestion))
	case n > maxQuestion:
		errs = append(errs, cmdErr("question", txtDraftLongQuestion, n, maxQuestion))
	}
	if err := checkAnswer(d.Answer); err != nil {
		errs = append(errs, err)
	}
	if d.SuggestedID != "" {
		if _, err := parseID(d.SuggestedID); err != nil {
			errs = append(errs, err.(*CommandError))
		}
	}
	if len(errs) > 0 {
		ps := make([]Problem, len(errs))
		for i, err := range errs {
			ps[i] = Problem{Field: err.Field, Text: err.In(lang)}
		}
		return problems(lang, ps...), nil
	}
	if actor.Name != "" || actor.ID != "" || d.Author == "" {
		d.Author = actor.author() // else keep the name the adapter gave
	}
	d.ID, d.CreatedAt = 0, a.now()
	saved, created, err := a.store.AddFAQDraft(ctx, d, AuditRecord{
		Actor: actor.auditName(), Action: AuditDraft, CreatedAt: d.CreatedAt,
		Detail: fmt.Sprintf("lang %s, suggested id %q, source %q", d.Lang, d.SuggestedID, d.Source),
	})
	if err != nil {
		return Reply{}, fmt.Errorf("store FAQ draft: %w", err)
	}
	if !created {
		return Reply{Text: txtDraftExists.in(lang, saved.ID)}, nil
	}
	a.logger.Info("faq draft proposed", "draft", saved.ID, "lang", saved.Lang, "platform", actor.Platform, "user", actor.ID)
	return Reply{Text: txtDraftSaved.in(lang, saved.ID, approveCommand(saved), code(fmt.Sprintf("reject %d", saved.ID)))}, nil
}

// approveCommand is the command approving d.
func approveCommand(d Draft) string {
	id := d.SuggestedID
	if id == "" {
		id = "topic.slug"
	}
	return code(fmt.Sprintf("approve %d %s", d.ID, id))
}

// drafts lists the drafts waiting for approval.
func (a *Admin) drafts(ctx context.Context, actor Actor) (Reply, error) {
	lang := actor.lang()
	ds, err := a.store.FAQDrafts(ctx)
	if err != nil {
		return Reply{}, err
	}
	if len(ds) == 0 {
		return Reply{Text: txtNoDrafts.in(lang)}, nil
	}
	var b strings.Builder
	b.WriteString(txtDraftsHeader.in(lang, len(ds)))
	for _, d := range ds {
		fmt.Fprintf(&b, "\n• *#%d* (%s) · %s · %s", d.ID, d.Lang, d.Author, formatTime(d.CreatedAt))
		fmt.Fprintf(&b, "\n  Q: %s\n  A: %s\n  → %s", shorten(d.Question, 150), shorten(d.Answer, 300), approveCommand(d))
	}
	b.WriteString("\n" + txtDraftsFooter.in(lang))
	return Reply{Text: b.String()}, nil
}

// pendingDraft returns a pending draft, or an error saying there is none.
func (a *Admin) pendingDraft(ctx context.Context, id int64) (Draft, error) {
	d, err := a.store.FAQDraft(ctx, id)
	if bot.ErrorKind(err) == bot.ENotFound {
		return d, cmdErr("", txtNoDraft, id, code("drafts"))
	}
	return d, err
}

// approve creates an entry from a draft, authored by the approver; its
// revision note names the draft and who proposed it.
func (a *Admin) approve(ctx context.Context, actor Actor, draftID int64, id string) (Reply, error) {
	lang := actor.lang()
	d, err := a.pendingDraft(ctx, draftID)
	if err != nil {
		return Reply{}, err
	}
	if id == "" {
		id = d.SuggestedID
	}
	if id == "" {
		return Reply{}, cmdErr("id", txtDraftNeedsID, draftID, code(fmt.Sprintf("approve %d topic.slug", draftID)))
	}
	latest, err := a.latest(ctx, id, d.Lang)
	if err != nil {
		return Reply{}, err
	}
	if latest.Revision > 0 && !latest.Deleted {
		return Reply{}, cmdErr("id", txtDraftEntryExists, ref(id, d.Lang), code(fmt.Sprintf("approve %d other.id", draftID)))
	}
	e := normalize(Entry{ID: id, Lang: d.Lang, Questions: []string{d.Question}, Answer: d.Answer})
	if errs := validateEntry(e); len(errs) > 0 {
		return entryProblems(lang, e, errs), nil
	}
	e.UpdatedBy, e.UpdatedAt = actor.author(), a.now()
	revs, err := a.commit(ctx, actor, Change{
		Entries: []EntryChange{{Entry: e, Note: fmt.Sprintf("from draft %d by %s", d.ID, d.Author), Base: latest.Revision}},
		Draft:   &DraftDecision{ID: d.ID, Approved: true, By: actor.author(), EntryID: id},
		Audit:   AuditRecord{Action: AuditApprove, Subject: e.Key(), Detail: fmt.Sprintf("draft %d by %s", d.ID, d.Author)},
	})
	if err != nil {
		return Reply{}, err
	}
	r := revs[0]
	text := txtApproved.in(lang, d.ID, ref(r.ID, r.Lang), r.Revision, d.Author, code(fmt.Sprintf("edit %s %s", r.ID, r.Lang)))
	return Reply{Text: text + a.coverage(lang, r.Entry)}, nil
}

// reject rejects a draft.
func (a *Admin) reject(ctx context.Context, actor Actor, draftID int64) (Reply, error) {
	d, err := a.pendingDraft(ctx, draftID)
	if err != nil {
		return Reply{}, err
	}
	_, err = a.commit(ctx, actor, Change{
		Draft: &DraftDecision{ID: d.ID, By: actor.author()},
		Audit: AuditRecord{Action: AuditReject, Subject: fmt.Sprintf("draft %d", d.ID), Detail: "proposed by " + d.Author},
	})
	if err != nil {
		return Reply{}, err
	}
	return Reply{Text: txtRejected.in(actor.lang(), d.ID, d.Author)}, nil
}
