package bot

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// CSAT payloads are "csat:1" … "csat:5".
const payloadCSATPrefix = "csat:"

func isCSAT(payload string) bool { return strings.HasPrefix(payload, payloadCSATPrefix) }

// Process decides what to do with a stored customer message and stores and
// publishes the reply. Messages of a conversation are answered in the order
// they were stored: unhandled messages stored before this one (another tab, a
// crash) are answered first. Processing a handled message does nothing, so
// Process may be retried.
func (e *Engine) Process(ctx context.Context, r Receipt) error {
	if r.Handled {
		return nil
	}
	unlock := e.lock(r.Conversation.Channel, r.Conversation.CustomerKey)
	defer unlock()
	err := e.processThrough(ctx, r.Conversation.ID, r.Message.ID)
	if ErrorKind(err) == EConflict {
		// The conversation changed elsewhere since we knew it: once more,
		// from the database (the failed commit forgot what we knew).
		err = e.processThrough(ctx, r.Conversation.ID, r.Message.ID)
	}
	return err
}

// processThrough answers the conversation's unanswered messages up to
// message through, oldest first. The caller holds the customer's lock.
func (e *Engine) processThrough(ctx context.Context, conversationID, through int64) error {
	conv, err := e.conversation(ctx, conversationID)
	if err != nil {
		return fmt.Errorf("load conversation: %w", err)
	}
	c, err := e.entry(ctx, conv)
	if err != nil {
		return err
	}
	pending, err := e.pending(ctx, c, through)
	if err != nil {
		return err
	}
	for _, in := range pending {
		if err := e.processOne(ctx, in); err != nil {
			return err
		}
	}
	return nil
}

// processOne answers one unanswered customer message. The caller holds the
// customer's lock.
func (e *Engine) processOne(ctx context.Context, in Message) error {
	conv, err := e.conversation(ctx, in.ConversationID)
	if err != nil {
		return fmt.Errorf("load conversation: %w", err)
	}
	entry, err := e.entry(ctx, conv)
	if err != nil {
		return err
	}
	if !slices.Contains(entry.unhandled, in.ID) {
		return nil // answered meanwhile
	}
	// The history ends with the message answered, even if later ones exist.
	history, err := e.history(ctx, entry, in.ID)
	if err != nil {
		return err
	}
	c, err := e.reply(ctx, conv, history, in)
	if err != nil {
		return err
	}
	c.Handled = append(c.Handled, in.ID)
	if c.Conversation == nil {
		c.Conversation = &conv
	}
	if err := c.checkTransition(conv.State); err != nil {
		return err
	}
	c.Conversation.UpdatedAt = e.now().UTC()
	c.stamp(c.Conversation.UpdatedAt)
	for i := range c.Messages {
		if c.Messages[i].Role == RoleBot {
			c.Messages[i].ReplyTo = in.ID
			e.deliver(c, *c.Conversation, i+1)
		}
	}
	if err := e.commit(ctx, c); err != nil {
		return fmt.Errorf("store reply: %w", err)
	}
	e.publish(*c.Conversation, c.Messages)
	if o := e.cfg.Observer; o != nil {
		action, reason := Action(""), ""
		for _, m := range c.Messages {
			if m.Role == RoleBot && action == "" {
				action = m.Action
			}
		}
		if c.Handoff != nil {
			action, reason = ActionHandoff, c.Handoff.Reason
		}
		o.Replied(conv.Channel, action, reason, c.Conversation.UpdatedAt.Sub(in.CreatedAt))
	}
	return nil
}

// reply builds the Change answering customer message in.
func (e *Engine) reply(ctx context.Context, conv Conversation, history []Message, in Message) (*Change, error) {
	switch {
	case isCSAT(in.Payload):
		return e.replyCSAT(conv, history, in), nil
	case conv.State.WithHuman():
		// Arrived while the conversation was handed off: relay it.
		return &Change{Outbox: []OutboxItem{{Target: TargetDesk, Kind: KindCustomerMessage, MessageID: in.ID}}}, nil
	case conv.State == StateResolved && conv.Agent != "":
		// Within the reopen window of an agent's resolution: back to them.
		c, err := e.desk.Reopen(ctx, conv, in)
		if ErrorKind(err) != EUnavailable {
			return c, err
		}
		conv.State = StateBot
		return e.reopenToBot(ctx, conv, history, in)
	case conv.State == StateResolved:
		conv.State = StateBot
		return e.reopenToBot(ctx, conv, history, in)
	}
	return e.replyBot(ctx, conv, history, in)
}

