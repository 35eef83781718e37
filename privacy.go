package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/relaisbot/relais/bot"
	"github.com/relaisbot/relais/storage"
)

// How often the server applies the retention period, and looks for
// erasures made by another process (`relais customer erase`).
const (
	retentionEvery = time.Hour
	erasureWatch   = 2 * time.Second
)

// runPrivacy applies the retention period (if any) and prunes old
// bookkeeping (processed events, finished outbox items) at start and then
// every hour, and keeps the Engine's memory in step with erasures made by
// other processes, until ctx ends.
func runPrivacy(ctx context.Context, db *storage.DB, privacy *bot.Privacy, engine *bot.Engine, retentionDays int, logger *slog.Logger) {
	expire := func() {
		if p, err := db.Prune(ctx); err != nil && ctx.Err() == nil {
			logger.Error("cannot prune old processed events and outbox items", "err", err)
		} else if p.Events+p.Outbox > 0 {
			logger.Info("pruned old bookkeeping", "events", p.Events, "outbox_items", p.Outbox)
		}
		if retentionDays <= 0 {
			return
		}
		if _, err := privacy.Expire(ctx, time.Duration(retentionDays)*24*time.Hour, time.Now()); err != nil && ctx.Err() == nil {
			logger.Error("retention: cannot delete expired conversations", "err", err)
		}
	}
	expire()
	last, err := db.LastErasure(ctx)
	if err != nil && ctx.Err() == nil {
		logger.Error("cannot read the audit log", "err", err)
	}
	watch := time.NewTicker(erasureWatch)
	defer watch.Stop()
	sweep := time.NewTicker(retentionEvery)
	defer sweep.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-sweep.C:
			expire()
		case <-watch.C:
			id, err := db.LastErasure(ctx)
			if err != nil {
				if ctx.Err() == nil {
					logger.Error("cannot read the audit log", "err", err)
				}
				continue
			}
			if id != last {
				// Erased elsewhere: nothing of it may be served from memory.
				engine.ForgetCached()
				last = id
			}
		}
	}
}
