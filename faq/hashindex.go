package faq

import "iter"

// hashIndex maps 64-bit hashes to int32 values, several values per hash:
// an open-addressing table with linear probing, one slot per pair, built
// once. For the speller's tens of thousands of deletion variants it is built
// with two allocations, where a map of slices took one per variant and
// rehashed as it grew (start-up time, BENCHMARKS.md). A slot keeps 32 bits
// of its hash: another hash that starts its probe nearby and shares those
// bits is a false match, which the speller's distance check rejects, as it
// does the collisions of the 64-bit hashes themselves.
type hashIndex struct {
	tags  []uint32 // the hash's top 32 bits; 0: empty slot (a tag of 0 is stored as 1)
	vals  []int32
	shift uint // 64 - log2(len(tags))
}

// newHashIndex indexes the pairs (keys[i], vals[i]).
func newHashIndex(keys []uint64, vals []int32) hashIndex {
	bits := uint(4)
	for 3<<bits < 4*len(keys) { // at most three quarters full
		bits++
	}
	t := hashIndex{tags: make([]uint32, 1<<bits), vals: make([]int32, 1<<bits), shift: 64 - bits}
	mask := uint64(len(t.tags) - 1)
	for i, k := range keys {
		j := t.slot(k)
		for t.tags[j] != 0 {
			j = (j + 1) & mask
		}
		t.tags[j], t.vals[j] = tag(k), vals[i]
	}
	return t
}

// slot is where the probe for k starts (Fibonacci hashing: the top bits of
// k times 2^64/φ, so that similar hashes spread out).
func (t hashIndex) slot(k uint64) uint64 {
	return (k * 0x9E3779B97F4A7C15) >> t.shift
}

func tag(k uint64) uint32 { return max(uint32(k>>32), 1) }

// lookup yields the values stored under k (and, rarely, a false match).
func (t hashIndex) lookup(k uint64) iter.Seq[int32] {
	return func(yield func(int32) bool) {
		if len(t.tags) == 0 {
			return
		}
		tk, mask := tag(k), uint64(len(t.tags)-1)
		for j := t.slot(k); t.tags[j] != 0; j = (j + 1) & mask {
			if t.tags[j] == tk && !yield(t.vals[j]) {
				return
			}
		}
	}
}
