// Package gregorian holds the one mean month capcheck uses wherever a
// month is a length rather than a calendar month: a lead time in weeks
// turned into months (evaluator, schema), a series' steps per month and
// a monthly growth (forecast), the months a baseline is carried forward
// (workspace). It is the Gregorian mean, 365.2425 days / 12.
package gregorian

import "time"

// MonthDays is the mean Gregorian month in days: 365.2425 / 12 =
// 30.436875.
const MonthDays = 365.2425 / 12

// Month is MonthDays as a duration: 30.436875 × 86,400 s = 2,629,746 s
// exactly.
const Month = time.Duration(MonthDays * 24 * float64(time.Hour))
