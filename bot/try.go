package bot

import (
	"context"
	"strings"
)

// TryResult is what the bot would do with one message in a new conversation.
type TryResult struct {
	Lang       Lang
	Action     Action
	FAQID      string
	Confidence float64
	Candidates []Candidate
	Reply      string // the first message the customer would read
	Assessment Assessment
}

// Try runs the decision of a live conversation on text, as the first message
// of a new conversation, and stores nothing. lang forces the answer's
// language; empty detects it.
func (e *Engine) Try(ctx context.Context, text string, lang Lang) (TryResult, error) {
	if err := e.Validate(text, "", lang.Or(e.cfg.DefaultLang)); err != nil {
		return TryResult{}, err
	}
	conv := Conversation{Lang: lang.Or(e.cfg.DefaultLang), State: StateBot}
	in := Message{Role: RoleCustomer, Text: strings.TrimSpace(text)}
	d, err := e.decide(ctx, conv, []Message{in}, in, lang)
	if err != nil {
		return TryResult{}, err
	}
	r := TryResult{
		Lang: d.answer.Lang.Or(conv.Lang), Action: d.answer.Action, FAQID: d.answer.FAQID,
		Confidence: d.answer.Confidence, Candidates: d.answer.Candidates, Assessment: d.assessment,
	}
	if d.assessment.Handoff {
		r.Action, r.FAQID = ActionHandoff, ""
	}
	if msgs := d.change.Messages; len(msgs) > 0 {
		r.Reply = msgs[0].Text
	}
	return r, nil
}
