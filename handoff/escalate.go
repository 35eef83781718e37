package handoff

import (
	"context"
	"math"
	"strconv"
	"time"

	"github.com/relaisbot/relais/bot"
)

// WaitEstimator tells how long customers wait for a first agent reply.
type WaitEstimator interface {
	ExpectedWait(ctx context.Context) time.Duration
}

// FixedWait is a WaitEstimator that always says the same.
type FixedWait time.Duration

// ExpectedWait returns w.
func (w FixedWait) ExpectedWait(context.Context) time.Duration { return time.Duration(w) }

// Escalator hands conversations over to the agents' desk. It implements bot.Desk.
type Escalator struct {
	enabled bool
	hours   bot.Hours
	wait    WaitEstimator
	now     func() time.Time
	healthy func() error // nil: the desk is assumed to work
}

var _ bot.Desk = (*Escalator)(nil)

// NewEscalator returns an Escalator. With enabled false (no desk configured),
// every escalation fails with EUnavailable and the bot tells the customer so
// honestly. wait may be nil when disabled.
func NewEscalator(enabled bool, hours bot.Hours, wait WaitEstimator) *Escalator {
	return &Escalator{enabled: enabled, hours: hours, wait: wait, now: time.Now}
}

// SetClock replaces the Escalator's clock (tests).
func (e *Escalator) SetClock(now func() time.Time) { e.now = now }

// SetDeskHealth tells the Escalator how to learn whether the desk works right
// now: healthy returns nil when it does, and an error when agents cannot be
// reached (a refused token, a lost connection). While it returns an error,
// hand-over notices still hand over (the desk is told as soon as it is back)
// but tell the customer honestly that an answer may take longer than usual.
// Call it before the Escalator is used; healthy must be quick and safe for
// concurrent use.
func (e *Escalator) SetDeskHealth(healthy func() error) { e.healthy = healthy }

// Escalate prepares the Change that hands conv to a human: the conversation
// waits for an agent, the handoff is recorded with its reason, the desk is
// told (outbox), and the customer is told at once, in their language, that a
// person will take over, when to expect them, and that they can come back.
// Returns EUnavailable if no desk is configured.
func (e *Escalator) Escalate(ctx context.Context, conv bot.Conversation, a bot.Assessment, topic string) (*bot.Change, error) {
	if !e.enabled {
		return nil, bot.Errorf(bot.EUnavailable, "no human desk is configured")
	}
	now := e.now().UTC()
	from := conv.State
	conv.State = bot.StateWaiting
	return &bot.Change{
		Conversation: &conv,
		Transition:   &bot.Transition{From: from, To: bot.StateWaiting, Actor: "bot", Reason: a.Reason},
		Handoff:      &bot.Handoff{Reason: a.Reason, Score: a.Score, Signals: a.Signals, Topic: topic, CreatedAt: now},
		Messages: []bot.Message{{Role: bot.RoleBot, Action: bot.ActionHandoff, Lang: conv.Lang, CreatedAt: now,
			Text: e.notice(ctx, conv.Lang, now)}},
		Outbox: []bot.OutboxItem{{Target: bot.TargetDesk, Kind: KindHandoff, CreatedAt: now}},
	}, nil
}

// Reopen gives a resolved conversation back to the agent who resolved it:
// the customer wrote again (in) within the reopen window. The customer is
// told who will answer (and when, outside support hours); the desk gets the
// event and the message in the same thread.
// Returns EUnavailable if no desk is configured.
func (e *Escalator) Reopen(ctx context.Context, conv bot.Conversation, in bot.Message) (*bot.Change, error) {
	if !e.enabled {
		return nil, bot.Errorf(bot.EUnavailable, "no human desk is configured")
	}
	now := e.now().UTC()
	t := textsFor(conv.Lang)
	text := fill(t.Reopened, "{name}", conv.Agent)
	if !e.hours.IsOpen(now) {
		text = fill(t.ReopenedOff, "{name}", conv.Agent, "{when}", e.hours.When(e.hours.NextOpen(now), now, conv.Lang))
	}
	from := conv.State
	conv.State = bot.StateAgent
	return &bot.Change{
		Conversation: &conv,
		Transition:   &bot.Transition{From: from, To: bot.StateAgent, Actor: "customer", Reason: ReasonReopened},
		Messages:     []bot.Message{{Role: bot.RoleBot, Action: bot.ActionNotice, Lang: conv.Lang, CreatedAt: now, Text: text}},
		Outbox: []bot.OutboxItem{
			{Target: bot.TargetDesk, Kind: KindState, CreatedAt: now,
				Payload: mustJSON(StateEvent{State: bot.StateAgent, Agent: conv.Agent, Reason: ReasonReopened})},
			{Target: bot.TargetDesk, Kind: KindCustomerMessage, MessageID: in.ID, CreatedAt: now},
		},
	}, nil
}

// notice is the hand-over message: an honest wait during support hours, or
// when the team is back outside them; when the desk cannot be reached right
// now, that an answer may take longer than usual.
func (e *Escalator) notice(ctx context.Context, lang bot.Lang, now time.Time) string {
	t := textsFor(lang)
	degraded := e.healthy != nil && e.healthy() != nil
	if !e.hours.IsOpen(now) {
		off := t.HandoffOff
		if degraded {
			off = t.HandoffOffDegraded
		}
		back := e.hours.NextOpen(now)
		return fill(off, "{when}", e.hours.When(back, now, lang), "{hours}", e.hours.Describe(lang))
	}
	if degraded {
		return t.HandoffDegraded
	}
	minutes := int(math.Ceil(e.wait.ExpectedWait(ctx).Minutes()))
	return fill(t.Handoff, "{wait}", strconv.Itoa(max(1, minutes)))
}
