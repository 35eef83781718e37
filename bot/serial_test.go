package bot

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestSerialKeepsOrderPerKey(t *testing.T) {
	s := NewSerial(3, 1000)
	var mu sync.Mutex
	got := map[string][]int{}
	for i := range 200 {
		key := fmt.Sprint(i % 5)
		s.Add(key, func(context.Context) {
			time.Sleep(time.Duration(i%3) * time.Millisecond)
			mu.Lock()
			got[key] = append(got[key], i)
			mu.Unlock()
		})
	}
	s.Close(5 * time.Second)
	for key, seq := range got {
		for j := 1; j < len(seq); j++ {
			if seq[j] < seq[j-1] {
				t.Fatalf("key %s ran out of order: %v", key, seq)
			}
		}
		if len(seq) != 40 {
			t.Errorf("key %s ran %d jobs, want 40", key, len(seq))
		}
	}
	if s.Add("x", func(context.Context) {}) {
		t.Error("add after close succeeded")
	}
}

func TestSerialCloseCancelsSlowJobs(t *testing.T) {
	s := NewSerial(1, 2)
	started := make(chan struct{})
	s.Add("a", func(ctx context.Context) { close(started); <-ctx.Done() })
	<-started // the first job runs: two more may wait
	var ran atomic.Bool
	for range 2 {
		if !s.Add("a", func(context.Context) { ran.Store(true) }) {
			t.Fatal("a job was refused below the limit")
		}
	}
	if s.Add("a", func(context.Context) {}) {
		t.Error("a third waiting job was queued beyond the limit of 2")
	}
	begin := time.Now()
	s.Close(50 * time.Millisecond)
	if took := time.Since(begin); took > time.Second || ran.Load() {
		t.Errorf("close took %v, queued jobs ran: %v; want the slow job cancelled and the queued ones dropped", took, ran.Load())
	}
}
