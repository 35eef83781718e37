package faq

import "iter"

// hashIndex maps 64-bit hashes to int32 values, several values per hash:
// an open-addressing table with linear probing, one slot per pair, built
// once. For the speller's tens of thousands of deletion variants it is built
// with two allocations, where a map of slices took one per variant and
// rehashed as it grew (start-up time, BENCHMARKS.md).
type hashIndex struct {
	keys  []uint64 // 0: empty slot (a hash of 0 is stored as 1)
	vals  []int32
	shift uint // 64 - log2(len(keys))
}

// newHashIndex indexes the pairs (keys[i], vals[i]).
func newHashIndex(keys []uint64, vals []int32) hashIndex {
	bits := uint(4)
	for 1<<bits < 2*len(keys) { // at most half full
		bits++
	}
	t := hashIndex{keys: make([]uint64, 1<<bits), vals: make([]int32, 1<<bits), shift: 64 - bits}
	mask := uint64(len(t.keys) - 1)
	for i, k := range keys {
		k = max(k, 1)
		j := t.slot(k)
		for t.keys[j] != 0 {
			j = (j + 1) & mask
		}
		t.keys[j], t.vals[j] = k, vals[i]
	}
	return t
}

// slot is where the probe for k starts (Fibonacci hashing: the top bits of
// k times 2^64/φ, so that similar hashes spread out).
func (t hashIndex) slot(k uint64) uint64 {
	return (k * 0x9E3779B97F4A7C15) >> t.shift
}

// lookup yields the values stored under k.
func (t hashIndex) lookup(k uint64) iter.Seq[int32] {
	return func(yield func(int32) bool) {
		if len(t.keys) == 0 {
			return
		}
		k = max(k, 1)
		mask := uint64(len(t.keys) - 1)
		for j := t.slot(k); t.keys[j] != 0; j = (j + 1) & mask {
			if t.keys[j] == k && !yield(t.vals[j]) {
				return
			}
		}
	}
}
