package discord

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/relaisbot/relais/bot"
)

// handleTimeout bounds the handling of one inbound event (storing it,
// opening a thread, answering it).
const handleTimeout = 30 * time.Second

// threadArchive is how long a customer's thread stays open without activity,
// in minutes (a week; writing in an archived thread reopens it).
const threadArchive = 10080

// Log attribute keys. Logs carry ids and lengths, never what customers wrote.
const (
	keyUser    = "user"
	keyChannel = "channel"
	keyMessage = "message"
	keyBytes   = "bytes"
	keyError   = "err"
)

// onMessageCreate queues a customer's message behind their earlier events.
// It runs on the gateway's reader (SyncEvents), so it never blocks. Bots (the
// bot itself included), webhooks and system messages are ignored; edits
// arrive as other events and are ignored too.
func (a *Adapter) onMessageCreate(_ *discordgo.Session, e *discordgo.MessageCreate) {
	m := e.Message
	if m == nil || m.Author == nil || m.Author.Bot || m.Author.System || m.WebhookID != "" || m.Author.ID == a.self() {
		return
	}
	if m.Type != discordgo.MessageTypeDefault && m.Type != discordgo.MessageTypeReply {
		return
	}
	if !a.work.Add(m.Author.ID, func(ctx context.Context) { a.handleMessage(ctx, m) }) {
		a.logger.Warn("discord: message dropped: too many waiting for this customer, or shutting down",
			keyUser, m.Author.ID, keyMessage, m.ID)
	}
}

// handleMessage stores a customer's message and has it answered, if it is
// one: a DM, a message in the support channel, or in the customer's thread.
func (a *Adapter) handleMessage(ctx context.Context, m *discordgo.Message) {
	ctx, cancel := context.WithTimeout(ctx, handleTimeout)
	defer cancel()
	reply, ok, err := a.replyChannel(ctx, m)
	if err != nil {
		a.logger.Error("discord: cannot route a message", keyUser, m.Author.ID, keyMessage, m.ID, keyError, err)
		return
	}
	if !ok {
		return
	}
	a.receive(ctx, bot.Inbound{
		Channel: bot.ChannelDiscord, CustomerKey: m.Author.ID, CustomerName: m.Author.DisplayName(),
		ExternalID: "discord:" + m.ID, Text: a.text(m), Lang: lang(m.Author.Locale),
	}, reply, nil)
}

// replyChannel decides whether m is a customer's message and where the
// replies go, and records it before the message is stored (replies may be
// delivered at once). A message in the support channel gets the customer's
// thread, opened if needed.
func (a *Adapter) replyChannel(ctx context.Context, m *discordgo.Message) (string, bool, error) {
	user := m.Author.ID
	var reply string
	switch {
	case m.GuildID == "":
		if !a.cfg.DMs {
			return "", false, nil
		}
		reply = m.ChannelID
	case m.ChannelID == a.cfg.SupportChannel:
		thread, err := a.thread(ctx, m)
		if err != nil {
			// Answer in the support channel rather than not at all.
			a.logger.Error("discord: cannot open a thread for a customer; answering in the support channel",
				keyUser, user, keyChannel, m.ChannelID, keyError, err)
			thread = m.ChannelID
		}
		reply = thread
	default:
		owner, err := a.store.DiscordThreadOwner(ctx, m.ChannelID)
		switch {
		case bot.ErrorKind(err) == bot.ENotFound:
			return "", false, nil // a channel Relais does not serve
		case err != nil:
			return "", false, fmt.Errorf("look up thread: %w", err)
		case owner != user:
			return "", false, nil // somebody else in a customer's (public) thread
		}
		reply = m.ChannelID
	}
	if err := a.store.SetDiscordRoute(ctx, user, reply); err != nil {
		return "", false, fmt.Errorf("save route: %w", err)
	}
	return reply, true, nil
}

