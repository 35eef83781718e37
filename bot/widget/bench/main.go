// Command bench is Relais's load test: it starts `relais serve` (pinned to
// given CPUs with taskset), drives widget customers over real WebSockets on
// loopback against it, with a real SQLite file, and a fake Slack for the
// agent relay, and prints what it measured as Markdown.
//
// Run the load generator on other CPUs than the server, e.g.:
//
//	go build -o /tmp/relais . && go build -o /tmp/bench ./bot/widget/bench
//	taskset -c 1 /tmp/bench -relais /tmp/relais -server-cpus 0
//
// It is a tool, not a test: timings belong here, never in unit tests.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"
)

func main() {
	var o options
	flag.StringVar(&o.relais, "relais", "relais", "path of the relais binary to test")
	flag.StringVar(&o.url, "url", "", "use the Relais already running at this URL instead of starting one (throughput and latency only)")
	flag.StringVar(&o.cpus, "server-cpus", "0", "CPUs for the server (taskset -c); empty: no pinning")
	flag.StringVar(&o.scenarios, "scenarios", "start,connections,throughput,latency,relay", "scenarios to run, comma-separated")
	flag.IntVar(&o.connections, "connections", 10000, "idle connections to hold (connections)")
	flag.DurationVar(&o.settle, "settle", 130*time.Second, "how long to hold idle connections before the second memory reading (Go forces a GC every 2 minutes)")
	flag.StringVar(&o.rates, "rates", "3000,6000", "offered loads in messages/s (throughput)")
	flag.IntVar(&o.latencyRate, "latency-rate", 1000, "offered load in messages/s (latency)")
	flag.DurationVar(&o.duration, "duration", 20*time.Second, "how long each load runs")
	flag.IntVar(&o.relayCustomers, "relay-customers", 1000, "customers connected during the relay test")
	flag.IntVar(&o.relayReplies, "relay-replies", 2000, "agent replies sent during the relay test")
	flag.DurationVar(&o.relayIdle, "relay-idle", 0, "after the relay test, how long to keep the customers connected and quiet before reading the server's RSS again (0: don't)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, o); err != nil {
		log.Fatal(err)
	}
}

type options struct {
	relais, cpus, scenarios, rates, url string
	connections, latencyRate            int
	relayCustomers, relayReplies        int
	duration, settle, relayIdle         time.Duration
}

