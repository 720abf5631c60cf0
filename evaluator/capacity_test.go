package evaluator

import (
	"testing"

	"github.com/capcheck/capcheck/inventory"

	"github.com/google/go-cmp/cmp"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/internal/testkit"
	"github.com/capcheck/capcheck/schema"
)

func TestLeadMonths(t *testing.T) {
	tests := []struct {
		name  string
		weeks float64
		want  int
	}{
		{name: "none", weeks: 0, want: 0},
		{name: "4 weeks", weeks: 4, want: 1},   // 28/30.436875 = 0.92 → 1
		{name: "8 weeks", weeks: 8, want: 2},   // 56/30.436875 = 1.84 → 2
		{name: "13 weeks", weeks: 13, want: 3}, // 91/30.436875 = 2.99 → 3
		{name: "26 weeks", weeks: 26, want: 6}, // 182/30.436875 = 5.98 → 6
		// exactly 3 months: 3 × 30.436875 / 7 = 13.0443750 weeks (91.310625
		// days); noise must not round it up to 4
		{name: "exactly 3 months", weeks: 3 * 30.436875 / 7, want: 3},
		// the old Julian month's edge, 3 × 30.4375 / 7 = 13.0446429 weeks
		// (91.3125 days), is 91.3125 / 30.436875 = 3.0000616 months: 4
		{name: "Julian 3 months", weeks: 3 * 30.4375 / 7, want: 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := leadMonths(tc.weeks); got != tc.want {
				t.Errorf("leadMonths(%g) = %d, want %d", tc.weeks, got, tc.want)
			}
		})
	}
}

func TestHeadroom(t *testing.T) {
	tests := []struct {
		name               string
		required, capacity float64
		want               float64
	}{
		{name: "70% used", required: 70, capacity: 100, want: 0.30},
		{name: "over capacity", required: 150, capacity: 100, want: -0.5},
		{name: "nothing at all", required: 0, capacity: 0, want: 1},
		{name: "demand without capacity", required: 5, capacity: 0, want: -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := headroom(tc.required, tc.capacity); !testkit.Close(got, tc.want) {
				t.Errorf("headroom(%g, %g) = %g, want %g", tc.required, tc.capacity, got, tc.want)
			}
		})
	}
}

