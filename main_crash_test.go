package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/relaisbot/relais/handoff/slack"
	"github.com/relaisbot/relais/handoff/slack/slackfake"
)

var crashSeed = flag.Uint64("crash.seed", 0, "seed of the crash test's kill schedule and customers (0: random)")

// The crash test's workload.
const (
	crashCustomers    = 30               // widget customers
	crashMessages     = 4                // messages each customer sends
	crashKills        = 5                // SIGKILLs of the server
	crashKillWindow   = 12 * time.Second // kills happen within this time of the start (customers write for about as long)
	crashAgentReplies = 2                // agent replies in each hand-over thread
	crashSettle       = 40 * time.Second // longest wait for everything to be delivered after the last kill
)

// TestCrashKillRestart is the crash test: the real binary, widget customers
// speaking the widget protocol like widget.js (keep the token, resend
// unacknowledged messages with the same client_id after reconnecting, hello
// with the last id seen), a fake Slack whose agent answers every hand-over,
// and SIGKILLs at random moments, each followed by a restart on the same
// database and port. At the end every customer message is stored once and
// answered or relayed, every agent reply is stored once and reached its
// customer exactly once (or is marked failed), and no outbox item is left.
//
// The binary is built with the test binary's -race setting, so under
// `go test -race` the server itself is checked for data races (and its
// dependencies are already compiled for it).
func TestCrashKillRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the crash test builds and kills the real binary")
	}
	seed := *crashSeed
	if seed == 0 {
		seed = rand.Uint64()
	}
	t.Logf("seed %d (go test -run TestCrashKillRestart -crash.seed=%d)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, 0))

	bin := buildRelais(t)
	fake := newFakeSlack(t)
	fake.RetryUnacked(time.Second, 10) // Slack sends an event again until the app acks it
	dir := t.TempDir()
	env := slackEnv(fake)
	env["RELAIS_ADDR"] = "127.0.0.1:" + freePort(t)
	env["RELAIS_DB"] = filepath.Join(dir, "relais.db")
	env["RELAIS_LOG_LEVEL"] = "info"
	// All customers come from 127.0.0.1: the per-address limits would refuse most of them.
	for _, k := range []string{"RELAIS_WIDGET_CONNECTIONS_PER_IP", "RELAIS_WIDGET_NEW_CONVERSATIONS_PER_IP", "RELAIS_WIDGET_MESSAGES_PER_MINUTE"} {
		env[k] = "0"
	}
	srv := &server{t: t, bin: bin, env: env, logPath: filepath.Join(dir, "relais.log")}
	srv.start()
	t.Cleanup(srv.kill) // if the test fails half-way
	url := "ws://" + env["RELAIS_ADDR"] + "/widget/ws"

	ctx, stopCustomers := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer wg.Wait()
	defer stopCustomers()
	activity := make(chan struct{}, 1) // a customer or the agent just wrote
	customers := make([]*customer, crashCustomers)
	for i := range customers {
		c := newCustomer(i, url, rng.Uint64(), activity)
		customers[i] = c
		wg.Go(func() { c.run(ctx) })
	}
	agent := &agent{fake: fake, rng: rand.New(rand.NewPCG(rng.Uint64(), 1)), replied: map[string]bool{}, activity: activity}
	agentCtx, stopAgent := context.WithCancel(ctx)
	wg.Go(func() { agent.run(agentCtx) })

	// The kills: one in each slice of the window, at a random moment, or a
	// few milliseconds after a customer or the agent wrote (so that kills
	// land while a message is being stored, answered or relayed).
	start := time.Now()
	slice := crashKillWindow / crashKills
	for i := range crashKills {
		at := start.Add(time.Duration(i)*slice + time.Duration(rng.Int64N(int64(slice))))
		time.Sleep(time.Until(at))
		if i%2 == 0 {
			select { // forget older activity
			case <-activity:
			default:
			}
			select {
			case <-activity:
			case <-time.After(slice):
			}
			time.Sleep(time.Duration(rng.Int64N(int64(15 * time.Millisecond))))
		}
		srv.kill()
		srv.start()
	}
	lastStart := time.Now()

	// Settle: customers finish, agents answer every thread, the outbox drains.
	db := openSQL(t, env["RELAIS_DB"])
	var why string
	for deadline := time.Now().Add(crashSettle); ; {
		if why = settled(db, customers, agent); why == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("not settled %v after the last restart: %s", crashSettle, why)
			break
		}
		if os.Getenv("CRASH_DEBUG") != "" {
			t.Logf("%v: %s", time.Since(lastStart).Round(time.Millisecond), why)
		}
		time.Sleep(250 * time.Millisecond)
	}
	settle := time.Since(lastStart)
	stopAgent()
	stopCustomers()
	wg.Wait()
	srv.stop()

	st := fake.State()
	counts := checkCrash(t, db, customers, agent, st, srv.kills)
	counts["kills"], counts["restarts"] = len(srv.kills), srv.starts-1
	counts["answered at a restart"] = srv.answeredAtStart()
	for _, d := range st.Deliveries {
		if d.Retry > 0 {
			counts["slack event retries"]++
		}
	}
	t.Logf("crash test: %s; settled %v after the last restart, %v in all",
		formatCounts(counts), settle.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	srv.checkLog()
	if os.Getenv("CRASH_DEBUG") != "" {
		b, _ := os.ReadFile(srv.logPath)
		for _, l := range strings.Split(string(b), "\n") {
			if strings.Contains(l, "level=WARN") || strings.Contains(l, "level=ERROR") || strings.Contains(l, "unanswered") || strings.HasPrefix(l, "===") {
				t.Log(l)
			}
		}
	}
}

