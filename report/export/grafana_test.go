package export

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
	"github.com/grafana/grafana-foundation-sdk/go/testdata"

	"github.com/capcheck/capcheck/evaluator"
	"github.com/capcheck/capcheck/schema"
)

// gotPanel is what the tests read of a panel: its title, each query (a
// Prometheus expression or a TestData CSV), its threshold steps (colour,
// then value and colour per step), its description and time override.
type gotPanel struct {
	Title string
	Exprs []string
	Steps []any
	Desc  string
	Time  string // timeFrom + " shift " + timeShift
}

// decodeDashboard round-trips the dashboard through the SDK's types: the
// JSON decodes into dashboard.Dashboard and encodes back to the same JSON
// (so no field is unknown to the SDK or dropped), and each query decodes
// strictly into the SDK's type for its panel's data source
// (prometheus.Dataquery without one, the default data source;
// testdata.Dataquery for TestData). The SDK's strict decoder of a whole
// dashboard is not used: in v0.0.22 a panel's success (an empty
// cog.BuildErrors) reads as a failure and leaves the panel out.
func decodeDashboard(t *testing.T, raw []byte) (dashboard.Dashboard, []gotPanel) {
	t.Helper()
	var d dashboard.Dashboard
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatalf("the dashboard does not decode into dashboard.Dashboard: %v\n%s", err, raw)
	}
	again, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	var a, b any
	if err := json.Unmarshal(raw, &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(again, &b); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("the dashboard does not encode back the same (-written +decoded):\n%s", diff)
	}
	var got []gotPanel
	for _, p := range d.Panels {
		if p.Panel == nil {
			t.Fatalf("a row where a panel was expected")
		}
		var exprs []string
		for _, tg := range p.Panel.Targets {
			q, _ := json.Marshal(tg)
			if p.Panel.Datasource != nil && deref(p.Panel.Datasource.Type) == testDataType {
				var td testdata.Dataquery
				if err := strict(td.UnmarshalJSONStrict(q)); err != nil {
					t.Fatalf("panel %q: a query is not a TestData query: %v\n%s", deref(p.Panel.Title), err, q)
				}
				if td.ScenarioId == nil || *td.ScenarioId != testdata.DataqueryScenarioIdCsvContent ||
					td.Datasource == nil || deref(td.Datasource.Type) != testDataType || deref(td.Datasource.Uid) != "${capcheck_testdata}" {
					t.Errorf("panel %q: want a csv_content query of the TestData variable, got %s", deref(p.Panel.Title), q)
				}
				exprs = append(exprs, deref(td.CsvContent))
				continue
			}
			var pq prometheus.Dataquery
			if err := strict(pq.UnmarshalJSONStrict(q)); err != nil {
				t.Fatalf("panel %q: a query is not a Prometheus query: %v\n%s", deref(p.Panel.Title), err, q)
			}
			exprs = append(exprs, pq.Expr)
		}
		var steps []any
		for _, s := range thresholdSteps(p.Panel) {
			if s.Value == nil {
				steps = append(steps, s.Color)
			} else {
				steps = append(steps, *s.Value, s.Color)
			}
		}
		tm := ""
		if p.Panel.TimeFrom != nil {
			tm = *p.Panel.TimeFrom + " shift " + deref(p.Panel.TimeShift)
		}
		got = append(got, gotPanel{deref(p.Panel.Title), exprs, steps, deref(p.Panel.Description), tm})
	}
	return d, got
}

func month(m string, capacity, required float64) evaluator.MonthDoc {
	return evaluator.MonthDoc{Month: m, CapacityGPUs: capacity, RequiredGPUs: required}
}