// TestHeadroomCliffOrderBy: one pool, 100 reserved GPUs, a non-LLM
// workload of 50 rps peak at 1 rps/GPU, lead 8 weeks → L = ceil(56/30.436875)
// = 2, commit window months 0..5 (2026-03 … 2026-08).
func TestHeadroomCliffOrderBy(t *testing.T) {
	tests := []struct {
		name          string
		growth        float64
		capacity      int // instances of 8 GPUs
		horizon       int
		wantMin       float64
		wantMinMonth  string
		wantShort     float64
		wantCliff     string
		wantOrderBy   string
		wantPassed    bool
		wantWindowEnd string
		wantPeak      float64
	}{
		{
			// required(m) = ceil(50 × 1.1^m) (whole GPUs per workload):
			// 50, 55, ceil(60.5) = 61, ceil(66.55) = 67, ceil(73.205) = 74,
			// ceil(80.5255) = 81.
			// h(m) = 1 − req/100: m3 0.33, m4 0.26 < 0.30 → cliff 2026-07
			// order-by = m4 − 2 = m2 = 2026-05, not passed.
			// min in window: m5 1 − 0.81 = 0.19;
			// short = ceil(81/0.7 − 100) = ceil(15.714) = 16.
			// peak over 12 months: ceil(50 × 1.1^11 = 142.6558...) = 143.
			name: "growth 10%", growth: 0.10, capacity: 100, horizon: 12,
			wantMin: 0.19, wantMinMonth: "2026-08", wantShort: 16,
			wantCliff: "2026-07", wantOrderBy: "2026-05", wantPassed: false,
			wantWindowEnd: "2026-08", wantPeak: 143,
		},
		{
			// 50, 60, 72 → h(2) = 0.28 < 0.30: cliff 2026-05, order-by
			// 2026-03 = Now's month → passed. Window min at m5: 50 × 1.2^5 =
			// 124.416 → 125 whole GPUs, h = 1 − 1.25 = −0.25; short =
			// ceil(125/0.7 − 100) = ceil(78.571) = 79. Horizon 6: peak 125.
			name: "growth 20%", growth: 0.20, capacity: 100, horizon: 6,
			wantMin: -0.25, wantMinMonth: "2026-08", wantShort: 79,
			wantCliff: "2026-05", wantOrderBy: "2026-03", wantPassed: true,
			wantWindowEnd: "2026-08", wantPeak: 125,
		},
		{
			// flat 50 of 100: h = 0.5 everywhere, first month on ties, no cliff;
			// short = max(0, ceil(71.43 − 100)) = 0. Horizon 3 clips the window
			// to months 0..2.
			name: "flat", growth: 0, capacity: 100, horizon: 3,
			wantMin: 0.5, wantMinMonth: "2026-03", wantShort: 0,
			wantWindowEnd: "2026-05", wantPeak: 50,
		},
		{
			// no capacity at all: h = −1 from month 0; order-by 2026-01 passed;
			// short = ceil(50/0.7) = ceil(71.43) = 72.
			name: "no capacity", growth: 0, capacity: 0, horizon: 12,
			wantMin: -1, wantMinMonth: "2026-03", wantShort: 72,
			wantCliff: "2026-03", wantOrderBy: "2026-01", wantPassed: true,
			wantWindowEnd: "2026-08", wantPeak: 50,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newPlan("p")
			p.HorizonMonths = tc.horizon
			setGrowth(p, schema.Moderate, tc.growth)
			addPool(p, "h100", 8, "aws_ec2_capacity_reservation.h100")
			addInference(p, "api", "h100", 50, 1)
			var inv []inventory.Entry
			if tc.capacity > 0 {
				inv = append(inv, rsv("aws_ec2_capacity_reservation.h100", "us-east-1a", 10, tc.capacity, 1))
			}
			d := mustEval(t, Input{Plans: []*schema.Plan{p}, Inventory: inventoryOf(inv...)})
			got := findPool(t, d, "p", "h100")
			if !testkit.Close(got.MinHeadroom, tc.wantMin) || got.MinHeadroomMonth != tc.wantMinMonth {
				t.Errorf("MinHeadroom = %g in %s, want %g in %s", got.MinHeadroom, got.MinHeadroomMonth, tc.wantMin, tc.wantMinMonth)
			}
			if got.GPUsShort != tc.wantShort {
				t.Errorf("GPUsShort = %g, want %g", got.GPUsShort, tc.wantShort)
			}
			if got.Cliff != tc.wantCliff || got.OrderBy != tc.wantOrderBy || got.OrderByPassed != tc.wantPassed || got.CliffInHorizon != (tc.wantCliff != "") {
				t.Errorf("cliff %q order-by %q passed %v, want %q %q %v", got.Cliff, got.OrderBy, got.OrderByPassed, tc.wantCliff, tc.wantOrderBy, tc.wantPassed)
			}
			if got.CommitWindowEnd != tc.wantWindowEnd || got.LeadTimeMonths != 2 {
				t.Errorf("commit window ends %s (L=%d), want %s (L=2)", got.CommitWindowEnd, got.LeadTimeMonths, tc.wantWindowEnd)
			}
			if !testkit.Close(got.RequiredGPUsPeak, tc.wantPeak) {
				t.Errorf("RequiredGPUsPeak = %.9f, want %.9f", got.RequiredGPUsPeak, tc.wantPeak)
			}
			if len(got.Timeline) != tc.horizon || got.Timeline[0].Month != "2026-03" {
				t.Errorf("timeline has %d months from %s, want %d from 2026-03", len(got.Timeline), got.Timeline[0].Month, tc.horizon)
			}
		})
	}
}

