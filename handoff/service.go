package handoff

import (
	"context"

	"github.com/relaisbot/relais/bot"
)

// Service hands conversations to the agents' desk. It implements bot.Desk.
//
// No desk adapter is wired yet, so every escalation fails with EUnavailable
// and the Engine tells the customer honestly that nobody can take over now,
// with the support email and hours as the next step.
type Service struct{}

var _ bot.Desk = (*Service)(nil)

// NewService returns a Service.
func NewService() *Service { return &Service{} }

// Escalate prepares the Change that hands conv to a human.
// Returns EUnavailable: no desk is configured.
func (s *Service) Escalate(context.Context, bot.Conversation, bot.Assessment, string) (*bot.Change, error) {
	return nil, bot.Errorf(bot.EUnavailable, "no human desk is configured")
}
