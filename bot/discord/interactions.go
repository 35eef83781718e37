package discord

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/relaisbot/relais/bot"
)

// Custom ids of the buttons the adapter posts. A quick reply's button
// carries its payload ("qr:feedback:up"); a payload too long for Discord's
// 100 characters is referred to by message and position ("qr#123#0").
const (
	prefixQuickReply = "qr:"
	prefixQuickRef   = "qr#"
	maxCustomID      = 100
)

// Interaction callback types.
const (
	callbackMessage        = 4 // answer with a message
	callbackDeferredUpdate = 6 // acknowledge a click, change nothing
	callbackUpdate         = 7 // acknowledge a click by editing the message
)

// notAvailable answers application commands Relais does not offer (yet).
const notAvailable = "This command is not available."

// onInteractionCreate dispatches interactions by type: button clicks go to
// the customer's queue (the admin form's buttons to handleFix), application
// commands to a.commands, modal submissions (the admin entry form) to
// handleForm. Like onMessageCreate, it never blocks.
func (a *Adapter) onInteractionCreate(_ *discordgo.Session, e *discordgo.InteractionCreate) {
	i := e.Interaction
	user := interactionUser(i)
	if user == nil || user.Bot {
		return
	}
	var job func(context.Context)
	switch i.Type {
	case discordgo.InteractionMessageComponent:
		job = func(ctx context.Context) { a.handleClick(ctx, i, user) }
		if strings.HasPrefix(i.MessageComponentData().CustomID, prefixFix) {
			job = func(ctx context.Context) { a.handleFix(ctx, i) }
		}
	case discordgo.InteractionApplicationCommand:
		job = func(ctx context.Context) { a.handleCommand(ctx, i) }
	case discordgo.InteractionModalSubmit:
		job = func(ctx context.Context) { a.handleForm(ctx, i) }
	default:
		return // autocomplete: nothing Relais offers
	}
	if !a.work.Add(user.ID, job) {
		a.logger.Warn("discord: interaction dropped: too many waiting for this customer, or shutting down", keyUser, user.ID)
	}
}

// interactionUser returns who acted: the member in a guild, the user in a DM.
func interactionUser(i *discordgo.Interaction) *discordgo.User {
	if i.Member != nil && i.Member.User != nil {
		return i.Member.User
	}
	return i.User
}

// handleCommand runs an application command's handler, or says it is not available.
func (a *Adapter) handleCommand(ctx context.Context, i *discordgo.Interaction) {
	ctx, cancel := context.WithTimeout(ctx, handleTimeout)
	defer cancel()
	name := i.ApplicationCommandData().Name
	if h := a.commands[name]; h != nil {
		if err := h(ctx, i); err != nil {
			a.logger.Error("discord: command failed", "command", name, keyError, err)
		}
		return
	}
	err := a.respond(ctx, i, map[string]any{"type": callbackMessage, "data": map[string]any{
		"content": notAvailable, "flags": discordgo.MessageFlagsEphemeral, "allowed_mentions": noMentions()}})
	if err != nil {
		a.logger.Warn("discord: cannot answer a command", "command", name, keyError, err)
	}
}

// handleClick turns a click on a quick-reply button into a customer message
// (the button's label as text, its payload), stores it, acknowledges the
// click by removing the message's buttons, and has it answered.
func (a *Adapter) handleClick(ctx context.Context, i *discordgo.Interaction, user *discordgo.User) {
	ctx, cancel := context.WithTimeout(ctx, handleTimeout)
	defer cancel()
	log := a.logger.With(keyUser, user.ID, keyChannel, i.ChannelID)
	payload, label, ok := a.button(ctx, i)
	if ok {
		var err error
		ok, err = a.mayClick(ctx, i, user.ID)
		if err != nil {
			log.Error("discord: cannot check a click", keyError, err)
			return // not acknowledged: Discord tells the customer it failed
		}
	}
	if !ok {
		a.ack(ctx, i, callbackDeferredUpdate) // not a customer's quick reply: nothing to do
		return
	}
	if err := a.store.SetDiscordRoute(ctx, user.ID, i.ChannelID); err != nil {
		log.Error("discord: cannot save a route", keyError, err)
		return
	}
	a.receive(ctx, bot.Inbound{
		Channel: bot.ChannelDiscord, CustomerKey: user.ID, CustomerName: user.DisplayName(),
		ExternalID: "discord:interaction:" + i.ID, Text: label, Payload: payload, Lang: lang(string(i.Locale)),
	}, i.ChannelID, func(ctx context.Context) { a.ack(ctx, i, callbackUpdate) })
}

