package faq

import (
	"slices"
	"testing"
)

func TestHashIndex(t *testing.T) {
	var keys []uint64
	var vals []int32
	want := map[uint64][]int32{}
	for i := range 5000 {
		k := uint64(i%1700) * 0x9E3779B97F4A7C15 // repeated keys
		if i%1000 == 0 {
			k = 0 // tag 0, stored as 1
		}
		keys = append(keys, k)
		vals = append(vals, int32(i))
		want[k] = append(want[k], int32(i))
	}
	ix := newHashIndex(keys, vals)
	for k, w := range want {
		got := slices.Sorted(ix.lookup(k))
		if !slices.Equal(got, w) {
			t.Fatalf("lookup(%#x) = %v, want %v", k, got, w)
		}
	}
	if got := slices.Collect(ix.lookup(0xDEADBEEF12345678)); len(got) != 0 {
		t.Errorf("lookup of a missing key = %v", got)
	}
	if got := slices.Collect(newHashIndex(nil, nil).lookup(1)); len(got) != 0 {
		t.Errorf("empty index: %v", got)
	}
	var empty hashIndex
	if got := slices.Collect(empty.lookup(1)); len(got) != 0 {
		t.Errorf("zero index: %v", got)
	}
}
