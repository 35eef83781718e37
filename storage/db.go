// Package storage keeps Relais's data in SQLite through database/sql and
// mattn/go-sqlite3: conversations and messages, state changes, handoffs, FAQ
// entries and revisions, the outbox, processed platform events and the audit
// log. It implements the Store interfaces declared by bot, faq and handoff.
//
// Writes go through a pool of exactly one connection with immediate
// transactions, so concurrent writers queue in Go instead of failing with
// "database is locked"; reads use a separate pool. WAL, the busy timeout,
// synchronous=NORMAL and foreign keys are set in the DSN so that every pooled
// connection gets them. Commits never checkpoint the write-ahead log: a
// background goroutine does (checkpoint.go). The schema is a list of embedded, ordered,
// append-only migrations.
//
// Package storage may import bot, faq and handoff (for their types) but no
// adapter and no vendor SDK other than the SQLite driver.
package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"time"

	"github.com/mattn/go-sqlite3"

	"github.com/relaisbot/relais/bot"
)

// timeFormat is how times are stored: UTC, fixed width, so text order is time order.
const timeFormat = "2006-01-02T15:04:05.000Z"

// DB is the Relais database.
type DB struct {
	path  string
	write *sql.DB // one connection, immediate transactions
	read  *sql.DB // read-only connections
	now   func() time.Time

	outboxListeners []func(target string)
	committer       *committer
	checkpointer    *checkpointer
}

// Open opens (creating if needed) the SQLite database at path and migrates it
// to the latest schema.
func Open(ctx context.Context, path string) (*DB, error) {
	if path == "" {
		return nil, bot.Errorf(bot.EInvalid, "database path is empty")
	}
	common := "file:" + (&url.URL{Path: path}).EscapedPath() +
		"?_journal_mode=WAL&_synchronous=NORMAL&_foreign_keys=on&_stmt_cache_size=64"
	base := common + "&_busy_timeout=10000"
	// secure_delete: erased customer data is overwritten, not left in free pages.
	write, err := sql.Open(driverName, base+"&_txlock=immediate&_secure_delete=on")
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	keepOneConn(write)

	db := &DB{path: path, write: write, now: time.Now}
	if err := write.PingContext(ctx); err != nil {
		write.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	// Migrate before opening readers: a query-only connection cannot create
	// the WAL file of a brand new database.
	if err := db.migrate(ctx); err != nil {
		write.Close()
		return nil, err
	}
	read, err := sql.Open(driverName, base+"&_query_only=1")
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("open %s for reading: %w", path, err)
	}
	n := max(4, runtime.GOMAXPROCS(0)*2)
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	db.read = read
	// A RESTART or TRUNCATE checkpoint holds writers back while it waits for
	// readers: it gives up soon (and is retried) rather than stall commits.
	ckpt, err := sql.Open(driverName, common+"&_busy_timeout=250")
	if err != nil {
		read.Close()
		write.Close()
		return nil, fmt.Errorf("open %s for checkpoints: %w", path, err)
	}
	keepOneConn(ckpt)
	db.checkpointer = newCheckpointer(ckpt, write, checkpointInterval)
	db.committer = newCommitter(db)
	return db, nil
}

// keepOneConn makes db a single connection, kept open for good (its
// per-connection settings then last).
func keepOneConn(db *sql.DB) {
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
}

// Path returns the database file's path.
func (db *DB) Path() string { return db.path }

// SetClock replaces the clock used for times the caller did not set (tests).
func (db *DB) SetClock(now func() time.Time) { db.now = now }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	return db.read.PingContext(ctx)
}

// Close closes the database. Call it after everything using it has stopped.
func (db *DB) Close() error {
	if db.committer != nil {
		db.committer.close()
	}
	var errs []error
	if db.checkpointer != nil {
		db.checkpointer.close()
		errs = append(errs, db.checkpointer.conn.Close())
	}
	if db.read != nil {
		errs = append(errs, db.read.Close())
	}
	errs = append(errs, db.write.Close())
	return errors.Join(errs...)
}

// update runs fn in an immediate write transaction and commits it.
func (db *DB) update(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	db.checkpointer.wrote()
	return nil
}

// stamp formats t for storage, using the clock when t is zero.
func (db *DB) stamp(t time.Time) string {
	if t.IsZero() {
		t = db.now()
	}
	return t.UTC().Format(timeFormat)
}

// parseTime reads a stored time.
func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(timeFormat, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("stored time %q: %w", s, err)
	}
	return t, nil
}

// isUniqueViolation reports whether err is a UNIQUE or PRIMARY KEY constraint failure.
func isUniqueViolation(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) &&
		(se.ExtendedCode == sqlite3.ErrConstraintUnique || se.ExtendedCode == sqlite3.ErrConstraintPrimaryKey)
}

// notFound maps sql.ErrNoRows to a bot.Error of kind ENotFound.
func notFound(err error, format string, args ...any) error {
	if errors.Is(err, sql.ErrNoRows) {
		return bot.Errorf(bot.ENotFound, format, args...)
	}
	return err
}
