package forecast

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/capcheck/capcheck/internal/testkit"
)

func TestThetaPath(t *testing.T) {
	// y = 1 2 3 4 5, α = 0.5: SES levels 1, 1.5, 2.25, 3.125, 4.0625; OLS
	// slope b = 1; (1 − 0.5⁵)/0.5 = 1.9375, so
	// x̂(6) = 4.0625 + 0.5·1.9375 = 5.03125 and x̂(7) = 5.03125 + 0.5.
	out := make([]float64, 2)
	thetaPath(4.0625, 1, 0.5, 5, out)
	if !testkit.Within(out[0], 5.03125, 1e-12) || !testkit.Within(out[1], 5.53125, 1e-12) {
		t.Errorf("thetaPath = %v, want [5.03125 5.53125]", out)
	}
}

func TestThetaLinear(t *testing.T) {
	// y = 10 + 2t, t = 0..29: SES one-step errors are smallest with α at
	// its bound (each is then 2), so the level is the last value, 68, and
	// Theta adds half the slope per step from one step on: 69, 70, 71
	// (Hyndman & Billah 2003: Theta is SES with drift b/2).
	vs := make([]float64, 30)
	for i := range vs {
		vs[i] = 10 + 2*float64(i)
	}
	res, err := Fit(daily(vs...), Options{Horizon: 3, Methods: []string{Theta}, Seasonality: []int{7}, Selection: SelectAICc})
	if err != nil {
		t.Fatal(err)
	}
	for j, want := range []float64{69, 70, 71} {
		if !testkit.Within(res.Forecast[j].Value, want, 0.01) {
			t.Errorf("Forecast[%d] = %v, want %v (%s)", j, res.Forecast[j].Value, want, res.Model)
		}
	}
	if !testkit.Within(res.Params["drift"], 1, 1e-9) {
		t.Errorf("drift = %v, want 1 (half the slope 2)", res.Params["drift"])
	}
}

func TestDampedPath(t *testing.T) {
	// ℓ = 10, b = 2, φ = 0.9: ŷ(1) = 10 + 0.9·2 = 11.8,
	// ŷ(2) = 11.8 + 0.81·2 = 13.42 (Hyndman et al. 2008, Table 2.1).
	e := &ets{trend: trendDamped, phi: 0.9}
	st := etsState{l: 10, b: 2}
	out := make([]float64, 2)
	e.path(&st, 0, out)
	if !testkit.Within(out[0], 11.8, 1e-12) || !testkit.Within(out[1], 13.42, 1e-12) {
		t.Errorf("path = %v, want [11.8 13.42]", out)
	}
}

// doubleSeasonal is four weeks of hourly values 100 + a daily cycle + a
// weekend drop, exactly periodic with period 168.
func doubleSeasonal(weeks int) Series {
	n := weeks * 168
	s := Series{Times: make([]time.Time, n), Values: make([]float64, n)}
	for i := range n {
		s.Times[i] = day0.Add(time.Duration(i) * time.Hour)
		s.Values[i] = 100 + 20*math.Sin(2*math.Pi*float64(i%24)/24)
		if (i/24)%7 >= 5 {
			s.Values[i] -= 30
		}
	}
	return s
}

func TestDoubleSeasonalExact(t *testing.T) {
	// Exactly periodic data: the first two weeks give the weekly index
	// exactly (a centred 168-hour average of periodic data is its mean),
	// split into the mean day and the rest; every one-step error is then
	// 0 and the forecast continues the pattern.
	s := doubleSeasonal(4)
	res, err := Fit(s, Options{Horizon: 48, Methods: []string{DoubleSeasonal}, Selection: SelectAICc})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(res.Model, "ETS(A,N,A,A) m=24,168") && !strings.HasPrefix(res.Model, "log ETS(A,N,A,A) m=24,168") {
		t.Fatalf("model %s, want the double-seasonal ETS", res.Model)
	}
	next := doubleSeasonal(5).Values[4*168:]
	for j, p := range res.Forecast {
		if !testkit.Within(p.Value, next[j], 1e-6) {
			t.Fatalf("Forecast[%d] = %v, want %v", j, p.Value, next[j])
		}
	}
}

