package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/relaisbot/relais/handoff/slack/slackfake"
)

const benchChannel = "C0BENCH"

// relayScenario connects customers, hands them all to agents on a fake
// Slack, then has agents reply in random threads and measures the time from
// the agent's message in Slack to the customer's WebSocket.
func relayScenario(ctx context.Context, o options, dir string) error {
	fake := slackfake.New(slackfake.Options{
		Channels:     []string{benchChannel},
		Users:        []slackfake.User{{ID: "U0AGENT", Name: "agent", DisplayName: "Alex"}},
		PingInterval: 5 * time.Second,
	})
	defer fake.Close()
	fo := fake.Options()
	srv, err := startServer(ctx, o.relais, o.cpus, dir, []string{
		"RELAIS_SLACK_BOT_TOKEN=" + fo.BotToken, "RELAIS_SLACK_APP_TOKEN=" + fo.AppToken,
		"RELAIS_SLACK_CHANNEL=" + benchChannel, "RELAIS_SLACK_API_URL=" + fake.URL(),
	})
	if err != nil {
		return err
	}
	defer srv.stop()

	var (
		mu     sync.Mutex
		sentAt = make(map[string]time.Time, o.relayReplies)
		lat    latencies
		first  latencies // the first reply in each thread, which also claims the conversation
		// Each reply split at the time Relais dated it (just before storing
		// it): the Slack side and handling, then storing and sending.
		toRelais, toSocket latencies
	)
	onMsg := func(_ *customer, m wireMessage, at time.Time) {
		if m.Role != "agent" {
			return
		}
		mu.Lock()
		t0, ok := sentAt[m.Text]
		delete(sentAt, m.Text)
		mu.Unlock()
		if ok {
			lat.add(at.Sub(t0))
			if dated, err := time.Parse(time.RFC3339, m.CreatedAt); err == nil {
				// Milliseconds, truncated: the middle of the millisecond.
				dated = dated.Add(500 * time.Microsecond)
				toRelais.add(dated.Sub(t0))
				toSocket.add(at.Sub(dated))
			}
			if k, _ := strconv.Atoi(strings.TrimPrefix(m.Text, "relay ")); k < o.relayCustomers {
				first.add(at.Sub(t0))
			}
		}
	}
	cs, err := dialMany(ctx, srv.url, o.relayCustomers, onMsg)
	defer closeAll(cs)
	if err != nil {
		return err
	}
	for _, c := range cs {
		if err := c.say(ctx, "I want to talk to a human, ref c"+strconv.Itoa(c.id)+"."); err != nil {
			return err
		}
	}
	threads, err := waitThreads(fake, len(cs))
	if err != nil {
		return err
	}

	alloc0, gcs0, _ := serverGoCounters(srv.url)
	cpu0, errCPU := srv.cpuTime()
	start := time.Now()
	for k := range o.relayReplies {
		c := cs[k%len(cs)]
		text := "relay " + strconv.Itoa(k)
		mu.Lock()
		sentAt[text] = time.Now()
		mu.Unlock()
		fake.AgentReply(benchChannel, threads[c.id], "U0AGENT", text)
		time.Sleep(5 * time.Millisecond) // ~200 replies/s
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	time.Sleep(2 * time.Second)
	alloc1, gcs1, errGo := serverGoCounters(srv.url)
	cpu1, err := srv.cpuTime()
	errCPU = errors.Join(errCPU, err)
	n, p50, p99 := lat.percentiles()
	mu.Lock()
	lost := len(sentAt)
	mu.Unlock()
	fmt.Printf("## Agent → customer relay (%d customers connected, %d replies over %s)\n\n", len(cs), o.relayReplies, time.Since(start).Round(time.Second))
	fmt.Printf("| measure | value |\n|---|---:|\n| replies received | %d (not received: %d) |\n| p50 | %s |\n| p99 | %s |\n", n, lost, ms(p50), ms(p99))
	if n1, f50, f99 := first.percentiles(); n1 > 0 {
		fmt.Printf("| first reply in a thread (it claims the conversation): p50 / p99 | %s / %s |\n", ms(f50), ms(f99))
	}
	if n, a50, a99 := toRelais.percentiles(); n > 0 {
		_, b50, b99 := toSocket.percentiles()
		fmt.Printf("| split at the time Relais dated the message (±0.5 ms): Slack → dated, p50 / p99 | %s / %s |\n", ms(a50), ms(a99))
		fmt.Printf("| split: dated → stored, published, on the customer's socket, p50 / p99 | %s / %s |\n", ms(b50), ms(b99))
	}
	// Relais's own view: from the agent's message stored to the customer's
	// socket (without Slack's side and the load generator's).
	if q50, q99, err := serverRelayQuantiles(srv.url); err == nil {
		fmt.Printf("| in Relais, stored → written to the socket (histogram bucket holding p50 / p99) | ≤ %s / ≤ %s |\n", q50, q99)
	}
	if errGo == nil {
		fmt.Printf("| server: allocated per reply, garbage collections during the replies | %.1f KB, %.0f |\n",
			(alloc1-alloc0)/float64(o.relayReplies)/1000, gcs1-gcs0)
	}
	if errCPU == nil {
		fmt.Printf("| server CPU per reply (everything a reply causes: storing, relaying, the ✓ reaction) | %d µs |\n",
			(cpu1-cpu0).Microseconds()/int64(o.relayReplies))
	}
	if rss, peak, err := srv.rss(); err == nil {
		fmt.Printf("| server RSS after the replies (peak) | %s (%s) |\n", mib(rss), mib(peak))
	}
	if o.relayIdle > 0 {
		time.Sleep(o.relayIdle)
		if rss, _, err := srv.rss(); err == nil {
			fmt.Printf("| server RSS after %s quiet, customers still connected | %s |\n", o.relayIdle, mib(rss))
		}
	}
	fmt.Println()
	return nil
}

// serverGoCounters reads the bytes the server allocated and its garbage
// collections so far from /metrics.
func serverGoCounters(url string) (alloc, gcs float64, err error) {
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	found := 0
	for sc.Scan() {
		name, value, _ := strings.Cut(sc.Text(), " ")
		v, err := strconv.ParseFloat(value, 64)
		switch {
		case err != nil:
		case name == "relais_go_alloc_bytes_total":
			alloc, found = v, found+1
		case name == "relais_go_gc_cycles_total":
			gcs, found = v, found+1
		}
	}
	if found != 2 {
		return 0, 0, fmt.Errorf("no allocation counters in /metrics")
	}
	return alloc, gcs, sc.Err()
}

// serverRelayQuantiles reads relais_agent_relay_seconds from /metrics and
// returns the upper bounds of the buckets holding its median and 99th percentile.
func serverRelayQuantiles(url string) (q50, q99 string, err error) {
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		return "", "", err
	}
	defer resp.Body.Close()
	type bucket struct {
		le string
		n  float64
	}
	var buckets []bucket
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), `relais_agent_relay_seconds_bucket{le="`)
		if !ok {
			continue
		}
		le, count, ok := strings.Cut(line, `"} `)
		n, err := strconv.ParseFloat(count, 64)
		if !ok || err != nil {
			return "", "", fmt.Errorf("bad histogram line %q", sc.Text())
		}
		buckets = append(buckets, bucket{le, n})
	}
	if len(buckets) == 0 || buckets[len(buckets)-1].n == 0 {
		return "", "", fmt.Errorf("no relay histogram")
	}
	total := buckets[len(buckets)-1].n
	at := func(q float64) string {
		for _, b := range buckets {
			if b.n >= q*total {
				if b.le == "+Inf" {
					return b.le
				}
				s, _ := strconv.ParseFloat(b.le, 64)
				return ms(time.Duration(s * float64(time.Second)))
			}
		}
		return "+Inf"
	}
	return at(0.5), at(0.99), sc.Err()
}

// waitThreads waits until every customer's hand-over has a thread and
// returns the thread ts of each customer id.
func waitThreads(fake *slackfake.Server, n int) (map[int]string, error) {
	threads := map[int]string{}
	_, ok := fake.WaitFor(5*time.Minute, func(st slackfake.State) bool {
		for _, m := range st.Messages {
			if m.ThreadTS == "" || m.ThreadTS == m.TS {
				continue
			}
			if i := strings.Index(m.Text, "ref c"); i >= 0 {
				rest := m.Text[i+5:]
				if j := strings.IndexByte(rest, '.'); j > 0 {
					if id, err := strconv.Atoi(rest[:j]); err == nil {
						threads[id] = m.ThreadTS
					}
				}
			}
		}
		return len(threads) >= n
	})
	if !ok {
		return nil, fmt.Errorf("only %d of %d hand-overs reached Slack", len(threads), n)
	}
	return threads, nil
}
