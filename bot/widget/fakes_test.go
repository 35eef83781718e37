package widget

import (
	"context"
	"errors"
	"strings"

	"github.com/relaisbot/relais/bot"
)

type fakeFAQ struct{}

func (fakeFAQ) Answer(_ context.Context, q bot.Query) (bot.Answer, error) {
	text := strings.ToLower(q.Text)
	switch {
	case strings.Contains(text, "boom"):
		return bot.Answer{}, errors.New("faq backend unreachable")
	case strings.Contains(text, "livraison"), strings.Contains(text, "delivery"):
		return bot.Answer{Lang: q.Hint, Action: bot.ActionAnswer, FAQID: "delivery.delay", Topic: "delivery",
			Confidence: 0.9, Reply: "2-3 days."}, nil
	}
	return bot.Answer{Lang: q.Hint, Action: bot.ActionFallback}, nil
}

func (fakeFAQ) Entry(context.Context, string, bot.Lang) (bot.Answer, error) {
	return bot.Answer{}, bot.Errorf(bot.ENotFound, "entry not found")
}

type fakePolicy struct{}

func (fakePolicy) Assess(context.Context, bot.Turn) bot.Assessment { return bot.Assessment{} }

type fakeDesk struct{}

func (fakeDesk) Escalate(context.Context, bot.Conversation, bot.Assessment, string) (*bot.Change, error) {
	return nil, bot.Errorf(bot.EUnavailable, "no desk")
}

func (fakeDesk) Reopen(context.Context, bot.Conversation, bot.Message) (*bot.Change, error) {
	return nil, bot.Errorf(bot.EUnavailable, "no desk")
}