// thread returns the customer's open thread in the support channel, or
// opens one (private if configured and allowed, else public from their
// message) and adds the customer to it.
func (a *Adapter) thread(ctx context.Context, m *discordgo.Message) (string, error) {
	user, parent := m.Author.ID, m.ChannelID
	id, err := a.store.DiscordThread(ctx, user, parent)
	switch {
	case err == nil:
		ch, cerr := a.session.Channel(id, discordgo.WithContext(ctx))
		if cerr == nil && (ch.ThreadMetadata == nil || !ch.ThreadMetadata.Archived) {
			if err := a.session.ThreadMemberAdd(id, user, discordgo.WithContext(ctx)); err != nil {
				a.logger.Warn("discord: cannot add a customer to their thread again", keyUser, user, keyChannel, id, keyError, err)
			}
			return id, nil
		}
		if cerr != nil && status(cerr) == 0 {
			return "", fmt.Errorf("check the customer's thread: %w", cerr)
		}
		// Gone or archived: the customer gets a new thread.
	case bot.ErrorKind(err) != bot.ENotFound:
		return "", fmt.Errorf("look up thread: %w", err)
	}
	name := threadName(m.Author.DisplayName())
	var th *discordgo.Channel
	if a.cfg.PrivateThreads {
		th, err = a.session.ThreadStartComplex(parent, &discordgo.ThreadStart{
			Name: name, AutoArchiveDuration: threadArchive, Type: discordgo.ChannelTypeGuildPrivateThread,
		}, discordgo.WithContext(ctx), discordgo.WithRetryOnRatelimit(true))
		if err != nil {
			a.logger.Warn("discord: cannot open a private thread; opening a public one (grant Create Private Threads)",
				keyChannel, parent, keyError, err)
		}
	}
	if th == nil {
		th, err = a.session.MessageThreadStartComplex(parent, m.ID, &discordgo.ThreadStart{
			Name: name, AutoArchiveDuration: threadArchive,
		}, discordgo.WithContext(ctx), discordgo.WithRetryOnRatelimit(true))
		if err != nil {
			return "", fmt.Errorf("open thread: %w", err)
		}
	}
	if err := a.store.SaveDiscordThread(ctx, user, th.ID, parent); err != nil {
		return "", fmt.Errorf("save thread: %w", err)
	}
	if err := a.session.ThreadMemberAdd(th.ID, user, discordgo.WithContext(ctx)); err != nil {
		return "", fmt.Errorf("add the customer to their thread: %w", err)
	}
	return th.ID, nil
}

// threadName names a customer's thread (at most 100 characters).
func threadName(customer string) string {
	name := "Support · " + strings.TrimSpace(customer)
	for utf8.RuneCountInString(name) > 100 {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	return name
}

// text returns what the customer wrote, without a mention of the bot.
func (a *Adapter) text(m *discordgo.Message) string {
	t := m.Content
	if self := a.self(); self != "" {
		t = strings.ReplaceAll(strings.ReplaceAll(t, "<@"+self+">", ""), "<@!"+self+">", "")
	}
	return strings.TrimSpace(t)
}

// lang maps a Discord locale ("fr", "en-US") to a language, or "" if Relais
// does not speak it.
func lang(locale string) bot.Lang {
	l, err := bot.ParseLang(locale)
	if err != nil {
		return ""
	}
	return l
}

// receive stores in (Accept), acknowledges it if ack is set, then has it
// answered (Process). A message the Engine refuses (empty, too long) gets
// the reason in reply. A message stored but not answered is answered later
// (at the next start).
func (a *Adapter) receive(ctx context.Context, in bot.Inbound, reply string, ack func(context.Context)) {
	log := a.logger.With(keyUser, in.CustomerKey, keyMessage, in.ExternalID)
	r, err := a.accept(ctx, in)
	switch kind := bot.ErrorKind(err); {
	case kind == bot.EInvalid || kind == bot.ETooLong:
		if err := a.post(ctx, reply, outMessage{content: escape(bot.ErrorMessage(err))}, ""); err != nil {
			log.Warn("discord: cannot tell a customer why their message was refused", keyError, err)
		}
		return
	case err != nil:
		log.Error("discord: cannot store a customer message; it is lost", keyBytes, len(in.Text), keyError, err)
		return
	}
	if ack != nil {
		ack(ctx)
	}
	if r.Handled {
		return
	}
	if err := a.engine.Process(ctx, r); err != nil {
		log.Error("discord: stored message not answered; it will be at the next start",
			"conversation", r.Conversation.ID, keyError, err)
	}
}

// accept stores in, trying again twice after an unexpected failure.
func (a *Adapter) accept(ctx context.Context, in bot.Inbound) (bot.Receipt, error) {
	for attempt := 1; ; attempt++ {
		r, err := a.engine.Accept(ctx, in)
		if bot.ErrorKind(err) != bot.EInternal || attempt == 3 {
			return r, err
		}
		select {
		case <-ctx.Done():
			return r, errors.Join(err, ctx.Err())
		case <-time.After(time.Duration(attempt) * 500 * time.Millisecond):
		}
	}
}
