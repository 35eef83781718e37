package handoff

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/relaisbot/relais/bot"
)

// Gap is a group of similar questions the bot could not answer.
type Gap struct {
	Example string   `json:"example"`
	Lang    bot.Lang `json:"lang"`
	Count   int      `json:"count"`
}

type reportTexts struct {
	Title, Conversations, BotResolved, Handoffs, FirstReply, Resolution, CSAT, Reopened, Gaps, NoGaps string
	Median, P90, None, Days, WithQuestions                                                            string
	Reasons                                                                                           map[string]string
}

var reportLabels = map[bot.Lang]reportTexts{
	bot.LangEN: {
		Title: "Service quality, %s → %s (%s)", Conversations: "Conversations", BotResolved: "Resolved by the bot",
		Handoffs: "Handed to a person", FirstReply: "First agent reply", Resolution: "Time to resolution",
		CSAT: "Satisfaction (CSAT)", Reopened: "Reopened", Gaps: "Top unanswered questions (add them to the FAQ)",
		NoGaps: "none: the bot knew what to say", Median: "median", P90: "p90", None: "—", Days: "%d days",
		WithQuestions: "%d, of which %d with a question",
		Reasons: map[string]string{ReasonExplicit: "asked for a person", ReasonFrustration: "frustration",
			ReasonBotFailures: "bot did not understand", ReasonNegative: "unhelpful answers"},
	},
	bot.LangFR: {
		Title: "Qualité de service, %s → %s (%s)", Conversations: "Conversations", BotResolved: "Résolues par le bot",
		Handoffs: "Transmises à une personne", FirstReply: "Première réponse d'un agent", Resolution: "Délai de résolution",
		CSAT: "Satisfaction (CSAT)", Reopened: "Rouvertes", Gaps: "Questions sans réponse les plus fréquentes (à ajouter à la FAQ)",
		NoGaps: "aucune : le bot a su répondre", Median: "médiane", P90: "p90", None: "—", Days: "%d jours",
		WithQuestions: "%d, dont %d avec une question",
		Reasons: map[string]string{ReasonExplicit: "demande d'une personne", ReasonFrustration: "frustration",
			ReasonBotFailures: "le bot n'a pas compris", ReasonNegative: "réponses inutiles"},
	},
}

// Format renders the report as plain text in lang, with the gaps found in
// unanswered questions.
func (r Report) Format(lang bot.Lang, gaps []Gap) string {
	t, ok := reportLabels[lang]
	if !ok {
		t = reportLabels[bot.LangEN]
	}
	pct := func(f float64) string { return percent(f, lang) }
	var b strings.Builder
	days := int(r.Until.Sub(r.Since).Round(time.Hour).Hours() / 24)
	fmt.Fprintf(&b, t.Title+"\n\n", r.Since.Format(time.DateOnly), r.Until.Format(time.DateOnly), fmt.Sprintf(t.Days, days))
	row := func(label, value string) { fmt.Fprintf(&b, "%-28s %s\n", label, value) }
	row(t.Conversations, fmt.Sprintf(t.WithQuestions, r.Conversations, r.WithQuestions))
	row(t.BotResolved, fmt.Sprintf("%d (%s)", r.BotResolved, pct(r.BotResolutionRate)))
	handoffs := fmt.Sprintf("%d (%s)", r.Handoffs, pct(r.HandoffRate))
	if len(r.HandoffsByReason) > 0 {
		reasons := make([]string, 0, len(r.HandoffsByReason))
		for reason, n := range r.HandoffsByReason {
			label := t.Reasons[reason]
			if label == "" {
				label = reason
			}
			reasons = append(reasons, fmt.Sprintf("%s %d", label, n))
		}
		sort.Strings(reasons)
		handoffs += ": " + strings.Join(reasons, ", ")
	}
	row(t.Handoffs, handoffs)
	row(t.FirstReply, r.FirstReply.format(t))
	row(t.Resolution, r.Resolution.format(t))
	csat := t.None
	if r.CSAT.Count > 0 {
		dist := make([]string, 5)
		for i, n := range r.CSAT.Distribution {
			dist[i] = fmt.Sprintf("%d★ %d", i+1, n)
		}
		csat = fmt.Sprintf("%.1f / 5 (n=%d; %s)", r.CSAT.Average, r.CSAT.Count, strings.Join(dist, " · "))
	}
	row(t.CSAT, csat)
	row(t.Reopened, fmt.Sprintf("%d / %d (%s)", r.Reopened, r.Resolved, pct(r.ReopenRate)))
	fmt.Fprintf(&b, "\n%s\n", t.Gaps)
	if len(gaps) == 0 {
		fmt.Fprintf(&b, "  %s\n", t.NoGaps)
	}
	for _, g := range gaps {
		fmt.Fprintf(&b, "%4d  %s (%s)\n", g.Count, g.Example, g.Lang)
	}
	return b.String()
}

func (d Durations) format(t reportTexts) string {
	if d.Count == 0 {
		return t.None
	}
	return fmt.Sprintf("%s %s, %s %s (n=%d)", t.Median, time.Duration(d.Median).Round(time.Second),
		t.P90, time.Duration(d.P90).Round(time.Second), d.Count)
}

func percent(f float64, lang bot.Lang) string {
	s := fmt.Sprintf("%.1f %%", 100*f)
	if lang == bot.LangFR {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}
