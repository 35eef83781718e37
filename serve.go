package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"sync"
	"time"

	"github.com/relaisbot/relais/bot"
	"github.com/relaisbot/relais/bot/widget"
	"github.com/relaisbot/relais/config"
	"github.com/relaisbot/relais/faq"
	"github.com/relaisbot/relais/handoff"
)

// serve runs the server until ctx ends, then shuts down in order: stop
// accepting, close WebSockets, finish background work, close the database.
func serve(ctx context.Context, cfg config.Config, stdout io.Writer, logger *slog.Logger) error {
	start := time.Now()
	m := newMetrics(logger.With("component", "metrics"))
	a, err := newApp(ctx, cfg, logger, m)
	if err != nil {
		return err
	}
	defer a.close()
	m.db = a.db
	if a.llm != nil {
		m.llm = a.llm.stats
	}

	// The widget reports agents' messages delivered to the desk service, which
	// asks the widget who is offline: the service is set right after.
	var agents *handoff.Service
	w := widget.New(a.engine, widget.Options{
		AllowedOrigins:  cfg.Widget.AllowedOrigins,
		MaxMessageRunes: cfg.Widget.MaxMessageLength,
		DefaultLang:     cfg.DefaultLang(),
		ShopName:        cfg.Shop.Name,
		PublicURL:       cfg.Server.PublicURL,
		// In the configuration 0 means no limit; in Options, a negative value.
		ConnectionsPerIP:      noLimit(cfg.Widget.ConnectionsPerIP),
		NewConversationsPerIP: noLimit(cfg.Widget.NewConversationsPerIP),
		MessagesPerMinute:     noLimit(cfg.Widget.MessagesPerMinute),
		ClientIPHeader:        cfg.Widget.ClientIPHeader,
		IdentitySecret:        []byte(cfg.Widget.IdentitySecret),
		OnDelivered: func(ctx context.Context, msg bot.Message) {
			m.relayed(msg)
			agents.Delivered(ctx, msg)
		},
		// Not a relay: no latency to measure.
		OnConfirmed: func(ctx context.Context, msg bot.Message) { agents.Delivered(ctx, msg) },
	}, logger.With("component", "widget"))
	a.engine.AddPublisher(w)
	agents = handoff.NewService(a.engine, a.db, w, handoff.ServiceConfig{Hours: a.hours, RemindAfter: cfg.Handoff.RemindAfter},
		logger.With("component", "handoff"))

	mux := http.NewServeMux()
	w.Register(mux)
	dk, err := newDesk(cfg, a.db, agents, m.dispatcherHooks(bot.TargetDesk, nil, nil), mux, logger)
	if err != nil {
		return err
	}
	if dk != nil {
		a.escalator.SetDeskHealth(dk.healthy) // customers handed over while Slack is down are told
		if s := a.llm.summarizer(); s != nil {
			dk.adapter.SetSummarizer(s, a.db, cfg.OpenAI.Timeout)
		}
	}
	// FAQ admin commands (/faq) in Slack and Discord; admins are checked by
	// each adapter from the configuration.
	admin := faq.NewAdmin(a.faq, a.db, faqTry(a.engine), logger.With("component", "faq-admin"))
	if dk != nil {
		dk.adapter.SetAdmin(admin)
		dk.adapter.SetCustomers(a.privacy)
		dk.adapter.SetStats(func(ctx context.Context, lang bot.Lang, since time.Duration) (string, error) {
			r, gaps, err := buildReport(ctx, a.db, since, time.Now())
			if err != nil {
				return "", err
			}
			return r.Format(lang, gaps), nil
		})
	}
	delivered, failed := agents.OutboxHooks()
	dc, err := newDiscord(cfg, a.engine, a.db, m.dispatcherHooks(string(bot.ChannelDiscord), delivered, failed), logger)
	if err != nil {
		return err
	}
	if dc != nil {
		dc.adapter.SetAdmin(admin)
	}
	mux.Handle("GET /metrics", m)
	mux.HandleFunc("GET /healthz", func(rw http.ResponseWriter, _ *http.Request) {
		writeJSON(rw, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(rw http.ResponseWriter, r *http.Request) {
		checks := map[string]string{"database": "ok"}
		status := http.StatusOK
		if err := a.db.Ping(r.Context()); err != nil {
			checks["database"], status = "unavailable", http.StatusServiceUnavailable
		}
		if dk != nil {
			checks["slack"] = "ok"
			if err := dk.healthy(); err != nil {
				checks["slack"], status = err.Error(), http.StatusServiceUnavailable
			}
		}
		if dc != nil {
			checks["discord"] = "ok"
			if err := dc.healthy(); err != nil {
				checks["discord"], status = err.Error(), http.StatusServiceUnavailable
			}
		}
		writeJSON(rw, status, map[string]any{"ready": status == http.StatusOK, "checks": checks})
	})

	ln, err := net.Listen("tcp", cfg.Server.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Server.Addr, err)
	}
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()

	var background sync.WaitGroup
	bgCtx, stopBackground := context.WithCancel(context.WithoutCancel(ctx))
	background.Go(func() { answerPending(bgCtx, a, logger) })
	background.Go(func() { a.faq.RunSemantic(bgCtx) }) // returns at once without an embedding model
	background.Go(func() { a.llm.run(bgCtx) })
	background.Go(func() {
		runPrivacy(bgCtx, a.db, a.privacy, a.engine, cfg.Privacy.RetentionDays, logger.With("component", "privacy"))
	})
	if dc != nil {
		dc.run(bgCtx, &background)
	}
	if dk != nil {
		dk.run(bgCtx, &background)
		background.Go(func() {
			every(bgCtx, time.Minute, func() {
				if err := agents.FollowUp(bgCtx, time.Now()); err != nil && bgCtx.Err() == nil {
					logger.Error("follow-up of waiting customers failed", "err", err)
				}
			})
		})
	}

	// Building the FAQ index and the detector leaves garbage behind: give it
	// back to the system now rather than keep an idle server's memory high.
	debug.FreeOSMemory()
	if os.Getenv("GOGC") == "" { // an operator's GOGC wins
		floor, stopFloor := startHeapFloor(uint64(cfg.Server.GCHeapFloorMiB) << 20)
		defer stopFloor()
		if floor != nil {
			background.Go(func() { releaseWhenIdle(bgCtx, idleEvery, floor.raised) })
		}
	}

	url := "http://" + displayAddr(ln.Addr())
	logger.Info("relais started", "url", url, "database", cfg.Database.Path,
		"faq_entries", len(a.faq.Entries()), "startup", time.Since(start).Round(time.Millisecond))
	fmt.Fprintf(stdout, "Relais is running: open %s\n", url)

	select {
	case <-ctx.Done():
	case err := <-serveErr:
		stopBackground()
		background.Wait()
		dc.close()
		closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.Server.ShutdownTimeout)
		w.Close(closeCtx)
		cancel()
		return fmt.Errorf("serve: %w", err)
	}

	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.Server.ShutdownTimeout)
	defer cancel()
	err = srv.Shutdown(shutdownCtx) // stop accepting; wait for plain HTTP requests
	w.Close(shutdownCtx)            // WebSockets are hijacked: Shutdown does not close them
	stopBackground()
	background.Wait()
	dc.close() // after its loops ended: nothing delivers through it any more
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	logger.Info("stopped")
	return nil
}

