package faq

import "math"

// The confidence of a Hit is a logistic regression over its Features,
// mapped through an isotonic table so that it reads as the probability that
// the hit is the right answer. Both are fitted on the dev split and pasted
// here from the output of
//
//	go test ./faq -run TestFitCalibration -v -args -faq.fit
var calibration = struct {
	Bias, QueryCoverage, ConceptCoverage, PhrasingCoverage, EntryCoverage float64
	Margin, LogShare, InvTerms, Corrected, Unknown                        float64
}{
	Bias: -2.702, QueryCoverage: 0.265, ConceptCoverage: 3.206, PhrasingCoverage: 3.784, EntryCoverage: 1.542,
	Margin: -0.462, LogShare: 1.246, InvTerms: -1.858, Corrected: 0.033, Unknown: -6.195,
}

// isotonic maps the logistic score to the observed share of right answers
// on the dev split: equal-count bins of the score, made monotone by
// pool-adjacent-violators, interpolated linearly between bin centres.
var isotonic = []struct{ Score, Right float64 }{
	{0.0000, 0.0000}, {0.0104, 0.0018}, {0.0525, 0.0125}, {0.2791, 0.1036}, {0.6496, 0.5725},
	{0.8746, 0.9464}, {0.9498, 0.9696}, {0.9642, 0.9946}, {0.9818, 0.9986}, {0.9910, 1.0000},
	{0.9921, 1.0000}, {0.9934, 1.0000}, {1.0000, 1.0000},
}

// confidence returns the calibrated probability that a hit is right.
func confidence(f Features) float64 {
	return calibrate(score(f))
}

// score returns the logistic-regression output for f.
func score(f Features) float64 {
	c := calibration
	z := c.Bias + c.QueryCoverage*f.QueryCoverage + c.ConceptCoverage*f.ConceptCoverage +
		c.PhrasingCoverage*f.PhrasingCoverage + c.EntryCoverage*f.EntryCoverage +
		c.Margin*f.Margin + c.LogShare*f.LogShare + c.InvTerms*f.InvTerms +
		c.Corrected*f.Corrected + c.Unknown*f.Unknown
	return 1 / (1 + math.Exp(-z))
}

// calibrate maps a logistic score through the isotonic table.
func calibrate(p float64) float64 {
	t := isotonic
	if p <= t[0].Score {
		return t[0].Right
	}
	for i := 1; i < len(t); i++ {
		if p <= t[i].Score {
			a, b := t[i-1], t[i]
			return a.Right + (b.Right-a.Right)*(p-a.Score)/(b.Score-a.Score)
		}
	}
	return t[len(t)-1].Right
}
