package slack_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/relaisbot/relais/bot"
	"github.com/relaisbot/relais/faq"
	rslack "github.com/relaisbot/relais/handoff/slack"
	"github.com/relaisbot/relais/handoff/slack/slackfake"
)

var _ rslack.FAQAdmin = (*faq.Admin)(nil)

// adminFixture is a fixture whose adapter has a real faq.Admin over the
// fixture's store, seeded with the built-in FAQ: Alice is a FAQ admin by her
// user id, Carol by the user group S0ADMINS, Bob is not an admin.
func adminFixture(t *testing.T, s setup) (*fixture, *faq.Service) {
	t.Helper()
	s.adminUsers, s.adminGroup = []string{"U0ALICE"}, "S0ADMINS"
	s.fake.UserGroups = map[string][]string{"S0ADMINS": {"U0CAROL"}}
	f := newFixture(t, s)
	svc := faq.NewService(f.db, faq.DefaultFacts(), faq.DefaultOptions(), f.logger)
	if err := svc.Load(f.ctx); err != nil {
		t.Fatal(err)
	}
	f.adapter.SetAdmin(faq.NewAdmin(svc, f.db, nil, f.logger.With("component", "faq-admin")))
	return f, svc
}

// command runs a slash command as user in the agents' channel and returns
// the replies posted to its response_url, joined.
func (f *fixture) command(user, command, text string) string {
	f.t.Helper()
	return f.commandIn(user, channel, command, text)
}

func (f *fixture) commandIn(user, channelID, command, text string) string {
	f.t.Helper()
	ref := f.fake.SlashCommand(user, channelID, command, text)
	st := f.waitFake("the reply to "+command+" "+firstWord(text), func(st slackfake.State) bool {
		d, _ := st.DeliveryRef(ref)
		return len(st.ResponsesTo(ref)) > 0 && d.Acked
	})
	if d, _ := st.DeliveryRef(ref); d.Response != nil {
		f.t.Errorf("%s %s: delivery %+v, want acknowledged with no payload", command, firstWord(text), d)
	}
	time.Sleep(50 * time.Millisecond) // a long reply comes in several posts
	var texts []string
	for _, r := range f.fake.State().ResponsesTo(ref) {
		if r.ResponseType != "ephemeral" {
			f.t.Errorf("%s: response type %q, want ephemeral", command, r.ResponseType)
		}
		texts = append(texts, r.Text)
	}
	return strings.Join(texts, "\n")
}

func firstWord(s string) string {
	w, _, _ := strings.Cut(s, " ")
	return w
}

// matches returns the entry the live matcher picks for text.
func matches(svc *faq.Service, text string, lang bot.Lang) string {
	m := svc.Match(bot.Query{Text: text, Lang: lang})
	if len(m.Hits) == 0 {
		return ""
	}
	return m.Hits[0].ID
}

