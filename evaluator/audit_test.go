package evaluator

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/capcheck/capcheck/forecast"
	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/schema"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// The audit window of these tests: 14 days to midnight of now's date,
// (2026-02-24T00:00Z, 2026-03-10T00:00Z], hourly: 336 points, covering
// 2026-02 (month -1) and 2026-03 (month 0).
var (
	auditEnd   = date(2026, 3, 10)
	auditStart = auditEnd.AddDate(0, 0, -14)
)

// hourly is a series of 336 hourly points ending at auditEnd whose value
// is f(i) for point i = 0 (2026-02-24T01:00Z) … 335.
func hourly(f func(i int) float64) forecast.Series {
	var s forecast.Series
	for i := range 336 {
		s.Times = append(s.Times, auditStart.Add(time.Duration(i+1)*time.Hour))
		s.Values = append(s.Values, f(i))
	}
	return s
}

// auditPlan is plan "inference": pool h100 (88 GPUs in one zone, lead 8
// weeks = 2 months, so the commit window is months 0…5) with
//   - chat: inference, peak 400 rps as of 2026-01-15 (month -2), 10 rps per
//     GPU, an event ×1.5 from 2026-02-20 to 2026-02-28;
//   - search: inference, p95 100 rps (no as_of), 20 rps per GPU;
//
// and pool a100 (no reservations, no utilisation queries) with ft, a
// training workload without actuals. Moderate growth is 2%/month; the
// horizon 24 months.
func auditPlan() (*schema.Plan, Input) {
	p := newPlan("inference")
	p.HorizonMonths = 24
	p.Policy.DriftTolerance = 0.15
	p.Policy.WarnUtilization = 0.70
	p.Policy.CriticalUtilization = 0.85
	p.Policy.ReservedUtilizationMin = 0.50
	setGrowth(p, schema.Moderate, 0.02)
	h100 := addPool(p, "h100", 8, "aws_ec2_capacity_reservation.h100")
	h100.Utilization = &schema.UtilizationQueries{
		GPU:         &schema.Actuals{Prometheus: "avg(gpu_util{pool=\"h100\"}) / 100"},
		Reservation: &schema.Actuals{Prometheus: "reservation_util{pool=\"h100\"}"},
	}
	addPool(p, "a100", 8)
	chat := addInference(p, "chat", "h100", 400, 10)
	chat.AsOf = date(2026, 1, 15)
	chat.Events = []schema.Event{{Name: "launch", Start: date(2026, 2, 20), End: date(2026, 2, 28), Multiplier: 1.5}}
	chat.Actuals = &schema.Actuals{Prometheus: "sum(rate(chat_requests_total[5m]))"}
	search := addInference(p, "search", "h100", 0, 20)
	search.RequestsPerS = &schema.Rate{P95: fp(100)}
	search.Actuals = &schema.Actuals{CSV: "actuals/search.csv"}
	p.Workloads["ft"] = &schema.Workload{Name: "ft", Pos: at(50, 3), Kind: schema.KindTraining, Pool: "a100", GPUHoursPerMonth: 744}
	p.Positions["workloads.chat"] = at(30, 3)
	p.Positions["workloads.chat.requests_per_s.peak"] = at(32, 21)
	p.Positions["workloads.search.requests_per_s.p95"] = at(40, 20)
	p.Positions["workloads.ft"] = at(50, 3)
	p.Positions["pools.h100.utilization.gpu"] = at(14, 10)
	in := Input{
		Plans:     []*schema.Plan{p},
		Inventory: inventoryOf(rsv("aws_ec2_capacity_reservation.h100", "us-east-1a", 1, 11, 8)),
		GPUs:      testGPUs,
		Now:       now,
	}
	return p, in
}

// auditObserved: chat runs at 500 rps with one 700 rps hour (point 100,
// 2026-02-28T05:00Z); search at 60 rps for 310 hours, 130 for 20 and 200
// for 6 (sorted: the 320th smallest of 336, ⌈0.95·336⌉ = ⌈319.2⌉, is
// 130); h100's GPUs 50% busy in the first 168 hours and 90% after.
func auditObserved() Observed {
	return Observed{
		Start: auditStart, End: auditEnd, Step: time.Hour, Prometheus: true,
		Workloads: map[string]Observation{
			"inference/chat": {Source: "max_over_time((sum(rate(chat_requests_total[5m])))[1h:])", Series: hourly(func(i int) float64 {
				if i == 100 {
					return 700
				}
				return 500
			})},
			"inference/search": {Source: "actuals/search.csv", Series: hourly(func(i int) float64 {
				switch {
				case i < 310:
					return 60
				case i < 330:
					return 130
				}
				return 200
			})},
		},
		GPUUtilization: map[string]Observation{
			"inference/h100": {Source: "gpu query", Series: hourly(func(i int) float64 {
				if i < 168 {
					return 0.5
				}
				return 0.9
			})},
		},
	}
}

