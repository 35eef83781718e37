package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/relaisbot/relais/bot"
	"github.com/relaisbot/relais/faq/openai"
	"github.com/relaisbot/relais/handoff"
	"github.com/relaisbot/relais/storage"
)

// metrics holds Relais's counters and histograms and serves them, with
// gauges read from the database and the 7-day service-quality figures, in
// the Prometheus text exposition format at GET /metrics.
type metrics struct {
	db     *storage.DB
	llm    func() openai.Stats // the language model's counters; nil when it is off
	logger *slog.Logger

	mu         sync.Mutex
	received   map[string]float64 // channel
	replies    map[string]float64 // channel, action
	handoffs   map[string]float64 // reason
	delivered  map[string]float64 // target
	failed     map[string]float64 // target
	replyTime  *histogram         // customer message stored → bot decision stored
	relayTime  *histogram         // agent message stored → on the customer's screen (widget)
	kpis       handoff.Report
	kpisAt     time.Time
	kpisFailed bool
}

var _ bot.Observer = (*metrics)(nil)

// newMetrics returns the metrics; set db before serving them.
func newMetrics(logger *slog.Logger) *metrics {
	buckets := []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}
	return &metrics{logger: logger,
		received: map[string]float64{}, replies: map[string]float64{}, handoffs: map[string]float64{},
		delivered: map[string]float64{}, failed: map[string]float64{},
		replyTime: newHistogram(buckets), relayTime: newHistogram(buckets),
	}
}

// Received implements bot.Observer.
func (m *metrics) Received(ch bot.Channel) {
	m.mu.Lock()
	m.received[string(ch)]++
	m.mu.Unlock()
}

// Replied implements bot.Observer.
func (m *metrics) Replied(ch bot.Channel, action bot.Action, reason string, latency time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.replies[string(ch)+"\x00"+string(action)]++
	if reason != "" {
		m.handoffs[reason]++
	}
	m.replyTime.observe(latency.Seconds())
}

// relayed records an agent message shown to a customer.
func (m *metrics) relayed(msg bot.Message) {
	m.mu.Lock()
	m.relayTime.observe(time.Since(msg.CreatedAt).Seconds())
	m.mu.Unlock()
}

// dispatcherHooks counts deliveries and failures of a target, then calls next.
func (m *metrics) dispatcherHooks(target string, delivered func(context.Context, bot.OutboxItem), failed func(context.Context, bot.OutboxItem, error)) bot.DispatcherConfig {
	return bot.DispatcherConfig{
		Delivered: func(ctx context.Context, it bot.OutboxItem) {
			m.mu.Lock()
			m.delivered[target]++
			m.mu.Unlock()
			if delivered != nil {
				delivered(ctx, it)
			}
		},
		Failed: func(ctx context.Context, it bot.OutboxItem, err error) {
			m.mu.Lock()
			m.failed[target]++
			m.mu.Unlock()
			if failed != nil {
				failed(ctx, it, err)
			}
		},
	}
}