// server is the relais binary run as a subprocess, killed and restarted on
// the same database and address.
type server struct {
	t       *testing.T
	bin     string
	env     map[string]string
	logPath string

	mu     sync.Mutex
	cmd    *exec.Cmd
	done   chan struct{} // closed once the process has exited
	starts int
	kills  []time.Time
}

// start starts the server and waits until it serves.
func (s *server) start() {
	s.t.Helper()
	log, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		s.t.Fatal(err)
	}
	defer log.Close()
	fmt.Fprintf(log, "=== start %d\n", s.starts+1)
	cmd := exec.Command(s.bin, "serve")
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "RELAIS_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	for k, v := range s.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stderr = log
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		s.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("start %s: %v", s.bin, err)
	}
	done, up := make(chan struct{}), make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "Relais is running") {
				close(up)
			}
		}
		cmd.Wait()
		close(done)
	}()
	s.mu.Lock()
	s.cmd, s.done = cmd, done
	s.starts++
	s.mu.Unlock()
	select {
	case <-up:
	case <-done:
		s.t.Fatalf("relais exited before serving (%v); log:\n%s", cmd.ProcessState, s.tail())
	case <-time.After(30 * time.Second):
		s.t.Fatalf("relais did not serve within 30s; log:\n%s", s.tail())
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (s *server) kill() {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	select {
	case <-done:
		return
	default:
	}
	cmd.Process.Signal(syscall.SIGKILL)
	<-done
	s.mu.Lock()
	s.kills = append(s.kills, time.Now())
	s.mu.Unlock()
}

// stop asks the server to shut down (SIGTERM) and checks that it does, cleanly.
func (s *server) stop() {
	s.t.Helper()
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
		if !s.cmd.ProcessState.Success() {
			s.t.Errorf("relais exited with %v after SIGTERM; log:\n%s", s.cmd.ProcessState, s.tail())
		}
	case <-time.After(20 * time.Second):
		s.kill()
		s.t.Errorf("relais did not stop within 20s of SIGTERM; log:\n%s", s.tail())
	}
}

