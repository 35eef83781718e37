package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// questions are varied customer questions the FAQ answers, so that no
// customer repeats itself within the frustration detector's window.
var questions = []string{
	"Where is my order?", "How long does delivery take?", "How much is shipping?", "Do you ship to Canada?",
	"How do I return an item?", "When will I get my refund?", "Can I exchange for another size?",
	"My parcel arrived damaged", "I received the wrong item", "My payment was declined",
	"I was charged twice", "Can I get an invoice?", "How do I use a promo code?", "Can I pay in installments?",
	"Which payment methods do you accept?", "How do I cancel my order?", "Can I change my delivery address?",
	"I forgot my password", "How do I delete my account?", "Où est ma commande ?", "Quels sont les délais de livraison ?",
	"Comment retourner un article ?", "Quand serai-je remboursé ?", "Puis-je payer en plusieurs fois ?",
}

// loadResult is what one run of offered load produced.
type loadResult struct {
	offered, achieved float64 // messages/s
	answered, errors  int64
	n                 int
	p50, p99          time.Duration
	// CPU used while the load was offered, in cores, and the server's CPU
	// per answered message (the replies drained after the load included).
	serverCores, benchCores float64
	cpuPerMsg               time.Duration
}

// offerLoad connects rate customers (each may send one message a second)
// and has them send rate messages/s in total for d, open loop.
func offerLoad(ctx context.Context, srv *server, url string, rate int, d time.Duration) (loadResult, error) {
	var (
		lat      latencies
		answered atomic.Int64
	)
	counting := atomic.Bool{}
	onMsg := func(c *customer, m wireMessage, at time.Time) {
		if m.Role != "bot" || !decisions[m.Action] {
			return
		}
		if sent := c.sent.Swap(0); sent != 0 && counting.Load() {
			answered.Add(1)
			lat.add(at.Sub(time.Unix(0, sent)))
		}
	}
	cs, err := dialMany(ctx, url, rate, onMsg)
	defer closeAll(cs)
	if err != nil {
		return loadResult{}, err
	}
	var errs atomic.Int64
	work := make(chan *customer, 4096)
	var wg sync.WaitGroup
	for range 64 {
		wg.Go(func() {
			for c := range work {
				q := questions[(c.id+int(c.seq.Load()))%len(questions)]
				if err := c.say(ctx, q); err != nil {
					errs.Add(1)
				}
			}
		})
	}
	// Spread the sends evenly: each millisecond, rate/1000 customers in turn.
	counting.Store(true)
	start := time.Now()
	srvCPU0, err := srv.cpuTime()
	if err != nil {
		return loadResult{}, err
	}
	benchCPU0 := selfCPUTime()
	next, sent := 0, 0
	tick := time.NewTicker(time.Millisecond)
	for now := range tick.C {
		due := int(float64(rate) * now.Sub(start).Seconds())
		for ; sent < due; sent++ {
			work <- cs[next]
			next = (next + 1) % len(cs)
		}
		if now.Sub(start) >= d || ctx.Err() != nil {
			break
		}
	}
	tick.Stop()
	elapsed := time.Since(start)
	srvCPU1, err := srv.cpuTime()
	if err != nil {
		return loadResult{}, err
	}
	benchCPU := selfCPUTime() - benchCPU0
	close(work)
	wg.Wait()
	time.Sleep(2 * time.Second) // replies still on their way
	counting.Store(false)
	srvCPU2, err := srv.cpuTime()
	if err != nil {
		return loadResult{}, err
	}
	r := loadResult{offered: float64(rate), answered: answered.Load(), errors: errs.Load()}
	r.achieved = float64(r.answered) / elapsed.Seconds()
	r.serverCores = (srvCPU1 - srvCPU0).Seconds() / elapsed.Seconds()
	r.benchCores = benchCPU.Seconds() / elapsed.Seconds()
	if r.answered > 0 {
		r.cpuPerMsg = (srvCPU2 - srvCPU0) / time.Duration(r.answered)
	}
	r.n, r.p50, r.p99 = lat.percentiles()
	return r, ctx.Err()
}

// throughputScenario offers increasing loads and reports what was answered.
func throughputScenario(ctx context.Context, o options, dir string) error {
	fmt.Printf("## Throughput (%s per load, each customer at most 1 message/s)\n\n", o.duration)
	fmt.Printf("| offered msg/s | customers | answered msg/s | p50 | p99 | send errors | server CPU (cores) | server CPU per answer | load generator CPU (cores) |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, s := range strings.Split(o.rates, ",") {
		rate, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return err
		}
		srv, url, stop, err := serverFor(ctx, o, dir)
		if err != nil {
			return err
		}
		r, err := offerLoad(ctx, srv, url, rate, o.duration)
		stop()
		if err != nil {
			return err
		}
		fmt.Printf("| %d | %d | %.0f | %s | %s | %d | %.2f | %d µs | %.2f |\n", rate, rate, r.achieved, ms(r.p50), ms(r.p99), r.errors,
			r.serverCores, r.cpuPerMsg.Microseconds(), r.benchCores)
	}
	fmt.Println()
	return nil
}

// serverFor starts a server, or uses the one at o.url (then srv is nil and
// its CPU is not measured).
func serverFor(ctx context.Context, o options, dir string) (srv *server, url string, stop func(), err error) {
	if o.url != "" {
		return nil, o.url, func() {}, nil
	}
	srv, err = startServer(ctx, o.relais, o.cpus, dir, nil)
	if err != nil {
		return nil, "", nil, err
	}
	return srv, srv.url, srv.stop, nil
}

// latencyScenario measures customer→bot latency at a moderate load.
func latencyScenario(ctx context.Context, o options, dir string) error {
	srv, url, stop, err := serverFor(ctx, o, dir)
	if err != nil {
		return err
	}
	defer stop()
	r, err := offerLoad(ctx, srv, url, o.latencyRate, o.duration)
	if err != nil {
		return err
	}
	fmt.Printf("## Customer → bot latency at %d msg/s (%s)\n\n| measure | value |\n|---|---:|\n", o.latencyRate, o.duration)
	fmt.Printf("| replies measured | %d |\n| p50 | %s |\n| p99 | %s |\n| answered msg/s | %.0f |\n| server CPU per answer | %d µs |\n\n",
		r.n, ms(r.p50), ms(r.p99), r.achieved, r.cpuPerMsg.Microseconds())
	return nil
}
