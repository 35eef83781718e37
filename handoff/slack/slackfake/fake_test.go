package slackfake_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"github.com/relaisbot/relais/handoff/slack/slackfake"
)

func TestWebAPI(t *testing.T) {
	s := slackfake.New(slackfake.Options{Channels: []string{"C1"}, Users: []slackfake.User{{ID: "U1", Name: "al", DisplayName: "Al"}}})
	defer s.Close()
	ctx := context.Background()
	api := slack.New(s.Options().BotToken, slack.OptionAPIURL(s.URL()))

	if res, err := api.AuthTestContext(ctx); err != nil || res.UserID != "U0BOT" {
		t.Errorf("auth.test: %+v, %v", res, err)
	}
	if _, err := slack.New("xoxb-wrong", slack.OptionAPIURL(s.URL())).AuthTestContext(ctx); err == nil || err.Error() != "invalid_auth" {
		t.Errorf("auth.test with a wrong token: %v, want invalid_auth", err)
	}
	_, ts1, err1 := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("one", false))
	_, ts2, err2 := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("two", false), slack.MsgOptionTS(ts1))
	if err1 != nil || err2 != nil || ts1 >= ts2 {
		t.Fatalf("two posts: ts %q %q, errors %v %v; want increasing ts", ts1, ts2, err1, err2)
	}
	if _, _, err := api.PostMessageContext(ctx, "C2", slack.MsgOptionText("x", false)); err == nil || err.Error() != "not_in_channel" {
		t.Errorf("post in a channel the bot is not in: %v", err)
	}
	if _, _, _, err := api.UpdateMessageContext(ctx, "C1", ts1, slack.MsgOptionText("one!", false)); err != nil {
		t.Errorf("chat.update: %v", err)
	}
	if err := api.AddReactionContext(ctx, "eyes", slack.NewRefToMessage("C1", "1.000000")); err == nil || err.Error() != "message_not_found" {
		t.Errorf("reaction on a missing message: %v", err)
	}
	if u, err := api.GetUserInfoContext(ctx, "U1"); err != nil || u.Profile.DisplayName != "Al" {
		t.Errorf("users.info: %+v, %v", u, err)
	}
	if _, err := api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: "C1"}); err == nil {
		t.Error("an unknown method should fail")
	}

	s.Inject("chat.postMessage", slackfake.Fault{Status: 429, RetryAfter: 3, Times: 1})
	_, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("x", false))
	var rl *slack.RateLimitedError
	if !errors.As(err, &rl) || rl.RetryAfter != 3*time.Second {
		t.Errorf("rate-limited post: %v", err)
	}
	st := s.State()
	if len(st.Posts()) != 2 || st.Posts()[0].Text != "one!" || len(st.Thread("C1", ts1)) != 1 || st.Calls["chat.postMessage"] != 4 {
		t.Errorf("state: %+v", st)
	}
}

func TestSocketMode(t *testing.T) {
	s := slackfake.New(slackfake.Options{PingInterval: 100 * time.Millisecond})
	defer s.Close()
	api := slack.New(s.Options().BotToken, slack.OptionAPIURL(s.URL()), slack.OptionAppLevelToken(s.Options().AppToken))
	sm := socketmode.New(api)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- sm.RunContext(ctx) }()
	defer func() { cancel(); <-done }()

	evID, ts := s.AgentReply("C1", "1.5", "U1", "hi")
	got := map[string]bool{}
	timeout := time.After(5 * time.Second)
	for !got["events_api"] {
		select {
		case e := <-sm.Events:
			got[string(e.Type)] = true
			if e.Type == socketmode.EventTypeEventsAPI {
				ev := e.Data.(slackevents.EventsAPIEvent)
				msg := ev.InnerEvent.Data.(*slackevents.MessageEvent)
				if msg.TimeStamp != ts || msg.ThreadTimeStamp != "1.5" || msg.Text != "hi" {
					t.Errorf("message event %+v", msg)
				}
				if err := sm.Ack(*e.Request); err != nil {
					t.Fatal(err)
				}
			}
		case <-timeout:
			t.Fatalf("no event; got %v", got)
		}
	}
	if !got["hello"] || !got["connected"] {
		t.Errorf("events %v: want hello and connected", got)
	}
	if _, ok := s.WaitFor(5*time.Second, func(st slackfake.State) bool {
		d, ok := st.Delivery(evID)
		return ok && d.Acked
	}); !ok {
		t.Error("the ack was not recorded")
	}
	// Pings keep the connection up well past slack-go's ping timeout.
	time.Sleep(300 * time.Millisecond)
	if st := s.State(); st.Connections != 1 || st.Connected != 1 {
		t.Errorf("connections %d, open %d; want one, still open", st.Connections, st.Connected)
	}
}

func TestSignedHTTPDelivery(t *testing.T) {
	s := slackfake.New(slackfake.Options{})
	defer s.Close()
	// Slack's documented example signature.
	body := "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
	if sig := slackfake.Sign("8f742231b10e8888abcd99yyyzzz85a5", 1531420618, []byte(body)); sig != "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503" {
		t.Errorf("Sign gives %s, not Slack's documented example", sig)
	}

	retries := make(chan string, 2)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		sv, err := slack.NewSecretsVerifier(r.Header, s.Options().SigningSecret)
		if err == nil {
			sv.Write(b)
			err = sv.Ensure()
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		retries <- r.Header.Get("X-Slack-Retry-Num")
	}))
	defer srv.Close()
	s.UseHTTP(srv.URL, "")
	ev, _ := s.AgentReply("C1", "1.5", "U1", "hi")
	if err := s.ResendEvent(ev); err != nil {
		t.Fatal(err)
	}
	st, ok := s.WaitFor(5*time.Second, func(st slackfake.State) bool { return len(st.Deliveries) == 2 })
	if !ok || !st.Deliveries[0].Acked || st.Deliveries[1].Status != http.StatusOK || st.Deliveries[1].Retry != 1 {
		t.Errorf("deliveries %+v: want two answered 200, the second a retry", st.Deliveries)
	}
	if a, b := <-retries, <-retries; a != "" || b != "1" {
		t.Errorf("X-Slack-Retry-Num %q then %q, want none then 1", a, b)
	}
	if err := s.Click("U1", "nope", "1"); err == nil {
		t.Error("clicking a button that no message has should fail")
	}
}
