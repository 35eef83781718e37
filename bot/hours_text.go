package bot

import (
	"fmt"
	"strings"
	"time"
)

var dayNames = map[Lang][7]string{
	LangEN: {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
	LangFR: {"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"},
}

// Describe returns the hours in words, e.g. "Monday to Friday, 09:00–18:00,
// Europe/Paris time" or "du lundi au vendredi, 09h00–18h00, heure de Europe/Paris".
func (h Hours) Describe(lang Lang) string {
	if h.Always() {
		if lang == LangFR {
			return "7j/7, 24h/24"
		}
		return "24/7"
	}
	var groups []string
	// Weeks start on Monday.
	order := [7]time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}
	for i := 0; i < 7; {
		d := order[i]
		if len(h.week[d]) == 0 {
			i++
			continue
		}
		j := i
		for j+1 < 7 && sameSpans(h.week[order[j+1]], h.week[d]) {
			j++
		}
		groups = append(groups, describeDays(lang, d, order[j])+", "+describeSpans(lang, h.week[d]))
		i = j + 1
	}
	zone := h.Location().String()
	if lang == LangFR {
		return strings.Join(groups, " ; ") + ", heure de " + zone
	}
	return strings.Join(groups, "; ") + ", " + zone + " time"
}

func describeDays(lang Lang, from, to time.Weekday) string {
	names := dayNames[lang]
	if names[0] == "" {
		names = dayNames[LangEN]
	}
	switch {
	case from == to && lang == LangFR:
		return "le " + names[from]
	case from == to:
		return names[from]
	case lang == LangFR:
		return "du " + names[from] + " au " + names[to]
	default:
		return names[from] + " to " + names[to]
	}
}

func describeSpans(lang Lang, spans []span) string {
	parts := make([]string, len(spans))
	for i, s := range spans {
		parts[i] = clock(lang, s.from) + "–" + clock(lang, s.to)
	}
	if lang == LangFR {
		return strings.Join(parts, " et ")
	}
	return strings.Join(parts, " and ")
}

func clock(lang Lang, m int) string {
	if lang == LangFR {
		return fmt.Sprintf("%02dh%02d", m/60, m%60)
	}
	return fmt.Sprintf("%02d:%02d", m/60, m%60)
}

func sameSpans(a, b []span) bool {
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

// When describes t relative to now in the hours' time zone: "today at 09:00",
// "tomorrow at 09:00", "on Monday at 09:00" ("aujourd'hui à 09h00", …).
func (h Hours) When(t, now time.Time, lang Lang) string {
	loc := h.Location()
	t, now = t.In(loc), now.In(loc)
	days := int(time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc).Sub(
		time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)).Hours()+12) / 24
	at := clock(lang, t.Hour()*60+t.Minute())
	names := dayNames[LangEN]
	if lang == LangFR {
		names = dayNames[LangFR]
	}
	switch {
	case days <= 0 && lang == LangFR:
		return "aujourd'hui à " + at
	case days <= 0:
		return "today at " + at
	case days == 1 && lang == LangFR:
		return "demain à " + at
	case days == 1:
		return "tomorrow at " + at
	case days < 7 && lang == LangFR:
		return names[t.Weekday()] + " à " + at
	case days < 7:
		return "on " + names[t.Weekday()] + " at " + at
	case lang == LangFR:
		return "le " + t.Format("02/01") + " à " + at
	default:
		return "on " + t.Format("Jan 2") + " at " + at
	}
}