func TestAudit(t *testing.T) {
	_, in := auditPlan()
	doc, err := Audit(in, auditObserved())
	if err != nil {
		t.Fatalf("Audit: %v", err)
	}
	ad := doc.Audit
	if ad == nil {
		t.Fatal("Audit left doc.Audit nil")
	}
	pos := func(line, col int) diag.Range { return diag.Pos{File: planFile, Line: line, Column: col}.Range() }
	want := &AuditDoc{
		Start: "2026-02-24T00:00:00Z", End: "2026-03-10T00:00:00Z", WindowDays: 14, StepSeconds: 3600,
		Months: []string{"2026-02", "2026-03"},
		Workloads: []AuditWorkloadDoc{
			// Projected: 2026-02 (m = -1, 1 month after as_of) 400 × 1.02 ×
			// 1.5 (event) = 612; 2026-03 (m = 0) 400 × 1.02² = 416.16. The
			// larger is 612 in 2026-02. Drift 700 / 612 − 1 = 0.14379.
			{Name: "chat", Plan: "inference", Pool: "h100", Kind: "inference", Location: pos(32, 21),
				Source: "max_over_time((sum(rate(chat_requests_total[5m])))[1h:])",
				Unit:   "requests/s", Basis: "peak", Samples: 336,
				ObservedPeak: 700, ObservedPeakAt: "2026-02-28T05:00:00Z", ObservedP95: 500,
				// (335 × 500 + 700) / 336 = 168200 / 336.
				ObservedMean: 168200.0 / 336, Observed: 700,
				Projected: 612, ProjectedMonth: "2026-02", Drift: 700.0/612 - 1, DriftTolerance: 0.15,
				Direction: "above", PlanMonthlyGrowth: 0.02},
			// No as_of: the exponent is m, clamped at 0, so both months
			// project 100 (the first, 2026-02, is reported). Drift on the
			// p95 basis: 130 / 100 − 1 = 0.30.
			{Name: "search", Plan: "inference", Pool: "h100", Kind: "inference", Location: pos(40, 20),
				Source: "actuals/search.csv", Unit: "requests/s", Basis: "p95", Samples: 336,
				// The first 200 is point 330: 02-24 + 331 h = 03-09T19:00.
				ObservedPeak: 200, ObservedPeakAt: "2026-03-09T19:00:00Z", ObservedP95: 130,
				// (310 × 60 + 20 × 130 + 6 × 200) / 336 = 22400 / 336.
				ObservedMean: 22400.0 / 336, Observed: 130,
				Projected: 100, ProjectedMonth: "2026-02", Drift: 0.30, DriftTolerance: 0.15,
				Direction: "above", PlanMonthlyGrowth: 0.02},
		},
		Pools: []AuditPoolDoc{
			{Name: "a100", Plan: "inference", Location: pos(10, 3),
				WarnUtilization: 0.7, CriticalUtilization: 0.85, ReservedUtilizationMin: 0.5,
				// No capacity: headroom -1 from month 0.
				Cliff: "2026-03", OrderBy: "2026-01", MinHeadroom: -1,
				RefreshedCliff: "2026-03", RefreshedOrderBy: "2026-01", RefreshedMinHeadroom: -1, RefreshedFrom: []string{}},
			// Plan, in whole GPUs per workload: ceil(40 × 1.02^(m+2)) +
			// ceil(5 × 1.02^m) of 88, short of 0.7 × 88 = 61.6 from 62.
			// m = 13 (1.02^13 = 1.29361): ceil(53.83) + ceil(6.47) = 54 + 7
			// = 61; m = 14 (1.31948): ceil(54.91) + ceil(6.60) = 55 + 7 =
			// 62: cliff 2027-05, order by 2027-03. Lowest commit-window
			// headroom at m = 5 (1.10408): ceil(45.95) + ceil(5.52) = 46 +
			// 6 = 52, 1 − 52/88 = 0.40909.
			// Refreshed: ceil(700/10 × 1.02^m) + ceil(130/20 × 1.02^m):
			// 70 + 7 = 77 > 61.6 already at m = 0, cliff 2026-03, order by
			// 2026-01; at m = 5 ceil(77.29) + ceil(7.18) = 78 + 8 = 86,
			// 1 − 86/88 = 0.02273.
			{Name: "h100", Plan: "inference", Location: pos(10, 3),
				WarnUtilization: 0.7, CriticalUtilization: 0.85, ReservedUtilizationMin: 0.5,
				// 168 × 0.5 then 168 × 0.9: peak 0.9 first at point 168
				// (2026-03-03T01:00Z), p95 0.9, mean 0.7.
				GPU:          &UtilizationDoc{Source: "gpu query", Samples: 336, Peak: 0.9, PeakAt: "2026-03-03T01:00:00Z", P95: 0.9, Mean: 0.7},
				ReservedGPUs: 88, Cliff: "2027-05", OrderBy: "2027-03", MinHeadroom: 1 - 52.0/88,
				RefreshedCliff: "2026-03", RefreshedOrderBy: "2026-01", RefreshedMinHeadroom: 1 - 86.0/88,
				RefreshedFrom: []string{"chat", "search"}},
		},
		NotAudited: []NotAuditedDoc{
			{Target: "pool/a100", Kind: "pool", Name: "a100", Plan: "inference", What: "gpu_utilization",
				Reason:   "no utilization.gpu source: add utilization.gpu.prometheus (the share of its GPUs busy, 0..1) or utilization.gpu.csv",
				Location: pos(10, 3)},
			{Target: "pool/a100", Kind: "pool", Name: "a100", Plan: "inference", What: "reservation_utilization",
				Reason:   "no utilization.reservation source: add utilization.reservation.prometheus (the share of its reserved GPUs in use, 0..1) or utilization.reservation.csv",
				Location: pos(10, 3)},
			{Target: "pool/h100", Kind: "pool", Name: "h100", Plan: "inference", What: "reservation_utilization",
				Reason: "no observed series was supplied for utilization.reservation", Location: pos(10, 3)},
			{Target: "workload/ft", Kind: "workload", Name: "ft", Plan: "inference", What: "demand",
				Reason:   "no actuals source: add actuals.prometheus (a query of the GPUs it uses) or actuals.csv",
				Location: pos(50, 3)},
		},
	}
	opts := cmp.Options{
		cmpopts.EquateApprox(0, 1e-9),
		cmpopts.IgnoreFields(AuditWorkloadDoc{}, "Fit", "FitError"),
	}
	if diff := cmp.Diff(want, ad, opts); diff != "" {
		t.Errorf("Audit (-want +got):\n%s", diff)
	}
	// Daily peaks of (02-24, 03-10]: 02-24 … 03-09 and the 00:00 point of
	// 03-10: 15 days.
	for _, w := range ad.Workloads {
		if w.Fit == nil || w.Fit.Days != 15 || w.Fit.Method == "" || w.FitError != "" {
			t.Errorf("workload %s: Fit = %+v, FitError %q; want a fit of 15 daily peaks", w.Name, w.Fit, w.FitError)
		}
	}
	// The plan's own document is unchanged by the refresh.
	if got := findPool(t, doc, "inference", "h100").Cliff; got != "2027-05" {
		t.Errorf("doc pool h100 cliff = %q, want the plan's 2027-05", got)
	}
	// Deterministic JSON: two runs encode byte for byte the same.
	doc2, err := Audit(in, auditObserved())
	if err != nil {
		t.Fatal(err)
	}
	b1, _ := json.Marshal(doc)
	b2, _ := json.Marshal(doc2)
	if string(b1) != string(b2) {
		t.Error("two audits of the same input encode differently")
	}
}

