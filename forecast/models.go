package forecast

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/optimize"
	"gonum.org/v1/gonum/stat/distuv"
)

// Method names accepted in [Options.Methods].
const (
	Linear            = "linear"
	LogLinear         = "loglinear"
	ETSAdditive       = "ets-additive"
	ETSMultiplicative = "ets-multiplicative"
	SeasonalNaive     = "seasonal-naive"
)

// AllMethods lists every method in the order candidates are reported.
var AllMethods = []string{Linear, LogLinear, ETSAdditive, ETSMultiplicative, SeasonalNaive}

type trendKind int

const (
	trendNone trendKind = iota
	trendAdditive
	trendDamped
)

// spec identifies one candidate model.
type spec struct {
	method string
	period int // seasonal period in steps; 0 for none (seasonal-naive: 1 means naive)
	trend  trendKind
}

// name is the conventional short name, e.g. "ETS(A,Ad,M) m=24".
func (s spec) name() string {
	switch s.method {
	case Linear:
		return "linear trend"
	case LogLinear:
		return "log-linear trend"
	case SeasonalNaive:
		if s.period <= 1 {
			return "naive"
		}
		return fmt.Sprintf("seasonal naive m=%d", s.period)
	}
	tr := [...]string{"N", "A", "Ad"}[s.trend]
	se := "N"
	if s.period > 0 {
		se = "A"
		if s.method == ETSMultiplicative {
			se = "M"
		}
	}
	n := fmt.Sprintf("ETS(A,%s,%s)", tr, se)
	if s.period > 0 {
		n += fmt.Sprintf(" m=%d", s.period)
	}
	return n
}

// minLen is the fewest points spec can be fitted to.
func (s spec) minLen() int {
	switch s.method {
	case Linear, LogLinear:
		return 5 // 3 parameters (a, b, σ) and AICc needs n > k+1
	case SeasonalNaive:
		return max(s.period, 1) + 2
	}
	k := 8
	if s.trend != trendNone {
		k = 10
	}
	if s.period > 0 {
		k = max(k, 2*s.period+4)
	}
	return k
}

// model is a fitted candidate.
type model struct {
	spec   spec
	params map[string]float64
	fitted []float64 // one-step-ahead in-sample fits; NaN where undefined
	aicc   float64   // NaN when not comparable by likelihood (seasonal-naive)
	growth float64   // fitted compound monthly growth
	// project returns the point forecast and the 10%, 90%, 2.5% and 97.5%
	// quantiles for steps 1..h.
	project func(h int) (mean, lo80, hi80, lo95, hi95 []float64)
}

const (
	z80 = 1.2815515655446004
	z95 = 1.959963984540054
)

func gaussLogLik(sse float64, n int) float64 {
	return -0.5 * float64(n) * (math.Log(2*math.Pi*sse/float64(n)) + 1)
}

func aicc(loglik float64, k, n int) float64 {
	if n-k-1 <= 0 {
		return math.NaN()
	}
	return -2*loglik + 2*float64(k) + 2*float64(k*(k+1))/float64(n-k-1)
}

// fitSpec fits one candidate to y.
func fitSpec(sp spec, y []float64, stepsPerMonth float64, seed uint64) (*model, error) {
	if len(y) < sp.minLen() {
		return nil, fmt.Errorf("%w: %s needs at least %d points, have %d", ErrTooShort, sp.name(), sp.minLen(), len(y))
	}
	switch sp.method {
	case Linear:
		return fitLinear(sp, y, stepsPerMonth, false)
	case LogLinear:
		return fitLinear(sp, y, stepsPerMonth, true)
	case SeasonalNaive:
		return fitSeasonalNaive(sp, y)
	case ETSAdditive, ETSMultiplicative:
		return fitETS(sp, y, stepsPerMonth, seed)
	}
	return nil, fmt.Errorf("%w: unknown method %q", ErrOptions, sp.method)
}

