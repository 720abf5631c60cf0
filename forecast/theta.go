package forecast

import (
	"math"
	"slices"
)

// seasonalTest is the seasonality test of the M4 benchmarks and of R's
// forecast::thetaf: the autocorrelation at lag m exceeds 1.645 of its
// standard errors, |r(m)| > 1.645·sqrt((1 + 2·Σ_{k<m} r(k)²)/n).
func seasonalTest(y []float64, m int) bool {
	n := len(y)
	var mean float64
	for _, v := range y {
		mean += v / float64(n)
	}
	var den float64
	for _, v := range y {
		den += (v - mean) * (v - mean)
	}
	if den == 0 || m >= n {
		return false
	}
	acf := func(k int) float64 {
		var s float64
		for t := k; t < n; t++ {
			s += (y[t] - mean) * (y[t-k] - mean)
		}
		return s / den
	}
	var s2 float64
	for k := 1; k < m; k++ {
		a := acf(k)
		s2 += a * a
	}
	return math.Abs(acf(m)) > 1.645*math.Sqrt((1+2*s2)/float64(n))
}

// sesAlpha returns the smoothing parameter of simple exponential
// smoothing (ℓ0 = x0) minimising the one-step squared error: a grid of
// 20, then golden-section search around the best.
func sesAlpha(x []float64) float64 {
	sse := func(a float64) float64 {
		l, s := x[0], 0.0
		for _, v := range x[1:] {
			d := v - l
			s += d * d
			l += a * d
		}
		return s
	}
	const lo, hi = 1e-4, 1 - 1e-4
	best, bestS := lo, math.Inf(1)
	for i := range 20 {
		a := lo + (hi-lo)*float64(i)/19
		if s := sse(a); s < bestS {
			best, bestS = a, s
		}
	}
	a, b := max(lo, best-(hi-lo)/19), min(hi, best+(hi-lo)/19)
	const g = 0.6180339887498949
	c, d := b-g*(b-a), a+g*(b-a)
	fc, fd := sse(c), sse(d)
	for range 40 {
		if fc < fd {
			b, d, fd = d, c, fc
			c = b - g*(b-a)
			fc = sse(c)
		} else {
			a, c, fc = c, d, fd
			d = a + g*(b-a)
			fd = sse(d)
		}
	}
	if m := (a + b) / 2; sse(m) < bestS {
		return m
	}
	return best
}

// thetaPath writes the Theta forecasts of x̂(t), x̂(t+1), … from the SES
// level l after t observations, the OLS slope b of those observations and
// α (Hyndman & Billah 2003, eq. 5; R's forecast::thetaf):
//
//	x̂(t+j) = ℓ(t) + b/2 · (j + (1 − (1−α)^t)/α),  j = 0, 1, …
func thetaPath(l, b, alpha float64, t int, out []float64) {
	c := (1 - math.Pow(1-alpha, float64(t))) / alpha
	for j := range out {
		out[j] = l + b/2*(float64(j)+c)
	}
}

// fitTheta fits the Theta method. With a period m > 1, a positive series
// that passes seasonalTest at lag m is first divided by its classical
// multiplicative seasonal index (over all cycles), and the forecasts are
// multiplied back. Its own intervals are those of simple exponential
// smoothing, ±z·σ·sqrt(1 + j·α²) (as thetaf), scaled by the season. It has
// no likelihood comparable with the others (AICc NaN).
func fitTheta(sp spec, y []float64, spm float64) (*model, error) {
	n := len(y)
	idx := []float64{1}
	if m := sp.period; m > 1 && !slices.ContainsFunc(y, func(v float64) bool { return v <= 0 }) && seasonalTest(y, m) {
		if s := seasonIndex(y, m, true, 0); s != nil {
			idx = s
		}
	}
	p := len(idx)
	x := make([]float64, n)
	for t, v := range y {
		x[t] = v / idx[t%p]
	}
	alpha := sesAlpha(x)
	var st, sx, stt, stx float64
	for t, v := range x {
		tt := float64(t)
		st, sx, stt, stx = st+tt, sx+v, stt+tt*tt, stx+tt*v
	}
	b := (float64(n)*stx - st*sx) / (float64(n)*stt - st*st)
	l := x[0]
	fitted := make([]float64, n)
	fitted[0] = math.NaN()
	var sse float64
	for t := 1; t < n; t++ {
		fitted[t] = l * idx[t%p]
		d := x[t] - l
		sse += d * d
		l += alpha * d
	}
	sigma := math.Sqrt(sse / float64(n-1))
	params := map[string]float64{"alpha": alpha, "level": l, "drift": b / 2, "sigma": sigma}
	if p > 1 {
		params["period"] = float64(p)
	}
	mod := &model{spec: sp, params: params, fitted: fitted, aicc: math.NaN(), growth: math.NaN()}
	if l > 0 {
		mod.growth = b / 2 * spm / l
	}
	mod.project = func(h int) (mean, lo80, hi80, lo95, hi95 []float64) {
		mean, lo80, hi80, lo95, hi95 = make([]float64, h), make([]float64, h), make([]float64, h), make([]float64, h), make([]float64, h)
		thetaPath(l, b, alpha, n, mean)
		for j := range h {
			se := sigma * math.Sqrt(1+float64(j)*alpha*alpha)
			s := idx[(n+j)%p]
			mu := mean[j]
			mean[j], lo80[j], hi80[j], lo95[j], hi95[j] = mu*s, (mu-z80*se)*s, (mu+z80*se)*s, (mu-z95*se)*s, (mu+z95*se)*s
		}
		return
	}
	// Rolling: α and the season stay fixed; the level is filtered and the
	// slope refitted on the data before each origin (running sums).
	mod.roll = func(all []float64, origins []int, h int) [][]float64 {
		out := make([][]float64, 0, len(origins))
		var st, sx, stt, stx, l float64
		k := 0
		for t := 0; t <= len(all) && k < len(origins); t++ {
			if t == origins[k] {
				k++
				if t < 2 {
					return nil
				}
				n := float64(t)
				bb := (n*stx - st*sx) / (n*stt - st*st)
				f := make([]float64, rowLen(t, len(all), h))
				thetaPath(l, bb, alpha, t, f)
				for j := range f {
					f[j] *= idx[(t+j)%p]
				}
				out = append(out, f)
			}
			if t < len(all) {
				v := all[t] / idx[t%p]
				if t == 0 {
					l = v
				} else {
					l += alpha * (v - l)
				}
				tt := float64(t)
				st, sx, stt, stx = st+tt, sx+v, stt+tt*tt, stx+tt*v
			}
		}
		return out
	}
	return mod, nil
}
