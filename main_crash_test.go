package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

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
