package report

import (
	"bytes"
	"testing"

	"github.com/capcheck/capcheck/evaluator"
)

// strategyPool is a hybrid pool priced over 12 months: as-planned costs
// 75 888 a month (6 months: 455 328; 12: 910 656), all-on-demand twice
// that and fails the policy; the horizon does not reach 18 or 24 months.
func strategyPool() evaluator.PoolSummary {
	return evaluator.PoolSummary{
		Name: "a100", Plan: "p", Currency: "USD", Strategy: evaluator.StrategyHybrid,
		Strategies: []evaluator.StrategyDoc{
			{Name: evaluator.StrategyAsPlanned, CumulativeCost: map[string]float64{"6": 455328, "12": 910656}, MeetsPolicy: true, Cheapest: true},
			{Name: evaluator.StrategyAllOnDemand, CumulativeCost: map[string]float64{"6": 910656, "12": 1821312}},
		},
	}
}

func TestStrategyText(t *testing.T) {
	var b bytes.Buffer
	if err := strategyText(&b, []evaluator.PoolSummary{strategyPool()}); err != nil {
		t.Fatal(err)
	}
	want := "POOL  STRATEGY             COST 6 MO  COST 12 MO  COST 18 MO  COST 24 MO  MEETS POLICY\n" +
		"a100  as-planned (hybrid)  $455,328   $910,656    -           -           yes (cheapest)\n" +
		"a100  all-on-demand        $910,656   $1,821,312  -           -           no\n\n"
	if got := b.String(); got != want {
		t.Errorf("strategyText =\n%s\nwant\n%s", got, want)
	}
}

func TestStrategyDetails(t *testing.T) {
	p := strategyPool()
	want := "<details><summary>pool a100: cost of each strategy</summary>\n\n" +
		"| strategy | 6 months | 12 months | 18 months | 24 months | meets policy |\n|---|---:|---:|---:|---:|---|\n" +
		// figures are escaped like every Markdown cell: "\\$".
		"| as-planned (hybrid) | \\$455,328 | \\$910,656 | - | - | yes (cheapest) |\n" +
		"| all-on-demand | \\$910,656 | \\$1,821,312 | - | - | no |\n" +
		"\nCumulative cost from this month under the plan_for scenario.\n\n</details>\n\n"
	if got := strategyDetails(&p); got != want {
		t.Errorf("strategyDetails =\n%s\nwant\n%s", got, want)
	}
}
