package slackfake_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/relaisbot/relais/handoff/slack/slackfake"
)

func TestFilesGroupsEphemerals(t *testing.T) {
	s := slackfake.New(slackfake.Options{Channels: []string{"C1"}, Users: []slackfake.User{{ID: "U1", Name: "al"}},
		UserGroups: map[string][]string{"S1": {"U1"}}})
	defer s.Close()
	ctx := context.Background()
	api := slack.New(s.Options().BotToken, slack.OptionAPIURL(s.URL()))

	if m, err := api.GetUserGroupMembersContext(ctx, "S1"); err != nil || len(m) != 1 || m[0] != "U1" {
		t.Errorf("usergroups.users.list = %v, %v", m, err)
	}
	if _, err := api.GetUserGroupMembersContext(ctx, "S2"); err == nil || err.Error() != "no_such_subteam" {
		t.Errorf("unknown group: %v", err)
	}
	if _, err := api.PostEphemeralContext(ctx, "C1", "U1", slack.MsgOptionText("psst", false), slack.MsgOptionTS("1.5")); err != nil {
		t.Errorf("chat.postEphemeral: %v", err)
	}

	// The app uploads a file to a DM; the bot downloads a file a person shared.
	dm, _, _, err := api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{"U1"}})
	if err != nil || dm.ID != s.DMChannel("U1") {
		t.Fatalf("conversations.open = %+v, %v", dm, err)
	}
	if _, err := api.UploadFileContext(ctx, slack.UploadFileParameters{Reader: strings.NewReader("[]\n"), FileSize: 3,
		Filename: "x.json", Channel: dm.ID}); err != nil {
		t.Fatalf("upload: %v", err)
	}
	shared := s.UploadFile("U1", dm.ID, "in.json", []byte(`[{"id":"a.b"}]`))
	f, _, _, err := api.GetFileInfoContext(ctx, shared.ID, 0, 0)
	if err != nil || f.Size != 14 {
		t.Fatalf("files.info = %+v, %v", f, err)
	}
	var buf bytes.Buffer
	if err := api.GetFileContext(ctx, f.URLPrivateDownload, &buf); err != nil || buf.String() != `[{"id":"a.b"}]` {
		t.Errorf("download = %q, %v", buf.String(), err)
	}
	if _, _, _, err := api.GetFileInfoContext(ctx, "F0NOPE000", 0, 0); err == nil || err.Error() != "file_not_found" {
		t.Errorf("files.info of an unknown file: %v", err)
	}
	st := s.State()
	if len(st.Files) != 2 || string(st.Files[0].Content) != "[]\n" || st.Files[0].Channels[0] != dm.ID ||
		len(st.Ephemerals) != 1 || st.Ephemerals[0].ThreadTS != "1.5" {
		t.Errorf("files %+v, ephemerals %+v", st.Files, st.Ephemerals)
	}
}

func TestCommandsViewsAndResponses(t *testing.T) {
	s := slackfake.New(slackfake.Options{PingInterval: 100 * time.Millisecond, Users: []slackfake.User{{ID: "U1", Name: "al"}}})
	defer s.Close()
	api := slack.New(s.Options().BotToken, slack.OptionAPIURL(s.URL()), slack.OptionAppLevelToken(s.Options().AppToken))
	sm := socketmode.New(api)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- sm.RunContext(ctx) }()
	defer func() { cancel(); <-done }()

	ref := s.SlashCommand("U1", "C1", "/faq", "edit a.b en")
	var cmd slack.SlashCommand
	for cmd.Command == "" {
		select {
		case e := <-sm.Events:
			if e.Type == socketmode.EventTypeSlashCommand {
				cmd = e.Data.(slack.SlashCommand)
				sm.Ack(*e.Request)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("no slash command")
		}
	}
	if cmd.Text != "edit a.b en" || cmd.UserID != "U1" || cmd.TriggerID == "" || cmd.ResponseURL == "" {
		t.Fatalf("slash command %+v", cmd)
	}
	plain := func(s string) *slack.TextBlockObject { return slack.NewTextBlockObject("plain_text", s, false, false) }
	el := slack.NewPlainTextInputBlockElement(nil, "v")
	el.MaxLength = 5
	view := slack.ModalViewRequest{Type: slack.VTModal, Title: plain("Edit"), Submit: plain("Save"), CallbackID: "cb",
		Blocks: slack.Blocks{BlockSet: []slack.Block{slack.NewInputBlock("b", plain("B"), nil, el)}}}
	v, err := api.OpenViewContext(ctx, cmd.TriggerID, view)
	if err != nil {
		t.Fatalf("views.open: %v", err)
	}
	if _, err := api.OpenViewContext(ctx, cmd.TriggerID, view); err == nil || err.Error() != "expired_trigger_id" {
		t.Errorf("a trigger used twice: %v", err)
	}
	if _, err := s.SubmitView("U1", v.ID, map[string]string{"b": "too long"}); err == nil {
		t.Error("a value past max_length was submitted")
	}
	sub, err := s.SubmitView("U1", v.ID, map[string]string{"b": "ok"})
	if err != nil {
		t.Fatal(err)
	}
	for {
		e := <-sm.Events
		if e.Type != socketmode.EventTypeInteractive {
			continue
		}
		cb := e.Data.(slack.InteractionCallback)
		if cb.View.State.Values["b"]["v"].Value != "ok" {
			t.Errorf("submitted values %+v", cb.View.State.Values)
		}
		sm.Ack(*e.Request, slack.NewErrorsViewSubmissionResponse(map[string]string{"b": "no"}))
		break
	}
	if err := slack.PostWebhookContext(ctx, cmd.ResponseURL, &slack.WebhookMessage{Text: "done"}); err != nil {
		t.Fatal(err)
	}
	st, ok := s.WaitFor(5*time.Second, func(st slackfake.State) bool {
		d, _ := st.DeliveryRef(sub)
		return d.Acked && len(st.ResponsesTo(ref)) == 1
	})
	if vv, _ := st.View(v.ID); !ok || vv.Errors["b"] != "no" || vv.Ref != ref || st.ResponsesTo(ref)[0].Text != "done" {
		t.Errorf("view %+v, responses %+v", vv, st.Responses)
	}
}
