package handoff

import (
	"context"
	"log/slog"
	"math"
	"time"

	"github.com/relaisbot/relais/bot"
)

// Summarizer writes a short summary of a conversation for the agents who
// take it over: what the customer needs and what was tried. Implemented by
// faq/openai.Client.
type Summarizer interface {
	// Summarize returns two or three short lines in lang about msgs (the
	// conversation up to the hand-over, oldest first). ctx bounds the call.
	Summarize(ctx context.Context, lang bot.Lang, msgs []bot.Message) (string, error)
}

// FrustrationJudge gives a second opinion on whether a customer is
// frustrated. Implemented by faq/openai.Client.
type FrustrationJudge interface {
	// Frustrated judges the customer's latest message in the light of the
	// conversation before it (history, oldest first). ctx bounds the call.
	Frustrated(ctx context.Context, history []bot.Message, latest bot.Message) (bool, error)
}

// SecondOpinionBand is how close to the frustration threshold a score must
// be for the policy to ask for a second opinion: scores in
// [threshold − band, threshold + band] are borderline.
const SecondOpinionBand = 0.1

// Signals recorded with a hand-over when a second opinion decided.
const (
	SignalSecondOpinionFrustrated    = "second opinion: frustrated"
	SignalSecondOpinionNotFrustrated = "second opinion: not frustrated"
)

// secondOpinion asks a FrustrationJudge about borderline scores.
type secondOpinion struct {
	judge   FrustrationJudge
	timeout time.Duration
	logger  *slog.Logger
}

// WithSecondOpinion returns a copy of p that, when the frustration score of
// a turn is within SecondOpinionBand of the threshold and nothing else hands
// the conversation over, asks judge whether the customer is frustrated and
// follows its answer, waiting at most timeout. Without an answer in time (or
// on any error) the score decides, as without a judge. The opinion is added
// to the signals agents read.
func (p Policy) WithSecondOpinion(judge FrustrationJudge, timeout time.Duration, logger *slog.Logger) Policy {
	if judge == nil {
		p.opinion = nil
		return p
	}
	if timeout <= 0 {
		timeout = 2 * time.Second
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	p.opinion = &secondOpinion{judge: judge, timeout: timeout, logger: logger}
	return p
}

// review asks for a second opinion on a, which was assessed from score
// against threshold, when it is borderline, and changes a accordingly.
func (o *secondOpinion) review(ctx context.Context, a *bot.Assessment, history []bot.Message, latest bot.Message, threshold float64) {
	if o == nil || (a.Handoff && a.Reason != ReasonFrustration) || math.Abs(a.Score-threshold) > SecondOpinionBand+1e-9 {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	frustrated, err := o.judge.Frustrated(ctx, history, latest)
	if err != nil {
		o.logger.Info("second opinion on frustration unavailable: the score decides", "score", a.Score, "err", err)
		return
	}
	o.logger.Info("second opinion on frustration", "score", a.Score, "frustrated", frustrated)
	if frustrated {
		a.Handoff, a.Reason = true, ReasonFrustration
		a.Signals = append(a.Signals, SignalSecondOpinionFrustrated)
		return
	}
	a.Handoff, a.Reason = false, ""
	a.Signals = append(a.Signals, SignalSecondOpinionNotFrustrated)
}
