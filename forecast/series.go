package forecast

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/capcheck/capcheck/internal/gregorian"
)

// Series is an observed time series. Times must be strictly increasing and
// hold one entry per value. Raw samples may be irregular; [Fit] needs a
// regular grid (gaps are filled, see [Options.MaxMissing]).
type Series struct {
	Times  []time.Time
	Values []float64
}

// Len returns the number of observations.
func (s Series) Len() int { return len(s.Values) }

// Errors returned for unusable input. They are wrapped with detail (how many
// points, which index), so test with errors.Is.
var (
	ErrEmpty     = errors.New("empty series")
	ErrTooShort  = errors.New("series too short")
	ErrLength    = errors.New("times and values differ in length")
	ErrNotFinite = errors.New("value is NaN or Inf")
	ErrUnsorted  = errors.New("times not strictly increasing")
	ErrIrregular = errors.New("irregular spacing")
	ErrGaps      = errors.New("too many missing points")
	ErrOptions   = errors.New("invalid options")
	ErrNoMethod  = errors.New("no method applicable")
	// ErrOverflow is a figure Fit or Backtest computed that is not finite
	// (values near float64's limits, or a trend that explodes over the
	// horizon): the error names the model and the figure, which is never
	// returned.
	ErrOverflow = errors.New("figures overflow")
)

// check validates lengths, values and ordering of s.
func (s Series) check() error {
	if len(s.Times) != len(s.Values) {
		return fmt.Errorf("%w: %d times, %d values", ErrLength, len(s.Times), len(s.Values))
	}
	if len(s.Values) == 0 {
		return ErrEmpty
	}
	for i, v := range s.Values {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%w: point %d (%s) is %v", ErrNotFinite, i, s.Times[i].Format(time.RFC3339), v)
		}
	}
	for i := 1; i < len(s.Times); i++ {
		if !s.Times[i].After(s.Times[i-1]) {
			return fmt.Errorf("%w: point %d (%s) is not after point %d (%s)", ErrUnsorted,
				i, s.Times[i].Format(time.RFC3339), i-1, s.Times[i-1].Format(time.RFC3339))
		}
	}
	return nil
}

// DailyPeaks returns the maximum of s in each calendar day (in the location
// of each timestamp), stamped at the day's midnight. Days without samples are
// left out; [Fit] fills or rejects those gaps.
func DailyPeaks(s Series) (Series, error) {
	return peaks(s, func(t time.Time) time.Time {
		y, m, d := t.Date()
		return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
	})
}

// PeaksBy returns the maximum of s in each period-long bucket, stamped at the
// bucket start. Buckets are aligned with [time.Time.Truncate] (absolute time,
// so hours and UTC days align as expected). Empty buckets are left out.
func PeaksBy(s Series, period time.Duration) (Series, error) {
	if period <= 0 {
		return Series{}, fmt.Errorf("%w: period %v must be positive", ErrOptions, period)
	}
	return peaks(s, func(t time.Time) time.Time { return t.Truncate(period) })
}

func peaks(s Series, bucket func(time.Time) time.Time) (Series, error) {
	if err := s.check(); err != nil {
		return Series{}, err
	}
	var out Series
	for i, t := range s.Times {
		b := bucket(t)
		if k := len(out.Times) - 1; k >= 0 && out.Times[k].Equal(b) {
			out.Values[k] = math.Max(out.Values[k], s.Values[i])
			continue
		}
		out.Times = append(out.Times, b)
		out.Values = append(out.Values, s.Values[i])
	}
	return out, nil
}

// grid is a regular time axis: point i is at start + i·step, or, for
// calendar steps, start plus i·months months.
type grid struct {
	start  time.Time
	step   time.Duration // nominal step (average month length for calendar steps)
	months int           // calendar step in months; 0 for fixed durations
}

// avgMonth is the one mean month, 365.2425 days / 12 (internal/gregorian).
const avgMonth = gregorian.Month

func (g grid) at(i int) time.Time {
	if g.months > 0 {
		return g.start.AddDate(0, i*g.months, 0)
	}
	return g.start.Add(time.Duration(i) * g.step)
}

