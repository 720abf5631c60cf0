package forecast

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// Selection criteria for [Options.Selection].
const (
	// SelectBacktest (the default) picks the candidate, or the mean of the
	// best three, with the lowest multi-step rolling-origin MASE; seasonal
	// naive at every period is a candidate (see [Fit]).
	SelectBacktest = "backtest"
	// SelectAICc picks the likelihood-based candidate with the lowest
	// corrected Akaike information criterion on one-step errors.
	// Seasonal-naive and Theta have no comparable likelihood and are
	// chosen only when nothing else fits.
	SelectAICc = "aicc"
)

// Options control [Fit]. The zero value is usable.
type Options struct {
	// Horizon is how many steps to forecast. Zero means the longest seasonal
	// period in use, or 10 steps without seasonality.
	Horizon int
	// Methods restricts the candidates (see [AllMethods]); empty means all.
	// Methods that do not apply (log and multiplicative ones on data that
	// are not all positive, seasonal ones on too short data) are skipped.
	Methods []string
	// Seasonality lists seasonal periods in steps. Empty means automatic
	// from the step: sub-daily steps try one day and one week (24 and 168 for
	// hourly data), daily data 7 and 365, weekly 52, monthly 12, quarterly 4.
	// A period needs two full cycles plus four points; longer ones are
	// skipped.
	Seasonality []int
	// Selection is SelectBacktest (default) or SelectAICc.
	Selection string
	// Origins is how many horizon-long windows at the end of the series
	// the rolling-origin backtest holds out (default 4, at most half the
	// series): candidates are scored, and intervals calibrated, on
	// forecasts from every origin in them; the reported Backtest scores
	// the non-overlapping windows among them.
	Origins int
	// MaxMissing is the largest fraction of grid points that may be missing
	// and filled by linear interpolation (default 0.1).
	MaxMissing float64
	// Seed seeds the bootstrap of prediction intervals (default 1).
	Seed uint64

	// widthScale, when set, scales every interval half-width: a test
	// hook showing that the coverage tests notice wrong widths.
	widthScale float64
	// harmonicWeekly offers Harmonic candidates (period 52.18) to weekly
	// data too: a test hook; on M4 Weekly it did not earn its place
	// (BENCHMARKS.md).
	harmonicWeekly bool
}

// Point is one forecast step with its 80% and 95% prediction intervals.
type Point struct {
	Time  time.Time `json:"time"`
	Value float64   `json:"value"`
	Lo80  float64   `json:"lo80"`
	Hi80  float64   `json:"hi80"`
	Lo95  float64   `json:"lo95"`
	Hi95  float64   `json:"hi95"`
}

// Candidate is one model considered during selection.
type Candidate struct {
	Method string `json:"method"`
	Model  string `json:"model"` // e.g. "ETS(A,Ad,M) m=24"
	// AICc is nil when not comparable (seasonal-naive) or not computable.
	AICc *float64 `json:"aicc,omitempty"`
	// MASE is the multi-step rolling-origin MASE the selection ranks by,
	// present when it was computed (Selection backtest, and always for
	// the chosen model).
	MASE *float64 `json:"mase,omitempty"`
	// Err says why the candidate could not be fitted, if it could not.
	Err string `json:"error,omitempty"`
}

// Result is a fitted and projected series.
type Result struct {
	Method string             `json:"method"` // one of AllMethods
	Model  string             `json:"model"`  // e.g. "ETS(A,Ad,A) m=168"
	Params map[string]float64 `json:"params"`
	// Reason says why this model was chosen.
	Reason string `json:"reason"`
	// Step is the detected spacing; for calendar steps (months, quarters,
	// years) it is the average length and Months is set.
	Step   time.Duration `json:"step"`
	Months int           `json:"months,omitempty"`
	// Period is the seasonal period (in steps) of the seasonal-naive
	// benchmark that scales MASE; 1 when there is no seasonality.
	Period int `json:"period"`
	// Filled is how many missing grid points were interpolated.
	Filled int `json:"filled"`
	// Times are the grid times of the fitted data; Fitted the one-step-ahead
	// fits (NaN where the model has none, e.g. the first season of
	// seasonal-naive).
	Times    []time.Time `json:"-"`
	Fitted   []float64   `json:"-"`
	Forecast []Point     `json:"forecast"`
	// AICc of the chosen model (NaN for seasonal-naive).
	AICc float64 `json:"-"`
	// Backtest is the rolling-origin accuracy of the chosen forecast over
	// the non-overlapping horizon-long windows at the end of the series;
	// nil when the series is too short for one. Its coverage is that of
	// intervals built from the errors of the other windows and the
	// earlier history, never the window's own.
	Backtest *Accuracy `json:"backtest,omitempty"`
	// MonthlyGrowth is the fitted compound monthly growth of the trend,
	// e.g. 0.04 for 4%/month, with S = steps per average month
	// (gregorian.MonthDays, 365.2425/12 days):
	//
	//	linear:      b·S / (a + b·(n−1))   slope over the last fitted level
	//	log-linear:  exp(b·S) − 1
	//	ETS:         b_n·S / ℓ_n           final trend over final level
	//	                                   (0 without trend; damping not applied)
	//	seasonal-naive: 0 (no trend)
	//
	// It is NaN when the last level is not positive.
	MonthlyGrowth float64 `json:"-"`
	// Candidates are all models considered, in AllMethods order.
	Candidates []Candidate `json:"candidates"`
}

