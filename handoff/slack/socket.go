package slack

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"github.com/relaisbot/relais/bot"
)

// Socket Mode restart delays after slack-go gives up (a refused app token).
const (
	minRestart = time.Second
	maxRestart = 5 * time.Minute
)

// runSocket keeps a Socket Mode connection and handles its events, one at a
// time and in order, until ctx ends. slack-go reconnects by itself after a
// dropped connection; when it gives up (a refused app token), it is
// restarted with backoff while Healthy reports the problem.
func (a *Adapter) runSocket(ctx context.Context) {
	sm := socketmode.New(a.client, socketmode.OptionLog(slogOutput{a.logger}))
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	work := bot.NewSerial(inboundParallel, inboundQueued)
	defer work.Close(inboundDrain) // unacknowledged events are sent again by Slack
	wg.Go(func() {
		for delay := minRestart; ; delay = min(2*delay, maxRestart) {
			err := sm.RunContext(ctx)
			if ctx.Err() != nil {
				return
			}
			a.health.setConnected(false, err)
			if code := slackCode(err); authCodes[code] {
				err = errors.New("slack: Slack refused the app-level token (" + code + "): check RELAIS_SLACK_APP_TOKEN (scope connections:write)")
				a.health.setAppAuth(err)
			}
			a.logger.Error("SLACK DESK IS DOWN: socket mode stopped; retrying", "err", err, "retry_in", delay)
			t := time.NewTimer(delay)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
		}
	})
	for {
		select {
		case <-ctx.Done():
			return
		case evt := <-sm.Events:
			a.onSocketEvent(ctx, sm, work, evt)
		}
	}
}

// onSocketEvent handles one event of the Socket Mode client. Events and
// clicks go to work, in their conversation thread's lane (see lanes.go).
// Events API envelopes are acknowledged once handled, so that Slack sends
// again what failed; interactions and commands are always acknowledged.
func (a *Adapter) onSocketEvent(ctx context.Context, sm *socketmode.Client, work *bot.Serial, evt socketmode.Event) {
	switch evt.Type {
	case socketmode.EventTypeConnected:
		a.health.setConnected(true, nil)
		a.logger.Info("slack: socket mode connected")
	case socketmode.EventTypeConnectionError:
		var err error = errors.New("connection error")
		if ce, ok := evt.Data.(*slack.ConnectionErrorEvent); ok {
			err = ce.ErrorObj
		}
		a.health.setConnected(false, err)
		a.logger.Warn("slack: socket mode cannot connect; retrying", "err", err)
	case socketmode.EventTypeIncomingError, socketmode.EventTypeConnecting:
		a.health.setConnected(false, nil)
	case socketmode.EventTypeDisconnect:
		a.health.setConnected(false, errors.New("slack asked to reconnect"))
	case socketmode.EventTypeEventsAPI:
		ev, ok := evt.Data.(slackevents.EventsAPIEvent)
		if !ok || evt.Request == nil {
			return
		}
		eventID := ""
		if cb, ok := ev.Data.(*slackevents.EventsAPICallbackEvent); ok {
			eventID = cb.EventID
		}
		lane := eventLane(ev.InnerEvent)
		queued := work.Add(lane, func(ctx context.Context) {
			err := a.inbound(ctx, lane, func(ctx context.Context) error { return a.handleEvent(ctx, eventID, ev.InnerEvent) })
			if err != nil {
				a.logger.Warn("slack: event not handled; Slack will send it again", "event", eventID, "err", err)
				return
			}
			a.ack(ctx, sm, evt.Request, nil)
		})
		if !queued {
			a.logger.Warn("slack: too many events waiting for one thread; Slack will send it again", "event", eventID)
		}
	case socketmode.EventTypeInteractive:
		cb, ok := evt.Data.(slack.InteractionCallback)
		if !ok {
			a.ack(ctx, sm, evt.Request, nil)
			return
		}
		queued := work.Add(interactionLane(cb), func(ctx context.Context) {
			payload, err := a.interact(ctx, cb)
			if err != nil {
				a.logger.Error("slack: button click failed", "err", err)
			}
			a.ack(ctx, sm, evt.Request, payload)
		})
		if !queued {
			a.logger.Warn("slack: too many clicks waiting for one thread; dropped", "type", cb.Type)
			a.ack(ctx, sm, evt.Request, nil)
		}
	case socketmode.EventTypeSlashCommand:
		var payload any
		if cmd, ok := evt.Data.(slack.SlashCommand); ok {
			payload = a.command(cmd)
		}
		a.ack(ctx, sm, evt.Request, payload)
	}
}

func (a *Adapter) ack(ctx context.Context, sm *socketmode.Client, req *socketmode.Request, payload any) {
	if req == nil {
		return
	}
	if err := sm.AckCtx(ctx, req.EnvelopeID, payload); err != nil && ctx.Err() == nil {
		a.logger.Warn("slack: cannot acknowledge an envelope", "err", err)
	}
}

// slogOutput sends slack-go's debug lines to slog at debug level.
type slogOutput struct{ logger *slog.Logger }

func (o slogOutput) Output(_ int, s string) error {
	o.logger.Debug("slack-go: " + strings.TrimSpace(s))
	return nil
}
