package storage

import (
	"context"
	"database/sql"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/relaisbot/relais/bot"
)

// writeConversations commits n conversations of ten 2 KB messages each.
func writeConversations(t *testing.T, db *DB, prefix string, n int) {
	t.Helper()
	text := strings.Repeat("Où est mon colis ? ", 110)
	for i := range n {
		c := &bot.Change{Conversation: newConversation(prefix + strconv.Itoa(i))}
		for j := range 10 {
			c.Messages = append(c.Messages, bot.Message{Role: bot.RoleCustomer, Text: text + strconv.Itoa(j), Lang: bot.LangFR, CreatedAt: t0})
		}
		if err := db.Commit(context.Background(), c); err != nil {
			t.Fatalf("Commit: %v", err)
		}
	}
}

func walPages(t *testing.T, db *DB) int64 {
	t.Helper()
	fi, err := os.Stat(db.Path() + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size() / 4096
}

// holdSnapshot starts a read transaction and reads, so that it holds a
// snapshot of the database until it is rolled back.
func holdSnapshot(t *testing.T, db *DB) *sql.Tx {
	t.Helper()
	tx, err := db.read.BeginTx(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := tx.QueryRow(`SELECT COUNT(*) FROM messages`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return tx
}

// Commits must not checkpoint (SQLite's automatic checkpoint made one commit
// in a few hundred wait for fsyncs); the checkpointer copies the log and the
// next writer starts it over.
func TestCommitsLeaveCheckpointsToTheCheckpointer(t *testing.T) {
	db := open(t)
	db.checkpointer.close() // no background checkpoint: this test runs them
	ctx := context.Background()

	writeConversations(t, db, "a", 300)
	if n := walPages(t, db); n < 3000 {
		t.Fatalf("write-ahead log is %d pages after ~6 MB of commits; want > 3000 (did a commit checkpoint?)", n)
	}
	db.checkpointer.checkpoint(ctx)
	st := db.CheckpointStats()
	if st.Passive != 1 || st.Failures != 0 || st.LogFrames < 3000 || st.Copied != st.LogFrames {
		t.Fatalf("after one checkpoint: %+v; want 1 passive checkpoint copying the whole log (> 3000 frames)", st)
	}

	// The log was copied whole: the next commit starts it over.
	writeConversations(t, db, "b", 1)
	db.checkpointer.checkpoint(ctx)
	if st := db.CheckpointStats(); st.LogFrames == 0 || st.LogFrames > 100 {
		t.Errorf("log after one more commit = %d frames; want it restarted (a few frames)", st.LogFrames)
	}
	got, err := db.Conversation(ctx, 300)
	if err != nil || got.CustomerKey != "a299" {
		t.Errorf("Conversation(300) = %+v, %v; want a299", got, err)
	}
}

// A background pass copies what was committed when it started. What is
// committed meanwhile, the catch-up on the write connection copies, so that
// the next transaction starts the log over: without it, under steady
// writes, the log only grew until a RESTART held writers back.
func TestCatchUpStartsTheLogOver(t *testing.T) {
	db := open(t)
	db.checkpointer.close()
	db.checkpointer.restart = 1 << 40 // no RESTART, which would start the log over too
	db.checkpointer.catchUp = 1       // a catch-up after every pass that leaves a log
	ctx := context.Background()
	var passLog int64
	db.checkpointer.afterPass = func(log, _ int64) { passLog = log }

	for attempt := 1; ; attempt++ {
		writeConversations(t, db, "a"+strconv.Itoa(attempt)+"-", 100)
		// Commits run all along the checkpoint.
		stop, stopped := make(chan struct{}), make(chan struct{})
		go func() {
			defer close(stopped)
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				c := &bot.Change{Conversation: newConversation("b" + strconv.Itoa(attempt) + "-" + strconv.Itoa(i)),
					Messages: []bot.Message{{Role: bot.RoleCustomer, Text: "Où est mon colis ?", Lang: bot.LangFR, CreatedAt: t0}}}
				if err := db.Commit(ctx, c); err != nil {
					t.Errorf("Commit: %v", err)
					return
				}
			}
		}()
		time.Sleep(5 * time.Millisecond)
		db.checkpointer.checkpoint(ctx)
		close(stop)
		<-stopped
		st := db.CheckpointStats()
		if st.Failures != 0 || st.Copied != st.LogFrames {
			t.Fatalf("after the checkpoint: %+v; want everything copied", st)
		}
		if st.LogFrames <= passLog { // no commit landed during the pass, or no catch-up copied it
			if attempt == 10 {
				t.Fatalf("no catch-up copied commits made during a pass in %d attempts: %+v", attempt, st)
			}
			continue
		}
		t.Logf("attempt %d: the pass copied %d frames, the catch-up %d more", attempt, passLog, st.LogFrames-passLog)
		// The first commit after the catch-up started the log over.
		log, _, err := db.checkpointer.run1(ctx, db.checkpointer.conn, modePassive)
		if err != nil || log >= passLog/2 {
			t.Errorf("log after the catch-up = %d frames (%v), the pass saw %d; want it started over", log, err, passLog)
		}
		return
	}
}

// A short log is left to the next passes: the catch-up, which holds the
// writer, runs only once the log reaches catchUp pages.
func TestCatchUpWaitsForALongLog(t *testing.T) {
	db := open(t)
	db.checkpointer.close()
	ctx := context.Background()
	writeConversations(t, db, "a", 20)
	db.checkpointer.checkpoint(ctx)
	st := db.CheckpointStats()
	if st.LogFrames == 0 || st.LogFrames >= catchUpFrames {
		t.Fatalf("log of %d pages; the test needs a short one", st.LogFrames)
	}
	if st.CatchUp != 0 {
		t.Errorf("%d catch-ups after a pass over a %d-page log, want none below %d", st.CatchUp, st.LogFrames, catchUpFrames)
	}
	db.checkpointer.catchUp = 1
	writeConversations(t, db, "b", 20)
	db.checkpointer.checkpoint(ctx)
	if st := db.CheckpointStats(); st.CatchUp != 1 {
		t.Errorf("%d catch-ups after a pass over a %d-page log with the bound at %d, want 1", st.CatchUp, st.LogFrames, db.checkpointer.catchUp)
	}
}

func TestCheckpointerRunsAfterWrites(t *testing.T) {
	db := open(t)
	db.checkpointer.close()
	db.checkpointer = newCheckpointer(db.checkpointer.conn, db.write, 10*time.Millisecond)

	writeConversations(t, db, "a", 20)
	deadline := time.Now().Add(10 * time.Second)
	for {
		st := db.CheckpointStats()
		if st.Passive > 0 && st.LogFrames > 0 && st.Copied == st.LogFrames {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no complete background checkpoint after the writes: %+v", st)
		}
		time.Sleep(5 * time.Millisecond)
	}
	// Without writes, it sleeps (once the wake-ups of the last commits are used).
	time.Sleep(50 * time.Millisecond)
	before := db.CheckpointStats().Passive
	time.Sleep(100 * time.Millisecond)
	if after := db.CheckpointStats().Passive; after != before {
		t.Errorf("checkpoints without writes: %d → %d; want none", before, after)
	}
}

// A reader holding an old snapshot keeps a PASSIVE checkpoint from copying
// the whole log; past the size bound, a RESTART checkpoint waits for it.
func TestLongLogIsRestarted(t *testing.T) {
	db := open(t)
	db.checkpointer.close()
	db.checkpointer.restart = 100
	ctx := context.Background()

	writeConversations(t, db, "a", 1)
	tx := holdSnapshot(t, db)
	writeConversations(t, db, "b", 50)
	released := make(chan struct{})
	go func() {
		time.Sleep(200 * time.Millisecond)
		tx.Rollback()
		close(released)
	}()
	db.checkpointer.checkpoint(ctx)
	<-released
	st := db.CheckpointStats()
	if st.Passive != 1 || st.Restart != 1 || st.Failures != 0 {
		t.Fatalf("stats = %+v; want one passive and one restart checkpoint", st)
	}
	if st.LogFrames < 100 || st.Copied != st.LogFrames {
		t.Errorf("restart checkpoint copied %d of %d frames; want all (> 100)", st.Copied, st.LogFrames)
	}
}

// Past the bound, RESTART runs even when PASSIVE copied everything: a reader
// overlapping the checkpoint can keep the next writer from starting the log
// over, and the log would grow checkpoint after checkpoint.
func TestLongLogIsRestartedEvenWhenCopied(t *testing.T) {
	db := open(t)
	db.checkpointer.close()
	db.checkpointer.restart = 100
	writeConversations(t, db, "a", 50)
	db.checkpointer.checkpoint(context.Background())
	if st := db.CheckpointStats(); st.Passive != 1 || st.Restart != 1 || st.Failures != 0 || st.Copied != st.LogFrames {
		t.Errorf("stats = %+v; want a passive then a restart checkpoint, all copied", st)
	}
}

// Erasure truncates the log to zero bytes, waiting for a reader to finish.
func TestTruncateWaitsForReaders(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	writeConversations(t, db, "a", 5)
	tx := holdSnapshot(t, db)
	writeConversations(t, db, "b", 5)
	go func() {
		time.Sleep(150 * time.Millisecond)
		tx.Rollback()
	}()
	if err := db.checkpointer.truncate(ctx); err != nil {
		t.Fatalf("truncate with a reader finishing meanwhile: %v", err)
	}
	fi, err := os.Stat(db.Path() + "-wal")
	if err != nil || fi.Size() != 0 {
		t.Errorf("write-ahead log after truncate: %v bytes, %v; want 0", fi.Size(), err)
	}
}
