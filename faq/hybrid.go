package faq

import "math"

// The hybrid confidence of a Hit, when the query could be embedded and the
// FAQ has vectors, combines the lexical confidence (already calibrated, see
// calibrate.go) with the semantic evidence in a second logistic regression:
//
//	z = Bias + Lexical·logit(lexical confidence) + Similarity·similarity + Margin·margin
//
// mapped through an isotonic table fitted with it. Without vectors (no model
// configured, the query not embedded in time, the API failing) nothing of this
// runs and every confidence is the lexical one, exactly.
//
// Similarities are on the FAQ's own scale (see semIndex.similarity), which
// removes most of the differences between models; the coefficients still
// depend on the model, so they are fitted per model on the same dev split as
// the lexical calibration and pasted into hybridFits from the output of
//
//	go test ./faq -run TestFitHybridCalibration -v -args -faq.fit \
//	    -faq.embed-url=http://localhost:11434/v1 -faq.embed-model=nomic-embed-text
//
// (any OpenAI-compatible server; -faq.embed-key for one that needs a key).
// A model without a fitted entry uses hybridPrior.
type hybridCalibration struct {
	Bias, Lexical, Similarity, Margin float64
	// Isotonic maps the logistic output to the observed share of right
	// answers on the dev split; empty for the prior (the logistic output is
	// the confidence).
	Isotonic []struct{ Score, Right float64 }
}

// hybridFits are the calibrations fitted on the dev split, by embedding model.
var hybridFits = map[string]hybridCalibration{}

// hybridPrior is the calibration of models not fitted yet. It was set by hand,
// not fitted, and errs on the side of not answering: semantic evidence alone
// answers only a message as close to an entry as that entry's own phrasings
// are to each other and clearly closer to it than to any other entry
// (similarity ≥ 0.9 with a margin ≥ 0.4); an entry the lexical matcher was
// sure of stays answered unless the meaning clearly points elsewhere; a
// message unrelated in both words and meaning stays unanswered.
var hybridPrior = hybridCalibration{Bias: -2, Lexical: 0.5, Similarity: 6, Margin: 3}

// HybridFitted reports whether the hybrid calibration of an embedding model
// was fitted on the dev split (otherwise the conservative prior is used).
func HybridFitted(model string) bool {
	_, ok := hybridFits[model]
	return ok
}

// activeHybrid returns the calibration for model.
func activeHybrid(model string) *hybridCalibration {
	if c, ok := hybridFits[model]; ok {
		return &c
	}
	return &hybridPrior
}

// lexicalLogitBound bounds the log-odds of the lexical confidence (which
// reaches exactly 0 and 1).
const lexicalLogitBound = 6.9 // logit(0.999)

// hybridScore returns the logistic output of c for f.
func hybridScore(c *hybridCalibration, f SemanticFeatures) float64 {
	p := min(max(f.Lexical, 0.001), 0.999)
	l := min(max(math.Log(p/(1-p)), -lexicalLogitBound), lexicalLogitBound)
	z := c.Bias + c.Lexical*l + c.Similarity*f.Similarity + c.Margin*f.Margin
	return 1 / (1 + math.Exp(-z))
}

// hybridConfidence returns the calibrated probability that a hit with the
// semantic evidence f is right.
func hybridConfidence(c *hybridCalibration, f SemanticFeatures) float64 {
	p := hybridScore(c, f)
	t := c.Isotonic
	if len(t) == 0 {
		return p
	}
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
