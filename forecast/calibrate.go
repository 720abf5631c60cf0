package forecast

import (
	"math"
	"runtime"
	"slices"
	"sync"
)

// calOrigins is the fewest rolling origins that calibrate the prediction
// intervals of the chosen model (Options.Origins raises it).
const calOrigins = 8

// originFit is the chosen specification refitted on the data before one
// rolling origin, with its projection of the next horizon steps (bounds
// not yet clamped at zero).
type originFit struct {
	origin                       int
	mean, lo80, hi80, lo95, hi95 []float64
	// s80 and s95 are the nonconformity scores of the held-out points: the
	// error over the interval's half-width on the error's side, so a point
	// is inside the interval exactly when its score is at most 1.
	s80, s95 []float64
	err      error
}

// calibration holds the rolling-origin refits of the chosen model and the
// conformal factors derived from them.
//
// The model's own intervals (in-sample error quantiles, a bootstrap or a
// textbook formula) come from errors of a model fitted to the very data it
// is judged on, and assume the future behaves like the average past. On
// real demand both fail: they covered 76% and 88% of held-out points for
// nominal 80% and 95% (BENCHMARKS.md). The calibration measures how the
// same procedure's intervals actually covered genuinely unseen windows and
// rescales them accordingly: normalised split-conformal prediction
// (Papadopoulos et al. 2002; Angelopoulos & Bates 2023, §2.3; fpp3 §5.5
// on forecast-error quantiles).
type calibration struct {
	fits []originFit
	// k80 and k95 scale the half-widths of the 80% and 95% intervals.
	k80, k95 float64
	ok       bool
	// rel is set for models whose errors scale with the level
	// (multiplicative season, log-linear): widths compare as fractions of
	// the point forecast.
	rel bool
}

// calibrate refits sp at rolling origins n−h, n−2h, … (non-overlapping
// horizon-long windows at the end of the series, most recent first; at
// most max(calOrigins, opts.Origins) and only while the training part is
// long enough), projects each window with the model's own intervals, and
// scores how far outside them every held-out point fell. Only data before
// each origin inform its forecast, so the scores include the optimism of
// parameter estimation and of model selection by the data.
func calibrate(p *plan, sp spec) *calibration {
	y := p.r.y
	n, h := len(y), p.horizon
	spm := p.r.g.stepsPerMonth()
	c := &calibration{k80: 1, k95: 1, rel: sp.method == LogLinear || sp.method == ETSMultiplicative}
	var origins []int
	for o := 1; o <= max(calOrigins, p.opts.Origins); o++ {
		origin := n - o*h
		if origin < sp.minLen() || origin <= p.bench {
			break
		}
		origins = append(origins, origin)
	}
	// The refits are independent and deterministic (each seeded alike), so
	// they run in parallel, at most GOMAXPROCS at a time.
	fits := make([]originFit, len(origins))
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i, origin := range origins {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			fits[i] = refit(p, sp, origin, h, spm)
		}()
	}
	wg.Wait()
	for _, f := range fits {
		c.fits = append(c.fits, f)
		if f.err != nil {
			break // as a sequential backtest would stop
		}
	}
	c.k80, c.k95, c.ok = c.factors(-1)
	return c
}

// refit fits sp to y[:origin] and scores its projection of the next h
// points.
func refit(p *plan, sp spec, origin, h int, spm float64) originFit {
	y := p.r.y
	f := originFit{origin: origin}
	m, err := fitSpec(sp, y[:origin], spm, p.opts.Seed)
	if err != nil {
		f.err = err
		return f
	}
	f.mean, f.lo80, f.hi80, f.lo95, f.hi95 = m.project(h)
	f.s80, f.s95 = make([]float64, h), make([]float64, h)
	for j := range h {
		f.s80[j] = score(y[origin+j], f.mean[j], f.lo80[j], f.hi80[j])
		f.s95[j] = score(y[origin+j], f.mean[j], f.lo95[j], f.hi95[j])
	}
	return f
}

// score is |y−μ| over the half-width of [lo, hi] on the side of y: 0 on
// the point forecast, 1 on the bound, +Inf outside a zero-width side.
func score(y, mu, lo, hi float64) float64 {
	d, w := y-mu, hi-mu
	if d < 0 {
		d, w = -d, mu-lo
	}
	switch {
	case d == 0:
		return 0
	case w <= 0:
		return math.Inf(1)
	}
	return d / w
}