// checkLog fails on data races and panics in any run of the server.
func (s *server) checkLog() {
	b, err := os.ReadFile(s.logPath)
	if err != nil {
		s.t.Fatal(err)
	}
	for _, bad := range []string{"WARNING: DATA RACE", "panic:", "fatal error:"} {
		if strings.Contains(string(b), bad) {
			s.t.Errorf("the server's log has %q:\n%s", bad, s.tail())
		}
	}
}

// answeredAtStart returns how many messages stored but left unanswered by a
// killed server its successor answered.
func (s *server) answeredAtStart() int {
	b, _ := os.ReadFile(s.logPath)
	n := 0
	for _, line := range strings.Split(string(b), "\n") {
		if _, count, ok := strings.Cut(line, "answered messages left unanswered count="); ok {
			var c int
			fmt.Sscan(count, &c)
			n += c
		}
	}
	return n
}

// tail returns the end of the server's log.
func (s *server) tail() string {
	b, _ := os.ReadFile(s.logPath)
	if len(b) > 8000 {
		b = b[len(b)-8000:]
	}
	return string(b)
}

// buildRelais builds the relais binary with the test binary's race setting
// and build tags.
func buildRelais(t *testing.T) string {
	t.Helper()
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goTool); err != nil {
		if goTool, err = exec.LookPath("go"); err != nil {
			t.Skip("no go command to build the binary with")
		}
	}
	bin := filepath.Join(t.TempDir(), "relais")
	args := []string{"build", "-o", bin}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			switch {
			case s.Key == "-race" && s.Value == "true":
				args = append(args, "-race")
			case s.Key == "-tags" && s.Value != "":
				args = append(args, "-tags", s.Value)
			}
		}
	}
	start := time.Now()
	out, err := exec.Command(goTool, append(args, ".")...).CombinedOutput()
	if err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	t.Logf("go %s: %v", strings.Join(args, " "), time.Since(start).Round(time.Millisecond))
	return bin
}

// freePort returns a TCP port free on 127.0.0.1 right now.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

// openSQL opens the server's database for queries, read-only.
func openSQL(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=10000&_query_only=1")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// agent plays Marie in Slack: once a hand-over thread has its transcript, she
// writes crashAgentReplies replies in it, each with a unique text, a moment
// apart.
type agent struct {
	fake     *slackfake.Server
	rng      *rand.Rand
	activity chan<- struct{}

	mu      sync.Mutex
	replied map[string]bool // thread ts → replies scheduled
	replies []agentReply
}

type agentReply struct {
	thread, ts, text string
	at               time.Time
}

func (a *agent) run(ctx context.Context) {
	type planned struct {
		at     time.Time
		thread string
	}
	var plan []planned
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			st := a.fake.State()
			for _, p := range st.Posts() {
				if p.Channel != agentsChannel || p.ThreadTS != "" || !strings.Contains(p.Blocks, slack.ActionClaim) ||
					a.replied[p.TS] || len(st.Thread(agentsChannel, p.TS)) == 0 {
					continue // not a thread with its transcript, or done already
				}
				a.replied[p.TS] = true
				for i := range crashAgentReplies {
					delay := time.Duration(i)*2*time.Second + time.Duration(a.rng.Int64N(int64(2*time.Second)))
					plan = append(plan, planned{now.Add(delay), p.TS})
				}
			}
			slices.SortFunc(plan, func(x, y planned) int { return x.at.Compare(y.at) })
			for len(plan) > 0 && !plan[0].at.After(now) {
				a.mu.Lock()
				text := fmt.Sprintf("Marie here, answer a%03d", len(a.replies)+1)
				_, ts := a.fake.AgentReply(agentsChannel, plan[0].thread, "U0MARIE", text)
				a.replies = append(a.replies, agentReply{thread: plan[0].thread, ts: ts, text: text, at: now})
				a.mu.Unlock()
				poke(a.activity)
				plan = plan[1:]
			}
		}
	}
}