// reopenToBot answers a customer who wrote again within the reopen window:
// the bot takes the conversation again, or hands it straight to a person.
func (e *Engine) reopenToBot(ctx context.Context, conv Conversation, history []Message, in Message) (*Change, error) {
	c, err := e.replyBot(ctx, conv, history, in)
	if err != nil {
		return nil, err
	}
	if c.Transition == nil {
		c.Transition = &Transition{From: StateResolved, To: StateBot, Actor: "customer", Reason: "customer wrote again"}
	} else {
		c.Transition.From = StateResolved
	}
	return c, nil
}

// decision is the bot's verdict on one customer message.
type decision struct {
	change     *Change
	answer     Answer
	assessment Assessment
}

// replyBot is the bot's turn: FAQ, small talk, feedback or handoff.
func (e *Engine) replyBot(ctx context.Context, conv Conversation, history []Message, in Message) (*Change, error) {
	d, err := e.decide(ctx, conv, history, in, "")
	return d.change, err
}

// decide answers in from the FAQ, or hands off when the policy says so. It
// stores nothing. force, if set, is the language to answer in.
func (e *Engine) decide(ctx context.Context, conv Conversation, history []Message, in Message, force Lang) (decision, error) {
	var (
		ans Answer
		err error
	)
	switch {
	case strings.HasPrefix(in.Payload, PayloadFAQPrefix):
		ans, err = e.faq.Entry(ctx, strings.TrimPrefix(in.Payload, PayloadFAQPrefix), conv.Lang)
		if ErrorKind(err) == ENotFound {
			ans, err = e.faq.Answer(ctx, Query{Text: in.Text, Hint: conv.Lang})
		}
	case in.Payload == PayloadHelpful || in.Payload == PayloadNotHelpful || in.Payload == PayloadHuman:
		ans = Answer{Lang: conv.Lang}
	default:
		ans, err = e.faq.Answer(ctx, Query{Text: in.Text, Lang: force, Hint: conv.Lang})
	}
	if err != nil {
		return decision{}, fmt.Errorf("answer from FAQ: %w", err)
	}
	if ans.Lang != "" && ans.Lang != conv.Lang {
		conv.Lang = ans.Lang
	}
	d := decision{change: &Change{Conversation: &conv}, answer: ans}
	d.change.Feedback = feedbackFor(history, in)

	d.assessment = e.policy.Assess(ctx, Turn{Conversation: conv, History: history, Inbound: in, Answer: ans})
	if d.assessment.Handoff {
		d.change, err = e.escalate(ctx, d.change, d.assessment, topicOf(history, ans))
		return d, err
	}

	c := d.change
	t := e.Texts(conv.Lang)
	human := QuickReply{Label: t.TalkToHuman, Payload: PayloadHuman}
	switch {
	case in.Payload == PayloadHelpful:
		c.Messages = append(c.Messages, Message{Role: RoleBot, Action: ActionFeedback, Text: t.Helpful, Lang: conv.Lang})
	case in.Payload == PayloadNotHelpful:
		c.Messages = append(c.Messages, Message{Role: RoleBot, Action: ActionFeedback, Text: t.NotHelpful, Lang: conv.Lang, QuickReplies: []QuickReply{human}})
	case ans.Action == ActionAnswer:
		c.Messages = append(c.Messages,
			Message{Role: RoleBot, Action: ActionAnswer, FAQID: ans.FAQID, Confidence: ans.Confidence, Text: ans.Reply, Lang: conv.Lang},
			Message{Role: RoleBot, Action: ActionFeedback, Text: t.HelpfulPrompt, Lang: conv.Lang, QuickReplies: []QuickReply{
				{Label: t.Yes, Payload: PayloadHelpful}, {Label: t.No, Payload: PayloadNotHelpful},
			}})
	case ans.Action == ActionClarify:
		qr := make([]QuickReply, 0, len(ans.Candidates)+1)
		for _, cand := range ans.Candidates {
			qr = append(qr, QuickReply{Label: cand.Title, Payload: PayloadFAQPrefix + cand.ID})
		}
		qr = append(qr, human)
		c.Messages = append(c.Messages, Message{Role: RoleBot, Action: ActionClarify, Confidence: ans.Confidence, Text: t.ClarifyIntro, Lang: conv.Lang, QuickReplies: qr})
	case ans.Action == ActionSmallTalk:
		text, ok := t.SmallTalk[ans.SmallTalk]
		if !ok {
			text = t.SmallTalk["greeting"]
		}
		c.Messages = append(c.Messages, Message{Role: RoleBot, Action: ActionSmallTalk, Text: text, Lang: conv.Lang})
	default:
		c.Messages = append(c.Messages, Message{Role: RoleBot, Action: ActionFallback, Confidence: ans.Confidence, Text: t.Fallback, Lang: conv.Lang, QuickReplies: []QuickReply{human}})
	}
	return d, nil
}