// fitLinear fits y = a + b·t (t = 0..n−1) by ordinary least squares, on
// log y when logged. Prediction intervals are the textbook OLS intervals
// with Student-t quantiles, se = σ·sqrt(1 + 1/n + (t−t̄)²/Sxx), back-
// transformed by exp for the log model (so its point forecast is the median).
func fitLinear(sp spec, y []float64, spm float64, logged bool) (*model, error) {
	n := len(y)
	z := y
	var sumLog float64
	if logged {
		z = make([]float64, n)
		for i, v := range y {
			if v <= 0 {
				return nil, fmt.Errorf("%w: log-linear needs positive values, point %d is %v", ErrNoMethod, i, v)
			}
			z[i] = math.Log(v)
			sumLog += z[i]
		}
	}
	tbar := float64(n-1) / 2
	var zbar float64
	for _, v := range z {
		zbar += v
	}
	zbar /= float64(n)
	var sxx, sxy float64
	for i, v := range z {
		dt := float64(i) - tbar
		sxx += dt * dt
		sxy += dt * (v - zbar)
	}
	b := sxy / sxx
	a := zbar - b*tbar
	fitted := make([]float64, n)
	var sse, sseOrig float64
	for i, v := range z {
		f := a + b*float64(i)
		sse += (v - f) * (v - f)
		if logged {
			fitted[i] = math.Exp(f)
		} else {
			fitted[i] = f
		}
		sseOrig += (y[i] - fitted[i]) * (y[i] - fitted[i])
	}
	if sse == 0 {
		sse = math.SmallestNonzeroFloat64 * float64(n) // exact fit: likelihood is unbounded; keep it finite
	}
	ll := gaussLogLik(sse, n)
	if logged {
		ll -= sumLog // Jacobian of log: likelihood on the original scale
	}
	sigma := math.Sqrt(sse / float64(n-2))
	tdist := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(n - 2)}
	t80, t95 := tdist.Quantile(0.9), tdist.Quantile(0.975)
	m := &model{
		spec:   sp,
		params: map[string]float64{"intercept": a, "slope": b, "sigma": sigma},
		fitted: fitted,
		aicc:   aicc(ll, 3, n),
	}
	last := a + b*float64(n-1)
	if logged {
		m.growth = math.Exp(b*spm) - 1
	} else if last > 0 {
		m.growth = b * spm / last
	} else {
		m.growth = math.NaN()
	}
	m.project = func(h int) (mean, lo80, hi80, lo95, hi95 []float64) {
		mean, lo80, hi80, lo95, hi95 = make([]float64, h), make([]float64, h), make([]float64, h), make([]float64, h), make([]float64, h)
		for j := range h {
			t := float64(n + j)
			f := a + b*t
			se := sigma * math.Sqrt(1+1/float64(n)+(t-tbar)*(t-tbar)/sxx)
			mean[j], lo80[j], hi80[j], lo95[j], hi95[j] = f, f-t80*se, f+t80*se, f-t95*se, f+t95*se
			if logged {
				mean[j], lo80[j], hi80[j], lo95[j], hi95[j] = math.Exp(mean[j]), math.Exp(lo80[j]), math.Exp(hi80[j]), math.Exp(lo95[j]), math.Exp(hi95[j])
			}
		}
		return
	}
	return m, nil
}

// fitSeasonalNaive is the benchmark: the forecast repeats the last observed
// season, ŷ(n+h) = y(n+h−m·(⌊(h−1)/m⌋+1)). Its intervals use the residual
// variance σ² of y(t)−y(t−m) growing as σ²·(⌊(h−1)/m⌋+1) (fpp3 §5.5).
// It has no likelihood comparable with the others, so its AICc is NaN.
func fitSeasonalNaive(sp spec, y []float64) (*model, error) {
	n := len(y)
	m := max(sp.period, 1)
	fitted := make([]float64, n)
	var sse float64
	for t := range n {
		if t < m {
			fitted[t] = math.NaN()
			continue
		}
		fitted[t] = y[t-m]
		sse += (y[t] - y[t-m]) * (y[t] - y[t-m])
	}
	sigma := math.Sqrt(sse / float64(n-m))
	mod := &model{
		spec:   sp,
		params: map[string]float64{"period": float64(m), "sigma": sigma},
		fitted: fitted,
		aicc:   math.NaN(),
		growth: 0, // the method projects no trend
	}
	mod.project = func(h int) (mean, lo80, hi80, lo95, hi95 []float64) {
		mean, lo80, hi80, lo95, hi95 = make([]float64, h), make([]float64, h), make([]float64, h), make([]float64, h), make([]float64, h)
		for j := range h {
			k := j / m
			f := y[n-m+j%m]
			se := sigma * math.Sqrt(float64(k+1))
			mean[j], lo80[j], hi80[j], lo95[j], hi95[j] = f, f-z80*se, f+z80*se, f-z95*se, f+z95*se
		}
		return
	}
	return mod, nil
}

