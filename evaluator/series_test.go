package evaluator

import (
	"testing"

	"github.com/capcheck/capcheck/internal/testkit"
	"github.com/google/go-cmp/cmp"
)

// TestSeriesOutlook works the series arithmetic by hand, in no particular
// unit: headroom h = 1 − required/capacity, the commit window months 0 …
// min(lead + 3, horizon − 1), its minimum headroom, the cliff (first month
// with h < headroom_min), order-by = cliff − lead and the shortfall at the
// window minimum, ceil(required/(1 − headroom_min) − capacity).
func TestSeriesOutlook(t *testing.T) {
	tests := []struct {
		name string
		s    series
		want outlook
	}{
		{
			// h = 1 − 40/64 = 0.375, 1 − 50/64 = 0.21875, 1 − 45/48 = 0.0625.
			// Window min(1+3, 2) = 2: the minimum is 0.0625 in month 2; the
			// cliff is month 1 (0.21875 < 0.30), order-by 1 − 1 = 0: Now's
			// month, passed. Shortfall in month 2: 45/0.7 = 64.29 − 48 =
			// 16.29 → 17.
			name: "cliff inside the window",
			s:    series{capacity: []float64{64, 64, 48}, required: []float64{40, 50, 45}, headroomMin: 0.3, lead: 1},
			want: outlook{window: 2, minHeadroom: 0.0625, minAt: 2, minHorizon: 0.0625, shortfall: 17,
				cliff: 1, orderBy: 0, orderByPassed: true},
		},
		{
			// Lead 2 months, horizon 6: window min(5, 5) = 5. Months 0–4 have
			// h = 1 − 40/64 = 0.375; month 5 has 1 − 45/48 = 0.0625, the
			// cliff, so order-by is 5 − 2 = month 3, still ahead.
			name: "order-by ahead",
			s: series{capacity: []float64{64, 64, 64, 64, 64, 48}, required: []float64{40, 40, 40, 40, 40, 45},
				headroomMin: 0.3, lead: 2},
			want: outlook{window: 5, minHeadroom: 0.0625, minAt: 5, minHorizon: 0.0625, shortfall: 17,
				cliff: 5, orderBy: 3},
		},
		{
			// Lead 0: window min(3, 5) = 3, months 0–3 at 0.375 (month 0
			// first on ties, shortfall max(0, ceil(57.14 − 64)) = 0). The
			// cliff in month 5 lies beyond the window but inside the horizon.
			name: "cliff beyond the window",
			s: series{capacity: []float64{64, 64, 64, 64, 64, 48}, required: []float64{40, 40, 40, 40, 40, 45},
				headroomMin: 0.3},
			want: outlook{window: 3, minHeadroom: 0.375, minAt: 0, minHorizon: 0.0625, shortfall: 0,
				cliff: 5, orderBy: 5},
		},
		{
			// Tokens per minute against a provider limit of 2,000,000 TPM,
			// headroom_min 0.20, lead 1 month (window min(4, 3) = 3): h =
			// 0.4, 0.3, 1 − 0.8 = 0.19999999999999996 (on the line: no
			// cliff, floating-point noise is forgiven), 1 − 1.7/2 = 0.15 in
			// month 3, the cliff; order-by month 2. Shortfall: 1.7e6/0.8 =
			// 2,125,000 − 2,000,000 = 125,000 TPM.
			name: "tokens per minute",
			s: series{capacity: []float64{2e6, 2e6, 2e6, 2e6}, required: []float64{1.2e6, 1.4e6, 1.6e6, 1.7e6},
				headroomMin: 0.2, lead: 1},
			want: outlook{window: 3, minHeadroom: 0.15, minAt: 3, minHorizon: 0.15, shortfall: 125000,
				cliff: 3, orderBy: 2},
		},
		{
			// No capacity and no demand: h = 1 everywhere, no cliff.
			name: "nothing at all",
			s:    series{capacity: []float64{0, 0}, required: []float64{0, 0}, headroomMin: 0.3, lead: 4},
			want: outlook{window: 1, minHeadroom: 1, minHorizon: 1, cliff: -1},
		},
		{
			// Demand without capacity: h = −1 from month 0, the cliff;
			// order-by 0 − 2 = −2, long passed. Shortfall ceil(7/0.7) = 10.
			name: "demand without capacity",
			s:    series{capacity: []float64{0}, required: []float64{7}, headroomMin: 0.3, lead: 2},
			want: outlook{window: 0, minHeadroom: -1, minHorizon: -1, shortfall: 10,
				cliff: 0, orderBy: -2, orderByPassed: true},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.s.outlook()
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(outlook{}), cmp.Comparer(testkit.Close)); diff != "" {
				t.Errorf("outlook() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSeriesOverrun: the first month required exceeds capacity, else the
// month closest to it.
func TestSeriesOverrun(t *testing.T) {
	tests := []struct {
		name        string
		required    []float64
		wantAt      int
		wantExceeds bool
	}{
		// Gaps 40−64 = −24, 50−64 = −14, 45−48 = −3: none exceeds; month 2
		// comes closest.
		{name: "fits", required: []float64{40, 50, 45}, wantAt: 2},
		// 70 > 64 in month 1, the first over (month 2's 50 > 48 is later).
		{name: "exceeds", required: []float64{40, 70, 50}, wantAt: 1, wantExceeds: true},
		// Exactly at capacity is not over; gaps 0, 0, −3: month 0 first on ties.
		{name: "at capacity", required: []float64{64, 64, 45}, wantAt: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := series{capacity: []float64{64, 64, 48}, required: tc.required}
			if at, exceeds := s.overrun(); at != tc.wantAt || exceeds != tc.wantExceeds {
				t.Errorf("overrun() = %d, %v, want %d, %v", at, exceeds, tc.wantAt, tc.wantExceeds)
			}
		})
	}
}

// threeZones is {a: 24, b: 24, c: 16}, largest first (a before b on the
// tie): 64 units.
var threeZones = []domain{{"a", 24}, {"b", 24}, {"c", 16}}

func TestLargestLoss(t *testing.T) {
	tests := []struct {
		name  string
		k     int
		limit float64
		want  float64
	}{
		{name: "none", k: 0, limit: -1, want: 0},
		{name: "largest", k: 1, limit: -1, want: 24},
		{name: "two largest", k: 2, limit: -1, want: 48},
		{name: "more than there are", k: 5, limit: -1, want: 64},
		// Each domain counted at most 20: 20 + 20.
		{name: "capped", k: 2, limit: 20, want: 40},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := largestLoss(threeZones, tc.k, tc.limit); got != tc.want {
				t.Errorf("largestLoss(k=%d, limit=%g) = %g, want %g", tc.k, tc.limit, got, tc.want)
			}
		})
	}
}

// TestSeriesNPlus: capacity − Σ k largest domains ≥ required, over the
// commit window, reporting the worst month.
func TestSeriesNPlus(t *testing.T) {
	tests := []struct {
		name     string
		s        series
		k        int
		critical []float64 // nil: s.required
		last     int
		want     nPlusResult
	}{
		{
			// N+1 over {a:24, b:24, c:16}: 64 − 24 = 40 ≥ 40, margin 0.
			name: "N+1 holds at the line",
			s:    series{capacity: []float64{64}, required: []float64{40}, domains: [][]domain{threeZones}},
			k:    1,
			want: nPlusResult{ok: true, month: 0, domains: threeZones, lost: 24, after: 40, required: 40},
		},
		{
			// 64 − 24 = 40 < 41.
			name: "N+1 short by one",
			s:    series{capacity: []float64{64}, required: []float64{41}, domains: [][]domain{threeZones}},
			k:    1,
			want: nPlusResult{month: 0, domains: threeZones, lost: 24, after: 40, required: 41},
		},
		{
			// N+2: 64 − 48 = 16 < 40.
			name: "N+2",
			s:    series{capacity: []float64{64}, required: []float64{40}, domains: [][]domain{threeZones}},
			k:    2,
			want: nPlusResult{month: 0, domains: threeZones, lost: 48, after: 16, required: 40},
		},
		{
			// Only the critical demand is owed redundancy: 64 − 24 = 40 ≥ 30
			// although all demand (50) would not fit.
			name:     "critical demand only",
			s:        series{capacity: []float64{64}, required: []float64{50}, domains: [][]domain{threeZones}},
			k:        1,
			critical: []float64{30},
			want:     nPlusResult{ok: true, month: 0, domains: threeZones, lost: 24, after: 40, required: 30},
		},
		{
			// Month 0: 64 − 24 − 40 = margin 0. Month 1, zone b gone: {a:24,
			// c:16} = 40, 40 − 24 = 16 against 30, margin −14: the worst.
			// Month 2 lies beyond last = 1 and is not judged.
			name: "worst month",
			s: series{capacity: []float64{64, 40, 0}, required: []float64{40, 30, 99},
				domains: [][]domain{threeZones, {{"a", 24}, {"c", 16}}}},
			k:    1,
			last: 1,
			want: nPlusResult{month: 1, domains: []domain{{"a", 24}, {"c", 16}}, lost: 24, after: 16, required: 30},
		},
		{
			// No domains known: nothing is lost, 64 ≥ 40.
			name: "no domains",
			s:    series{capacity: []float64{64}, required: []float64{40}},
			k:    1,
			want: nPlusResult{ok: true, month: 0, after: 64, required: 40},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			critical := tc.critical
			if critical == nil {
				critical = tc.s.required
			}
			got := tc.s.nPlus(tc.k, critical, tc.last)
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(nPlusResult{}, domain{})); diff != "" {
				t.Errorf("nPlus(k=%d) mismatch (-want +got):\n%s", tc.k, diff)
			}
		})
	}
}

