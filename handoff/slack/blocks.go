package slack

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"github.com/relaisbot/relais/bot"
)

// Action ids of the parent message's buttons. Their value is the
// conversation id.
const (
	ActionClaim     = "relais_claim"
	ActionResolve   = "relais_resolve"
	ActionBackToBot = "relais_back_to_bot"
)

// Block ids of the parent message.
const (
	blockActions = "relais_actions"
	blockStatus  = "relais_status"
)

// postOptions go with every post: mentions are never linked and links are
// not unfurled (Slack must not fetch URLs customers wrote).
func postOptions() []slack.MsgOption {
	return []slack.MsgOption{slack.MsgOptionLinkNames(false), slack.MsgOptionDisableLinkUnfurl(), slack.MsgOptionDisableMediaUnfurl()}
}

// customerName is how agents see the customer (escaped).
func (a *Adapter) customerName(conv bot.Conversation) string {
	if name := strings.TrimSpace(conv.CustomerName); name != "" {
		return escape(truncate(name, 200))
	}
	return fmt.Sprintf(a.texts.Visitor, conv.ID)
}

// parent returns the parent message of a conversation's thread: who the
// customer is, why and when the bot handed over (h may be nil), the status
// (mrkdwn, escaped) and the buttons.
func (a *Adapter) parent(conv bot.Conversation, h *bot.Handoff, status string) []slack.MsgOption {
	t := a.texts
	md := func(label, value string) *slack.TextBlockObject {
		return slack.NewTextBlockObject(slack.MarkdownType, truncate("*"+label+"*\n"+value, maxFieldBytes), false, false)
	}
	customer := a.customerName(conv)
	fields := []*slack.TextBlockObject{
		md(t.Customer, customer),
		md(t.Channel, escape(t.channel(conv.Channel))),
		md(t.Language, escape(t.lang(conv.Lang))),
	}
	reason := ""
	if h != nil {
		reason = escape(t.reason(h.Reason))
		topic := t.NoTopic
		if h.Topic != "" {
			topic = escape(h.Topic)
		}
		fields = append(fields,
			md(t.Reason, reason+" · "+fmt.Sprintf(t.Score, h.Score)),
			md(t.Topic, topic),
			md(t.WaitingSince, dateToken(h.CreatedAt, "{date_short_pretty} {time}")))
	}
	blocks := []slack.Block{
		slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, t.Title, true, false)),
		slack.NewSectionBlock(nil, fields, nil),
	}
	blocks = append(blocks, a.summaryBlocks(h)...)
	if h != nil && len(h.Signals) > 0 {
		var b strings.Builder
		for _, s := range h.Signals {
			b.WriteString("\n• " + escape(truncate(s, 300)))
		}
		blocks = append(blocks, slack.NewSectionBlock(md(t.Signals, b.String()[1:]), nil, nil))
	}
	value := strconv.FormatInt(conv.ID, 10)
	button := func(id, label string) *slack.ButtonBlockElement {
		return slack.NewButtonBlockElement(id, value, slack.NewTextBlockObject(slack.PlainTextType, label, true, false))
	}
	blocks = append(blocks,
		slack.NewContextBlock(blockStatus, slack.NewTextBlockObject(slack.MarkdownType, status, false, false)),
		slack.NewActionBlock(blockActions,
			button(ActionClaim, t.Claim).WithStyle(slack.StylePrimary),
			button(ActionResolve, t.Resolve),
			button(ActionBackToBot, t.BackBot)),
		slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType, fmt.Sprintf(t.Help, escape(a.cfg.NoteMarker)), false, false)),
	)
	fallback := fmt.Sprintf(t.Fallback, customer, reason)
	return append(postOptions(), slack.MsgOptionText(fallback, false), slack.MsgOptionBlocks(blocks...))
}
