package forecast

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
)

// combineTop is how many of the best candidates by backtest error the
// combination averages.
const combineTop = 3

// rollWindows is the default number of horizon-long windows at the end of
// the series that the rolling-origin backtest holds out (Options.Origins).
const rollWindows = 4

// rollFrom is the first rolling origin: the last Origins·horizon points
// (at most half the series) are forecast from every origin in turn by
// models whose parameters were fitted to the points before them. It is −1
// when that leaves no room.
func (p *plan) rollFrom() int {
	n := len(p.r.y)
	l := min(p.opts.Origins*p.horizon, n/2)
	if l < 2 {
		return -1
	}
	return n - l
}

// rolled is a forecaster's out-of-sample record: rows[i] forecasts
// y[origins[i]:] from y[:origins[i]] (up to horizon steps, cut at the end
// of the data); a row from the end of the data is not scored.
type rolled struct {
	origins []int
	rows    [][]float64
}

// backtestError is the multi-step rolling-origin MASE of r: per horizon
// the mean absolute error over every origin that reaches it, averaged over
// horizons (each horizon counts alike), over the in-sample
// seasonal-naive error of the data before the first origin (scale 1 when
// that is zero).
func backtestError(y []float64, r rolled, h, bench int) float64 {
	scale, err := naiveScale(y[:r.origins[0]], bench)
	if err != nil {
		scale = 1
	}
	var total float64
	var horizons int
	for j := range h {
		var sum float64
		var cnt int
		for i, row := range r.rows {
			t := r.origins[i]
			if j < len(row) && t+j < len(y) {
				sum += math.Abs(y[t+j] - row[j])
				cnt++
			}
		}
		if cnt > 0 {
			total += sum / float64(cnt)
			horizons++
		}
	}
	if horizons == 0 {
		return math.NaN()
	}
	return total / float64(horizons) / scale
}

// meanRows is the element-wise mean of equally long rows.
func meanRows(rows ...[]float64) []float64 {
	out := make([]float64, len(rows[0]))
	for _, r := range rows {
		for j, v := range r {
			out[j] += v / float64(len(rows))
		}
	}
	return out
}

// combine is the element-wise mean of several rolled records with the
// same origins; rows are cut to the shortest.
func combine(rs []rolled) rolled {
	out := rolled{origins: rs[0].origins, rows: make([][]float64, len(rs[0].rows))}
	for i := range out.rows {
		k := math.MaxInt
		for _, r := range rs {
			k = min(k, len(r.rows[i]))
		}
		parts := make([][]float64, len(rs))
		for m, r := range rs {
			parts[m] = r.rows[i][:k]
		}
		out.rows[i] = meanRows(parts...)
	}
	return out
}

// span is the origins lo, lo+1, …, hi.
func span(lo, hi int) []int {
	out := make([]int, 0, hi-lo+1)
	for t := lo; t <= hi; t++ {
		out = append(out, t)
	}
	return out
}

// calHistory is about how many origins before the backtest's the
// intervals also learn from.
const calHistory = 400

// calibrationOrigins are the origins whose errors set the intervals: every
// origin of the backtest (from … n) and, before it, about calHistory
// origins evenly spaced from warm on. The earlier ones are in the sample
// the backtest parameters were fitted to, but only through a handful of
// smoothing parameters; they bring the shocks of the whole history, which
// the last few windows alone understate (real series covered 63% and 80%
// of held-out points for nominal 80% and 95% with the backtest's errors
// alone).
func calibrationOrigins(warm, from, n int) []int {
	var out []int
	if warm < from {
		every := max(1, (from-warm+calHistory-1)/calHistory)
		for t := warm; t < from; t += every {
			out = append(out, t)
		}
	}
	return append(out, span(from, n)...)
}

// parallel runs f(0), …, f(n−1) on at most GOMAXPROCS goroutines.
func parallel(n int, f func(i int)) {
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			f(i)
		}()
	}
	wg.Wait()
}