// Pending messages: customer messages stored but not answered (a crash
// between storing and answering, or a failure while answering) are answered
// by a sweep at start and then every pendingEvery; older than pendingMaxAge,
// they are closed without an answer (the customer has long moved on).
const (
	pendingEvery  = 30 * time.Second
	pendingGrace  = 10 * time.Second // leave messages being answered right now alone
	pendingMaxAge = 24 * time.Hour
)

func answerPending(ctx context.Context, a *app, logger *slog.Logger) {
	t := time.NewTicker(pendingEvery)
	defer t.Stop()
	// At start, every message stored before now was left unanswered by the
	// previous run (a crash): answer them all at once rather than make their
	// customers wait for the next sweep. (Answering is idempotent: a message
	// being answered meanwhile is answered once.)
	before := time.Now()
	for {
		msgs, err := a.db.PendingMessages(ctx, before, 1000)
		if err != nil && ctx.Err() == nil {
			logger.Error("cannot list unanswered messages", "err", err)
		}
		for _, m := range msgs {
			if ctx.Err() != nil {
				return
			}
			if time.Since(m.CreatedAt) > pendingMaxAge {
				err = a.engine.Abandon(ctx, m)
			} else {
				err = a.engine.ProcessStored(ctx, m)
			}
			if err != nil && ctx.Err() == nil {
				logger.Error("cannot answer stored message", "message", m.ID, "conversation", m.ConversationID, "err", err)
			}
		}
		if len(msgs) > 0 {
			logger.Info("answered messages left unanswered", "count", len(msgs))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		before = time.Now().Add(-pendingGrace)
	}
}

// every calls fn every period until ctx ends.
func every(ctx context.Context, period time.Duration, fn func()) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			fn()
		}
	}
}

// displayAddr turns a listener address into something a browser can open.
func displayAddr(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return addr.String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// noLimit maps a configured limit, where 0 means none, to the widget's
// options, where 0 takes the default and a negative value means none.
func noLimit(n int) int {
	if n == 0 {
		return -1
	}
	return n
}
