package storage

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"

	"github.com/mattn/go-sqlite3"
)

// driverName is the go-sqlite3 driver with Relais's per-connection setup:
// wal_autocheckpoint=0, which the DSN cannot set.
const driverName = "relais-sqlite3"

func init() {
	sql.Register(driverName, &sqlite3.SQLiteDriver{
		ConnectHook: func(c *sqlite3.SQLiteConn) error {
			_, err := c.Exec(`PRAGMA wal_autocheckpoint=0`, nil)
			return err
		},
	})
}

const (
	// checkpointInterval is the least time between two background checkpoints.
	checkpointInterval = time.Second
	// restartFrames is the write-ahead log size (in pages) beyond which a
	// checkpoint that could not copy everything is retried in RESTART mode.
	restartFrames = 16384 // 64 MiB of 4 KiB pages
	// catchUpFrames is the write-ahead log size (in pages) from which a
	// background pass is followed by a catch-up on the write connection.
	catchUpFrames = 8192 // 32 MiB
)

// CheckpointStats counts the background checkpoints since Open.
type CheckpointStats struct {
	Passive  int64 // PASSIVE checkpoints run
	CatchUp  int64 // PASSIVE checkpoints run on the write connection after one, for what was committed meanwhile
	Restart  int64 // RESTART checkpoints run because the log had grown past restartFrames
	Failures int64 // checkpoints that returned an error
	// LogFrames and Copied are the write-ahead log's size and the frames
	// copied into the database, both in pages, after the latest checkpoint.
	LogFrames, Copied int64
	LastError         string // the latest failure, "" if none
}

// checkpointer copies the write-ahead log into the database file in the
// background. SQLite's automatic checkpoint runs inside the commit that
// takes the log past 1,000 pages, so one commit in a few hundred waited for
// the checkpoint's fsyncs: a customer's message then took 10 ms instead of
// 1. Connections are opened with wal_autocheckpoint=0, and this goroutine,
// woken by commits, runs a PASSIVE checkpoint on a connection of its own at
// most once per interval; a passive checkpoint never blocks the writer. If
// long readers kept it from catching up and the log passed restartFrames, a
// RESTART checkpoint (which waits for readers and holds writers meanwhile)
// brings it back, as litestream does.
//
// SQLite starts the log over only when a transaction begins with the whole
// log copied. Under steady writes a background pass never gets there (it
// copies what was committed when it started; what is committed meanwhile is
// left), and the log grew to the RESTART bound every few seconds, each
// RESTART holding writers for tens of milliseconds. So a pass is followed by
// a catch-up on the write connection, between two transactions: it copies
// only what the pass left (nothing, without syncing, if it left nothing).
// The catch-up holds the writer for its two fsyncs (3–4 ms on a VM's disk),
// so it waits until the log reaches catchUpFrames, half the RESTART bound:
// at the relay benchmark's write rate it runs every two or three seconds
// instead of every second (at a low rate, every few minutes; a pass that
// copies everything because no commit came meanwhile lets the next commit
// start the log over anyway). The log file keeps its largest size (no
// journal_size_limit): about 32 MiB under steady writes, more if a RESTART
// was needed, until an erasure truncates it.
type checkpointer struct {
	conn   *sql.DB
	writer *sql.DB // the write connection, for catch-ups; nil: none
	// afterPass, if set, is told the log and copied frames of each pass (tests).
	afterPass func(log, copied int64)
	interval  time.Duration
	restart   int64 // log pages from which a RESTART checkpoint runs
	catchUp   int64 // log pages from which a catch-up runs (at least 1)
	wake      chan struct{}
	quit      chan struct{}
	stop      sync.Once
	wg        sync.WaitGroup
	busy      sync.Mutex // one checkpoint at a time: background or truncate

	mu    sync.Mutex
	stats CheckpointStats
}

func newCheckpointer(conn, writer *sql.DB, interval time.Duration) *checkpointer {
	cp := &checkpointer{conn: conn, writer: writer, interval: interval, restart: restartFrames, catchUp: catchUpFrames,
		wake: make(chan struct{}, 1), quit: make(chan struct{})}
	cp.wg.Go(cp.run)
	return cp
}

