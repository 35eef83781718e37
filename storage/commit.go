package storage

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/relaisbot/relais/bot"
)

// maxBatch bounds how many Changes share one transaction.
const maxBatch = 128

// committer applies Changes in groups: whatever is waiting when a
// transaction starts goes into it, each Change in a savepoint of its own.
// Many customers' messages then cost one commit instead of one each, which
// is most of the cost of a write in SQLite (the WAL frames of the shared
// B-tree pages are written once).
type committer struct {
	db   *DB
	reqs chan commitReq
	quit chan struct{}
	wg   sync.WaitGroup
}

type commitReq struct {
	ctx  context.Context
	c    *bot.Change
	done chan error
}

func newCommitter(db *DB) *committer {
	cm := &committer{db: db, reqs: make(chan commitReq), quit: make(chan struct{})}
	cm.wg.Go(cm.run)
	return cm
}

// commit hands c to the committer and waits for its outcome.
func (cm *committer) commit(ctx context.Context, c *bot.Change) error {
	req := commitReq{ctx: ctx, c: c, done: make(chan error, 1)}
	select {
	case cm.reqs <- req:
	case <-ctx.Done():
		return ctx.Err()
	case <-cm.quit:
		return errors.New("commit: database closed")
	}
	// Once handed over, the Change may be committed: wait for the outcome
	// even if ctx ends meanwhile (the committer then skips or finishes it).
	return <-req.done
}

// close stops the committer after the batch under way.
func (cm *committer) close() {
	close(cm.quit)
	cm.wg.Wait()
}

func (cm *committer) run() {
	for {
		var batch []commitReq
		select {
		case req := <-cm.reqs:
			batch = append(batch, req)
		case <-cm.quit:
			return
		}
	collect:
		for len(batch) < maxBatch {
			select {
			case req := <-cm.reqs:
				batch = append(batch, req)
			default:
				break collect
			}
		}
		cm.apply(batch)
	}
}

// apply commits a batch. Each Change gets its own outcome: a Change that
// fails is rolled back to its savepoint alone; a failed commit fails all.
func (cm *committer) apply(batch []commitReq) {
	db := cm.db
	results := make([]error, len(batch))
	snapshots := make([]changeIDs, len(batch))
	for i, r := range batch {
		snapshots[i] = snapshotIDs(r.c)
	}
	err := func() error {
		tx, err := db.write.BeginTx(context.Background(), nil)
		if err != nil {
			return fmt.Errorf("begin: %w", err)
		}
		defer tx.Rollback()
		for i, r := range batch {
			if err := r.ctx.Err(); err != nil {
				results[i] = err
				continue
			}
			if _, err := tx.Exec(`SAVEPOINT change`); err != nil {
				return fmt.Errorf("savepoint: %w", err)
			}
			// Checked above, the context cannot interrupt the change
			// half-way. Without a Done channel, go-sqlite3 also runs each
			// statement on this goroutine instead of starting one per statement.
			if err := db.applyChange(context.WithoutCancel(r.ctx), tx, r.c); err != nil {
				results[i] = err
				snapshots[i].restore(r.c)
				if _, rerr := tx.Exec(`ROLLBACK TO change`); rerr != nil {
					return fmt.Errorf("roll back a failed change: %w (after %w)", rerr, err)
				}
			}
			if _, err := tx.Exec(`RELEASE change`); err != nil {
				return fmt.Errorf("release savepoint: %w", err)
			}
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("commit: %w", err)
		}
		db.checkpointer.wrote()
		return nil
	}()
	for i, r := range batch {
		switch {
		case err != nil:
			if results[i] == nil {
				snapshots[i].restore(r.c)
			}
			r.done <- cmpErr(results[i], err)
		case results[i] != nil:
			r.done <- results[i]
		default:
			db.notifyOutbox(r.c.Outbox)
			r.done <- nil
		}
	}
}

// cmpErr returns the Change's own error if it has one, else the batch's.
func cmpErr(own, batch error) error {
	if own != nil {
		return own
	}
	return batch
}