// grafanaInput is a plan with every panel: pool a100 names a GPU, queue
// depth, pending-pods (scale_up_minutes 2.5) and spend query and has a
// budget_monthly of 20,000 (and a reserved-use query); l4 has a budget of 5,000 and no queries; the
// plan's budget.monthly is 30,000, budget_tolerance 10%. Workloads:
// ranker (inference, 300 requests/s a GPU) on a100; embed (inference, 50
// a GPU) 40% on a100 and 60% on l4; chat (llm-inference: no per-GPU
// throughput; 100 requests/s at its peak on 2026-11-01, growing 2% a
// month under moderate) on a100. The pools as evaluated, three months from 2027-01:
// a100 guaranteed 8 GPUs throughout, required 4, 6, 7, headroom_min 0.25
// so usable 8 × 0.75 = 6, and 1 − 7/8 = 0.125 < 0.25 makes 2027-03 the
// cliff; with a 3-week lead time it is ordered by 2027-03-01 − 21 days =
// 2027-02-08; cost 5,840, 5,840, 6,570. l4: 4 GPUs, required 2, 3.5, 3.5
// (1 − 3.5/4 = 0.125: cliff 2027-02), order by 2026-12-20 (passed), cost
// 1,000, 1,000, 1,500.
func grafanaInput() Input {
	peak := 100.0
	policy := schema.Policy{HeadroomMin: 0.25, WarnUtilization: 0.7, CriticalUtilization: 0.85, ReservedUtilizationMin: 0.5, DriftTolerance: 0.15, BudgetTolerance: 0.1}
	p := &schema.Plan{Name: "gpu", Policy: policy, PlanFor: "moderate", Budget: &schema.Budget{Monthly: 30000, Currency: "USD"},
		Scenarios: map[string]schema.Scenario{"moderate": {MonthlyGrowth: 0.02}},
		Pools: map[string]*schema.Pool{
			"a100": {Name: "a100", LeadTimeWeeks: 3, BudgetMonthly: 20000, ScaleUpMinutes: 2.5, Utilization: &schema.UtilizationQueries{
				GPU:            &schema.Actuals{Prometheus: `avg(gpu_util{pool="a100"})`},
				Reservation:    &schema.Actuals{Prometheus: `sum(gpu_in_use{pool="a100"}) / 8`},
				QueueDepth:     &schema.Actuals{Prometheus: `sum(queue{pool="a100"})`},
				PendingGPUPods: &schema.Actuals{Prometheus: `sum(pending{pool="a100"})`},
				Spend:          &schema.Actuals{Prometheus: `sum(spend{pool="a100"})`},
			}},
			"l4": {Name: "l4", LeadTimeWeeks: 6, BudgetMonthly: 5000},
			// CSV only, not evaluated: no panel.
			"csv": {Name: "csv", Utilization: &schema.UtilizationQueries{GPU: &schema.Actuals{CSV: "gpu.csv"}}},
		},
		Workloads: map[string]*schema.Workload{
			"ranker": {Name: "ranker", Kind: "inference", Pool: "a100", RequestsPerSPerGPU: 300,
				Actuals: &schema.Actuals{Prometheus: `sum(rate(ranker_total[5m]))`, Metric: "requests_per_s"}},
			"embed": {Name: "embed", Kind: "inference", Pools: map[string]float64{"a100": 0.4, "l4": 0.6}, RequestsPerSPerGPU: 50,
				Actuals: &schema.Actuals{Prometheus: `sum(rate(embed_total[5m]))`}},
			"chat": {Name: "chat", Kind: "llm-inference", Pool: "a100", RequestsPerS: &schema.Rate{Peak: &peak}, AsOf: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
				Actuals: &schema.Actuals{Prometheus: `sum(rate(chat_total[5m]))`}},
		},
	}
	docs := []evaluator.PoolDoc{
		{Plan: "gpu", Name: "a100", HeadroomMin: 0.25, ReservedGPUs: 8, LeadTimeWeeks: 3, Cliff: "2027-03", OrderByDate: "2027-02-08",
			Timeline: []evaluator.MonthDoc{month("2027-01", 8, 4), month("2027-02", 8, 6), month("2027-03", 8, 7)},
			Cost:     evaluator.CostDoc{Monthly: []float64{5840, 5840, 6570}, Currency: "USD"}},
		{Plan: "gpu", Name: "l4", HeadroomMin: 0.25, ReservedGPUs: 4, LeadTimeWeeks: 6, Cliff: "2027-02", OrderByDate: "2026-12-20", OrderByPassed: true,
			Timeline: []evaluator.MonthDoc{month("2027-01", 4, 2), month("2027-02", 4, 3.5), month("2027-03", 4, 3.5)},
			Cost:     evaluator.CostDoc{Monthly: []float64{1000, 1000, 1500}, Currency: "USD"}},
	}
	return Input{Plans: []*schema.Plan{p}, Docs: docs}
}

