package slack

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Size limits of what the adapter posts. Slack cuts a message's text at
// 40,000 characters, advises keeping it under 4,000, and limits a block's
// text to 3,000 characters: every post stays well under all three.
const (
	maxPostBytes  = 3500 // one thread post
	maxLineBytes  = 1500 // one line of a post (longer lines are wrapped)
	maxFieldBytes = 1000 // one field of the parent message
	maxTranscript = 200  // messages in a transcript; older ones are counted, not shown
)

// zwj (zero-width joiner) goes after "@" in "@here" and friends so that the
// text shows unchanged but never notifies anybody.
const zwj = "\u200d"

// broadcasts are the words after "@" that Slack treats as mass mentions.
var broadcasts = []string{"channel", "here", "everyone", "group"}

// escape makes untrusted text (customers', names, errors) safe in Slack
// mrkdwn: & < > become entities, so it cannot form <!channel>, <@U…>,
// <#C…> or <url|label> links, and plain @channel/@here/@everyone are
// broken with a zero-width joiner.
func escape(s string) string {
	var b strings.Builder
	for _, r := range neutralise(s) {
		b.WriteString(escapeRune(r))
	}
	return b.String()
}

func escapeRune(r rune) string {
	switch r {
	case '&':
		return "&amp;"
	case '<':
		return "&lt;"
	case '>':
		return "&gt;"
	}
	return string(r) // invalid UTF-8 became U+FFFD
}

// neutralise puts a zero-width joiner after every "@" that starts a mass
// mention (any case).
func neutralise(s string) string {
	if !strings.Contains(s, "@") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		b.WriteByte(s[i])
		if s[i] != '@' {
			continue
		}
		rest := s[i+1:]
		for _, w := range broadcasts {
			if len(rest) >= len(w) && strings.EqualFold(rest[:len(w)], w) {
				b.WriteString(zwj)
				break
			}
		}
	}
	return b.String()
}

// truncate cuts s to at most n bytes on a rune boundary, marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// escapedLines escapes untrusted text and splits it into lines of at most
// max bytes, wrapping long lines at a space when one is near the end, else
// between two characters: never inside a character or an entity.
func escapedLines(s string, max int) []string {
	var out []string
	for _, line := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		var cur strings.Builder
		for _, r := range neutralise(line) {
			piece := escapeRune(r)
			if cur.Len()+len(piece) > max {
				done := cur.String()
				rest := ""
				if i := strings.LastIndexByte(done, ' '); i > max/2 {
					done, rest = done[:i], done[i+1:]
				}
				out = append(out, done)
				cur.Reset()
				cur.WriteString(rest)
			}
			cur.WriteString(piece)
		}
		out = append(out, cur.String())
	}
	return out
}

// entry is one message of a transcript, ready for mrkdwn.
type entry struct {
	header string   // who and when (escaped)
	lines  []string // the text (escaped), each line shorter than maxLineBytes
}

// chunk packs a title and entries into posts of at most max bytes. An entry
// goes whole into a post when it fits; a longer one continues in the next
// post under its header marked with continued. Lines are quoted.
func chunk(title string, entries []entry, continued string, max int) []string {
	var (
		posts []string
		b     strings.Builder
	)
	flush := func() {
		if b.Len() > 0 {
			posts = append(posts, b.String())
			b.Reset()
		}
	}
	add := func(s string) {
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(s)
	}
	if title != "" {
		add(title)
	}
	for _, e := range entries {
		first := 0
		if len(e.lines) > 0 {
			first = len(e.lines[0]) + 3
		}
		if b.Len() > 0 && b.Len()+2+len(e.header)+first > max {
			flush()
		}
		if b.Len() > 0 {
			b.WriteByte('\n') // a blank line between entries
		}
		add(e.header)
		for _, l := range e.lines {
			q := "> " + l
			if b.Len()+1+len(q) > max {
				flush()
				add(e.header + " " + continued)
			}
			add(q)
		}
	}
	flush()
	return posts
}

// dateToken shows t in each reader's time zone and locale (Slack renders
// format, e.g. "{date_short} {time}"), with a UTC fallback for clients that
// cannot.
func dateToken(t time.Time, format string) string {
	return fmt.Sprintf("<!date^%d^%s|%s>", t.Unix(), format, t.UTC().Format("2006-01-02 15:04 UTC"))
}