// TestSeriesBacking: backed = max over the window of max(required/(1 −
// headroom_min), required + Σ max(k,1) largest domains each at most
// required); capacity above backed × (1 + tolerance) is unbacked.
func TestSeriesBacking(t *testing.T) {
	tests := []struct {
		name string
		s    series
		k    int
		last int
		want backing
	}{
		{
			// Headroom and N+1 both owed: 40/0.7 + min(24, 40) = 57.14 +
			// 24 = 81.14 ≥ peak 64: all capacity is backed.
			name: "N+1 backs the largest zone",
			s:    series{capacity: []float64{64}, required: []float64{40}, headroomMin: 0.3, domains: [][]domain{threeZones}},
			k:    1,
			want: backing{backed: 40/0.7 + 24, peak: 64},
		},
		{
			// k = 0 still backs the largest domain (DESIGN's "largest
			// domain"): the same 81.14.
			name: "k 0 backs the largest domain",
			s:    series{capacity: []float64{64}, required: []float64{40}, headroomMin: 0.3, domains: [][]domain{threeZones}},
			want: backing{backed: 40/0.7 + 24, peak: 64},
		},
		{
			// 20/0.7 + min(60, 20) = 28.57 + 20 = 48.57: the oversized
			// zone a cannot justify itself. Peak 100 > 48.57 × 1.1 =
			// 53.43: 100 − 48.57 = 51.43 unbacked.
			name: "oversized zone",
			s: series{capacity: []float64{100}, required: []float64{20}, headroomMin: 0.3,
				domains: [][]domain{{{"a", 60}, {"b", 40}}}},
			k:    1,
			want: backing{backed: 20/0.7 + 20, peak: 100, unbacked: 100 - (20/0.7 + 20)},
		},
		{
			// Month 0 has no demand (backed 0, domain term skipped); month 1
			// 40/0.7 = 57.14 without domains. Peak 64 > 57.14 × 1.1 = 62.86:
			// 64 − 57.14 = 6.86 unbacked.
			name: "no demand, then demand",
			s:    series{capacity: []float64{64, 64}, required: []float64{0, 40}, headroomMin: 0.3},
			k:    1,
			last: 1,
			want: backing{backed: 40 / 0.7, peak: 64, unbacked: 64 - 40/0.7},
		},
		{
			// Within tolerance: backed 57.14, peak 60 ≤ 62.86.
			name: "within tolerance",
			s:    series{capacity: []float64{60}, required: []float64{40}, headroomMin: 0.3},
			k:    1,
			want: backing{backed: 40 / 0.7, peak: 60},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.s.backing(tc.k, tc.last, 0.10)
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(backing{}), cmp.Comparer(testkit.Close)); diff != "" {
				t.Errorf("backing(k=%d) mismatch (-want +got):\n%s", tc.k, diff)
			}
		})
	}
}

// TestTariffMonth: one 30-day month (720 h) at 2 reserved and 5 on demand
// per unit-hour, overflow rented 8 h a day.
func TestTariffMonth(t *testing.T) {
	tr := tariff{reserved: 2, onDemand: 5, onDemandHours: 8}
	// Reserved 10 × 2 × 720 = 14,400; overflow 14 − 10 = 4 × 30 × 8 = 960
	// unit-hours and interruptible 3 × 720 = 2,160, (960 + 2,160) × 5 =
	// 15,600: 30,000. On demand 4 + 3 = 7; all on demand (14 + 3) × 5 ×
	// 720 = 61,200.
	cost, od, all := tr.month(10, 14, 3, 30)
	if cost != 30000 || od != 7 || all != 61200 {
		t.Errorf("month(10, 14, 3, 30 days) = %g, %g, %g, want 30000, 7, 61200", cost, od, all)
	}
	// Demand below capacity rents nothing: 10 × 2 × 720 = 14,400.
	if cost, od, _ := tr.month(10, 6, 0, 30); cost != 14400 || od != 0 {
		t.Errorf("month(10, 6, 0, 30 days) = %g, %g, want 14400, 0", cost, od)
	}
}
