package forecast

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// Method names accepted in [Options.Methods].
const (
	Linear            = "linear"
	LogLinear         = "loglinear"
	ETSAdditive       = "ets-additive"
	ETSMultiplicative = "ets-multiplicative"
	// ETSLog is ETS with additive components fitted to log values
	// (positive series only): a multiplicative model whose intervals are
	// back-transformed, so they stay positive and skewed.
	ETSLog = "ets-log"
	// DoubleSeasonal is Taylor's double-seasonal exponential smoothing
	// (daily and weekly cycles of hourly data), on the values and, for
	// positive series, on their logs.
	DoubleSeasonal = "double-seasonal"
	// Theta is the Theta method of Assimakopoulos & Nikolopoulos (2000) in
	// the form of Hyndman & Billah (2003): simple exponential smoothing
	// with drift half the slope of a linear trend, on seasonally adjusted
	// data.
	Theta = "theta"
	// Harmonic is ETS, with the weekly season, on the series less a yearly
	// cycle of Fourier terms (period 365.25 days, K ≤ 10 pairs chosen by
	// AICc), the cycle added back: for daily series of two years or more
	// (on values and, for positive series, logs).
	Harmonic      = "harmonic"
	SeasonalNaive = "seasonal-naive"
	// Combination is the mean of the best candidates by backtest error;
	// it is chosen, never asked for in Options.Methods.
	Combination = "combination"
)

// AllMethods lists every method in the order candidates are reported.
var AllMethods = []string{Linear, LogLinear, ETSAdditive, ETSMultiplicative, ETSLog, DoubleSeasonal, Theta, Harmonic, SeasonalNaive}

type trendKind int

const (
	trendNone trendKind = iota
	trendAdditive
	trendDamped
)

// spec identifies one candidate model.
type spec struct {
	method  string
	period  int // seasonal period in steps; 0 for none (seasonal-naive: 1 means naive)
	period2 int // second seasonal period (double-seasonal); 0 for none
	trend   trendKind
	log     bool    // fitted to log values, back-transformed
	year    float64 // Harmonic: the yearly period in steps (365.25 for daily data)
}

// name is the conventional short name, e.g. "ETS(A,Ad,M) m=24".
func (s spec) name() string {
	var n string
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
	case Theta:
		n = "theta"
		if s.period > 1 {
			n += fmt.Sprintf(" m=%d", s.period)
		}
		return n
	case Harmonic:
		inner := spec{method: ETSAdditive, period: s.period, trend: s.trend, log: s.log}
		return fmt.Sprintf("%s + Fourier m=%.2f", inner.name(), s.year)
	}
	tr := [...]string{"N", "A", "Ad"}[s.trend]
	se := "N"
	if s.period > 0 {
		se = "A"
		if s.method == ETSMultiplicative {
			se = "M"
		}
	}
	if s.period2 > 0 {
		n = fmt.Sprintf("ETS(A,%s,A,A) m=%d,%d", tr, s.period, s.period2)
	} else {
		n = fmt.Sprintf("ETS(A,%s,%s)", tr, se)
		if s.period > 0 {
			n += fmt.Sprintf(" m=%d", s.period)
		}
	}
	if s.log {
		n = "log " + n
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
	case Theta:
		if s.period > 1 {
			return 3 * s.period
		}
		return 5
	case Harmonic:
		// Two years: one is lost to the moving average that detrends the
		// cycle's regression.
		return int(math.Ceil(2*s.year)) + 4
	}
	k := 8
	if s.trend != trendNone {
		k = 10
	}
	if long := max(s.period, s.period2); long > 0 {
		k = max(k, 2*long+4)
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
	// roll filters y, which starts with the data the model was fitted to,
	// with the fitted parameters and returns the point forecasts of up to
	// h steps from each origin t (ascending, at most len(y)): row i
	// forecasts y[t:t+h] (cut at the end of y; h long at t = len(y)) from
	// y[:t] only. It is nil on numerical trouble.
	roll func(y []float64, origins []int, h int) [][]float64
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
	if sp.log {
		return fitLog(sp, y, stepsPerMonth, seed)
	}
	switch sp.method {
	case Linear:
		return fitLinear(sp, y, stepsPerMonth, false)
	case LogLinear:
		return fitLinear(sp, y, stepsPerMonth, true)
	case SeasonalNaive:
		return fitSeasonalNaive(sp, y)
	case Theta:
		return fitTheta(sp, y, stepsPerMonth)
	case Harmonic:
		return fitHarmonic(sp, y, stepsPerMonth, seed)
	case ETSAdditive, ETSMultiplicative, ETSLog, DoubleSeasonal:
		return fitETS(sp, y, stepsPerMonth, seed)
	}
	return nil, fmt.Errorf("%w: unknown method %q", ErrOptions, sp.method)
}

