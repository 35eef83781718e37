package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/relaisbot/relais/bot"
	"github.com/relaisbot/relais/faq"
	"github.com/relaisbot/relais/handoff"
	"github.com/relaisbot/relais/storage"
)

// reportOptions are the flags of `relais report`.
type reportOptions struct {
	since string // "7d", "24h", …
	json  bool
	lang  string
}

// topGaps is how many groups of unanswered questions a report lists.
const topGaps = 10

// buildReport computes the service-quality report of the last `since`.
func buildReport(ctx context.Context, db *storage.DB, since time.Duration, now time.Time) (handoff.Report, []handoff.Gap, error) {
	from := now.Add(-since)
	r, err := handoff.BuildReport(ctx, db, from, now)
	if err != nil {
		return r, nil, err
	}
	qs, err := db.UnansweredQuestions(ctx, from, now, 10000)
	if err != nil {
		return r, nil, err
	}
	var gaps []handoff.Gap
	for _, g := range faq.GroupQuestions(qs, topGaps) {
		gaps = append(gaps, handoff.Gap{Example: g.Example, Lang: g.Lang, Count: g.Count})
	}
	return r, gaps, nil
}

// runReport prints the service-quality report.
func runReport(ctx context.Context, db *storage.DB, opts reportOptions, stdout io.Writer) error {
	since, err := parseSince(opts.since)
	if err != nil {
		return err
	}
	lang, err := bot.ParseLang(opts.lang)
	if err != nil {
		return fmt.Errorf("--lang: %w", err)
	}
	r, gaps, err := buildReport(ctx, db, since, time.Now())
	if err != nil {
		return err
	}
	if opts.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if gaps == nil {
			gaps = []handoff.Gap{}
		}
		return enc.Encode(struct {
			handoff.Report
			Unanswered []handoff.Gap `json:"top_unanswered"`
		}{r, gaps})
	}
	_, err = io.WriteString(stdout, r.Format(lang, gaps))
	return err
}

// parseSince reads a period such as "7d", "36h" or "90m".
func parseSince(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n <= 0 {
			return 0, fmt.Errorf("--since %q: want a period such as 7d, 24h or 90m", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("--since %q: want a period such as 7d, 24h or 90m", s)
	}
	return d, nil
}
