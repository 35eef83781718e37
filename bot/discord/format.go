package discord

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/relaisbot/relais/bot"
)

// Discord's limits.
const (
	maxContent     = 2000 // characters of a message (counted here in UTF-16 units, the stricter count)
	maxButtonLabel = 80
	maxButtons     = 25 // 5 rows of 5
)

// outMessage is one Discord message to post.
type outMessage struct {
	content    string
	components []discordgo.MessageComponent
}

// render turns a stored bot or agent message into the Discord messages that
// carry it: the text escaped (an agent's prefixed with their name) and split
// to fit, the quick replies as buttons under the last part.
func render(m bot.Message) []outMessage {
	prefix := ""
	if m.Role == bot.RoleAgent {
		prefix = "**Support**: "
		if name := strings.TrimSpace(m.Author); name != "" {
			prefix = "**" + escape(truncate(name, 80)) + "** (support): "
		}
	}
	parts := split(escapeTokens(m.Text), maxContent-utf16Len(prefix))
	if len(parts) == 0 {
		parts = []string{""}
	}
	out := make([]outMessage, len(parts))
	for i, p := range parts {
		out[i].content = p
	}
	out[0].content = prefix + out[0].content
	last := &out[len(out)-1]
	last.components = buttons(m)
	if last.content == "" && len(last.components) == 0 {
		last.content = "…" // Discord refuses an empty message
	}
	return out
}

// buttons returns a message's quick replies as rows of buttons.
func buttons(m bot.Message) []discordgo.MessageComponent {
	var rows []discordgo.MessageComponent
	var row []discordgo.MessageComponent
	seen := map[string]bool{}
	for i, q := range m.QuickReplies[:min(len(m.QuickReplies), maxButtons)] {
		id := prefixQuickReply + q.Payload
		if q.Payload == "" || len(id) > maxCustomID || seen[id] {
			id = fmt.Sprintf("%s%d#%d", prefixQuickRef, m.ID, i)
		}
		seen[id] = true
		label := truncate(strings.TrimSpace(q.Label), maxButtonLabel)
		if label == "" {
			label = truncate(q.Payload, maxButtonLabel)
		}
		style := discordgo.SecondaryButton
		if q.Payload == bot.PayloadHuman {
			style = discordgo.PrimaryButton
		}
		row = append(row, discordgo.Button{Label: label, Style: style, CustomID: id})
		if len(row) == 5 {
			rows, row = append(rows, discordgo.ActionsRow{Components: row}), nil
		}
	}
	if len(row) > 0 {
		rows = append(rows, discordgo.ActionsRow{Components: row})
	}
	return rows
}

// urlPattern finds links, which are kept as they are so that they stay
// clickable (the shop's answers give links). Masked links cannot form: their
// brackets are escaped.
var urlPattern = regexp.MustCompile(`https?://[^\s<>]+`)

// linkMentions percent-encodes the "@" of a mass mention inside a link
// ("https://x.example/@here" → "https://x.example/%40here", the same page
// when it is in the path or the query), so that no message holds @everyone
// or @here, even in a link.
var linkMentions = strings.NewReplacer("@everyone", "%40everyone", "@here", "%40here")

// escape returns s as Discord shows it literally: no formatting, no masked
// links, no mentions of users, roles, channels, @everyone or @here.
func escape(s string) string { return strings.Join(escapeTokens(s), "") }

// escapeTokens escapes s into tokens, each one escaped character or one
// whole link, so that splitting between tokens never breaks an escape.
func escapeTokens(s string) []string {
	links := urlPattern.FindAllStringIndex(s, -1)
	tokens := make([]string, 0, len(s))
	lineStart := true
	for i := 0; i < len(s); {
		if len(links) > 0 && links[0][0] == i {
			tokens = append(tokens, linkMentions.Replace(s[i:links[0][1]]))
			i, links, lineStart = links[0][1], links[1:], false
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		tok := string(r)
		switch {
		case strings.ContainsRune("\\*_~`|<>[]()", r):
			tok = `\` + tok // < and > break <@id>, <@&id>, <#id> and <t:…> too
		case lineStart && strings.ContainsRune("#-+", r):
			tok = `\` + tok // headings, lists, -# subtext
		case r == '@' && (strings.HasPrefix(s[i+1:], "everyone") || strings.HasPrefix(s[i+1:], "here")):
			tok = "@\u200b" // zero-width space: never a mass mention, even if allowed
		}
		tokens = append(tokens, tok)
		lineStart = r == '\n' || (lineStart && (r == ' ' || r == '\t'))
		i += size
	}
	return tokens
}

// split joins tokens into parts of at most limit UTF-16 units, cutting after
// a newline or a space when it can.
func split(tokens []string, limit int) []string {
	var parts []string
	for len(tokens) > 0 {
		n, end, cut := 0, 0, -1
		for end < len(tokens) && n+utf16Len(tokens[end]) <= limit {
			n += utf16Len(tokens[end])
			if tokens[end] == "\n" || tokens[end] == " " {
				cut = end + 1
			}
			end++
		}
		switch {
		case end == len(tokens):
			cut = end
		case end == 0: // one token (a link) longer than limit: split it
			head, tail := cutUTF16(tokens[0], limit)
			tokens = append([]string{head, tail}, tokens[1:]...)
			continue
		case cut < end/2:
			cut = end // no good break in the second half: cut hard
		}
		if part := strings.TrimSpace(strings.Join(tokens[:cut], "")); part != "" {
			parts = append(parts, part)
		}
		tokens = tokens[cut:]
	}
	return parts
}

// cutUTF16 splits s after at most limit UTF-16 units (at least one rune).
func cutUTF16(s string, limit int) (string, string) {
	n := 0
	for i, r := range s {
		if n += utf16.RuneLen(r); n > limit && i > 0 {
			return s[:i], s[i:]
		}
	}
	return s, ""
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// truncate returns s cut to at most n runes, with "…" if cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
