package schema

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/capcheck/capcheck/internal/diag"
)

// TestLoadPlanFigures: every number of a plan meets the figure rule
// (internal/figure) at its own position and field path, whatever the
// format: a denormal price or rate, a figure past 1e15, a number below
// float64's range and an integer past 1e15 are errors (JSON 1e400, beyond
// float64, is in hostile_test.go), exit 2 for the CLI, before
// the model can derive ±Inf from them (issue 10, item 6). Zero, the bounds
// themselves and a negative growth rate are figures.
func TestLoadPlanFigures(t *testing.T) {
	data, err := os.ReadFile("testdata/full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	full := string(data)
	tests := []struct {
		name, old, new string
		want           string // "" when the plan loads
	}{
		{name: "denormal p95", old: "{avg: 40, p95: 95, peak: 120}", new: "{avg: 40, p95: 5e-324, peak: 120}",
			want: "p.yaml:78:36: error: workloads.chat.requests_per_s.p95: 5e-324 is too small: write 0, or at least 1e-15, so that nothing derived from it overflows"},
		{name: "denormal on-demand price", old: "on_demand: 4.50", new: "on_demand: 5e-324",
			want: "p.yaml:48:18: error: pools.h100-use1.price_per_gpu_hour.on_demand: 5e-324 is too small: write 0, or at least 1e-15, so that nothing derived from it overflows"},
		{name: "underflows float64", old: "params_b: 70", new: "params_b: 1e-400",
			want: "p.yaml:156:15: error: benchmarks.llama70b-h100-short.params_b: 1e-400 is too small: write 0, or at least 1e-15, so that nothing derived from it overflows"},
		{name: "1e308 budget", old: "monthly: 400000", new: "monthly: 1e308",
			want: "p.yaml:172:12: error: budget.monthly: 1e+308 is too large: figures are at most 1e+15 in magnitude, so that nothing derived from them overflows"},
		{name: "integer past 1e15", old: "n_plus: 1 ", new: "n_plus: 10000000000000000 ",
			want: "p.yaml:12:13: error: policy.redundancy.n_plus: 10000000000000000 is too large: figures are at most 1e+15 in magnitude, so that nothing derived from them overflows"},
		{name: "zero", old: "{avg: 40, p95: 95, peak: 120}", new: "{avg: 0, p95: 0, peak: 0}"},
		{name: "at the bounds", old: "{avg: 40, p95: 95, peak: 120}", new: "{avg: 1e-15, p95: 1e15, peak: 1e15}"},
		{name: "negative growth", old: "monthly_growth: 0.02", new: "monthly_growth: -0.5"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(full, tc.old) {
				t.Fatalf("testdata/full.yaml lacks %q", tc.old)
			}
			_, err := LoadPlanBytes("p.yaml", []byte(strings.Replace(full, tc.old, tc.new, 1)))
			if tc.want == "" {
				if err != nil {
					t.Fatalf("LoadPlanBytes: %v", err)
				}
				return
			}
			var ds diag.Diagnostics
			if !errors.As(err, &ds) || len(ds) != 1 {
				t.Fatalf("LoadPlanBytes error = %v, want one diagnostic", err)
			}
			if got := ds[0].String(); got != tc.want {
				t.Errorf("diagnostic\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}