// wrote tells the checkpointer that a transaction was committed. It does
// nothing before the checkpointer exists (migrations).
func (cp *checkpointer) wrote() {
	if cp == nil {
		return
	}
	select {
	case cp.wake <- struct{}{}:
	default:
	}
}

// close stops the checkpointer after the checkpoint under way. Closing the
// last connection checkpoints whatever is left.
func (cp *checkpointer) close() {
	cp.stop.Do(func() { close(cp.quit) })
	cp.wg.Wait()
}

func (cp *checkpointer) run() {
	// Not at once: the first commits are the start-up's (migrations, the
	// FAQ seed), and the server is not ready yet.
	last := time.Now()
	for {
		select {
		case <-cp.wake:
		case <-cp.quit:
			return
		}
		if wait := cp.interval - time.Since(last); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-cp.quit:
				t.Stop()
				return
			}
		}
		last = time.Now()
		cp.checkpoint(context.Background())
	}
}

// checkpoint runs one PASSIVE checkpoint, then its catch-up on the write
// connection, and a RESTART one if the log is too long to wait for the
// next: a complete checkpoint does not guarantee that the next writer starts
// the log over (a reader may still use it), RESTART waits until it can.
func (cp *checkpointer) checkpoint(ctx context.Context) {
	cp.busy.Lock()
	defer cp.busy.Unlock()
	log, copied, err := cp.run1(ctx, cp.conn, modePassive)
	if cp.afterPass != nil {
		cp.afterPass(log, copied)
	}
	if err == nil && log >= cp.catchUp && cp.writer != nil {
		log, copied, err = cp.run1(ctx, cp.writer, modeCatchUp)
	}
	if err == nil && log >= cp.restart {
		log, copied, err = cp.run1(ctx, cp.conn, modeRestart)
	}
	cp.record(log, copied, err)
}

// truncate checkpoints the whole log and truncates it to zero bytes, so that
// erased data does not linger in it, retrying while readers or writers keep
// it busy.
func (cp *checkpointer) truncate(ctx context.Context) error {
	cp.busy.Lock()
	defer cp.busy.Unlock()
	var err error
	for attempt := range 5 {
		if attempt > 0 {
			select {
			case <-time.After(time.Duration(attempt) * 50 * time.Millisecond):
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		var log, copied int64
		if log, copied, err = cp.run1(ctx, cp.conn, modeTruncate); err == nil {
			cp.record(log, copied, nil)
			return nil
		}
	}
	cp.record(0, 0, err)
	return err
}

func (cp *checkpointer) record(log, copied int64, err error) {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	if err != nil {
		cp.stats.Failures++
		cp.stats.LastError = err.Error()
		return
	}
	cp.stats.LogFrames, cp.stats.Copied = log, copied
}

type checkpointMode int

const (
	modePassive checkpointMode = iota
	modeCatchUp                // PASSIVE on the write connection
	modeRestart
	modeTruncate
)

// run1 runs one checkpoint on conn. The caller holds cp.busy. A checkpoint
// SQLite reports busy (another checkpoint, or readers and writers a RESTART
// or TRUNCATE could not wait out) is an error.
func (cp *checkpointer) run1(ctx context.Context, conn *sql.DB, mode checkpointMode) (log, copied int64, err error) {
	query := `PRAGMA wal_checkpoint(PASSIVE)`
	switch mode {
	case modeRestart:
		query = `PRAGMA wal_checkpoint(RESTART)`
	case modeTruncate:
		query = `PRAGMA wal_checkpoint(TRUNCATE)`
	}
	var busy int
	if err := conn.QueryRowContext(ctx, query).Scan(&busy, &log, &copied); err != nil {
		return 0, 0, fmt.Errorf("%s: %w", query, err)
	}
	cp.mu.Lock()
	switch mode {
	case modeRestart:
		cp.stats.Restart++
	case modePassive:
		cp.stats.Passive++
	case modeCatchUp:
		cp.stats.CatchUp++
	}
	cp.mu.Unlock()
	if busy != 0 || log < 0 {
		return log, copied, fmt.Errorf("%s: busy (%d of %d frames copied)", query, copied, log)
	}
	return log, copied, nil
}

// CheckpointStats returns the background checkpoints' counters.
func (db *DB) CheckpointStats() CheckpointStats {
	db.checkpointer.mu.Lock()
	defer db.checkpointer.mu.Unlock()
	return db.checkpointer.stats
}
