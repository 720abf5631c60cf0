package report

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/capcheck/capcheck/evaluator"
)

// TestCostPerTaskText: the figures of evaluator's TestCostPerTask (api:
// 2.2222 per 1,000 requests now, 2.2222/1.05^5 = 1.7412 at 6 months,
// 2.2222/1.05^11 = 1.2993 at 12, change 1/1.05^11 − 1 = −41.55% → "−41.6%")
// print to the cent; an LLM workload adds a per-million-tokens row
// (26.667 → "$26.67"); a peak-basis workload says its figure is a lower
// bound; a horizon with no milestone has no change.
func TestCostPerTaskText(t *testing.T) {
	doc := &evaluator.Document{Workloads: []evaluator.WorkloadDoc{
		{Name: "api", Pool: "h100", CostPerTask: &evaluator.CostPerTaskDoc{Basis: "avg", Currency: "USD",
			PerThousandRequestsNow: 2.2222222, PerThousandRequestsAt: map[string]float64{"6": 1.7411702, "12": 1.2992817}, Change: -0.41553}},
		{Name: "chat", Pool: "h100", CostPerTask: &evaluator.CostPerTaskDoc{Basis: "peak", Currency: "EUR",
			PerThousandRequestsNow: 5.3333333, PerThousandRequestsAt: map[string]float64{},
			PerMillionOutputTokensNow: 26.666667, PerMillionOutputTokensAt: map[string]float64{}}},
		{Name: "train", Pool: "h100"},
	}}
	var b bytes.Buffer
	if err := costPerTaskText(&b, doc); err != nil {
		t.Fatal(err)
	}
	want := `WORKLOAD  POOL  COST PER                                        NOW        6 MO   12 MO  18 MO  24 MO  CHANGE
api       h100  1k requests                                     $2.22      $1.74  $1.30  -      -      −41.6%
chat      h100  1k requests (at peak rate: a lower bound)       5.33 EUR   -      -      -      -      -
chat      h100  1M output tokens (at peak rate: a lower bound)  26.67 EUR  -      -      -      -      -

`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("cost per task (-want +got):\n%s", diff)
	}
}

func TestUnitMoney(t *testing.T) {
	for _, tc := range []struct {
		f    float64
		cur  string
		want string
	}{{2.2222, "USD", "$2.22"}, {0.001234, "", "$0.00123"}, {1.299, "EUR", "1.30 EUR"}, {0, "USD", "$0.00"}} {
		if got := unitMoney(tc.f, tc.cur); got != tc.want {
			t.Errorf("unitMoney(%g, %q) = %q, want %q", tc.f, tc.cur, got, tc.want)
		}
	}
}
