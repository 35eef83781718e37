package faq

import (
	"context"
	"fmt"
	"strings"

	"github.com/relaisbot/relais/bot"
)

// defaultAuditCount is how many audit records audit shows by default.
const defaultAuditCount = 20

// help lists the commands, or explains one.
func help(lang bot.Lang, verb Verb) Reply {
	if verb != "" {
		text := "*" + code(verbUsage[verb]) + "*\n" + verbSummary[verb].in(lang)
		if d, ok := verbDetail[verb]; ok {
			text += "\n" + d.in(lang)
		}
		return Reply{Text: text}
	}
	var b strings.Builder
	b.WriteString(txtHelpHeader.in(lang))
	for _, v := range verbs {
		fmt.Fprintf(&b, "\n• %s — %s", code(verbUsage[v]), verbSummary[v].in(lang))
	}
	b.WriteString("\n" + txtHelpFooter.in(lang))
	return Reply{Text: b.String()}
}

// runTry shows what the bot answers to text, like `relais try`.
func (a *Admin) runTry(ctx context.Context, actor Actor, text string) (Reply, error) {
	if a.try == nil {
		return Reply{}, cmdErr("", txtTryUnavailable)
	}
	out, err := a.try(ctx, text, "")
	if err != nil {
		if bot.ErrorKind(err) != bot.EInternal {
			return Reply{}, err
		}
		return Reply{}, fmt.Errorf("try: %w", err)
	}
	return Reply{Text: "```\n" + strings.TrimRight(out, "\n") + "\n```"}, nil
}

// auditLog shows the latest audit records.
func (a *Admin) auditLog(ctx context.Context, actor Actor, n int) (Reply, error) {
	lang := actor.lang()
	if n == 0 {
		n = defaultAuditCount
	}
	recs, err := a.store.AuditLog(ctx, n)
	if err != nil {
		return Reply{}, err
	}
	if len(recs) == 0 {
		return Reply{Text: txtAuditNone.in(lang)}, nil
	}
	var b strings.Builder
	b.WriteString(txtAuditHeader.in(lang, len(recs)))
	for _, r := range recs {
		fmt.Fprintf(&b, "\n• %s · %s · %s", formatTime(r.CreatedAt), r.Actor, r.Action)
		if r.Subject != "" {
			b.WriteString(" · " + code(r.Subject))
		}
		if r.Detail != "" {
			b.WriteString(" · " + r.Detail)
		}
	}
	return Reply{Text: b.String()}, nil
}