// mayClick reports whether userID may answer in the interaction's channel:
// their DM, their thread, or the support channel (where the bot answers when
// it could not open a thread).
func (a *Adapter) mayClick(ctx context.Context, i *discordgo.Interaction, userID string) (bool, error) {
	switch {
	case i.GuildID == "":
		return a.cfg.DMs, nil
	case i.ChannelID == a.cfg.SupportChannel:
		return true, nil
	}
	owner, err := a.store.DiscordThreadOwner(ctx, i.ChannelID)
	if bot.ErrorKind(err) == bot.ENotFound {
		return false, nil
	}
	return owner == userID, err
}

// button returns the payload and label of the clicked quick reply.
func (a *Adapter) button(ctx context.Context, i *discordgo.Interaction) (payload, label string, ok bool) {
	id := i.MessageComponentData().CustomID
	switch {
	case strings.HasPrefix(id, prefixQuickReply):
		payload = strings.TrimPrefix(id, prefixQuickReply)
		return payload, buttonLabel(i.Message, id, payload), true
	case strings.HasPrefix(id, prefixQuickRef):
		msgID, idx, found := strings.Cut(strings.TrimPrefix(id, prefixQuickRef), "#")
		mid, err1 := strconv.ParseInt(msgID, 10, 64)
		n, err2 := strconv.Atoi(idx)
		if !found || err1 != nil || err2 != nil {
			return "", "", false
		}
		m, err := a.store.MessageByID(ctx, mid)
		if err != nil || n < 0 || n >= len(m.QuickReplies) {
			return "", "", false
		}
		return m.QuickReplies[n].Payload, m.QuickReplies[n].Label, true
	}
	return "", "", false // another kind of button (admin commands will have their own)
}

// buttonLabel finds the label of the button customID on m, or returns def.
func buttonLabel(m *discordgo.Message, customID, def string) string {
	if m == nil {
		return def
	}
	for _, row := range m.Components {
		r, ok := row.(*discordgo.ActionsRow)
		if !ok {
			continue
		}
		for _, c := range r.Components {
			if b, ok := c.(*discordgo.Button); ok && b.CustomID == customID && b.Label != "" {
				return b.Label
			}
		}
	}
	return def
}

// ack acknowledges a click: callbackUpdate removes the message's buttons
// (they have been answered), callbackDeferredUpdate changes nothing.
func (a *Adapter) ack(ctx context.Context, i *discordgo.Interaction, typ int) {
	resp := map[string]any{"type": typ}
	if typ == callbackUpdate {
		resp["data"] = map[string]any{"components": []any{}}
	}
	if err := a.respond(ctx, i, resp); err != nil && code(err) != 40060 { // 40060: acknowledged before (a replay)
		a.logger.Warn("discord: cannot acknowledge a click", keyChannel, i.ChannelID, keyError, err)
	}
}

// respond sends an interaction callback. The body is written as is, so that
// fields left out (the message's content) are left unchanged.
func (a *Adapter) respond(ctx context.Context, i *discordgo.Interaction, body map[string]any) error {
	ep := discordgo.EndpointInteractionResponse(i.ID, i.Token)
	if _, err := a.session.RequestWithBucketID(http.MethodPost, ep, body, ep, discordgo.WithContext(ctx)); err != nil {
		return fmt.Errorf("interaction callback: %w", err)
	}
	return nil
}
