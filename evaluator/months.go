package evaluator

import (
	"math"
	"time"

	"github.com/capcheck/capcheck/internal/gregorian"
	"github.com/capcheck/capcheck/inventory"
)

// tol is the tolerance used before rounding up GPU counts and when comparing
// headroom with its threshold, so that floating-point noise such as
// 0.29999999999999993 versus 0.30 never flips a verdict.
const tol = 1e-9

// daysPerMonth is the one mean month (internal/gregorian, 365.2425 / 12 =
// 30.436875 days): it turns a lead time in weeks into months, the only
// place the evaluator's month is not a calendar month.
const daysPerMonth = gregorian.MonthDays

// calendar maps month indexes (0 = the month of Now) to calendar dates.
type calendar struct {
	now   time.Time // Now truncated to its UTC date
	y0    int
	m0    time.Month
	first time.Time // first day of month 0
	// starts caches the first day of months 0 … len(starts)−1.
	starts []time.Time
}

// newCalendar returns the calendar of now, caching month starts for
// months 0 … months+1.
func newCalendar(now time.Time, months int) calendar {
	now = now.UTC()
	y, m, d := now.Date()
	c := calendar{
		now:   time.Date(y, m, d, 0, 0, 0, 0, time.UTC),
		y0:    y,
		m0:    m,
		first: time.Date(y, m, 1, 0, 0, 0, 0, time.UTC),
	}
	c.starts = make([]time.Time, max(months, 0)+2)
	for i := range c.starts {
		c.starts[i] = c.monthDate(i)
	}
	return c
}

func (c calendar) monthDate(m int) time.Time {
	return time.Date(c.y0, c.m0+time.Month(m), 1, 0, 0, 0, 0, time.UTC)
}

// start is the first day of month m.
func (c calendar) start(m int) time.Time {
	if m >= 0 && m < len(c.starts) {
		return c.starts[m]
	}
	return c.monthDate(m)
}

// last is the last day of month m.
func (c calendar) last(m int) time.Time { return c.start(m+1).AddDate(0, 0, -1) }

// days is the number of days in month m.
func (c calendar) days(m int) float64 {
	return math.Round(c.start(m+1).Sub(c.start(m)).Hours() / 24)
}

// hours is days(m) × 24.
func (c calendar) hours(m int) float64 { return c.days(m) * 24 }

// seconds is days(m) × 86 400.
func (c calendar) seconds(m int) float64 { return c.days(m) * 86400 }

// label is month m as "YYYY-MM".
func (c calendar) label(m int) string { return c.start(m).Format("2006-01") }

// index is the month index of t (negative before month 0).
func (c calendar) index(t time.Time) int {
	t = t.UTC()
	return (t.Year()-c.y0)*12 + int(t.Month()) - int(c.m0)
}

// ageDays is the number of whole days from t to Now (negative when t is
// later than Now).
func (c calendar) ageDays(t time.Time) int {
	d := dateOf(t)
	return int(math.Round(c.now.Sub(d).Hours() / 24))
}

// dateOf truncates t to its UTC calendar date.
func dateOf(t time.Time) time.Time {
	t = t.UTC()
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// formatDate is t as "YYYY-MM-DD", "" for the zero time.
func formatDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02")
}

// leadMonths is L = ceil(lead_time_weeks × 7 / 30.436875): the lead time in
// whole months, rounded up (an order takes at least that many months).
func leadMonths(weeks float64) int {
	if weeks <= 0 {
		return 0
	}
	return int(math.Ceil(weeks*7/daysPerMonth - tol))
}

// Whole-day semantics, stated once and used everywhere (capacity, N+k,
// CAP012's month, demand in month 0, order-by): the model counts whole UTC
// days. A reservation covers day d when it holds for all of d, from 00:00
// UTC to the next 00:00 UTC:
//
//   - a start written as a date "YYYY-MM-DD" covers that day; an RFC 3339
//     start (offsets allowed, converted to UTC) covers the day it begins
//     only when it begins at 00:00 UTC, else the days from the next one;
//   - an end written as a date "YYYY-MM-DD" is the last day covered
//     (inclusive); an RFC 3339 end is the instant capacity stops, so it
//     covers the days that are over by then: 2027-03-01T00:00:00Z covers
//     nothing of 1 March and 2027-02-28T23:00:00Z nothing of 28 February;
//   - a month counts a reservation's capacity when every day of it that
//     lies ahead (from Now's day in month 0, whose past days need nothing
//     any more; from the 1st later) is covered; demand in month 0 is
//     likewise counted from Now's day (events over before today are not
//     in this month's peak), so demand and capacity cover the same days.
//
// parseResStart returns the first day a start covers, parseResEnd the
// last day an end covers, both as UTC midnights: the whole-day rule is
// written once, in package inventory ([inventory.FirstDay],
// [inventory.LastDay]), so the inventory's dates read as the model counts.
func parseResStart(s string) (time.Time, error) { return inventory.FirstDay(s) }

// parseResEnd returns the last whole day an end covers (see parseResStart).
func parseResEnd(s string) (time.Time, error) { return inventory.LastDay(s) }

// parseResDate parses a reservation date as written in Terraform:
// "YYYY-MM-DD" or RFC 3339, truncated to its UTC date. Prefer
// parseResStart and parseResEnd, which apply the whole-day semantics.
func parseResDate(s string) (time.Time, error) {
	t, _, err := inventory.Instant(s)
	if err != nil {
		return time.Time{}, err
	}
	return dateOf(t), nil
}

// from is the first day month m counts: Now's day in month 0 (its past
// days need no capacity and carry no demand any more), the 1st later.
func (c calendar) from(m int) time.Time {
	if m == 0 {
		return c.now
	}
	return c.start(m)
}

// orderByDate is the last day to order capacity that takes leadWeeks
// weeks to arrive before the first day of month cliff:
// start(cliff) − ceil(leadWeeks × 7) days (a part day rounds the lead
// time up: ordering later would arrive late).
func (c calendar) orderByDate(cliff int, leadWeeks float64) time.Time {
	days := int(math.Ceil(leadWeeks*7 - tol))
	return c.start(cliff).AddDate(0, 0, -max(days, 0))
}

// ceilTol rounds x up to a whole number after forgiving tol of
// floating-point noise (2.0000000001 → 2).
func ceilTol(x float64) float64 { return math.Ceil(x - tol) }

// wholeReplicas is the replicas serving a fractional demand of x: ceil(x)
// (within tol), at least 1 as soon as x > 0, 0 when there is no demand. A
// replica serves whole or not at all, so GPUs are rounded up per workload
// (per model of an LLM mix), never summed fractionally across workloads.
// NaN stays NaN, for the finite check that follows to report.
func wholeReplicas(x float64) float64 {
	if x <= 0 {
		return 0
	}
	return math.Max(1, ceilTol(x))
}
