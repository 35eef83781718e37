package faq

import (
	"cmp"
	"flag"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
)

var (
	fitFlag = flag.Bool("faq.fit", false, "fit the confidence calibration on the dev split and print it")
	devFlag = flag.Bool("faq.dev", false, "print the decisions on the dev split for a range of thresholds")
)

// TestFitCalibration fits the logistic regression behind Hit.Confidence on
// the dev split and prints the coefficients to paste into calibrate.go:
//
//	go test ./faq -run TestFitCalibration -v -args -faq.fit
func TestFitCalibration(t *testing.T) {
	if !*fitFlag {
		t.Skip("run with -args -faq.fit")
	}
	w, iso, n := fitCalibration(t)
	t.Logf("calibration fitted on %d dev messages:\n\tBias: %.3f, QueryCoverage: %.3f, ConceptCoverage: %.3f, PhrasingCoverage: %.3f,\n\tEntryCoverage: %.3f, Margin: %.3f, LogShare: %.3f, InvTerms: %.3f, Corrected: %.3f, Unknown: %.3f,",
		n, w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9])
	var b strings.Builder
	for _, k := range iso {
		fmt.Fprintf(&b, "{%.4f, %.4f}, ", k[0], k[1])
	}
	t.Logf("isotonic table:\n\t%s", b.String())
}

// TestCalibrationUpToDate refits the calibration and checks that the constants
// in calibrate.go are the ones the dev split gives: after a change to the
// matcher, the vocabulary or the seed, refit with TestFitCalibration.
func TestCalibrationUpToDate(t *testing.T) {
	if testing.Short() {
		t.Skip("fits on the dev split")
	}
	w, iso, _ := fitCalibration(t)
	c := calibration
	have := []float64{c.Bias, c.QueryCoverage, c.ConceptCoverage, c.PhrasingCoverage, c.EntryCoverage,
		c.Margin, c.LogShare, c.InvTerms, c.Corrected, c.Unknown}
	for i := range have {
		if math.Abs(have[i]-w[i]) > 0.01 {
			t.Fatalf("coefficient %d is %.3f, the dev split gives %.3f: refit (go test ./faq -run TestFitCalibration -v -args -faq.fit)", i, have[i], w[i])
		}
	}
	if len(iso) != len(isotonic) {
		t.Fatalf("isotonic table has %d knots, the dev split gives %d: refit", len(isotonic), len(iso))
	}
	for i, k := range iso {
		if math.Abs(k[0]-isotonic[i].Score) > 0.001 || math.Abs(k[1]-isotonic[i].Right) > 0.001 {
			t.Fatalf("isotonic knot %d is %v, the dev split gives %v: refit", i, isotonic[i], k)
		}
	}
}

// fitCalibration fits the logistic regression and the isotonic table on the
// top hits of the dev split and returns them with the number of messages.
func fitCalibration(t *testing.T) (w []float64, iso [][2]float64, n int) {
	t.Helper()
	svc := newSeededService(t, DefaultOptions())
	var xs [][]float64
	var ys []float64
	for _, set := range devSets(t) {
		_, js := evaluate(t, svc, set.Samples)
		for _, j := range js {
			if j.Features == (Features{}) {
				continue // no hit at all: always a fallback, nothing to calibrate
			}
			xs = append(xs, featureVector(j.Features))
			y := 0.0
			if j.Correct {
				y = 1
			}
			ys = append(ys, y)
		}
	}
	w = fitLogistic(xs, ys, 1e-3, 50)
	ps := make([]float64, len(xs))
	for i, x := range xs {
		z := 0.0
		for j := range x {
			z += w[j] * x[j]
		}
		ps[i] = 1 / (1 + math.Exp(-z))
	}
	return w, fitIsotonic(ps, ys, isotonicBins), len(xs)
}

// TestDevReport prints the decisions on the dev split for several answer
// thresholds, to choose DefaultOptions:
//
//	go test ./faq -run TestDevReport -v -args -faq.dev
func TestDevReport(t *testing.T) {
	if !*devFlag {
		t.Skip("run with -args -faq.dev")
	}
	sets := devSets(t)
	names := make([]string, len(sets))
	for i, s := range sets {
		names[i] = s.Name
	}
	for _, th := range []float64{0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9} {
		opts := DefaultOptions()
		opts.AnswerThreshold = th
		svc := newSeededService(t, opts)
		tallies := make([]tally, len(sets))
		var all []judged
		for i, s := range sets {
			var js []judged
			tallies[i], js = evaluate(t, svc, s.Samples)
			if i < 3 {
				all = append(all, js...)
			}
		}
		t.Logf("answer threshold %.2f:\n%s", th, report(names, tallies))
		if th == DefaultOptions().AnswerThreshold {
			t.Logf("reliability on dev:\n%s", reliability(all))
		}
	}
}

