package forecast

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/capcheck/capcheck/internal/testkit"
)

func TestFourierRow(t *testing.T) {
	// t = 0: every sin is 0 and every cos 1.
	// t = 1, p = 365.25: x = 2π/365.25 = 0.0172024238; sin x = x − x³/6 +
	// … = 0.0172024238 − 0.0000008484 = 0.0172015754, cos x = 1 − x²/2 +
	// x⁴/24 = 1 − 0.0001479617 + 0.0000000036 = 0.9998520420; for k = 2,
	// 2x = 0.0344048477, sin = 0.0344048477 − 0.0000067876 + 0.0000000004
	// = 0.0343980606 (to 10 places), cos = 1 − 0.0005918468 + 0.0000000584 =
	// 0.9994082116.
	out := make([]float64, 4)
	fourierRow(0, daysPerYear, out)
	if !slices.Equal(out, []float64{0, 1, 0, 1}) {
		t.Errorf("fourierRow(0) = %v, want [0 1 0 1]", out)
	}
	fourierRow(1, daysPerYear, out)
	for i, want := range []float64{0.0172015754, 0.9998520420, 0.0343980606, 0.9994082116} {
		if !testkit.Within(out[i], want, 1e-10) {
			t.Errorf("fourierRow(1)[%d] = %.10f, want %.10f", i, out[i], want)
		}
	}
}

// yearAndWeek is days of 100 + 10·sin(2πt/365.25) + 5·cos(4πt/365.25)
// plus a weekly pattern summing to 0.
func yearAndWeek(days int) Series {
	week := []float64{3, 1, 0, -1, -2, -4, 3}
	vs := make([]float64, days)
	for i := range vs {
		x := 2 * math.Pi * float64(i) / daysPerYear
		vs[i] = 100 + 10*math.Sin(x) + 5*math.Cos(2*x) + week[i%7]
	}
	return daily(vs...)
}

func TestYearlyFourierRecovered(t *testing.T) {
	// Three years of the cycle above: y less its 365-day centred average
	// is the cycle and the week (up to that average's own leak, about
	// 0.03: 365 days hold 52 weeks and a day, and a quarter day less than
	// the year), so the regression finds β = (10, 0) for k = 1 and (0, 5)
	// for k = 2 to within 0.02 (measured: 9.9935, −0.0109, −0.0007,
	// 5.0143), and no other pair. The weekly pattern is nearly orthogonal to the pairs (its
	// period, 7, is no multiple of 365.25/k for k ≤ 10).
	y := yearAndWeek(3 * 365).Values
	beta, err := yearlyFourier(y, daysPerYear)
	if err != nil {
		t.Fatal(err)
	}
	if len(beta) < 4 {
		t.Fatalf("beta = %v, want at least 2 pairs", beta)
	}
	if len(beta) != 4 {
		t.Errorf("%d coefficients, want 4 (K = 2 pairs by AICc): %v", len(beta), beta)
	}
	for i, want := range []float64{10, 0, 0, 5} {
		if math.Abs(beta[i]-want) > 0.02 {
			t.Errorf("beta[%d] = %.4f, want %v ± 0.02 (%v)", i, beta[i], want, beta)
		}
	}
}

func TestHarmonicForecast(t *testing.T) {
	// The ETS on y less the fitted cycle sees 100 plus the week; its
	// forecast plus the cycle continues both: the truth to within 0.02
	// over 28 days (measured 0.008, beside a 10-point yearly swing and a
	// 7-point week), where ETS(A,N,A) m=7 alone, which cannot see the
	// year, is off by more than 1 (measured 2.77).
	s := yearAndWeek(3 * 365)
	truth := yearAndWeek(3*365 + 28).Values[3*365:]
	res, err := Fit(s, Options{Horizon: 28, Methods: []string{Harmonic}, Selection: SelectAICc})
	if err != nil {
		t.Fatal(err)
	}
	if res.Model != "ETS(A,N,A) m=7 + Fourier m=365.25" && res.Model != "ETS(A,Ad,A) m=7 + Fourier m=365.25" &&
		res.Model != "log ETS(A,N,A) m=7 + Fourier m=365.25" && res.Model != "log ETS(A,Ad,A) m=7 + Fourier m=365.25" {
		t.Errorf("model %q, want an ETS with the week + Fourier m=365.25", res.Model)
	}
	if res.Params["harmonics"] != 2 || res.Params["year"] != daysPerYear {
		t.Errorf("harmonics %v year %v, want 2 and 365.25", res.Params["harmonics"], res.Params["year"])
	}
	for j, p := range res.Forecast {
		if math.Abs(p.Value-truth[j]) > 0.02 {
			t.Errorf("Forecast[%d] = %.3f, want %.3f ± 0.02", j, p.Value, truth[j])
		}
	}
	alone, err := Fit(s, Options{Horizon: 28, Methods: []string{ETSAdditive}, Selection: SelectAICc})
	if err != nil {
		t.Fatal(err)
	}
	var worst float64
	for j, p := range alone.Forecast {
		worst = max(worst, math.Abs(p.Value-truth[j]))
	}
	if worst < 1 {
		t.Errorf("%s alone is off by at most %.3f: the test series does not need the yearly cycle", alone.Model, worst)
	}
}

