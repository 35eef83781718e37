package slack

import (
	"cmp"
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/relaisbot/relais/bot"
	"github.com/relaisbot/relais/handoff"
)

// handleTimeout bounds the handling of one inbound event.
const handleTimeout = 10 * time.Second

// inbound runs fn for one inbound event, one event at a time in arrival
// order, within handleTimeout (or ctx's deadline, if sooner).
func (a *Adapter) inbound(ctx context.Context, lane string, fn func(context.Context) error) error {
	release, err := a.lanes.acquire(ctx, lane)
	if err != nil {
		return err
	}
	defer release()
	ctx, cancel := context.WithTimeout(ctx, handleTimeout)
	defer cancel()
	return fn(ctx)
}

// handleEvent handles one Events API event, from either transport. An error
// means it was not handled and Slack should send it again. An event handled
// before (a Slack retry: same event_id) is skipped; the id of an event acted
// on is recorded (an agent's reply records it in its own transaction).
// Handling is idempotent besides (an agent's reply is stored once, keyed by
// its Slack ts).
func (a *Adapter) handleEvent(ctx context.Context, eventID string, inner slackevents.EventsAPIInnerEvent) error {
	ev, ok := inner.Data.(*slackevents.MessageEvent)
	if !ok {
		return nil // other event types: nothing to do
	}
	h, err := a.handleMessage(ctx, ev, eventID)
	if err != nil || h != acted || eventID == "" {
		return err
	}
	if _, err := a.store.MarkEvent(ctx, deskName, eventID); err != nil {
		return fmt.Errorf("record event %s: %w", eventID, err)
	}
	return nil
}

// handled is what handleMessage did with a message.
type handled int

const (
	ignored  handled = iota // nothing: not for Relais, or handled before
	acted                   // acted on (a note, a command); its event is still to record
	recorded                // relayed with its event in one transaction, or relayed before (a retry is then caught by the message's id)
)

// handleMessage relays an agent's reply in a conversation thread to the
// customer, or acts on an internal note or a command, and says which.
// eventID ("": none) is the event that carried it: skipped if handled
// before, recorded with the reply.
func (a *Adapter) handleMessage(ctx context.Context, ev *slackevents.MessageEvent, eventID string) (handled, error) {
	self := a.self()
	switch {
	case ev.Channel != a.cfg.Channel, ev.ThreadTimeStamp == "", ev.ThreadTimeStamp == ev.TimeStamp:
		return ignored, nil // not a reply in one of our threads
	case ev.SubType != "" && ev.SubType != "thread_broadcast":
		return ignored, nil // edits, deletions, joins, files, bot_message…
	case ev.User == "" || ev.User == self || ev.BotID != "":
		return ignored, nil // the bot's own posts and other bots
	}
	if eventID != "" {
		seen, err := a.store.EventSeen(ctx, deskName, eventID)
		if err != nil {
			return ignored, fmt.Errorf("look up event %s: %w", eventID, err)
		}
		if seen {
			a.logger.Debug("slack: event handled before (Slack retry)", "event", eventID)
			return ignored, nil
		}
	}
	th, err := a.store.ThreadConversation(ctx, deskName, ev.Channel, ev.ThreadTimeStamp)
	if bot.ErrorKind(err) == bot.ENotFound {
		return ignored, nil // a thread Relais did not open
	}
	if err != nil {
		return ignored, fmt.Errorf("look up thread: %w", err)
	}
	log := a.logger.With("conversation", th.ConversationID, "agent", ev.User, "ts", ev.TimeStamp)
	if suggested, ok := draftCommand(ev.Text); ok {
		if err := a.proposeFromThread(ctx, ev, th, suggested); err != nil {
			return ignored, err
		}
		return acted, nil // a command to Relais, not a reply to the customer
	}
	if a.isNote(ev.Text) {
		if err := a.react(ctx, ev.Channel, ev.TimeStamp, reactNote); err != nil {
			log.Warn("slack: cannot confirm an internal note", "err", err)
		}
		log.Info("slack: internal note kept in Slack", "bytes", len(ev.Text))
		return acted, nil
	}
	text := a.plainText(ctx, ev.Text)
	if text == "" {
		return ignored, nil
	}
	desk, err := a.getDesk()
	if err != nil {
		return ignored, err
	}
	agent, err := a.agent(ctx, ev.User, "")
	if err != nil {
		return ignored, err
	}
	m := handoff.DeskMessage{Text: text, ExternalID: externalID(ev.Channel, ev.TimeStamp)}
	if eventID != "" {
		m.Event = &bot.Event{Source: deskName, ID: eventID}
	}
	err = desk.Reply(ctx, th.ConversationID, agent, m)
	if bot.ErrorKind(err) == bot.ENotFound {
		log.Warn("slack: reply in the thread of a conversation that no longer exists")
		return ignored, nil
	}
	if err != nil {
		return ignored, fmt.Errorf("relay agent reply: %w", err)
	}
	log.Info("slack: agent reply relayed", "bytes", len(text))
	if m.Event == nil {
		return acted, nil
	}
	return recorded, nil
}

