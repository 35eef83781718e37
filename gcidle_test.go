package main

import (
	"context"
	"runtime"
	"runtime/debug"
	rtmetrics "runtime/metrics"
	"sync"
	"testing"
	"time"
)

var sink [][]byte

// garbage allocates n bytes that are garbage at once.
func garbage(n int) {
	for range n / (1 << 20) {
		sink = append(sink, make([]byte, 1<<20))
	}
	sink = nil
}

// heldBeyondLive returns the heap held (objects and free pages) minus what
// the latest collection found alive.
func heldBeyondLive() int64 {
	s := []rtmetrics.Sample{
		{Name: "/gc/heap/live:bytes"},
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/memory/classes/heap/free:bytes"},
	}
	rtmetrics.Read(s)
	return int64(s[1].Value.Uint64()+s[2].Value.Uint64()) - int64(s[0].Value.Uint64())
}

// A busy interval releases nothing; a quiet one with much garbage held does.
// A 1 GiB heap floor keeps the garbage from being collected meanwhile (after
// a first collection: before any, the floor has nothing to go by).
func TestIdleMeter(t *testing.T) {
	runtime.GC()
	_, stop := startHeapFloor(1 << 30)
	defer stop()
	m := newIdleMeter()
	if m.tick() {
		t.Error("the first tick released: it only starts counting")
	}
	garbage(64 << 20)
	if m.tick() {
		t.Error("released after 64 MiB were allocated in the interval (busy)")
	}
	if held := heldBeyondLive(); held < idleExcess {
		t.Fatalf("only %d MiB held beyond live after 64 MiB of garbage", held>>20)
	}
	if !m.tick() {
		t.Errorf("a quiet interval with %d MiB held beyond live did not release", heldBeyondLive()>>20)
	}
}

// releaseWhenIdle gives the garbage back once the server is quiet, and stops
// with its context.
func TestReleaseWhenIdle(t *testing.T) {
	runtime.GC()
	_, stop := startHeapFloor(1 << 30)
	defer stop()
	garbage(64 << 20)
	if held := heldBeyondLive(); held < idleExcess {
		t.Fatalf("only %d MiB held beyond live after 64 MiB of garbage", held>>20)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { releaseWhenIdle(ctx, 20*time.Millisecond, func() bool { return true }) })
	deadline := time.Now().Add(10 * time.Second)
	for heldBeyondLive() >= idleExcess {
		if time.Now().After(deadline) {
			t.Fatalf("still %d MiB held beyond live after 10 s idle", heldBeyondLive()>>20)
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	wg.Wait()
}

// A fragmented heap (a few live objects in many spans) holds much that no
// release can give back: after one release, quiet ticks release no more.
func TestIdleMeterIgnoresFragmentation(t *testing.T) {
	runtime.GC()
	_, stop := startHeapFloor(1 << 30)
	defer stop()
	var kept [][]byte
	for i := range (32 << 20) / 64 {
		b := make([]byte, 64)
		if i%16 == 0 {
			kept = append(kept, b)
		}
	}
	m := newIdleMeter()
	m.tick()
	if m.tick() {
		debug.FreeOSMemory() // the garbage between the kept objects, as releaseWhenIdle would
	}
	for i := range 3 {
		if m.tick() {
			t.Errorf("quiet tick %d after a release wants to release again (%d MiB held beyond live)", i+1, heldBeyondLive()>>20)
		}
	}
	runtime.KeepAlive(kept)
}
