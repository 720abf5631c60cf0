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
	// SelectAICc picks the likelihood-based candidate with the lowest
	// corrected Akaike information criterion. Seasonal-naive has no
	// comparable likelihood and is chosen only when nothing else fits.
	SelectAICc = "aicc"
	// SelectBacktest picks the candidate with the lowest rolling-origin
	// MASE (seasonal-naive included).
	SelectBacktest = "backtest"
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
	// Selection is SelectAICc (default) or SelectBacktest.
	Selection string
	// Origins is the number of rolling origins for backtests (default 3).
	// Prediction intervals are calibrated on max(8, Origins) origins.
	Origins int
	// MaxMissing is the largest fraction of grid points that may be missing
	// and filled by linear interpolation (default 0.1).
	MaxMissing float64
	// Seed seeds the bootstrap of prediction intervals (default 1).
	Seed uint64
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
	// MASE is the rolling-origin MASE, present when it was computed
	// (Selection backtest, and always for the chosen model).
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
	// Backtest is the rolling-origin accuracy of the chosen model; nil
	// when the series is too short for even one origin. Its coverage is
	// that of the calibrated intervals, each origin calibrated on the
	// others.
	Backtest *Accuracy `json:"backtest,omitempty"`
	// MonthlyGrowth is the fitted compound monthly growth of the trend,
	// e.g. 0.04 for 4%/month, with S = steps per average month
	// (365.2425/12 days):
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
		o.Selection = SelectAICc
	case SelectAICc, SelectBacktest:
	default:
		return o, fmt.Errorf("%w: selection %q (want %q or %q)", ErrOptions, o.Selection, SelectAICc, SelectBacktest)
	}
	if o.Origins < 0 {
		return o, fmt.Errorf("%w: origins %d is negative", ErrOptions, o.Origins)
	}
	if o.Origins == 0 {
		o.Origins = 3
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
		case SeasonalNaive:
			p.specs = append(p.specs, spec{method: meth, period: p.bench})
		}
	}
	return p, nil
}

