package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/relaisbot/relais/bot"
	"github.com/relaisbot/relais/handoff"
)

// Reactions on agents' messages.
const (
	reactDelivered = "white_check_mark"
	reactFailed    = "x"
	reactOffline   = "zzz"
	reactNote      = "memo"
)

// Deliver delivers one outbox item of target bot.TargetDesk to Slack. It
// implements bot.Deliverer: nil once delivered (or when there is nothing to
// post, such as an event of a conversation that has no thread), a
// *bot.RetryAfterError when Slack rate-limits, a permanent error when the
// token or channel is unusable, and a plain error otherwise.
func (a *Adapter) Deliver(ctx context.Context, it bot.OutboxItem) error {
	var err error
	switch it.Kind {
	case handoff.KindHandoff:
		err = a.deliverHandoff(ctx, it)
	case handoff.KindCustomerMessage:
		err = a.deliverCustomerMessage(ctx, it)
	case handoff.KindState:
		err = a.deliverState(ctx, it)
	case handoff.KindCSAT:
		err = a.deliverCSAT(ctx, it)
	case handoff.KindMark:
		err = a.deliverMark(ctx, it)
	case handoff.KindReminder:
		err = a.deliverReminder(ctx, it)
	case bot.KindErase:
		err = a.deliverErase(ctx, it)
	default:
		return bot.Permanent(fmt.Errorf("slack: unknown desk item kind %q", it.Kind))
	}
	return a.classify(err, it.Kind, it.ConversationID)
}

// thread returns the conversation's thread and whether it has one.
func (a *Adapter) thread(ctx context.Context, conversationID int64) (handoff.Thread, bool, error) {
	th, err := a.store.DeskThread(ctx, conversationID)
	switch {
	case err == nil:
		return th, true, nil
	case bot.ErrorKind(err) == bot.ENotFound:
		return th, false, nil
	}
	return th, false, fmt.Errorf("load thread: %w", err)
}

// post posts mrkdwn text in a thread and returns the new message's ts.
func (a *Adapter) post(ctx context.Context, th handoff.Thread, text string) (string, error) {
	_, ts, err := a.api.PostMessageContext(ctx, th.Channel,
		append(postOptions(), slack.MsgOptionText(text, false), slack.MsgOptionTS(th.Thread))...)
	if err != nil {
		return "", fmt.Errorf("chat.postMessage: %w", err)
	}
	return ts, nil
}

// postAll posts texts in a thread in order. A retry of the same item skips
// the posts that succeeded before, so a rate limit halfway through does not
// post anything twice (while the process lives).
func (a *Adapter) postAll(ctx context.Context, itemID int64, th handoff.Thread, texts []string) error {
	for i := a.progressOf(itemID).posts; i < len(texts); i++ {
		if _, err := a.post(ctx, th, texts[i]); err != nil {
			return err
		}
		a.setProgress(itemID, func(p *progress) { p.posts = i + 1 })
	}
	a.clearProgress(itemID)
	return nil
}

func (a *Adapter) deliverCustomerMessage(ctx context.Context, it bot.OutboxItem) error {
	th, ok, err := a.thread(ctx, it.ConversationID)
	if err != nil || !ok {
		return err
	}
	m, err := a.store.MessageByID(ctx, it.MessageID)
	if err != nil {
		return fmt.Errorf("load message %d: %w", it.MessageID, err)
	}
	return a.postAll(ctx, it.ID, th, chunk("", []entry{a.entry(m)}, a.texts.Continued, maxPostBytes))
}

// deliverState shows a state change in the parent's status and in the thread.
func (a *Adapter) deliverState(ctx context.Context, it bot.OutboxItem) error {
	var ev handoff.StateEvent
	if err := json.Unmarshal(it.Payload, &ev); err != nil {
		return bot.Permanent(fmt.Errorf("decode state event: %w", err))
	}
	th, ok, err := a.thread(ctx, it.ConversationID)
	if err != nil || !ok {
		return err
	}
	status := a.texts.status(ev.State, escape(truncate(ev.Agent, 200)), ev.Reason)
	if err := a.updateParent(ctx, th, status); err != nil {
		return err
	}
	return a.postAll(ctx, it.ID, th, []string{status})
}

// updateParent rewrites the thread's parent message with a new status.
func (a *Adapter) updateParent(ctx context.Context, th handoff.Thread, status string) error {
	conv, err := a.store.Conversation(ctx, th.ConversationID)
	if err != nil {
		return fmt.Errorf("load conversation: %w", err)
	}
	h, err := a.store.LatestHandoff(ctx, conv.ID)
	hp := &h
	if bot.ErrorKind(err) == bot.ENotFound {
		hp = nil
	} else if err != nil {
		return fmt.Errorf("load handoff: %w", err)
	}
	a.loadSummary(ctx, hp)
	if _, _, _, err := a.api.UpdateMessageContext(ctx, th.Channel, th.Thread, a.parent(conv, hp, status)...); err != nil {
		return fmt.Errorf("chat.update: %w", err)
	}
	return nil
}

