package main

import (
	"runtime"
	"runtime/debug"
	rtmetrics "runtime/metrics"
	"testing"
	"time"
)

func TestGCPercentFor(t *testing.T) {
	const mib = 1 << 20
	tests := []struct {
		floor, live, scan uint64
		want              int
	}{
		{64 * mib, 13 * mib, 3 * mib, 318}, // goal 13 + 16 × 3.18 = 64 MiB
		{64 * mib, 40 * mib, 2 * mib, 100}, // the default's goal (82 MiB) is past the floor already
		{64 * mib, 120 * mib, 5 * mib, 100},
		{64 * mib, 0, 0, 100},
		{64 * mib, 2 * mib, mib / 2, 1600}, // not 2480: the runtime's least goal (4 MiB × 24.8) would be 99 MiB
		{64 * mib, 1000, 0, 1600},
		{64 * mib, 64 * mib, 0, 100},
	}
	for _, tt := range tests {
		if got := gcPercentFor(tt.floor, tt.live, tt.scan); got != tt.want {
			t.Errorf("gcPercentFor(%d, %d, %d) = %d, want %d", tt.floor, tt.live, tt.scan, got, tt.want)
		}
	}
}

// The floor is adjusted after every collection: GOGC is raised for the
// small heap of this test; stopping restores the default for good.
func TestHeapFloorFollowsCollections(t *testing.T) {
	h, stop := startHeapFloor(1 << 30)
	defer stop()
	p, runs := h.state()
	if p <= 100 || runs != 1 {
		t.Fatalf("after start: GOGC %d after %d adjustments; want > 100 after 1", p, runs)
	}
	for want := runs + 1; want <= runs+3; want++ {
		deadline := time.Now().Add(10 * time.Second)
		runtime.GC() // the adjustment follows a collection, on another goroutine
		for _, n := h.state(); n < want; _, n = h.state() {
			if time.Now().After(deadline) {
				t.Fatalf("%d adjustments after %d collections, want %d", n, want-runs, want)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	p, _ = h.state()
	if got := debug.SetGCPercent(p); got != p {
		t.Errorf("the runtime's GOGC is %d, the floor set %d", got, p)
	}
	stop()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GOGC after stop = %d, want 100", got)
	}
	_, runs = h.state()
	runtime.GC()
	time.Sleep(20 * time.Millisecond)
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GOGC changed after stop: %d", got)
	}
	if _, n := h.state(); n != runs {
		t.Errorf("adjusted %d times after stop", n-runs)
	}
	if h, stop := startHeapFloor(0); h != nil || stop == nil {
		t.Error("startHeapFloor(0) should do nothing and return a stop function")
	}
}

// The runtime's own heap goal lands at the floor, not past it. The floor is
// 64 MiB, or more if this test binary keeps much alive (other tests ran
// before), so that Go's default goal stays far below it.
func TestHeapFloorSetsTheHeapGoal(t *testing.T) {
	runtime.GC()
	m := []rtmetrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/gc/scan/stack:bytes"}, {Name: "/gc/scan/globals:bytes"}}
	rtmetrics.Read(m)
	floor := max(uint64(64<<20), 16*(m[0].Value.Uint64()+m[1].Value.Uint64()+m[2].Value.Uint64()))
	_, stop := startHeapFloor(floor)
	defer stop()
	goal := []rtmetrics.Sample{{Name: "/gc/heap/goal:bytes"}}
	rtmetrics.Read(goal)
	if g := goal[0].Value.Uint64(); g > floor+floor/100 || g < floor/2 {
		t.Errorf("heap goal %.1f MiB with a %.1f MiB floor", float64(g)/(1<<20), float64(floor)/(1<<20))
	}
	stop()
	rtmetrics.Read(goal)
	if g := goal[0].Value.Uint64(); g >= floor/2 {
		t.Errorf("heap goal %.1f MiB after stop, want Go's default (about twice what is alive)", float64(g)/(1<<20))
	}
}