// ets is an exponential-smoothing state space model with additive errors
// (Hyndman et al. 2008, ch. 2): level ℓ, optional (damped) trend b, and an
// optional additive or multiplicative season s of period m.
//
//	μ(t)  = (ℓ + φb) + s(t−m)          additive season
//	μ(t)  = (ℓ + φb) · s(t−m)          multiplicative season
//	e(t)  = y(t) − μ(t)
//	ℓ(t)  = ℓ + φb + α·e / r,  b(t) = φb + β·e / r,  s(t) = s(t−m) + γ·e / q
//
// with r = q = 1 for the additive season, r = s(t−m) and q = ℓ+φb for the
// multiplicative one. φ = 1 for an undamped trend; b ≡ 0 without trend.
type ets struct {
	mult                    bool
	m                       int
	trend                   trendKind
	alpha, beta, gamma, phi float64
	l0, b0                  float64
	s0                      []float64
}

// run filters y through the model, writing one-step fits and residuals when
// the slices are non-nil. It returns the SSE and the final state (level,
// trend, seasonal ring indexed by t mod m). ok is false on numerical trouble
// (a non-positive multiplicative index or level, or non-finite values).
func (e *ets) run(y, fitted, resid, s []float64) (sse, l, b float64, ok bool) {
	l, b = e.l0, e.b0
	copy(s, e.s0)
	phi := e.phi
	for t, v := range y {
		tb := phi * b
		base := l + tb
		var mu, sp float64
		p := 0
		if e.m > 0 {
			p = t % e.m
			sp = s[p]
		}
		switch {
		case e.m == 0:
			mu = base
		case e.mult:
			if sp <= 1e-6 || base <= 0 {
				return math.Inf(1), l, b, false
			}
			mu = base * sp
		default:
			mu = base + sp
		}
		err := v - mu
		sse += err * err
		if fitted != nil {
			fitted[t] = mu
			resid[t] = err
		}
		if e.mult && e.m > 0 {
			l = base + e.alpha*err/sp
			b = tb + e.beta*err/sp
			s[p] = sp + e.gamma*err/base
		} else {
			l = base + e.alpha*err
			b = tb + e.beta*err
			if e.m > 0 {
				s[p] = sp + e.gamma*err
			}
		}
	}
	if math.IsNaN(sse) || math.IsInf(sse, 0) {
		return math.Inf(1), l, b, false
	}
	return sse, l, b, true
}

// initStates sets ℓ0, b0 and s0 heuristically, in the spirit of Hyndman et
// al. (2008, §2.6.1): the season is the classical-decomposition index (the
// mean, per phase, of y minus — or over — a centred moving average of one
// period, over all full cycles), normalised to sum 0 (mean 1); the level and
// trend come from an OLS line through the first two seasonally adjusted
// cycles (the first ten points without season). Using all cycles for the
// season approximates optimising the m initial states, which is too costly
// for m = 168.
func (e *ets) initStates(y []float64) bool {
	k := min(len(y), 10)
	adj := y[:k]
	if e.m > 0 {
		m := e.m
		n := len(y)
		pre := make([]float64, n+1)
		for i, v := range y {
			pre[i+1] = pre[i] + v
		}
		sum := make([]float64, m)
		cnt := make([]int, m)
		h := m / 2
		for t := h; t+h < n; t++ {
			var ma float64
			if m%2 == 1 {
				ma = (pre[t+h+1] - pre[t-h]) / float64(m)
			} else {
				ma = (pre[t+h] - pre[t-h+1] + 0.5*(y[t-h]+y[t+h])) / float64(m)
			}
			if e.mult {
				if ma <= 0 {
					return false
				}
				sum[t%m] += y[t] / ma
			} else {
				sum[t%m] += y[t] - ma
			}
			cnt[t%m]++
		}
		e.s0 = make([]float64, m)
		var norm float64
		for p := range m {
			if cnt[p] == 0 {
				return false
			}
			e.s0[p] = sum[p] / float64(cnt[p])
			norm += e.s0[p]
		}
		norm /= float64(m)
		for p := range m {
			if e.mult {
				if norm <= 0 {
					return false
				}
				e.s0[p] = max(e.s0[p]/norm, 1e-3)
			} else {
				e.s0[p] -= norm
			}
		}
		k = 2 * m
		adj = make([]float64, k)
		for t := range k {
			if e.mult {
				adj[t] = y[t] / e.s0[t%m]
			} else {
				adj[t] = y[t] - e.s0[t%m]
			}
		}
	}
	tbar := float64(k-1) / 2
	var ybar, sxx, sxy float64
	for _, v := range adj {
		ybar += v
	}
	ybar /= float64(k)
	for i, v := range adj {
		sxx += (float64(i) - tbar) * (float64(i) - tbar)
		sxy += (float64(i) - tbar) * (v - ybar)
	}
	slope := sxy / sxx
	if e.trend == trendNone {
		slope = 0
	}
	e.b0 = slope
	e.l0 = ybar - slope*(tbar+1)
	return !e.mult || e.l0 > 0
}