// rollSpec fits sp to y[:from] and returns its rolled record over the
// origins from … n, with the model.
func rollSpec(p *plan, sp spec, from int) (*rolled, *model, error) {
	m, err := fitSpec(sp, p.r.y[:from], p.r.g.stepsPerMonth(), p.opts.Seed)
	if err != nil {
		return nil, nil, err
	}
	r, err := rollModel(p, m, span(from, len(p.r.y)))
	return r, m, err
}

// rollModel is m's rolled record over origins.
func rollModel(p *plan, m *model, origins []int) (*rolled, error) {
	rows := m.roll(p.r.y, origins, p.horizon)
	if rows == nil {
		return nil, fmt.Errorf("%w: %s: unstable over the backtest", ErrNoMethod, m.spec.name())
	}
	for _, row := range rows {
		for _, v := range row {
			if !finite(v) {
				return nil, fmt.Errorf("%w: %s: backtest forecast is %v", ErrOverflow, m.spec.name(), v)
			}
		}
	}
	return &rolled{origins: origins, rows: rows}, nil
}

// forecaster is what was chosen: one model or the mean of several, with
// its rolled record when there is one.
type forecaster struct {
	members []int // candidate indices
	rolled  *rolled
}

// Fit regularises s onto its grid, fits the candidate models and selects
// a forecast by opts.Selection, projects it opts.Horizon steps ahead with
// 80% and 95% prediction intervals, and reports its rolling-origin
// backtest.
//
// With SelectBacktest (the default) every candidate is fitted to the
// series minus its last Origins·horizon points and, with those
// parameters, forecasts the held-out part from every origin in turn (its
// states updated by the data before each origin). Candidates are ranked by
// that multi-step MASE; the mean of the best three is taken instead of the
// best one when its own rolling-origin MASE is lower. Seasonal naive at
// every period (and naive) are candidates, so the choice is never worse
// than them on the backtest. The chosen models are then refitted to all
// the data. With SelectAICc the candidate with the lowest AICc on all the
// data is chosen.
//
// Intervals, in both modes, are split-conformal (see conformal): the
// quantiles, per horizon, of the chosen forecast's own held-out errors
// over the same rolling origins — ratios for positive series, so bounds
// stay positive and scale with the forecast — with the errors of origins
// before the backtest (in the fitted sample) replaced by those of the
// best seasonal naive scaled by the backtest's error ratio, widened by
// Student's t at the effective number of independent errors when the
// record holds few, and with the 80% bounds kept at least about half as
// far out as the 95% ones. Series too short for a backtest fall back to AICc and the model's own
// intervals.
//
// The series must be regular after gap filling (see [Options.MaxMissing]);
// aggregate raw samples with [DailyPeaks] or [PeaksBy] first. Errors wrap
// ErrEmpty, ErrTooShort, ErrNotFinite, ErrUnsorted, ErrIrregular, ErrGaps,
// ErrOptions, ErrNoMethod or ErrOverflow: a Result never holds a NaN or
// ±Inf figure (but for MonthlyGrowth, NaN when it cannot be derived, and
// AICc, NaN for models without a comparable likelihood).
func Fit(s Series, opts Options) (*Result, error) {
	p, err := newPlan(s, opts)
	if err != nil {
		return nil, err
	}
	y := p.r.y
	n := len(y)
	spm := p.r.g.stepsPerMonth()
	k := len(p.specs)
	cands := make([]Candidate, k)
	for i, sp := range p.specs {
		cands[i] = Candidate{Method: sp.method, Model: sp.name()}
	}
	full := make([]*model, k)
	fullErr := make([]error, k)
	fitFull := func(i int) {
		if full[i] == nil && fullErr[i] == nil {
			full[i], fullErr[i] = fitSpec(p.specs[i], y, spm, p.opts.Seed)
		}
	}
	from := p.rollFrom()
	rolls := make([]*rolled, k)
	bt := make([]*model, k)
	rollErr := make([]error, k)
	byBacktest := p.opts.Selection == SelectBacktest && from > 0
	if byBacktest {
		parallel(k, func(i int) { rolls[i], bt[i], rollErr[i] = rollSpec(p, p.specs[i], from) })
		scored := 0
		for i, r := range rolls {
			if r == nil {
				continue
			}
			if v := backtestError(y, *r, p.horizon, p.bench); finite(v) {
				cands[i].MASE = &v
				scored++
			}
		}
		byBacktest = scored > 0
	}
	var chosen forecaster
	var reason string
	if byBacktest {
		chosen, reason = selectBacktest(p, cands, rolls)
		parallel(len(chosen.members), func(j int) { fitFull(chosen.members[j]) })
	} else {
		parallel(k, fitFull)
		chosen.members, reason = selectAICc(p, cands, full)
		if chosen.members == nil {
			return nil, noFit(p, n, cands, fullErr)
		}
		if from > 0 {
			i := chosen.members[0]
			rolls[i], bt[i], _ = rollSpec(p, p.specs[i], from)
			if rolls[i] != nil {
				if v := backtestError(y, *rolls[i], p.horizon, p.bench); finite(v) {
					cands[i].MASE = &v
				}
			}
		}
	}
	cal := calibrate(p, chosen, bt, from)
	for i, err := range fullErr {
		if err != nil && cands[i].Err == "" && cands[i].MASE == nil {
			cands[i].Err = err.Error()
		}
	}
	for i, err := range rollErr {
		if err != nil && cands[i].Err == "" {
			cands[i].Err = err.Error()
		}
	}
	for i, m := range full {
		if m != nil && finite(m.aicc) {
			a := m.aicc
			cands[i].AICc = &a
		}
	}
	res, err := p.result(chosen, full, rolls, cal, cands, reason)
	if err != nil {
		return nil, err
	}
	if err := res.checkFinite(); err != nil {
		return nil, err
	}
	return res, nil
}

