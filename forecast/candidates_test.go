package forecast

import (
	"math"
	"math/rand/v2"
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
	// forecast (≈ 50·exp(0.3·sin(…))) and its bounds are exp of log
	// bounds, so positive and wider above than below.
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
		if p.Lo95 <= 0 || p.Hi95-p.Value <= p.Value-p.Lo95 {
			t.Errorf("Forecast[%d] = %+v, want positive bounds, wider above (exp of symmetric log bounds)", j, p)
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
	// One horizon, errors 1..39 (N = 39): ranks ⌊40·0.025⌋ = 1,
	// ⌊40·0.10⌋ = 4, ⌈40·0.90⌉ = 36 and ⌈40·0.975⌉ = 39.
	c := &conformal{h: 1, errs: make([][]heldOut, 1)}
	for i := 39; i >= 1; i-- {
		c.errs[0] = append(c.errs[0], heldOut{target: 100 + i, e: float64(i), w: 1})
	}
	var buf []heldOut
	q, ok := c.bounds(0, -1, -1, &buf)
	if !ok || q != [4]float64{1, 4, 36, 39} {
		t.Errorf("bounds = %v, %v; want [1 4 36 39]", q, ok)
	}
	// Leaving out the targets 101..130 leaves 9 errors: too few.
	if _, ok := c.bounds(0, 101, 131, &buf); ok {
		t.Errorf("bounds with 9 errors ok, want not ok (minPooled %d)", minPooled)
	}
	// Additive errors around a forecast of 100: [101, 139] at 95%.
	mean := []float64{100}
	lo80, hi80, lo95, hi95 := []float64{0}, []float64{0}, []float64{0}, []float64{0}
	c.apply(-1, -1, mean, lo80, hi80, lo95, hi95)
	// Bounds never cross the forecast: lower ones are min(100+e, 100).
	if lo95[0] != 100 || lo80[0] != 100 || hi80[0] != 136 || hi95[0] != 139 {
		t.Errorf("apply = %v %v %v %v, want 100 100 136 139", lo95, lo80, hi80, hi95)
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
