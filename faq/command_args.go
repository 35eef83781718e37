package faq

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/relaisbot/relais/bot"
)

// parseArgs reads the arguments of cmd.Verb into cmd.
func parseArgs(cmd *Command, args []token) error {
	var err error
	usage := verbUsage[cmd.Verb]
	switch cmd.Verb {
	case VerbHelp:
		if len(args) > 1 {
			return cmdErr("", txtTooManyArgs, usage)
		}
		if len(args) == 1 {
			if cmd.Help, err = parseVerb(args[0].s); err != nil {
				return err
			}
		}
	case VerbList:
		if len(args) > 2 {
			return cmdErr("", txtTooManyArgs, usage)
		}
		if len(args) == 2 {
			if cmd.Lang, err = parseLangArg(args[1].s); err != nil {
				return err
			}
			args = args[:1]
		}
		if len(args) == 1 {
			if err := parseListArg(cmd, args[0].s); err != nil {
				return err
			}
		}
	case VerbShow, VerbDelete, VerbHistory, VerbUndo, VerbAdd, VerbEdit:
		needLang := cmd.Verb == VerbAdd || cmd.Verb == VerbEdit
		if len(args) == 0 {
			return cmdErr("id", txtMissingID, usage)
		}
		if cmd.ID, err = parseID(args[0].s); err != nil {
			return err
		}
		if len(args) > 2 {
			return cmdErr("", txtTooManyArgs, usage)
		}
		if len(args) == 2 {
			if cmd.Lang, err = parseLangArg(args[1].s); err != nil {
				return err
			}
		} else if needLang {
			return cmdErr("lang", txtMissingLang, usage)
		}
	case VerbApprove, VerbReject:
		maxArgs := 2
		if cmd.Verb == VerbReject {
			maxArgs = 1
		}
		switch {
		case len(args) == 0:
			return cmdErr("", txtMissingDraft, usage)
		case len(args) > maxArgs:
			return cmdErr("", txtTooManyArgs, usage)
		}
		if cmd.DraftID, err = parseDraftID(args[0].s, cmd.Verb); err != nil {
			return err
		}
		if len(args) == 2 {
			if cmd.ID, err = parseID(args[1].s); err != nil {
				return err
			}
		}
	case VerbImport:
		if len(args) > 1 || len(args) == 1 && !isWord(args[0].s, "replace", "remplacer") {
			return cmdErr("", txtImportArgs, echo(args[len(args)-1].s))
		}
		cmd.Replace = len(args) == 1
	case VerbAudit:
		if len(args) > 1 {
			return cmdErr("", txtTooManyArgs, usage)
		}
		if len(args) == 1 {
			n, err := strconv.Atoi(args[0].s)
			if err != nil || n < 1 || n > maxAuditCount {
				return cmdErr("", txtBadCount, echo(args[0].s), maxAuditCount)
			}
			cmd.Count = n
		}
	case VerbExport, VerbDrafts:
		if len(args) > 0 {
			return cmdErr("", txtTooManyArgs, usage)
		}
	}
	return nil
}

// parseVerb returns the verb named s, or an error suggesting the closest one.
func parseVerb(s string) (Verb, error) {
	f := fold(s)
	if v, ok := verbNames[f]; ok {
		return v, nil
	}
	best, bestD := Verb(""), 3
	for _, name := range verbNamesByPreference {
		limit := min(2, max(1, utf8.RuneCountInString(name)/3))
		if d := osaDistance([]rune(f), []rune(name), limit); d <= limit && d < bestD {
			best, bestD = verbNames[name], d
		}
	}
	if best != "" {
		return "", cmdErr("", txtUnknownVerbSuggest, echo(s), best)
	}
	return "", cmdErr("", txtUnknownVerb, echo(s))
}

// parseID checks an entry id. Ids are case-insensitive.
func parseID(s string) (string, error) {
	id := strings.ToLower(s)
	if entryIDRE.MatchString(id) && len(id) <= maxIDLen {
		return id, nil
	}
	if len(id) > maxIDLen {
		return "", cmdErr("id", txtIDTooLong, echo(s), maxIDLen)
	}
	if fix := suggestID(id); fix != "" {
		return "", cmdErr("id", txtBadIDSuggest, echo(s), fix)
	}
	return "", cmdErr("id", txtBadID, echo(s))
}