// TestNPlusZonesAndBacked: zones a 16, b 16, c 8 GPUs (40 in all).
func TestNPlusZonesAndBacked(t *testing.T) {
	tests := []struct {
		name          string
		required      float64
		k             int
		tolerance     float64
		wantOK        bool
		wantAfter     float64
		wantBacked    float64
		wantUnbacked  float64
		wantRedundant bool
	}{
		// lose a (16): 24 ≥ 20 ok. Headroom and N+1 are both owed:
		// backed = 20/0.7 + min(16, 20) = 28.57 + 16 = 44.57 ≥ 40 → 0.
		{name: "N+1 holds", required: 20, k: 1, tolerance: 0.10, wantOK: true, wantAfter: 24, wantBacked: 20/0.7 + 16, wantUnbacked: 0, wantRedundant: true},
		// 12 GPUs: 12/0.7 + 12 = 29.14 (a domain counts at most 12);
		// 40 > 29.14 × 1.1 = 32.06 → 40 − 29.14 = 10.86 unbacked.
		{name: "N+1 holds with waste", required: 12, k: 1, tolerance: 0.10, wantOK: true, wantAfter: 24, wantBacked: 12/0.7 + 12, wantUnbacked: 40 - (12/0.7 + 12), wantRedundant: true},
		// same with 40% tolerance: 40 ≤ 29.14 × 1.4 = 40.8 → unbacked 0.
		{name: "within tolerance", required: 12, k: 1, tolerance: 0.40, wantOK: true, wantAfter: 24, wantBacked: 12/0.7 + 12, wantUnbacked: 0, wantRedundant: true},
		// 24 < 26 fails. backed = 26/0.7 + 16 = 53.14 ≥ 40 → 0.
		{name: "N+1 fails", required: 26, k: 1, tolerance: 0.10, wantOK: false, wantAfter: 24, wantBacked: 26/0.7 + 16, wantUnbacked: 0, wantRedundant: true},
		// N+2: 40 − 16 − 16 = 8 < 20. backed counts the 2 largest domains
		// the plan's N+2 asks for: 28.57 + 16 + 16 = 60.57 ≥ 40 → 0
		// unbacked (the pool is short, not wasteful).
		{name: "N+2 fails", required: 20, k: 2, tolerance: 0.10, wantOK: false, wantAfter: 8, wantBacked: 20/0.7 + 32, wantUnbacked: 0, wantRedundant: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newPlan("p")
			p.Policy.Redundancy.NPlus = tc.k
			p.Policy.UnbackedTolerance = tc.tolerance
			addPool(p, "h100", 8, "aws_ec2_capacity_reservation.*")
			w := addInference(p, "api", "h100", tc.required, 1)
			w.SLO = &schema.SLO{Availability: 0.999}
			inv := inventoryOf(
				rsv("aws_ec2_capacity_reservation.a", "us-east-1a", 10, 2, 8),
				rsv("aws_ec2_capacity_reservation.b", "us-east-1b", 20, 2, 8),
				rsv("aws_ec2_capacity_reservation.c", "us-east-1c", 30, 1, 8),
			)
			d := mustEval(t, Input{Plans: []*schema.Plan{p}, Inventory: inv})
			got := findPool(t, d, "p", "h100")
			want := NPlusDoc{
				K: tc.k, Domain: "zone", Required: tc.wantRedundant, OK: tc.wantOK,
				Month: "2026-03",
				Domains: []DomainDoc{
					{Name: "us-east-1a", GPUs: 16}, {Name: "us-east-1b", GPUs: 16}, {Name: "us-east-1c", GPUs: 8},
				},
				CapacityAfterLoss: tc.wantAfter, RequiredGPUs: tc.required, LostGPUs: 40 - tc.wantAfter,
			}
			if diff := cmp.Diff(want, got.NPlus); diff != "" {
				t.Errorf("NPlus mismatch (-want +got):\n%s", diff)
			}
			if !testkit.Close(got.BackedGPUs, tc.wantBacked) || !testkit.Close(got.UnbackedGPUs, tc.wantUnbacked) {
				t.Errorf("backed %g unbacked %g, want %g %g", got.BackedGPUs, got.UnbackedGPUs, tc.wantBacked, tc.wantUnbacked)
			}
		})
	}
}