// fitLog fits sp's additive model to log y and back-transforms it: the
// point forecast exp(ẑ) is the median, the interval bounds exp of the log
// bounds (quantiles are kept by a monotone transform); the likelihood gets
// the Jacobian of the log, −Σ log y, so AICc compares with models of y;
// growth is exp(b·S) − 1 for the log trend b.
func fitLog(sp spec, y []float64, spm float64, seed uint64) (*model, error) {
	z := make([]float64, len(y))
	var sumLog float64
	for i, v := range y {
		if v <= 0 {
			return nil, fmt.Errorf("%w: %s needs positive values, point %d is %v", ErrNoMethod, sp.name(), i, v)
		}
		z[i] = math.Log(v)
		sumLog += z[i]
	}
	inner := sp
	inner.log = false
	m, err := fitSpec(inner, z, spm, seed)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", sp.name(), err)
	}
	exp := func(vs ...[]float64) {
		for _, v := range vs {
			for i := range v {
				v[i] = math.Exp(v[i])
			}
		}
	}
	m.spec = sp
	exp(m.fitted)
	m.aicc += 2 * sumLog
	if b, ok := m.params["trend"]; ok {
		m.growth = math.Exp(b*spm) - 1
	} else {
		m.growth = 0
	}
	project, roll := m.project, m.roll
	m.project = func(h int) (mean, lo80, hi80, lo95, hi95 []float64) {
		mean, lo80, hi80, lo95, hi95 = project(h)
		exp(mean, lo80, hi80, lo95, hi95)
		return
	}
	m.roll = func(all []float64, origins []int, h int) [][]float64 {
		za := make([]float64, len(all))
		for i, v := range all {
			if v <= 0 {
				return nil
			}
			za[i] = math.Log(v)
		}
		out := roll(za, origins, h)
		exp(out...)
		return out
	}
	return m, nil
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
	// Rolling: the line refitted by OLS on y[:t] at every origin, from
	// running sums (O(1) each).
	m.roll = func(all []float64, origins []int, h int) [][]float64 {
		var st, sz, stt, stz float64
		out := make([][]float64, 0, len(origins))
		k := 0
		for t := 0; t <= len(all) && k < len(origins); t++ {
			if t == origins[k] {
				k++
				n := float64(t)
				den := n*stt - st*st
				if den == 0 {
					return nil
				}
				bb := (n*stz - st*sz) / den
				aa := (sz - bb*st) / n
				f := make([]float64, rowLen(t, len(all), h))
				for j := range f {
					f[j] = aa + bb*float64(t+j)
					if logged {
						f[j] = math.Exp(f[j])
					}
				}
				out = append(out, f)
			}
			if t < len(all) {
				v := all[t]
				if logged {
					if v <= 0 {
						return nil
					}
					v = math.Log(v)
				}
				tt := float64(t)
				st, sz, stt, stz = st+tt, sz+v, stt+tt*tt, stz+tt*v
			}
		}
		return out
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
	mod.roll = func(all []float64, origins []int, h int) [][]float64 {
		out := make([][]float64, 0, len(origins))
		for _, t := range origins {
			if t < m {
				return nil
			}
			f := make([]float64, rowLen(t, len(all), h))
			for j := range f {
				f[j] = all[t-m+j%m]
			}
			out = append(out, f)
		}
		return out
	}
	return mod, nil
}

// rowLen is how many steps a rolled forecast from origin t covers: h from
// the end of the data, else up to the end of the data.
func rowLen(t, n, h int) int {
	if t >= n {
		return h
	}
	return min(h, n-t)
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
