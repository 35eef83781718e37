package discord

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"unicode"

	"github.com/bwmarrin/discordgo"

	"github.com/relaisbot/relais/faq"
)

// maxReplyParts bounds the messages of one admin reply (the first answer
// and its follow-ups); what does not fit is dropped with a mark.
const maxReplyParts = 10

// replyNow answers an interaction with an ephemeral message (type 4), and
// follow-ups if the text needs several messages; components go under the
// last one.
func (a *Adapter) replyNow(ctx context.Context, i *discordgo.Interaction, text string, components []discordgo.MessageComponent) error {
	parts := splitReply(toDiscord(text), maxContent)
	data := map[string]any{"content": parts[0], "flags": flagEphemeral, "allowed_mentions": noMentions()}
	if len(parts) == 1 && len(components) > 0 {
		data["components"] = components
	}
	if err := a.respond(ctx, i, map[string]any{"type": callbackMessage, "data": data}); err != nil {
		return err
	}
	return a.followUps(ctx, i, parts[1:], components)
}

// replyOrLog is replyNow, logging a failure.
func (a *Adapter) replyOrLog(ctx context.Context, i *discordgo.Interaction, text string, components []discordgo.MessageComponent) {
	if err := a.replyNow(ctx, i, text, components); err != nil {
		a.logger.Warn("discord: cannot answer an admin", keyChannel, i.ChannelID, keyError, err)
	}
}

// editReply replaces a deferred answer with text, and file attached if
// set, adding follow-ups if the text needs several messages.
func (a *Adapter) editReply(ctx context.Context, i *discordgo.Interaction, text string, file *faq.File) error {
	parts := splitReply(toDiscord(text), maxContent)
	edit := &discordgo.WebhookEdit{Content: &parts[0], AllowedMentions: noMentions()}
	if file != nil {
		edit.Files = []*discordgo.File{{Name: file.Name, ContentType: "application/json", Reader: bytes.NewReader(file.Content)}}
	}
	if _, err := a.session.InteractionResponseEdit(i, edit, discordgo.WithContext(ctx)); err != nil {
		return fmt.Errorf("edit the answer: %w", err)
	}
	return a.followUps(ctx, i, parts[1:], nil)
}

// followUps sends the further parts of an answer, ephemeral.
func (a *Adapter) followUps(ctx context.Context, i *discordgo.Interaction, parts []string, components []discordgo.MessageComponent) error {
	for n, p := range parts {
		params := &discordgo.WebhookParams{Content: p, Flags: flagEphemeral, AllowedMentions: noMentions()}
		if n == len(parts)-1 {
			params.Components = components
		}
		if _, err := a.session.FollowupMessageCreate(i, false, params, discordgo.WithContext(ctx)); err != nil {
			return fmt.Errorf("follow-up %d: %w", n+1, err)
		}
	}
	return nil
}

// splitReply cuts text into messages of at most limit UTF-16 units, at line
// breaks where it can, at most maxReplyParts of them.
func splitReply(text string, limit int) []string {
	var parts []string
	var cur strings.Builder
	n := 0
	flush := func() {
		if s := strings.TrimRight(cur.String(), "\n"); s != "" {
			parts = append(parts, s)
		}
		cur.Reset()
		n = 0
	}
	for line := range strings.SplitSeq(text, "\n") {
		for utf16Len(line) > limit {
			flush()
			head, tail := cutUTF16(line, limit)
			parts, line = append(parts, head), tail
		}
		if l := utf16Len(line) + 1; n+l > limit+1 {
			flush()
		}
		if n > 0 {
			cur.WriteByte('\n')
			n++
		}
		cur.WriteString(line)
		n += utf16Len(line)
	}
	flush()
	if len(parts) == 0 {
		return []string{"…"} // Discord refuses an empty message
	}
	if len(parts) > maxReplyParts {
		parts = parts[:maxReplyParts]
		last, _ := cutUTF16(parts[maxReplyParts-1], limit-2)
		parts[maxReplyParts-1] = last + "\n…"
	}
	return parts
}

// toDiscord turns the admin replies' light Markdown into Discord's: *bold*
// becomes **bold** (outside `code`), and @everyone and @here cannot ping,
// even if mentions were allowed.
func toDiscord(text string) string {
	segs := strings.Split(text, "`")
	for i := 0; i < len(segs); i += 2 {
		segs[i] = bold(segs[i])
	}
	out := strings.Join(segs, "`")
	return strings.NewReplacer("@everyone", "@\u200beveryone", "@here", "@\u200bhere").Replace(out)
}

// bold doubles the stars of *bold* spans, which stay on one line: an
// opening star follows no letter and precedes no space, a closing star
// follows no space and precedes no letter.
func bold(s string) string {
	r := []rune(s)
	word := func(i int) bool {
		return i >= 0 && i < len(r) && (unicode.IsLetter(r[i]) || unicode.IsDigit(r[i]) || r[i] == '*')
	}
	space := func(i int) bool { return i < 0 || i >= len(r) || unicode.IsSpace(r[i]) }
	// closing returns the closing star of a span opened at i, or -1.
	closing := func(i int) int {
		if r[i] != '*' || word(i-1) || space(i+1) || r[i+1] == '*' {
			return -1
		}
		for j := i + 1; j < len(r) && r[j] != '\n'; j++ {
			if r[j] == '*' && !space(j-1) && !word(j+1) {
				return j
			}
		}
		return -1
	}
	var b strings.Builder
	for i := 0; i < len(r); i++ {
		if j := closing(i); j > 0 {
			b.WriteString("**" + string(r[i+1:j]) + "**")
			i = j
			continue
		}
		b.WriteRune(r[i])
	}
	return b.String()
}
