package slack

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// What the escaping guarantees (format.go), for any input s, valid UTF-8 or
// not:
//
//   - escape(s) holds no '<' and no '>', so it cannot open a Slack token:
//     no <!channel>, <!here>, <@U…>, <#C…>, <https://…|…> or <mailto:…>;
//   - every '&' in it starts one of the entities &amp; &lt; &gt;;
//   - no "@channel", "@here", "@everyone" or "@group" (any case) is left:
//     a zero-width joiner follows every such "@";
//   - nothing else changes: turning the entities back into characters and
//     dropping the joiners gives s back, with each invalid byte read as
//     U+FFFD (unless s itself held "@" + zero-width joiner, which the
//     unescaping cannot tell apart).
//
// escapedLines keeps these guarantees line by line, never cuts a character
// or an entity, and loses nothing but the space at which a line is wrapped.

// massMention matches what Slack would treat as a mass mention in plain text.
var massMention = regexp.MustCompile(`(?i)@(channel|here|everyone|group)`)

// runes returns s with every invalid byte replaced by U+FFFD, as ranging
// over s reads it.
func runes(s string) string {
	var b strings.Builder
	for _, r := range s {
		b.WriteRune(r)
	}
	return b.String()
}

// unescapeSlack is the inverse of escape: entities back to characters, the
// zero-width joiners after "@" dropped.
func unescapeSlack(s string) string {
	return strings.ReplaceAll(unescaper.Replace(s), "@"+zwj, "@")
}

// checkInert fails unless s is escaped text that cannot ping or link.
func checkInert(t *testing.T, what, in, s string) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Errorf("%s(%q) = %q: not valid UTF-8", what, in, s)
	}
	if i := strings.IndexAny(s, "<>"); i >= 0 {
		t.Errorf("%s(%q) = %q: raw %q at byte %d can form a Slack token", what, in, s, s[i], i)
	}
	for i := 0; i < len(s); i++ {
		if s[i] == '&' && !strings.HasPrefix(s[i:], "&amp;") && !strings.HasPrefix(s[i:], "&lt;") && !strings.HasPrefix(s[i:], "&gt;") {
			t.Errorf("%s(%q) = %q: '&' at byte %d does not start an entity", what, in, s, i)
		}
	}
	if m := massMention.FindString(s); m != "" {
		t.Errorf("%s(%q) = %q: mass mention %q left", what, in, s, m)
	}
}

// slackSeeds are realistic and hostile texts for the Slack fuzz targets.
var slackSeeds = []string{
	"", "Bonjour, où est ma commande ? 📦", "I want a REFUND now!!!",
	"<!channel> <!here> <!everyone> <!subteam^S123|@team> <@U0ALICE> <@U1|alice> <#C123|general>",
	"<https://evil.example|click here> <http://x.example> <mailto:a@b.example|a@b.example>",
	"@channel @here @everyone @group @Channel @HERE @EveryOne @grouped a@here.example",
	"@\u200dhere", "@" + zwj + "channel", "@@here", "@", "&amp; &lt;b&gt; &#60; &#x3C; & < > &",
	"*bold* _it_ ~strike~ `code` ```block``` > quote", "line one\r\nline two\n\nline four\r",
	"\u200b\u200c\u200d\ufeff zero width", "\u202eRTL override\u202c שלום مرحبا", "👨‍👩‍👧 👍🏽 🇫🇷",
	"\xff\xfe<\xc3>", "a\x00b", strings.Repeat("é", 2000), strings.Repeat("<@U1>", 400),
	strings.Repeat("word ", 800), strings.Repeat("&", 1600), strings.Repeat(" ", 3000),
}

