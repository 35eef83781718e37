package slack

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/relaisbot/relais/bot"
	"github.com/relaisbot/relais/faq"
	"github.com/relaisbot/relais/handoff"
)

// ShortcutDraft is the callback id of the "Propose as FAQ" message shortcut
// (manifest.json).
const ShortcutDraft = "relais_faq_draft"

// draftCommands start a reply in a conversation thread that proposes the
// agent's latest reply as a FAQ draft instead of going to the customer,
// optionally followed by the entry id suggested: "!faq shipping.gift-wrap".
var draftCommands = []string{"!faq", "faq: draft", "faq:draft"}

// draftCommand reports whether an agent's message in a thread is a draft
// command, and the id it suggests.
func draftCommand(text string) (suggested string, ok bool) {
	t := strings.TrimSpace(unescaper.Replace(text))
	for _, c := range draftCommands {
		if len(t) >= len(c) && strings.EqualFold(t[:len(c)], c) {
			rest := t[len(c):]
			if rest != "" && rest[0] != ' ' && rest[0] != '\n' {
				continue // "!faqs", "!faq:…": not the command
			}
			fields := strings.Fields(rest)
			if len(fields) > 0 {
				suggested = fields[0]
			}
			return suggested, true
		}
	}
	return "", false
}

// proposeFromShortcut runs the "Propose as FAQ" shortcut on a message: an
// agent's reply in a conversation thread becomes a draft, paired with the
// customer's last question before it. The user is told the outcome.
func (a *Adapter) proposeFromShortcut(ctx context.Context, cb slack.InteractionCallback) {
	user, channel, m := cb.User.ID, cb.Channel.ID, cb.Message
	log := a.logger.With("user", user, "channel", channel, "ts", m.Timestamp)
	tell := func(text string) { a.tell(ctx, cb.ResponseURL, channel, m.ThreadTimestamp, user, text) }
	if a.getAdmin() == nil {
		tell(a.atexts.DraftOff)
		return
	}
	switch {
	case channel != a.cfg.Channel || m.ThreadTimestamp == "" || m.ThreadTimestamp == m.Timestamp:
		tell(a.atexts.DraftNotThread)
		return
	case m.BotID != "" || m.User == "" || m.User == a.self():
		tell(a.atexts.DraftNotAgent)
		return
	}
	th, err := a.store.ThreadConversation(ctx, deskName, channel, m.ThreadTimestamp)
	if bot.ErrorKind(err) == bot.ENotFound {
		tell(a.atexts.DraftNotThread)
		return
	}
	if err != nil {
		log.Error("slack: cannot look up a thread", "err", err)
		tell(a.atexts.Internal)
		return
	}
	msgs, err := a.allMessages(ctx, th.ConversationID)
	if err != nil {
		log.Error("slack: cannot load a conversation", "conversation", th.ConversationID, "err", err)
		tell(a.atexts.Internal)
		return
	}
	id := externalID(channel, m.Timestamp)
	answer, at := "", tsTime(m.Timestamp)
	for _, msg := range msgs {
		if msg.ExternalID == id {
			answer, at = msg.Text, msg.CreatedAt // what the customer got
		}
	}
	if answer == "" { // an internal note, or a reply Relais did not relay
		answer = a.stripNote(a.plainText(ctx, m.Text))
	}
	text, err := a.propose(ctx, th, a.person(ctx, user, cb.User.Name), msgs, answer, at,
		draftSource(channel, m.ThreadTimestamp, m.Timestamp), "")
	if err != nil {
		log.Error("slack: cannot store a FAQ draft", "conversation", th.ConversationID, "err", err)
		text = a.atexts.Internal
	}
	tell(text)
}

// proposeFromThread runs a draft command written in a conversation thread:
// the latest agent reply relayed in the conversation becomes a draft. The
// agent is told the outcome in the thread, privately. An error means the
// event should be handled again.
func (a *Adapter) proposeFromThread(ctx context.Context, ev *slackevents.MessageEvent, th handoff.Thread, suggested string) error {
	tell := func(text string) { a.tell(ctx, "", ev.Channel, ev.ThreadTimeStamp, ev.User, text) }
	if a.getAdmin() == nil {
		tell(a.atexts.DraftOff)
		return nil
	}
	msgs, err := a.allMessages(ctx, th.ConversationID)
	if err != nil {
		return err
	}
	var reply *bot.Message
	for i := len(msgs) - 1; i >= 0 && reply == nil; i-- {
		if msgs[i].Role == bot.RoleAgent {
			reply = &msgs[i]
		}
	}
	if reply == nil {
		tell(fmt.Sprintf(a.atexts.DraftNoReply, "`!faq`"))
		return nil
	}
	source := reply.ExternalID
	if _, ts, ok := parseExternalID(reply.ExternalID); ok {
		source = draftSource(th.Channel, th.Thread, ts)
	}
	text, err := a.propose(ctx, th, a.person(ctx, ev.User, ev.User), msgs, reply.Text, reply.CreatedAt, source, suggested)
	if err != nil {
		return fmt.Errorf("store FAQ draft: %w", err)
	}
	tell(text)
	return nil
}

// draftSource is the source of a FAQ draft made of message ts in a
// conversation's thread: "slack:CHANNEL:THREAD:TS". Erasing the customer
// deletes the pending drafts whose source starts with their thread's
// "slack:CHANNEL:THREAD:" (storage's erase), as they quote the customer.
func draftSource(channel, thread, ts string) string {
	return "slack:" + channel + ":" + thread + ":" + ts
}

// propose stores answer (given at `at`) as a draft, with the customer's
// last question before it, and returns what to tell the agent.
func (a *Adapter) propose(ctx context.Context, th handoff.Thread, actor faq.Actor, msgs []bot.Message, answer string, at time.Time, source, suggested string) (string, error) {
	question := ""
	for _, m := range msgs {
		if m.CreatedAt.After(at) {
			break
		}
		if m.Role == bot.RoleCustomer && m.Payload == "" && strings.TrimSpace(m.Text) != "" {
			question = m.Text
		}
	}
	if question == "" {
		return a.atexts.DraftNoQuestion, nil
	}
	lang := bot.Lang("")
	if conv, err := a.store.Conversation(ctx, th.ConversationID); err == nil {
		lang = conv.Lang
	}
	r, err := a.getAdmin().Draft(ctx, actor, faq.Draft{Question: question, Answer: answer, SuggestedID: suggested,
		Lang: lang, Source: source})
	if err != nil {
		return "", err
	}
	a.logger.Info("slack: FAQ draft proposed", "conversation", th.ConversationID, "agent", actor.ID,
		"problems", len(r.Problems), "answer_bytes", len(answer))
	return r.Text, nil
}

// stripNote removes an internal note's marker.
func (a *Adapter) stripNote(text string) string {
	t := strings.TrimSpace(text)
	for _, marker := range []string{a.cfg.NoteMarker, "!note"} {
		if len(t) >= len(marker) && strings.EqualFold(t[:len(marker)], marker) {
			return strings.TrimSpace(t[len(marker):])
		}
	}
	return t
}

// tsTime reads a Slack timestamp ("1700000000.000100").
func tsTime(ts string) time.Time {
	sec, frac, _ := strings.Cut(ts, ".")
	s, err := strconv.ParseInt(sec, 10, 64)
	if err != nil {
		return time.Now()
	}
	us, _ := strconv.ParseInt((frac + "000000")[:6], 10, 64)
	return time.Unix(s, us*1000)
}
