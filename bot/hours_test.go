package bot

import (
	"strings"
	"testing"
	"time"
)

func TestHours(t *testing.T) {
	h, err := ParseHours("Europe/Paris", []string{"mon-fri 09:00-12:30,13:30-18:00", "sat 10:00-13:00"}, []string{"2026-12-25"})
	if err != nil {
		t.Fatal(err)
	}
	paris := h.Location()
	at := func(day, hh, mm int) time.Time { return time.Date(2026, 12, day, hh, mm, 0, 0, paris) }
	for _, tc := range []struct {
		t        time.Time
		open     bool
		nextOpen time.Time
	}{
		{at(21, 10, 0), true, at(21, 10, 0)},    // Monday morning
		{at(21, 12, 45), false, at(21, 13, 30)}, // lunch break
		{at(21, 18, 0), false, at(22, 9, 0)},    // closing time is closed
		{at(26, 14, 0), false, at(28, 9, 0)},    // Saturday afternoon → Monday
		{at(24, 20, 0), false, at(26, 10, 0)},   // Thursday evening, Friday 25 is a holiday → Saturday
	} {
		if got := h.IsOpen(tc.t); got != tc.open {
			t.Errorf("IsOpen(%v) = %v, want %v", tc.t, got, tc.open)
		}
		if got := h.NextOpen(tc.t); !got.Equal(tc.nextOpen) {
			t.Errorf("NextOpen(%v) = %v, want %v", tc.t, got, tc.nextOpen)
		}
	}
	if got, want := h.Describe(LangEN), "Monday to Friday, 09:00–12:30 and 13:30–18:00; Saturday, 10:00–13:00, Europe/Paris time"; got != want {
		t.Errorf("Describe(en) = %q\nwant %q", got, want)
	}
	if got, want := h.Describe(LangFR), "du lundi au vendredi, 09h00–12h30 et 13h30–18h00 ; le samedi, 10h00–13h00, heure de Europe/Paris"; got != want {
		t.Errorf("Describe(fr) = %q\nwant %q", got, want)
	}
	now := at(24, 20, 0)
	for _, tc := range []struct {
		t    time.Time
		lang Lang
		want string
	}{
		{at(24, 21, 0), LangEN, "today at 21:00"},
		{at(25, 9, 0), LangFR, "demain à 09h00"},
		{at(26, 10, 0), LangEN, "on Saturday at 10:00"},
	} {
		if got := h.When(tc.t, now, tc.lang); got != tc.want {
			t.Errorf("When(%v) = %q, want %q", tc.t, got, tc.want)
		}
	}
}

func TestParseHoursReportsEveryProblem(t *testing.T) {
	_, err := ParseHours("Nowhere/City", []string{"mon-fry 09:00-18:00", "tue 18:00-09:00"}, []string{"25/12"})
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"Nowhere/City", "mon-fry", "tue 18:00-09:00", "25/12"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestAlwaysOpen(t *testing.T) {
	h, err := ParseHours("UTC", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !h.IsOpen(time.Now()) || h.Describe(LangEN) != "24/7" {
		t.Errorf("empty schedule: open %v, described %q; want always open", h.IsOpen(time.Now()), h.Describe(LangEN))
	}
}

// Every system text exists in both languages with the same placeholders.
func TestTextsComplete(t *testing.T) {
	en, fr := texts[LangEN], texts[LangFR]
	pairs := map[string][2]string{
		"Greeting": {en.Greeting, fr.Greeting}, "HelpfulPrompt": {en.HelpfulPrompt, fr.HelpfulPrompt},
		"Helpful": {en.Helpful, fr.Helpful}, "Yes": {en.Yes, fr.Yes}, "No": {en.No, fr.No},
		"NotHelpful": {en.NotHelpful, fr.NotHelpful}, "ClarifyIntro": {en.ClarifyIntro, fr.ClarifyIntro},
		"Fallback": {en.Fallback, fr.Fallback}, "TalkToHuman": {en.TalkToHuman, fr.TalkToHuman},
		"NoHumanNow": {en.NoHumanNow, fr.NoHumanNow}, "TooLong": {en.TooLong, fr.TooLong}, "Empty": {en.Empty, fr.Empty},
		"RateLimited": {en.RateLimited, fr.RateLimited}, "InternalFailure": {en.InternalFailure, fr.InternalFailure}, "NotAnswered": {en.NotAnswered, fr.NotAnswered},
		"TooManyConns": {en.TooManyConns, fr.TooManyConns}, "TooManyConvs": {en.TooManyConvs, fr.TooManyConvs},
		"CSATThanks": {en.CSATThanks, fr.CSATThanks},
	}
	for k := range en.SmallTalk {
		pairs["SmallTalk."+k] = [2]string{en.SmallTalk[k], fr.SmallTalk[k]}
	}
	for name, p := range pairs {
		if p[0] == "" || p[1] == "" || p[0] == p[1] && name != "TalkToHuman" {
			t.Errorf("%s: en %q, fr %q; want both, translated", name, p[0], p[1])
		}
		for _, ph := range []string{"{shop}", "{email}", "{hours}", "%d"} {
			if strings.Contains(p[0], ph) != strings.Contains(p[1], ph) {
				t.Errorf("%s: placeholder %s in only one language", name, ph)
			}
		}
	}
	shop := Shop{Name: "S", SupportEmail: "e@x.example"}
	for _, l := range Langs {
		if got := TextsFor(l, shop).NoHumanNow; strings.ContainsAny(got, "{}") {
			t.Errorf("rendered NoHumanNow (%s) has a leftover placeholder: %q", l, got)
		}
	}
}