func TestHarmonicOfferedWhereItApplies(t *testing.T) {
	count := func(s Series, opts Options) int {
		p, err := newPlan(s, opts)
		if err != nil {
			t.Fatal(err)
		}
		k := 0
		for _, sp := range p.specs {
			if sp.method == Harmonic {
				k++
			}
		}
		return k
	}
	// minLen = ⌈2·365.25⌉ + 4 = 735 days: none at 734, four at 735
	// (none and damped trend, on values and logs of this positive series).
	if k := count(yearAndWeek(734), Options{}); k != 0 {
		t.Errorf("734 days: %d harmonic candidates, want 0", k)
	}
	if k := count(yearAndWeek(735), Options{}); k != 4 {
		t.Errorf("735 days: %d harmonic candidates, want 4", k)
	}
	// A series that is not all positive gets no log variants.
	neg := yearAndWeek(800)
	neg.Values[3] = -1
	if k := count(neg, Options{}); k != 2 {
		t.Errorf("800 days with a negative value: %d harmonic candidates, want 2", k)
	}
	// Without the yearly period (asked only for the week) there is none.
	if k := count(yearAndWeek(800), Options{Seasonality: []int{7}}); k != 0 {
		t.Errorf("Seasonality [7]: %d harmonic candidates, want 0", k)
	}
	// Hourly data have none.
	if k := count(hourlyWeeks(840), Options{}); k != 0 {
		t.Errorf("hourly: %d harmonic candidates, want 0", k)
	}
	// Weekly data (three years) have none unless the hook asks: then the
	// same four, at 365.25/7 = 52.18 weeks with no season in the ETS.
	wk := Series{Values: make([]float64, 156), Times: make([]time.Time, 156)}
	for i := range wk.Values {
		wk.Times[i] = day0.AddDate(0, 0, 7*i)
		wk.Values[i] = 50 + 5*math.Sin(2*math.Pi*float64(i)/52.18)
	}
	if k := count(wk, Options{}); k != 0 {
		t.Errorf("weekly: %d harmonic candidates, want 0", k)
	}
	if k := count(wk, Options{harmonicWeekly: true}); k != 4 {
		t.Errorf("weekly with harmonicWeekly: %d harmonic candidates, want 4", k)
	}
}

func TestHarmonicRoll(t *testing.T) {
	// The rolled forecasts the backtest scores add the cycle back too:
	// from the end of the data they are the projection itself, and from
	// 28 days before it they follow the data to within 0.02 (a wrong
	// phase or a missing cycle would be off by up to 15).
	y := yearAndWeek(3 * 365).Values
	n := len(y)
	m, err := fitSpec(spec{method: Harmonic, period: 7, year: daysPerYear}, y, 30, 1)
	if err != nil {
		t.Fatal(err)
	}
	rows := m.roll(y, []int{n - 28, n}, 28)
	mean, _, _, _, _ := m.project(28)
	for j := range 28 {
		if !testkit.Within(rows[1][j], mean[j], 1e-9) {
			t.Errorf("roll from the end [%d] = %v, project %v", j, rows[1][j], mean[j])
		}
		if math.Abs(rows[0][j]-y[n-28+j]) > 0.02 {
			t.Errorf("roll from %d [%d] = %.3f, data %.3f", n-28, j, rows[0][j], y[n-28+j])
		}
	}
}
