package main

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/relaisbot/relais/bot"
)

// platform is an adapter to an outside service (Slack, Discord) as the
// server runs it.
type platform interface {
	Start(ctx context.Context) error
	Run(ctx context.Context) error
}

// runPlatform connects p (retrying with backoff until it can: the service
// may be unreachable or the token refused for a while, and customers keep
// being served meanwhile, logging downMsg), then runs it and delivers its
// queued items through dispatcher until ctx ends.
func runPlatform(ctx context.Context, wg *sync.WaitGroup, p platform, dispatcher *bot.Dispatcher, logger *slog.Logger, downMsg, stoppedMsg string) {
	wg.Go(func() {
		for wait := time.Second; ; wait = min(2*wait, time.Minute) {
			err := p.Start(ctx)
			if err == nil {
				break
			}
			if ctx.Err() != nil {
				return
			}
			logger.Error(downMsg, "err", err, "retry_in", wait)
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
		}
		wg.Go(func() { dispatcher.Run(ctx) })
		if err := p.Run(ctx); err != nil {
			logger.Error(stoppedMsg, "err", err)
		}
	})
}
