package forecast_test

import (
	"fmt"
	"time"

	"github.com/capcheck/capcheck/forecast"
)

// A daily series growing by 2 a day from 100: the linear trend recovers the
// slope, and the monthly growth is slope × 30.44 days over the last level.
func ExampleFit() {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var s forecast.Series
	for i := range 60 {
		s.Times = append(s.Times, start.AddDate(0, 0, i))
		s.Values = append(s.Values, 100+2*float64(i))
	}
	res, err := forecast.Fit(s, forecast.Options{Horizon: 2, Methods: []string{forecast.Linear}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s: slope %.1f/day, growth %.1f%%/month\n", res.Model, res.Params["slope"], 100*res.MonthlyGrowth)
	for _, p := range res.Forecast {
		fmt.Printf("%s %.0f [%.0f, %.0f]\n", p.Time.Format(time.DateOnly), p.Value, p.Lo95, p.Hi95)
	}
	// Output:
	// linear trend: slope 2.0/day, growth 27.9%/month
	// 2026-03-02 220 [220, 220]
	// 2026-03-03 222 [222, 222]
}

// Raw samples are aggregated to peaks before fitting: capacity follows
// peaks, not means.
func ExampleDailyPeaks() {
	t0 := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	raw := forecast.Series{
		Times:  []time.Time{t0, t0.Add(3 * time.Hour), t0.Add(24 * time.Hour), t0.Add(30 * time.Hour)},
		Values: []float64{40, 75, 60, 55},
	}
	peaks, err := forecast.DailyPeaks(raw)
	if err != nil {
		fmt.Println(err)
		return
	}
	for i := range peaks.Values {
		fmt.Println(peaks.Times[i].Format(time.DateOnly), peaks.Values[i])
	}
	// Output:
	// 2026-05-01 75
	// 2026-05-02 60
}

// MASE scales the forecast error by the in-sample error of the seasonal-naive
// method; sMAPE is the M4 symmetric percentage error.
func ExampleMASE() {
	insample := []float64{1, 2, 3, 1, 2, 4}
	mase, _ := forecast.MASE([]float64{2, 2, 3}, []float64{1, 2, 4}, insample, 3)
	smape, _ := forecast.SMAPE([]float64{100}, []float64{110})
	fmt.Printf("MASE %.2f sMAPE %.2f%%\n", mase, smape)
	// Output: MASE 2.00 sMAPE 9.52%
}

// Fit rejects data it cannot use with a clear error instead of a guess.
func ExampleFit_errors() {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := forecast.Series{
		Times:  []time.Time{start, start.AddDate(0, 0, 1), start.AddDate(0, 0, 2)},
		Values: []float64{3, 4, 5},
	}
	_, err := forecast.Fit(s, forecast.Options{})
	fmt.Println(err)
	// Output: series too short: have 3 points, need at least 5
}