// isotonicBins is the number of equal-count bins of the isotonic table.
const isotonicBins = 16

// fitIsotonic bins the scores ps (with outcomes ys) into n equal-count bins,
// pools adjacent bins whose rate of right answers decreases, and returns the
// (mean score, rate) of each bin, between (0, 0) and (1, 1) anchors.
func fitIsotonic(ps, ys []float64, n int) [][2]float64 {
	idx := make([]int, len(ps))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(ps[a], ps[b]) })
	type block struct{ sumP, sumY, n float64 }
	var blocks []block
	for k := range n {
		var bl block
		for _, i := range idx[k*len(idx)/n : (k+1)*len(idx)/n] {
			bl.sumP += ps[i]
			bl.sumY += ys[i]
			bl.n++
		}
		blocks = append(blocks, bl)
		for len(blocks) > 1 {
			a, b := blocks[len(blocks)-2], blocks[len(blocks)-1]
			if a.sumY/a.n <= b.sumY/b.n {
				break
			}
			blocks = append(blocks[:len(blocks)-2], block{a.sumP + b.sumP, a.sumY + b.sumY, a.n + b.n})
		}
	}
	knots := [][2]float64{{0, 0}}
	for _, bl := range blocks {
		knots = append(knots, [2]float64{bl.sumP / bl.n, bl.sumY / bl.n})
	}
	return append(knots, [2]float64{1, 1})
}

// featureVector returns the regression inputs of f, with a leading 1 for the bias.
func featureVector(f Features) []float64 {
	return []float64{1, f.QueryCoverage, f.ConceptCoverage, f.PhrasingCoverage, f.EntryCoverage, f.Margin, f.LogShare, f.InvTerms, f.Corrected, f.Unknown}
}

// fitLogistic fits a logistic regression by Newton's method with an L2
// penalty lambda (not applied to the bias).
func fitLogistic(xs [][]float64, ys []float64, lambda float64, iters int) []float64 {
	k := len(xs[0])
	w := make([]float64, k)
	for range iters {
		grad := make([]float64, k)
		hess := make([][]float64, k)
		for i := range hess {
			hess[i] = make([]float64, k)
		}
		for n, x := range xs {
			z := 0.0
			for i := range x {
				z += w[i] * x[i]
			}
			p := 1 / (1 + math.Exp(-z))
			for i := range x {
				grad[i] += (p - ys[n]) * x[i]
				for j := range x {
					hess[i][j] += p * (1 - p) * x[i] * x[j]
				}
			}
		}
		for i := 1; i < k; i++ {
			grad[i] += lambda * w[i] * float64(len(xs))
			hess[i][i] += lambda * float64(len(xs))
		}
		step := solve(hess, grad)
		for i := range w {
			w[i] -= step[i]
		}
	}
	return w
}

// solve returns x with a·x = b by Gaussian elimination with partial pivoting.
func solve(a [][]float64, b []float64) []float64 {
	n := len(b)
	m := make([][]float64, n)
	for i := range a {
		m[i] = append(append([]float64(nil), a[i]...), b[i])
	}
	for c := range n {
		p := c
		for r := c + 1; r < n; r++ {
			if math.Abs(m[r][c]) > math.Abs(m[p][c]) {
				p = r
			}
		}
		m[c], m[p] = m[p], m[c]
		for r := c + 1; r < n; r++ {
			f := m[r][c] / m[c][c]
			for k := c; k <= n; k++ {
				m[r][k] -= f * m[c][k]
			}
		}
	}
	x := make([]float64, n)
	for r := n - 1; r >= 0; r-- {
		s := m[r][n]
		for k := r + 1; k < n; k++ {
			s -= m[r][k] * x[k]
		}
		x[r] = s / m[r][r]
	}
	return x
}

func (f Features) String() string {
	return strings.TrimSpace(fmt.Sprintf("q=%.2f c=%.2f p=%.2f e=%.2f m=%.2f s=%.2f 1/n=%.2f x=%.2f u=%.2f",
		f.QueryCoverage, f.ConceptCoverage, f.PhrasingCoverage, f.EntryCoverage, f.Margin, f.LogShare, f.InvTerms, f.Corrected, f.Unknown))
}
