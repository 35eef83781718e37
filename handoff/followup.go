package handoff

import (
	"context"
	"math"
	"sync"
	"time"

	"github.com/relaisbot/relais/bot"
)

// Waiting is a conversation waiting for an agent.
type Waiting struct {
	Conversation bot.Conversation
	Since        time.Time // when it was handed over
	LastReminder time.Time // zero if none since the hand-over
	Reminders    int       // reminders since the hand-over
}

// maxReminders bounds the reminders of one hand-over.
const maxReminders = 3

// FollowUp keeps waiting customers from being left without news. For each
// conversation waiting for an agent longer than the reminder delay (counted
// from the hand-over, or from the opening if it came outside support hours),
// the desk gets a reminder (mentioning the on-call group if configured), then
// again every delay, three times at most; the customer gets one honest update
// with the first. Nothing is sent while support is closed: customers were
// told when the team is back.
func (s *Service) FollowUp(ctx context.Context, now time.Time) error {
	if s.cfg.RemindAfter <= 0 || !s.cfg.Hours.IsOpen(now) {
		return nil
	}
	waiting, err := s.store.Waiting(ctx)
	if err != nil {
		return err
	}
	for _, w := range waiting {
		start := s.cfg.Hours.NextOpen(w.Since)
		due := now.Sub(start) >= s.cfg.RemindAfter &&
			w.Reminders < maxReminders &&
			(w.LastReminder.IsZero() || now.Sub(w.LastReminder) >= s.cfg.RemindAfter)
		if !due {
			continue
		}
		if err := s.remind(ctx, w, now.Sub(start)); err != nil && ctx.Err() == nil {
			s.logger.Error("cannot send a reminder", "conversation", w.Conversation.ID, "err", err)
		}
	}
	return ctx.Err()
}

func (s *Service) remind(ctx context.Context, w Waiting, waited time.Duration) error {
	_, err := s.convs.Update(ctx, w.Conversation.ID, func(conv bot.Conversation, _ []bot.Message) (*bot.Change, error) {
		if conv.State != bot.StateWaiting {
			return nil, nil // an agent took it meanwhile
		}
		c := &bot.Change{Conversation: &conv, Outbox: []bot.OutboxItem{{Target: bot.TargetDesk, Kind: KindReminder,
			Payload: mustJSON(Reminder{WaitedMinutes: int(math.Round(waited.Minutes()))})}}}
		if w.Reminders == 0 {
			c.Messages = []bot.Message{{Role: bot.RoleBot, Action: bot.ActionNotice, Lang: conv.Lang, Text: textsFor(conv.Lang).StillWaiting}}
		}
		return c, nil
	})
	return err
}

// WaitStore gives the delays between hand-overs and first agent replies.
type WaitStore interface {
	HandoffTimings(ctx context.Context, since, until time.Time) ([]HandoffTiming, error)
}

// MeasuredWait estimates the wait for a first agent reply as the median
// over the last 7 days of hand-overs made during support hours, never below
// Floor, and Default when there is no such history. It implements
// WaitEstimator and recomputes at most every few minutes.
type MeasuredWait struct {
	Store   WaitStore
	Hours   bot.Hours
	Floor   time.Duration
	Default time.Duration

	mu    sync.Mutex
	cache struct {
		at    time.Time
		value time.Duration
	}
	now func() time.Time
}

// ExpectedWait returns the current estimate.
func (w *MeasuredWait) ExpectedWait(ctx context.Context) time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := time.Now()
	if w.now != nil {
		now = w.now()
	}
	if !w.cache.at.IsZero() && now.Sub(w.cache.at) < 5*time.Minute {
		return w.cache.value
	}
	value := w.Default
	replies, err := w.Store.HandoffTimings(ctx, now.Add(-7*24*time.Hour), now)
	if err == nil {
		var delays []time.Duration
		for _, r := range replies {
			if !r.Replied.IsZero() && w.Hours.IsOpen(r.HandedOver) {
				delays = append(delays, r.Replied.Sub(r.HandedOver))
			}
		}
		if len(delays) > 0 {
			value = max(w.Floor, Median(delays))
		}
	}
	w.cache.at, w.cache.value = now, value
	return value
}

// Median returns the median of ds (which it sorts), 0 if empty.
func Median(ds []time.Duration) time.Duration { return Percentile(ds, 50) }
