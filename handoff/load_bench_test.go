package handoff

import "testing"

// BenchmarkLoadEmbedded parses the embedded models, valence lists and
// lexicons, as the first NewDetector of a process does (start-up time).
func BenchmarkLoadEmbedded(b *testing.B) {
	for b.Loop() {
		for _, text := range []string{modelEN, modelFR} {
			if _, err := loadModel("model", text); err != nil {
				b.Fatal(err)
			}
		}
		for _, name := range langNames {
			if _, err := loadValence(valenceFS, "lexicon/afinn/"+name+".tsv.gz"); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := loadLexicon(lexiconFS); err != nil {
			b.Fatal(err)
		}
	}
}