// calibrate is the record of the chosen forecaster over the calibration
// origins (see calibrationOrigins), from its members' backtest fits; nil
// without a backtest.
func calibrate(p *plan, ch forecaster, bt []*model, from int) *rolled {
	if from <= 0 {
		return nil
	}
	warm := 0
	for _, i := range ch.members {
		if bt[i] == nil {
			return nil
		}
		warm = max(warm, p.specs[i].minLen(), p.bench+1)
	}
	origins := calibrationOrigins(warm, from, len(p.r.y))
	rs := make([]rolled, len(ch.members))
	for j, i := range ch.members {
		r, err := rollModel(p, bt[i], origins)
		if err != nil {
			return nil
		}
		rs[j] = *r
	}
	if len(rs) == 1 {
		return &rs[0]
	}
	c := combine(rs)
	return &c
}

// noFit explains why no candidate could be fitted.
func noFit(p *plan, n int, cands []Candidate, errs []error) error {
	need := math.MaxInt
	var why []string
	for i, err := range errs {
		if err == nil {
			continue
		}
		if errors.Is(err, ErrTooShort) {
			need = min(need, p.specs[i].minLen())
		}
		why = append(why, err.Error())
	}
	if need != math.MaxInt {
		return fmt.Errorf("%w: have %d points, need at least %d", ErrTooShort, n, need)
	}
	return fmt.Errorf("%w: %s", ErrNoMethod, strings.Join(why, "; "))
}

