package slack

import (
	"context"
	"strings"
)

// unescaper turns Slack's entities back into characters.
var unescaper = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")

// plainText turns an agent's Slack message into plain text for a customer:
// <https://x|label> becomes "label (https://x)", <https://x> "https://x",
// <mailto:a@b|a@b> "a@b", <@U123> "@Display Name", <#C1|general>
// "#general"; <!here>, <!channel> and <!everyone> are dropped, other
// <!…|label> tokens become their label; entities are unescaped.
func (a *Adapter) plainText(ctx context.Context, s string) string {
	var b strings.Builder
	for {
		open := strings.IndexByte(s, '<')
		if open < 0 {
			break
		}
		end := strings.IndexByte(s[open:], '>')
		if end < 0 {
			break
		}
		b.WriteString(unescaper.Replace(s[:open]))
		b.WriteString(a.token(ctx, s[open+1:open+end]))
		s = s[open+end+1:]
	}
	b.WriteString(unescaper.Replace(s))
	return strings.TrimSpace(b.String())
}

// token renders the inside of one <…> token.
func (a *Adapter) token(ctx context.Context, tok string) string {
	target, label, _ := strings.Cut(tok, "|")
	target, label = unescaper.Replace(target), unescaper.Replace(label)
	switch {
	case strings.HasPrefix(target, "@"):
		if label != "" {
			return "@" + strings.TrimPrefix(label, "@")
		}
		name, err := a.users.name(ctx, target[1:])
		if err != nil {
			name = "?"
		}
		return "@" + name
	case strings.HasPrefix(target, "#"):
		if label != "" {
			return "#" + label
		}
		return "#channel"
	case strings.HasPrefix(target, "!"):
		switch target {
		case "!here", "!channel", "!everyone":
			return ""
		}
		return label
	case strings.HasPrefix(target, "mailto:"):
		return strings.TrimPrefix(target, "mailto:")
	case label == "" || label == target:
		return target
	}
	return label + " (" + target + ")"
}
