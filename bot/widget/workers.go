package widget

import "time"

// workerIdle is how long a worker waits for more work before it ends.
const workerIdle = 5 * time.Second

// workers runs functions on goroutines kept between uses. Answering a
// message takes about 16 KiB of stack; a new goroutine starts with 2 KiB
// (the runtime sizes first stacks on the average goroutine, here an idle
// connection's reader) and grew it, copy by copy, for every message, and
// the garbage collector shrank the stacks of those left waiting: 8 % of the
// CPU at saturation (BENCHMARKS.md). A worker that ran a function waits
// workerIdle for the next one, then ends.
type workers struct {
	jobs chan func()
}

var pool = &workers{jobs: make(chan func())}

// run runs fn on an idle worker, or on a new one if none is waiting.
func (w *workers) run(fn func()) {
	select {
	case w.jobs <- fn:
	default:
		go w.loop(fn)
	}
}

func (w *workers) loop(fn func()) {
	idle := time.NewTimer(workerIdle)
	defer idle.Stop()
	for {
		fn()
		fn = nil // nothing kept alive while waiting
		idle.Reset(workerIdle)
		select {
		case fn = <-w.jobs:
		case <-idle.C:
			return
		}
	}
}
