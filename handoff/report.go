package handoff

import (
	"context"
	"fmt"
	"time"

	"github.com/relaisbot/relais/bot"
)

// ReportStore gives the raw facts the service-quality report is computed
// from. Implemented by storage.DB.
type ReportStore interface {
	// Outcomes returns, for every conversation started in [since, until),
	// how the bot fared.
	Outcomes(ctx context.Context, since, until time.Time) ([]Outcome, error)
	// HandoffTimings returns every hand-over in [since, until) with its
	// reason, the first agent reply after it and the resolution after it.
	HandoffTimings(ctx context.Context, since, until time.Time) ([]HandoffTiming, error)
	// CSATCounts returns the number of ratings 1–5 given in [since, until).
	CSATCounts(ctx context.Context, since, until time.Time) ([5]int, error)
	// Resolutions returns how many conversations were resolved in [since,
	// until), and how many the customer reopened in that time.
	Resolutions(ctx context.Context, since, until time.Time) (resolved, reopened int, err error)
}

// Outcome is how the bot fared in one conversation.
type Outcome struct {
	ConversationID int64
	HandedOver     bool
	Decisions      int        // customer questions the bot decided on (answer, clarify, fallback, handoff)
	LastDecision   bot.Action // the bot's last decision
	LastDecisionAt time.Time
	LastFeedback   int // on the last decision: 1 👍, -1 👎, 0 none
}

// HandoffTiming is one hand-over and what followed.
type HandoffTiming struct {
	Reason     string
	HandedOver time.Time
	Replied    time.Time // first agent reply after it; zero if none (yet)
	Resolved   time.Time // resolution after it; zero if none (yet)
}

// Report is the service quality over a period. Definitions are in the README
// ("Service quality").
type Report struct {
	Since time.Time `json:"since"`
	Until time.Time `json:"until"`

	Conversations     int     `json:"conversations"`
	WithQuestions     int     `json:"conversations_with_questions"`
	BotResolved       int     `json:"bot_resolved"`
	BotResolutionRate float64 `json:"bot_resolution_rate"`

	Handoffs         int            `json:"handoffs"`
	HandoffRate      float64        `json:"handoff_rate"`
	HandoffsByReason map[string]int `json:"handoffs_by_reason"`

	FirstReply Durations `json:"first_agent_reply"`
	Resolution Durations `json:"time_to_resolution"`

	CSAT CSATSummary `json:"csat"`

	Resolved   int     `json:"resolved"`
	Reopened   int     `json:"reopened"`
	ReopenRate float64 `json:"reopen_rate"`
}

// Durations summarises durations.
type Durations struct {
	Count  int     `json:"count"`
	Median Seconds `json:"median_seconds"`
	P90    Seconds `json:"p90_seconds"`
}

// Seconds is a duration shown in whole seconds in JSON.
type Seconds time.Duration

// MarshalJSON writes the duration in seconds.
func (s Seconds) MarshalJSON() ([]byte, error) {
	return fmt.Appendf(nil, "%d", int64(time.Duration(s).Round(time.Second)/time.Second)), nil
}

// CSATSummary summarises ratings.
type CSATSummary struct {
	Count        int     `json:"count"`
	Average      float64 `json:"average"`
	Distribution [5]int  `json:"distribution"` // ratings 1 to 5
}

// botResolutionWait is how long after the bot's last answer a conversation
// without 👍 counts as resolved if the customer asked nothing more.
const botResolutionWait = 24 * time.Hour

// BuildReport computes the service quality of [since, until).
func BuildReport(ctx context.Context, store ReportStore, since, until time.Time) (Report, error) {
	r := Report{Since: since.UTC(), Until: until.UTC(), HandoffsByReason: map[string]int{}}
	outcomes, err := store.Outcomes(ctx, since, until)
	if err != nil {
		return r, fmt.Errorf("conversation outcomes: %w", err)
	}
	for _, o := range outcomes {
		r.Conversations++
		if o.Decisions == 0 {
			continue // greetings and small talk only
		}
		r.WithQuestions++
		if !o.HandedOver && o.LastDecision == bot.ActionAnswer && o.LastFeedback >= 0 &&
			(o.LastFeedback > 0 || until.Sub(o.LastDecisionAt) >= botResolutionWait) {
			r.BotResolved++
		}
	}
	r.BotResolutionRate = share(r.BotResolved, r.WithQuestions)

	timings, err := store.HandoffTimings(ctx, since, until)
	if err != nil {
		return r, fmt.Errorf("hand-over timings: %w", err)
	}
	var replies, resolutions []time.Duration
	for _, h := range timings {
		r.Handoffs++
		r.HandoffsByReason[h.Reason]++
		if !h.Replied.IsZero() {
			replies = append(replies, h.Replied.Sub(h.HandedOver))
		}
		if !h.Resolved.IsZero() {
			resolutions = append(resolutions, h.Resolved.Sub(h.HandedOver))
		}
	}
	r.HandoffRate = share(r.Handoffs, r.WithQuestions)
	r.FirstReply = summarise(replies)
	r.Resolution = summarise(resolutions)

	if r.CSAT.Distribution, err = store.CSATCounts(ctx, since, until); err != nil {
		return r, fmt.Errorf("ratings: %w", err)
	}
	sum := 0
	for i, n := range r.CSAT.Distribution {
		r.CSAT.Count += n
		sum += (i + 1) * n
	}
	r.CSAT.Average = share(sum, r.CSAT.Count)

	if r.Resolved, r.Reopened, err = store.Resolutions(ctx, since, until); err != nil {
		return r, fmt.Errorf("resolutions: %w", err)
	}
	r.ReopenRate = share(r.Reopened, r.Resolved)
	return r, nil
}

func summarise(ds []time.Duration) Durations {
	d := Durations{Count: len(ds)}
	if len(ds) > 0 {
		d.Median, d.P90 = Seconds(Percentile(ds, 50)), Seconds(Percentile(ds, 90))
	}
	return d
}

func share(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}
