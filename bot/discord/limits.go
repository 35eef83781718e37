package discord

import "time"

// Limits of the inbound work.
const (
	maxParallel  = 8                // customers handled at once
	maxQueued    = 200              // events waiting per customer; more are dropped (a flood)
	drainTimeout = 10 * time.Second // how long Close lets queued events finish
	idleConns    = maxParallel + 8  // idle REST connections kept: as many as call at once
)