// TestGrafanaDashboard checks every panel of grafanaInput against figures
// worked out by hand (grafanaInput's comment): pools and plans in name
// order, each pool's Prometheus panels, then its projected cost and GPUs,
// the plan's cost, and the workloads' demand; the CSV-only pool gets
// none.
func TestGrafanaDashboard(t *testing.T) {
	var b bytes.Buffer
	if err := GrafanaDashboard(&b, grafanaInput()); err != nil {
		t.Fatal(err)
	}
	d, got := decodeDashboard(t, b.Bytes())
	// The horizon panels span [now − 1 month, now + 3 months]: "+4M"
	// shifted back 1M.
	const horizon = "+4M shift 1M"
	const plan = "(100 * 1.02 ^ ((time() - 1793491200) / 2629746))"
	want := []gotPanel{
		{Title: "pool a100 (plan gpu): GPU utilisation", Exprs: []string{`avg(gpu_util{pool="a100"})`}, Steps: []any{"green", 0.7, "orange", 0.85, "red"}},
		{Title: "pool a100 (plan gpu): reserved GPUs in use", Exprs: []string{`sum(gpu_in_use{pool="a100"}) / 8`}, Steps: []any{"orange", 0.5, "green"}},
		// embed and ranker (inference, name order): 40% of embed's
		// requests/s over 50 a GPU, ranker's over 300; lines at usable 6
		// and guaranteed 8; chat has no per-GPU throughput.
		{Title: "pool a100 (plan gpu): GPUs needed by observed demand, by workload type",
			Exprs: []string{`(sum(rate(embed_total[5m]))) * 0.4 / 50`, `(sum(rate(ranker_total[5m]))) / 300`},
			Steps: []any{"green", 6.0, "orange", 8.0, "red"},
			Desc: "GPUs the observed demand needs at each workload's requests_per_s_per_gpu, stacked by workload type; the pool's GPU utilisation query is one series the plan cannot split by workload." +
				" Left out (no per-GPU throughput in the plan or not a request rate): chat (llm-inference)." +
				" Lines: usable capacity 6 (guaranteed 8 × (1 − headroom_min 25%)) and guaranteed capacity 8."},
		{Title: "pool a100 (plan gpu): queue depth", Exprs: []string{`sum(queue{pool="a100"})`}},
		{Title: "pool a100 (plan gpu): pending GPU pods (alert after 2.5 min)", Exprs: []string{`sum(pending{pool="a100"})`},
			Desc: "CapcheckGPUPodsPending fires when GPU pods stay pending for longer than the pool's scale_up_minutes 2.5: autoscaling slower than the plan expects."},
		// 20,000 and 20,000 × 1.1 = 22,000.
		{Title: "pool a100 (plan gpu): spend against budget_monthly", Exprs: []string{`sum(spend{pool="a100"})`},
			Steps: []any{"green", 20000.0, "orange", 22000.0, "red"},
			Desc:  "The pool's observed spend (utilization.spend, USD a month). Lines: budget_monthly 20000 and budget_monthly × (1 + budget_tolerance 10%) = 22000, above which CapcheckSpendOverBudget fires."},
		// Usable 8 × 0.75 = 6; the red series from the cliff 2027-03 on;
		// the order-by point on 2027-02-08 at that month's 6; the last row
		// (2027-04-01) holds March's step.
		{Title: "pool a100 (plan gpu): projected GPUs against capacity, cliff 2027-03",
			Exprs: []string{"time,required GPUs,guaranteed capacity,usable at headroom_min 25%,below headroom_min from the cliff 2027-03,order by 2027-02-08\n" +
				"2027-01-01T00:00:00Z,4,8,6,,\n" +
				"2027-02-01T00:00:00Z,6,8,6,,\n" +
				"2027-02-08T00:00:00Z,6,8,6,,6\n" +
				"2027-03-01T00:00:00Z,7,8,6,7,\n" +
				"2027-04-01T00:00:00Z,7,8,6,7,\n"},
			Desc: "The plan's required GPUs per month under moderate against guaranteed capacity and the most GPUs usable at headroom_min 25% (capacity × 0.75), over the 3-month horizon from 2027-01." +
				" Headroom falls below headroom_min in 2027-03 (the red series starts there); order capacity by 2027-02-08 (lead time 3 weeks)." +
				" Regenerate the dashboard with each capcheck run: the figures are the plan's at export.",
			Time: horizon},
		// 60% of embed over 50 a GPU; lines at 4 × 0.75 = 3 and 4.
		{Title: "pool l4 (plan gpu): GPUs needed by observed demand, by workload type",
			Exprs: []string{`(sum(rate(embed_total[5m]))) * 0.6 / 50`},
			Steps: []any{"green", 3.0, "orange", 4.0, "red"},
			Desc: "GPUs the observed demand needs at each workload's requests_per_s_per_gpu, stacked by workload type; the pool's GPU utilisation query is one series the plan cannot split by workload." +
				" Lines: usable capacity 3 (guaranteed 4 × (1 − headroom_min 25%)) and guaranteed capacity 4."},
		// No spend query: the projected cost against 5,000 and 5,500.
		{Title: "pool l4 (plan gpu): projected monthly cost against budget_monthly",
			Exprs: []string{"time,projected cost\n2027-01-01T00:00:00Z,1000\n2027-02-01T00:00:00Z,1000\n2027-03-01T00:00:00Z,1500\n2027-04-01T00:00:00Z,1500\n"},
			Steps: []any{"green", 5000.0, "orange", 5500.0, "red"},
			Desc:  "The plan's projected monthly cost of the pool (no utilization.spend query to observe it). Lines: budget_monthly 5000 and budget_monthly × (1 + budget_tolerance 10%) = 5500, above which CapcheckSpendOverBudget fires.",
			Time:  horizon},
		// Usable 4 × 0.75 = 3; order-by passed: the point sits on the first
		// month (2 GPUs).
		{Title: "pool l4 (plan gpu): projected GPUs against capacity, cliff 2027-02",
			Exprs: []string{"time,required GPUs,guaranteed capacity,usable at headroom_min 25%,below headroom_min from the cliff 2027-02,order by 2026-12-20 (passed)\n" +
				"2027-01-01T00:00:00Z,2,4,3,,2\n" +
				"2027-02-01T00:00:00Z,3.5,4,3,3.5,\n" +
				"2027-03-01T00:00:00Z,3.5,4,3,3.5,\n" +
				"2027-04-01T00:00:00Z,3.5,4,3,3.5,\n"},
			Desc: "The plan's required GPUs per month under moderate against guaranteed capacity and the most GPUs usable at headroom_min 25% (capacity × 0.75), over the 3-month horizon from 2027-01." +
				" Headroom falls below headroom_min in 2027-02 (the red series starts there); order capacity by 2026-12-20 (lead time 6 weeks)." +
				" Regenerate the dashboard with each capcheck run: the figures are the plan's at export.",
			Time: horizon},
		// 5,840 + 1,000 = 6,840; 5,840 + 1,000 = 6,840; 6,570 + 1,500 =
		// 8,070; lines at 30,000 and 33,000.
		{Title: "plan gpu: projected monthly cost against budget.monthly",
			Exprs: []string{"time,projected cost\n2027-01-01T00:00:00Z,6840\n2027-02-01T00:00:00Z,6840\n2027-03-01T00:00:00Z,8070\n2027-04-01T00:00:00Z,8070\n"},
			Steps: []any{"green", 30000.0, "orange", 33000.0, "red"},
			Desc:  "The plan's projected monthly cost, summed over its evaluated pools (2). Lines: budget.monthly 30000 and budget.monthly × (1 + budget_tolerance 10%) = 33000.",
			Time:  horizon},
		// chat's plan: 100 requests/s on 2026-11-01 (1,793,491,200 s),
		// growing 2% a month (2,629,746 s), ±15%.
		{Title: "workload chat (plan gpu): observed daily peak demand against the plan", Exprs: []string{
			"max_over_time((sum(rate(chat_total[5m])))[1d:5m])", plan, plan + " * 1.15", plan + " * 0.85",
		}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("panels (-want +got):\n%s", diff)
	}
	// One data source variable, for TestData.
	if l := d.Templating.List; len(l) != 1 || l[0].Name != "capcheck_testdata" || l[0].Type != "datasource" ||
		l[0].Query == nil || deref(l[0].Query.String) != "grafana-testdata-datasource" {
		t.Errorf("variables %+v: want the one data source variable capcheck_testdata of grafana-testdata-datasource", l)
	}
}

// TestGrafanaProjectionGaps: a figure that is not a number is an empty
// cell (a gap in the line), never 0; a pool without a cliff or order-by
// date gets neither series; without an evaluation there is no static
// panel and no TestData variable.
func TestGrafanaProjectionGaps(t *testing.T) {
	doc := &evaluator.PoolDoc{HeadroomMin: 0.5, Timeline: []evaluator.MonthDoc{month("2027-01", 4, 2), {Month: "2027-02", CapacityGPUs: 4, RequiredGPUs: nanValue()}}}
	panel, ok := projectionPanel("pool x (plan y): ", "", doc)
	if !ok {
		t.Fatal("no panel")
	}
	p, err := panel.Build()
	if err != nil {
		t.Fatal(err)
	}
	q, _ := json.Marshal(p.Targets[0])
	var td testdata.Dataquery
	if err := strict(td.UnmarshalJSONStrict(q)); err != nil {
		t.Fatal(err)
	}
	// Usable 4 × 0.5 = 2.
	want := "time,required GPUs,guaranteed capacity,usable at headroom_min 50%\n2027-01-01T00:00:00Z,2,4,2\n2027-02-01T00:00:00Z,,4,2\n2027-03-01T00:00:00Z,,4,2\n"
	if got := deref(td.CsvContent); got != want {
		t.Errorf("csv:\n%s\nwant:\n%s", got, want)
	}
	// Two months: "+3M".
	if deref(p.Title) != "pool x (plan y): projected GPUs against capacity" || deref(p.TimeFrom) != "+3M" {
		t.Errorf("title %q, timeFrom %q", deref(p.Title), deref(p.TimeFrom))
	}
	if _, ok := projectionPanel("", "", &evaluator.PoolDoc{}); ok {
		t.Error("a pool without a timeline got a projection panel")
	}
	if _, ok := projectionPanel("", "", &evaluator.PoolDoc{Timeline: []evaluator.MonthDoc{{Month: "January"}}}); ok {
		t.Error("a month that does not parse got a projection panel")
	}
	// Not evaluated: no TestData panel, so no TestData variable. Without
	// scale_up_minutes the pending-pods alert waits the default 10
	// minutes.
	in := grafanaInput()
	in.Docs = nil
	in.Plans[0].Pools["a100"].ScaleUpMinutes = 0
	var b bytes.Buffer
	if err := GrafanaDashboard(&b, in); err != nil {
		t.Fatal(err)
	}
	d, got := decodeDashboard(t, b.Bytes())
	if len(d.Templating.List) != 0 {
		t.Errorf("no panel reads TestData, yet the dashboard has variables %+v", d.Templating.List)
	}
	pending := false
	for _, g := range got {
		if g.Title == "pool a100 (plan gpu): pending GPU pods (alert after 10 min)" {
			pending = true
			if want := "CapcheckGPUPodsPending fires when GPU pods stay pending for longer than 10 minutes (the pool gives no scale_up_minutes): autoscaling slower than the plan expects."; g.Desc != want {
				t.Errorf("pending pods: description %q, want %q", g.Desc, want)
			}
		}
		if g.Time != "" {
			t.Errorf("panel %q has a time override without an evaluation", g.Title)
		}
	}
	if !pending {
		t.Errorf("no pending-pods panel with the default 10 minutes in %+v", got)
	}
	if deref(d.Title) != "capcheck: GPU capacity" || deref(d.Uid) != "capcheck-gpu-capacity" {
		t.Errorf("title %q, uid %q", deref(d.Title), deref(d.Uid))
	}
}

// strict is err of an SDK strict decoder, which returns an empty
// cog.BuildErrors (a non-nil error) on success.
func strict(err error) error {
	if be, ok := err.(cog.BuildErrors); ok && len(be) == 0 {
		return nil
	}
	return err
}

func nanValue() float64 {
	zero := 0.0
	return zero / zero
}

func thresholdSteps(p *dashboard.Panel) []dashboard.Threshold {
	if p.FieldConfig == nil || p.FieldConfig.Defaults.Thresholds == nil {
		return nil
	}
	return p.FieldConfig.Defaults.Thresholds.Steps
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// TestGrafanaSpendCurrency: grafanaInput with the plan in EUR. Pool a100's
// spend query is USD, its budget_monthly 20,000 EUR: the panel shows the
// spend with no budget line (none would be a right threshold, and
// CapcheckSpendOverBudget is not exported); l4's projected cost is in the
// plan's currency like its budget, so its lines stay (5,000 and 5,500).
func TestGrafanaSpendCurrency(t *testing.T) {
	in := grafanaInput()
	in.Plans[0].Budget.Currency = "EUR"
	var b bytes.Buffer
	if err := GrafanaDashboard(&b, in); err != nil {
		t.Fatal(err)
	}
	_, got := decodeDashboard(t, b.Bytes())
	byTitle := map[string]gotPanel{}
	for _, p := range got {
		byTitle[p.Title] = p
	}
	want := gotPanel{Title: "pool a100 (plan gpu): spend", Exprs: []string{`sum(spend{pool="a100"})`},
		Desc: "The pool's observed spend (utilization.spend, USD a month). budget_monthly is in EUR: no budget line is drawn and CapcheckSpendOverBudget is not exported."}
	if diff := cmp.Diff(want, byTitle[want.Title]); diff != "" {
		t.Errorf("a100 spend panel (-want +got):\n%s", diff)
	}
	if _, ok := byTitle["pool a100 (plan gpu): spend against budget_monthly"]; ok {
		t.Error("a100 still has a spend panel against budget_monthly")
	}
	l4 := byTitle["pool l4 (plan gpu): projected monthly cost against budget_monthly"]
	if !cmp.Equal(l4.Steps, []any{"green", 5000.0, "orange", 5500.0, "red"}) {
		t.Errorf("l4 projected cost steps %v, want lines at 5000 and 5500", l4.Steps)
	}
}
