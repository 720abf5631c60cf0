// Package figure holds the one rule every number capcheck reads from a
// user meets, wherever it is written: a capacity plan's fields (schema) and
// the values of an observed series in a CSV file (actuals, for both
// `capcheck forecast` and `capcheck audit`). A figure is finite, and zero
// or between [Min] and [Max] in magnitude. Within those bounds ten figures
// multiplied or divided together stay finite, so what the capacity model
// and the forecasts derive from them (GPUs, costs, ratios, fits) does not
// overflow to ±Inf or NaN; anything that still does is an error where it
// is computed, never a printed "NaN".
//
// The sign is the reader's business: a plan's schema says which fields may
// be negative (growth rates) and an observed series never is.
package figure

import (
	"math"
	"strconv"
)

const (
	// Max is the largest magnitude of a figure: 10^15 is more GPUs,
	// requests a second, tokens or dollars a month than any plan or
	// observation means.
	Max = 1e15
	// Min is the smallest magnitude of a figure other than zero: a
	// smaller one (5e-324, a denormal float) is a typo or float noise, and
	// dividing by it overflows.
	Min = 1e-15
)

// Problem says what is wrong with v as a figure, as a phrase that follows
// the value in a message ("5e-324 is too small: …"); "" when v is fine.
func Problem(v float64) string {
	a := math.Abs(v)
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return "is not finite"
	case a > Max:
		return "is too large: figures are at most " + Format(Max) + " in magnitude, so that nothing derived from them overflows"
	case a != 0 && a < Min:
		return "is too small: write 0, or at least " + Format(Min) + ", so that nothing derived from it overflows"
	}
	return ""
}

// Format writes v the short way a message quotes a figure: 0.35, 1e+15,
// 5e-324.
func Format(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