func (a *Adapter) deliverCSAT(ctx context.Context, it bot.OutboxItem) error {
	var p handoff.CSATPayload
	if err := json.Unmarshal(it.Payload, &p); err != nil {
		return bot.Permanent(fmt.Errorf("decode rating: %w", err))
	}
	th, ok, err := a.thread(ctx, it.ConversationID)
	if err != nil || !ok {
		return err
	}
	text := fmt.Sprintf(a.texts.CSAT, p.Score)
	if p.Score <= 2 {
		text += "\n" + fmt.Sprintf(a.texts.LowCSAT, p.Score) + a.onCall()
	}
	return a.postAll(ctx, it.ID, th, []string{text})
}

// deliverReminder tells the thread that the customer is still waiting,
// mentioning the on-call group if there is one.
func (a *Adapter) deliverReminder(ctx context.Context, it bot.OutboxItem) error {
	var r handoff.Reminder
	if err := json.Unmarshal(it.Payload, &r); err != nil {
		return bot.Permanent(fmt.Errorf("decode reminder: %w", err))
	}
	th, ok, err := a.thread(ctx, it.ConversationID)
	if err != nil || !ok {
		return err
	}
	return a.postAll(ctx, it.ID, th, []string{fmt.Sprintf(a.texts.Reminder, r.WaitedMinutes) + a.onCall()})
}

// onCall returns " <!subteam^S…>" to notify the on-call user group, or "".
// This mention is Relais's own text, never built from customer input.
func (a *Adapter) onCall() string {
	if a.cfg.OnCallGroup == "" {
		return ""
	}
	return " <!subteam^" + a.cfg.OnCallGroup + ">"
}

// deliverMark shows what became of an agent's message: a reaction on it,
// and a note in the thread when it failed or waits for an offline customer.
func (a *Adapter) deliverMark(ctx context.Context, it bot.OutboxItem) error {
	var mark handoff.Mark
	if err := json.Unmarshal(it.Payload, &mark); err != nil {
		return bot.Permanent(fmt.Errorf("decode mark: %w", err))
	}
	if mark.Message == "" { // queued by an older version
		m, err := a.store.MessageByID(ctx, it.MessageID)
		if err != nil {
			return fmt.Errorf("load message %d: %w", it.MessageID, err)
		}
		mark.Message = m.ExternalID
	}
	channel, ts, ok := parseExternalID(mark.Message)
	if !ok {
		return nil // not written in Slack
	}
	var reaction, note string
	switch mark.Status {
	case handoff.MarkDelivered:
		reaction = reactDelivered
	case handoff.MarkFailed:
		reaction, note = reactFailed, fmt.Sprintf(a.texts.Failed, escape(truncate(mark.Detail, 300)))
	case handoff.MarkOffline:
		reaction, note = reactOffline, a.texts.Offline
	default:
		return bot.Permanent(fmt.Errorf("unknown mark status %q", mark.Status))
	}
	if err := a.react(ctx, channel, ts, reaction); err != nil {
		return err
	}
	if note == "" {
		return nil
	}
	th, ok, err := a.thread(ctx, it.ConversationID)
	if err != nil || !ok {
		return err
	}
	return a.postAll(ctx, it.ID, th, []string{note})
}

// react adds a reaction; one that is there already is fine.
// One on a message deleted since (by its agent) is nothing to do either.
func (a *Adapter) react(ctx context.Context, channel, ts, name string) error {
	err := a.api.AddReactionContext(ctx, name, slack.NewRefToMessage(channel, ts))
	switch code := slackCode(err); {
	case err == nil, code == "already_reacted":
		return nil
	case code == "message_not_found":
		a.logger.Info("slack: message to mark no longer exists", "channel", channel, "ts", ts, "reaction", name)
		return nil
	}
	return fmt.Errorf("reactions.add: %w", err)
}

// externalID is the id of an agent's Slack message in Relais.
func externalID(channel, ts string) string { return "slack:" + channel + ":" + ts }

// parseExternalID reads an id made by externalID.
func parseExternalID(id string) (channel, ts string, ok bool) {
	rest, ok := strings.CutPrefix(id, "slack:")
	if !ok {
		return "", "", false
	}
	channel, ts, ok = strings.Cut(rest, ":")
	return channel, ts, ok && channel != "" && ts != ""
}
