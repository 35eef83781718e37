package discord

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/relaisbot/relais/bot"
)

func TestEscape(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain text, 2–4 days!", "plain text, 2–4 days!"},
		{"@everyone and @here", "@\u200beveryone and @\u200bhere"},
		{"<@123> <@!123> <@&456> <#789> <t:1700000000>", `\<@123\> \<@!123\> \<@&456\> \<#789\> \<t:1700000000\>`},
		{"**bold** __u__ ~~s~~ `code` ||spoiler||", `\*\*bold\*\* \_\_u\_\_ \~\~s\~\~ \` + "`" + `code\` + "`" + ` \|\|spoiler\|\|`},
		{"[click](https://evil.example)", `\[click\]\(https://evil.example)`},
		{"see https://shop.example/my_orders?a=1&b=*x*", "see https://shop.example/my_orders?a=1&b=*x*"},
		{"# title\n- item\n  > quote\n-# small", "\\# title\n\\- item\n  \\> quote\n\\-# small"},
		{"e-mail #3", "e-mail #3"},
		{`back\slash`, `back\\slash`},
	} {
		if got := escape(tc.in); got != tc.want {
			t.Errorf("escape(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestSplit(t *testing.T) {
	long := strings.Repeat("abc ", 600) // 2400 characters
	parts := split(escapeTokens(long), 1000)
	if len(parts) != 3 || strings.Join(parts, " ") != strings.TrimSpace(long) {
		t.Errorf("split into %d parts that do not join back", len(parts))
	}
	for _, p := range parts {
		if utf16Len(p) > 1000 {
			t.Errorf("part of %d units, limit 1000", utf16Len(p))
		}
	}
	// Escapes are never split, emoji count as two UTF-16 units.
	parts = split(escapeTokens(strings.Repeat("*", 15)), 10)
	for _, p := range parts {
		if strings.HasSuffix(p, `\`) && !strings.HasSuffix(p, `\\`) || utf16Len(p) > 10 {
			t.Errorf("bad part %q of %q", p, parts)
		}
	}
	if parts = split(escapeTokens(strings.Repeat("👍", 8)), 10); len(parts) != 2 || parts[0] != strings.Repeat("👍", 5) {
		t.Errorf("emoji parts = %q", parts)
	}
	// A link longer than the limit is cut hard.
	link := "https://shop.example/" + strings.Repeat("x", 30)
	if parts = split(escapeTokens(link), 20); strings.Join(parts, "") != link {
		t.Errorf("long link parts = %q", parts)
	}
}

func TestRender(t *testing.T) {
	long := strings.Repeat("x", 90)
	m := bot.Message{ID: 42, Role: bot.RoleAgent, Author: "Marie_D", Text: "Hello", QuickReplies: []bot.QuickReply{
		{Label: "👍 Yes", Payload: bot.PayloadHelpful}, {Label: "Talk to a person", Payload: bot.PayloadHuman},
		{Label: long, Payload: "faq:" + long + long}, {Label: "", Payload: "csat:1"}, {Label: "dup", Payload: "csat:1"},
		{Label: "6th", Payload: "six"},
	}}
	out := render(m)
	if len(out) != 1 || out[0].content != `**Marie\_D** (support): Hello` {
		t.Fatalf("render = %+v", out)
	}
	b, err := json.Marshal(out[0].components)
	if err != nil {
		t.Fatal(err)
	}
	var rows []struct {
		Type       int `json:"type"`
		Components []struct {
			Type     int    `json:"type"`
			Style    int    `json:"style"`
			Label    string `json:"label"`
			CustomID string `json:"custom_id"`
		} `json:"components"`
	}
	if err := json.Unmarshal(b, &rows); err != nil || len(rows) != 2 || len(rows[0].Components) != 5 || len(rows[1].Components) != 1 {
		t.Fatalf("components = %s; want two rows of 5 and 1 buttons", b)
	}
	want := []struct {
		label, id string
		style     int
	}{
		{"👍 Yes", "qr:feedback:up", 2}, {"Talk to a person", "qr:human", 1},
		{strings.Repeat("x", 79) + "…", "qr#42#2", 2}, {"csat:1", "qr:csat:1", 2}, {"dup", "qr#42#4", 2}, {"6th", "qr:six", 2},
	}
	for i, w := range want {
		c := rows[i/5].Components[i%5]
		if c.Type != 2 || c.Label != w.label || c.CustomID != w.id || c.Style != w.style || utf8.RuneCountInString(c.Label) > 80 {
			t.Errorf("button %d = %+v, want %+v", i, c, w)
		}
	}
}