// ServeHTTP writes the metrics.
func (m *metrics) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	depth, err := m.db.OutboxDepth(ctx)
	if err != nil {
		m.logger.Error("metrics: outbox depth", "err", err)
	}
	states, err := m.db.ConversationsByState(ctx)
	if err != nil {
		m.logger.Error("metrics: conversations by state", "err", err)
	}
	kpis := m.kpisCached(ctx)

	var b strings.Builder
	m.mu.Lock()
	counter(&b, "relais_messages_received_total", "Customer messages stored, by channel.", []string{"channel"}, m.received)
	counter(&b, "relais_bot_replies_total", "Bot decisions on customer messages, by channel and action.", []string{"channel", "action"}, m.replies)
	counter(&b, "relais_handoffs_total", "Hand-overs to a person, by reason.", []string{"reason"}, m.handoffs)
	counter(&b, "relais_outbox_delivered_total", "Outbox items delivered, by target.", []string{"target"}, m.delivered)
	counter(&b, "relais_outbox_failed_total", "Outbox items given up on after retries, by target.", []string{"target"}, m.failed)
	m.replyTime.write(&b, "relais_reply_latency_seconds", "Time from a stored customer message to the stored bot decision.")
	m.relayTime.write(&b, "relais_agent_relay_seconds", "Time from a stored agent message to the customer's screen (widget).")
	m.mu.Unlock()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	gauge(&b, "relais_go_goroutines", "Goroutines.", nil, map[string]float64{"": float64(runtime.NumGoroutine())})
	gauge(&b, "relais_go_heap_alloc_bytes", "Bytes of allocated heap objects (live and not yet collected).", nil, map[string]float64{"": float64(ms.HeapAlloc)})
	gauge(&b, "relais_go_stack_bytes", "Bytes of goroutine stacks.", nil, map[string]float64{"": float64(ms.StackInuse)})
	gauge(&b, "relais_go_sys_bytes", "Bytes obtained from the system by the Go runtime.", nil, map[string]float64{"": float64(ms.Sys)})
	counter(&b, "relais_go_alloc_bytes_total", "Bytes allocated on the heap since start.", nil, map[string]float64{"": float64(ms.TotalAlloc)})
	counter(&b, "relais_go_gc_cycles_total", "Garbage collections since start.", nil, map[string]float64{"": float64(ms.NumGC)})
	gauge(&b, "relais_outbox_pending", "Outbox items waiting for delivery, by target.", []string{"target"}, toFloats(depth))
	gauge(&b, "relais_conversations", "Conversations by state.", []string{"state"}, toFloats(states))
	ck := m.db.CheckpointStats()
	counter(&b, "relais_sqlite_checkpoints_total", "Background checkpoints of the write-ahead log, by mode (catch_up: on the write connection, for what was committed during a passive one; restart: the log had grown past 64 MiB).", []string{"mode"},
		map[string]float64{"passive": float64(ck.Passive), "catch_up": float64(ck.CatchUp), "restart": float64(ck.Restart)})
	counter(&b, "relais_sqlite_checkpoint_failures_total", "Background checkpoints that failed.", nil, map[string]float64{"": float64(ck.Failures)})
	gauge(&b, "relais_sqlite_wal_frames", "Pages in the write-ahead log at the latest checkpoint.", nil, map[string]float64{"": float64(ck.LogFrames)})
	if m.llm != nil {
		st := m.llm()
		counter(&b, "relais_llm_calls_total", "Language-model calls, by kind (those refused by the budget or the circuit breaker included).", []string{"kind"}, toFloats(st.Calls))
		counter(&b, "relais_llm_failures_total", "Language-model calls that failed or were refused, by reason; Relais answered without the model.", []string{"reason"}, toFloats(st.Failures))
		counter(&b, "relais_llm_tokens_total", "Language-model tokens used since start (prompt and completion).", nil, map[string]float64{"": float64(st.Tokens)})
		gauge(&b, "relais_llm_tokens_today", "Language-model tokens used today (UTC), against the daily budget.", nil, map[string]float64{"": float64(st.TokensToday)})
		gauge(&b, "relais_llm_daily_token_budget", "Daily token budget (0 = none).", nil, map[string]float64{"": float64(st.DailyTokenBudget)})
	}
	if kpis != nil {
		for _, g := range []struct {
			name, help string
			value      float64
		}{
			{"relais_kpi_bot_resolution_ratio", "Share of conversations with a question resolved by the bot, last 7 days.", kpis.BotResolutionRate},
			{"relais_kpi_handoff_ratio", "Share of conversations with a question handed to a person, last 7 days.", kpis.HandoffRate},
			{"relais_kpi_first_reply_median_seconds", "Median time from hand-over to first agent reply, last 7 days.", time.Duration(kpis.FirstReply.Median).Seconds()},
			{"relais_kpi_first_reply_p90_seconds", "90th percentile time from hand-over to first agent reply, last 7 days.", time.Duration(kpis.FirstReply.P90).Seconds()},
			{"relais_kpi_resolution_median_seconds", "Median time from hand-over to resolution, last 7 days.", time.Duration(kpis.Resolution.Median).Seconds()},
			{"relais_kpi_csat_average", "Average customer rating (1–5), last 7 days.", kpis.CSAT.Average},
			{"relais_kpi_reopen_ratio", "Share of resolved conversations reopened by the customer, last 7 days.", kpis.ReopenRate},
		} {
			gauge(&b, g.name, g.help, nil, map[string]float64{"": g.value})
		}
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	io.WriteString(w, b.String())
}

// kpisCached returns the 7-day report, recomputed at most every minute.
func (m *metrics) kpisCached(ctx context.Context) *handoff.Report {
	m.mu.Lock()
	defer m.mu.Unlock()
	if time.Since(m.kpisAt) > time.Minute {
		now := time.Now()
		r, err := handoff.BuildReport(ctx, m.db, now.Add(-7*24*time.Hour), now)
		m.kpis, m.kpisAt, m.kpisFailed = r, now, err != nil
		if err != nil {
			m.logger.Error("metrics: service-quality figures", "err", err)
		}
	}
	if m.kpisFailed {
		return nil
	}
	r := m.kpis
	return &r
}

func toFloats[K ~string, V int | int64](m map[K]V) map[string]float64 {
	out := make(map[string]float64, len(m))
	for k, v := range m {
		out[string(k)] = float64(v)
	}
	return out
}

// counter and gauge write one metric family; keys join label values with \x00.
func counter(b *strings.Builder, name, help string, labels []string, values map[string]float64) {
	family(b, name, help, "counter", labels, values)
}

func gauge(b *strings.Builder, name, help string, labels []string, values map[string]float64) {
	family(b, name, help, "gauge", labels, values)
}

func family(b *strings.Builder, name, help, typ string, labels []string, values map[string]float64) {
	fmt.Fprintf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(b, "%s%s %g\n", name, labelSet(labels, strings.Split(k, "\x00")), values[k])
	}
}

func labelSet(names, values []string) string {
	if len(names) == 0 {
		return ""
	}
	parts := make([]string, len(names))
	for i, n := range names {
		v := ""
		if i < len(values) {
			v = values[i]
		}
		parts[i] = fmt.Sprintf("%s=%q", n, v)
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// histogram is a Prometheus histogram with fixed buckets. Not safe for
// concurrent use: metrics holds its lock.
type histogram struct {
	bounds []float64
	counts []uint64 // per bucket, not cumulative
	sum    float64
	n      uint64
}

func newHistogram(bounds []float64) *histogram {
	return &histogram{bounds: bounds, counts: make([]uint64, len(bounds))}
}

func (h *histogram) observe(v float64) {
	h.n++
	h.sum += v
	if i, _ := slices.BinarySearch(h.bounds, v); i < len(h.bounds) {
		h.counts[i]++
	}
}

func (h *histogram) write(b *strings.Builder, name, help string) {
	fmt.Fprintf(b, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name)
	var cum uint64
	for i, le := range h.bounds {
		cum += h.counts[i]
		fmt.Fprintf(b, "%s_bucket{le=\"%g\"} %d\n", name, le, cum)
	}
	fmt.Fprintf(b, "%s_bucket{le=\"+Inf\"} %d\n%s_sum %g\n%s_count %d\n", name, h.n, name, h.sum, name, h.n)
}
