package slo

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// CalendarUnit is the unit of a calendar window.
type CalendarUnit int

const (
	Day CalendarUnit = iota + 1
	Week
	Month
	Quarter
	Year
)

// Window is an SLO's period: rolling (the last Length before now) or
// calendar (the current day, week, month, quarter or year, in a time zone).
type Window struct {
	Rolling bool
	Length  time.Duration // rolling windows

	// Calendar windows: Count units, periods starting at Anchor (in its
	// location) and every Count units after it.
	Count  int
	Unit   CalendarUnit
	Anchor time.Time

	text string
}

// RollingWindow is the last length before now.
func RollingWindow(length time.Duration) Window {
	return Window{Rolling: true, Length: length, text: formatDuration(length)}
}

// CalendarWindow is count units, the first period starting at anchor; a
// zero anchor starts periods at midnight of 1 January 2000 (Monday
// 3 January for weeks) in loc, so months start on the 1st and weeks on
// Mondays.
func CalendarWindow(count int, unit CalendarUnit, anchor time.Time, loc *time.Location) Window {
	if anchor.IsZero() {
		day := 1
		if unit == Week {
			day = 3
		}
		anchor = time.Date(2000, time.January, day, 0, 0, 0, 0, loc)
	}
	return Window{Count: count, Unit: unit, Anchor: anchor.In(loc),
		text: strconv.Itoa(count) + string("?dwMQy"[unit])}
}

func (w Window) String() string { return w.text }

// Bounds is the period that holds now: [now-Length, now] for a rolling
// window, the calendar period's start and end otherwise.
func (w Window) Bounds(now time.Time) (from, to time.Time) {
	if w.Rolling {
		return now.Add(-w.Length), now
	}
	// Estimate the period index from the average period length, then step
	// to the exact one: calendar periods vary with month lengths and DST.
	approx := w.approxLength()
	k := int(now.Sub(w.Anchor) / approx)
	for w.periodStart(k).After(now) {
		k--
	}
	for !w.periodStart(k + 1).After(now) {
		k++
	}
	return w.periodStart(k), w.periodStart(k + 1)
}

// periodLength is how long the period is when alert factors are scaled to
// it: a rolling window's length, a calendar window's nominal one.
func (w Window) periodLength() time.Duration {
	if w.Rolling {
		return w.Length
	}
	return w.approxLength()
}

// approxLength is a calendar window's nominal length: 30 days a month, 91 a
// quarter, 365 a year.
func (w Window) approxLength() time.Duration {
	day := 24 * time.Hour
	unit := map[CalendarUnit]time.Duration{Day: day, Week: 7 * day, Month: 30 * day, Quarter: 91 * day, Year: 365 * day}[w.Unit]
	return time.Duration(w.Count) * unit
}

// periodStart is the start of the k-th period after the anchor. Months are
// counted from the anchor each time, with the day clamped to the month's
// length, so a period anchored on the 31st starts on the last day of
// shorter months instead of drifting.
func (w Window) periodStart(k int) time.Time {
	a := w.Anchor
	n := k * w.Count
	switch w.Unit {
	case Day:
		return time.Date(a.Year(), a.Month(), a.Day()+n, a.Hour(), a.Minute(), a.Second(), a.Nanosecond(), a.Location())
	case Week:
		return time.Date(a.Year(), a.Month(), a.Day()+7*n, a.Hour(), a.Minute(), a.Second(), a.Nanosecond(), a.Location())
	}
	months := n
	switch w.Unit {
	case Quarter:
		months = 3 * n
	case Year:
		months = 12 * n
	}
	first := time.Date(a.Year(), a.Month()+time.Month(months), 1, 0, 0, 0, 0, a.Location())
	day := min(a.Day(), daysIn(first.Year(), first.Month(), a.Location()))
	return time.Date(first.Year(), first.Month(), day, a.Hour(), a.Minute(), a.Second(), a.Nanosecond(), a.Location())
}

func daysIn(year int, month time.Month, loc *time.Location) int {
	return time.Date(year, month+1, 0, 0, 0, 0, 0, loc).Day()
}

// ParseDuration reads the durations SLO specs use: a whole number and one
// of m, h, d, w (fixed lengths) or M, Q, y (calendar lengths), e.g. "5m",
// "28d", "1M". calendarUnit is 0 for fixed lengths.
func ParseDuration(text string) (fixed time.Duration, count int, calendarUnit CalendarUnit, err error) {
	s := strings.TrimSpace(text)
	if len(s) < 2 {
		return 0, 0, 0, fmt.Errorf("duration %q: want a whole number and a unit (m, h, d, w, M, Q, y)", text)
	}
	n, convErr := strconv.Atoi(s[:len(s)-1])
	if convErr != nil || n <= 0 {
		return 0, 0, 0, fmt.Errorf("duration %q: %q is not a positive whole number", text, s[:len(s)-1])
	}
	day := 24 * time.Hour
	switch s[len(s)-1] {
	case 's':
		return time.Duration(n) * time.Second, 0, 0, nil
	case 'm':
		return time.Duration(n) * time.Minute, 0, 0, nil
	case 'h':
		return time.Duration(n) * time.Hour, 0, 0, nil
	case 'd':
		return time.Duration(n) * day, n, Day, nil
	case 'w':
		return time.Duration(n) * 7 * day, n, Week, nil
	case 'M':
		return 0, n, Month, nil
	case 'Q':
		return 0, n, Quarter, nil
	case 'y', 'Y':
		return 0, n, Year, nil
	}
	return 0, 0, 0, fmt.Errorf("duration %q: unknown unit %q (want m, h, d, w, M, Q or y)", text, s[len(s)-1:])
}

// ParseWindow reads a window as OpenSLO writes it: a duration, whether it
// rolls, and for calendar windows an optional start time and a time zone
// (IANA name; default UTC).
func ParseWindow(duration string, rolling bool, startTime, timeZone string) (Window, error) {
	fixed, count, unit, err := ParseDuration(duration)
	if err != nil {
		return Window{}, err
	}
	if rolling {
		if fixed == 0 {
			return Window{}, fmt.Errorf("duration %q: a rolling window needs a fixed length (m, h, d, w), not calendar months, quarters or years", duration)
		}
		return RollingWindow(fixed), nil
	}
	if unit == 0 {
		return Window{}, fmt.Errorf("duration %q: a calendar window is counted in d, w, M, Q or y", duration)
	}
	loc := time.UTC
	if timeZone != "" {
		if loc, err = time.LoadLocation(timeZone); err != nil {
			return Window{}, fmt.Errorf("timeZone %q: %w", timeZone, err)
		}
	}
	var anchor time.Time
	if startTime != "" {
		if anchor, err = time.ParseInLocation("2006-01-02 15:04:05", startTime, loc); err != nil {
			if anchor, err = time.Parse(time.RFC3339, startTime); err != nil {
				return Window{}, fmt.Errorf("startTime %q: want \"2006-01-02 15:04:05\" or RFC 3339", startTime)
			}
		}
	}
	return CalendarWindow(count, unit, anchor, loc), nil
}

// formatDuration writes a fixed length in the largest whole unit up to
// days, as SLO specs do ("28d", not "4w").
func formatDuration(d time.Duration) string {
	day := 24 * time.Hour
	switch {
	case d%day == 0:
		return strconv.FormatInt(int64(d/day), 10) + "d"
	case d%time.Hour == 0:
		return strconv.FormatInt(int64(d/time.Hour), 10) + "h"
	case d%time.Minute == 0:
		return strconv.FormatInt(int64(d/time.Minute), 10) + "m"
	}
	return d.String()
}