func (o Options) withDefaults() (Options, error) {
	if o.Horizon < 0 {
		return o, fmt.Errorf("%w: horizon %d is negative", ErrOptions, o.Horizon)
	}
	if len(o.Methods) == 0 {
		o.Methods = AllMethods
	}
	for _, m := range o.Methods {
		if !slices.Contains(AllMethods, m) {
			return o, fmt.Errorf("%w: unknown method %q (want one of %s)", ErrOptions, m, strings.Join(AllMethods, ", "))
		}
	}
	for _, p := range o.Seasonality {
		if p < 2 {
			return o, fmt.Errorf("%w: seasonal period %d must be at least 2", ErrOptions, p)
		}
	}
	switch o.Selection {
	case "":
		o.Selection = SelectBacktest
	case SelectAICc, SelectBacktest:
	default:
		return o, fmt.Errorf("%w: selection %q (want %q or %q)", ErrOptions, o.Selection, SelectAICc, SelectBacktest)
	}
	if o.Origins < 0 {
		return o, fmt.Errorf("%w: origins %d is negative", ErrOptions, o.Origins)
	}
	if o.Origins == 0 {
		o.Origins = rollWindows
	}
	if o.MaxMissing < 0 || o.MaxMissing >= 1 || math.IsNaN(o.MaxMissing) {
		return o, fmt.Errorf("%w: max missing %v must be in [0, 1)", ErrOptions, o.MaxMissing)
	}
	if o.MaxMissing == 0 {
		o.MaxMissing = 0.1
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	return o, nil
}

// median of y (not modified).
func median(y []float64) float64 {
	s := slices.Clone(y)
	slices.Sort(s)
	return quantile(s, 0.5)
}

// autoPeriods returns the natural seasonal periods of a grid.
func autoPeriods(g grid) []int {
	switch g.months {
	case 1:
		return []int{12}
	case 3:
		return []int{4}
	case 12:
		return nil
	}
	const day, week = 24 * time.Hour, 7 * 24 * time.Hour
	switch {
	case g.step < day:
		var ps []int
		if day%g.step == 0 {
			ps = append(ps, int(day/g.step))
		}
		if week%g.step == 0 {
			ps = append(ps, int(week/g.step))
		}
		return ps
	case g.step == day:
		return []int{7, 365}
	case g.step == week:
		return []int{52}
	}
	return nil
}

// plan holds everything decided before fitting.
type plan struct {
	opts    Options
	r       regular
	periods []int // usable seasonal periods, ascending
	bench   int   // benchmark (MASE) period, ≥ 1
	specs   []spec
	horizon int
}

func newPlan(s Series, opts Options) (*plan, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	r, err := regularize(s, opts.MaxMissing)
	if err != nil {
		return nil, err
	}
	p := &plan{opts: opts, r: r}
	n := len(r.y)
	ps := opts.Seasonality
	if len(ps) == 0 {
		ps = autoPeriods(r.g)
	}
	for _, m := range ps {
		if n < 2*m+4 {
			if len(opts.Seasonality) > 0 {
				return nil, fmt.Errorf("%w: seasonal period %d needs two cycles and four points, at least %d; have %d points", ErrTooShort, m, 2*m+4, n)
			}
			continue // automatic periods too long for the data are skipped
		}
		if !slices.Contains(p.periods, m) {
			p.periods = append(p.periods, m)
		}
	}
	slices.Sort(p.periods)
	// The benchmark (and MASE scale) repeats the longest cycle, but not a
	// year of daily values when the week is available: repeating last
	// year's days is a weak benchmark only by accident of the data.
	p.bench = 1
	for _, m := range p.periods {
		if r.g.months == 0 && r.g.step == 24*time.Hour && m == 365 && len(p.periods) > 1 {
			continue
		}
		p.bench = max(p.bench, m)
	}
	p.horizon = opts.Horizon
	if p.horizon == 0 {
		p.horizon = 10
		if len(p.periods) > 0 {
			p.horizon = p.bench
		}
	}
	positive := true
	for _, v := range r.y {
		if v <= 0 {
			positive = false
			break
		}
	}
	// Log models need values well above zero: logs of near-zero values
	// dominate the fit.
	logOK := positive && slices.Min(r.y) > 1e-3*median(r.y)
	for _, meth := range AllMethods {
		if !slices.Contains(opts.Methods, meth) {
			continue
		}
		switch meth {
		case Linear:
			p.specs = append(p.specs, spec{method: meth})
		case LogLinear:
			if positive {
				p.specs = append(p.specs, spec{method: meth})
			}
		case ETSAdditive:
			for _, tr := range []trendKind{trendNone, trendAdditive, trendDamped} {
				p.specs = append(p.specs, spec{method: meth, trend: tr})
				for _, m := range p.periods {
					p.specs = append(p.specs, spec{method: meth, period: m, trend: tr})
				}
			}
		case ETSMultiplicative:
			if positive {
				for _, tr := range []trendKind{trendNone, trendAdditive, trendDamped} {
					for _, m := range p.periods {
						p.specs = append(p.specs, spec{method: meth, period: m, trend: tr})
					}
				}
			}
		case ETSLog:
			if logOK {
				for _, tr := range []trendKind{trendNone, trendDamped} {
					p.specs = append(p.specs, spec{method: meth, trend: tr, log: true})
					for _, m := range p.periods {
						p.specs = append(p.specs, spec{method: meth, period: m, trend: tr, log: true})
					}
				}
			}
		case DoubleSeasonal:
			for i, m := range p.periods {
				for _, m2 := range p.periods[i+1:] {
					if m2%m != 0 {
						continue
					}
					p.specs = append(p.specs, spec{method: meth, period: m, period2: m2})
					if logOK {
						p.specs = append(p.specs, spec{method: meth, period: m, period2: m2, log: true})
					}
				}
			}
		case Theta:
			p.specs = append(p.specs, spec{method: meth})
			for _, m := range p.periods {
				if n >= 3*m {
					p.specs = append(p.specs, spec{method: meth, period: m})
				}
			}
		case Harmonic:
			year, week := p.yearly()
			if year == 0 {
				continue
			}
			for _, tr := range []trendKind{trendNone, trendDamped} {
				sp := spec{method: meth, period: week, trend: tr, year: year}
				if n < sp.minLen() {
					break
				}
				p.specs = append(p.specs, sp)
				if logOK {
					sp.log = true
					p.specs = append(p.specs, sp)
				}
			}
		case SeasonalNaive:
			p.specs = append(p.specs, spec{method: meth, period: p.bench})
			for _, m := range append([]int{1}, p.periods...) {
				if m != p.bench {
					p.specs = append(p.specs, spec{method: meth, period: m})
				}
			}
		}
	}
	return p, nil
}

// yearly is the period in steps of the yearly Fourier cycle Harmonic
// candidates fit, and the season of their ETS: 365.25 and 7 for daily
// data when the plan uses the period 365 (365.25/7 and none for weekly
// data with the period 52, only under Options.harmonicWeekly); 0
// otherwise.
func (p *plan) yearly() (year float64, week int) {
	if p.r.g.months != 0 {
		return 0, 0
	}
	switch {
	case p.r.g.step == 24*time.Hour && slices.Contains(p.periods, 365):
		if slices.Contains(p.periods, 7) {
			week = 7
		}
		return daysPerYear, week
	case p.opts.harmonicWeekly && p.r.g.step == 7*24*time.Hour && slices.Contains(p.periods, 52):
		return daysPerYear / 7, 0
	}
	return 0, 0
}

// checkFinite returns an ErrOverflow error naming the first figure of r
// that is NaN or ±Inf (MonthlyGrowth may be NaN: "cannot be derived").
func (r *Result) checkFinite() error {
	bad := func(what string, v float64) error {
		return fmt.Errorf("%w: %s: %s is %v; the values are too large, too small or too far apart to fit", ErrOverflow, r.Model, what, v)
	}
	for _, k := range sortedKeys(r.Params) {
		if !finite(r.Params[k]) {
			return bad("parameter "+k, r.Params[k])
		}
	}
	if math.IsInf(r.MonthlyGrowth, 0) {
		return bad("the monthly growth", r.MonthlyGrowth)
	}
	for _, pt := range r.Forecast {
		at := pt.Time.UTC().Format(time.RFC3339)
		for _, f := range []struct {
			name string
			v    float64
		}{{"forecast", pt.Value}, {"80% low", pt.Lo80}, {"80% high", pt.Hi80}, {"95% low", pt.Lo95}, {"95% high", pt.Hi95}} {
			if !finite(f.v) {
				return bad("the "+f.name+" at "+at, f.v)
			}
		}
	}
	if b := r.Backtest; b != nil {
		if err := b.checkFinite(); err != nil {
			return fmt.Errorf("%w: %s: %v", ErrOverflow, r.Model, err)
		}
	}
	for _, c := range r.Candidates {
		if c.MASE != nil && !finite(*c.MASE) {
			return bad("the backtest MASE of "+c.Model, *c.MASE)
		}
	}
	return nil
}

// checkFinite names the first figure of a that is NaN or ±Inf.
func (a *Accuracy) checkFinite() error {
	for _, f := range []struct {
		name string
		v    float64
	}{{"MASE", a.MASE}, {"sMAPE", a.SMAPE}, {"80% coverage", a.Coverage80}, {"95% coverage", a.Coverage95}} {
		if !finite(f.v) {
			return fmt.Errorf("backtest %s is %v; the values are too large, too small or too far apart to score", f.name, f.v)
		}
	}
	return nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func sortedKeys(m map[string]float64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func countAICc(cs []Candidate) int {
	k := 0
	for _, c := range cs {
		if c.AICc != nil {
			k++
		}
	}
	return k
}

func runnerUp(cs []Candidate, best int) int {
	r := -1
	for i, c := range cs {
		if i != best && c.AICc != nil && (r < 0 || *c.AICc < *cs[r].AICc) {
			r = i
		}
	}
	return r
}

// toPoints turns a projection from the first n grid points into Points.
func toPoints(p *plan, n int, mean, lo80, hi80, lo95, hi95 []float64) []Point {
	h := len(mean)
	nonneg := !slices.ContainsFunc(p.r.y[:n], func(v float64) bool { return v < 0 })
	out := make([]Point, h)
	for j := range h {
		pt := Point{Time: p.r.g.at(n + j), Value: mean[j], Lo80: lo80[j], Hi80: hi80[j], Lo95: lo95[j], Hi95: hi95[j]}
		if nonneg {
			pt.Value, pt.Lo80, pt.Hi80, pt.Lo95, pt.Hi95 = math.Max(pt.Value, 0), math.Max(pt.Lo80, 0), math.Max(pt.Hi80, 0), math.Max(pt.Lo95, 0), math.Max(pt.Hi95, 0)
		}
		out[j] = pt
	}
	return out
}

// Backtest evaluates the whole procedure of [Fit] with opts (selection
// included) on rolling origins: for each of opts.Origins non-overlapping
// horizon-long windows at the end of s, it fits on the data before the
// window and scores the forecast of the window. MASE is scaled by the
// in-sample seasonal-naive error with the benchmark period of the full
// series.
func Backtest(s Series, opts Options) (Accuracy, error) {
	p, err := newPlan(s, opts)
	if err != nil {
		return Accuracy{}, err
	}
	y := p.r.y
	n, h := len(y), p.horizon
	var sc scoring
	for o := 1; o <= p.opts.Origins; o++ {
		origin := n - o*h
		if origin <= p.bench {
			break
		}
		train := Series{Times: make([]time.Time, origin), Values: y[:origin]}
		for i := range origin {
			train.Times[i] = p.r.g.at(i)
		}
		o2 := p.opts
		o2.Horizon = h
		o2.Seasonality = p.periods
		if len(o2.Seasonality) == 0 {
			o2.Seasonality = nil
		}
		res, err := Fit(train, o2)
		if errors.Is(err, ErrTooShort) {
			break
		}
		if err != nil {
			return Accuracy{}, fmt.Errorf("origin %d: %w", origin, err)
		}
		if err := sc.add(y[:origin], y[origin:origin+h], res.Forecast, p.bench); err != nil {
			return Accuracy{}, err
		}
	}
	acc, ok := sc.result()
	if !ok {
		return Accuracy{}, fmt.Errorf("%w: no rolling origin leaves enough training data (%d points, horizon %d)", ErrTooShort, n, h)
	}
	if err := acc.checkFinite(); err != nil {
		return Accuracy{}, fmt.Errorf("%w: %v", ErrOverflow, err)
	}
	return acc, nil
}
