package slack

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/slack-go/slack"

	"github.com/relaisbot/relais/bot"
)

// deliverErase deletes Relais's copies of an erased conversation: every
// message the app posted in its thread, replies first, the parent (the
// hand-over summary) last. Slack lets an app delete only its own messages:
// agents' replies stay, and are counted in the log. A retry starts over from
// the thread as it is, so an interrupted erasure finishes without errors.
func (a *Adapter) deliverErase(ctx context.Context, it bot.OutboxItem) error {
	var p bot.ErasePayload
	if err := json.Unmarshal(it.Payload, &p); err != nil || p.Channel == "" || p.Thread == "" {
		return bot.Permanent(fmt.Errorf("decode erasure of item %d: bad payload", it.ID))
	}
	own, others, err := a.threadAuthors(ctx, p.Channel, p.Thread)
	switch {
	case slackCode(err) == "thread_not_found":
		return nil // already gone
	case err != nil:
		return err
	}
	deleted := 0
	for i := len(own) - 1; i >= 0; i-- { // newest first: the parent, oldest, goes last
		_, _, err := a.api.DeleteMessageContext(ctx, p.Channel, own[i])
		switch code := slackCode(err); {
		case err == nil:
			deleted++
		case code == "message_not_found":
		case code == "cant_delete_message":
			others++
		default:
			return fmt.Errorf("chat.delete: %w", err)
		}
	}
	a.logger.Info("slack: erased conversation's thread", "channel", p.Channel, "thread", p.Thread,
		"deleted", deleted, "kept_agents_messages", others)
	return nil
}

// threadAuthors lists a thread's messages: the timestamps of the app's own,
// oldest first, and how many are someone else's.
func (a *Adapter) threadAuthors(ctx context.Context, channel, thread string) (own []string, others int, err error) {
	params := &slack.GetConversationRepliesParameters{ChannelID: channel, Timestamp: thread, Limit: 200, Inclusive: true}
	for {
		msgs, more, next, err := a.api.GetConversationRepliesContext(ctx, params)
		if err != nil {
			return nil, 0, fmt.Errorf("conversations.replies: %w", err)
		}
		for _, m := range msgs {
			if m.User == a.botUserID {
				own = append(own, m.Timestamp)
			} else {
				others++
			}
		}
		if !more || next == "" {
			return own, others, nil
		}
		params.Cursor = next
	}
}
