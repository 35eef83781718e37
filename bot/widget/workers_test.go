package widget

import (
	"runtime"
	"sync"
	"testing"
	"time"
)

// Functions run one after another reuse one worker; concurrent ones get a
// worker each.
func TestWorkersReuseIdleGoroutines(t *testing.T) {
	w := &workers{jobs: make(chan func())}
	runWait := func() {
		done := make(chan struct{})
		w.run(func() { close(done) })
		<-done
	}
	runWait()
	time.Sleep(10 * time.Millisecond) // the worker reaches its wait
	before := runtime.NumGoroutine()
	for range 200 {
		runWait()
		time.Sleep(time.Millisecond) // the worker goes back to waiting
	}
	// A slow machine may start a few workers (one that was not back to
	// waiting yet); without reuse there would be 200.
	if n := runtime.NumGoroutine() - before; n > 5 {
		t.Errorf("%d more goroutines after 200 runs one at a time; want the idle worker reused", n)
	}

	// Concurrent runs do not wait for each other.
	var wg sync.WaitGroup
	release := make(chan struct{})
	for range 10 {
		wg.Add(1)
		w.run(func() { wg.Done(); <-release })
	}
	wg.Wait() // all ten started while none had finished
	close(release)
}
