package report

import (
	"strings"
	"testing"

	"github.com/capcheck/capcheck/evaluator"
)

// TestSuggestMarkdown: the PR comment's "Cheapest fix" section is one
// block per pool with a suggestion attached, repository text escaped
// (a pool name cannot open HTML or a code span), and nothing at all when
// no pool has one. 8 GPUs × $4 × 720 h = $23,040 for the month.
func TestSuggestMarkdown(t *testing.T) {
	ps := &evaluator.PoolSuggestion{Pool: "h100<b>`x", Plan: "fix", Status: evaluator.SuggestFixed, Total: 23040,
		Claim:          "aws_ec2_capacity_reservation.h100_*",
		Changes:        []evaluator.Change{{Action: "add", Address: "aws_ec2_capacity_reservation.h100_a", Zone: "us-east-1a", InstanceType: "p5.48xlarge", Instances: 1, GPUs: 8, Start: "2026-11-21", MonthlyCost: 23040, HorizonCost: 23040}},
		CumulativeCost: map[string]float64{"6": 23040}}
	pools := []evaluator.PoolSummary{{Name: "passing"}, {Name: ps.Pool, Suggestion: ps}}
	blocks := suggestMarkdown(pools)
	if len(blocks) != 1 {
		t.Fatalf("suggestMarkdown gave %d blocks, want 1 (one pool has a suggestion)", len(blocks))
	}
	got := blocks[0]
	for _, want := range []string{
		"#### Cheapest fix\n",
		"**pool h100&lt;b&gt;",
		// The lead (open), then every figure collapsed.
		"| action | address | GPUs | monthly |\n|---|---|---:|---:|\n| add | aws\\_ec2\\_capacity\\_reservation.h100\\_a | 8 | \\$23,040 |\n\n" +
			"<details><summary>All figures of the changes: zone, instances, start, end, cost over the horizon</summary>\n\n" +
			"| action | address | zone | instances | GPUs | start | end | monthly | horizon |\n",
		"| add | aws\\_ec2\\_capacity\\_reservation.h100\\_a | us-east-1a | 1 × p5.48xlarge | 8 | 2026-11-21 | open-ended | \\$23,040 | \\$23,040 |\n\n</details>\n",
		"Cost of the changes: 6 mo \\$23,040.",
		"Add aws\\_ec2\\_capacity\\_reservation.h100\\_\\* to pools.h100&lt;b&gt;",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("section lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "<b>") {
		t.Errorf("pool name's HTML reached the comment:\n%s", got)
	}
	if b := suggestMarkdown([]evaluator.PoolSummary{{Name: "passing"}}); len(b) != 0 {
		t.Errorf("without suggestions: %q, want no blocks", b)
	}
	var w strings.Builder
	if err := suggestCheckText(&w, []evaluator.PoolSummary{{Name: "passing"}}); err != nil || w.Len() != 0 {
		t.Errorf("check text without suggestions: %q, %v; want nothing", w.String(), err)
	}
}
