package handoff

import (
	"slices"
	"time"
)

// Percentile returns the p-th percentile (0–100) of ds by the nearest-rank
// method, sorting ds; 0 if ds is empty.
func Percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	rank := int(p/100*float64(len(ds)) + 0.999999) // ceil
	return ds[min(max(rank, 1), len(ds))-1]
}
