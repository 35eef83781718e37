package discord

import (
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/relaisbot/relais/bot"
)

// What the Discord formatting guarantees (format.go), for any text s:
//
//   - escape(s) is the tokens of escapeTokens(s) joined; each token is one
//     character left as is, one markup character escaped with a backslash,
//     "@" + zero-width space before everyone/here, or one whole link (its
//     "@everyone" and "@here" percent-encoded); read back (escapes and
//     joiners dropped) they give s, invalid bytes read as U+FFFD;
//   - so it holds no mention: no raw @everyone or @here (not even inside a
//     link), no <@id>, <@!id>, <@&id>, <#id> or <t:…> (every '<' and '>' is
//     escaped), no masked link (every '[' ']' '(' ')' outside links is);
//   - split cuts the tokens into non-empty trimmed parts of at most the
//     limit in UTF-16 units, only between tokens or inside a link, and the
//     parts, joined back with the white space trimmed at the cuts, are the
//     escaped text;
//   - render makes messages of at most 2000 UTF-16 units, never empty,
//     without mentions, with buttons of at most 80 characters and custom ids
//     of at most 100 bytes.

// discordMention matches the mention and timestamp syntaxes of Discord.
var discordMention = regexp.MustCompile(`<(@[!&]?\d+|#\d+|t:-?\d+(:[a-zA-Z])?|/[^>]*:\d+)>|@everyone|@here`)

// markup are the characters escapeTokens always escapes outside links.
const markup = "\\*_~`|<>[]()"

func FuzzDiscordEscape(f *testing.F) {
	for i, s := range []string{
		"", "plain text, 2–4 days!", "@everyone and @here", "@everyone@here@@everyone", "@Everyone @HERE @heretic",
		"<@123> <@!123> <@&456> <#789> <t:1700000000> <t:1700000000:R> </faq:123456>",
		"**bold** __u__ ~~s~~ `code` ```go\nblock```||spoiler|| > quote >>> quotes",
		"[click](https://evil.example) [x](<https://evil.example>) ![img](https://x.example/a.png)",
		"see https://shop.example/my_orders?a=1&b=*x*_y_~z~ and http://x.example/(a)[b]",
		"https://shop.example/@everyone https://x.example/@here/ https://user@here.example/ https://a.example/%40here",
		"https://a.example/\\<@123> https://a.example/\\", "# title\n- item\n  > quote\n-# small\n+ plus\n1. one",
		"e-mail #3", `back\slash \\@everyone`, "Bonjour, où est ma commande ? Merci d'avance 🙏",
		"\u200b@\u200beveryone \u200d@here\ufeff", "\u202e@everyone\u202c", "שלום @here مرحبا", "👨‍👩‍👧👍🏽🇫🇷",
		"\xff\xfe@ever\xffyone", "a\x00b", "line\r\nline\rline\u2028line\u0085",
		strings.Repeat("abc ", 700), strings.Repeat("*", 2100), strings.Repeat("👍", 1500), strings.Repeat("@everyone ", 300),
		"https://shop.example/" + strings.Repeat("x", 2500), strings.Repeat("https://a.example/@here ", 120),
		strings.Repeat("\n", 50) + "x" + strings.Repeat(" ", 3000),
	} {
		f.Add(s, "Marie_D", uint16(i*131))
	}
	f.Add("Hello", "", uint16(1999))
	f.Add("Hi", "@everyone", uint16(5))
	f.Add("Hi", "**"+strings.Repeat("🎉", 100), uint16(0))
	f.Add("Hi", "Anne <@123> https://x.example/@here", uint16(2))
	f.Fuzz(func(t *testing.T, s, author string, n uint16) {
		toks := escapeTokens(s)
		esc := escape(s)
		if esc != strings.Join(toks, "") {
			t.Fatalf("escape(%.200q) = %.200q, not its tokens joined", s, esc)
		}
		checkTokens(t, s, toks)
		checkNoMention(t, "escape", s, esc)

		limit := 2 + int(n)%(maxContent-1)
		checkSplit(t, s, toks, esc, limit)

		m := bot.Message{ID: 7, Role: bot.RoleAgent, Author: author, Text: s,
			QuickReplies: []bot.QuickReply{{Label: author, Payload: "faq:" + author}, {Label: s, Payload: bot.PayloadHuman}}}
		if n%2 == 0 {
			m.Role, m.QuickReplies = bot.RoleBot, nil
		}
		checkRender(t, m)
	})
}