// sent returns the replies written so far, and whether more are planned.
func (a *agent) sent() []agentReply {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.replies)
}

func formatCounts(c map[string]int) string {
	keys := []string{"customers", "messages sent", "acks", "resends", "reconnects", "kills", "restarts",
		"answered at a restart", "handed over", "agent replies", "slack event retries", "delivered", "raw duplicates",
		"failed", "outbox done", "outbox failed", "outbox pending", "slack posts", "duplicate posts after a kill"}
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, c[k]))
	}
	return strings.Join(parts, ", ")
}

// customer is a widget customer behaving like widget.js: it keeps its token,
// keeps each message until it is acknowledged and sends it again with the
// same client_id after every reconnect, says hello with the last id it has,
// and deduplicates messages by id (counting repeats, which must not happen).
// It writes its messages one at a time, a few seconds apart; one written
// while disconnected is sent once the connection is back.
type customer struct {
	idx      int
	url      string
	lang     string
	texts    []string // what it writes, in order
	rng      *rand.Rand
	activity chan<- struct{}

	mu       sync.Mutex
	token    string
	lastID   int64
	received map[int64]int // message id → times received
	pending  []int         // indexes in texts sent and not yet acknowledged
	acked    map[int]int64 // index in texts → stored message id
	next     int           // index in texts of the next message to write
	nextAt   time.Time     // when to write it (zero: after the previous one is acknowledged)
	resends  int           // message frames sent again
	sessions int           // WebSocket sessions opened
	refused  []string      // error frames other than "try again later" ones
}

// Questions customers ask; every third customer asks for a person second.
var (
	crashQuestions = map[string][]string{
		"en": {"Where is my parcel?", "How do I return an item?", "How long does delivery take?", "When will I get my refund?"},
		"fr": {"Où est mon colis ?", "Comment retourner un article ?", "Combien de temps prend la livraison ?", "Quand serai-je remboursé ?"},
	}
	crashHuman = map[string]string{"en": "I want to talk to a human", "fr": "Je veux parler à un conseiller"}
)

func newCustomer(idx int, url string, seed uint64, activity chan<- struct{}) *customer {
	c := &customer{idx: idx, url: url, lang: []string{"en", "fr"}[idx%2], rng: rand.New(rand.NewPCG(seed, uint64(idx))),
		activity: activity, received: map[int64]int{}, acked: map[int]int64{}}
	for m := range crashMessages {
		text := crashQuestions[c.lang][(idx+m)%len(crashQuestions[c.lang])]
		if idx%3 == 0 && m == 1 {
			text = crashHuman[c.lang]
		}
		c.texts = append(c.texts, text+" "+c.tag(m)) // the tag makes every text unique, in Slack too
	}
	c.nextAt = time.Now().Add(time.Duration(c.rng.Int64N(int64(2 * time.Second))))
	return c
}

// tag identifies message m of the customer in texts.
func (c *customer) tag(m int) string { return fmt.Sprintf("c%02dm%d", c.idx, m) }

func (c *customer) clientID(m int) string { return fmt.Sprintf("crash-%02d-%d", c.idx, m) }

// run connects, and reconnects, until ctx ends.
func (c *customer) run(ctx context.Context) {
	backoff := 100 * time.Millisecond
	for {
		if c.session(ctx) {
			backoff = 100 * time.Millisecond
		}
		// A random wait before reconnecting, growing, as the widget does (shorter).
		c.mu.Lock()
		wait := backoff/2 + time.Duration(c.rng.Int64N(int64(backoff/2)))
		c.mu.Unlock()
		backoff = min(2*backoff, time.Second)
		if !sleepCtx(ctx, wait) {
			return
		}
	}
}