// suggestID returns a valid id close to s ("Shipping Gift_Wrap" →
// "shipping.gift-wrap"), or "" if there is no obvious one.
func suggestID(s string) string {
	s = strings.Trim(fold(s), " .-_")
	topic, slug, ok := strings.Cut(s, ".")
	if !ok {
		topic, slug, ok = strings.Cut(s, " ")
	}
	if !ok {
		return ""
	}
	clean := func(s string) string {
		s = strings.Map(func(r rune) rune {
			switch {
			case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
				return r
			case r == ' ' || r == '_' || r == '-' || r == '.' || r == '\'':
				return '-'
			}
			return -1
		}, strings.TrimSpace(s))
		for strings.Contains(s, "--") {
			s = strings.ReplaceAll(s, "--", "-")
		}
		return strings.Trim(s, "-")
	}
	id := clean(topic) + "." + clean(slug)
	if entryIDRE.MatchString(id) && len(id) <= maxIDLen {
		return id
	}
	return ""
}

// parseLangArg reads a language argument.
func parseLangArg(s string) (bot.Lang, error) {
	l, err := bot.ParseLang(strings.ToLower(s))
	if err != nil {
		return "", cmdErr("lang", txtUnknownLang, echo(s))
	}
	return l, nil
}

// parseListArg reads the single argument of list: a language or a topic.
func parseListArg(cmd *Command, s string) error {
	if l, err := bot.ParseLang(strings.ToLower(s)); err == nil {
		cmd.Lang = l
		return nil
	}
	t := strings.ToLower(s)
	switch {
	case len(t) == 2 && topicRE.MatchString(t):
		return cmdErr("lang", txtUnknownLang, echo(s)) // "list de": a language, surely
	case entryIDRE.MatchString(t) && len(t) <= maxIDLen: // a longer one is not quoted back whole
		return cmdErr("", txtListGotID, t)
	case !topicRE.MatchString(t):
		return cmdErr("topic", txtBadTopic, echo(s))
	}
	cmd.Topic = t
	return nil
}

// parseDraftID reads a draft number ("3" or "#3").
func parseDraftID(s string, verb Verb) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimPrefix(s, "#"), 10, 64)
	if err != nil || n <= 0 {
		return 0, cmdErr("", txtBadDraft, echo(s), verb)
	}
	return n, nil
}

func isWord(s string, words ...string) bool {
	for _, w := range words {
		if fold(s) == w {
			return true
		}
	}
	return false
}

// echo shortens user input quoted back in a message.
func echo(s string) string {
	if utf8.RuneCountInString(s) <= maxEcho {
		return s
	}
	return string([]rune(s)[:maxEcho-1]) + "…"
}

// token is one argument of the command line and where it is in the line.
type token struct {
	s          string
	start, end int
}

// quotePairs maps opening quotes to their closing quote.
var quotePairs = map[rune]rune{'"': '"', '“': '”', '«': '»', '„': '“'}

// splitArgs splits a line into arguments separated by spaces; quoted
// arguments may hold spaces.
func splitArgs(line string) ([]token, error) {
	var toks []token
	i := 0
	for i < len(line) {
		r, size := utf8.DecodeRuneInString(line[i:])
		if unicode.IsSpace(r) {
			i += size
			continue
		}
		start := i
		if closing, ok := quotePairs[r]; ok {
			j := i + size
			end := strings.IndexFunc(line[j:], func(c rune) bool { return c == closing || closing == '”' && c == '"' })
			if end < 0 {
				return nil, cmdErr("", txtUnclosedQuote, string(r), string(closing))
			}
			_, csize := utf8.DecodeRuneInString(line[j+end:])
			toks = append(toks, token{s: strings.TrimSpace(line[j : j+end]), start: start, end: j + end + csize})
			i = j + end + csize
			continue
		}
		for i < len(line) {
			r, size := utf8.DecodeRuneInString(line[i:])
			if unicode.IsSpace(r) {
				break
			}
			i += size
		}
		toks = append(toks, token{s: line[start:i], start: start, end: i})
	}
	return toks, nil
}

// unquote removes quotes around the whole of s.
func unquote(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	closing, ok := quotePairs[r]
	if !ok || len(s) <= size {
		return s
	}
	last, lsize := utf8.DecodeLastRuneInString(s)
	if last != closing && !(closing == '”' && last == '"') {
		return s
	}
	return strings.TrimSpace(s[size : len(s)-lsize])
}