// stepsPerMonth is how many steps make an average month.
func (g grid) stepsPerMonth() float64 {
	if g.months > 0 {
		return 1 / float64(g.months)
	}
	return float64(avgMonth) / float64(g.step)
}

// regular is s placed on its grid, gaps filled.
type regular struct {
	g      grid
	y      []float64
	filled int // points filled by interpolation
}

// regularize detects the step of s as the median spacing (calendar months
// when the median is 27–32 days, or a multiple of that), places every point
// on the grid (each may deviate by at most a tenth of a step), and fills
// missing grid points by linear interpolation when they are at most
// maxMissing of the grid. Larger gaps give ErrGaps.
func regularize(s Series, maxMissing float64) (regular, error) {
	if err := s.check(); err != nil {
		return regular{}, err
	}
	n := len(s.Values)
	if n < 2 {
		return regular{}, fmt.Errorf("%w: have %d point, need at least 2 to find the step", ErrTooShort, n)
	}
	d := make([]time.Duration, n-1)
	for i := range d {
		d[i] = s.Times[i+1].Sub(s.Times[i])
	}
	slices.Sort(d)
	med := d[len(d)/2]
	g := grid{start: s.Times[0], step: med}
	idx := make([]int, n)
	if months := calendarMonths(med); months > 0 {
		g.months, g.step = months, time.Duration(months)*avgMonth
		y0, m0, _ := s.Times[0].Date()
		for i, t := range s.Times {
			y, m, _ := t.Date()
			k := (y-y0)*12 + int(m-m0)
			if k%months != 0 {
				return regular{}, fmt.Errorf("%w: point %d (%s) is off the %d-month grid starting %s",
					ErrIrregular, i, t.Format(time.DateOnly), months, s.Times[0].Format(time.DateOnly))
			}
			idx[i] = k / months
			if i > 0 && idx[i] <= idx[i-1] {
				return regular{}, fmt.Errorf("%w: points %d and %d fall in the same %d-month step", ErrIrregular, i-1, i, months)
			}
		}
	} else {
		for i, t := range s.Times {
			off := t.Sub(s.Times[0])
			k := int(math.Round(float64(off) / float64(med)))
			if dev := off - time.Duration(k)*med; dev > med/10 || dev < -med/10 {
				return regular{}, fmt.Errorf("%w: point %d (%s) is %v off the %v grid; aggregate first (PeaksBy)",
					ErrIrregular, i, t.Format(time.RFC3339), dev, med)
			}
			if i > 0 && k <= idx[i-1] {
				return regular{}, fmt.Errorf("%w: points %d and %d fall in the same %v step; aggregate first (PeaksBy)",
					ErrIrregular, i-1, i, med)
			}
			idx[i] = k
		}
	}
	total := idx[n-1] + 1
	missing := total - n
	if float64(missing) > maxMissing*float64(total) {
		longest, at := 0, 0
		for i := 1; i < n; i++ {
			if gap := idx[i] - idx[i-1] - 1; gap > longest {
				longest, at = gap, i-1
			}
		}
		return regular{}, fmt.Errorf("%w: %d of %d grid points missing (%.1f%%, limit %.1f%%); longest gap %d steps after %s",
			ErrGaps, missing, total, 100*float64(missing)/float64(total), 100*maxMissing, longest, s.Times[at].Format(time.RFC3339))
	}
	y := make([]float64, total)
	for i := 0; i < n; i++ {
		y[idx[i]] = s.Values[i]
		if i > 0 {
			a, b := idx[i-1], idx[i]
			for k := a + 1; k < b; k++ {
				f := float64(k-a) / float64(b-a)
				y[k] = s.Values[i-1]*(1-f) + s.Values[i]*f
			}
		}
	}
	return regular{g: g, y: y, filled: missing}, nil
}

// calendarMonths returns the calendar step in months that a median spacing
// stands for (1 for about a month, 3 for a quarter, 12 for a year), or 0.
func calendarMonths(med time.Duration) int {
	days := med.Hours() / 24
	switch {
	case days >= 27 && days <= 32:
		return 1
	case days >= 88 && days <= 93:
		return 3
	case days >= 364 && days <= 367:
		return 12
	}
	return 0
}
