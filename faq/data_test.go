package faq

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
)

// sample is one labelled message of an evaluation set. Want is the FAQ id
// that must answer it, or "" when no FAQ answer is expected (off-topic).
type sample struct {
	Text string `json:"text"`
	Want string `json:"id"`
}

// row is one line of the dataset files in testdata.
type row struct {
	Text  string `json:"text"`
	Label string `json:"label"`
	Topic string `json:"topic"`
}

// readRows reads a JSONL file, gzip-compressed if its name ends in .gz.
func readRows(t testing.TB, name string) []row {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(name, ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		r = zr
	}
	var rows []row
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		var rw row
		if err := json.Unmarshal(sc.Bytes(), &rw); err != nil {
			t.Fatalf("%s:%d: %v", name, n, err)
		}
		rows = append(rows, rw)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return rows
}

// readSamples reads a hand-labelled set (JSONL of text and id).
func readSamples(t testing.TB, name string) []sample {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var out []sample
	for n, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var s sample
		if err := json.Unmarshal([]byte(line), &s); err != nil {
			t.Fatalf("%s:%d: %v", name, n+1, err)
		}
		out = append(out, s)
	}
	return out
}

// bitextMap returns the fixture mapping Bitext intents to seed ids; intents
// mapped to "" have no FAQ equivalent.
func bitextMap(t testing.TB) map[string]string {
	t.Helper()
	b, err := os.ReadFile("testdata/bitext_intents.json")
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]*string
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatalf("bitext_intents.json: %v", err)
	}
	m := make(map[string]string)
	for k, v := range raw {
		if strings.HasPrefix(k, "_") {
			continue
		}
		m[k] = ""
		if v != nil {
			m[k] = *v
		}
	}
	return m
}

// bitextSamples converts Bitext rows to samples, leaving out the intents
// with no FAQ equivalent. It fails on an intent missing from the fixture.
func bitextSamples(t testing.TB, rows []row) []sample {
	t.Helper()
	m := bitextMap(t)
	var out []sample
	for _, r := range rows {
		id, ok := m[r.Label]
		if !ok {
			t.Fatalf("intent %q is not in bitext_intents.json", r.Label)
		}
		if id != "" {
			out = append(out, sample{Text: r.Text, Want: id})
		}
	}
	return out
}

// offTopic converts rows to samples expecting no answer.
func offTopic(rows []row, keep func(row) bool) []sample {
	var out []sample
	for _, r := range rows {
		if keep(r) {
			out = append(out, sample{Text: r.Text})
		}
	}
	return out
}

func isOOS(r row) bool { return r.Label == "oos" }

// isOtherCLINC keeps the CLINC150 intents unrelated to shopping (topic
// other_in_scope), which must not get an FAQ answer either.
func isOtherCLINC(r row) bool { return r.Topic == "other_in_scope" }

// testSets returns the evaluation sets of the test split, in report order.
// Only these numbers are reported; nothing is tuned on them.
func testSets(t testing.TB) []evalSet {
	t.Helper()
	clinc := readRows(t, "clinc150_test_en.jsonl.gz")
	return []evalSet{
		{Name: "Bitext 8k (EN)", Samples: bitextSamples(t, readRows(t, "bitext_cs_8k_en.jsonl.gz")), Target: true},
		{Name: "CLINC150 test oos (EN)", Samples: offTopic(clinc, isOOS), Target: true},
		{Name: "CLINC150 test, non-shop intents (EN)", Samples: offTopic(clinc, isOtherCLINC)},
		{Name: "hand-written FR", Samples: readSamples(t, "fr_test.jsonl")},
		{Name: "hand-written EN returns", Samples: readSamples(t, "en_returns_test.jsonl")},
	}
}

// devSets returns the evaluation sets of the dev split, used to fit the
// calibration and choose thresholds: the Bitext 20k rows whose text is not in
// the 8k file (at most devPerIntent per intent, spread over the file),
// CLINC150 validation and the hand-written dev sets.
func devSets(t testing.TB) []evalSet {
	t.Helper()
	inTest := make(map[string]bool)
	for _, r := range readRows(t, "bitext_cs_8k_en.jsonl.gz") {
		inTest[strings.ToLower(r.Text)] = true
	}
	byIntent := make(map[string][]row)
	var order []string
	for _, r := range readRows(t, "bitext_cs_20k_en.jsonl.gz") {
		if inTest[strings.ToLower(r.Text)] {
			continue
		}
		if _, ok := byIntent[r.Label]; !ok {
			order = append(order, r.Label)
		}
		byIntent[r.Label] = append(byIntent[r.Label], r)
	}
	var dev []row
	for _, label := range order {
		rows := byIntent[label]
		n := min(len(rows), devPerIntent)
		for i := range n {
			dev = append(dev, rows[i*len(rows)/n])
		}
	}
	clinc := readRows(t, "clinc150_val_en.jsonl.gz")
	return []evalSet{
		{Name: "Bitext 20k minus 8k (EN)", Samples: bitextSamples(t, dev)},
		{Name: "CLINC150 val oos (EN)", Samples: offTopic(clinc, isOOS)},
		{Name: "CLINC150 val, non-shop intents (EN)", Samples: offTopic(clinc, isOtherCLINC)},
		{Name: "hand-written FR dev", Samples: readSamples(t, "fr_dev.jsonl")},
		{Name: "hand-written EN returns dev", Samples: readSamples(t, "en_returns_dev.jsonl")},
	}
}

// devPerIntent caps the dev rows of one Bitext intent (payment_issue alone
// has 4,352) so that no intent dominates the fit.
const devPerIntent = 400

func (s sample) String() string { return fmt.Sprintf("%q (want %q)", s.Text, s.Want) }