func TestLogETSBackTransformed(t *testing.T) {
	// y = 50·exp(0.3·sin(2πt/7)) with 2% log-normal noise: the log model
	// is ETS(A,N,A) on log y; its point forecast is exp of the log
	// forecast (≈ 50·exp(0.3·sin(…))) and its bounds are the forecast
	// times exp of conformal log-error quantiles, so positive, ordered and
	// a few noise deviations (0.02 in log) from it on either side. (The
	// quantiles of a few dozen errors are not symmetric, so the 4%
	// asymmetry that exp gives ±0.04 is not asserted.)
	rng := rand.New(rand.NewPCG(5, 5))
	vs := make([]float64, 140)
	for i := range vs {
		vs[i] = 50 * math.Exp(0.3*math.Sin(2*math.Pi*float64(i)/7)+0.02*rng.NormFloat64())
	}
	res, err := Fit(daily(vs...), Options{Horizon: 7, Methods: []string{ETSLog}, Selection: SelectAICc})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(res.Model, "log ETS(") || !strings.Contains(res.Model, "m=7") {
		t.Fatalf("model %s, want a seasonal log ETS", res.Model)
	}
	for j, p := range res.Forecast {
		want := 50 * math.Exp(0.3*math.Sin(2*math.Pi*float64(140+j)/7))
		if !testkit.Within(p.Value, want, 0.05*want) {
			t.Errorf("Forecast[%d] = %.2f, want %.2f ± 5%%", j, p.Value, want)
		}
		lo, hi := math.Log(p.Value/p.Lo95), math.Log(p.Hi95/p.Value)
		if p.Lo95 <= 0 || !(p.Lo95 < p.Lo80 && p.Lo80 < p.Value && p.Value < p.Hi80 && p.Hi80 < p.Hi95) ||
			lo < 0.02 || lo > 0.2 || hi < 0.02 || hi > 0.2 {
			t.Errorf("Forecast[%d] = %+v, want positive ordered bounds 0.02–0.2 from it in log", j, p)
		}
	}
}

func TestSeasonalNaiveEveryPeriod(t *testing.T) {
	// Hourly data of five weeks supports 24 and 168: naive and both
	// seasonal naives are candidates, the longest (the MASE benchmark)
	// first.
	res, err := Fit(hourlyWeeks(840), Options{Horizon: 48})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range res.Candidates {
		if c.Method == SeasonalNaive {
			got = append(got, c.Model)
		}
	}
	if want := "seasonal naive m=168,naive,seasonal naive m=24"; strings.Join(got, ",") != want {
		t.Errorf("seasonal-naive candidates %q, want %q", strings.Join(got, ","), want)
	}
}