func run(ctx context.Context, o options) error {
	cpus, model := cpuInfo()
	fmt.Printf("Machine: %d CPUs (%s), %s; server pinned to CPUs %q; load generator on %d CPU(s).\n\n",
		cpus, model, runtime.Version(), o.cpus, runtime.NumCPU())
	for _, name := range strings.Split(o.scenarios, ",") {
		dir, err := os.MkdirTemp("", "relais-bench-")
		if err != nil {
			return err
		}
		switch strings.TrimSpace(name) {
		case "start":
			err = startScenario(ctx, o, dir)
		case "connections":
			err = connectionsScenario(ctx, o, dir)
		case "throughput":
			err = throughputScenario(ctx, o, dir)
		case "latency":
			err = latencyScenario(ctx, o, dir)
		case "relay":
			err = relayScenario(ctx, o, dir)
		default:
			err = fmt.Errorf("unknown scenario %q", name)
		}
		os.RemoveAll(dir)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return nil
}

// startScenario measures start-to-ready (new and existing database) and idle memory.
func startScenario(ctx context.Context, o options, dir string) error {
	first, err := startServer(ctx, o.relais, o.cpus, dir, nil)
	if err != nil {
		return err
	}
	first.stop()
	s, err := startServer(ctx, o.relais, o.cpus, dir, nil)
	if err != nil {
		return err
	}
	defer s.stop()
	time.Sleep(2 * time.Second)
	rss, _, err := s.rss()
	if err != nil {
		return err
	}
	fmt.Printf("## Start and idle\n\n| measure | value |\n|---|---:|\n")
	fmt.Printf("| start to ready, new database (creates it, seeds the FAQ) | %s |\n", ms(first.ready))
	fmt.Printf("| start to ready, existing database | %s |\n", ms(s.ready))
	fmt.Printf("| idle RSS | %s |\n\n", mib(rss))
	return nil
}

// connectionsScenario holds idle widget connections and measures memory.
func connectionsScenario(ctx context.Context, o options, dir string) error {
	s, err := startServer(ctx, o.relais, o.cpus, dir, nil)
	if err != nil {
		return err
	}
	defer s.stop()
	time.Sleep(time.Second)
	idle, _, err := s.rss()
	if err != nil {
		return err
	}
	start := time.Now()
	cs, err := dialMany(ctx, s.url, o.connections, nil)
	defer closeAll(cs)
	if err != nil {
		return err
	}
	took := time.Since(start)
	time.Sleep(3 * time.Second)
	rss, peak, err := s.rss()
	if err != nil {
		return err
	}
	time.Sleep(o.settle)
	settled, _, err := s.rss()
	if err != nil {
		return err
	}
	per := func(b int64) string { return fmt.Sprintf("%.1f KiB", float64(b-idle)/1024/float64(len(cs))) }
	fmt.Printf("## Idle connections\n\n| measure | value |\n|---|---:|\n")
	fmt.Printf("| connections held (each with a welcome) | %d |\n", len(cs))
	fmt.Printf("| time to open them | %s |\n", took.Round(time.Millisecond))
	fmt.Printf("| server RSS without connections | %s |\n", mib(idle))
	fmt.Printf("| server RSS 3 s after connecting (peak) | %s (%s) — %s per connection |\n", mib(rss), mib(peak), per(rss))
	fmt.Printf("| server RSS after %s idle | %s — %s per connection |\n\n", o.settle, mib(settled), per(settled))
	return nil
}

// dialMany connects n customers, 200 at a time.
func dialMany(ctx context.Context, url string, n int, onMsg func(*customer, wireMessage, time.Time)) ([]*customer, error) {
	cs := make([]*customer, n)
	sem := make(chan struct{}, 200)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			c, err := dial(ctx, url, i, onMsg)
			mu.Lock()
			defer mu.Unlock()
			if err != nil && firstErr == nil {
				firstErr = fmt.Errorf("customer %d: %w", i, err)
			}
			cs[i] = c
		})
	}
	wg.Wait()
	var ok []*customer
	for _, c := range cs {
		if c != nil {
			ok = append(ok, c)
		}
	}
	return ok, firstErr
}

func closeAll(cs []*customer) {
	for _, c := range cs {
		c.close()
	}
}

// latencies collects durations safely.
type latencies struct {
	mu sync.Mutex
	ds []time.Duration
}

func (l *latencies) add(d time.Duration) {
	l.mu.Lock()
	l.ds = append(l.ds, d)
	l.mu.Unlock()
}

// percentiles returns the count, p50 and p99.
func (l *latencies) percentiles() (n int, p50, p99 time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.ds) == 0 {
		return 0, 0, 0
	}
	sort.Slice(l.ds, func(i, j int) bool { return l.ds[i] < l.ds[j] })
	at := func(p float64) time.Duration { return l.ds[min(len(l.ds)-1, int(p*float64(len(l.ds))))] }
	return len(l.ds), at(0.50), at(0.99)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
func mib(b int64) string        { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

// cpuInfo returns the machine's CPU count and model (not the CPUs this
// process may run on, which taskset limits).
func cpuInfo() (int, string) {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.NumCPU(), "unknown CPU"
	}
	n, model := 0, "unknown CPU"
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		switch k = strings.TrimSpace(k); {
		case ok && k == "processor":
			n++
		case ok && k == "model name":
			model = strings.TrimSpace(v)
		}
	}
	return n, model
}