// factors are the conformal quantiles of the scores pooled over every
// fitted origin except skip (−1 for none): scaling the half-widths by k80
// (k95) makes the intervals cover 80% (95%) of the calibration points.
// ok is false, and the factors 1, with fewer than two origins, too few
// points for the rank, or an infinite quantile (a zero-width interval that
// missed), leaving the model's own intervals.
func (c *calibration) factors(skip int) (k80, k95 float64, ok bool) {
	var s80, s95 []float64
	origins := 0
	for i, f := range c.fits {
		if i == skip || f.err != nil {
			continue
		}
		origins++
		s80 = append(s80, f.s80...)
		s95 = append(s95, f.s95...)
	}
	if origins < 2 {
		return 1, 1, false
	}
	a, ok80 := conformalQuantile(s80, 0.80)
	b, ok95 := conformalQuantile(s95, 0.95)
	if !ok80 || !ok95 {
		return 1, 1, false
	}
	return a, b, true
}

// conformalQuantile is the split-conformal quantile: the ⌈(N+1)·level⌉-th
// smallest of N scores, which a new exchangeable score stays below with
// probability at least level. It is not ok when N is too small for that
// rank or the quantile is not finite.
func conformalQuantile(s []float64, level float64) (float64, bool) {
	n := len(s)
	r := int(math.Ceil(float64(n+1) * level))
	if r > n || r < 1 {
		return 0, false
	}
	s = slices.Clone(s)
	slices.Sort(s)
	q := s[r-1]
	if math.IsInf(q, 0) || math.IsNaN(q) {
		return 0, false
	}
	return q, true
}

// apply calibrates a projection in place with the factors from every
// origin except skip. First each half-width is capped at the widest the
// calibration fits other than skip gave at that horizon (as a fraction of
// the point forecast for relative models): the factors were learned
// against those widths, and a final model whose in-sample errors already
// contain a recent break (a level shift in the last window) would
// otherwise count the break twice. Then the half-widths are scaled by the
// factors and the 95% interval is kept around the 80% one.
func (c *calibration) apply(skip int, mean, lo80, hi80, lo95, hi95 []float64) {
	k80, k95, ok := c.factors(skip)
	if !ok {
		return
	}
	bounds := [4][]float64{lo80, hi80, lo95, hi95}
	for j, mu := range mean {
		for b, bound := range bounds {
			widest := math.Inf(-1)
			for i, f := range c.fits {
				if i == skip || f.err != nil {
					continue
				}
				w := math.Abs([4][]float64{f.lo80, f.hi80, f.lo95, f.hi95}[b][j] - f.mean[j])
				if c.rel && f.mean[j] > 0 && mu > 0 {
					w *= mu / f.mean[j]
				}
				widest = max(widest, w)
			}
			k := k80
			if b >= 2 {
				k = k95
			}
			w := k * min(math.Abs(bound[j]-mu), widest)
			if b%2 == 0 {
				bound[j] = mu - w
			} else {
				bound[j] = mu + w
			}
		}
		lo95[j] = min(lo95[j], lo80[j])
		hi95[j] = max(hi95[j], hi80[j])
	}
}

// backtest scores the calibration fits at the first opts.Origins origins
// as [Fit] reports them: MASE and sMAPE of the point forecasts, and the
// coverage of intervals calibrated on the other origins only
// (cross-conformal), so the coverage is out of sample too. It returns nil
// when no origin was fitted, and an error when a fit or a metric failed.
func (c *calibration) backtest(p *plan) (*Accuracy, error) {
	y := p.r.y
	h := p.horizon
	var sc scoring
	for i, f := range c.fits {
		if i >= p.opts.Origins {
			break
		}
		if f.err != nil {
			return nil, f.err
		}
		lo80, hi80, lo95, hi95 := slices.Clone(f.lo80), slices.Clone(f.hi80), slices.Clone(f.lo95), slices.Clone(f.hi95)
		c.apply(i, f.mean, lo80, hi80, lo95, hi95)
		pts := toPoints(p, f.origin, f.mean, lo80, hi80, lo95, hi95)
		if err := sc.add(y[:f.origin], y[f.origin:f.origin+h], pts, p.bench); err != nil {
			return nil, err
		}
	}
	acc, ok := sc.result()
	if !ok {
		return nil, nil
	}
	return &acc, nil
}