// Fit regularises s onto its grid, fits every candidate model, selects one
// by opts.Selection, projects it opts.Horizon steps ahead with 80% and 95%
// prediction intervals, and backtests the chosen model on rolling origins.
// The intervals are the model's own, rescaled so that they would have
// covered 80% and 95% of the last horizon-long windows when the model was
// refitted on the data before each (split-conformal calibration; see
// calibration).
//
// The series must be regular after gap filling (see [Options.MaxMissing]);
// aggregate raw samples with [DailyPeaks] or [PeaksBy] first. Errors wrap
// ErrEmpty, ErrTooShort, ErrNotFinite, ErrUnsorted, ErrIrregular, ErrGaps,
// ErrOptions or ErrNoMethod.
func Fit(s Series, opts Options) (*Result, error) {
	p, err := newPlan(s, opts)
	if err != nil {
		return nil, err
	}
	y := p.r.y
	n := len(y)
	spm := p.r.g.stepsPerMonth()
	var (
		models = make([]*model, len(p.specs))
		cands  = make([]Candidate, len(p.specs))
		need   = math.MaxInt
		fitted int
	)
	for i, sp := range p.specs {
		cands[i] = Candidate{Method: sp.method, Model: sp.name()}
		m, err := fitSpec(sp, y, spm, p.opts.Seed)
		if err != nil {
			cands[i].Err = err.Error()
			if errors.Is(err, ErrTooShort) {
				need = min(need, sp.minLen())
			}
			continue
		}
		models[i] = m
		if sp.method != SeasonalNaive {
			fitted++
		}
		if !math.IsNaN(m.aicc) && !math.IsInf(m.aicc, 0) {
			a := m.aicc
			cands[i].AICc = &a
		}
	}
	onlyBenchmark := len(p.opts.Methods) == 1 && p.opts.Methods[0] == SeasonalNaive
	if fitted == 0 && !(onlyBenchmark && models[0] != nil) {
		// The benchmark alone is no forecast unless it was asked for.
		if need != math.MaxInt {
			return nil, fmt.Errorf("%w: have %d points, need at least %d", ErrTooShort, n, need)
		}
		var why []string
		for _, c := range cands {
			if c.Err != "" {
				why = append(why, c.Err)
			}
		}
		return nil, fmt.Errorf("%w: %s", ErrNoMethod, strings.Join(why, "; "))
	}

	best := -1
	var reason string
	switch p.opts.Selection {
	case SelectAICc:
		for i, c := range cands {
			if c.AICc != nil && (best < 0 || *c.AICc < *cands[best].AICc) {
				best = i
			}
		}
		if best >= 0 {
			reason = fmt.Sprintf("lowest AICc (%.2f) of %d likelihood-comparable candidates", *cands[best].AICc, countAICc(cands))
			if second := runnerUp(cands, best); second >= 0 {
				reason += fmt.Sprintf("; next %s at %.2f", cands[second].Model, *cands[second].AICc)
			}
		}
	case SelectBacktest:
		for i, m := range models {
			if m == nil {
				continue
			}
			acc, err := backtestSpec(p, m.spec)
			if err != nil || acc == nil {
				continue
			}
			v := acc.MASE
			cands[i].MASE = &v
			if best < 0 || v < *cands[best].MASE {
				best = i
			}
		}
		if best >= 0 {
			reason = fmt.Sprintf("lowest rolling-origin MASE (%.3f over %d origins)", *cands[best].MASE, p.opts.Origins)
		}
	}
	if best < 0 {
		// Nothing comparable: fall back to the first fitted candidate
		// (seasonal-naive when only it fits).
		for i, m := range models {
			if m != nil {
				best = i
				break
			}
		}
		reason = "only applicable candidate by the selection criterion"
	}
	chosen := models[best]

	res := &Result{
		Method:        chosen.spec.method,
		Model:         chosen.spec.name(),
		Params:        chosen.params,
		Reason:        reason,
		Step:          p.r.g.step,
		Months:        p.r.g.months,
		Period:        p.bench,
		Filled:        p.r.filled,
		Fitted:        chosen.fitted,
		AICc:          chosen.aicc,
		MonthlyGrowth: chosen.growth,
		Candidates:    cands,
	}
	res.Times = make([]time.Time, n)
	for i := range n {
		res.Times[i] = p.r.g.at(i)
	}
	// Intervals: the model's own, calibrated on rolling origins (see
	// calibration); the same refits give the reported backtest.
	cal := calibrate(p, chosen.spec)
	mean, lo80, hi80, lo95, hi95 := chosen.project(p.horizon)
	cal.apply(-1, mean, lo80, hi80, lo95, hi95)
	res.Forecast = toPoints(p, n, mean, lo80, hi80, lo95, hi95)
	if acc, err := cal.backtest(p); err == nil && acc != nil {
		res.Backtest = acc
		if cands[best].MASE == nil {
			v := acc.MASE
			cands[best].MASE = &v
		}
	}
	return res, nil
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

// points projects m, fitted to the first n grid points, h steps ahead.
// When the training data are all non-negative (demand), bounds are clamped
// at zero.
func points(p *plan, m *model, n, h int) []Point {
	mean, lo80, hi80, lo95, hi95 := m.project(h)
	return toPoints(p, n, mean, lo80, hi80, lo95, hi95)
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

// backtestSpec refits sp at up to opts.Origins rolling origins, the last
// horizon-long windows of the series (non-overlapping, most recent first),
// and scores the forecasts. It returns nil when no origin leaves enough
// training data.
func backtestSpec(p *plan, sp spec) (*Accuracy, error) {
	y := p.r.y
	n, h := len(y), p.horizon
	spm := p.r.g.stepsPerMonth()
	var sc scoring
	for o := 1; o <= p.opts.Origins; o++ {
		origin := n - o*h
		if origin < sp.minLen() || origin <= p.bench {
			break
		}
		train, test := y[:origin], y[origin:origin+h]
		m, err := fitSpec(sp, train, spm, p.opts.Seed)
		if err != nil {
			return nil, err
		}
		if err := sc.add(train, test, points(p, m, origin, h), p.bench); err != nil {
			return nil, err
		}
	}
	acc, ok := sc.result()
	if !ok {
		return nil, nil
	}
	return &acc, nil
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
	return acc, nil
}