// escalate hands the conversation to a human, or tells the customer honestly
// that nobody can take over when there is no desk.
func (e *Engine) escalate(ctx context.Context, c *Change, a Assessment, topic string) (*Change, error) {
	conv := *c.Conversation
	hc, err := e.desk.Escalate(ctx, conv, a, topic)
	switch {
	case err == nil:
		hc.Feedback = c.Feedback
		if hc.Conversation == nil {
			hc.Conversation = &conv
		}
		return hc, nil
	case ErrorKind(err) == EUnavailable:
		c.Messages = append(c.Messages, Message{Role: RoleBot, Action: ActionHandoff, Text: e.Texts(conv.Lang).NoHumanNow, Lang: conv.Lang})
		return c, nil
	default:
		return nil, fmt.Errorf("escalate: %w", err)
	}
}

// replyCSAT records a satisfaction rating (the first one of the
// conversation), tells the agents' thread, and thanks the customer.
func (e *Engine) replyCSAT(conv Conversation, history []Message, in Message) *Change {
	score, err := strconv.Atoi(strings.TrimPrefix(in.Payload, payloadCSATPrefix))
	if err != nil || score < 1 || score > 5 {
		return &Change{} // not a rating the bot offered: nothing to answer
	}
	c := &Change{Messages: []Message{{Role: RoleBot, Action: ActionFeedback, Text: e.Texts(conv.Lang).CSATThanks, Lang: conv.Lang}}}
	if conv.State != StateResolved {
		return c // a rating button of an earlier resolution: only the rating asked for counts
	}
	for _, m := range history {
		if m.ID != in.ID && m.Role == RoleCustomer && isCSAT(m.Payload) {
			return c // rated already: the first rating stands
		}
	}
	c.CSAT = &CSAT{Score: score, Agent: conv.Agent}
	c.Outbox = []OutboxItem{{Target: TargetDesk, Kind: KindCSAT, Payload: fmt.Appendf(nil, `{"score":%d}`, score)}}
	return c
}

// CSATPayload returns the quick-reply payload of a rating (1–5).
func CSATPayload(score int) string { return payloadCSATPrefix + strconv.Itoa(score) }

// feedbackFor returns the 👍/👎 that in gives, if any, on the last bot answer.
func feedbackFor(history []Message, in Message) *Feedback {
	if in.Payload != PayloadHelpful && in.Payload != PayloadNotHelpful {
		return nil
	}
	for i := len(history) - 1; i >= 0; i-- {
		if m := history[i]; m.Role == RoleBot && m.Action == ActionAnswer {
			return &Feedback{MessageID: m.ID, FAQID: m.FAQID, Helpful: in.Payload == PayloadHelpful}
		}
	}
	return nil
}

// topicOf returns the FAQ topic the conversation is about: the current answer's,
// or the last answered entry's.
func topicOf(history []Message, ans Answer) string {
	if ans.Topic != "" {
		return ans.Topic
	}
	for i := len(history) - 1; i >= 0; i-- {
		if id := history[i].FAQID; id != "" {
			if topic, _, ok := strings.Cut(id, "."); ok {
				return topic
			}
		}
	}
	return ""
}
