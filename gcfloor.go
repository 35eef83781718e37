package main

import (
	"runtime"
	"runtime/debug"
	rtmetrics "runtime/metrics"
	"sync"
)

// minHeapGoal is the runtime's least heap goal at GOGC=100; it scales with
// GOGC (runtime/mgcpacer.go, heapMinimum), so a GOGC above
// floor·100/minHeapGoal would put the goal past the floor even with
// nothing alive.
const minHeapGoal = 4 << 20

// heapFloor lets the heap grow to a floor between two garbage collections.
//
// Go's default pacing (GOGC=100) collects once the heap has grown by what
// the previous collection left alive (plus the stacks and globals it scans).
// A Relais with a thousand customers connected keeps about 13 MB alive, so a
// steady trickle of agent replies (64 KB allocated each) made it collect
// every second; on one core each collection's mark phase held replies up by
// several milliseconds, the largest part of the relay's tail latency. While
// what is alive is small, heapFloor raises GOGC so that the next collection
// comes when the heap reaches floor bytes; once half the floor or more is
// alive (10,000 idle connections keep more than that), GOGC stays at 100
// and it changes nothing. The cost is memory: a busy server keeps up to
// floor bytes of heap, where it kept about twice its live heap; once it is
// quiet, releaseWhenIdle gives the excess back.
type heapFloor struct {
	floor   uint64
	samples []rtmetrics.Sample

	mu      sync.Mutex
	percent int // the GOGC set last
	base    int // the GOGC before the first change, restored by stop
	changed bool
	runs    int // adjustments so far
	stopped bool
}

// startHeapFloor adjusts GOGC after every garbage collection from now on,
// until stop is called (which restores the GOGC it found). floor 0 does
// nothing.
func startHeapFloor(floor uint64) (h *heapFloor, stop func()) {
	if floor == 0 {
		return nil, func() {}
	}
	h = &heapFloor{floor: floor, percent: 100, samples: []rtmetrics.Sample{
		{Name: "/gc/heap/live:bytes"},
		{Name: "/gc/scan/stack:bytes"},
		{Name: "/gc/scan/globals:bytes"},
	}}
	h.adjust()
	return h, h.stop
}

// adjust sets GOGC from what the latest collection left alive, and asks to
// be called again after the next one.
func (h *heapFloor) adjust() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stopped {
		return
	}
	h.runs++
	var v [3]uint64
	readRuntime(h.samples, v[:])
	if p := gcPercentFor(h.floor, v[0], v[1]+v[2]); p != h.percent {
		old := debug.SetGCPercent(p)
		if !h.changed {
			h.base, h.changed = old, true
		}
		h.percent = p
	}
	// The sentinel becomes garbage at once: its cleanup runs after the
	// next collection. (Its type has a pointer, so it is not batched with
	// other tiny objects, whose cleanups may never run.)
	runtime.AddCleanup(new(sentinel), func(h *heapFloor) { h.adjust() }, h)
}

type sentinel struct{ _ *int }

// readRuntime reads samples into v (same order): 0 for a metric this
// runtime does not have.
func readRuntime(samples []rtmetrics.Sample, v []uint64) {
	rtmetrics.Read(samples)
	for i, s := range samples {
		v[i] = 0
		if s.Value.Kind() == rtmetrics.KindUint64 {
			v[i] = s.Value.Uint64()
		}
	}
}

func (h *heapFloor) stop() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.stopped {
		h.stopped = true
		if h.changed {
			debug.SetGCPercent(h.base)
			h.percent = h.base
		}
	}
}

// raised reports whether the floor holds GOGC above Go's default now.
func (h *heapFloor) raised() bool {
	p, _ := h.state()
	return p > 100
}

// state returns the GOGC set last and the number of adjustments so far.
func (h *heapFloor) state() (percent, runs int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.percent, h.runs
}

// gcPercentFor returns the GOGC that puts the next heap goal at floor bytes,
// given the live heap and the stack and global bytes the collector scans
// (the goal is live + (live + scan) × GOGC/100, and at least
// minHeapGoal × GOGC/100): never below the default 100.
func gcPercentFor(floor, live, scan uint64) int {
	base := live + scan
	if base == 0 || live >= floor {
		return 100
	}
	p := min((floor-live)*100/base, floor*100/minHeapGoal)
	return int(max(p, 100))
}
