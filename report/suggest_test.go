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

// TestSuggestHCL: the snippet is what --apply writes. Today 2026-11-21:
// an AWS reservation from 2027-01-02 to 2027-06-30 gets that start and
// the RFC 3339 end AWS takes, the instant after its last day,
// 2027-07-01T00:00:00Z; one from today gets no start_date. An extend of
// an end written as an instant (2027-03-01T00:00:00Z) to a last day of
// 2027-12-31 writes 2028-01-01T00:00:00Z, of a date the date. A capacity
// block of 3 × p5.48xlarge for 1 512 h from 2027-01-01 is the offering
// and the block: the window from 2026-12-31T11:30:00Z (blocks start and
// end at 11:30 UTC) to 1 512 h = 63 days later, 2027-03-04T11:30:00Z.
// On-demand GPUs get a comment.
func TestSuggestHCL(t *testing.T) {
	d := &evaluator.SuggestDoc{Now: "2026-11-21", Suggestions: []evaluator.PoolSuggestion{{Pool: "p", Status: evaluator.SuggestFixed, Changes: []evaluator.Change{
		{Action: "add", Address: "aws_ec2_capacity_reservation.p_a", Zone: "us-east-1a", InstanceType: "p5.48xlarge", Instances: 1, GPUs: 8, Start: "2027-01-02", End: "2027-06-30"},
		{Action: "add", Address: "aws_ec2_capacity_reservation.p_b", Zone: "us-east-1b", InstanceType: "p5.48xlarge", Instances: 2, GPUs: 16, Start: "2026-11-21"},
		{Action: "extend", Address: "aws_ec2_capacity_reservation.old", OldEnd: "2027-03-01T00:00:00Z", End: "2027-12-31"},
		{Action: "extend", Address: "aws_ec2_capacity_reservation.dated", OldEnd: "2027-02-28", End: "2027-12-31"},
		{Kind: evaluator.KindCapacityBlock, Action: "add", Address: "aws_ec2_capacity_block_reservation.p_block", InstanceType: "p5.48xlarge", Instances: 3, GPUs: 24,
			Start: "2027-01-01", End: "2027-03-03", DurationHours: 1512},
		{Kind: evaluator.KindOnDemand, Action: "add", Address: "on-demand", GPUs: 8, Start: "2027-02-01", End: "2027-02-28"},
	}}}}
	var w strings.Builder
	if err := suggestHCL(&w, d); err != nil {
		t.Fatal(err)
	}
	want := `# pool p: 1 × p5.48xlarge (8 GPUs) in us-east-1a
resource "aws_ec2_capacity_reservation" "p_a" {
  instance_type     = "p5.48xlarge"
  instance_platform = "Linux/UNIX"
  availability_zone = "us-east-1a"
  instance_count    = 1
  start_date        = "2027-01-02T00:00:00Z"
  end_date_type     = "limited"
  end_date          = "2027-07-01T00:00:00Z"
}

# pool p: 2 × p5.48xlarge (16 GPUs) in us-east-1b
resource "aws_ec2_capacity_reservation" "p_b" {
  instance_type     = "p5.48xlarge"
  instance_platform = "Linux/UNIX"
  availability_zone = "us-east-1b"
  instance_count    = 2
  end_date_type     = "unlimited"
}

# pool p: extend aws_ec2_capacity_reservation.old (ends 2027-03-01T00:00:00Z): end_date = "2028-01-01T00:00:00Z"

# pool p: extend aws_ec2_capacity_reservation.dated (ends 2027-02-28): end_date = "2027-12-31"

# pool p: a capacity block of 3 × p5.48xlarge (24 GPUs) for 1512 h, holding capacity 2027-01-01 to 2027-03-03 (blocks start and end at 11:30 UTC)
data "aws_ec2_capacity_block_offering" "p_block" {
  instance_type           = "p5.48xlarge"
  instance_count          = 3
  capacity_duration_hours = 1512
  start_date_range        = "2026-12-31T11:30:00Z"
  end_date_range          = "2027-03-04T11:30:00Z"
}

resource "aws_ec2_capacity_block_reservation" "p_block" {
  capacity_block_offering_id = data.aws_ec2_capacity_block_offering.p_block.capacity_block_offering_id
  instance_platform          = "Linux/UNIX"
}

# pool p: rent 8 GPUs on demand from 2027-02-01 to 2027-02-28 (no Terraform)
`
	if got := w.String(); got != want {
		t.Errorf("hcl:\n%s\nwant:\n%s", got, want)
	}
}
