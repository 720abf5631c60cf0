package forecast

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

// TestFitNeverReturnsNonFinite: values near float64's limit used to give a
// Result with a NaN sMAPE (`capcheck forecast` printed "MASE 0.000 …
// sMAPE NaN%" and exited 0, and its JSON failed to encode). A figure that
// overflows is an ErrOverflow naming the model and the figure instead
// (issue 10, item 6). The readers keep such values out (internal/figure);
// this is the guard behind them.
func TestFitNeverReturnsNonFinite(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		vals func(i int) float64
		opts Options
		want string // in the error
	}{
		{
			name: "values near MaxFloat64",
			vals: func(i int) float64 { return []float64{9e307, 1e308}[i%2] },
			opts: Options{Horizon: 3},
			want: "figures overflow: log-linear trend: backtest sMAPE is NaN",
		},
		{
			// Daily values from 1e-15 doubling each day reach 1e3 at day
			// 60; the log-linear trend, e^(0.69·t), passes MaxFloat64 1,000
			// days later.
			name: "a trend that explodes over the horizon",
			vals: func(i int) float64 { return 1e-15 * math.Pow(2, float64(i)) },
			opts: Options{Horizon: 1100, Methods: []string{LogLinear}},
			want: "figures overflow: log-linear trend: the",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := Series{}
			for i := range 60 {
				s.Times = append(s.Times, start.AddDate(0, 0, i))
				s.Values = append(s.Values, tc.vals(i))
			}
			res, err := Fit(s, tc.opts)
			if !errors.Is(err, ErrOverflow) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Fit = %+v, %v; want an ErrOverflow with %q", res, err, tc.want)
			}
		})
	}
}
