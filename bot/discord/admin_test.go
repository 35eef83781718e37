package discord

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/relaisbot/relais/bot"
	"github.com/relaisbot/relais/bot/discord/discordfake"
	"github.com/relaisbot/relais/faq"
)

var _ FAQAdmin = (*faq.Admin)(nil)

// FAQ admins of the fake Discord: Dana has the admin role and a French
// client; Alice (people) has no role.
const (
	adminRole = "500000000000000001"
	dana      = "400000000000000010"
)

// adminEnv is an env with /faq set up, a support channel, and Dana as an
// admin by her role.
func adminEnv(t *testing.T) *env {
	t.Helper()
	return newEnv(t, envOptions{
		cfg:   Config{SupportChannel: discordfake.SupportChannel, AdminRoles: []string{adminRole}},
		fake:  discordfake.Options{Users: []discordfake.User{{ID: dana, Username: "dana", GlobalName: "Dana", Locale: "fr", Roles: []string{"1", adminRole}}}},
		admin: true,
	})
}

// faqCommand runs /faq as user in the support channel and returns the
// interaction's id.
func (e *env) faqCommand(user, line string, files map[string]discordfake.Attachment) string {
	e.t.Helper()
	id, err := e.fake.UserCommand(user, discordfake.SupportChannel, discordfake.CommandCall{
		Name: CommandFAQ, Options: map[string]string{"command": line}, Files: files})
	if err != nil {
		e.t.Fatal(err)
	}
	return id
}

// reply runs /faq and returns its answer once complete (the deferred answer
// edited), all parts joined.
func (e *env) reply(user, line string, files map[string]discordfake.Attachment) (string, []discordfake.Message) {
	e.t.Helper()
	id := e.faqCommand(user, line, files)
	st := e.wait("the answer to /faq "+line, func(st discordfake.State) bool {
		r := st.Replies(id)
		return len(r) > 0 && r[0].Content != ""
	})
	time.Sleep(50 * time.Millisecond) // follow-ups of a long answer
	st = e.fake.State()
	if cb, ok := st.Callback(id); !ok || cb.Type != 5 || !strings.Contains(string(cb.Data), `"flags":64`) {
		e.t.Errorf("/faq %s acknowledged with %+v, want a deferred ephemeral answer", line, cb)
	}
	var parts []string
	for _, m := range st.Replies(id) {
		if m.Flags&64 == 0 || utf8.RuneCountInString(m.Content) > 2000 || !noMentionsJSON(m) {
			e.t.Errorf("/faq %s: a part with flags %d, %d characters, allowed mentions %s", line, m.Flags, utf8.RuneCountInString(m.Content), m.AllowedMentions)
		}
		parts = append(parts, m.Content)
	}
	return strings.Join(parts, "\n"), st.Replies(id)
}

// noMentionsJSON reports whether a message allows no mention, or says
// nothing of them (follow-ups and edits are checked on the wire elsewhere).
func noMentionsJSON(m discordfake.Message) bool {
	return m.AllowedMentions == nil || string(m.AllowedMentions) == `{"parse":[]}`
}

func TestFAQCommandRegistration(t *testing.T) {
	e := adminEnv(t)
	st := e.fake.State()
	if len(st.Commands) != 1 || st.Commands[0].Name != "faq" || st.Commands[0].GuildID != discordfake.GuildID {
		t.Fatalf("commands %+v, want /faq in the support channel's guild", st.Commands)
	}
	var def discordgo.ApplicationCommand
	if err := json.Unmarshal(st.Commands[0].JSON, &def); err != nil || len(def.Options) != 2 ||
		def.Options[0].Name != "command" || def.Options[1].Type != discordgo.ApplicationCommandOptionAttachment {
		t.Errorf("/faq definition %s (%v)", st.Commands[0].JSON, err)
	}

	dms := newEnv(t, envOptions{cfg: Config{DMs: true}, admin: true})
	if st := dms.fake.State(); len(st.Commands) != 1 || st.Commands[0].GuildID != "" {
		t.Errorf("without a support channel: commands %+v, want a global /faq", st.Commands)
	}
	none := newEnv(t, envOptions{cfg: Config{DMs: true}})
	if st := none.fake.State(); len(st.Commands) != 0 {
		t.Errorf("without an FAQAdmin: commands %+v, want none", st.Commands)
	}
}

