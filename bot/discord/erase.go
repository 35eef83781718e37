package discord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/bwmarrin/discordgo"

	"github.com/relaisbot/relais/bot"
)

// historyPage is how many messages one history request lists (Discord's maximum).
const historyPage = 100

// Log attribute keys of an erasure: counts, never content.
const (
	keyThreadsDeleted = "threads_deleted"
	keyDeleted        = "messages_deleted"
	keyKept           = "messages_kept"
	keyUnreachable    = "channels_unreachable"
)

// erased counts what an erasure did, for its log line.
type erased struct {
	threads     int // threads deleted with every message in them
	deleted     int // the bot's messages deleted one by one
	kept        int // messages left: other people's, or the bot's that Discord refused to delete
	unreachable int // channels the bot could no longer reach
}

// deliverErase deletes Relais's copies of an erased Discord customer (a
// bot.ErasePayload), as far as Discord lets a bot:
//
//   - each thread opened for them in the support channel is deleted with
//     every message in it, which takes Manage Threads; if Discord refuses,
//     the bot's own messages in it are deleted instead (the thread is
//     unarchived first if needed) and the thread stays, with the customer's
//     messages;
//   - in their DM channel, the bot's own messages are deleted. A bot cannot
//     delete a user's messages in a DM: the customer's stay (they can delete
//     them themselves) and are counted as kept.
//
// Unknown channels and messages count as deleted, so that a retry (after a
// rate limit, or a crash before the item was marked done) starts from what is
// left and finishes without errors. A channel the bot can no longer reach
// (the customer blocked it or deleted their account, the bot lost access) is
// logged and skipped: retrying cannot help. Only ids and counts are logged.
func (a *Adapter) deliverErase(ctx context.Context, it bot.OutboxItem) error {
	var p bot.ErasePayload
	if err := json.Unmarshal(it.Payload, &p); err != nil || p.User == "" {
		return bot.Permanent(fmt.Errorf("discord: decode erasure of item %d: bad payload", it.ID))
	}
	self := a.self()
	if self == "" {
		return errors.New("discord: not connected yet: the bot's own id is unknown")
	}
	var n erased
	for _, id := range p.Threads {
		if err := a.eraseThread(ctx, self, id, &n); err != nil {
			return err
		}
	}
	if err := a.eraseDM(ctx, self, p, &n); err != nil {
		return err
	}
	a.logger.Info("discord: erased a customer's copies", keyUser, p.User, keyThreadsDeleted, n.threads,
		keyDeleted, n.deleted, keyKept, n.kept, keyUnreachable, n.unreachable)
	return nil
}

// eraseThread deletes a customer's thread or, if the bot may not, its own
// messages in it.
func (a *Adapter) eraseThread(ctx context.Context, self, id string, n *erased) error {
	_, err := a.session.ChannelDelete(id, discordgo.WithContext(ctx))
	switch {
	case err == nil, gone(err):
		n.threads++
		return nil
	case status(err) != http.StatusForbidden:
		return fmt.Errorf("delete thread %s: %w", id, err)
	}
	a.logger.Warn("discord: may not delete a customer's thread (grant Manage Threads); deleting the bot's messages in it instead",
		keyChannel, id, keyError, err)
	return a.eraseOwn(ctx, self, id, n)
}

// eraseDM deletes the bot's messages in its DM channel with the customer:
// the one Discord opens (there is one per user and bot), or, if Discord will
// not open it any more, the one Relais knew, once Discord confirms that it is
// a DM with this customer.
func (a *Adapter) eraseDM(ctx context.Context, self string, p bot.ErasePayload, n *erased) error {
	dm, err := a.session.UserChannelCreate(p.User, discordgo.WithContext(ctx))
	if err == nil {
		return a.eraseOwn(ctx, self, dm.ID, n)
	}
	if !unreachable(err) {
		return fmt.Errorf("open the DM channel: %w", err)
	}
	if p.Channel != "" {
		ch, cerr := a.session.Channel(p.Channel, discordgo.WithContext(ctx))
		switch {
		case cerr == nil && dmWith(ch, p.User):
			return a.eraseOwn(ctx, self, ch.ID, n)
		case cerr != nil && !unreachable(cerr):
			return fmt.Errorf("look up the DM channel: %w", cerr)
		}
	}
	n.unreachable++
	a.logger.Warn("discord: cannot reach the customer's direct messages; the bot's messages there, if any, are kept",
		keyUser, p.User, keyError, err)
	return nil
}