// TestNPlusReplicaDomain: reservation a holds 2 instances × 8 GPUs, b one
// instance of 8; each instance is a domain of 8 GPUs, and an empty zone does
// not matter.
func TestNPlusReplicaDomain(t *testing.T) {
	tests := []struct {
		name     string
		required float64
		wantOK   bool
	}{
		{name: "16 survive losing one instance", required: 16, wantOK: true}, // 24 − 8 = 16 ≥ 16
		{name: "17 do not", required: 17, wantOK: false},                     // 16 < 17
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newPlan("p")
			p.Policy.Redundancy.Domain = "replica"
			addPool(p, "h100", 8, "aws_ec2_capacity_reservation.*")
			addInference(p, "api", "h100", tc.required, 1)
			inv := inventoryOf(
				rsv("aws_ec2_capacity_reservation.a", "", 10, 2, 8),
				rsv("aws_ec2_capacity_reservation.b", "", 20, 1, 8),
			)
			got := findPool(t, mustEval(t, Input{Plans: []*schema.Plan{p}, Inventory: inv}), "p", "h100")
			want := NPlusDoc{
				K: 1, Domain: "replica", OK: tc.wantOK, Month: "2026-03",
				Domains: []DomainDoc{
					{Name: "aws_ec2_capacity_reservation.a#0", GPUs: 8},
					{Name: "aws_ec2_capacity_reservation.a#1", GPUs: 8},
					{Name: "aws_ec2_capacity_reservation.b", GPUs: 8},
				},
				CapacityAfterLoss: 16, RequiredGPUs: tc.required, LostGPUs: 8,
			}
			if diff := cmp.Diff(want, got.NPlus); diff != "" {
				t.Errorf("NPlus mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestNPlusUnknownZone: the bundled example's shape. Zones a 24, b 24,
// c 16 GPUs all horizon, plus a 16-GPU capacity block without a zone in
// April–May (months 1–2). An inference workload needs 33 GPUs every month
// and a training run 16 more in April–May: required 33, 49, 49.
//
// A zone-less block may sit in the largest zone, so that zone's domain is
// us-east-1a+unknown = 24 + 16 = 40. April: 80 − 40 = 40 < 49 → N+1 fails
// (counting "unknown" as a zone of its own would lose only 24: 56 ≥ 49).
// March: 64 − 24 = 40 ≥ 33 (margin 7); April margin 40 − 49 = −9 is the
// worst (first on ties with May).
//
// Backed (headroom and N+k both owed, the domain term counted for the
// 33 GPUs owed redundancy, at most 33 a domain): March 33/0.7 + 24 =
// 71.14; April 49/0.7 + min(40, 33) = 70 + 33 = 103 → 103; the largest
// capacity 80 ≤ 103: the block the run needs is not waste. Without the
// run, April needs 33: 47.14 + 33 = 80.14 ≥ 80: backed too.
//
// The block ends 2026-06-01T00:00:00Z: it covers all of 31 May (whole-day
// semantics, parseResStart).
func TestNPlusUnknownZone(t *testing.T) {
	tests := []struct {
		name         string
		run          bool
		k            int
		req          float64 // the 0.999 workload's GPUs (default 33)
		wantReq      float64
		wantOK       bool
		wantMonth    string
		wantAfter    float64
		wantBacked   float64
		wantUnbacked float64
		wantDomains  []DomainDoc
	}{
		{
			// Redundancy is owed to the 0.999 workload only (33 GPUs), not
			// to the training run: March 64 − 24 = 40 ≥ 33 (margin 7),
			// April 80 − (24 + 16 zone-less) = 40 ≥ 33 (margin 7): ok,
			// first month on ties. backed: April 49/0.7 + min(40, 33) =
			// 70 + 33 = 103.
			name: "block may share the largest zone", run: true, k: 1, wantReq: 33,
			wantOK: true, wantMonth: "2026-03", wantAfter: 40, wantBacked: 103, wantUnbacked: 0,
			wantDomains: []DomainDoc{{Name: "us-east-1a", GPUs: 24}, {Name: "us-east-1b", GPUs: 24}, {Name: "us-east-1c", GPUs: 16}},
		},
		{
			// N+2: March loses 24 + 24 = 48, 16 left for 33; April loses
			// 40 + 24 = 64, 16 left: margin −17 both, March first.
			// backed: April 70 + min(40, 33) + min(24, 33) = 127.
			name: "N+2", run: true, k: 2, wantReq: 33,
			wantOK: false, wantMonth: "2026-03", wantAfter: 16, wantBacked: 127, wantUnbacked: 0,
			wantDomains: []DomainDoc{{Name: "us-east-1a", GPUs: 24}, {Name: "us-east-1b", GPUs: 24}, {Name: "us-east-1c", GPUs: 16}},
		},
		{
			// The zone-less block fails closed: with the SLO workload at 45
			// GPUs, April 80 − 40 = 40 < 45 although the block could sit
			// in a fourth zone (March: 64 − 24 = 40 < 45 too; March first).
			// backed: April 45/0.7 + min(40, 45) = 64.29 + 40 = 104.29
			// (March 64.29 + 24 = 88.29).
			name: "zone-less block counted with the largest zone", run: false, k: 1, req: 45, wantReq: 45,
			wantOK: false, wantMonth: "2026-03", wantAfter: 40, wantBacked: 45/0.7 + 40, wantUnbacked: 0,
			wantDomains: []DomainDoc{{Name: "us-east-1a", GPUs: 24}, {Name: "us-east-1b", GPUs: 24}, {Name: "us-east-1c", GPUs: 16}},
		},
		{
			// Without the run: March 64 − 24 = 40 vs 33 (margin 7), April
			// 80 − 40 = 40 vs 33 (margin 7): first month on ties, March.
			// backed: April 33/0.7 + min(40, 33) = 80.14 ≥ 80: headroom
			// and surviving the loss of the block's zone are both owed.
			name: "block without demand is still backed by N+1", run: false, k: 1, wantReq: 33,
			wantOK: true, wantMonth: "2026-03", wantAfter: 40, wantBacked: 33/0.7 + 33, wantUnbacked: 0,
			wantDomains: []DomainDoc{{Name: "us-east-1a", GPUs: 24}, {Name: "us-east-1b", GPUs: 24}, {Name: "us-east-1c", GPUs: 16}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newPlan("p")
			p.HorizonMonths = 4
			p.Policy.Redundancy.NPlus = tc.k
			addPool(p, "h100", 4, "aws_ec2_capacity_reservation.*", "aws_ec2_capacity_block_reservation.*")
			req := tc.req
			if req == 0 {
				req = 33
			}
			addInference(p, "api", "h100", req, 1).SLO = &schema.SLO{Availability: 0.999}
			if tc.run {
				p.Workloads["ft"] = &schema.Workload{Name: "ft", Kind: schema.KindTraining, Pool: "h100",
					Runs: []schema.Run{{Name: "q2", GPUs: 16, Start: date(2026, 4, 1), End: date(2026, 5, 31)}}}
			}
			block := rsv("aws_ec2_capacity_block_reservation.ft", "", 40, 2, 8)
			block.Kind, block.Start, block.End = inventory.KindCapacityBlock, "2026-04-01T00:00:00Z", "2026-06-01T00:00:00Z"
			inv := inventoryOf(
				rsv("aws_ec2_capacity_reservation.a", "us-east-1a", 10, 3, 8),
				rsv("aws_ec2_capacity_reservation.b", "us-east-1b", 20, 3, 8),
				rsv("aws_ec2_capacity_reservation.c", "us-east-1c", 30, 2, 8),
				block,
			)
			got := findPool(t, mustEval(t, Input{Plans: []*schema.Plan{p}, Inventory: inv}), "p", "h100")
			capAt := map[string]float64{"2026-03": 64, "2026-04": 80}
			want := NPlusDoc{
				K: tc.k, Domain: "zone", Required: true, OK: tc.wantOK, Month: tc.wantMonth,
				Domains: tc.wantDomains, CapacityAfterLoss: tc.wantAfter, RequiredGPUs: tc.wantReq,
				LostGPUs: capAt[tc.wantMonth] - tc.wantAfter,
			}
			if diff := cmp.Diff(want, got.NPlus); diff != "" {
				t.Errorf("NPlus mismatch (-want +got):\n%s", diff)
			}
			if !testkit.Close(got.BackedGPUs, tc.wantBacked) || !testkit.Close(got.UnbackedGPUs, tc.wantUnbacked) {
				t.Errorf("backed %g unbacked %g, want %g %g", got.BackedGPUs, got.UnbackedGPUs, tc.wantBacked, tc.wantUnbacked)
			}
		})
	}
}

// TestNPlusNoZoneKnown: with no zone known at all, every GPU may sit in one
// zone: one domain "unknown" of 8 + 8 = 16, and losing it leaves 0 < 10.
func TestNPlusNoZoneKnown(t *testing.T) {
	p := newPlan("p")
	addPool(p, "h100", 8, "aws_ec2_capacity_reservation.*")
	addInference(p, "api", "h100", 10, 1)
	inv := inventoryOf(
		rsv("aws_ec2_capacity_reservation.a", "", 10, 1, 8),
		rsv("aws_ec2_capacity_reservation.b", "", 20, 1, 8),
	)
	got := findPool(t, mustEval(t, Input{Plans: []*schema.Plan{p}, Inventory: inv}), "p", "h100")
	want := []DomainDoc{{Name: "unknown", GPUs: 16}}
	if diff := cmp.Diff(want, got.NPlus.Domains); diff != "" || got.NPlus.OK || got.NPlus.CapacityAfterLoss != 0 {
		t.Errorf("domains (-want +got):\n%s ok=%v after=%g, want ok=false after=0", diff, got.NPlus.OK, got.NPlus.CapacityAfterLoss)
	}
}

// TestBackedOversizedZone: one zone of 100 GPUs for a 10-GPU requirement
// owed redundancy (availability 0.999). The zone cannot justify itself: a
// lost domain counts at most the requirement, so backed = 10/0.7 +
// min(100, 10) = 14.29 + 10 = 24.29 and 100 > 24.29 × 1.1 = 26.71 →
// 75.71 unbacked (DESIGN's literal 10 + 100 = 110 would call all 100
// backed). Without the SLO no redundancy is owed: backed = 14.29, 85.71
// unbacked.
func TestBackedOversizedZone(t *testing.T) {
	for _, tc := range []struct {
		name         string
		availability float64
		want         float64
	}{
		{name: "owed redundancy", availability: 0.999, want: 10/0.7 + 10},
		{name: "no redundancy owed", want: 10 / 0.7},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPlan("p")
			addPool(p, "h100", 8, "aws_ec2_capacity_reservation.*")
			w := addInference(p, "api", "h100", 10, 1)
			if tc.availability > 0 {
				w.SLO = &schema.SLO{Availability: tc.availability}
			}
			got := findPool(t, mustEval(t, Input{Plans: []*schema.Plan{p}, Inventory: inventoryOf(rsv("aws_ec2_capacity_reservation.a", "us-east-1a", 10, 100, 1))}), "p", "h100")
			if !testkit.Close(got.BackedGPUs, tc.want) || !testkit.Close(got.UnbackedGPUs, 100-tc.want) {
				t.Errorf("backed %g unbacked %g, want %g and %g", got.BackedGPUs, got.UnbackedGPUs, tc.want, 100-tc.want)
			}
		})
	}
}

// TestPlansWithDifferentHorizons: each plan's timelines have its own
// length, and a 3-month horizon clips the commit window (lead 8 weeks →
// L = 2, window 0..5) to months 0..2.
func TestPlansWithDifferentHorizons(t *testing.T) {
	short, long := newPlan("a"), newPlan("b")
	short.HorizonMonths, long.HorizonMonths = 3, 12
	addPool(short, "pa", 8)
	addInference(short, "wa", "pa", 1, 1)
	addPool(long, "pb", 8)
	addInference(long, "wb", "pb", 1, 1)
	d := mustEval(t, Input{Plans: []*schema.Plan{long, short}})
	for _, tc := range []struct {
		plan, pool, wantEnd string
		wantLen             int
	}{
		{plan: "a", pool: "pa", wantEnd: "2026-05", wantLen: 3},
		{plan: "b", pool: "pb", wantEnd: "2026-08", wantLen: 12},
	} {
		got := findPool(t, d, tc.plan, tc.pool)
		if len(got.Timeline) != tc.wantLen || len(got.Cost.Monthly) != tc.wantLen || got.CommitWindowEnd != tc.wantEnd ||
			len(findWorkload(t, d, tc.plan, "w"+tc.plan).GPUs) != tc.wantLen {
			t.Errorf("pool %s: %d months, %d costs, window to %s; want %d months to %s",
				tc.pool, len(got.Timeline), len(got.Cost.Monthly), got.CommitWindowEnd, tc.wantLen, tc.wantEnd)
		}
	}
}

// TestReservationDates: capacity counts a reservation only for months it
// covers whole.
func TestReservationDates(t *testing.T) {
	tests := []struct {
		name       string
		start, end string
		// capacity of the 16-GPU reservation in 2026-03 … 2026-07 (8 more
		// open-ended GPUs are always there)
		want []float64
	}{
		{name: "open-ended", want: []float64{24, 24, 24, 24, 24}},
		{name: "ends mid-May: May does not count", end: "2026-05-15", want: []float64{24, 24, 8, 8, 8}},
		{name: "ends on the last day of May", end: "2026-05-31", want: []float64{24, 24, 24, 8, 8}},
		// Whole-day semantics (parseResStart): an RFC 3339 end is the
		// instant capacity stops. 2026-05-31T00:00:00Z covers nothing of
		// 31 May, so May is not whole: 24, 24, then 8 from May.
		{name: "RFC 3339 end at midnight of the last day", end: "2026-05-31T00:00:00Z", want: []float64{24, 24, 8, 8, 8}},
		// 2026-06-01T00:00:00Z covers all of 31 May and nothing of June.
		{name: "RFC 3339 end at midnight of the 1st", end: "2026-06-01T00:00:00Z", want: []float64{24, 24, 24, 8, 8}},
		// +02:00 makes it 2026-05-31T22:00Z: 31 May is not whole.
		{name: "RFC 3339 end with an offset", end: "2026-06-01T00:00:00+02:00", want: []float64{24, 24, 8, 8, 8}},
		// −04:00 makes it 2026-06-01T04:00Z: May is whole.
		{name: "RFC 3339 end with a negative offset", end: "2026-06-01T00:00:00-04:00", want: []float64{24, 24, 24, 8, 8}},
		{name: "starts 2 April: from May", start: "2026-04-02", want: []float64{8, 8, 24, 24, 24}},
		// 09:00 on 1 April leaves 1 April part-covered: from 2 April, so
		// April does not count; from May.
		{name: "starts 1 April at 09:00", start: "2026-04-01T09:00:00Z", want: []float64{8, 8, 24, 24, 24}},
		// 2026-04-01T00:00:00+00:00 covers 1 April whole: from April.
		{name: "starts 1 April at midnight", start: "2026-04-01T00:00:00+00:00", want: []float64{8, 24, 24, 24, 24}},
		// 2026-03-31T22:00:00-02:00 is 2026-04-01T00:00Z: from April.
		{name: "starts with an offset", start: "2026-03-31T22:00:00-02:00", want: []float64{8, 24, 24, 24, 24}},
		{name: "capacity block in June", start: "2026-06-01", end: "2026-06-30", want: []float64{8, 8, 8, 24, 8}},
		// Now is 2026-03-10: a reservation that started on 5 March covers
		// the rest of March (its past days need no capacity).
		{name: "started this month before Now", start: "2026-03-05", want: []float64{24, 24, 24, 24, 24}},
		{name: "starts this month after Now", start: "2026-03-12", want: []float64{8, 24, 24, 24, 24}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newPlan("p")
			p.HorizonMonths = 5
			addPool(p, "h100", 4, "aws_ec2_capacity_reservation.*")
			addInference(p, "api", "h100", 4, 1)
			r := rsv("aws_ec2_capacity_reservation.a", "us-east-1a", 10, 2, 8)
			r.Start, r.End = tc.start, tc.end
			inv := inventoryOf(r, rsv("aws_ec2_capacity_reservation.b", "us-east-1b", 20, 1, 8))
			got := findPool(t, mustEval(t, Input{Plans: []*schema.Plan{p}, Inventory: inv}), "p", "h100")
			var caps []float64
			for _, m := range got.Timeline {
				caps = append(caps, m.CapacityGPUs)
			}
			if diff := cmp.Diff(tc.want, caps); diff != "" {
				t.Errorf("capacity per month (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReservationDateUnparsable(t *testing.T) {
	p := newPlan("p")
	addPool(p, "h100", 4, "aws_ec2_capacity_reservation.*")
	r := rsv("aws_ec2_capacity_reservation.a", "us-east-1a", 14, 1, 8)
	r.Column = 3
	r.End = "next tuesday"
	_, err := Evaluate(Input{Plans: []*schema.Plan{p}, Inventory: inventoryOf(r), Now: now})
	ds := testkit.Diagnostics(t, err)
	if len(ds) != 1 || ds[0].Pos.String() != "infra/gpu.tf:14:3" || ds[0].Path != "aws_ec2_capacity_reservation.a" {
		t.Fatalf("diagnostics = %v, want one at infra/gpu.tf:14:3 for aws_ec2_capacity_reservation.a", ds)
	}
}

// TestExpiring: reservation a (16 GPUs) ends 2026-05-15 while 4 GPUs are
// still required; b (8) ends after the horizon; c ended before Now.
func TestExpiring(t *testing.T) {
	p := newPlan("p")
	p.HorizonMonths = 6
	addPool(p, "h100", 4, "aws_ec2_capacity_reservation.*")
	addInference(p, "api", "h100", 12, 1) // 12 GPUs every month
	a := rsv("aws_ec2_capacity_reservation.a", "us-east-1a", 10, 2, 8)
	a.End = "2026-05-15"
	b := rsv("aws_ec2_capacity_reservation.b", "us-east-1b", 20, 1, 8)
	b.End = "2027-01-31" // beyond the horizon
	c := rsv("aws_ec2_capacity_reservation.c", "us-east-1b", 30, 1, 8)
	c.End = "2026-02-28" // already over
	d := rsv("aws_ec2_capacity_reservation.d", "us-east-1c", 40, 1, 8)
	d.End = "2026-06-30" // covers June whole: gone from July
	e := rsv("aws_ec2_capacity_reservation.e", "us-east-1d", 50, 2, 8)
	e.End = "2026-03-31"
	got := findPool(t, mustEval(t, Input{Plans: []*schema.Plan{p}, Inventory: inventoryOf(a, b, c, d, e)}), "p", "h100")
	// e ends in March: April keeps a+b+d = 32 GPUs, headroom 1 − 12/32 =
	// 62.5% ≥ 30%: no finding. a ends mid-May: May keeps b+d = 16,
	// headroom 1 − 12/16 = 25% < 30%. d ends June: July keeps b = 8 < 12.
	want := []ExpiringDoc{
		{Address: "aws_ec2_capacity_reservation.a", End: "2026-05-15", LastDay: "2026-05-15", Month: "2026-05", GPUs: 16, RequiredGPUs: 12,
			Location: diag.Pos{File: "infra/gpu.tf", Line: 10, Column: 1}.Range()},
		{Address: "aws_ec2_capacity_reservation.d", End: "2026-06-30", LastDay: "2026-06-30", Month: "2026-07", GPUs: 8, RequiredGPUs: 12,
			Location: diag.Pos{File: "infra/gpu.tf", Line: 40, Column: 1}.Range()},
	}
	if diff := cmp.Diff(want, got.Expiring); diff != "" {
		t.Errorf("Expiring (-want +got):\n%s", diff)
	}
}

// TestElasticAndConsumers: a node group adds elastic GPUs only; a node group
// consuming a reservation adds nothing.
func TestElasticAndConsumers(t *testing.T) {
	p := newPlan("p")
	addPool(p, "h100", 4, "aws_ec2_capacity_reservation.*", "aws_eks_node_group.*")
	addInference(p, "api", "h100", 4, 1)
	ng := inventory.Entry{Address: "aws_eks_node_group.burst", Kind: inventory.KindElastic, Count: 4,
		GPUsPerInstance: 8, GPUs: 32, GPU: "H100-SXM", Range: diag.Pos{File: "infra/eks.tf", Line: 3}.Range()}
	consumer := inventory.Entry{Address: "aws_eks_node_group.in_block", Kind: inventory.KindElastic, Count: 2,
		GPUsPerInstance: 8, GPUs: 16, GPU: "H100-SXM", Range: diag.Pos{File: "infra/eks.tf", Line: 30}.Range(),
		ConsumerOf: "aws_ec2_capacity_reservation.a"}
	inv := inventoryOf(rsv("aws_ec2_capacity_reservation.a", "us-east-1a", 10, 2, 8), ng, consumer)
	got := findPool(t, mustEval(t, Input{Plans: []*schema.Plan{p}, Inventory: inv}), "p", "h100")
	if got.ReservedGPUs != 16 || got.ElasticGPUs != 32 || got.Timeline[3].CapacityGPUs != 16 || got.Timeline[3].ElasticGPUs != 32 {
		t.Errorf("reserved %g elastic %g (month 3: %g/%g), want 16 and 32", got.ReservedGPUs, got.ElasticGPUs,
			got.Timeline[3].CapacityGPUs, got.Timeline[3].ElasticGPUs)
	}
	wantRes := []string{"aws_ec2_capacity_reservation.a", "aws_eks_node_group.burst", "aws_eks_node_group.in_block"}
	if diff := cmp.Diff(wantRes, got.Reservations); diff != "" {
		t.Errorf("claimed reservations (-want +got):\n%s", diff)
	}
}

// TestBinding: the pool whose cliff comes first binds; without cliffs, the
// lowest min headroom over the horizon.
func TestBinding(t *testing.T) {
	tests := []struct {
		name        string
		reqA, reqB  float64
		growth      float64
		wantBinding string
	}{
		// 10% growth, 100 GPUs each. a: 60 → h < 0.3 once 60×1.1^m > 70:
		// m2 72.6 → cliff 2026-05. b: 40 → 40×1.1^m > 70 at m6 (70.86) →
		// 2026-09. a binds.
		{name: "first cliff", reqA: 60, reqB: 40, growth: 0.10, wantBinding: "a"},
		// flat: no cliff; b has the lower headroom (0.4 vs 0.5).
		{name: "no cliff", reqA: 50, reqB: 60, growth: 0, wantBinding: "b"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newPlan("p")
			setGrowth(p, schema.Moderate, tc.growth)
			addPool(p, "a", 4, "aws_ec2_capacity_reservation.a")
			addPool(p, "b", 4, "aws_ec2_capacity_reservation.b")
			addInference(p, "wa", "a", tc.reqA, 1)
			addInference(p, "wb", "b", tc.reqB, 1)
			inv := inventoryOf(rsv("aws_ec2_capacity_reservation.a", "z", 10, 100, 1), rsv("aws_ec2_capacity_reservation.b", "z", 20, 100, 1))
			d := mustEval(t, Input{Plans: []*schema.Plan{p}, Inventory: inv})
			var binding []string
			for _, pd := range d.Pools {
				if pd.Binding {
					binding = append(binding, pd.Name)
				}
			}
			if diff := cmp.Diff([]string{tc.wantBinding}, binding); diff != "" {
				t.Errorf("binding pools (-want +got):\n%s", diff)
			}
		})
	}
}

// TestScenariosAndContingency: capacity 100, 60 required; aggressive grows
// 20%/month: 60, 72, 86.4, 103.68, in whole GPUs 60, 72, 87, 104 → exceeds
// in 2026-06.
func TestScenariosAndContingency(t *testing.T) {
	p := newPlan("p")
	p.HorizonMonths = 6
	setGrowth(p, schema.Conservative, 0)
	setGrowth(p, schema.Moderate, 0.05)
	setGrowth(p, schema.Aggressive, 0.20)
	addPool(p, "h100", 4, "aws_ec2_capacity_reservation.*")
	addInference(p, "api", "h100", 60, 1)
	d := mustEval(t, Input{Plans: []*schema.Plan{p}, Inventory: inventoryOf(rsv("aws_ec2_capacity_reservation.a", "z", 10, 100, 1))})
	got := findPool(t, d, "p", "h100")
	want := ContingencyDoc{Scenario: "aggressive", ExceedsCapacity: true, FirstMonth: "2026-06", RequiredGPUs: 104, CapacityGPUs: 100, Basis: "peak"}
	if diff := cmp.Diff(want, got.Contingency, cmp.Comparer(func(a, b float64) bool { return testkit.Close(a, b) })); diff != "" {
		t.Errorf("Contingency (-want +got):\n%s", diff)
	}
	if len(got.Scenarios) != 3 {
		t.Fatalf("scenarios %v, want conservative, moderate, aggressive", got.Scenarios)
	}
	// moderate: 60, 63, 66.15, 69.4575, 72.930375, in whole GPUs 60, 63,
	// 67, 70, 73 → h = 0.30 in m3 (not below), 0.27 < 0.30 first in
	// 2026-07 (m4).
	if c := got.Scenarios["moderate"].Cliff; c != "2026-07" || got.Cliff != "2026-07" {
		t.Errorf("moderate cliff %q (pool %q), want 2026-07", c, got.Cliff)
	}
	if s := got.Scenarios["conservative"]; s.Cliff != "" || !testkit.Close(s.MinHeadroom, 0.4) || s.RequiredGPUsPeak != 60 {
		t.Errorf("conservative = cliff %q min %g peak %g, want none, 0.4, 60", s.Cliff, s.MinHeadroom, s.RequiredGPUsPeak)
	}
	// aggressive: 72 in 2026-04 → h = 0.28 < 0.30; peak
	// ceil(60 × 1.2^5 = 149.2992) = 150.
	if s := got.Scenarios["aggressive"]; s.Cliff != "2026-04" || s.RequiredGPUsPeak != 150 {
		t.Errorf("aggressive cliff %q peak %g, want 2026-04 and 150", s.Cliff, s.RequiredGPUsPeak)
	}
	if got.Timeline[1].RequiredGPUs != 63 {
		t.Errorf("timeline is not the plan_for scenario: month 1 requires %g, want 63", got.Timeline[1].RequiredGPUs)
	}
}
