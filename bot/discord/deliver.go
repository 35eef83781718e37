package discord

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/bwmarrin/discordgo"

	"github.com/relaisbot/relais/bot"
)

// createMessage is the body of Discord's "create message", with the nonce
// fields discordgo's MessageSend lacks.
type createMessage struct {
	Content         string                            `json:"content,omitempty"`
	Components      []discordgo.MessageComponent      `json:"components,omitempty"`
	AllowedMentions *discordgo.MessageAllowedMentions `json:"allowed_mentions"`
	Nonce           string                            `json:"nonce,omitempty"`
	EnforceNonce    bool                              `json:"enforce_nonce,omitempty"`
}

// noMentions allows no mention at all: {"parse": []}.
func noMentions() *discordgo.MessageAllowedMentions {
	return &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}
}

// Deliver posts one outbox item (bot.KindDeliver: a bot or agent message) to
// the customer: where they wrote last, else by DM. It implements
// bot.Deliverer: nil once delivered, a *bot.RetryAfterError when Discord
// rate-limits, a permanent error when the token, the channel or the customer
// cannot be reached for good (with what to fix), a plain error otherwise.
// Each part carries a nonce made from the item's id with enforce_nonce, so a
// retry after an ambiguous failure does not post twice; parts posted before
// a failure are skipped on retry. A bot.KindErase item deletes Relais's
// copies of an erased customer (see deliverErase).
func (a *Adapter) Deliver(ctx context.Context, it bot.OutboxItem) error {
	if it.Kind == bot.KindErase {
		return a.classify(a.deliverErase(ctx, it))
	}
	if it.Kind != bot.KindDeliver {
		return bot.Permanent(fmt.Errorf("discord: unknown outbox item kind %q", it.Kind))
	}
	m, err := a.store.MessageByID(ctx, it.MessageID)
	if err != nil {
		return a.classify(fmt.Errorf("load message %d: %w", it.MessageID, err))
	}
	conv, err := a.store.Conversation(ctx, m.ConversationID)
	if err != nil {
		return a.classify(fmt.Errorf("load conversation %d: %w", m.ConversationID, err))
	}
	switch {
	case conv.Channel != bot.ChannelDiscord:
		return bot.Permanent(fmt.Errorf("discord: conversation %d is on channel %s", conv.ID, conv.Channel))
	case m.Role == bot.RoleCustomer:
		return nil // the customer wrote it on Discord
	}
	channelID, err := a.route(ctx, conv.CustomerKey)
	if err != nil {
		return a.classify(err)
	}
	parts := render(m)
	for i := a.progressOf(it.ID); i < len(parts); i++ {
		if err := a.post(ctx, channelID, parts[i], nonce(it.ID, i)); err != nil {
			return a.classify(err)
		}
		a.setProgress(it.ID, i+1)
	}
	a.setProgress(it.ID, 0)
	a.health.delivered()
	return nil
}

// route returns where the customer gets replies: where they wrote last, or
// a DM channel with them.
func (a *Adapter) route(ctx context.Context, userID string) (string, error) {
	ch, err := a.store.DiscordRoute(ctx, userID)
	switch {
	case err == nil:
		return ch, nil
	case bot.ErrorKind(err) != bot.ENotFound:
		return "", fmt.Errorf("load route: %w", err)
	case !a.cfg.DMs:
		return "", bot.Permanent(errors.New("discord: no channel to reach this customer, and direct messages are off"))
	}
	dm, err := a.session.UserChannelCreate(userID, discordgo.WithContext(ctx))
	if err != nil {
		return "", fmt.Errorf("open a DM channel: %w", err)
	}
	if err := a.store.SetDiscordRoute(ctx, userID, dm.ID); err != nil {
		return "", fmt.Errorf("save route: %w", err)
	}
	return dm.ID, nil
}

// post creates a message in channelID with no allowed mentions. A non-empty
// nonce is enforced: Discord returns the earlier message instead of posting
// the same nonce twice within a few minutes.
func (a *Adapter) post(ctx context.Context, channelID string, m outMessage, nonce string) error {
	ep := discordgo.EndpointChannelMessages(channelID)
	body := createMessage{Content: m.content, Components: m.components, AllowedMentions: noMentions(),
		Nonce: nonce, EnforceNonce: nonce != ""}
	if _, err := a.session.RequestWithBucketID(http.MethodPost, ep, body, ep, discordgo.WithContext(ctx)); err != nil {
		return fmt.Errorf("create message: %w", err)
	}
	return nil
}

// nonce is the nonce of part n of an outbox item (Discord allows 25 characters).
func nonce(itemID int64, part int) string {
	return "o" + strconv.FormatInt(itemID, 36) + "." + strconv.Itoa(part)
}

// progressOf returns how many parts of an item were posted already.
func (a *Adapter) progressOf(itemID int64) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.progress[itemID]
}

// setProgress records that n parts of an item were posted (0: forget it).
func (a *Adapter) setProgress(itemID int64, n int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if n == 0 {
		delete(a.progress, itemID)
		return
	}
	if len(a.progress) >= 10_000 { // items given up on mid-way: forget them all
		clear(a.progress)
	}
	a.progress[itemID] = n
}
