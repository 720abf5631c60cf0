package inventory

import (
	"fmt"
	"time"
)

// Whole-day semantics of an entry's Start and End, used by the capacity
// model and by every output that shows them: capacity is counted in whole
// UTC days, and an entry covers day d when it holds for all of d.
//
//   - a start written as a date "YYYY-MM-DD" covers that day; an RFC 3339
//     start (offsets allowed, converted to UTC) covers the day it begins
//     only when it begins at 00:00 UTC, else the days from the next one;
//   - an end written as a date "YYYY-MM-DD" is the last day covered
//     (inclusive); an RFC 3339 end is the instant capacity stops, so it
//     covers the days that are over by then: 2027-03-01T00:00:00Z covers
//     nothing of 1 March.

// FirstDay returns the first whole day a start covers, as a UTC midnight.
func FirstDay(s string) (time.Time, error) {
	t, dateOnly, err := Instant(s)
	if err != nil || dateOnly {
		return t, err
	}
	d := midnight(t)
	if d.Before(t) {
		d = d.AddDate(0, 0, 1)
	}
	return d, nil
}

// LastDay returns the last whole day an end covers, as a UTC midnight.
func LastDay(s string) (time.Time, error) {
	t, dateOnly, err := Instant(s)
	if err != nil || dateOnly {
		return t, err
	}
	// The day before the one the instant falls in is the last whole day.
	return midnight(t).AddDate(0, 0, -1), nil
}

// Instant parses "YYYY-MM-DD" (dateOnly, UTC midnight) or RFC 3339
// (converted to UTC).
func Instant(s string) (t time.Time, dateOnly bool, err error) {
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, true, nil
	}
	t, err = time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("date %q is neither YYYY-MM-DD nor RFC 3339", s)
	}
	return t.UTC(), false, nil
}

func midnight(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}