func logistic(u float64) float64 { return 1 / (1 + math.Exp(-u)) }
func logit(p float64) float64    { return math.Log(p / (1 - p)) }

// setParams maps unconstrained x to the admissible region: 0 < α < 1,
// 0 < β < α, 0 < γ < 1−α, 0.8 < φ < 0.98 (Hyndman et al. 2008, §5.2).
func (e *ets) setParams(x []float64) {
	const lo, hi = 1e-4, 1 - 1e-4
	e.alpha = lo + (hi-lo)*logistic(x[0])
	i := 1
	e.beta, e.gamma, e.phi = 0, 0, 1
	if e.trend != trendNone {
		e.beta = e.alpha * logistic(x[i])
		i++
	}
	if e.m > 0 {
		e.gamma = (1 - e.alpha) * logistic(x[i])
		i++
	}
	if e.trend == trendDamped {
		e.phi = 0.8 + 0.18*logistic(x[i])
	}
}

// fitETS estimates α, β, γ, φ by Nelder–Mead on the concentrated Gaussian
// likelihood, log(SSE/n), with logistic transforms keeping them admissible.
func fitETS(sp spec, y []float64, spm float64, seed uint64) (*model, error) {
	n := len(y)
	e := &ets{mult: sp.method == ETSMultiplicative, m: sp.period, trend: sp.trend}
	if e.mult {
		for i, v := range y {
			if v <= 0 {
				return nil, fmt.Errorf("%w: multiplicative season needs positive values, point %d is %v", ErrNoMethod, i, v)
			}
		}
	}
	if !e.initStates(y) {
		return nil, fmt.Errorf("%w: %s: cannot initialise the season", ErrNoMethod, sp.name())
	}
	x0 := []float64{logit(0.2)}
	if e.trend != trendNone {
		x0 = append(x0, logit(0.1))
	}
	if e.m > 0 {
		x0 = append(x0, logit(0.1))
	}
	if e.trend == trendDamped {
		x0 = append(x0, logit((0.95-0.8)/0.18))
	}
	ring := make([]float64, e.m)
	obj := func(x []float64) float64 {
		e.setParams(x)
		sse, _, _, ok := e.run(y, nil, nil, ring)
		if !ok || sse <= 0 {
			if ok && sse == 0 {
				return -745 // exact fit
			}
			return math.Inf(1)
		}
		return math.Log(sse / float64(n))
	}
	if math.IsInf(obj(x0), 1) {
		return nil, fmt.Errorf("%w: %s: unstable at the starting parameters", ErrNoMethod, sp.name())
	}
	res, err := optimize.Minimize(optimize.Problem{Func: obj}, x0, &optimize.Settings{
		FuncEvaluations: 400 * len(x0),
		Converger:       &optimize.FunctionConverge{Absolute: 1e-7, Relative: 1e-7, Iterations: 20},
	}, &optimize.NelderMead{})
	if err != nil && res == nil {
		return nil, fmt.Errorf("%s: optimize: %w", sp.name(), err)
	}
	switch res.Status {
	case optimize.Success, optimize.FunctionConvergence, optimize.MethodConverge,
		optimize.FunctionEvaluationLimit, optimize.IterationLimit:
		// converged, or stopped at the budget with the best point found
	default:
		return nil, fmt.Errorf("%s: optimize stopped with status %v: %v", sp.name(), res.Status, err)
	}
	e.setParams(res.X)
	fitted, resid := make([]float64, n), make([]float64, n)
	state := make([]float64, e.m)
	sse, l, b, ok := e.run(y, fitted, resid, state)
	if !ok {
		return nil, fmt.Errorf("%w: %s: unstable at the fitted parameters", ErrNoMethod, sp.name())
	}
	k := 2 // α and σ
	params := map[string]float64{"alpha": e.alpha, "level": l}
	if e.trend != trendNone {
		k += 2 // β, b0
		params["beta"], params["trend"] = e.beta, b
	}
	if e.trend == trendDamped {
		k++
		params["phi"] = e.phi
	}
	if e.m > 0 {
		k += e.m // γ and m−1 free initial seasonal states
		params["gamma"], params["period"] = e.gamma, float64(e.m)
	}
	k++ // ℓ0
	if sse == 0 {
		sse = math.SmallestNonzeroFloat64 * float64(n)
	}
	params["sigma"] = math.Sqrt(sse / float64(n))
	mod := &model{spec: sp, params: params, fitted: fitted, aicc: aicc(gaussLogLik(sse, n), k, n)}
	switch {
	case l <= 0:
		mod.growth = math.NaN()
	case e.trend == trendNone:
		mod.growth = 0
	default:
		mod.growth = b * spm / l
	}
	// Bootstrap residuals after the two initialisation cycles, centred.
	from := min(2*e.m, n/2)
	pool := slices.Clone(resid[from:])
	var mean float64
	for _, r := range pool {
		mean += r
	}
	mean /= float64(len(pool))
	for i := range pool {
		pool[i] -= mean
	}
	mod.project = func(h int) (mu, lo80, hi80, lo95, hi95 []float64) {
		mu = e.point(l, b, state, n, h)
		lo80, hi80, lo95, hi95 = make([]float64, h), make([]float64, h), make([]float64, h), make([]float64, h)
		if !e.empiricalIntervals(y, mu, lo80, hi80, lo95, hi95) {
			e.simulate(l, b, state, n, pool, seed, lo80, hi80, lo95, hi95)
		}
		return
	}
	return mod, nil
}