func TestFAQCommandReplies(t *testing.T) {
	e := adminEnv(t)

	// A long list comes in several ephemeral messages, cut at line breaks.
	list, parts := e.reply(dana, "list", nil)
	if len(parts) < 2 || !strings.Contains(list, "**FAQ** — 34 entrées") || !strings.Contains(list, "`shipping.tracking`") {
		t.Errorf("/faq list: %d parts:\n%s", len(parts), list)
	}
	for _, p := range parts {
		if strings.HasPrefix(p.Content, "\n") || strings.HasSuffix(p.Content, "\n") {
			t.Errorf("a part is not cut at a line break: %q", p.Content)
		}
	}
	if got, _ := e.reply(dana, "show shipping.tracking en", nil); !strings.Contains(got, "**shipping.tracking** (en)") {
		t.Errorf("/faq show: %q", got)
	}

	// Alice has no admin role: refused and recorded.
	if got, _ := e.reply(alice, "delete shipping.tracking", nil); !strings.Contains(got, "only FAQ admins may use `/faq delete`") {
		t.Errorf("/faq delete by a non-admin: %q", got)
	}
	log, err := e.db.AuditLog(context.Background(), 1)
	if err != nil || len(log) != 1 || log[0].Action != faq.AuditDenied || !strings.Contains(log[0].Actor, "discord:"+alice) {
		t.Errorf("audit log %+v, %v; want Alice's refusal", log, err)
	}
	if got, _ := e.reply(dana, "shwo shipping.tracking", nil); !strings.Contains(got, "show") {
		t.Errorf("a typo: %q", got)
	}
}

func TestFAQForm(t *testing.T) {
	e := adminEnv(t)
	id := e.faqCommand(dana, "add shipping.gift-wrap en", nil)
	st := e.wait("the form", func(st discordfake.State) bool { _, ok := st.Modal(id); return ok })
	m, _ := st.Modal(id)
	if m.Title != "Ajouter shipping.gift-wrap (en)" || len(m.Inputs) != 4 || m.Inputs[0].CustomID != "questions" {
		t.Fatalf("modal %+v", m)
	}

	// Problems come back with a button that opens the form again, as typed.
	sub, err := e.fake.UserSubmitsModal(dana, id, map[string]string{"questions": "do you gift wrap presents",
		"answer": "Yes, see {gift_page}."})
	if err != nil {
		t.Fatal(err)
	}
	st = e.wait("the problems", func(st discordfake.State) bool { return len(st.Replies(sub)) > 0 })
	r := st.Replies(sub)[0]
	if !strings.Contains(r.Content, "{gift_page}") || len(r.Buttons()) != 1 || r.Flags&64 == 0 {
		t.Fatalf("answer to an invalid form: %+v", r)
	}
	click, err := e.fake.UserClicks(dana, r.ID, r.Buttons()[0].CustomID)
	if err != nil {
		t.Fatal(err)
	}
	st = e.wait("the form again", func(st discordfake.State) bool { _, ok := st.Modal(click); return ok })
	m, _ = st.Modal(click)
	if m.Inputs[0].Value != "do you gift wrap presents" || m.Inputs[1].Value != "Yes, see {gift_page}." {
		t.Errorf("the form opened again lost what was typed: %+v", m.Inputs)
	}
	if other, _ := e.fake.UserClicks(alice, r.ID, r.Buttons()[0].CustomID); other != "" {
		st = e.wait("Alice's click answered", func(st discordfake.State) bool { return len(st.Replies(other)) > 0 })
		if got := st.Replies(other)[0].Content; !strings.Contains(got, "expired") {
			t.Errorf("someone else's click on the button: %q", got)
		}
	}

	sub, err = e.fake.UserSubmitsModal(dana, click, map[string]string{"answer": "Yes, for free: tick *gift* at checkout."})
	if err != nil {
		t.Fatal(err)
	}
	st = e.wait("the saved form", func(st discordfake.State) bool { return len(st.Replies(sub)) > 0 })
	if got := st.Replies(sub)[0].Content; !strings.Contains(got, "Enregistré depuis le formulaire") || !strings.Contains(got, "révision 1") {
		t.Errorf("answer to a valid form: %q", got)
	}
	if m := e.faq.Match(bot.Query{Text: "do you gift wrap presents", Lang: bot.LangEN}); len(m.Hits) == 0 || m.Hits[0].ID != "shipping.gift-wrap" {
		t.Errorf("the new entry does not match its question: %+v", m.Hits)
	}

	// edit opens the form prefilled.
	id = e.faqCommand(dana, "edit shipping.tracking fr", nil)
	st = e.wait("the edit form", func(st discordfake.State) bool { _, ok := st.Modal(id); return ok })
	if m, _ := st.Modal(id); m.Title != "Modifier shipping.tracking (fr)" || !strings.Contains(m.Inputs[0].Value, "\n") || m.Inputs[1].Value == "" {
		t.Errorf("edit form %+v", m)
	}
	// A non-admin gets no form, but the refusal.
	if got, _ := e.reply(alice, "edit shipping.tracking fr", nil); !strings.Contains(got, "only FAQ admins") {
		t.Errorf("edit by a non-admin: %q", got)
	}
}