// dmWith reports whether ch is a DM channel with user.
func dmWith(ch *discordgo.Channel, user string) bool {
	if ch.Type != discordgo.ChannelTypeDM {
		return false
	}
	for _, u := range ch.Recipients {
		if u != nil && u.ID == user {
			return true
		}
	}
	return false
}

// eraseOwn deletes the bot's own messages in a channel, newest first, a
// page of history at a time, and counts everyone else's as kept. Discord
// deletes nothing in an archived thread: the thread is unarchived first,
// and if that is refused too (a locked thread, without Manage Threads) the
// bot's messages in it are kept.
func (a *Adapter) eraseOwn(ctx context.Context, self, channelID string, n *erased) error {
	opt := discordgo.WithContext(ctx)
	locked := false
	for before := ""; ; {
		page, err := a.session.ChannelMessages(channelID, historyPage, before, "", "", opt)
		switch {
		case gone(err):
			return nil // the channel went, with its messages
		case unreachable(err):
			n.unreachable++
			a.logger.Warn("discord: cannot read a channel's history; the bot's messages there are kept",
				keyChannel, channelID, keyError, err)
			return nil
		case err != nil:
			return fmt.Errorf("list messages in %s: %w", channelID, err)
		}
		for _, m := range page {
			if m.Author == nil || m.Author.ID != self || locked {
				n.kept++
				continue
			}
			err := a.session.ChannelMessageDelete(channelID, m.ID, opt)
			if code(err) == discordgo.ErrCodePerformedOperationOnArchivedThread {
				var reopened bool
				if reopened, err = a.unarchive(ctx, channelID); err != nil {
					return err
				}
				if !reopened {
					locked = true
					n.kept++
					continue
				}
				err = a.session.ChannelMessageDelete(channelID, m.ID, opt)
			}
			switch {
			case err == nil:
				n.deleted++
			case gone(err):
			case status(err) == http.StatusForbidden, code(err) == discordgo.ErrCodeCannotExecuteActionOnSystemMessage,
				code(err) == discordgo.ErrCodePerformedOperationOnArchivedThread:
				n.kept++ // not the bot's to delete after all, or a system message ("… added Alice")
			default:
				return fmt.Errorf("delete message %s in %s: %w", m.ID, channelID, err)
			}
		}
		if len(page) < historyPage {
			return nil
		}
		before = page[len(page)-1].ID
	}
}

// unarchive reopens an archived thread so that messages can be deleted in
// it. It returns false if Discord refuses (a locked thread needs Manage
// Threads), an error if it failed otherwise.
func (a *Adapter) unarchive(ctx context.Context, threadID string) (bool, error) {
	no := false
	_, err := a.session.ChannelEdit(threadID, &discordgo.ChannelEdit{Archived: &no}, discordgo.WithContext(ctx))
	switch {
	case err == nil:
		return true, nil
	case status(err) == http.StatusForbidden:
		a.logger.Warn("discord: may not reopen an archived, locked thread; the bot's messages in it are kept",
			keyChannel, threadID, keyError, err)
		return false, nil
	}
	return false, fmt.Errorf("unarchive thread %s: %w", threadID, err)
}

// gone reports whether Discord says the channel or message does not exist
// (any more).
func gone(err error) bool {
	c := code(err)
	return c == discordgo.ErrCodeUnknownChannel || c == discordgo.ErrCodeUnknownMessage
}

// unreachable reports whether the bot can no longer reach a channel or a
// user: gone, or closed to the bot (403: blocked, left the server, access
// taken away).
func unreachable(err error) bool {
	return gone(err) || code(err) == discordgo.ErrCodeUnknownUser || status(err) == http.StatusForbidden
}
