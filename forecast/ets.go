package forecast

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/optimize"
)

// ets is an exponential-smoothing state space model with additive errors
// (Hyndman et al. 2008, ch. 2): level ℓ, optional (damped) trend b, an
// optional additive or multiplicative season s of period m and, for the
// double-seasonal model, a second additive season w of period m2 (Taylor
// 2003, "Short-term electricity demand forecasting using double seasonal
// exponential smoothing", in error-correction form):
//
//	μ(t)  = (ℓ + φb) + s(t−m) + w(t−m2)  additive seasons
//	μ(t)  = (ℓ + φb) · s(t−m)             multiplicative season
//	e(t)  = y(t) − μ(t)
//	ℓ(t)  = ℓ + φb + α·e / r,  b(t) = φb + β·e / r
//	s(t)  = s(t−m) + γ·e / q,  w(t) = w(t−m2) + ω·e
//
// with r = q = 1 for additive seasons, r = s(t−m) and q = ℓ+φb for the
// multiplicative one. φ = 1 for an undamped trend; b ≡ 0 without trend.
type ets struct {
	mult                    bool
	m, m2                   int
	trend                   trendKind
	alpha, beta, gamma, phi float64
	omega                   float64 // smoothing of the second season
	l0, b0                  float64
	s0, w0                  []float64
}

// etsState is the state after some observations: level, trend and the
// seasonal rings indexed by t mod m and t mod m2.
type etsState struct {
	l, b float64
	s, w []float64
}

func (e *ets) start() etsState {
	return etsState{l: e.l0, b: e.b0, s: slices.Clone(e.s0), w: slices.Clone(e.w0)}
}

func (st *etsState) copyFrom(o *etsState) {
	st.l, st.b = o.l, o.b
	copy(st.s, o.s)
	copy(st.w, o.w)
}

// step filters observation v at time t through st and returns the
// one-step forecast μ(t); ok is false on numerical trouble (a
// non-positive multiplicative index or level).
func (e *ets) step(st *etsState, t int, v float64) (mu float64, ok bool) {
	tb := e.phi * st.b
	base := st.l + tb
	if e.mult {
		p := t % e.m
		sp := st.s[p]
		if sp <= 1e-6 || base <= 0 {
			return 0, false
		}
		mu = base * sp
		d := v - mu
		st.l = base + e.alpha*d/sp
		st.b = tb + e.beta*d/sp
		st.s[p] = sp + e.gamma*d/base
		return mu, true
	}
	mu = base
	var p, q int
	if e.m > 0 {
		p = t % e.m
		mu += st.s[p]
	}
	if e.m2 > 0 {
		q = t % e.m2
		mu += st.w[q]
	}
	d := v - mu
	st.l = base + e.alpha*d
	st.b = tb + e.beta*d
	if e.m > 0 {
		st.s[p] += e.gamma * d
	}
	if e.m2 > 0 {
		st.w[q] += e.omega * d
	}
	return mu, true
}

// path writes the zero-error forecasts of times t, t+1, … from st, the
// state after t observations: ℓ + (φ+…+φ^j)·b with the seasons of each
// time.
func (e *ets) path(st *etsState, t int, out []float64) {
	l, b := st.l, st.b
	for j := range out {
		b *= e.phi
		l += b
		out[j] = e.seasonal(st, t+j, l)
	}
}

// seasonal applies the seasons of time t to a level.
func (e *ets) seasonal(st *etsState, t int, base float64) float64 {
	switch {
	case e.mult:
		return base * st.s[t%e.m]
	case e.m > 0 && e.m2 > 0:
		return base + st.s[t%e.m] + st.w[t%e.m2]
	case e.m > 0:
		return base + st.s[t%e.m]
	}
	return base
}

// run filters y through the model, writing one-step fits and residuals when
// the slices are non-nil. It returns the SSE and the final state. ok is
// false on numerical trouble or non-finite values.
func (e *ets) run(y, fitted, resid []float64) (sse float64, st etsState, ok bool) {
	st = e.start()
	for t, v := range y {
		mu, good := e.step(&st, t, v)
		if !good {
			return math.Inf(1), st, false
		}
		d := v - mu
		sse += d * d
		if fitted != nil {
			fitted[t], resid[t] = mu, d
		}
	}
	if math.IsNaN(sse) || math.IsInf(sse, 0) {
		return math.Inf(1), st, false
	}
	return sse, st, true
}

// initCycles is how many of the first seasonal cycles set the initial
// seasonal states.
const initCycles = 4

