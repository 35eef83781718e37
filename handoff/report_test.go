package handoff_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/relaisbot/relais/bot"
	"github.com/relaisbot/relais/handoff"
)

// A scripted week of conversations and the figures expected from it.
func TestReport(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	start := e.now
	at := func(d time.Duration) { e.now = start.Add(d) }

	// Resolved by the bot: a 👍, and an answer followed by silence.
	e.say(t, "a", "where is my parcel", bot.LangEN, "")
	e.say(t, "a", "👍", bot.LangEN, bot.PayloadHelpful)
	e.say(t, "b", "where is my parcel", bot.LangEN, "")
	// Not resolved: a 👎, and a question the bot did not know.
	e.say(t, "c", "where is my parcel", bot.LangEN, "")
	e.say(t, "c", "👎", bot.LangEN, bot.PayloadNotHelpful)
	e.say(t, "d", "do you sell blorp", bot.LangEN, "")
	// Small talk only: not a question.
	e.say(t, "e", "hello", bot.LangEN, "")

	// Two hand-overs: replies after 4 and 8 minutes, resolutions after 10 and
	// 20; ratings 5 and 2; the second customer reopens.
	marie := handoff.Agent{Name: "Marie"}
	for i, key := range []string{"f", "g"} {
		at(time.Hour * time.Duration(i+1))
		r := e.say(t, key, "I want to talk to a human", bot.LangEN, "")
		at(time.Hour*time.Duration(i+1) + time.Duration(4*(i+1))*time.Minute)
		if err := e.service.Reply(ctx, r.Conversation.ID, marie, handoff.DeskMessage{Text: "Hello", ExternalID: "slack:" + key}); err != nil {
			t.Fatal(err)
		}
		at(time.Hour*time.Duration(i+1) + time.Duration(10*(i+1))*time.Minute)
		if err := e.service.Resolve(ctx, r.Conversation.ID, marie); err != nil {
			t.Fatal(err)
		}
		e.say(t, key, "rating", bot.LangEN, bot.CSATPayload(5-3*i))
	}
	at(3 * time.Hour)
	e.say(t, "g", "one more thing", bot.LangEN, "")

	r, err := handoff.BuildReport(ctx, e.db, start.Add(-time.Hour), start.Add(48*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	want := handoff.Report{
		Since: start.Add(-time.Hour).UTC(), Until: start.Add(48 * time.Hour).UTC(),
		Conversations: 7, WithQuestions: 6, BotResolved: 2, BotResolutionRate: 2.0 / 6,
		Handoffs: 2, HandoffRate: 2.0 / 6, HandoffsByReason: map[string]int{handoff.ReasonExplicit: 2},
		FirstReply: handoff.Durations{Count: 2, Median: handoff.Seconds(4 * time.Minute), P90: handoff.Seconds(8 * time.Minute)},
		Resolution: handoff.Durations{Count: 2, Median: handoff.Seconds(10 * time.Minute), P90: handoff.Seconds(20 * time.Minute)},
		CSAT:       handoff.CSATSummary{Count: 2, Average: 3.5, Distribution: [5]int{0, 1, 0, 0, 1}},
		Resolved:   2, Reopened: 1, ReopenRate: 0.5,
	}
	if diff := cmp.Diff(want, r); diff != "" {
		t.Errorf("report (-want +got):\n%s", diff)
	}

	// The 24-hour rule: right after the answer, silence is not yet success.
	early, err := handoff.BuildReport(ctx, e.db, start.Add(-time.Hour), start.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if early.BotResolved != 1 {
		t.Errorf("an hour later: %d resolved by the bot, want 1 (only the 👍)", early.BotResolved)
	}

	text := r.Format(bot.LangFR, []handoff.Gap{{Example: "do you sell blorp", Lang: bot.LangEN, Count: 1}})
	for _, want := range []string{"Résolues par le bot", "33,3 %", "demande d'une personne 2", "médiane 4m0s", "3.5 / 5", "do you sell blorp"} {
		if !strings.Contains(text, want) {
			t.Errorf("French report lacks %q:\n%s", want, text)
		}
	}
}