func TestFAQExportImport(t *testing.T) {
	e := adminEnv(t)
	_, parts := e.reply(dana, "export", nil)
	if len(parts) != 1 || len(parts[0].Attachments) != 1 || !strings.HasSuffix(parts[0].Attachments[0].Name, ".json") {
		t.Fatalf("/faq export: %+v", parts)
	}
	file := parts[0].Attachments[0].Content
	var entries []faq.Entry
	if err := json.Unmarshal(file, &entries); err != nil || len(entries) != 68 {
		t.Fatalf("exported %d entries (%v)", len(entries), err)
	}
	e.reply(dana, "delete shipping.tracking", nil)
	att := e.fake.AddAttachment("faq.json", file)
	tests := []struct {
		user, line string
		files      map[string]discordfake.Attachment
		want       string
	}{
		{dana, "import", nil, "Joignez à la commande le fichier JSON"},
		{alice, "import", map[string]discordfake.Attachment{"file": att}, "only FAQ admins"},
		{dana, "import", map[string]discordfake.Attachment{"file": att}, "2 ajoutées"},
		{dana, "import", map[string]discordfake.Attachment{"file": e.fake.AddAttachment("bad.json", []byte(`[{"id":"x"}]`))}, "Rien n'a été importé"},
	}
	for _, tt := range tests {
		if got, _ := e.reply(tt.user, tt.line, tt.files); !strings.Contains(got, tt.want) {
			t.Errorf("%s /faq %s: %q, want %q", tt.user, tt.line, got, tt.want)
		}
	}
	if m := e.faq.Match(bot.Query{Text: "where is my parcel", Lang: bot.LangEN}); len(m.Hits) == 0 || m.Hits[0].ID != "shipping.tracking" {
		t.Errorf("after the import: %+v", m.Hits)
	}
}