// minSamples is the fewest in-sample h-step errors an empirical quantile is
// taken from.
const minSamples = 30

// empiricalIntervals replaces the bootstrap intervals by empirical ones
// where the data allow (Williams & Goodman 1971; fpp3 §5.5): from up to 300
// in-sample origins it forecasts ahead with the fitted parameters and takes,
// per horizon, the 2.5/10/90/97.5% quantiles of the actual errors — relative
// errors for the multiplicative season, whose spread follows the level.
// These intervals include the model's misspecification, which the bootstrap
// does not: on hourly data a near-random-walk level (α ≈ 1) makes the
// bootstrap widen like √h while real errors saturate at the seasonal spread.
// Horizons with fewer than minSamples errors extrapolate the last reliable
// one by √(h/h0). It reports whether it set the intervals; without even one
// reliable horizon the caller falls back to the bootstrap.
func (e *ets) empiricalIntervals(y, mu, lo80, hi80, lo95, hi95 []float64) bool {
	n, h := len(y), len(mu)
	from := min(2*e.m, n/2)
	if e.m == 0 {
		from = min(10, n/2)
	}
	if n-from < minSamples {
		return false
	}
	every := max(1, (n-from)/300)
	errs := make([][]float64, h)
	l, b := e.l0, e.b0
	s := slices.Clone(e.s0)
	ring := make([]float64, len(s))
	rel := e.mult && e.m > 0
	for t := 0; t < n; t++ {
		if t >= from && (t-from)%every == 0 {
			// Forecast y[t:] from the state after y[:t].
			pl, pb := l, b
			copy(ring, s)
			for j := 0; j < h && t+j < n; j++ {
				pb *= e.phi
				base := pl + pb
				f := e.mean(base, ring, t+j)
				pl = base
				d := y[t+j] - f
				if rel {
					if f <= 0 {
						continue
					}
					d /= f
				}
				errs[j] = append(errs[j], d)
			}
		}
		// One filter step (as in run).
		tb := e.phi * b
		base := l + tb
		var sp float64
		p := 0
		if e.m > 0 {
			p = t % e.m
			sp = s[p]
		}
		f := e.mean(base, s, t)
		d := y[t] - f
		if rel && sp > 1e-6 && base > 0 {
			l = base + e.alpha*d/sp
			b = tb + e.beta*d/sp
			s[p] = sp + e.gamma*d/base
		} else {
			l = base + e.alpha*d
			b = tb + e.beta*d
			if e.m > 0 && !rel {
				s[p] = sp + e.gamma*d
			}
		}
	}
	if len(errs[0]) < minSamples {
		return false
	}
	var q0 [4]float64
	h0 := 1
	for j := range h {
		var q [4]float64
		if len(errs[j]) >= minSamples {
			slices.Sort(errs[j])
			q = [4]float64{quantile(errs[j], 0.025), quantile(errs[j], 0.10), quantile(errs[j], 0.90), quantile(errs[j], 0.975)}
			q0, h0 = q, j+1
		} else {
			k := math.Sqrt(float64(j+1) / float64(h0))
			q = [4]float64{q0[0] * k, q0[1] * k, q0[2] * k, q0[3] * k}
		}
		if rel {
			lo95[j], lo80[j], hi80[j], hi95[j] = mu[j]*(1+q[0]), mu[j]*(1+q[1]), mu[j]*(1+q[2]), mu[j]*(1+q[3])
		} else {
			lo95[j], lo80[j], hi80[j], hi95[j] = mu[j]+q[0], mu[j]+q[1], mu[j]+q[2], mu[j]+q[3]
		}
	}
	return true
}