// session runs one WebSocket connection until it fails or ctx ends, and
// reports whether it was welcomed.
func (c *customer) session(ctx context.Context) (welcomed bool) {
	dctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	conn, _, err := websocket.Dial(dctx, c.url, nil)
	cancel()
	if err != nil {
		return false
	}
	var reader sync.WaitGroup
	defer reader.Wait()
	defer conn.CloseNow()
	done := make(chan struct{})
	defer close(done)
	frames := make(chan frame)
	reader.Go(func() {
		defer close(frames)
		for {
			var f frame
			if err := wsjson.Read(context.Background(), conn, &f); err != nil {
				return
			}
			select {
			case frames <- f:
			case <-done:
				return
			}
		}
	})
	write := func(vs []any) bool {
		for _, v := range vs {
			wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			err := wsjson.Write(wctx, conn, v)
			cancel()
			if err != nil {
				return false
			}
		}
		return true
	}
	if !write([]any{c.hello()}) {
		return false
	}
	var retry <-chan time.Time // when to send unacknowledged messages again
	welcomeBy := time.After(10 * time.Second)
	for {
		var typed <-chan time.Time // when the customer writes the next message
		if at := c.typedAt(); welcomed && !at.IsZero() {
			typed = time.After(time.Until(at))
		}
		select {
		case <-ctx.Done():
			return welcomed
		case <-welcomeBy:
			if !welcomed {
				return false
			}
		case <-retry:
			retry = nil
			if !write(c.unacked()) {
				return welcomed
			}
		case <-typed:
			if !write(c.write()) {
				return welcomed
			}
			poke(c.activity)
		case f, ok := <-frames:
			if !ok {
				return welcomed
			}
			welcomed = welcomed || f.Type == "welcome"
			out, again := c.onFrame(f)
			if !write(out) {
				return welcomed
			}
			if again {
				retry = time.After(time.Second)
			}
		}
	}
}

func (c *customer) hello() any {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sessions++
	return map[string]any{"type": "hello", "token": c.token, "lang": c.lang, "after": c.lastID}
}

func (c *customer) message(m int) any {
	return map[string]any{"type": "message", "client_id": c.clientID(m), "text": c.texts[m]}
}

// onFrame takes a frame in and returns the frames to send now, and whether
// to send the unacknowledged messages again in a moment.
func (c *customer) onFrame(f frame) (out []any, again bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch f.Type {
	case "welcome":
		c.token = f.Token
		for _, m := range f.Messages {
			c.see(m)
		}
		for _, m := range c.pending { // unacknowledged: send again, same client_id
			out = append(out, c.message(m))
			c.resends++
		}
	case "message":
		var m wireMessage
		if json.Unmarshal(f.Message, &m) == nil {
			c.see(m)
		}
	case "ack":
		for i, m := range c.pending {
			if c.clientID(m) == f.ClientID {
				c.acked[m] = f.ID
				c.pending = slices.Delete(c.pending, i, i+1)
				break
			}
		}
		if len(c.pending) == 0 && c.next < len(c.texts) && c.nextAt.IsZero() {
			think := 2*time.Second + time.Duration(c.rng.Int64N(int64(2500*time.Millisecond)))
			c.nextAt = time.Now().Add(think)
		}
	case "error":
		switch f.Code {
		case "rate_limited", "internal":
			again = true // keep the message; send it again later
		default:
			c.refused = append(c.refused, f.Code+" "+f.ClientID)
		}
	}
	return out, again
}

// typedAt returns when the customer writes the next message (zero: not yet known).
func (c *customer) typedAt() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nextAt
}

// write returns the next message, now pending.
func (c *customer) write() []any {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.nextAt = time.Time{}
	if c.next == len(c.texts) {
		return nil
	}
	c.pending = append(c.pending, c.next)
	c.next++
	return []any{c.message(c.next - 1)}
}

// unacked returns the unacknowledged messages, to send again.
func (c *customer) unacked() []any {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []any
	for _, m := range c.pending {
		out = append(out, c.message(m))
		c.resends++
	}
	return out
}