func TestSplitReply(t *testing.T) {
	var lines []string
	for range 60 {
		lines = append(lines, strings.Repeat("é", 99))
	}
	text := strings.Join(lines, "\n") // 6,000 characters
	parts := splitReply(text, 2000)
	if len(parts) != 3 || strings.Join(parts, "\n") != text {
		t.Errorf("split in %d parts; rejoined equal: %v", len(parts), strings.Join(parts, "\n") == text)
	}
	long := strings.Repeat("😀", 1500) // 3,000 UTF-16 units on one line
	parts = splitReply(long, 2000)
	if len(parts) != 2 || utf16Len(parts[0]) > 2000 || strings.Join(parts, "") != long {
		t.Errorf("a long line: %d parts", len(parts))
	}
	parts = splitReply(strings.Repeat("x\n", 30000), 2000)
	if len(parts) != maxReplyParts || !strings.HasSuffix(parts[len(parts)-1], "\n…") || utf16Len(parts[len(parts)-1]) > 2000 {
		t.Errorf("too long: %d parts", len(parts))
	}
	if got := splitReply("", 2000); len(got) != 1 || got[0] == "" {
		t.Errorf("empty text: %q", got)
	}
}

func TestToDiscord(t *testing.T) {
	tests := []struct{ in, want string }{
		{"*FAQ* — 3 entries:", "**FAQ** — 3 entries:"},
		{"• *#3* (en) · Bob", "• **#3** (en) · Bob"},
		{"`a*b*c` and *bold*", "`a*b*c` and **bold**"},
		{"2 * 3 * 4", "2 * 3 * 4"},
		{"snake*case*word", "snake*case*word"},
		{"@everyone look", "@\u200beveryone look"},
		{"*open\nclose*", "*open\nclose*"},
	}
	for _, tt := range tests {
		if got := toDiscord(tt.in); got != tt.want {
			t.Errorf("toDiscord(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestEntryModal(t *testing.T) {
	e := faq.Entry{ID: "shipping.a-rather-long-entry-identifier", Lang: bot.LangFR, Revision: 3,
		Title: "T", Questions: []string{"q1", "q2"}, Answer: "A", Tags: []string{"x", "y"}}
	for lang, tx := range allAdminTexts {
		m, ok := entryModal(tx, e)
		if !ok || utf8.RuneCountInString(m["title"].(string)) > maxModalTitle {
			t.Errorf("%s: modal title %q", lang, m["title"])
		}
		for _, label := range []string{tx.FormQuestions, tx.FormAnswer, tx.FormTitle, tx.FormTags} {
			if n := utf8.RuneCountInString(label); n > 45 {
				t.Errorf("%s: label %q has %d characters, Discord allows 45", lang, label, n)
			}
		}
		// What the modal holds comes back from a submission unchanged.
		var rows []discordgo.MessageComponent
		for _, row := range m["components"].([]discordgo.MessageComponent) {
			in := row.(discordgo.ActionsRow).Components[0].(discordgo.TextInput)
			rows = append(rows, &discordgo.ActionsRow{Components: []discordgo.MessageComponent{&in}})
		}
		got, ok := parseForm(discordgo.ModalSubmitInteractionData{CustomID: m["custom_id"].(string), Components: rows})
		if !ok || got.ID != e.ID || got.Lang != e.Lang || got.Revision != 3 || strings.Join(got.Questions, "|") != "q1|q2" ||
			got.Answer != "A" || got.Title != "T" || strings.Join(got.Tags, "|") != "x|y" {
			t.Errorf("%s: parsed back %+v", lang, got)
		}
	}
	big := e
	big.Questions = []string{strings.Repeat("q", 4001)}
	if _, ok := entryModal(allAdminTexts[bot.LangEN], big); ok {
		t.Error("questions longer than a text input fit in the modal")
	}
}

func TestFormsExpire(t *testing.T) {
	f := newForms()
	now := time.Now()
	f.now = func() time.Time { return now }
	token := f.put("u1", faq.Entry{ID: "a.b"})
	if _, ok := f.get("u2", token); ok {
		t.Error("another user got the form")
	}
	if e, ok := f.get("u1", token); !ok || e.ID != "a.b" {
		t.Error("the form's author did not get it")
	}
	now = now.Add(formTTL + time.Second)
	if _, ok := f.get("u1", token); ok {
		t.Error("an expired form was returned")
	}
}
