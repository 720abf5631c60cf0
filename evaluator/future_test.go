package evaluator

import (
	"testing"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/inventory"
	"github.com/capcheck/capcheck/schema"
	"github.com/google/go-cmp/cmp"
)

// Capacity that arrives later (issue 17): a reservation with a future
// start counts only from the first month it covers whole, in the
// timeline, the cliff and order-by (CAP005), N+k and CAP012.

// TestFutureReservationCliff: pool h100 (lead time 8 weeks = 56 days)
// holds reservation a, 2 × 8 = 16 GPUs, open-ended; demand is
// 10 × 1.1^m requests/s at 1 per GPU (10, 11, 12.1, 13.31, 14.641, 16.105,
// 17.716, 19.487, 21.436, 23.579, 25.937, 28.531), in whole GPUs 10, 11,
// 13, 14, 15, 17, 18, 20, 22, 24, 26, 29. Alone, a gives h(m) = 1 −
// req/16: 0.375, 0.3125, then 1 − 13/16 = 0.1875 < 0.30 in 2026-05, the cliff;
// order-by 2026-05-01 − 56 days = 2026-03-06, before Now (2026-03-10):
// CAP005. A future reservation b in zone b answers it only when it covers
// the cliff month whole, and then only for the GPUs it brings.
func TestFutureReservationCliff(t *testing.T) {
	tests := []struct {
		name        string
		bCount      int    // instances of 8 GPUs; 0: no b
		bStart      string // b's start as written
		wantCap     []float64
		wantCliff   string
		wantOrderBy string // order_by_date
		wantPassed  bool
	}{
		{
			name: "no future reservation", wantCliff: "2026-05", wantOrderBy: "2026-03-06", wantPassed: true,
			wantCap: []float64{16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16},
		},
		{
			// Beyond the horizon (2026-03 … 2027-02): nothing counts.
			name: "16 GPUs from May 2027, beyond the horizon", bCount: 2, bStart: "2027-05-01T00:00:00Z",
			wantCliff: "2026-05", wantOrderBy: "2026-03-06", wantPassed: true,
			wantCap: []float64{16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16},
		},
		{
			// From the cliff month's first day, 32 GPUs: the cliff is the
			// first month with req > 0.7 × 32 = 22.4: 2026-12 (24;
			// November's 22 is not). Order-by 2026-12-01 − 56 days =
			// 2026-10-06: not passed, CAP005 answered.
			name: "16 GPUs from 1 May 2026", bCount: 2, bStart: "2026-05-01T00:00:00Z",
			wantCliff: "2026-12", wantOrderBy: "2026-10-06", wantPassed: false,
			wantCap: []float64{16, 16, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32},
		},
		{
			// Only 8 more GPUs: 24 carry req ≤ 16.8 until 2026-07
			// (15); 2026-08 needs 17 (16.105 rounded up): cliff there,
			// order-by 2026-08-01 − 56 days = 2026-06-06, not passed.
			name: "8 GPUs from 1 May 2026 move the cliff as far as they reach", bCount: 1, bStart: "2026-05-01",
			wantCliff: "2026-08", wantOrderBy: "2026-06-06", wantPassed: false,
			wantCap: []float64{16, 16, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24},
		},
		{
			// 09:00 on 1 May leaves 1 May part-covered: from 2 May, so May
			// is not whole and the May cliff stays a finding.
			name: "from 1 May 2026 at 09:00: May is not whole", bCount: 2, bStart: "2026-05-01T09:00:00Z",
			wantCliff: "2026-05", wantOrderBy: "2026-03-06", wantPassed: true,
			wantCap: []float64{16, 16, 16, 32, 32, 32, 32, 32, 32, 32, 32, 32},
		},
		{
			// After the cliff: 2026-05 is still short and CAP005 stands.
			name: "16 GPUs from 1 June 2026, after the cliff", bCount: 2, bStart: "2026-06-01",
			wantCliff: "2026-05", wantOrderBy: "2026-03-06", wantPassed: true,
			wantCap: []float64{16, 16, 16, 32, 32, 32, 32, 32, 32, 32, 32, 32},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newPlan("p")
			setGrowth(p, schema.Moderate, 0.10)
			addPool(p, "h100", 8, "google_compute_reservation.*", "google_compute_future_reservation.*").Region = "us-central1"
			addInference(p, "api", "h100", 10, 1)
			a := rsv("google_compute_reservation.a", "us-central1-a", 1, 2, 8)
			a.ResourceType = "google_compute_reservation"
			rs := []inventory.Entry{a}
			if tc.bCount > 0 {
				b := rsv("google_compute_future_reservation.b", "us-central1-b", 20, tc.bCount, 8)
				b.ResourceType = "google_compute_future_reservation"
				b.Start, b.End = tc.bStart, "2028-04-01T00:00:00Z"
				rs = append(rs, b)
			}
			got := findPool(t, mustEval(t, Input{Plans: []*schema.Plan{p}, Inventory: inventoryOf(rs...)}), "p", "h100")
			var caps []float64
			for _, m := range got.Timeline {
				caps = append(caps, m.CapacityGPUs)
			}
			if diff := cmp.Diff(tc.wantCap, caps); diff != "" {
				t.Errorf("capacity per month (-want +got):\n%s", diff)
			}
			if got.Cliff != tc.wantCliff || got.OrderByDate != tc.wantOrderBy || got.OrderByPassed != tc.wantPassed {
				t.Errorf("cliff %q order-by %q passed %v, want %q %q %v", got.Cliff, got.OrderByDate, got.OrderByPassed, tc.wantCliff, tc.wantOrderBy, tc.wantPassed)
			}
		})
	}
}

