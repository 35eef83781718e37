package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"strings"

	"github.com/relaisbot/relais/bot"
	"github.com/relaisbot/relais/config"
)

type tryOptions struct {
	lang string // auto, fr or en
	json bool
}

// tryOutput is one line of `relais try --json`.
type tryOutput struct {
	Lang        bot.Lang       `json:"lang"`
	Action      bot.Action     `json:"action"`
	FAQID       string         `json:"faq_id"`
	Confidence  float64        `json:"confidence"`
	Candidates  []tryCandidate `json:"candidates"`
	Reply       string         `json:"reply"`
	Frustration tryFrustration `json:"frustration"`
	Error       string         `json:"error,omitempty"`
}

// tryFrustration is the frustration the handoff policy sees in the message.
type tryFrustration struct {
	Score   float64  `json:"score"`
	Reasons []string `json:"reasons"`
}

type tryCandidate struct {
	ID    string  `json:"id"`
	Score float64 `json:"score"`
}

// runTry prints what the bot answers to a message, through the same decision
// code as live chat, without storing a conversation.
func runTry(ctx context.Context, cfg config.Config, opts tryOptions, message string, stdin io.Reader, stdout io.Writer, logger *slog.Logger) error {
	var lang bot.Lang
	if opts.lang != "auto" {
		l, err := bot.ParseLang(opts.lang)
		if err != nil {
			return fmt.Errorf("--lang: %w", err)
		}
		lang = l
	}
	a, err := newApp(ctx, cfg, logger, nil)
	if err != nil {
		return err
	}
	defer a.close()

	if message != "-" {
		out, err := tryOne(ctx, a.engine, message, lang)
		if err != nil {
			return err
		}
		if opts.json {
			return json.NewEncoder(stdout).Encode(out)
		}
		return printTry(stdout, out)
	}

	// One message per line in, one JSON object per line out. A bad line gets
	// an object with "error" and the run goes on.
	enc := json.NewEncoder(stdout)
	sc := bufio.NewScanner(stdin)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if err := ctx.Err(); err != nil {
			return err
		}
		out, err := tryOne(ctx, a.engine, sc.Text(), lang)
		if err != nil {
			if bot.ErrorKind(err) == bot.EInternal {
				return err
			}
			out = tryOutput{Error: bot.ErrorMessage(err), Candidates: []tryCandidate{}}
		}
		if err := enc.Encode(out); err != nil {
			return err
		}
	}
	return sc.Err()
}

func tryOne(ctx context.Context, e *bot.Engine, text string, lang bot.Lang) (tryOutput, error) {
	r, err := e.Try(ctx, text, lang)
	if err != nil {
		return tryOutput{}, err
	}
	out := tryOutput{
		Lang: r.Lang, Action: r.Action, FAQID: r.FAQID, Confidence: round(r.Confidence),
		Candidates: make([]tryCandidate, 0, len(r.Candidates)), Reply: r.Reply,
		Frustration: tryFrustration{Score: round(r.Assessment.Score), Reasons: r.Assessment.Signals},
	}
	if out.Frustration.Reasons == nil {
		out.Frustration.Reasons = []string{}
	}
	for _, c := range r.Candidates {
		out.Candidates = append(out.Candidates, tryCandidate{ID: c.ID, Score: round(c.Score)})
	}
	return out, nil
}

func printTry(w io.Writer, out tryOutput) error {
	var b strings.Builder
	fmt.Fprintf(&b, "language:   %s\n", out.Lang)
	fmt.Fprintf(&b, "action:     %s\n", out.Action)
	if out.FAQID != "" {
		fmt.Fprintf(&b, "entry:      %s\n", out.FAQID)
	}
	fmt.Fprintf(&b, "confidence: %.2f\n", out.Confidence)
	if len(out.Candidates) > 0 {
		parts := make([]string, len(out.Candidates))
		for i, c := range out.Candidates {
			parts[i] = fmt.Sprintf("%s (%.2f)", c.ID, c.Score)
		}
		fmt.Fprintf(&b, "candidates: %s\n", strings.Join(parts, ", "))
	}
	fmt.Fprintf(&b, "frustration: %.2f", out.Frustration.Score)
	if len(out.Frustration.Reasons) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(out.Frustration.Reasons, "; "))
	}
	fmt.Fprintf(&b, "\nreply:\n  %s\n", strings.ReplaceAll(out.Reply, "\n", "\n  "))
	_, err := io.WriteString(w, b.String())
	return err
}

func round(f float64) float64 { return math.Round(f*1000) / 1000 }
