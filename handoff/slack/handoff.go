package slack

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/relaisbot/relais/bot"
	"github.com/relaisbot/relais/handoff"
)

// progress is how far the delivery of one outbox item got, so that a retry
// does not post twice what Slack accepted (Slack has no idempotency keys).
// It lives in memory: after a restart a half-delivered item is delivered
// again from its start (at least once).
type progress struct {
	parentTS string // the parent message posted but not yet saved as the thread
	posts    int    // thread posts made
}

// maxProgress bounds the progress map (entries of items given up on).
const maxProgress = 10000

func (a *Adapter) progressOf(itemID int64) progress {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.progress[itemID]
}

func (a *Adapter) setProgress(itemID int64, fn func(*progress)) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.progress) >= maxProgress {
		clear(a.progress)
	}
	p := a.progress[itemID]
	fn(&p)
	a.progress[itemID] = p
}

func (a *Adapter) clearProgress(itemID int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.progress, itemID)
}

// deliverHandoff opens the conversation's thread (parent message, then the
// transcript up to the hand-over) or, when the conversation was handed over
// before, updates the parent and posts what happened since the previous
// hand-over in the same thread.
func (a *Adapter) deliverHandoff(ctx context.Context, it bot.OutboxItem) error {
	conv, err := a.store.Conversation(ctx, it.ConversationID)
	if err != nil {
		return fmt.Errorf("load conversation: %w", err)
	}
	var hp *bot.Handoff
	if h, err := a.store.LatestHandoff(ctx, conv.ID); err == nil {
		hp = &h
	} else if bot.ErrorKind(err) != bot.ENotFound {
		return fmt.Errorf("load handoff: %w", err)
	}
	msgs, err := a.allMessages(ctx, conv.ID)
	if err != nil {
		return err
	}
	at := it.CreatedAt
	if at.IsZero() {
		at = time.Now()
	}
	end, prev := handoffBounds(msgs, at)
	summary := a.startSummary(ctx, hp, msgs[:end]) // written while the hand-over is posted
	defer summary.stop()
	th, ok, err := a.thread(ctx, conv.ID)
	if err != nil {
		return err
	}
	title, from := a.texts.TranscriptTitle, 0
	switch {
	case !ok:
		if th, err = a.openThread(ctx, it.ID, conv, hp); err != nil {
			return err
		}
	default:
		if a.progressOf(it.ID).posts == 0 {
			if err := a.updateParent(ctx, th, a.texts.Waiting); err != nil {
				return err
			}
		}
		if th.CreatedAt.Before(at.Truncate(time.Millisecond)) && prev >= 0 {
			title, from = a.texts.AgainTitle, prev+1
		}
	}
	if err := a.postAll(ctx, it.ID, th, a.transcript(title, msgs[from:end])); err != nil {
		return err
	}
	a.showSummary(ctx, th, summary)
	return nil
}

// openThread posts the parent message and records it as the conversation's
// thread. A parent posted by an earlier attempt is reused.
func (a *Adapter) openThread(ctx context.Context, itemID int64, conv bot.Conversation, h *bot.Handoff) (handoff.Thread, error) {
	th := handoff.Thread{ConversationID: conv.ID, Desk: deskName, Channel: a.cfg.Channel,
		Thread: a.progressOf(itemID).parentTS, CreatedAt: time.Now().UTC()}
	if th.Thread == "" {
		_, ts, err := a.api.PostMessageContext(ctx, a.cfg.Channel, a.parent(conv, h, a.texts.Waiting)...)
		if err != nil {
			return th, fmt.Errorf("post parent message: %w", err)
		}
		th.Thread = ts
		a.setProgress(itemID, func(p *progress) { p.parentTS = ts })
	}
	err := a.store.SaveDeskThread(ctx, th)
	if bot.ErrorKind(err) == bot.EConflict {
		// Another instance opened it meanwhile: use theirs (ours stays orphaned).
		a.logger.Warn("slack: thread opened twice", "conversation", conv.ID)
		existing, _, lerr := a.thread(ctx, conv.ID)
		return existing, lerr
	}
	if err != nil {
		return th, fmt.Errorf("save thread: %w", err)
	}
	a.logger.Info("slack: thread opened", "conversation", conv.ID, "channel", th.Channel, "thread", th.Thread)
	return th, nil
}

// allMessages returns every message of a conversation, oldest first.
func (a *Adapter) allMessages(ctx context.Context, conversationID int64) ([]bot.Message, error) {
	const page = 500
	var all []bot.Message
	for after := int64(0); ; {
		msgs, err := a.store.Messages(ctx, conversationID, after, page)
		if err != nil {
			return nil, fmt.Errorf("load messages: %w", err)
		}
		all = append(all, msgs...)
		if len(msgs) < page {
			return all, nil
		}
		after = msgs[len(msgs)-1].ID
	}
}

// handoffBounds finds, for the hand-over made at `at`, where its transcript
// ends (after its hand-over notice, so later customer messages, which are
// relayed one by one, are not shown twice) and the index of the previous
// hand-over notice (-1 if none).
func handoffBounds(msgs []bot.Message, at time.Time) (end, prev int) {
	at = at.Truncate(time.Millisecond)
	end, notice := len(msgs), -1
	for i, m := range msgs {
		if m.CreatedAt.Truncate(time.Millisecond).After(at) {
			end = i
			break
		}
		if m.Role == bot.RoleBot && m.Action == bot.ActionHandoff {
			notice = i
		}
	}
	if notice >= 0 {
		end = notice + 1
	}
	prev = -1
	for i := notice - 1; i >= 0; i-- {
		if msgs[i].Role == bot.RoleBot && msgs[i].Action == bot.ActionHandoff {
			prev = i
			break
		}
	}
	return end, prev
}

// transcript renders messages under a title (with a %d for their number)
// as thread posts within Slack's limits.
func (a *Adapter) transcript(title string, msgs []bot.Message) []string {
	n := len(msgs)
	head := fmt.Sprintf(title, n)
	if n > maxTranscript {
		head += "\n_" + fmt.Sprintf(a.texts.Omitted, n-maxTranscript) + "_"
		msgs = msgs[n-maxTranscript:]
	}
	entries := make([]entry, len(msgs))
	for i, m := range msgs {
		entries[i] = a.entry(m)
	}
	return chunk(head, entries, a.texts.Continued, maxPostBytes)
}

// entry renders one message: who wrote it, when, and the escaped text.
func (a *Adapter) entry(m bot.Message) entry {
	role := a.texts.CustomerRole
	switch m.Role {
	case bot.RoleBot:
		role = a.texts.BotRole
	case bot.RoleAgent:
		role = fmt.Sprintf(a.texts.AgentRole, escape(truncate(m.Author, 200)))
	}
	text := m.Text
	if strings.TrimSpace(text) == "" && m.Payload != "" {
		text = "[" + m.Payload + "]" // a button without a label
	}
	return entry{
		header: "*" + role + "* · " + dateToken(m.CreatedAt, "{date_short} {time}"),
		lines:  escapedLines(text, maxLineBytes),
	}
}
