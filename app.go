package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/relaisbot/relais/bot"
	"github.com/relaisbot/relais/config"
	"github.com/relaisbot/relais/faq"
	"github.com/relaisbot/relais/handoff"
	"github.com/relaisbot/relais/storage"
)

// app holds the parts shared by the server and the command-line tools.
type app struct {
	cfg       config.Config
	logger    *slog.Logger
	db        *storage.DB
	faq       *faq.Service
	engine    *bot.Engine
	escalator *handoff.Escalator
	llm       *llm // optional language model; nil when off
	privacy   *bot.Privacy
	hours     bot.Hours
}

// newApp opens the database, loads the FAQ (seeding it on first use) and
// builds the Engine, which tells observer (if not nil) what it does. The
// caller must call close.
func newApp(ctx context.Context, cfg config.Config, logger *slog.Logger, observer bot.Observer) (*app, error) {
	hours, err := cfg.ParseHours()
	if err != nil {
		return nil, fmt.Errorf("hours: %w", err)
	}
	phase := startPhases(logger)
	// The frustration models take ~10 ms to read: meanwhile the database is
	// opened and the FAQ indexed (on other cores, or in this one's waits).
	go handoff.Preload()
	db, err := storage.Open(ctx, cfg.Database.Path)
	if err != nil {
		return nil, err
	}
	phase("database opened")
	facts := faqFacts(cfg, hours)
	faqs := faq.NewService(db, facts, faq.Options{
		AnswerThreshold: cfg.FAQ.AnswerThreshold, ClarifyThreshold: cfg.FAQ.ClarifyThreshold,
	}, logger.With("component", "faq"))
	lm, err := newLLM(ctx, cfg.OpenAI, db, logger.With("component", "openai"))
	if err != nil {
		db.Close()
		return nil, err
	}
	if lm != nil {
		faqs.SetAssist(lm.faqAssist(db))
	}
	if err := faqs.Load(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("load FAQ: %w", err)
	}
	phase("FAQ loaded")
	escalator := handoff.NewEscalator(cfg.Slack.Enabled(), hours, &handoff.MeasuredWait{
		Store: db, Hours: hours, Floor: cfg.Handoff.MinExpectedWait, Default: cfg.Handoff.ExpectedWait,
	})
	engine := bot.NewEngine(bot.Config{
		Shop: bot.Shop{
			Name: cfg.Shop.Name, SupportEmail: cfg.Shop.SupportEmail, Hours: hours,
		},
		DefaultLang:     cfg.DefaultLang(),
		MaxMessageRunes: cfg.Widget.MaxMessageLength,
		ReopenWindow:    cfg.Handoff.ReopenWindow,
		Observer:        observer,
		DurableChannels: durableChannels(cfg),
	}, db, faqs, lm.policy(handoff.NewPolicy(cfg.Handoff.FrustrationThreshold), logger.With("component", "handoff")), escalator, logger.With("component", "engine"))
	phase("engine built")
	privacy := bot.NewPrivacy(db, engine, logger.With("component", "privacy"))
	return &app{cfg: cfg, logger: logger, db: db, faq: faqs, engine: engine, escalator: escalator, privacy: privacy, hours: hours, llm: lm}, nil
}

func (a *app) close() error {
	a.llm.flush()
	return a.db.Close()
}

// startPhases returns a func that logs, at debug level, how long each phase
// of the start took.
func startPhases(logger *slog.Logger) func(phase string) {
	last := time.Now()
	return func(phase string) {
		now := time.Now()
		logger.Debug("start: "+phase, "took", now.Sub(last).Round(time.Microsecond))
		last = now
	}
}

// durableChannels are the customer channels whose messages go through the outbox.
func durableChannels(cfg config.Config) []bot.Channel {
	if cfg.Discord.Enabled() {
		return []bot.Channel{bot.ChannelDiscord}
	}
	return nil
}

// faqFacts maps the shop's configuration to the facts FAQ answers state.
func faqFacts(cfg config.Config, hours bot.Hours) faq.Facts {
	s := cfg.Shop
	return faq.Facts{
		ShopName:                  s.Name,
		SupportEmail:              s.SupportEmail,
		SupportHours:              map[bot.Lang]string{bot.LangEN: hours.Describe(bot.LangEN), bot.LangFR: hours.Describe(bot.LangFR)},
		ReturnWindowDays:          s.ReturnWindowDays,
		RefundDays:                s.RefundDays,
		FreeShippingThreshold:     s.FreeShippingThreshold,
		ShippingCost:              s.ShippingCost,
		DeliveryDays:              s.DeliveryDays,
		InternationalDeliveryDays: s.InternationalDeliveryDays,
		OrdersURL:                 s.OrdersURL,
	}
}