func TestAuditNotAuditedReasons(t *testing.T) {
	p, in := auditPlan()
	obs := auditObserved()
	obs.Prometheus = false
	delete(obs.Workloads, "inference/chat")
	p.Pools["h100"].Utilization.Reservation = &schema.Actuals{CSV: "actuals/res.csv", Prometheus: "q"}
	doc, err := Audit(in, obs)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, n := range doc.Audit.NotAudited {
		got[n.Target+" "+n.What] = n.Reason
	}
	want := map[string]string{
		"pool/a100 gpu_utilization":         "no utilization.gpu source: add utilization.gpu.prometheus (the share of its GPUs busy, 0..1) or utilization.gpu.csv",
		"pool/a100 reservation_utilization": "no utilization.reservation source: add utilization.reservation.prometheus (the share of its reserved GPUs in use, 0..1) or utilization.reservation.csv",
		// A CSV is configured too, so the caller should have read it.
		"pool/h100 reservation_utilization": "no observed series was supplied for utilization.reservation",
		"workload/chat demand":              "actuals.prometheus is set but no Prometheus server was given to read it from",
		"workload/ft demand":                "no actuals source: add actuals.prometheus (a query of the GPUs it uses) or actuals.csv",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("not audited (-want +got):\n%s", diff)
	}
	// Without chat, h100 is refreshed from search alone, in whole GPUs:
	// ceil(40 × 1.02^(m+2)) + ceil(6.5 × 1.02^m), 62 or more (above 61.6)
	// first at m = 12 (1.02^12 = 1.26824: ceil(52.78) + ceil(8.24) = 53 +
	// 9 = 62; m = 11, 1.24337: 52 + 9 = 61): 2027-03.
	for _, ap := range doc.Audit.Pools {
		if ap.Name == "h100" && (ap.RefreshedCliff != "2027-03" || !cmp.Equal(ap.RefreshedFrom, []string{"search"})) {
			t.Errorf("h100 refreshed cliff %q from %v, want 2027-03 from [search]", ap.RefreshedCliff, ap.RefreshedFrom)
		}
	}
}

