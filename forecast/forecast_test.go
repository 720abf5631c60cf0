package forecast

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/capcheck/capcheck/internal/testkit"
)

var day0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// daily builds a daily series from values.
func daily(vs ...float64) Series {
	s := Series{Values: vs, Times: make([]time.Time, len(vs))}
	for i := range vs {
		s.Times[i] = day0.AddDate(0, 0, i)
	}
	return s
}

func TestMASE(t *testing.T) {
	tests := []struct {
		name                       string
		actual, forecast, insample []float64
		m                          int
		want                       float64
		wantErr                    bool
	}{
		// in-sample seasonal-naive errors (m=3): |1−1|, |2−2|, |4−3| → scale 1/3;
		// forecast errors |2−1|, |2−2|, |3−4| → mean 2/3; MASE = (2/3)/(1/3) = 2.
		{name: "seasonal m=3", actual: []float64{2, 2, 3}, forecast: []float64{1, 2, 4}, insample: []float64{1, 2, 3, 1, 2, 4}, m: 3, want: 2},
		// m=1: in-sample |2−1|+|4−2|+|7−4| = 6 over 3 → 2; errors 1 and 3 → mean 2; MASE 1.
		{name: "naive m=1", actual: []float64{8, 10}, forecast: []float64{7, 7}, insample: []float64{1, 2, 4, 7}, m: 1, want: 1},
		{name: "zero scale", actual: []float64{1}, forecast: []float64{1}, insample: []float64{5, 5, 5}, m: 1, wantErr: true},
		{name: "insample too short", actual: []float64{1}, forecast: []float64{1}, insample: []float64{5, 6}, m: 2, wantErr: true},
		{name: "length mismatch", actual: []float64{1, 2}, forecast: []float64{1}, insample: []float64{1, 2, 3}, m: 1, wantErr: true},
		{name: "period zero", actual: []float64{1}, forecast: []float64{1}, insample: []float64{1, 2, 3}, m: 0, wantErr: true},
		{name: "NaN forecast", actual: []float64{1}, forecast: []float64{math.NaN()}, insample: []float64{1, 2, 3}, m: 1, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := MASE(tc.actual, tc.forecast, tc.insample, tc.m)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("MASE = %v, want error", got)
				}
				return
			}
			if err != nil || !testkit.Within(got, tc.want, 1e-12) {
				t.Errorf("MASE = %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

func TestSMAPE(t *testing.T) {
	// 200·10/210 = 9.523809…, both zero → 0, 200·10/90 = 22.222…; mean over 3 = 10.582010…
	got, err := SMAPE([]float64{100, 0, 50}, []float64{110, 0, 40})
	if want := (200.0*10/210 + 200.0*10/90) / 3; err != nil || !testkit.Within(got, want, 1e-12) {
		t.Errorf("SMAPE = %v, %v; want %v", got, err, want)
	}
	if _, err := SMAPE(nil, nil); !errors.Is(err, ErrEmpty) {
		t.Errorf("SMAPE(nil) error = %v, want ErrEmpty", err)
	}
}

func TestLinearTrendExact(t *testing.T) {
	// y = 10 + 2t, t = 0..29: OLS recovers intercept 10 and slope 2 exactly.
	vs := make([]float64, 30)
	for i := range vs {
		vs[i] = 10 + 2*float64(i)
	}
	res, err := Fit(daily(vs...), Options{Horizon: 3, Methods: []string{Linear}})
	if err != nil {
		t.Fatal(err)
	}
	if !testkit.Within(res.Params["slope"], 2, 1e-12) || !testkit.Within(res.Params["intercept"], 10, 1e-10) {
		t.Errorf("params = %v, want slope 2 intercept 10", res.Params)
	}
	// Growth: slope·S / last level = 2·30.436875 / (10 + 2·29) = 60.87375/68.
	if want := 2 * 30.436875 / 68; !testkit.Within(res.MonthlyGrowth, want, 1e-9) {
		t.Errorf("MonthlyGrowth = %v, want %v", res.MonthlyGrowth, want)
	}
	for j, want := range []float64{70, 72, 74} {
		p := res.Forecast[j]
		if !testkit.Within(p.Value, want, 1e-9) || !testkit.Within(p.Lo95, want, 1e-6) || !testkit.Within(p.Hi95, want, 1e-6) {
			t.Errorf("Forecast[%d] = %+v, want %v with degenerate interval", j, p, want)
		}
		if wantT := day0.AddDate(0, 0, 30+j); !p.Time.Equal(wantT) {
			t.Errorf("Forecast[%d].Time = %v, want %v", j, p.Time, wantT)
		}
	}
}

func TestConstantSeries(t *testing.T) {
	vs := make([]float64, 40)
	for i := range vs {
		vs[i] = 5
	}
	res, err := Fit(daily(vs...), Options{Horizon: 4})
	if err != nil {
		t.Fatal(err)
	}
	if res.MonthlyGrowth != 0 {
		t.Errorf("MonthlyGrowth = %v, want 0 (%s)", res.MonthlyGrowth, res.Model)
	}
	for j, p := range res.Forecast {
		if !testkit.Within(p.Value, 5, 1e-9) || !testkit.Within(p.Lo95, 5, 1e-9) || !testkit.Within(p.Hi95, 5, 1e-9) {
			t.Errorf("Forecast[%d] = %+v, want 5 with a degenerate interval", j, p)
		}
	}
	// The MASE scale of a constant series is zero, so there is no backtest.
	if res.Backtest != nil {
		t.Errorf("Backtest = %+v, want nil (MASE undefined)", res.Backtest)
	}
}

func TestMonthlyGrowthRecovered(t *testing.T) {
	// Daily series growing 5%/month compound with 1% multiplicative noise
	// and a weekly pattern; the fitted growth should be 0.05 ± 0.01.
	rng := rand.New(rand.NewPCG(7, 7))
	const spm = 30.436875
	vs := make([]float64, 730)
	for i := range vs {
		week := 1 + 0.1*math.Sin(2*math.Pi*float64(i%7)/7)
		vs[i] = 100 * math.Pow(1.05, float64(i)/spm) * week * (1 + 0.01*rng.NormFloat64())
	}
	res, err := Fit(daily(vs...), Options{Horizon: 30})
	if err != nil {
		t.Fatal(err)
	}
	if !testkit.Within(res.MonthlyGrowth, 0.05, 0.01) {
		t.Errorf("MonthlyGrowth = %.4f (%s), want 0.05 ± 0.01", res.MonthlyGrowth, res.Model)
	}
	ll, err := Fit(daily(vs...), Options{Horizon: 30, Methods: []string{LogLinear}})
	if err != nil {
		t.Fatal(err)
	}
	if !testkit.Within(ll.MonthlyGrowth, 0.05, 0.005) {
		t.Errorf("log-linear MonthlyGrowth = %.4f, want 0.05 ± 0.005", ll.MonthlyGrowth)
	}
}

func TestCoverageOnNoise(t *testing.T) {
	// White noise around 100 (σ = 5): over 20 origins × 10 steps the
	// intervals should cover about 80% and 95% of held-out points.
	rng := rand.New(rand.NewPCG(3, 9))
	vs := make([]float64, 2000)
	for i := range vs {
		vs[i] = 100 + 5*rng.NormFloat64()
	}
	acc, err := Backtest(daily(vs...), Options{Horizon: 10, Origins: 20, Seasonality: []int{7}})
	if err != nil {
		t.Fatal(err)
	}
	if acc.Origins != 20 || acc.Points != 200 {
		t.Errorf("origins %d points %d, want 20 and 200", acc.Origins, acc.Points)
	}
	if !testkit.Within(acc.Coverage80, 0.80, 0.07) || !testkit.Within(acc.Coverage95, 0.95, 0.05) {
		t.Errorf("coverage 80%% %.3f, 95%% %.3f; want ≈ nominal", acc.Coverage80, acc.Coverage95)
	}
}

func TestSeasonalNaiveForecast(t *testing.T) {
	// Period 3, data 1 2 3 1 2 4: forecast repeats the last cycle 1 2 4.
	res, err := Fit(daily(1, 2, 3, 1, 2, 4), Options{Horizon: 4, Methods: []string{SeasonalNaive}, Seasonality: []int{3}})
	if err == nil {
		t.Fatalf("Fit = %v, want too-short error: period 3 needs 2·3+4 = 10 points", res.Model)
	}
	vs := []float64{1, 2, 3, 1, 2, 4, 1, 2, 3, 1, 2, 4}
	res, err = Fit(daily(vs...), Options{Horizon: 4, Methods: []string{SeasonalNaive}, Seasonality: []int{3}})
	if err != nil {
		t.Fatal(err)
	}
	// Residuals y(t)−y(t−3), t=3..11: 0 0 1 0 0 −1 0 0 1 → σ² = 3/9.
	sigma := math.Sqrt(3.0 / 9)
	for j, want := range []float64{1, 2, 4, 1} {
		p := res.Forecast[j]
		k := float64(j/3 + 1) // variance multiplier ⌊(h−1)/m⌋+1
		if p.Value != want || !testkit.Within(p.Hi80-p.Value, z80*sigma*math.Sqrt(k), 1e-12) {
			t.Errorf("Forecast[%d] = %+v, want %v ± %v", j, p, want, z80*sigma*math.Sqrt(k))
		}
	}
	if res.Period != 3 || res.Model != "seasonal naive m=3" {
		t.Errorf("Period %d Model %q, want 3 and seasonal naive m=3", res.Period, res.Model)
	}
}

func TestGapsAndGrid(t *testing.T) {
	// Day 3 missing out of 21: filled by interpolation (1 of 21 < 10%).
	s := daily(make([]float64, 22)...)
	for i := range s.Values {
		s.Values[i] = float64(i)
	}
	s.Times = append(s.Times[:3:3], s.Times[4:]...)
	s.Values = append(s.Values[:3:3], s.Values[4:]...)
	res, err := Fit(s, Options{Horizon: 1, Methods: []string{Linear}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Filled != 1 || res.Step != 24*time.Hour || !testkit.Within(res.Params["slope"], 1, 1e-12) {
		t.Errorf("Filled %d Step %v slope %v; want 1, 24h, 1", res.Filled, res.Step, res.Params["slope"])
	}

	// Monthly calendar grid: forecasts land on the first of each month.
	var m Series
	for i := range 30 {
		m.Times = append(m.Times, time.Date(2020, time.January+time.Month(i), 1, 0, 0, 0, 0, time.UTC))
		m.Values = append(m.Values, 100+float64(i))
	}
	res, err = Fit(m, Options{Horizon: 2, Methods: []string{Linear}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Months != 1 || !res.Forecast[1].Time.Equal(time.Date(2022, time.August, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("Months %d, Forecast[1].Time %v; want 1 and 2022-08-01", res.Months, res.Forecast[1].Time)
	}
	// Slope 1 per month over last level 129 → growth 1/129.
	if !testkit.Within(res.MonthlyGrowth, 1.0/129, 1e-12) {
		t.Errorf("MonthlyGrowth = %v, want 1/129", res.MonthlyGrowth)
	}
}

func TestPeaks(t *testing.T) {
	h := func(d, hh, mm int) time.Time { return time.Date(2026, 3, d, hh, mm, 0, 0, time.UTC) }
	s := Series{
		Times:  []time.Time{h(1, 0, 5), h(1, 0, 40), h(1, 1, 10), h(2, 23, 59)},
		Values: []float64{3, 7, 2, 4},
	}
	got, err := PeaksBy(s, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Values) != 3 || got.Values[0] != 7 || got.Values[1] != 2 || !got.Times[2].Equal(h(2, 23, 0)) {
		t.Errorf("PeaksBy = %v %v, want [7 2 4] at 00:00, 01:00, 23:00", got.Times, got.Values)
	}
	d, err := DailyPeaks(s)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Values) != 2 || d.Values[0] != 7 || d.Values[1] != 4 || !d.Times[1].Equal(h(2, 0, 0)) {
		t.Errorf("DailyPeaks = %v %v, want [7 4]", d.Times, d.Values)
	}
	if _, err := PeaksBy(s, 0); !errors.Is(err, ErrOptions) {
		t.Errorf("PeaksBy(0) error = %v, want ErrOptions", err)
	}
}

func TestNegativeValuesSkipMultiplicative(t *testing.T) {
	vs := make([]float64, 60)
	for i := range vs {
		vs[i] = float64(i%7) - 3 + 0.1*float64(i)
	}
	res, err := Fit(daily(vs...), Options{Horizon: 7})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Candidates {
		if c.Method == LogLinear || c.Method == ETSMultiplicative {
			t.Errorf("candidate %s offered for data with negatives", c.Model)
		}
	}
	if _, err := Fit(daily(vs...), Options{Methods: []string{ETSMultiplicative, LogLinear}}); !errors.Is(err, ErrNoMethod) {
		t.Errorf("Fit(multiplicative only, negatives) error = %v, want ErrNoMethod", err)
	}
}

func TestBadInput(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name    string
		s       Series
		opts    Options
		want    error
		wantMsg string
	}{
		{name: "empty", s: Series{}, want: ErrEmpty},
		{name: "one point", s: daily(1), want: ErrTooShort, wantMsg: "need at least 2"},
		{name: "three points", s: daily(1, 2, 3), want: ErrTooShort, wantMsg: "have 3 points, need at least 5"},
		{name: "all NaN", s: daily(nan, nan, nan), want: ErrNotFinite, wantMsg: "point 0"},
		{name: "Inf", s: daily(1, 2, math.Inf(1), 4, 5, 6), want: ErrNotFinite, wantMsg: "point 2"},
		{name: "length mismatch", s: Series{Times: daily(1, 2).Times, Values: []float64{1}}, want: ErrLength},
		{name: "unsorted", s: Series{Times: []time.Time{day0.AddDate(0, 0, 1), day0}, Values: []float64{1, 2}}, want: ErrUnsorted, wantMsg: "point 1"},
		{name: "duplicate time", s: Series{Times: []time.Time{day0, day0}, Values: []float64{1, 2}}, want: ErrUnsorted},
		{name: "irregular", s: Series{Times: []time.Time{day0, day0.Add(time.Hour), day0.Add(2 * time.Hour), day0.Add(150 * time.Minute)}, Values: []float64{1, 2, 3, 4}}, want: ErrIrregular, wantMsg: "point 3"},
		{name: "gappy", s: Series{Times: []time.Time{day0, day0.AddDate(0, 0, 1), day0.AddDate(0, 0, 2), day0.AddDate(0, 0, 9)}, Values: []float64{1, 2, 3, 4}}, want: ErrGaps, wantMsg: "6 of 10 grid points missing"},
		{name: "negative horizon", s: daily(1, 2, 3, 4, 5, 6), opts: Options{Horizon: -1}, want: ErrOptions},
		{name: "unknown method", s: daily(1, 2, 3, 4, 5, 6), opts: Options{Methods: []string{"arima"}}, want: ErrOptions, wantMsg: `"arima"`},
		{name: "bad selection", s: daily(1, 2, 3, 4, 5, 6), opts: Options{Selection: "best"}, want: ErrOptions},
		{name: "period one", s: daily(1, 2, 3, 4, 5, 6), opts: Options{Seasonality: []int{1}}, want: ErrOptions},
		{name: "max missing one", s: daily(1, 2, 3, 4, 5, 6), opts: Options{MaxMissing: 1}, want: ErrOptions},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Fit(tc.s, tc.opts)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Fit = %v, %v; want %v", res, err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("error %q does not mention %q", err, tc.wantMsg)
			}
		})
	}
}

func TestSelection(t *testing.T) {
	// Strongly weekly data with a little noise: AICc must prefer a seasonal
	// model over the trend lines, and Candidates record every model.
	rng := rand.New(rand.NewPCG(1, 2))
	vs := make([]float64, 200)
	for i := range vs {
		vs[i] = 50 + 20*float64(i%7) + rng.NormFloat64()
	}
	res, err := Fit(daily(vs...), Options{Horizon: 7, Selection: SelectAICc})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.Model, "m=7") || !strings.HasPrefix(res.Reason, "lowest AICc") {
		t.Errorf("chose %s (%s), want a period-7 ETS by AICc", res.Model, res.Reason)
	}
	// linear, loglinear, 3 trends × (none, 7) additive, 3 multiplicative,
	// 2 trends × (none, 7) on logs, theta and theta m=7, seasonal naive
	// m=7 and naive.
	if got := len(res.Candidates); got != 19 {
		t.Errorf("%d candidates, want 19", got)
	}
	bt, err := Fit(daily(vs...), Options{Horizon: 7})
	if err != nil {
		t.Fatal(err)
	}
	if bt.Backtest == nil || !strings.HasPrefix(bt.Reason, "lowest rolling-origin MASE") || bt.Backtest.MASE >= 1 {
		t.Errorf("backtest selection: %s, %s, %+v; want MASE < 1", bt.Model, bt.Reason, bt.Backtest)
	}
}

// hourlyYear is a seeded hourly year with trend, daily and weekly seasons.
func hourlyYear() Series {
	rng := rand.New(rand.NewPCG(42, 42))
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	s := Series{Times: make([]time.Time, 8760), Values: make([]float64, 8760)}
	for i := range s.Values {
		hr, dow := float64(i%24), float64((i/24)%7)
		s.Times[i] = start.Add(time.Duration(i) * time.Hour)
		s.Values[i] = (1000 + 0.05*float64(i)) *
			(1 + 0.3*math.Sin(2*math.Pi*hr/24)) * (1 + 0.1*math.Cos(2*math.Pi*dow/7)) *
			(1 + 0.03*rng.NormFloat64())
	}
	return s
}

func TestHourlyYear(t *testing.T) {
	res, err := Fit(hourlyYear(), Options{Horizon: 336})
	if err != nil {
		t.Fatal(err)
	}
	if res.Period != 168 || res.Backtest == nil || res.Backtest.MASE >= 1 {
		t.Errorf("period %d backtest %+v (%s); want 168 and MASE < 1", res.Period, res.Backtest, res.Model)
	}
	// Trend 0.05/h at level 1000 + 0.05·8760 = 1438 at the end:
	// 0.05·730.5/1438 = 0.0254/month. With 3% noise the fitted trend may
	// stray by 0.002 (8%), no more: 0.015 or 0.035 would be a wrong trend.
	if !testkit.Within(res.MonthlyGrowth, 0.0254, 0.002) {
		t.Errorf("MonthlyGrowth = %.4f (%s), want 0.0254 ± 0.002", res.MonthlyGrowth, res.Model)
	}
}

func BenchmarkFitHourlyYear(b *testing.B) {
	s := hourlyYear()
	b.ResetTimer()
	for b.Loop() {
		if _, err := Fit(s, Options{Horizon: 336}); err != nil {
			b.Fatal(err)
		}
	}
}

// maxFitPoints bounds the series FuzzFit fits. The fuzzing engine
// minimizes each input that reaches new code before it counts the
// executions that took, trying every run of bytes removed: at 1-3 ms a fit,
// a series of a few hundred points kept it minimizing for a minute while
// reporting "0/sec". 32 daily points hold two weekly seasons; long series
// are the subject of the benchmarks.
const maxFitPoints = 32

// FuzzFit fits series built from arbitrary bytes (values), a gap pattern
// (every gap+2 points skip gap%3 days) and a horizon: a fit must not
// panic, and a forecast must have no NaN and ordered intervals.
func FuzzFit(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, uint8(0), uint8(3))
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, uint8(1), uint8(1))
	f.Add([]byte{255, 0, 255, 0, 255, 0, 255, 0, 255, 0, 255, 0, 255, 0, 255, 0, 255}, uint8(2), uint8(7))
	f.Fuzz(func(t *testing.T, data []byte, gap, h uint8) {
		if len(data) > maxFitPoints {
			return
		}
		var s Series
		ts := day0
		for i, c := range data {
			ts = ts.Add(24 * time.Hour)
			// int before adding: gap+2 wraps to 0 in uint8 for gap 254
			// (testdata/fuzz/FuzzFit/gap-overflow).
			if gap > 0 && i%(int(gap)+2) == 0 {
				ts = ts.Add(24 * time.Hour * time.Duration(gap%3))
			}
			s.Times = append(s.Times, ts)
			s.Values = append(s.Values, float64(int(c)-64)*1.5)
		}
		res, err := Fit(s, Options{Horizon: int(h % 40)})
		if err != nil {
			return
		}
		for _, p := range res.Forecast {
			if math.IsNaN(p.Value) || p.Lo95 > p.Hi95+1e-9 {
				t.Fatalf("bad point %+v from %s", p, res.Model)
			}
		}
	})
}