// isNote reports whether an agent's message is an internal note.
func (a *Adapter) isNote(text string) bool {
	t := strings.ToLower(strings.TrimSpace(text))
	return strings.HasPrefix(t, a.cfg.NoteMarker) || strings.HasPrefix(t, "!note")
}

// agent returns the desk agent for a Slack user, named by their display
// name. fallback names them when Slack cannot be asked ("" to fail instead).
func (a *Adapter) agent(ctx context.Context, userID, fallback string) (handoff.Agent, error) {
	name, err := a.users.name(ctx, userID)
	if err != nil {
		if fallback == "" {
			return handoff.Agent{}, fmt.Errorf("agent name: %w", err)
		}
		a.logger.Warn("slack: cannot look up an agent's name", "agent", userID, "err", err)
		name = fallback
	}
	return handoff.Agent{ID: userID, Name: name}, nil
}

// interact handles an interaction from either transport and returns what
// to acknowledge it with (nil: nothing): entry forms are saved, the
// "Propose as FAQ" shortcut makes a draft, button clicks are handled with
// the events, in order. An error means a click was not carried out.
func (a *Adapter) interact(ctx context.Context, cb slack.InteractionCallback) (any, error) {
	switch {
	case cb.Type == slack.InteractionTypeViewSubmission && cb.View.CallbackID == CallbackEntryForm:
		return a.submitEntryForm(ctx, cb), nil
	case cb.Type == slack.InteractionTypeMessageAction && cb.CallbackID == ShortcutDraft:
		a.proposeFromShortcut(ctx, cb)
		return nil, nil
	}
	return nil, a.inbound(ctx, interactionLane(cb), func(ctx context.Context) error { return a.handleInteraction(ctx, cb) })
}

// handleInteraction carries out a click on a parent message's button.
func (a *Adapter) handleInteraction(ctx context.Context, cb slack.InteractionCallback) error {
	if cb.Type != slack.InteractionTypeBlockActions {
		return nil
	}
	if ch := cb.Container.ChannelID; ch != "" && ch != a.cfg.Channel {
		return nil
	}
	desk, err := a.getDesk()
	if err != nil {
		return err
	}
	ops := map[string]func(context.Context, int64, handoff.Agent) error{
		ActionClaim: desk.Claim, ActionResolve: desk.Resolve, ActionBackToBot: desk.BackToBot,
	}
	for _, act := range cb.ActionCallback.BlockActions {
		op, ok := ops[act.ActionID]
		if !ok {
			continue
		}
		id, err := strconv.ParseInt(act.Value, 10, 64)
		if err != nil {
			a.logger.Warn("slack: button with a bad conversation id", "action", act.ActionID)
			continue
		}
		agent, _ := a.agent(ctx, cb.User.ID, cmp.Or(cb.User.Name, cb.User.ID))
		if err := op(ctx, id, agent); err != nil {
			return fmt.Errorf("%s on conversation %d: %w", act.ActionID, id, err)
		}
		a.logger.Info("slack: agent action", "action", act.ActionID, "conversation", id, "agent", cb.User.ID)
	}
	return nil
}