func TestAuditBases(t *testing.T) {
	// An avg-only baseline is compared with the mean; a fitted baseline
	// (no written rate) is projected from the trend without as_of.
	p, in := auditPlan()
	p.Workloads["chat"].RequestsPerS = &schema.Rate{Avg: fp(400)}
	p.Workloads["search"].RequestsPerS = nil
	in.Trends = map[string]Trend{"inference/search": {BaselinePeak: 80, MonthlyGrowth: 0.05, Method: "log-linear", Source: "actuals/search.csv"}}
	doc, err := Audit(in, auditObserved())
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		Basis               string
		Observed, Projected float64
		Month               string
		Location            diag.Range
	}
	var got []row
	for _, w := range doc.Audit.Workloads {
		got = append(got, row{w.Basis, w.Observed, w.Projected, w.ProjectedMonth, w.Location})
	}
	want := []row{
		// chat avg: mean 168200/336 against 400 × 1.02 × 1.5 = 612 in 2026-02;
		// positions fall back to the workload (no requests_per_s.avg entry).
		{"avg", 168200.0 / 336, 612, "2026-02", diag.Pos{File: planFile, Line: 30, Column: 3}.Range()},
		// search from the trend: 80 × 1.02^0 in both months (exponent m
		// clamped at 0); the peak 200 is compared.
		{"peak", 200, 80, "2026-02", diag.Pos{File: planFile, Line: 30, Column: 3}.Range()},
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateApprox(0, 1e-9)); diff != "" {
		t.Errorf("bases (-want +got):\n%s", diff)
	}
}

func TestAuditErrors(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(o *Observed)
		want   string
	}{
		{name: "utilisation as a percentage",
			mutate: func(o *Observed) {
				o.GPUUtilization["inference/h100"] = Observation{Source: "gpu query", Series: hourly(func(int) float64 { return 87 })}
			},
			want: "capacity/plan.cue:14:10: error: pool h100 utilization.gpu (gpu query): value 87 at 2026-02-24T01:00:00Z is outside [0, 1]: utilisation is a fraction 0..1 (divide a percentage by 100 in the query)"},
		{name: "negative demand",
			mutate: func(o *Observed) {
				o.Workloads["inference/chat"] = Observation{Source: "q", Series: hourly(func(i int) float64 { return float64(200 - i) })}
			},
			want: "capacity/plan.cue:30:3: error: workload chat actuals (q): value -1 at 2026-03-04T10:00:00Z is outside [0, +Inf]"},
		{name: "no samples in the window",
			mutate: func(o *Observed) {
				s := hourly(func(int) float64 { return 1 })
				for i := range s.Times {
					s.Times[i] = s.Times[i].AddDate(0, -1, 0)
				}
				o.Workloads["inference/chat"] = Observation{Source: "q", Series: s}
			},
			want: "no samples between 2026-02-24T00:00:00Z and 2026-03-10T00:00:00Z"},
		{name: "unknown key",
			mutate: func(o *Observed) { o.Workloads["inference/chta"] = o.Workloads["inference/chat"] },
			want:   `audit: observation for workload "inference/chta", which no plan defines`},
		{name: "empty window",
			mutate: func(o *Observed) { o.End = o.Start },
			want:   "is empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, in := auditPlan()
			obs := auditObserved()
			tc.mutate(&obs)
			_, err := Audit(in, obs)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Audit error = %v, want it to contain %q", err, tc.want)
			}
			if _, ok := err.(diag.Diagnostics); !ok {
				t.Errorf("error is %T, want diag.Diagnostics", err)
			}
		})
	}
}

func BenchmarkAudit(b *testing.B) {
	_, in := auditPlan()
	obs := auditObserved()
	for b.Loop() {
		if _, err := Audit(in, obs); err != nil {
			b.Fatal(err)
		}
	}
}