// TestFutureReservationNPlus: a (16 GPUs, zone a) and b (16, zone b) face
// 10 GPUs of demand that needs redundancy; the commit window is months
// 0 … L+3 = 0 … 5 (L = 2). Before b starts, losing zone a leaves 0 < 10:
// that month is the worst (0 − 10 = −10, against 16 − 10 = 6 once b
// counts), and N+1 fails until b covers a month whole.
func TestFutureReservationNPlus(t *testing.T) {
	tests := []struct {
		name       string
		bStart     string
		wantOK     bool
		wantMonth  string
		wantDomain []DomainDoc
		wantAfter  float64
	}{
		{name: "b started before Now", bStart: "2026-03-05", wantOK: true, wantMonth: "2026-03",
			wantDomain: []DomainDoc{{Name: "us-central1-a", GPUs: 16}, {Name: "us-central1-b", GPUs: 16}}, wantAfter: 16},
		// 12 March is after Now (10 March): the rest of March is not
		// covered whole.
		{name: "b starts later this month", bStart: "2026-03-12", wantOK: false, wantMonth: "2026-03",
			wantDomain: []DomainDoc{{Name: "us-central1-a", GPUs: 16}}, wantAfter: 0},
		{name: "b starts in June", bStart: "2026-06-01", wantOK: false, wantMonth: "2026-03",
			wantDomain: []DomainDoc{{Name: "us-central1-a", GPUs: 16}}, wantAfter: 0},
		// After the commit window (ends 2026-08) b never counts there.
		{name: "b starts after the commit window", bStart: "2026-09-01", wantOK: false, wantMonth: "2026-03",
			wantDomain: []DomainDoc{{Name: "us-central1-a", GPUs: 16}}, wantAfter: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newPlan("p")
			addPool(p, "h100", 8, "google_compute_reservation.*", "google_compute_future_reservation.*").Region = "us-central1"
			w := addInference(p, "api", "h100", 10, 1)
			w.SLO = &schema.SLO{Availability: 0.999}
			a := rsv("google_compute_reservation.a", "us-central1-a", 1, 2, 8)
			b := rsv("google_compute_future_reservation.b", "us-central1-b", 20, 2, 8)
			b.Start = tc.bStart
			got := findPool(t, mustEval(t, Input{Plans: []*schema.Plan{p}, Inventory: inventoryOf(a, b)}), "p", "h100")
			want := NPlusDoc{K: 1, Domain: DomainZone, Required: true, OK: tc.wantOK, Month: tc.wantMonth,
				Domains: tc.wantDomain, CapacityAfterLoss: tc.wantAfter, RequiredGPUs: 10, LostGPUs: 16}
			if diff := cmp.Diff(want, got.NPlus); diff != "" {
				t.Errorf("NPlus mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestFutureReservationExpiring: CAP012 fires for capacity that arrives
// later and ends while demand remains. a holds 16 GPUs open-ended; b
// brings 16 more from 1 May to 31 August 2026 (inclusive); demand is 20
// GPUs flat. From September a alone has 1 − 20/16 < 0.30: b is expiring
// with month 2026-09. c, a block from 1 to 30 June, ends while a + b
// (32, headroom 1 − 20/32 = 0.375) still cover July: no finding.
func TestFutureReservationExpiring(t *testing.T) {
	p := newPlan("p")
	addPool(p, "h100", 8, "google_compute_reservation.*", "google_compute_future_reservation.*").Region = "us-central1"
	addInference(p, "api", "h100", 20, 1)
	a := rsv("google_compute_reservation.a", "us-central1-a", 1, 2, 8)
	b := rsv("google_compute_future_reservation.b", "us-central1-b", 20, 2, 8)
	b.Start, b.End = "2026-05-01", "2026-08-31"
	c := rsv("google_compute_future_reservation.c", "us-central1-c", 40, 1, 8)
	c.Start, c.End = "2026-06-01", "2026-06-30"
	got := findPool(t, mustEval(t, Input{Plans: []*schema.Plan{p}, Inventory: inventoryOf(a, b, c)}), "p", "h100")
	want := []ExpiringDoc{{Address: "google_compute_future_reservation.b", End: "2026-08-31", LastDay: "2026-08-31", Month: "2026-09",
		GPUs: 16, RequiredGPUs: 20, Location: diag.Pos{File: "infra/gpu.tf", Line: 20, Column: 1}.Range()}}
	if diff := cmp.Diff(want, got.Expiring); diff != "" {
		t.Errorf("Expiring (-want +got):\n%s", diff)
	}
}