func FuzzEscape(f *testing.F) {
	for i, s := range slackSeeds {
		f.Add(s, uint16(i*97))
	}
	f.Fuzz(func(t *testing.T, s string, max uint16) {
		e := escape(s)
		checkInert(t, "escape", s, e)
		if !strings.Contains(s, "@"+zwj) {
			if got, want := unescapeSlack(e), runes(s); got != want {
				t.Errorf("unescape(escape(%q)) = %q, want %q", s, got, want)
			}
		}

		// Lines: within the limit, inert, one original line at a time, and
		// nothing lost but the spaces lines were wrapped at.
		limit := 8 + int(max)%maxLineBytes
		lines := escapedLines(s, limit)
		var perLine []string
		for _, line := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
			wrapped := escapedLines(line, limit)
			if !rejoins(wrapped, escape(line)) {
				t.Errorf("escapedLines(%q, %d) = %q: does not rejoin to escape(line) = %q", line, limit, wrapped, escape(line))
			}
			perLine = append(perLine, wrapped...)
		}
		if !slicesEqual(lines, perLine) {
			t.Errorf("escapedLines(%q, %d) = %q, want the lines of each line %q", s, limit, lines, perLine)
		}
		for _, l := range lines {
			if len(l) > limit {
				t.Errorf("escapedLines(%q, %d): line of %d bytes %q", s, limit, len(l), l)
			}
			checkInert(t, "escapedLines", s, l)
		}

		// Posts: each within its limit, every line quoted in order.
		header := "*👤 Customer* · " + dateToken(time.Unix(1700000000, 0), "{date_short} {time}")
		continued := "(continued)"
		postMax := limit + len(header) + len(continued) + 4
		entries := []entry{{header: header, lines: lines}, {header: header, lines: escapedLines(strings.ToUpper(s), limit)}}
		posts := chunk("📜 *Conversation so far* (2)", entries, continued, postMax)
		all := strings.Join(posts, "\n")
		at := 0
		for _, e := range entries {
			for _, l := range e.lines {
				i := strings.Index(all[at:], "> "+l)
				if i < 0 {
					t.Fatalf("chunk lost line %q of %q; posts %q", l, s, posts)
				}
				at += i + 2 + len(l)
			}
		}
		for _, p := range posts {
			if len(p) > postMax || p == "" {
				t.Errorf("chunk(%q, limit %d): post of %d bytes %q", s, postMax, len(p), p)
			}
		}

		// truncate: within n bytes, a prefix of s cut on a character boundary.
		n := 3 + int(max)%64
		tr := truncate(s, n)
		switch {
		case len(s) <= n && tr != s:
			t.Errorf("truncate(%q, %d) = %q, want it unchanged", s, n, tr)
		case len(s) > n && (len(tr) > n || !strings.HasSuffix(tr, "…") || !strings.HasPrefix(s, strings.TrimSuffix(tr, "…"))):
			t.Errorf("truncate(%q, %d) = %q, want a prefix of at most %d bytes with …", s, n, tr, n)
		case utf8.ValidString(s) && !utf8.ValidString(tr):
			t.Errorf("truncate(%q, %d) = %q cuts a character", s, n, tr)
		}
	})
}

// rejoins reports whether lines, joined back with "" or " " at each break
// (a hard wrap between characters, or the space a line was wrapped at), give
// want.
func rejoins(lines []string, want string) bool {
	var try func(i, pos int) bool
	try = func(i, pos int) bool {
		if !strings.HasPrefix(want[pos:], lines[i]) {
			return false
		}
		pos += len(lines[i])
		if i == len(lines)-1 {
			return pos == len(want)
		}
		return try(i+1, pos) || pos < len(want) && want[pos] == ' ' && try(i+1, pos+1)
	}
	return len(lines) > 0 && try(0, 0)
}

func slicesEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// slackEscaped is what Slack itself sends for text a person typed: & < >
// as entities. Raw '<' and '>' only ever delimit tokens.
func slackEscaped(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// wellFormed turns s into a message as Slack could send it: raw '<' and
// '>' kept only where they delimit a token <…> (a '<' inside a token or a
// '>' outside one is dropped, an unclosed token is closed).
func wellFormed(s string) string {
	var b strings.Builder
	in := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '<' && in, c == '>' && !in:
		case c == '<', c == '>':
			in = c == '<'
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	if in {
		b.WriteByte('>')
	}
	return b.String()
}

// What plainText guarantees: it never fails; it returns trimmed text, valid
// UTF-8 for valid input; on a message as Slack sends it (raw '<' and '>'
// only around tokens) no token is left: every '<' or '>' of the result
// comes from an &lt; or &gt; entity; and what an agent typed (which Slack
// escapes) reaches the customer exactly.
func FuzzPlainText(f *testing.F) {
	a := &Adapter{users: newUserCache(fakeUsers{"U1": "Alice", "U0ALICE": "Alice Martin"}, 10, time.Hour)}
	ctx := context.Background()
	for _, s := range slackSeeds {
		f.Add(s)
	}
	for _, s := range []string{"<@U1> <@U0ALICE|alice> <@UNKNOWN>", "<#C1> <#C1|general>", "<!date^1700000000^{date}|Nov 14>",
		"<https://x.example|label> <https://x.example>", "<mailto:a@b.example|a@b.example>", "<<@U1>>", "<@U1", "a > b < c",
		"&lt;!channel&gt;", "&amp;lt;", "<!here|here> <!channel> text"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := a.plainText(ctx, s)
		if out != strings.TrimSpace(out) {
			t.Errorf("plainText(%q) = %q: not trimmed", s, out)
		}
		if utf8.ValidString(s) && !utf8.ValidString(out) {
			t.Errorf("plainText(%q) = %q: not valid UTF-8", s, out)
		}

		wf := wellFormed(s)
		got := a.plainText(ctx, wf)
		for _, c := range []struct{ raw, entity string }{{"<", "&lt;"}, {">", "&gt;"}} {
			if n, max := strings.Count(got, c.raw), strings.Count(wf, c.entity); n > max {
				t.Errorf("plainText(%q) = %q: %d %q but only %d %s in the input: a token was left", wf, got, n, c.raw, max, c.entity)
			}
		}
		if got, want := a.plainText(ctx, slackEscaped(s)), strings.TrimSpace(s); utf8.ValidString(s) && got != want {
			t.Errorf("plainText(%q) = %q, want what the agent typed, %q", slackEscaped(s), got, want)
		}
	})
}