// selectAICc picks the likelihood-comparable candidate with the lowest
// AICc; without one, the first fitted candidate (seasonal naive when only
// it fits — the benchmark alone is no forecast unless it was asked for).
func selectAICc(p *plan, cands []Candidate, full []*model) ([]int, string) {
	best, second, count := -1, -1, 0
	for i, m := range full {
		if m == nil || !finite(m.aicc) {
			continue
		}
		count++
		switch {
		case best < 0 || m.aicc < full[best].aicc:
			best, second = i, best
		case second < 0 || m.aicc < full[second].aicc:
			second = i
		}
	}
	if best >= 0 {
		reason := fmt.Sprintf("lowest AICc (%.2f) of %d likelihood-comparable candidates", full[best].aicc, count)
		if second >= 0 {
			reason += fmt.Sprintf("; next %s at %.2f", cands[second].Model, full[second].aicc)
		}
		return []int{best}, reason
	}
	onlyBenchmark := !slices.ContainsFunc(p.opts.Methods, func(m string) bool { return m != SeasonalNaive })
	for i, m := range full {
		if m != nil && (onlyBenchmark || p.specs[i].method != SeasonalNaive) {
			return []int{i}, "only applicable candidate by the selection criterion"
		}
	}
	return nil, ""
}

// selectBacktest ranks the scored candidates by backtest MASE and returns
// the best one, or the mean of the best combineTop when that scores lower
// on the same origins.
func selectBacktest(p *plan, cands []Candidate, rolls []*rolled) (forecaster, string) {
	var order []int
	for i, c := range cands {
		if c.MASE != nil {
			order = append(order, i)
		}
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return compareFloat(*cands[a].MASE, *cands[b].MASE)
	})
	best := order[0]
	held := len(p.r.y) - rolls[best].origins[0]
	reason := fmt.Sprintf("lowest rolling-origin MASE (%.3f, %d-step forecasts from every origin of the last %d points) of %d candidates",
		*cands[best].MASE, p.horizon, held, len(order))
	if sn := bestBenchmark(p, cands); sn >= 0 && sn != best {
		reason += fmt.Sprintf("; %s %.3f", cands[sn].Model, *cands[sn].MASE)
	}
	pick := forecaster{members: []int{best}, rolled: rolls[best]}
	if len(order) >= 2 {
		top := order[:min(combineTop, len(order))]
		rs := make([]rolled, len(top))
		names := make([]string, len(top))
		for j, i := range top {
			rs[j], names[j] = *rolls[i], cands[i].Model
		}
		comb := combine(rs)
		if v := backtestError(p.r.y, comb, p.horizon, p.bench); finite(v) && v < *cands[best].MASE {
			pick = forecaster{members: slices.Clone(top), rolled: &comb}
			reason = fmt.Sprintf("mean of the %d best by rolling-origin MASE: %.3f, below the best single model's %.3f (%s)",
				len(top), v, *cands[best].MASE, cands[best].Model)
			if sn := bestBenchmark(p, cands); sn >= 0 {
				reason += fmt.Sprintf("; %s %.3f", cands[sn].Model, *cands[sn].MASE)
			}
		}
	}
	return pick, reason
}

// bestBenchmark is the seasonal-naive candidate with the lowest backtest
// MASE, or −1.
func bestBenchmark(p *plan, cands []Candidate) int {
	b := -1
	for i, c := range cands {
		if i < len(p.specs) && p.specs[i].method == SeasonalNaive && c.MASE != nil && (b < 0 || *c.MASE < *cands[b].MASE) {
			b = i
		}
	}
	return b
}

func compareFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// result projects the chosen forecaster and fills in a Result.
func (p *plan) result(ch forecaster, full []*model, rolls []*rolled, cal *rolled, cands []Candidate, reason string) (*Result, error) {
	y := p.r.y
	n, h := len(y), p.horizon
	var members []*model
	var means [][]float64
	var own [][4][]float64
	var lo80, hi80, lo95, hi95 []float64
	for _, i := range ch.members {
		m := full[i]
		if m == nil {
			// Not refittable on all the data (a degenerate fit there, say):
			// the backtest fit's forecast from the end of the data.
			if rolls[i] == nil {
				return nil, fmt.Errorf("%w: %s: %s", ErrNoMethod, cands[i].Model, cands[i].Err)
			}
			means = append(means, rolls[i].rows[len(rolls[i].rows)-1][:h])
			continue
		}
		members = append(members, m)
		mu, l8, h8, l9, h9 := m.project(h)
		means = append(means, mu)
		own = append(own, [4][]float64{l8, h8, l9, h9})
	}
	mean := meanRows(means...)
	if len(own) == len(ch.members) {
		// The members' own intervals, averaged, until conformal ones
		// replace them.
		var b [4][][]float64
		for _, o := range own {
			for k := range b {
				b[k] = append(b[k], o[k])
			}
		}
		lo80, hi80, lo95, hi95 = meanRows(b[0]...), meanRows(b[1]...), meanRows(b[2]...), meanRows(b[3]...)
	}
	res := &Result{
		Reason: reason,
		Step:   p.r.g.step,
		Months: p.r.g.months,
		Period: p.bench,
		Filled: p.r.filled,
		AICc:   math.NaN(),
	}
	if len(ch.members) == 1 {
		i := ch.members[0]
		res.Method, res.Model = p.specs[i].method, cands[i].Model
		if m := full[i]; m != nil {
			res.Params, res.Fitted, res.AICc, res.MonthlyGrowth = m.params, m.fitted, m.aicc, m.growth
		} else {
			res.Params, res.MonthlyGrowth = map[string]float64{}, math.NaN()
			res.Fitted = nanSlice(n)
		}
	} else {
		names := make([]string, len(ch.members))
		for j, i := range ch.members {
			names[j] = cands[i].Model
		}
		res.Method, res.Model = Combination, "mean of "+strings.Join(names, ", ")
		res.Params, res.Fitted, res.MonthlyGrowth = combinedParams(members, n)
		v := backtestError(y, *ch.rolled, h, p.bench)
		cands = append(cands, Candidate{Method: Combination, Model: res.Model, MASE: &v})
	}
	if lo80 == nil {
		lo80, hi80, lo95, hi95 = slices.Clone(mean), slices.Clone(mean), slices.Clone(mean), slices.Clone(mean)
	}
	res.Candidates = cands
	// The reference for the history's errors: naive or seasonal naive at
	// any period, whichever did best on the backtest.
	cf := newConformal(y, cal, h, append([]int{1}, p.periods...), p.rollFrom())
	if cf != nil {
		cf.apply(-1, -1, mean, lo80, hi80, lo95, hi95)
	}
	if s := p.opts.widthScale; s != 0 {
		for j, mu := range mean {
			lo80[j], hi80[j] = mu-s*(mu-lo80[j]), mu+s*(hi80[j]-mu)
			lo95[j], hi95[j] = mu-s*(mu-lo95[j]), mu+s*(hi95[j]-mu)
		}
	}
	res.Forecast = toPoints(p, n, mean, lo80, hi80, lo95, hi95)
	res.Times = make([]time.Time, n)
	for i := range n {
		res.Times[i] = p.r.g.at(i)
	}
	if cf != nil {
		acc, err := cf.backtest(p)
		if err != nil {
			return nil, err
		}
		res.Backtest = acc
	}
	return res, nil
}

func nanSlice(n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = math.NaN()
	}
	return s
}

// combinedParams are a combination's: the number of members, the mean of
// their monthly growths (NaN when one is NaN) and, when a member has a
// trend, that mean growth as "trend" (so the growth counts as fitted);
// the fitted values are the members' mean, NaN where one has none.
func combinedParams(ms []*model, n int) (map[string]float64, []float64, float64) {
	params := map[string]float64{"members": float64(len(ms))}
	fitted := make([]float64, n)
	var growth float64
	trend := false
	for _, m := range ms {
		growth += m.growth / float64(len(ms))
		if _, ok := m.params["trend"]; ok || m.spec.method == Linear || m.spec.method == LogLinear || m.spec.method == Theta {
			trend = true
		}
		for t := range n {
			fitted[t] += m.fitted[t] / float64(len(ms))
		}
	}
	if len(ms) == 0 {
		growth = math.NaN()
	}
	if trend && finite(growth) {
		params["trend"] = growth
	}
	return params, fitted, growth
}