func TestFAQCommandPermissions(t *testing.T) {
	f, svc := adminFixture(t, setup{})

	// An admin adds an entry inline; the live matcher knows it at once. The
	// command's text is escaped by Slack; the reply is escaped for mrkdwn.
	body := "add shipping.gift-wrap en\ntitle: Do you gift-wrap?\nQ: do you gift wrap presents\n" +
		"Q: can I send it wrapped as a present\nA: Yes &amp; for free &lt;3 — ask for " + secretWord + " paper."
	if got := f.command("U0ALICE", "/faq", body); !strings.Contains(got, "Added `shipping.gift-wrap` (en) (revision 1)") {
		t.Fatalf("/faq add: %q", got)
	}
	if id := matches(svc, "do you gift wrap presents", bot.LangEN); id != "shipping.gift-wrap" {
		t.Errorf("after /faq add, the question matches %q", id)
	}
	if got := f.command("U0ALICE", "/faq", "show shipping.gift-wrap en"); !strings.Contains(got, "Yes &amp; for free &lt;3") {
		t.Errorf("/faq show: the answer is not escaped for mrkdwn: %q", got)
	}

	// Bob is not an admin: refused, and the attempt is in the audit log.
	if got := f.command("U0BOB", "/faq", "delete shipping.gift-wrap"); !strings.Contains(got, "only FAQ admins may use `/faq delete`") {
		t.Errorf("/faq delete by a non-admin: %q", got)
	}
	if id := matches(svc, "do you gift wrap presents", bot.LangEN); id != "shipping.gift-wrap" {
		t.Errorf("after a refused delete, the question matches %q", id)
	}
	log, err := f.db.AuditLog(f.ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(log) == 0 || log[0].Action != faq.AuditDenied || !strings.Contains(log[0].Actor, "slack:U0BOB") {
		t.Errorf("latest audit record %+v, want Bob's refusal", log)
	}
	// help is open to everyone.
	if got := f.command("U0BOB", "/faq", ""); !strings.Contains(got, "list") || strings.Contains(got, "only FAQ admins") {
		t.Errorf("/faq alone by a non-admin: %q, want the help", got)
	}

	// Carol is an admin through the user group, asked once and cached.
	for range 2 {
		if got := f.command("U0CAROL", "/faq", "list shipping en"); !strings.Contains(got, "shipping.gift-wrap") {
			t.Errorf("/faq list by a group admin: %q", got)
		}
	}
	if n := f.fake.State().Calls["usergroups.users.list"]; n != 1 {
		t.Errorf("usergroups.users.list called %d times, want 1 (cached)", n)
	}

	// undo takes the addition back.
	if got := f.command("U0ALICE", "/faq", "undo shipping.gift-wrap"); !strings.Contains(got, "is deleted again, as before revision 1") {
		t.Errorf("/faq undo: %q", got)
	}
	if id := matches(svc, "do you gift wrap presents", bot.LangEN); id == "shipping.gift-wrap" {
		t.Error("after undo of the addition, the entry still matches")
	}
}

func TestFAQCommandGroupUnavailable(t *testing.T) {
	f, _ := adminFixture(t, setup{})
	f.fake.Inject("usergroups.users.list", slackfake.Fault{Times: -1, Error: "fatal_error"})
	if got := f.command("U0CAROL", "/faq", "list"); !strings.Contains(got, "could not check with Slack") {
		t.Errorf("/faq when the group cannot be read: %q", got)
	}
	// Admins by id do not need the group.
	if got := f.command("U0ALICE", "/faq", "list shipping en"); !strings.Contains(got, "shipping.tracking") {
		t.Errorf("/faq list by an admin: %q", got)
	}
}

func TestEntryForm(t *testing.T) {
	f, svc := adminFixture(t, setup{lang: bot.LangFR})

	ref := f.fake.SlashCommand("U0ALICE", channel, "/faq", "edit shipping.tracking en")
	st := f.waitFake("the form", func(st slackfake.State) bool { return len(st.Views) == 1 })
	v := st.Views[0]
	if v.Ref != ref || v.User != "U0ALICE" || v.CallbackID != rslack.CallbackEntryForm || v.Title != "Modifier la FAQ" {
		t.Fatalf("view %+v", v)
	}
	if !strings.Contains(v.Blocks, "révision 1 par seed") || !strings.Contains(v.Blocks, `"initial_value":"where is my order`) {
		t.Errorf("the form is not prefilled: %s", v.Blocks)
	}

	// A problem shows under its input; the form stays open.
	sub, err := f.fake.SubmitView("U0ALICE", v.ID, map[string]string{"answer": "Track it on {tracking_page}."})
	if err != nil {
		t.Fatal(err)
	}
	st = f.waitFake("the form's errors", func(st slackfake.State) bool { d, _ := st.DeliveryRef(sub); return d.Acked })
	v, _ = st.View(v.ID)
	if v.Closed || !strings.Contains(v.Errors["answer"], "{tracking_page}") || len(v.Errors) != 1 {
		t.Errorf("after an invalid answer: view closed %v, errors %q", v.Closed, v.Errors)
	}

	// A valid submission closes the form, changes the live FAQ and says so.
	sub, err = f.fake.SubmitView("U0ALICE", v.ID, map[string]string{
		"questions": "where is my order\nwhere is my " + secretWord + " parcel", "tags": "tracking, orders"})
	if err != nil {
		t.Fatal(err)
	}
	st = f.waitFake("the saved form's confirmation", func(st slackfake.State) bool {
		d, _ := st.DeliveryRef(sub)
		return len(st.ResponsesTo(ref)) > 0 && d.Acked
	})
	if v, _ := st.View(v.ID); !v.Closed {
		t.Errorf("the form is still open: %+v", v)
	}
	if got := st.ResponsesTo(ref)[0].Text; !strings.Contains(got, "Enregistré depuis le formulaire") || !strings.Contains(got, "révision 2") {
		t.Errorf("confirmation %q", got)
	}
	if id := matches(svc, "where is my "+secretWord+" parcel", bot.LangEN); id != "shipping.tracking" {
		t.Errorf("the new question matches %q", id)
	}

	// A form submitted after someone else changed the entry saves nothing.
	f.fake.SlashCommand("U0ALICE", channel, "/faq", "edit shipping.tracking en")
	st = f.waitFake("a second form", func(st slackfake.State) bool { return len(st.Views) == 2 })
	v2 := st.Views[1]
	f.command("U0CAROL", "/faq", "edit shipping.tracking en\ntitle: Where is my parcel?")
	sub, err = f.fake.SubmitView("U0ALICE", v2.ID, map[string]string{"title": "Tracking"})
	if err != nil {
		t.Fatal(err)
	}
	st = f.waitFake("the conflict notice", func(st slackfake.State) bool { d, _ := st.DeliveryRef(sub); return d.Acked })
	if v, _ := st.View(v2.ID); v.Updates != 1 || v.Title != "Non enregistré" || !strings.Contains(v.Blocks, "Carol") {
		t.Errorf("after a concurrent change: view %+v", v)
	}
	if e := entry(t, svc, "shipping.tracking", bot.LangEN); e.Title != "Where is my parcel?" || e.Revision != 3 {
		t.Errorf("entry after the conflict: title %q revision %d", e.Title, e.Revision)
	}

	// add without a body opens an empty form for the new entry.
	f.fake.SlashCommand("U0ALICE", channel, "/faq", "ajouter shipping.gift-wrap fr")
	st = f.waitFake("the add form", func(st slackfake.State) bool { return len(st.Views) == 3 })
	if v := st.Views[2]; v.Title != "Ajouter à la FAQ" || !strings.Contains(v.Blocks, "Nouvelle entrée `shipping.gift-wrap` (fr)") {
		t.Errorf("add form %+v", v)
	}
}

// entry returns a live entry.
func entry(t *testing.T, svc *faq.Service, id string, lang bot.Lang) faq.Entry {
	t.Helper()
	for _, e := range svc.Entries() {
		if e.ID == id && e.Lang == lang {
			return e
		}
	}
	t.Fatalf("no entry %s/%s", id, lang)
	return faq.Entry{}
}

func TestEntryFormTriggerExpired(t *testing.T) {
	f, _ := adminFixture(t, setup{fake: slackfake.Options{TriggerTTL: time.Nanosecond}})
	got := f.command("U0ALICE", "/faq", "edit shipping.tracking en")
	if !strings.Contains(got, "could not be opened") || !strings.Contains(got, "/faq edit shipping.tracking en\nQ: …") {
		t.Errorf("reply when the form cannot open: %q", got)
	}
}

func TestExportImport(t *testing.T) {
	f, svc := adminFixture(t, setup{})
	got := f.command("U0ALICE", "/faq", "export")
	st := f.fake.State()
	if !strings.Contains(got, "Exported") || !strings.Contains(got, "direct messages") || len(st.Files) != 1 {
		t.Fatalf("/faq export: %q, files %+v", got, st.Files)
	}
	file := st.Files[0]
	var entries []faq.Entry
	if err := json.Unmarshal(file.Content, &entries); err != nil || len(entries) != len(svc.Entries()) {
		t.Fatalf("exported %d entries (%v), want %d", len(entries), err, len(svc.Entries()))
	}
	if dm := f.fake.DMChannel("U0ALICE"); dm == "" || len(file.Channels) != 1 || file.Channels[0] != dm {
		t.Errorf("export shared in %v, want Alice's DM %q", file.Channels, dm)
	}

	f.command("U0ALICE", "/faq", "delete shipping.tracking")
	upload := f.fake.UploadFile("U0ALICE", f.fake.DMChannel("U0ALICE"), "faq.json", file.Content)
	tests := []struct {
		user, text, want string
	}{
		{"U0ALICE", "import", "upload the JSON file"},
		{"U0ALICE", "import nonsense", "'nonsense' is not a Slack file"},
		{"U0ALICE", "import F0NOSUCHFILE", "cannot see the file `F0NOSUCHFILE`"},
		{"U0BOB", "import " + upload.Permalink, "only FAQ admins"},
		{"U0ALICE", "import <" + upload.Permalink + ">", "2 added"},
		{"U0ALICE", "import " + upload.ID, "Nothing to import"},
	}
	for _, tt := range tests {
		if got := f.command(tt.user, "/faq", tt.text); !strings.Contains(got, tt.want) {
			t.Errorf("%s /faq %s: %q, want %q", tt.user, tt.text, got, tt.want)
		}
	}
	if id := matches(svc, "where is my order", bot.LangEN); id != "shipping.tracking" {
		t.Errorf("after the import, the question matches %q", id)
	}
}

func TestRelaisStats(t *testing.T) {
	f, _ := adminFixture(t, setup{})
	var (
		mu    sync.Mutex
		asked []time.Duration
	)
	f.adapter.SetStats(func(_ context.Context, lang bot.Lang, since time.Duration) (string, error) {
		mu.Lock()
		defer mu.Unlock()
		asked = append(asked, since)
		return "Report (" + string(lang) + ")\nConversations   3 <@U0BOB>\n", nil
	})
	tests := []struct {
		user, channel, text, want string
	}{
		{"U0BOB", channel, "stats 30d", "```Report (en)\nConversations   3 &lt;@U0BOB&gt;```"},
		{"U0BOB", channel, "stats", "Report"},
		{"U0BOB", "C0ELSEWHERE", "stats", "use `/relais stats` in the agents' channel"},
		{"U0ALICE", "C0ELSEWHERE", "stats 24h", "Report"},
		{"U0BOB", channel, "stats forever", "'forever' is not a period"},
		{"U0BOB", channel, "stats 400d", "'400d' is not a period"},
		{"U0BOB", channel, "", "Usage: `/relais stats [period]`"},
		{"U0BOB", channel, "dance", "Unknown command 'dance'"},
	}
	for _, tt := range tests {
		if got := f.commandIn(tt.user, tt.channel, "/relais", tt.text); !strings.Contains(got, tt.want) {
			t.Errorf("%s /relais %s in %s: %q, want %q", tt.user, tt.text, tt.channel, got, tt.want)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	want := []time.Duration{30 * 24 * time.Hour, 7 * 24 * time.Hour, 24 * time.Hour}
	if len(asked) != len(want) || asked[0] != want[0] || asked[1] != want[1] || asked[2] != want[2] {
		t.Errorf("periods asked %v, want %v", asked, want)
	}
}