// seasonIndex is the classical-decomposition index of period m over the
// first cycles of y (at most cycles, at least two; all with cycles 0): the mean, per
// phase, of y minus — or over — a centred moving average of one period,
// normalised to sum 0 (mean 1). It is nil when a phase has no sample or a
// multiplicative index cannot be formed.
func seasonIndex(y []float64, m int, mult bool, cycles int) []float64 {
	n := len(y)
	if cycles > 0 {
		n = min(n, max(2, min(n/m, cycles))*m)
	}
	y = y[:n]
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
		if mult {
			if ma <= 0 {
				return nil
			}
			sum[t%m] += y[t] / ma
		} else {
			sum[t%m] += y[t] - ma
		}
		cnt[t%m]++
	}
	s := make([]float64, m)
	var norm float64
	for p := range m {
		if cnt[p] == 0 {
			return nil
		}
		s[p] = sum[p] / float64(cnt[p])
		norm += s[p]
	}
	norm /= float64(m)
	for p := range m {
		if mult {
			if norm <= 0 {
				return nil
			}
			s[p] = max(s[p]/norm, 1e-3)
		} else {
			s[p] -= norm
		}
	}
	return s
}

// initStates sets ℓ0, b0 and the seasons heuristically, in the spirit of
// Hyndman et al. (2008, §2.6.1): the season is the classical-decomposition
// index of the first cycles only (seasonIndex), so that later cycles are
// learnt through γ rather than known in advance; with two seasons the
// index of the long period is split into its mean short cycle (s) and the
// rest (w). The level and trend come from an OLS line through the first
// two seasonally adjusted cycles (the first ten points without season).
func (e *ets) initStates(y []float64) bool {
	k := min(len(y), 10)
	adj := y[:k]
	long := max(e.m, e.m2)
	switch {
	case e.m2 > 0:
		full := seasonIndex(y, e.m2, false, initCycles)
		if full == nil {
			return false
		}
		e.s0, e.w0 = make([]float64, e.m), make([]float64, e.m2)
		for q, v := range full {
			e.s0[q%e.m] += v * float64(e.m) / float64(e.m2)
		}
		for q, v := range full {
			e.w0[q] = v - e.s0[q%e.m]
		}
	case e.m > 0:
		if e.s0 = seasonIndex(y, e.m, e.mult, initCycles); e.s0 == nil {
			return false
		}
	}
	if long > 0 {
		k = 2 * long
		adj = make([]float64, k)
		for t := range k {
			switch {
			case e.mult:
				adj[t] = y[t] / e.s0[t%e.m]
			case e.m2 > 0:
				adj[t] = y[t] - e.s0[t%e.m] - e.w0[t%e.m2]
			default:
				adj[t] = y[t] - e.s0[t%e.m]
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
// 0 < β < α, 0 < γ, ω < 1−α, 0.8 < φ < 0.98 (Hyndman et al. 2008, §5.2).
func (e *ets) setParams(x []float64) {
	const lo, hi = 1e-4, 1 - 1e-4
	e.alpha = lo + (hi-lo)*logistic(x[0])
	i := 1
	e.beta, e.gamma, e.omega, e.phi = 0, 0, 0, 1
	if e.trend != trendNone {
		e.beta = e.alpha * logistic(x[i])
		i++
	}
	if e.m > 0 {
		e.gamma = (1 - e.alpha) * logistic(x[i])
		i++
	}
	if e.m2 > 0 {
		e.omega = (1 - e.alpha) * logistic(x[i])
		i++
	}
	if e.trend == trendDamped {
		e.phi = 0.8 + 0.18*logistic(x[i])
	}
}

// degenerate says why fitted parameters make a model that only repeats
// its last step, or "": a local trend with α and β both near 1 continues
// the last one-step slope for the whole horizon (a runaway over 48 hourly
// steps), and a multiplicative season with an index near 0 divides the
// last value by it, lifting the level many times over.
func (e *ets) degenerate(st etsState) string {
	if e.trend != trendNone && e.alpha > 0.95 && e.beta > 0.95 {
		return fmt.Sprintf("degenerate fit: α = %.3f and β = %.3f make the trend repeat the last step", e.alpha, e.beta)
	}
	if e.mult {
		lo := math.Min(slices.Min(e.s0), slices.Min(st.s))
		if lo < 0.05 {
			return fmt.Sprintf("degenerate fit: a seasonal index of %.3g divides the level by near zero", lo)
		}
	}
	return ""
}

// etsParamCount is the number of parameters AICc charges an ETS model
// of sp: α, σ and ℓ0; β and b0 with a trend; φ when damped; γ and m−1
// free initial states per season.
func etsParamCount(sp spec) int {
	k := 3
	if sp.trend != trendNone {
		k += 2
	}
	if sp.trend == trendDamped {
		k++
	}
	return k + sp.period + sp.period2
}

// fitETS estimates α, β, γ, ω, φ by Nelder–Mead on the concentrated
// Gaussian likelihood, log(SSE/n), with logistic transforms keeping them
// admissible.
func fitETS(sp spec, y []float64, spm float64, seed uint64) (*model, error) {
	n := len(y)
	e := &ets{mult: sp.method == ETSMultiplicative, m: sp.period, m2: sp.period2, trend: sp.trend}
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
	if e.m2 > 0 {
		x0 = append(x0, logit(0.1))
	}
	if e.trend == trendDamped {
		x0 = append(x0, logit((0.95-0.8)/0.18))
	}
	obj := func(x []float64) float64 {
		e.setParams(x)
		sse, _, ok := e.run(y, nil, nil)
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
		FuncEvaluations: 200 * len(x0),
		Converger:       &optimize.FunctionConverge{Absolute: 1e-6, Relative: 1e-6, Iterations: 15},
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
	sse, state, ok := e.run(y, fitted, resid)
	if !ok {
		return nil, fmt.Errorf("%w: %s: unstable at the fitted parameters", ErrNoMethod, sp.name())
	}
	if why := e.degenerate(state); why != "" {
		return nil, fmt.Errorf("%w: %s: %s", ErrNoMethod, sp.name(), why)
	}
	l, b := state.l, state.b
	k := etsParamCount(sp)
	params := map[string]float64{"alpha": e.alpha, "level": l}
	if e.trend != trendNone {
		params["beta"], params["trend"] = e.beta, b
	}
	if e.trend == trendDamped {
		params["phi"] = e.phi
	}
	if e.m > 0 {
		params["gamma"], params["period"] = e.gamma, float64(e.m)
	}
	if e.m2 > 0 {
		params["omega"], params["period2"] = e.omega, float64(e.m2)
	}
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
	from := min(2*max(e.m, e.m2), n/2)
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
		mu = make([]float64, h)
		e.path(&state, n, mu)
		lo80, hi80, lo95, hi95 = make([]float64, h), make([]float64, h), make([]float64, h), make([]float64, h)
		if !e.empiricalIntervals(y, mu, lo80, hi80, lo95, hi95) {
			e.simulate(state, n, pool, seed, lo80, hi80, lo95, hi95)
		}
		return
	}
	mod.roll = func(all []float64, origins []int, h int) [][]float64 {
		st := e.start()
		out := make([][]float64, 0, len(origins))
		k := 0
		for t := 0; t <= len(all) && k < len(origins); t++ {
			if t == origins[k] {
				f := make([]float64, rowLen(t, len(all), h))
				e.path(&st, t, f)
				out = append(out, f)
				k++
			}
			if t < len(all) {
				if _, ok := e.step(&st, t, all[t]); !ok {
					return nil
				}
			}
		}
		return out
	}
	return mod, nil
}

// minSamples is the fewest in-sample h-step errors an empirical quantile is
// taken from.
const minSamples = 30

// empiricalIntervals sets the model's own intervals where the data allow
// (Williams & Goodman 1971; fpp3 §5.5): from up to 300 in-sample origins it
// forecasts ahead with the fitted parameters and takes, per horizon, the
// 2.5/10/90/97.5% quantiles of the actual errors — relative errors for the
// multiplicative season, whose spread follows the level. Horizons with
// fewer than minSamples errors extrapolate the last reliable one by
// √(h/h0). It reports whether it set the intervals; without even one
// reliable horizon the caller falls back to the bootstrap.
func (e *ets) empiricalIntervals(y, mu, lo80, hi80, lo95, hi95 []float64) bool {
	n, h := len(y), len(mu)
	from := min(2*max(e.m, e.m2), n/2)
	if e.m == 0 {
		from = min(10, n/2)
	}
	if n-from < minSamples {
		return false
	}
	every := max(1, (n-from)/300)
	errs := make([][]float64, h)
	st := e.start()
	f := make([]float64, h)
	for t := 0; t < n; t++ {
		if t >= from && (t-from)%every == 0 {
			k := min(h, n-t)
			e.path(&st, t, f[:k])
			for j := range k {
				d := y[t+j] - f[j]
				if e.mult {
					if f[j] <= 0 {
						continue
					}
					d /= f[j]
				}
				errs[j] = append(errs[j], d)
			}
		}
		if _, ok := e.step(&st, t, y[t]); !ok {
			return false
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
		if e.mult {
			lo95[j], lo80[j], hi80[j], hi95[j] = mu[j]*(1+q[0]), mu[j]*(1+q[1]), mu[j]*(1+q[2]), mu[j]*(1+q[3])
		} else {
			lo95[j], lo80[j], hi80[j], hi95[j] = mu[j]+q[0], mu[j]+q[1], mu[j]+q[2], mu[j]+q[3]
		}
	}
	return true
}

// simulate writes bootstrap quantiles for the len(lo80) steps after the
// final state after n observations. Sample paths add residuals drawn with
// replacement from pool (seeded PCG), feeding each error back through the
// state equations, so the spread grows with horizon as the model implies.
func (e *ets) simulate(final etsState, n int, pool []float64, seed uint64, lo80, hi80, lo95, hi95 []float64) {
	h := len(lo80)
	paths := min(1000, max(200, 2_000_000/h))
	sims := make([]float64, paths*h) // sims[j*paths+p]
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	st := e.start()
	for p := range paths {
		st.copyFrom(&final)
		for j := range h {
			base := st.l + e.phi*st.b
			m := e.seasonal(&st, n+j, base)
			v := m + pool[rng.IntN(len(pool))]
			sims[j*paths+p] = v
			if _, ok := e.step(&st, n+j, v); !ok {
				st.copyFrom(&final)
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
