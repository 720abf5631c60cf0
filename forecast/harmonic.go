package forecast

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// maxHarmonics is the most Fourier pairs of the yearly cycle a Harmonic
// candidate may use; AICc chooses how many (fpp3 §12.1 and §10.5).
const maxHarmonics = 10

// daysPerYear is the mean year of the yearly Fourier terms, in days.
const daysPerYear = 365.25

// fourierRow writes the k = 1..len(out)/2 Fourier pairs of period p at
// time t: out[2k−2] = sin(2πkt/p), out[2k−1] = cos(2πkt/p).
func fourierRow(t, p float64, out []float64) {
	for k := 1; 2*k <= len(out); k++ {
		s, c := math.Sincos(2 * math.Pi * float64(k) * t / p)
		out[2*k-2], out[2*k-1] = s, c
	}
}

// centredMA is the centred moving average of y over l points (2×l with
// half weights at the ends when l is even) at t = l/2 … n−1−l/2; the
// other entries are NaN.
func centredMA(y []float64, l int) []float64 {
	n := len(y)
	out := nanSlice(n)
	pre := make([]float64, n+1)
	for i, v := range y {
		pre[i+1] = pre[i] + v
	}
	h := l / 2
	for t := h; t+h < n; t++ {
		if l%2 == 1 {
			out[t] = (pre[t+h+1] - pre[t-h]) / float64(l)
		} else {
			out[t] = (pre[t+h] - pre[t-h+1] + 0.5*(y[t-h]+y[t+h])) / float64(l)
		}
	}
	return out
}

// yearlyFourier estimates the yearly cycle of y, period p steps, as K
// Fourier pairs: y less its centred moving average over round(p) points
// (the trend and level, as in a classical decomposition) is regressed by
// least squares on an intercept and the pairs k = 1..K, for every K from 1
// to maxHarmonics (fewer when the detrended part is short), and the K with
// the lowest AICc (2K+2 parameters: the coefficients, the intercept and σ)
// is kept. It returns the coefficients, sin and cos per pair as
// fourierRow orders them, without the intercept.
//
// Detrending first keeps a trend or a level shift out of the pairs: over
// whole years a slope b per step correlates with sin(2πt/p) and, regressed
// on y itself, would bias its coefficient by −b·p/π (BENCHMARKS.md).
func yearlyFourier(y []float64, p float64) ([]float64, error) {
	ma := centredMA(y, int(math.Round(p)))
	var rows []int
	for t, v := range ma {
		if !math.IsNaN(v) {
			rows = append(rows, t)
		}
	}
	n := len(rows)
	kmax := min(maxHarmonics, (n-4)/4, int(p/2)-1)
	if kmax < 1 {
		return nil, fmt.Errorf("%w: the yearly cycle needs more detrended points than %d", ErrTooShort, n)
	}
	c := 2*kmax + 1
	x := make([]float64, n*c)
	d := make([]float64, n)
	gram := mat.NewSymDense(c, nil)
	xty := make([]float64, c)
	for i, t := range rows {
		row := x[i*c : (i+1)*c]
		row[0] = 1
		fourierRow(float64(t), p, row[1:])
		d[i] = y[t] - ma[t]
		for a := range c {
			xty[a] += row[a] * d[i]
			for b := a; b < c; b++ {
				gram.SetSym(a, b, gram.At(a, b)+row[a]*row[b])
			}
		}
	}
	bestAICc := math.Inf(1)
	var best []float64
	for k := 1; k <= kmax; k++ {
		w := 2*k + 1
		sub := mat.NewSymDense(w, nil)
		for a := range w {
			for b := a; b < w; b++ {
				sub.SetSym(a, b, gram.At(a, b))
			}
		}
		var ch mat.Cholesky
		if !ch.Factorize(sub) {
			break
		}
		var beta mat.VecDense
		if err := ch.SolveVecTo(&beta, mat.NewVecDense(w, xty[:w])); err != nil {
			break
		}
		var sse float64
		for i := range n {
			r := d[i]
			for a := range w {
				r -= beta.AtVec(a) * x[i*c+a]
			}
			sse += r * r
		}
		if sse == 0 {
			sse = math.SmallestNonzeroFloat64 * float64(n) // exact fit: keep the likelihood finite
		}
		if v := aicc(gaussLogLik(sse, n), w+1, n); v < bestAICc {
			bestAICc = v
			best = make([]float64, 2*k)
			for a := range best {
				best[a] = beta.AtVec(a + 1)
			}
		}
	}
	if best == nil {
		return nil, fmt.Errorf("%w: the yearly Fourier regression is singular", ErrNoMethod)
	}
	return best, nil
}

// yearly evaluates Fourier coefficients beta (fourierRow's order) at t.
func yearly(beta []float64, p float64, t int) float64 {
	x := make([]float64, len(beta))
	fourierRow(float64(t), p, x)
	var s float64
	for i, b := range beta {
		s += b * x[i]
	}
	return s
}

// fitHarmonic fits the yearly cycle of y as Fourier terms of period
// sp.year (yearlyFourier) and ETS, with sp's trend and the season of
// period sp.period (none when 0), to y less that cycle; forecasts, rolled
// forecasts, fits and interval bounds add the cycle back. It is a
// two-season model for long daily (or weekly) series in the spirit of
// dynamic harmonic regression (fpp3 ch. 12) and of MSTL with ETS on the
// adjusted series: the week adapts through γ, the year is fixed. AICc
// counts the 2K Fourier coefficients besides the ETS parameters.
func fitHarmonic(sp spec, y []float64, spm float64, seed uint64) (*model, error) {
	n := len(y)
	beta, err := yearlyFourier(y, sp.year)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", sp.name(), err)
	}
	cycle := func(t int) float64 { return yearly(beta, sp.year, t) }
	cyc := make([]float64, n)
	adj := make([]float64, n)
	for t, v := range y {
		cyc[t] = cycle(t)
		adj[t] = v - cyc[t]
	}
	inner := spec{method: ETSAdditive, period: sp.period, trend: sp.trend}
	m, err := fitETS(inner, adj, spm, seed)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", sp.name(), err)
	}
	m.spec = sp
	k := etsParamCount(inner)
	q := len(beta)
	if finite(m.aicc) {
		m.aicc += 2*float64(q) + 2*(float64((k+q)*(k+q+1))/float64(n-k-q-1)-float64(k*(k+1))/float64(n-k-1))
		if n-k-q-1 <= 0 {
			m.aicc = math.NaN()
		}
	}
	m.params["harmonics"] = float64(q / 2)
	m.params["year"] = sp.year
	for t := range m.fitted {
		m.fitted[t] += cyc[t]
	}
	project, roll := m.project, m.roll
	m.project = func(h int) (mean, lo80, hi80, lo95, hi95 []float64) {
		mean, lo80, hi80, lo95, hi95 = project(h)
		for j := range h {
			c := cycle(n + j)
			mean[j], lo80[j], hi80[j], lo95[j], hi95[j] = mean[j]+c, lo80[j]+c, hi80[j]+c, lo95[j]+c, hi95[j]+c
		}
		return
	}
	m.roll = func(all []float64, origins []int, h int) [][]float64 {
		cyc := make([]float64, len(all)+h)
		for t := range cyc {
			cyc[t] = cycle(t)
		}
		a := make([]float64, len(all))
		for t, v := range all {
			a[t] = v - cyc[t]
		}
		out := roll(a, origins, h)
		for i, row := range out {
			for j := range row {
				row[j] += cyc[origins[i]+j]
			}
		}
		return out
	}
	return m, nil
}