// checkTokens checks the shape of each token and that reading them back
// gives s.
func checkTokens(t *testing.T, s string, toks []string) {
	t.Helper()
	var back strings.Builder
	for _, tok := range toks {
		r, size := utf8.DecodeRuneInString(tok)
		switch {
		case strings.HasPrefix(tok, "http") && len(tok) > 1:
			if !urlPattern.MatchString(tok) || strings.ContainsAny(tok, " \t\n\r<>") {
				t.Fatalf("escapeTokens(%.200q): link token %q is not a link", s, tok)
			}
			back.WriteString(strings.NewReplacer("%40everyone", "@everyone", "%40here", "@here").Replace(tok))
		case tok == "@\u200b":
			back.WriteString("@")
		case r == '\\' && size < len(tok):
			e, esize := utf8.DecodeRuneInString(tok[size:])
			if size+esize != len(tok) || !strings.ContainsRune(markup+"#-+", e) {
				t.Fatalf("escapeTokens(%.200q): token %q escapes something that is not markup", s, tok)
			}
			back.WriteRune(e)
		case size == len(tok) && tok != "":
			if strings.ContainsRune(markup, r) {
				t.Fatalf("escapeTokens(%.200q): markup %q left unescaped", s, tok)
			}
			back.WriteRune(r)
		default:
			t.Fatalf("escapeTokens(%.200q): token %q is neither a character, an escape nor a link", s, tok)
		}
	}
	if !strings.Contains(s, "%40") {
		// Links are kept byte for byte, invalid ones too (JSON turns them
		// into U+FFFD when the message is sent).
		if got, want := runesOf(back.String()), runesOf(s); got != want {
			t.Errorf("escapeTokens(%.200q) reads back as %.200q, want %.200q", s, got, want)
		}
	}
}

// runesOf returns s with each invalid byte read as U+FFFD, as ranging over
// it does.
func runesOf(s string) string {
	var b strings.Builder
	for _, r := range s {
		b.WriteRune(r)
	}
	return b.String()
}

func checkNoMention(t *testing.T, what, in, out string) {
	t.Helper()
	if m := discordMention.FindString(out); m != "" {
		t.Errorf("%s(%.200q) = %.200q: holds the mention %q", what, in, out, m)
	}
	for i := 0; i < len(out); i++ {
		if (out[i] == '<' || out[i] == '>') && (i == 0 || out[i-1] != '\\') {
			t.Errorf("%s(%.200q) = %.200q: unescaped %q at byte %d", what, in, out, out[i], i)
			return
		}
	}
}

// checkSplit checks split(toks, limit) against the escaped text esc.
func checkSplit(t *testing.T, s string, toks []string, esc string, limit int) {
	t.Helper()
	parts := split(toks, limit)
	if strings.TrimSpace(esc) != "" && len(parts) == 0 {
		t.Fatalf("split(escape(%.200q), %d): no part", s, limit)
	}
	// Where the tokens start and end in esc; links may be cut anywhere.
	boundary := map[int]bool{0: true}
	inLink := map[int]bool{}
	at := 0
	for _, tok := range toks {
		if strings.HasPrefix(tok, "http") && len(tok) > 1 {
			for i := at + 1; i < at+len(tok); i++ {
				inLink[i] = true
			}
		}
		at += len(tok)
		boundary[at] = true
	}
	pos := 0
	for i, p := range parts {
		switch {
		case p == "" || p != strings.TrimSpace(p):
			t.Fatalf("split(escape(%.200q), %d): part %d %.200q is empty or not trimmed", s, limit, i, p)
		case utf16Len(p) > limit:
			t.Fatalf("split(escape(%.200q), %d): part %d of %d UTF-16 units", s, limit, i, utf16Len(p))
		}
		for pos < len(esc) {
			r, size := utf8.DecodeRuneInString(esc[pos:])
			if !unicode.IsSpace(r) {
				break
			}
			pos += size
		}
		if !strings.HasPrefix(esc[pos:], p) {
			t.Fatalf("split(escape(%.200q), %d): part %d %.200q does not follow at byte %d of %.200q", s, limit, i, p, pos, esc)
		}
		for _, cut := range []int{pos, pos + len(p)} {
			if !boundary[cut] && !inLink[cut] {
				t.Fatalf("split(escape(%.200q), %d): part %d %.200q cuts a token at byte %d", s, limit, i, p, cut)
			}
		}
		pos += len(p)
	}
	if rest := esc[pos:]; strings.TrimSpace(rest) != "" {
		t.Fatalf("split(escape(%.200q), %d) = %.200q loses %.200q", s, limit, parts, rest)
	}
}

func checkRender(t *testing.T, m bot.Message) {
	t.Helper()
	out := render(m)
	if len(out) == 0 {
		t.Fatalf("render(%.200q by %.200q): no message", m.Text, m.Author)
	}
	for i, o := range out {
		if utf16Len(o.content) > maxContent || o.content == "" && len(o.components) == 0 {
			t.Errorf("render(%.200q by %.200q): message %d of %d UTF-16 units, or empty", m.Text, m.Author, i, utf16Len(o.content))
		}
		checkNoMention(t, "render", m.Text, o.content)
		if i < len(out)-1 && o.components != nil {
			t.Errorf("render(%.200q): buttons on message %d, not the last", m.Text, i)
		}
		ids := map[string]bool{}
		for _, row := range o.components {
			for _, c := range row.(discordgo.ActionsRow).Components {
				b := c.(discordgo.Button)
				if n := utf8.RuneCountInString(b.Label); n == 0 || n > maxButtonLabel || len(b.CustomID) > maxCustomID || ids[b.CustomID] {
					t.Errorf("render(%.200q): button %.200q (%d characters) with custom id %.200q", m.Text, b.Label, n, b.CustomID)
				}
				ids[b.CustomID] = true
			}
		}
	}
}