// see records a message received. Call with mu held.
func (c *customer) see(m wireMessage) {
	c.received[m.ID]++
	c.lastID = max(c.lastID, m.ID)
}

// done reports whether the customer has written everything and had it acknowledged.
func (c *customer) done() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.next == len(c.texts) && len(c.pending) == 0
}

// poke sends on ch without blocking.
func poke(ch chan<- struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// sleepCtx sleeps for d, or until ctx ends (then it returns false).
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// dbMessage is a stored message, with its conversation's customer.
type dbMessage struct {
	id, conv, replyTo     int64
	key, role, externalID string
	handled               bool
}

type dbOutbox struct {
	kind, status, lastError string
	messageID               int64
}

// loadState reads every message and outbox item, and the desk threads
// (conversation id → thread ts).
func loadState(db *sql.DB) ([]dbMessage, []dbOutbox, map[int64]string, error) {
	rows, err := db.Query(`SELECT m.id, m.conversation_id, COALESCE(m.reply_to, 0), c.customer_key, m.role,
		COALESCE(m.external_id, ''), m.handled FROM messages m JOIN conversations c ON c.id = m.conversation_id ORDER BY m.id`)
	if err != nil {
		return nil, nil, nil, err
	}
	var msgs []dbMessage
	for rows.Next() {
		var m dbMessage
		if err := rows.Scan(&m.id, &m.conv, &m.replyTo, &m.key, &m.role, &m.externalID, &m.handled); err != nil {
			rows.Close()
			return nil, nil, nil, err
		}
		msgs = append(msgs, m)
	}
	rows.Close()
	rows, err = db.Query(`SELECT kind, status, last_error, COALESCE(message_id, 0) FROM outbox ORDER BY id`)
	if err != nil {
		return nil, nil, nil, err
	}
	var items []dbOutbox
	for rows.Next() {
		var it dbOutbox
		if err := rows.Scan(&it.kind, &it.status, &it.lastError, &it.messageID); err != nil {
			rows.Close()
			return nil, nil, nil, err
		}
		items = append(items, it)
	}
	rows.Close()
	rows, err = db.Query(`SELECT conversation_id, thread FROM desk_threads`)
	if err != nil {
		return nil, nil, nil, err
	}
	defer rows.Close()
	threads := map[int64]string{}
	for rows.Next() {
		var id int64
		var ts string
		if err := rows.Scan(&id, &ts); err != nil {
			return nil, nil, nil, err
		}
		threads[id] = ts
	}
	return msgs, items, threads, rows.Err()
}

// handoffThreads returns the hand-over threads that have their transcript
// (parent ts → conversation id).
func handoffThreads(st slackfake.State) map[string]string {
	out := map[string]string{}
	for _, p := range st.Posts() {
		if conv := buttonValue(p.Blocks, slack.ActionClaim); conv != "" && p.ThreadTS == "" && len(st.Thread(agentsChannel, p.TS)) > 0 {
			out[p.TS] = conv
		}
	}
	return out
}

// buttonValue returns the value of the button actionID in blocks, or "".
func buttonValue(blocks, actionID string) string {
	var bs []struct {
		Elements []struct {
			ActionID string `json:"action_id"`
			Value    string `json:"value"`
		} `json:"elements"`
	}
	if json.Unmarshal([]byte(blocks), &bs) != nil {
		return ""
	}
	for _, b := range bs {
		for _, e := range b.Elements {
			if e.ActionID == actionID {
				return e.Value
			}
		}
	}
	return ""
}

// reacted returns the reaction names on the message ts.
func reacted(st slackfake.State, ts string) []string {
	var names []string
	for _, r := range st.Reactions {
		if r.TS == ts {
			names = append(names, r.Name)
		}
	}
	return names
}

// settled returns "" once everything is delivered, or what is still missing.
func settled(db *sql.DB, customers []*customer, a *agent) string {
	for _, c := range customers {
		if !c.done() {
			return fmt.Sprintf("customer %d has not had all its messages acknowledged", c.idx)
		}
	}
	msgs, items, _, err := loadState(db)
	if err != nil {
		return err.Error()
	}
	for _, m := range msgs {
		if m.role == "customer" && !m.handled {
			return fmt.Sprintf("message %d not answered", m.id)
		}
	}
	for _, it := range items {
		if it.status == "pending" {
			return fmt.Sprintf("outbox items pending (%s…)", it.kind)
		}
	}
	st := a.fake.State()
	replies := a.sent()
	perThread := map[string]int{}
	for _, r := range replies {
		perThread[r.thread]++
	}
	for ts := range handoffThreads(st) {
		if perThread[ts] < crashAgentReplies {
			return fmt.Sprintf("thread %s has %d agent replies so far", ts, perThread[ts])
		}
	}
	stored := map[string]bool{}
	for _, m := range msgs {
		if m.role == "agent" {
			stored[m.externalID] = true
		}
	}
	for _, r := range replies {
		if !stored["slack:"+agentsChannel+":"+r.ts] {
			return fmt.Sprintf("agent reply %s not stored", r.ts)
		}
		if marks := reacted(st, r.ts); !slices.Contains(marks, "white_check_mark") && !slices.Contains(marks, "x") {
			return fmt.Sprintf("agent reply %s has no delivery mark (%v)", r.ts, marks)
		}
	}
	for _, c := range customers {
		c.mu.Lock()
		key := widgetKey(c.token)
		for _, m := range msgs {
			if m.key == key && c.received[m.id] == 0 {
				c.mu.Unlock()
				return fmt.Sprintf("customer %d has not received message %d (%s)", c.idx, m.id, m.role)
			}
		}
		c.mu.Unlock()
	}
	return ""
}

// checkCrash checks the end state and returns the counts to print.
func checkCrash(t *testing.T, db *sql.DB, customers []*customer, a *agent, st slackfake.State, kills []time.Time) map[string]int {
	t.Helper()
	msgs, items, threads, err := loadState(db)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{"customers": len(customers), "handed over": len(threads), "slack posts": len(st.Posts())}
	byExternal := map[string][]dbMessage{}
	answered := map[int64]bool{} // customer messages with a bot reply, or relayed to the desk
	rows := map[string]int{}     // stored messages by role
	for _, m := range msgs {
		rows[m.role]++
		if m.externalID != "" {
			byExternal[m.externalID] = append(byExternal[m.externalID], m)
		}
		if m.role == "bot" && m.replyTo != 0 {
			answered[m.replyTo] = true
		}
	}
	for _, it := range items {
		counts["outbox "+it.status]++
		if it.kind == "customer_message" {
			answered[it.messageID] = true
		}
		if it.status != "done" {
			t.Errorf("outbox %s item for message %d is %s: %s", it.kind, it.messageID, it.status, it.lastError)
		}
	}

	// Every customer message is stored once, as acknowledged, and answered or relayed.
	byKey := map[string]*customer{}
	conv := map[string]int64{} // customer tag → conversation
	for _, c := range customers {
		c.mu.Lock()
		key := widgetKey(c.token)
		byKey[key] = c
		counts["acks"] += len(c.acked)
		counts["resends"] += c.resends
		counts["reconnects"] += c.sessions - 1
		if len(c.refused) > 0 {
			t.Errorf("customer %d: messages refused: %v", c.idx, c.refused)
		}
		for i, text := range c.texts {
			counts["messages sent"]++
			got := byExternal[key[:32]+":"+c.clientID(i)]
			switch {
			case len(got) != 1:
				t.Errorf("customer %d: %q stored %d times, want once", c.idx, text, len(got))
				continue
			case got[0].id != c.acked[i]:
				t.Errorf("customer %d: %q acknowledged as message %d, stored as %d", c.idx, text, c.acked[i], got[0].id)
			case !got[0].handled || !answered[got[0].id]:
				t.Errorf("customer %d: %q (message %d) neither answered nor relayed", c.idx, text, got[0].id)
			}
			conv[c.tag(i)] = got[0].conv
		}
		for id, n := range c.received {
			if n > 1 {
				counts["raw duplicates"] += n - 1
				t.Errorf("customer %d received message %d %d times (hello with after must prevent repeats)", c.idx, id, n)
			}
		}
		c.mu.Unlock()
	}
	if rows["customer"] != counts["messages sent"] {
		t.Errorf("%d customer messages stored, %d sent", rows["customer"], counts["messages sent"])
	}

	// Every agent reply is stored once, and reached its customer exactly once
	// (marked ✅) or is marked failed (❌).
	replies := a.sent()
	counts["agent replies"] = len(replies)
	if rows["agent"] != len(replies) {
		t.Errorf("%d agent messages stored, %d written in Slack", rows["agent"], len(replies))
	}
	for _, r := range replies {
		got := byExternal["slack:"+agentsChannel+":"+r.ts]
		if len(got) != 1 {
			t.Errorf("agent reply %q stored %d times, want once", r.text, len(got))
			continue
		}
		received := 0
		if c := byKey[got[0].key]; c != nil {
			c.mu.Lock()
			received = c.received[got[0].id]
			c.mu.Unlock()
		}
		marks := reacted(st, r.ts)
		switch {
		case received == 1 && slices.Contains(marks, "white_check_mark"):
			counts["delivered"]++
		case slices.Contains(marks, "x"):
			counts["failed"]++
		default:
			t.Errorf("agent reply %q reached its customer %d times; marks %v", r.text, received, marks)
		}
	}

	// Slack got each desk item once: one parent per conversation, each
	// customer message once in its thread. Slack has no idempotency key, so an
	// item posted right before a kill (not yet marked done) is posted again
	// after the restart: such a repeat is counted, any other one fails.
	afterKill := func(ts string) bool {
		var sec, micro int64
		fmt.Sscanf(ts, "%d.%d", &sec, &micro)
		posted := time.UnixMicro(sec*1_000_000 + micro)
		for _, k := range kills {
			if !k.Before(posted) && k.Sub(posted) < 2*time.Second {
				return true
			}
		}
		return false
	}
	repeated := map[string]bool{}
	repeat := func(first, again slackfake.Message, what string) {
		if !afterKill(first.TS) {
			t.Errorf("%s posted twice in Slack (%s, %s), not explained by a kill", what, first.TS, again.TS)
		}
		repeated[again.TS] = true
	}
	parents := map[string][]slackfake.Message{}
	for _, p := range st.Posts() {
		if id := buttonValue(p.Blocks, slack.ActionClaim); id != "" && p.ThreadTS == "" {
			parents[id] = append(parents[id], p)
		}
	}
	for id, ps := range parents {
		for _, p := range ps[1:] {
			repeat(ps[0], p, "the hand-over of conversation "+id)
		}
	}
	for tag, id := range conv {
		var posts []slackfake.Message
		for _, p := range st.Posts() {
			if strings.Contains(p.Text, tag) {
				posts = append(posts, p)
			}
		}
		thread := threads[id]
		switch {
		case thread == "" && len(posts) > 0:
			t.Errorf("message %s posted in Slack, but its conversation was never handed over", tag)
		case thread != "" && len(posts) == 0:
			t.Errorf("message %s of a handed-over conversation never reached the agents", tag)
		}
		for i, p := range posts {
			if p.ThreadTS != thread {
				t.Errorf("message %s posted in thread %q, want %q", tag, p.ThreadTS, thread)
			}
			if i > 0 {
				repeat(posts[0], p, "message "+tag)
			}
		}
	}
	counts["duplicate posts after a kill"] = len(repeated)
	return counts
}
