package main

import (
	"context"
	"log/slog"
	"sync"

	"github.com/relaisbot/relais/bot"
	"github.com/relaisbot/relais/bot/discord"
	"github.com/relaisbot/relais/config"
	"github.com/relaisbot/relais/storage"
)

// discordChannel is Discord as the server runs it: the adapter and the
// dispatcher that delivers customers' messages to it.
type discordChannel struct {
	adapter    *discord.Adapter
	dispatcher *bot.Dispatcher
	logger     *slog.Logger
}

// newDiscord builds the Discord channel, or returns nil when it is not configured.
func newDiscord(cfg config.Config, engine discord.Engine, db *storage.DB, hooks bot.DispatcherConfig, logger *slog.Logger) (*discordChannel, error) {
	if !cfg.Discord.Enabled() {
		return nil, nil
	}
	logger = logger.With("component", "discord")
	d := cfg.Discord
	adapter, err := discord.New(discord.Config{
		Token: d.Token, DMs: d.DMs, SupportChannel: d.SupportChannel, PrivateThreads: d.PrivateThreads, APIBase: d.APIBase,
		AdminRoles: cfg.Admin.DiscordRoles, Timeout: d.Timeout,
	}, engine, db, logger)
	if err != nil {
		return nil, err
	}
	ch := &discordChannel{adapter: adapter, dispatcher: bot.NewDispatcher(db, discord.Target, adapter, hooks, logger), logger: logger}
	db.OnOutbox(func(target string) {
		if target == discord.Target {
			ch.dispatcher.Kick()
		}
	})
	return ch, nil
}

// run connects to Discord (retrying until it can), then receives customers'
// messages and delivers queued ones until ctx ends.
func (d *discordChannel) run(ctx context.Context, wg *sync.WaitGroup) {
	runPlatform(ctx, wg, d.adapter, d.dispatcher, d.logger,
		"DISCORD IS DOWN: cannot connect", "discord stopped")
}

// close ends the adapter, after run has returned.
func (d *discordChannel) close() {
	if d != nil {
		if err := d.adapter.Close(); err != nil {
			d.logger.Error("close discord", "err", err)
		}
	}
}

// healthy reports the channel's health for /readyz.
func (d *discordChannel) healthy() error {
	if d == nil {
		return nil
	}
	return d.adapter.Healthy()
}