// point is the point forecast for h steps from the final state (ℓ, b, s)
// after n observations: the deterministic path with zero errors.
func (e *ets) point(l, b float64, s []float64, n, h int) []float64 {
	mu := make([]float64, h)
	for j := range h {
		b *= e.phi
		base := l + b
		mu[j] = e.mean(base, s, n+j)
		l = base
	}
	return mu
}

// simulate writes bootstrap quantiles for the len(lo80) steps after the
// final state (ℓ, b, s) after n observations. Sample paths add residuals
// drawn with replacement from pool (seeded PCG), feeding each error back
// through the state equations, so the spread grows with horizon as the
// model implies.
func (e *ets) simulate(l, b float64, s []float64, n int, pool []float64, seed uint64, lo80, hi80, lo95, hi95 []float64) {
	h := len(lo80)
	paths := min(1000, max(200, 2_000_000/h))
	sims := make([]float64, paths*h) // sims[j*paths+p]
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	ring := make([]float64, len(s))
	for p := range paths {
		pl, pb := l, b
		copy(ring, s)
		for j := range h {
			tb := e.phi * pb
			base := pl + tb
			ph := 0
			var sp float64
			if e.m > 0 {
				ph = (n + j) % e.m
				sp = ring[ph]
			}
			m := e.mean(base, ring, n+j)
			err := pool[rng.IntN(len(pool))]
			sims[j*paths+p] = m + err
			if e.mult && e.m > 0 && sp > 1e-6 && base > 0 {
				pl = base + e.alpha*err/sp
				pb = tb + e.beta*err/sp
				ring[ph] = sp + e.gamma*err/base
			} else {
				pl = base + e.alpha*err
				pb = tb + e.beta*err
				if e.m > 0 && !e.mult {
					ring[ph] = sp + e.gamma*err
				}
			}
		}
	}
	for j := range h {
		row := sims[j*paths : (j+1)*paths]
		slices.Sort(row)
		lo95[j], lo80[j] = quantile(row, 0.025), quantile(row, 0.10)
		hi80[j], hi95[j] = quantile(row, 0.90), quantile(row, 0.975)
	}
}

func (e *ets) mean(base float64, s []float64, t int) float64 {
	switch {
	case e.m == 0:
		return base
	case e.mult:
		return base * s[t%e.m]
	}
	return base + s[t%e.m]
}

// quantile of sorted x by linear interpolation (Hyndman–Fan type 7).
func quantile(x []float64, p float64) float64 {
	if len(x) == 1 {
		return x[0]
	}
	h := p * float64(len(x)-1)
	i := int(h)
	if i >= len(x)-1 {
		return x[len(x)-1]
	}
	return x[i] + (h-float64(i))*(x[i+1]-x[i])
}
