package main

import (
	"context"
	"runtime/debug"
	rtmetrics "runtime/metrics"
	"time"
)

// Idle release: a heap floor lets garbage build up to the floor between
// collections, which a busy server reuses at once; a quiet server should
// not hold it. When less than idleAlloc was allocated during a whole
// interval and the heap holds at least idleExcess more than is alive (free
// pages, or garbage the next collection would free), the heap is collected
// and its free pages given back to the system. A quiet server does it once,
// then again only if garbage builds up that much more. (Free space inside
// spans that still hold live objects does not count: it cannot be given
// back, and counting it made a fragmented heap release every minute.)
const (
	idleEvery  = time.Minute
	idleAlloc  = 16 << 20 // allocated per interval below which the server is quiet
	idleExcess = 16 << 20 // heap held beyond what is alive that is worth giving back
)

// idleMeter reads what the idle release decides on.
type idleMeter struct {
	samples    []rtmetrics.Sample
	lastAllocs uint64
	started    bool
}

func newIdleMeter() *idleMeter {
	return &idleMeter{samples: []rtmetrics.Sample{
		{Name: "/gc/heap/allocs:bytes"},
		{Name: "/gc/heap/live:bytes"},
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/memory/classes/heap/free:bytes"},
	}}
}

// tick reports whether to release now: the server allocated less than
// idleAlloc since the previous tick (the first tick only starts counting)
// and holds idleExcess or more beyond its live heap.
func (m *idleMeter) tick() bool {
	var v [4]uint64
	readRuntime(m.samples, v[:])
	allocs, live, held := v[0], v[1], v[2]+v[3]
	allocated := allocs - m.lastAllocs
	first := !m.started
	m.lastAllocs, m.started = allocs, true
	return !first && allocated < idleAlloc && held >= live+idleExcess
}

// releaseWhenIdle checks every interval until ctx ends, and gives the heap's
// excess back to the system when the server is quiet and raised (reports
// that the heap floor holds GOGC above Go's default: otherwise the heap is
// paced as usual and there is no excess to speak of).
func releaseWhenIdle(ctx context.Context, period time.Duration, raised func() bool) {
	m := newIdleMeter()
	m.tick()
	every(ctx, period, func() {
		if m.tick() && raised() {
			debug.FreeOSMemory()
		}
	})
}