func TestDegenerateGuard(t *testing.T) {
	tests := []struct {
		name string
		e    ets
		st   etsState
		want string
	}{
		{name: "local trend α≈β≈1", e: ets{trend: trendAdditive, alpha: 0.99, beta: 0.97}, want: "α = 0.990 and β = 0.970"},
		{name: "α≈1, β small", e: ets{trend: trendAdditive, alpha: 0.99, beta: 0.2}},
		{name: "night-time index near 0", e: ets{mult: true, m: 2, s0: []float64{0.01, 1.99}}, st: etsState{s: []float64{0.5, 1.5}}, want: "seasonal index of 0.01"},
		{name: "sound season", e: ets{mult: true, m: 2, s0: []float64{0.5, 1.5}}, st: etsState{s: []float64{0.5, 1.5}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.e.degenerate(tc.st)
			if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
				t.Errorf("degenerate = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestConformalBounds(t *testing.T) {
	// One horizon, errors 1..39 (N = 39) of equal weight: ranks
	// ⌊40·0.025⌋ = 1, ⌊40·0.10⌋ = 4, ⌈40·0.90⌉ = 36 and ⌈40·0.975⌉ = 39;
	// the median is the 20th (cumulative weight 20 ≥ 39/2).
	var es []heldOut
	for i := 39; i >= 1; i-- {
		es = append(es, heldOut{target: 100 + i, e: float64(i), w: 1})
	}
	if q := weightedQuantiles(slices.Clone(es)); q != [5]float64{1, 4, 36, 39, 20} {
		t.Errorf("weightedQuantiles = %v, want [1 4 36 39 20]", q)
	}
	// The same errors from one origin (at 0 of a one-point record): one
	// effective error, so ν = minDoF = 2, where Student's t has the closed
	// form t_p = (2p−1)/√(2p(1−p)): t_.975 = 4.302653 and t_.9 = 1.885618,
	// over z = 1.959964 and 1.281552: ×2.195271 at 95%, ×1.471356 at 80%,
	// about the median 20.
	c := &conformal{y: []float64{0}, r: &rolled{origins: []int{0}}, h: 1, errs: [][]heldOut{es}}
	var buf []heldOut
	q, ok := c.bounds(0, -1, -1, &buf)
	want := [4]float64{20 - 19*2.195271, 20 - 16*1.471356, 20 + 16*1.471356, 20 + 19*2.195271}
	for k := range q {
		if !ok || math.Abs(q[k]-want[k]) > 1e-5 {
			t.Fatalf("bounds = %v, %v; want %v", q, ok, want)
		}
	}
	// Leaving out the targets 101..130 leaves 9 errors: too few.
	if _, ok := c.bounds(0, 101, 131, &buf); ok {
		t.Errorf("bounds with 9 errors ok, want not ok (minPooled %d)", minPooled)
	}
	// Additive errors around a forecast of 100: 100 + the bounds above,
	// [78.29, 161.71] at 95% and [96.46, 143.54] at 80%.
	mean := []float64{100}
	lo80, hi80, lo95, hi95 := []float64{0}, []float64{0}, []float64{0}, []float64{0}
	c.apply(-1, -1, mean, lo80, hi80, lo95, hi95)
	got := [4]float64{lo95[0], lo80[0], hi80[0], hi95[0]}
	for k, w := range []float64{78.289845, 96.458310, 143.541690, 161.710155} {
		if math.Abs(got[k]-w) > 1e-5 {
			t.Fatalf("apply = %v, want [78.289845 96.458310 143.541690 161.710155]", got)
		}
	}
	// Bounds never cross the forecast: errors 30..39, all well above 0
	// even widened about their median (ν ≈ 10.6 from 2,000 origins whose
	// weights halve every 4), leave the lower ones at 100.
	long := &conformal{y: make([]float64, 2000), r: &rolled{origins: span(0, 1999)}, h: 1, errs: [][]heldOut{es[:10]}}
	long.apply(-1, -1, mean, lo80, hi80, lo95, hi95)
	if lo95[0] != 100 || lo80[0] != 100 || hi80[0] <= 138 {
		t.Errorf("apply = %v %v %v %v, want lower bounds 100", lo95, lo80, hi80, hi95)
	}
}

// TestReferenceHistory checks the reference forecaster of the intervals
// by hand: its choice, the backtest ratio and the history's swapped
// errors, and the floor on the 80% bounds.
func TestReferenceHistory(t *testing.T) {
	// y = 0 10 13 11 14 12 (a 0, so additive errors); one-step forecasts
	// of 12 from origins 2, 3 (history) and 4, 5 (backtest, from = 4):
	// errors 1, −1, 2, 0. Naive's: 13−10 = 3, 11−13 = −2, 14−11 = 3,
	// 12−14 = −2; seasonal naive at 2's: 13, 1, 1, 1. Backtest MAE: naive
	// (3+2)/2 = 2.5, period 2 (1+1)/2 = 1, so period 2 is the reference.
	y := []float64{0, 10, 13, 11, 14, 12}
	r := &rolled{origins: []int{2, 3, 4, 5}, rows: [][]float64{{12}, {12}, {12}, {12}}}
	if c := newConformal(y, r, 1, []int{1, 2}, 4); c.ref == nil || c.ref[0][0] != (heldOut{target: 2, origin: 2, e: 13, w: 0.5946035575013605}) {
		t.Fatalf("reference errors %v, want seasonal naive at 2's (13 from origin 2 first)", c.ref)
	}
	c := newConformal(y, r, 1, []int{1}, 4)
	// Model backtest MAE (2+0)/2 = 1 over naive's 2.5: ratio 0.4; without
	// the target 5, 2/3.
	c.setRatio(-1, -1)
	if math.Abs(c.ratio-0.4) > 1e-12 {
		t.Errorf("ratio = %v, want 0.4", c.ratio)
	}
	c.setRatio(5, 6)
	if math.Abs(c.ratio-2.0/3) > 1e-12 {
		t.Errorf("ratio without target 5 = %v, want 2/3", c.ratio)
	}
	// Weights 2^(−age/4) for ages 3, 2, 1, 0: 0.594604, 0.707107,
	// 0.840896, 1. Naive's weighted median: −2 (0.707107 + 1 ≥ half of
	// 3.142607); the model's errors −1, 0, 1, 2 have weights 0.707107,
	// 1, 0.594604, 0.840896: median 0 (1.707107 ≥ half of 3.142607).
	// About it, with ratio 0.4, the history's errors become
	// 0 + 0.4·(3+2) = 2 (origin 2) and 0 + 0.4·(−2+2) = 0 (origin 3); the
	// backtest keeps its own, 2 and 0.
	c.setRatio(-1, -1)
	es := slices.Clone(c.errs[0])
	med := weightedQuantiles(es)[4] // sorts es, as swapHistory wants them
	if med != 0 {
		t.Fatalf("model's weighted median %v, want 0", med)
	}
	got := c.swapHistory(es, slices.Clone(c.ref[0]), med, nil)
	if !slices.IsSortedFunc(got, func(a, b heldOut) int { return compareFloat(a.e, b.e) }) {
		t.Errorf("swapHistory = %v, want sorted errors", got)
	}
	slices.SortFunc(got, func(a, b heldOut) int { return a.origin - b.origin })
	want := []heldOut{{target: 2, origin: 2, e: 2, w: 0.594604}, {target: 3, origin: 3, e: 0, w: 0.707107}, {target: 4, origin: 4, e: 2, w: 0.840896}, {target: 5, origin: 5, e: 0, w: 1}}
	if len(got) != len(want) {
		t.Fatalf("swapHistory = %v, want %v", got, want)
	}
	for i, g := range got {
		if g.target != want[i].target || g.origin != want[i].origin || math.Abs(g.e-want[i].e) > 1e-12 || math.Abs(g.w-want[i].w) > 1e-6 {
			t.Errorf("swapHistory = %v, want %v", got, want)
		}
	}
	// The 80% bounds at least floor80 = 0.75·z80/z95 = 0.490399 of the 95%
	// bounds' distance from the median: 95% at ±10 about 0 moves the 80%
	// ones from ±1 to ±4.903986; ±1.5 inside ±2 stay.
	q := floorBounds([4]float64{-10, -1, 1, 10}, 0)
	for k, w := range []float64{-10, -4.903986, 4.903986, 10} {
		if math.Abs(q[k]-w) > 1e-6 {
			t.Errorf("floorBounds = %v, want [-10 -4.903986 4.903986 10]", q)
		}
	}
	if q := floorBounds([4]float64{-2, -1.5, 1.5, 2}, 0); q != [4]float64{-2, -1.5, 1.5, 2} {
		t.Errorf("floorBounds = %v, want unchanged", q)
	}
}

func TestOverlapAndNeff(t *testing.T) {
	// ρ = 1 − lag/(j+1) at lags that are multiples of the gap, up to j:
	// Σρ² = 1 + 2·Σ_{lag>0} ρ².
	for _, tc := range []struct {
		gap, j int
		want   float64
	}{
		{1, 0, 1},                            // one-step errors: independent
		{1, 1, 1 + 2*0.25},                   // ρ(1) = 1/2
		{1, 2, 1 + 2*(4.0/9+1.0/9)},          // ρ = 2/3, 1/3
		{2, 3, 1 + 2*0.25},                   // lag 2 only: ρ = 1/2
		{3, 2, 1},                            // origins further apart than the horizon
		{1, 47, 1 + 47.0*95/(3*48)},          // Σ_{m=1}^{j} m²/(j+1)² = j(2j+1)/(6(j+1))
		{12, 47, 1 + 2*(0.5625+0.25+0.0625)}, // lags 12, 24, 36: ρ = 3/4, 1/2, 1/4
	} {
		if got := overlap(tc.gap, tc.j); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("overlap(%d, %d) = %v, want %v", tc.gap, tc.j, got, tc.want)
		}
	}
	// Origins 0, 1, 2, 10 with h = 4 (τ = halfLife·h = 16) at horizon
	// j = 1: gaps 1, 1, 8 and 1 (the last stands for itself), so
	// fractions f = 2/3, 2/3, 1, 2/3; recencies r = 2^(−age/16) for ages
	// 10, 9, 8, 0 = 0.648420, 0.677610, 0.707107, 1. Σf·r = 2.257472,
	// Σf·r² = 1.752633: neff = 2.257472²/1.752633 = 2.907727.
	c := &conformal{y: make([]float64, 100), r: &rolled{origins: []int{0, 1, 2, 10}}, h: 4}
	if got := c.neff(1, -1, -1); math.Abs(got-2.907727) > 1e-6 {
		t.Errorf("neff = %.6f, want 2.907727", got)
	}
	// Leaving out the targets of origins 0 and 1 (1 and 2 at j = 1):
	// f·r = 0.707107 and 2/3, f·r² = 0.5 and 2/3: neff = 1.373773²/1.166667
	// = 1.617646.
	if got := c.neff(1, 1, 3); math.Abs(got-1.617646) > 1e-6 {
		t.Errorf("neff without two origins = %.6f, want 1.617646", got)
	}
	// A long record leaves the quantiles nearly alone: ν = 10⁶.
	q := widen([5]float64{-2, -1, 1, 2, 0}, 1e6+1)
	for k, w := range []float64{-2, -1, 1, 2} {
		if math.Abs(q[k]-w) > 1e-5 {
			t.Errorf("widen with ν = 10⁶ = %v, want [-2 -1 1 2]", q)
		}
	}
}

// TestSelectionNeverWorseThanSeasonalNaive: whatever the series, the
// default selection's chosen forecast has a rolling-origin MASE no worse
// than the best seasonal-naive candidate's on the same origins.
func TestSelectionNeverWorseThanSeasonalNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 4))
	shapes := map[string]func(i int) float64{
		"random walk":       func(int) float64 { return rng.NormFloat64() },
		"trend and noise":   func(i int) float64 { return 0.05*float64(i) + rng.NormFloat64() },
		"daily cycle":       func(i int) float64 { return 10*math.Sin(2*math.Pi*float64(i%24)/24) + rng.NormFloat64() },
		"level shift":       func(i int) float64 { return map[bool]float64{true: 40}[i > 500] + rng.NormFloat64() },
		"spiky, heavy tail": func(int) float64 { return math.Exp(2 * rng.NormFloat64()) },
	}
	for name, f := range shapes {
		t.Run(name, func(t *testing.T) {
			s := Series{}
			level := 100.0
			for i := range 700 {
				v := f(i)
				if name == "random walk" {
					level += v
					v = level
				} else {
					v += 100
				}
				s.Times = append(s.Times, day0.Add(time.Duration(i)*time.Hour))
				s.Values = append(s.Values, v)
			}
			res, err := Fit(s, Options{Horizon: 48})
			if err != nil {
				t.Fatal(err)
			}
			chosen, bench := math.NaN(), math.Inf(1)
			for _, c := range res.Candidates {
				if c.MASE == nil {
					continue
				}
				if c.Model == res.Model {
					chosen = *c.MASE
				}
				if c.Method == SeasonalNaive {
					bench = min(bench, *c.MASE)
				}
			}
			if !(chosen <= bench) {
				t.Errorf("chose %s with backtest MASE %v, seasonal naive's best %v", res.Model, chosen, bench)
			}
		})
	}
}
