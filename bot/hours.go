package bot

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Hours are the shop's support hours: opening spans per weekday in a time
// zone, and closed days (holidays).
type Hours struct {
	loc      *time.Location
	week     [7][]span // by time.Weekday
	holidays map[string]bool
}

// span is an opening span in minutes after midnight, [from, to).
type span struct{ from, to int }

var weekdayNames = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

// ParseHours parses support hours. tz is an IANA time zone ("Europe/Paris");
// each schedule line is "DAYS HH:MM-HH:MM[,HH:MM-HH:MM]" where DAYS is a day
// ("mon") or a range ("mon-fri"); holidays are dates "2026-12-25". Every
// problem is reported, one per line.
func ParseHours(tz string, schedule, holidays []string) (Hours, error) {
	var problems []string
	h := Hours{holidays: map[string]bool{}}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		problems = append(problems, fmt.Sprintf("unknown time zone %q (use an IANA name such as Europe/Paris)", tz))
		loc = time.UTC
	}
	h.loc = loc
	for _, line := range schedule {
		if err := h.addLine(line); err != nil {
			problems = append(problems, err.Error())
		}
	}
	for _, d := range holidays {
		if _, err := time.Parse(time.DateOnly, d); err != nil {
			problems = append(problems, fmt.Sprintf("holiday %q is not a date YYYY-MM-DD", d))
			continue
		}
		h.holidays[d] = true
	}
	if len(problems) > 0 {
		return Hours{}, Errorf(EInvalid, "%s", strings.Join(problems, "; "))
	}
	return h, nil
}

func (h *Hours) addLine(line string) error {
	days, times, ok := strings.Cut(strings.TrimSpace(strings.ToLower(line)), " ")
	if !ok {
		return fmt.Errorf("schedule %q: want \"mon-fri 09:00-18:00\"", line)
	}
	first, last, isRange := strings.Cut(days, "-")
	d1, ok1 := weekdayNames[first]
	d2, ok2 := d1, true
	if isRange {
		d2, ok2 = weekdayNames[last]
	}
	if !ok1 || !ok2 {
		return fmt.Errorf("schedule %q: days must be mon, tue, wed, thu, fri, sat, sun or a range like mon-fri", line)
	}
	var spans []span
	for _, part := range strings.Split(strings.TrimSpace(times), ",") {
		from, to, ok := strings.Cut(strings.TrimSpace(part), "-")
		f, err1 := parseClock(from)
		t, err2 := parseClock(to)
		if !ok || err1 != nil || err2 != nil || t <= f {
			return fmt.Errorf("schedule %q: times must be HH:MM-HH:MM with the end after the start", line)
		}
		spans = append(spans, span{f, t})
	}
	for d := d1; ; d = (d + 1) % 7 {
		h.week[d] = append(h.week[d], spans...)
		slices.SortFunc(h.week[d], func(a, b span) int { return a.from - b.from })
		if d == d2 {
			break
		}
	}
	return nil
}

func parseClock(s string) (int, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		if strings.TrimSpace(s) == "24:00" {
			return 24 * 60, nil
		}
		return 0, err
	}
	return t.Hour()*60 + t.Minute(), nil
}

// Location returns the time zone of the hours.
func (h Hours) Location() *time.Location {
	if h.loc == nil {
		return time.UTC
	}
	return h.loc
}

// Always reports whether no schedule is set (support is always open).
func (h Hours) Always() bool {
	for _, d := range h.week {
		if len(d) > 0 {
			return false
		}
	}
	return true
}

// IsOpen reports whether support is open at t.
func (h Hours) IsOpen(t time.Time) bool {
	if h.Always() {
		return true
	}
	t = t.In(h.Location())
	if h.holidays[t.Format(time.DateOnly)] {
		return false
	}
	m := t.Hour()*60 + t.Minute()
	for _, s := range h.week[t.Weekday()] {
		if m >= s.from && m < s.to {
			return true
		}
	}
	return false
}

// NextOpen returns the next time support opens at or after t: t itself if it
// is open. It looks at most 60 days ahead and returns t if it finds nothing.
func (h Hours) NextOpen(t time.Time) time.Time {
	if h.IsOpen(t) {
		return t
	}
	loc := h.Location()
	lt := t.In(loc)
	day := time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, loc)
	for i := 0; i < 60; i++ {
		d := day.AddDate(0, 0, i)
		if h.holidays[d.Format(time.DateOnly)] {
			continue
		}
		for _, s := range h.week[d.Weekday()] {
			open := time.Date(d.Year(), d.Month(), d.Day(), s.from/60, s.from%60, 0, 0, loc)
			if !open.Before(lt) {
				return open
			}
		}
	}
	return t
}
