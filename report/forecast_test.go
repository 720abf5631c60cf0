package report

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/capcheck/capcheck/forecast"
	"github.com/google/go-cmp/cmp"
)

func TestFig(t *testing.T) {
	tests := []struct {
		name string
		f    float64
		dec  int
		want string
	}{
		{name: "thousands", f: 27152.6, dec: 0, want: "27,153"},
		{name: "millions", f: 1234567, dec: 0, want: "1,234,567"},
		{name: "three digits no separator", f: 463.2, dec: 0, want: "463"},
		{name: "decimals kept", f: 93.934, dec: 2, want: "93.93"},
		{name: "negative with separator", f: -61234.4, dec: 0, want: "-61,234"},
		{name: "negative zero", f: -0.0001, dec: 2, want: "0.00"},
		{name: "not a number", f: math.NaN(), dec: 2, want: "?"},
		{name: "infinite", f: math.Inf(1), dec: 2, want: "?"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := fig(tc.f, tc.dec); got != tc.want {
				t.Errorf("fig(%v, %d) = %q, want %q", tc.f, tc.dec, got, tc.want)
			}
		})
	}
}

func TestDecimals(t *testing.T) {
	tests := []struct {
		name string
		top  float64 // largest figure in the table
		want int
	}{
		{name: "hundreds: 131.2", top: 131.2, want: 1},        // 3 − floor(log10 131.2) = 3 − 2
		{name: "tens: 47.09", top: 47.09, want: 2},            // 3 − 1
		{name: "below one: 0.7512", top: 0.7512, want: 4},     // 3 − (−1)
		{name: "thousands: no decimals", top: 55287, want: 0}, // 3 − 4 < 0
		{name: "tiny: at most six", top: 1e-9, want: 6},
		{name: "all zero", top: 0, want: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pts := []forecast.Point{{Value: tc.top / 2, Lo80: 0, Hi80: tc.top, Lo95: -tc.top / 4, Hi95: math.NaN()}}
			if got := decimals(pts); got != tc.want {
				t.Errorf("decimals(top %v) = %d, want %d", tc.top, got, tc.want)
			}
		})
	}
}

func TestStepString(t *testing.T) {
	tests := []struct {
		r    forecast.Result
		want string
	}{
		{forecast.Result{Months: 1}, "1 month"},
		{forecast.Result{Months: 3}, "3 months"},
		{forecast.Result{Step: 24 * time.Hour}, "1 day"},
		{forecast.Result{Step: 7 * 24 * time.Hour}, "7 days"},
		{forecast.Result{Step: time.Hour}, "1 hour"},
		{forecast.Result{Step: 6 * time.Hour}, "6 hours"},
		{forecast.Result{Step: 5 * time.Minute}, "5 minutes"},
		{forecast.Result{Step: 90 * time.Minute}, "90 minutes"},
		{forecast.Result{Step: 1500 * time.Millisecond}, "1.5s"},
	}
	for _, tc := range tests {
		if got := stepString(&tc.r); got != tc.want {
			t.Errorf("stepString(%v, %d months) = %q, want %q", tc.r.Step, tc.r.Months, got, tc.want)
		}
	}
}

func TestForecastText(t *testing.T) {
	aicc := 101.234
	day0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	base := forecast.Result{
		Method: "ets-additive", Model: "ETS(A,N,N)", Reason: "lowest AICc",
		Params: map[string]float64{"alpha": 0.2, "level": 1500},
		Step:   24 * time.Hour,
		Forecast: []forecast.Point{
			// Largest figure 2,100 → no decimals, thousands separated.
			{Time: day0, Value: 1500.4, Lo80: 1200, Hi80: 1800, Lo95: 1000, Hi95: 2100},
		},
		Candidates: []forecast.Candidate{
			{Method: "linear", Model: "linear trend", Err: "too short"},
			{Method: "ets-additive", Model: "ETS(A,N,N)", AICc: &aicc},
			{Method: "seasonal-naive", Model: "seasonal naive m=7"},
		},
	}
	withTrend := base
	withTrend.Method, withTrend.Model = "linear", "linear trend"
	withTrend.MonthlyGrowth = 0.0412
	withTrend.Backtest = &forecast.Accuracy{MASE: 0.8123, SMAPE: 7.456, Coverage80: 0.8095, Coverage95: 0.9524, Origins: 3, Points: 21}
	withTrend.Candidates = []forecast.Candidate{{Method: "linear", Model: "linear trend", AICc: &aicc}}

	tests := []struct {
		name string
		r    forecast.Result
		want string
	}{
		{
			name: "no trend term, no backtest",
			r:    base,
			want: `series:   demand.csv (60 points, step 1 day, peaks: daily)
model:    ETS(A,N,N) — lowest AICc
growth:   none fitted (ETS(A,N,N) has no trend term)
backtest: none (the series is too short for a rolling-origin backtest, or too flat to score)

        TIME  FORECAST  80% LOW  80% HIGH  95% LOW  95% HIGH
  2026-11-01     1,500    1,200     1,800    1,000     2,100

candidates:
  linear                 skipped: too short
  ets-additive           ETS(A,N,N), AICc 101.23  ← chosen
  seasonal-naive         seasonal naive m=7
`,
		},
		{
			name: "trend and backtest",
			r:    withTrend,
			// coverage 0.8095 → 81%, 0.9524 → 95%.
			want: `series:   demand.csv (60 points, step 1 day, peaks: daily)
model:    linear trend — lowest AICc
growth:   +4.12%/month (fitted trend)
backtest: MASE 0.812 (below 1 beats seasonal naive), sMAPE 7.46%, over 3 origins and 21 held-out points
coverage: the 80% interval held 81% of them, the 95% interval 95%
`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			in := ForecastInput{Name: "demand.csv", Aggregation: "daily", Points: 60, Result: &tc.r}
			if err := Forecast(&b, "text", in); err != nil {
				t.Fatal(err)
			}
			got := b.String()
			if tc.name == "trend and backtest" {
				got = got[:strings.Index(got, "\n\n")+1] // the header lines
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Forecast text (-want +got):\n%s", diff)
			}
		})
	}
}

func TestForecastJSONStep(t *testing.T) {
	r := forecast.Result{Method: "linear", Model: "linear trend", Step: time.Hour, MonthlyGrowth: math.NaN()}
	var b bytes.Buffer
	if err := Forecast(&b, "json", ForecastInput{Name: "s", Aggregation: "none", Points: 48, Result: &r}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"step": "1 hour"`, `"monthly_growth": null`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("forecast JSON lacks %s:\n%s", want, b.String())
		}
	}
}
