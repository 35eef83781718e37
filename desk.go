package main

import (
	"context"
	"log/slog"
	"net/http"
	"sync"

	"github.com/relaisbot/relais/bot"
	"github.com/relaisbot/relais/config"
	"github.com/relaisbot/relais/handoff/slack"
	"github.com/relaisbot/relais/storage"
)

// desk is the agents' desk as the server runs it: the Slack adapter, and the
// dispatcher that delivers the desk's outbox items to it.
type desk struct {
	adapter    *slack.Adapter
	dispatcher *bot.Dispatcher
	logger     *slog.Logger
}

// newDesk builds the Slack desk, or returns nil when Slack is not configured.
// Events-API routes are added to mux.
func newDesk(cfg config.Config, db *storage.DB, agents slack.Desk, hooks bot.DispatcherConfig, mux *http.ServeMux, logger *slog.Logger) (*desk, error) {
	if !cfg.Slack.Enabled() {
		return nil, nil
	}
	lang, _ := bot.ParseLang(cfg.Slack.Lang)
	logger = logger.With("component", "slack")
	adapter, err := slack.New(slack.Config{
		BotToken: cfg.Slack.BotToken, AppToken: cfg.Slack.AppToken, SigningSecret: cfg.Slack.SigningSecret,
		Channel: cfg.Slack.Channel, Mode: cfg.Slack.Mode, APIURL: cfg.Slack.APIURL, Lang: lang,
		NoteMarker: cfg.Slack.NoteMarker, OnCallGroup: cfg.Slack.OnCallGroup,
		AdminUsers: cfg.Admin.SlackUsers, AdminGroup: cfg.Admin.SlackGroup, Timeout: cfg.Slack.Timeout,
	}, db, logger)
	if err != nil {
		return nil, err
	}
	adapter.SetDesk(agents)
	adapter.Register(mux)
	d := &desk{
		adapter:    adapter,
		dispatcher: bot.NewDispatcher(db, bot.TargetDesk, adapter, hooks, logger),
		logger:     logger,
	}
	db.OnOutbox(func(target string) {
		if target == bot.TargetDesk {
			d.dispatcher.Kick()
		}
	})
	return d, nil
}

// run connects to Slack (retrying until it can: Slack may be unreachable or
// the token refused for a while, and customers keep being served meanwhile),
// then receives agents' events and delivers queued items until ctx ends.
func (d *desk) run(ctx context.Context, wg *sync.WaitGroup) {
	runPlatform(ctx, wg, d.adapter, d.dispatcher, d.logger,
		"SLACK DESK IS DOWN: cannot connect; customers are told an agent may take longer", "slack desk stopped")
}

// healthy reports the desk's health for /readyz.
func (d *desk) healthy() error {
	if d == nil {
		return nil
	}
	return d.adapter.Healthy()
}
