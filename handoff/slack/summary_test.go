package slack_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/relaisbot/relais/bot"
	"github.com/relaisbot/relais/handoff"
	rslack "github.com/relaisbot/relais/handoff/slack"
	"github.com/relaisbot/relais/handoff/slack/slackfake"
)

// fakeSummarizer writes summaries, optionally late, and records what it read.
type fakeSummarizer struct {
	text  string
	delay time.Duration

	mu   sync.Mutex
	seen [][]bot.Message
}

func (f *fakeSummarizer) Summarize(ctx context.Context, _ bot.Lang, msgs []bot.Message) (string, error) {
	f.mu.Lock()
	f.seen = append(f.seen, msgs)
	f.mu.Unlock()
	select {
	case <-time.After(f.delay):
		return f.text, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// parentOf returns the current parent message of a conversation's thread.
func (f *fixture) parentOf(conversationID int64) slackfake.Message {
	f.t.Helper()
	th := f.thread(conversationID)
	m, ok := f.fake.State().Message(channel, th.Thread)
	if !ok {
		f.t.Fatalf("no parent message %s", th.Thread)
	}
	return m
}

func TestHandoffSummaryInParent(t *testing.T) {
	f := newFixture(t, setup{})
	sum := &fakeSummarizer{text: "- Wants a refund <!channel> for a damaged mug.\n- Bot gave the returns policy.\n- Annoyed.\n- A fourth line is dropped."}
	f.adapter.SetSummarizer(sum, f.db, time.Second)
	f.say("ann", "my mug arrived broken "+secretWord, "")
	conv := f.handOff("ann")
	f.deliverAll()

	head, _ := blockContents(t, f.parentOf(conv.ID).Blocks)
	for _, want := range []string{"*📝 Summary (AI)*\nWants a refund &lt;!channel&gt; for a damaged mug.\nBot gave the returns policy.\nAnnoyed.\n"} {
		if !strings.Contains(head, want) {
			t.Errorf("parent lacks %q: %s", want, head)
		}
	}
	if strings.Contains(head, "<!channel>") || strings.Contains(head, "fourth line") {
		t.Errorf("summary not escaped or not cut to 3 lines: %s", head)
	}
	if len(sum.seen) != 1 || !strings.Contains(sum.seen[0][1].Text, "mug arrived broken") {
		t.Fatalf("summarizer read %+v; want the conversation up to the hand-over", sum.seen)
	}

	// A status change rewrites the parent: the summary stays, even after a
	// restart (a new adapter reads it from the store).
	o := f.fake.Options()
	restarted, err := rslack.New(rslack.Config{BotToken: o.BotToken, AppToken: o.AppToken, Channel: channel, APIURL: f.fake.URL()}, f.db, f.logger)
	if err != nil {
		t.Fatal(err)
	}
	restarted.SetDesk(f.service)
	restarted.SetSummarizer(sum, f.db, time.Second)
	f.adapter = restarted
	if err := f.service.Claim(f.ctx, conv.ID, handoff.Agent{ID: "U0ALICE", Name: "Alice"}); err != nil {
		t.Fatal(err)
	}
	f.deliverAll()
	head, _ = blockContents(t, f.parentOf(conv.ID).Blocks)
	if !strings.Contains(head, "Bot gave the returns policy.") || !strings.Contains(head, "Alice") {
		t.Errorf("after a claim and a restart the parent lacks the summary or the claim: %s", head)
	}
	if len(sum.seen) != 1 {
		t.Errorf("summary written %d times, want once", len(sum.seen))
	}
}

// A summary that does not come in time is left out; the hand-over is not
// delayed beyond the timeout.
func TestHandoffSummaryLate(t *testing.T) {
	f := newFixture(t, setup{})
	f.adapter.SetSummarizer(&fakeSummarizer{text: "too late", delay: 10 * time.Second}, f.db, 100*time.Millisecond)
	conv := f.handOff("bob")
	start := time.Now()
	f.deliverAll()
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("delivering the hand-over took %v with a 100ms summary timeout", took)
	}
	if head := f.parentOf(conv.ID); strings.Contains(head.Blocks, "too late") || strings.Contains(head.Blocks, "Summary") {
		t.Errorf("a late summary was shown: %s", head.Blocks)
	}
}
