package export

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
	"github.com/grafana/grafana-foundation-sdk/go/testdata"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"

	"github.com/capcheck/capcheck/evaluator"
	"github.com/capcheck/capcheck/schema"
)

// GrafanaDashboard writes a Grafana dashboard (JSON, built with
// github.com/grafana/grafana-foundation-sdk/go). Plans and pools are in
// name order; per pool:
//
//   - its GPU utilisation (utilization.gpu) against the plan's
//     warn_utilization and critical_utilization lines, and its reserved
//     GPUs in use (utilization.reservation) against
//     reserved_utilization_min;
//   - the GPUs its workloads' observed demand needs, stacked by workload
//     type against the pool's guaranteed and usable capacity
//     (workloadTypePanel): the pool's GPU query is one series the plan
//     cannot split, so the split comes from each workload's actuals
//     query and throughput;
//   - its queue depth (utilization.queue_depth) and pending GPU pods
//     (utilization.pending_gpu_pods, with the scale-up time the alert
//     allows);
//   - with a budget_monthly, its spend (utilization.spend) against the
//     budget and budget × (1 + budget_tolerance), or without a spend
//     query its projected monthly cost against the same lines;
//   - when evaluated, the plan's projected required GPUs per month against
//     guaranteed and usable capacity over the horizon, the cliff and the
//     order-by date marked (projectionPanel);
//
// then, with a budget.monthly, the plan's projected monthly cost against
// it; and per workload with a Prometheus actuals query, its observed
// daily demand against the plan (demandPanel). Queries are the plan's
// own, not the recorded capcheck:… series, so the dashboard works without
// the rules.
func GrafanaDashboard(w io.Writer, in Input) error {
	ps := append([]*schema.Plan(nil), in.Plans...)
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].Name < ps[j].Name })
	b := dashboard.NewDashboardBuilder("capcheck: GPU capacity").
		Uid("capcheck-gpu-capacity").
		Tags([]string{"capcheck"}).
		Time("now-7d", "now")
	usesTestData := false
	add := func(p cog.Builder[dashboard.Panel], static bool) {
		b.WithPanel(p)
		usesTestData = usesTestData || static
	}
	for _, p := range ps {
		if p == nil {
			continue
		}
		pol := p.Policy
		var docs []*evaluator.PoolDoc
		for _, n := range sortedKeys(p.Pools) {
			pool := p.Pools[n]
			if pool == nil {
				continue
			}
			about := fmt.Sprintf("pool %s (plan %s): ", n, p.Name)
			doc := poolDoc(in.Docs, p.Name, n)
			if doc != nil {
				docs = append(docs, doc)
			}
			if u := utilQuery(pool, func(q *schema.UtilizationQueries) *schema.Actuals { return q.GPU }); u != "" {
				add(fractionPanel(about+"GPU utilisation", u, "utilisation",
					[]dashboard.Threshold{step(nil, "green"), step(&pol.WarnUtilization, "orange"), step(&pol.CriticalUtilization, "red")}), false)
			}
			if u := utilQuery(pool, func(q *schema.UtilizationQueries) *schema.Actuals { return q.Reservation }); u != "" {
				add(fractionPanel(about+"reserved GPUs in use", u, "reserved in use",
					[]dashboard.Threshold{step(nil, "orange"), step(&pol.ReservedUtilizationMin, "green")}), false)
			}
			if panel, ok := workloadTypePanel(about, p, n, doc); ok {
				add(panel, false)
			}
			if u := utilQuery(pool, func(q *schema.UtilizationQueries) *schema.Actuals { return q.QueueDepth }); u != "" {
				add(countPanel(about+"queue depth", u, "queue depth", ""), false)
			}
			if u := utilQuery(pool, func(q *schema.UtilizationQueries) *schema.Actuals { return q.PendingGPUPods }); u != "" {
				wait, given := scaleUp(pool)
				note := fmt.Sprintf("CapcheckGPUPodsPending fires when GPU pods stay pending for longer than the pool's scale_up_minutes %s: autoscaling slower than the plan expects.", num(pool.ScaleUpMinutes))
				if !given {
					note = fmt.Sprintf("CapcheckGPUPodsPending fires when GPU pods stay pending for longer than %s minutes (the pool gives no scale_up_minutes): autoscaling slower than the plan expects.", num(wait.Minutes()))
				}
				add(countPanel(fmt.Sprintf("%spending GPU pods (alert after %s min)", about, num(wait.Minutes())), u, "pending GPU pods", note), false)
			}
			if pool.BudgetMonthly > 0 {
				if panel, static, ok := costPanel(about, pool, pol, planCurrency(p), doc); ok {
					add(panel, static)
				}
			}
			if doc != nil {
				if panel, ok := projectionPanel(about, p.PlanFor, doc); ok {
					add(panel, true)
				}
			}
		}
		if p.Budget != nil && p.Budget.Monthly > 0 {
			if panel, ok := planCostPanel(p, docs); ok {
				add(panel, true)
			}
		}
		for _, n := range sortedKeys(p.Workloads) {
			if d, ok := planOf(p, n); ok {
				add(demandPanel(fmt.Sprintf("workload %s (plan %s): observed daily %s demand against the plan", n, p.Name, d.basis), d, pol.DriftTolerance), false)
			}
		}
	}
	if usesTestData {
		b.WithVariable(dashboard.NewDatasourceVariableBuilder(testDataVar).
			Label("plan figures (TestData)").
			Type(testDataType))
	}
	d, err := b.Build()
	if err != nil {
		return fmt.Errorf("build the Grafana dashboard: %w", err)
	}
	out, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return fmt.Errorf("encode the Grafana dashboard: %w", err)
	}
	_, err = w.Write(append(out, '\n'))
	return err
}

// The plan's own figures (projected GPUs and costs per month) are static
// data, embedded in the dashboard as the CSV content of Grafana's built-in
// TestData data source (plugin grafana-testdata-datasource, bundled with
// Grafana: nothing to install), bound through a data source variable to
// whichever TestData instance the Grafana has. PromQL could rebuild the
// same steps from time() (Σ (time() >= month start) × step), but a
// Grafana user reads the months and figures in a CSV at a glance in the
// query editor, the steps fall exactly on month starts at any zoom, and
// the panels need no Prometheus, so a plan without utilisation queries
// still gets them.
const (
	testDataType = "grafana-testdata-datasource"
	testDataVar  = "capcheck_testdata"
)

func testDataRef() common.DataSourceRef {
	t, uid := testDataType, "${"+testDataVar+"}"
	return common.DataSourceRef{Type: &t, Uid: &uid}
}

// horizonPanel is a time series of static monthly figures (csv, from
// horizonCSV) drawn as steps over the plan's horizon of months months: the
// panel's own time range is [now − 1 month, now + months], which holds
// the whole horizon (it starts on the first day of the evaluation's month
// and ends months later). Grafana's panel time override is relative to
// now: "+N" is the next N months, shifted back by a month.
func horizonPanel(title, description, unit, csvText string, months int) *timeseries.PanelBuilder {
	span := true
	return newPanel(title).
		Description(description).
		Datasource(testDataRef()).
		TimeFrom(fmt.Sprintf("+%dM", months+1)).
		TimeShift("1M").
		Unit(unit).
		Min(0).
		LineInterpolation(common.LineInterpolationStepAfter).
		SpanNulls(common.BoolOrFloat64{Bool: &span}).
		WithTarget(testdata.NewDataqueryBuilder().
			Datasource(testDataRef()).
			ScenarioId(testdata.DataqueryScenarioIdCsvContent).
			CsvContent(csvText).
			RefId("A"))
}

// csvRow is one row of a horizon CSV: its time and a figure per column
// (NaN: empty, a gap; never 0).
type csvRow struct {
	at     time.Time
	values []float64
}

// horizonCSV writes rows under header with a first column "time" (RFC
// 3339, which TestData reads as the time field of a column whose name
// holds "time"; no other column may). Figures are written to six
// decimals.
func horizonCSV(header []string, rows []csvRow) string {
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	cw.Write(append([]string{"time"}, header...))
	for _, r := range rows {
		rec := []string{r.at.UTC().Format(time.RFC3339)}
		for _, v := range r.values {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				rec = append(rec, "")
				continue
			}
			rec = append(rec, num(v))
		}
		cw.Write(rec)
	}
	cw.Flush()
	return buf.String()
}

// monthStart is the first instant of month "YYYY-MM".
func monthStart(m string) (time.Time, bool) {
	t, err := time.Parse("2006-01", m)
	return t, err == nil
}

// projectionPanel is the evaluated pool's projected required GPUs per
// month under plan_for against its guaranteed capacity and the usable
// line capacity × (1 − headroom_min), as the PR comment's chart draws
// them. The cliff is marked by a series that steps up at it (the required
// GPUs from the cliff month on, in red), and the order-by date by a point
// on the required line (at the first month when the date has passed); a
// last row at the horizon's end holds the last month's step. False when
// the pool has no timeline or a month does not parse.
func projectionPanel(about, planFor string, doc *evaluator.PoolDoc) (cog.Builder[dashboard.Panel], bool) {
	tl := doc.Timeline
	if len(tl) == 0 {
		return nil, false
	}
	// Column names are fixed text: TestData reads a name with "time" in it
	// as a time field and "{…}" as labels, so plan_for goes into the
	// display name.
	const required = "required GPUs"
	usable := "usable at headroom_min " + pct(doc.HeadroomMin)
	header := []string{required, "guaranteed capacity", usable}
	cliffCol, orderCol := -1, -1
	var cliff, orderBy time.Time
	if doc.Cliff != "" {
		if t, ok := monthStart(doc.Cliff); ok {
			cliff, cliffCol = t, len(header)
			header = append(header, "below headroom_min from the cliff "+doc.Cliff)
		}
	}
	orderName := ""
	if doc.OrderByDate != "" {
		if t, err := time.Parse(time.DateOnly, doc.OrderByDate); err == nil {
			orderBy, orderCol = t, len(header)
			orderName = "order by " + doc.OrderByDate
			if doc.OrderByPassed {
				orderName += " (passed)"
			}
			header = append(header, orderName)
		}
	}
	row := func(at time.Time, m evaluator.MonthDoc) csvRow {
		v := make([]float64, len(header))
		for i := range v {
			v[i] = math.NaN()
		}
		v[0], v[1], v[2] = m.RequiredGPUs, m.CapacityGPUs, m.CapacityGPUs*(1-doc.HeadroomMin)
		if cliffCol >= 0 && !at.Before(cliff) {
			v[cliffCol] = m.RequiredGPUs
		}
		return csvRow{at, v}
	}
	var rows []csvRow
	first, ok := monthStart(tl[0].Month)
	if !ok {
		return nil, false
	}
	orderDone := orderCol < 0
	for i, m := range tl {
		start, ok := monthStart(m.Month)
		if !ok {
			return nil, false
		}
		end := start.AddDate(0, 1, 0)
		r := row(start, m)
		if !orderDone && (orderBy.Before(first) || orderBy.Equal(start)) {
			r.values[orderCol] = m.RequiredGPUs
			orderDone = true
		}
		rows = append(rows, r)
		if !orderDone && orderBy.After(start) && orderBy.Before(end) {
			o := row(orderBy, m)
			o.values[orderCol] = m.RequiredGPUs
			rows = append(rows, o)
			orderDone = true
		}
		if i == len(tl)-1 {
			rows = append(rows, row(end, m))
		}
	}
	title := about + "projected GPUs against capacity"
	if doc.Cliff != "" {
		title += ", cliff " + doc.Cliff
	}
	desc := fmt.Sprintf("The plan's required GPUs per month under %s against guaranteed capacity and the most GPUs usable at headroom_min %s (capacity × %s), over the %d-month horizon from %s.", orNoneStr(planFor, "plan_for"), pct(doc.HeadroomMin), num(1-doc.HeadroomMin), len(tl), tl[0].Month)
	if doc.Cliff != "" {
		desc += fmt.Sprintf(" Headroom falls below headroom_min in %s (the red series starts there); order capacity by %s (lead time %s weeks).", doc.Cliff, orNoneStr(doc.OrderByDate, "-"), num(doc.LeadTimeWeeks))
	}
	desc += " Regenerate the dashboard with each capcheck run: the figures are the plan's at export."
	p := horizonPanel(title, desc, "short", horizonCSV(header, rows), len(tl)).
		AxisLabel("GPUs").
		OverrideByName(required, []dashboard.DynamicConfigValue{fixedColor("dark-red"), {Id: "custom.lineWidth", Value: 2}, {Id: "displayName", Value: required + " (" + orNoneStr(planFor, "plan_for") + ")"}}).
		OverrideByName("guaranteed capacity", []dashboard.DynamicConfigValue{fixedColor("gray"), {Id: "custom.fillOpacity", Value: 15}}).
		OverrideByName(usable, []dashboard.DynamicConfigValue{fixedColor("blue"), {Id: "custom.lineStyle", Value: map[string]any{"fill": "dash", "dash": []int{10, 10}}}})
	if cliffCol >= 0 {
		p = p.OverrideByName(header[cliffCol], []dashboard.DynamicConfigValue{fixedColor("red"), {Id: "custom.lineWidth", Value: 3}, {Id: "custom.fillOpacity", Value: 25}})
	}
	if orderCol >= 0 {
		p = p.OverrideByName(orderName, []dashboard.DynamicConfigValue{fixedColor("orange"), {Id: "custom.showPoints", Value: "always"}, {Id: "custom.pointSize", Value: 14}, {Id: "custom.lineWidth", Value: 0}})
	}
	return p, true
}

func fixedColor(c string) dashboard.DynamicConfigValue {
	return dashboard.DynamicConfigValue{Id: "color", Value: map[string]any{"mode": "fixed", "fixedColor": c}}
}

func orNoneStr(s, none string) string {
	if s == "" {
		return none
	}
	return s
}

// budgetSteps are the lines of a cost panel: the budget and budget × (1
// + budget_tolerance), where CapcheckSpendOverBudget fires.
func budgetSteps(budget, tol float64) []dashboard.Threshold {
	limit := round6(budget * (1 + tol))
	budget = round6(budget)
	return []dashboard.Threshold{step(nil, "green"), step(&budget, "orange"), step(&limit, "red")}
}

// currencyUnit is Grafana's unit for an amount in currency (ISO code).
func currencyUnit(currency string) string {
	if currency == "" || currency == "USD" {
		return "currencyUSD"
	}
	return "suffix: " + currency
}

// planCurrency is the currency of p's prices and budgets (budget.currency,
// USD when not written).
func planCurrency(p *schema.Plan) string {
	if p.Budget != nil && p.Budget.Currency != "" {
		return p.Budget.Currency
	}
	return "USD"
}

// costPanel is a pool's cost against its budget_monthly and budget × (1 +
// budget_tolerance): its observed spend (utilization.spend, USD a month)
// when the plan names the query, else, when evaluated, its projected
// monthly cost over the horizon (static, true). False with neither. The
// budget is in currency, the plan's: against a spend in USD it draws no
// line when that is another currency (nor is CapcheckSpendOverBudget
// exported, see poolQueries).
func costPanel(about string, pool *schema.Pool, pol schema.Policy, currency string, doc *evaluator.PoolDoc) (cog.Builder[dashboard.Panel], bool, bool) {
	steps := budgetSteps(pool.BudgetMonthly, pol.BudgetTolerance)
	lines := fmt.Sprintf("Lines: budget_monthly %s and budget_monthly × (1 + budget_tolerance %s) = %s, above which CapcheckSpendOverBudget fires.",
		num(pool.BudgetMonthly), pct(pol.BudgetTolerance), num(pool.BudgetMonthly*(1+pol.BudgetTolerance)))
	if u := utilQuery(pool, func(q *schema.UtilizationQueries) *schema.Actuals { return q.Spend }); u != "" && currency != "USD" {
		return newPanel(about + "spend").
			Description("The pool's observed spend (utilization.spend, USD a month). budget_monthly is in " + currency + ": no budget line is drawn and CapcheckSpendOverBudget is not exported.").
			Unit("currencyUSD").
			Min(0).
			WithTarget(prometheus.NewDataqueryBuilder().Expr(u).LegendFormat("spend").RefId("A")), false, true
	} else if u != "" {
		return newPanel(about + "spend against budget_monthly").
			Description("The pool's observed spend (utilization.spend, USD a month). " + lines).
			Unit("currencyUSD").
			Min(0).
			Thresholds(dashboard.NewThresholdsConfigBuilder().Mode(dashboard.ThresholdsModeAbsolute).Steps(steps)).
			ThresholdsStyle(common.NewGraphThresholdsStyleConfigBuilder().Mode(common.GraphThresholdsStyleModeLine)).
			WithTarget(prometheus.NewDataqueryBuilder().Expr(u).LegendFormat("spend").RefId("A")), false, true
	}
	if doc == nil || len(doc.Cost.Monthly) == 0 || len(doc.Cost.Monthly) != len(doc.Timeline) {
		return nil, false, false
	}
	rows, ok := costRows(doc.Timeline, doc.Cost.Monthly)
	if !ok {
		return nil, false, false
	}
	return horizonPanel(about+"projected monthly cost against budget_monthly",
		"The plan's projected monthly cost of the pool (no utilization.spend query to observe it). "+lines,
		currencyUnit(doc.Cost.Currency), horizonCSV([]string{"projected cost"}, rows), len(doc.Timeline)).
		Thresholds(dashboard.NewThresholdsConfigBuilder().Mode(dashboard.ThresholdsModeAbsolute).Steps(steps)).
		ThresholdsStyle(common.NewGraphThresholdsStyleConfigBuilder().Mode(common.GraphThresholdsStyleModeLine)), true, true
}

// costRows are one row per month of cost, and a last at the horizon's end
// holding the last month's step.
func costRows(tl []evaluator.MonthDoc, cost []float64) ([]csvRow, bool) {
	var rows []csvRow
	for i, m := range tl {
		start, ok := monthStart(m.Month)
		if !ok {
			return nil, false
		}
		rows = append(rows, csvRow{start, []float64{cost[i]}})
		if i == len(tl)-1 {
			rows = append(rows, csvRow{start.AddDate(0, 1, 0), []float64{cost[i]}})
		}
	}
	return rows, true
}

// planCostPanel is the plan's projected monthly cost (the sum over its
// evaluated pools, which share the evaluation's months) against
// budget.monthly and budget × (1 + budget_tolerance). False when no pool
// was evaluated or their months differ.
func planCostPanel(p *schema.Plan, docs []*evaluator.PoolDoc) (cog.Builder[dashboard.Panel], bool) {
	var tl []evaluator.MonthDoc
	var total []float64
	currency := p.Budget.Currency
	for _, d := range docs {
		if len(d.Timeline) == 0 {
			continue
		}
		if len(d.Cost.Monthly) != len(d.Timeline) {
			return nil, false
		}
		if tl == nil {
			tl, total = d.Timeline, make([]float64, len(d.Timeline))
		}
		if len(d.Timeline) != len(tl) || d.Timeline[0].Month != tl[0].Month {
			return nil, false
		}
		for i, c := range d.Cost.Monthly {
			total[i] += c
		}
		if currency == "" {
			currency = d.Cost.Currency
		}
	}
	if tl == nil {
		return nil, false
	}
	rows, ok := costRows(tl, total)
	if !ok {
		return nil, false
	}
	tol := p.Policy.BudgetTolerance
	return horizonPanel(fmt.Sprintf("plan %s: projected monthly cost against budget.monthly", p.Name),
		fmt.Sprintf("The plan's projected monthly cost, summed over its evaluated pools (%d). Lines: budget.monthly %s and budget.monthly × (1 + budget_tolerance %s) = %s.",
			len(docs), num(p.Budget.Monthly), pct(tol), num(p.Budget.Monthly*(1+tol))),
		currencyUnit(currency), horizonCSV([]string{"projected cost"}, rows), len(tl)).
		Thresholds(dashboard.NewThresholdsConfigBuilder().Mode(dashboard.ThresholdsModeAbsolute).Steps(budgetSteps(p.Budget.Monthly, tol))).
		ThresholdsStyle(common.NewGraphThresholdsStyleConfigBuilder().Mode(common.GraphThresholdsStyleModeLine)), true
}

// countPanel is a time series of a count (queue depth, pending pods).
func countPanel(title, query, legend, description string) cog.Builder[dashboard.Panel] {
	p := newPanel(title).
		Unit("short").
		Min(0).
		WithTarget(prometheus.NewDataqueryBuilder().Expr(query).LegendFormat(legend).RefId("A"))
	if description != "" {
		p = p.Description(description)
	}
	return p
}

// gpuDemand is one workload's observed demand in GPUs: its actuals query
// (requests/s, times its share of the pool) over its throughput per GPU.
type gpuDemand struct {
	name, kind, expr string
}

// workloadTypePanel stacks, by workload type, the GPUs the observed demand
// of the pool's workloads needs: for each workload with a Prometheus
// actuals query of requests/s and a requests_per_s_per_gpu (kind
// inference), (query) × its share of the pool / requests_per_s_per_gpu,
// against lines at the pool's usable capacity (guaranteed × (1 −
// headroom_min)) and its guaranteed capacity when evaluated. Workloads
// whose GPUs the plan gives no per-request throughput for (llm-inference
// sized from benchmarks, training, batch, stream) are left out and named
// in the description. False when no workload can be drawn.
func workloadTypePanel(about string, p *schema.Plan, pool string, doc *evaluator.PoolDoc) (cog.Builder[dashboard.Panel], bool) {
	var ds []gpuDemand
	var left []string
	for _, n := range sortedKeys(p.Workloads) {
		w := p.Workloads[n]
		if w == nil {
			continue
		}
		share := 0.0
		switch {
		case w.Pool == pool:
			share = 1
		case w.Pools[pool] > 0:
			share = w.Pools[pool]
		default:
			continue
		}
		if w.Actuals == nil || w.Actuals.Prometheus == "" {
			continue
		}
		if w.RequestsPerSPerGPU <= 0 || (w.Actuals.Metric != "" && w.Actuals.Metric != "requests_per_s") {
			left = append(left, n+" ("+w.Kind+")")
			continue
		}
		expr := paren(w.Actuals.Prometheus)
		if share != 1 {
			expr += " * " + exact(share)
		}
		ds = append(ds, gpuDemand{n, w.Kind, expr + " / " + exact(w.RequestsPerSPerGPU)})
	}
	if len(ds) == 0 {
		return nil, false
	}
	sort.SliceStable(ds, func(i, j int) bool { return ds[i].kind < ds[j].kind })
	desc := "GPUs the observed demand needs at each workload's requests_per_s_per_gpu, stacked by workload type; the pool's GPU utilisation query is one series the plan cannot split by workload."
	if len(left) > 0 {
		desc += " Left out (no per-GPU throughput in the plan or not a request rate): " + strings.Join(left, ", ") + "."
	}
	pb := newPanel(about + "GPUs needed by observed demand, by workload type").
		Unit("short").
		AxisLabel("GPUs").
		Min(0).
		FillOpacity(40).
		Stacking(common.NewStackingConfigBuilder().Mode(common.StackingModeNormal))
	if doc != nil && doc.ReservedGPUs > 0 {
		usable := round6(doc.ReservedGPUs * (1 - doc.HeadroomMin))
		capacity := round6(doc.ReservedGPUs)
		desc += fmt.Sprintf(" Lines: usable capacity %s (guaranteed %s × (1 − headroom_min %s)) and guaranteed capacity %s.", num(usable), num(capacity), pct(doc.HeadroomMin), num(capacity))
		pb = pb.Thresholds(dashboard.NewThresholdsConfigBuilder().Mode(dashboard.ThresholdsModeAbsolute).
			Steps([]dashboard.Threshold{step(nil, "green"), step(&usable, "orange"), step(&capacity, "red")})).
			ThresholdsStyle(common.NewGraphThresholdsStyleConfigBuilder().Mode(common.GraphThresholdsStyleModeLine))
	}
	pb = pb.Description(desc)
	for i, d := range ds {
		pb = pb.WithTarget(prometheus.NewDataqueryBuilder().Expr(d.expr).LegendFormat(d.kind + ": " + d.name).RefId(refID(i)))
	}
	return pb, true
}

// refID is the i-th query's refId: A … Z, then A1, B1, ….
func refID(i int) string {
	s := string(rune('A' + i%26))
	if i >= 26 {
		s += strconv.Itoa(i / 26)
	}
	return s
}

// poolDoc is the evaluated pool (plan, name), nil when not evaluated.
func poolDoc(docs []evaluator.PoolDoc, plan, name string) *evaluator.PoolDoc {
	for i := range docs {
		if docs[i].Plan == plan && docs[i].Name == name {
			return &docs[i]
		}
	}
	return nil
}

// newPanel is a time series panel with its legend shown (the series
// names carry the plan's figures) and every series in the tooltip.
func newPanel(title string) *timeseries.PanelBuilder {
	return timeseries.NewPanelBuilder().
		Title(title).
		Legend(common.NewVizLegendOptionsBuilder().ShowLegend(true).DisplayMode(common.LegendDisplayModeList).Placement(common.LegendPlacementBottom)).
		Tooltip(common.NewVizTooltipOptionsBuilder().Mode(common.TooltipDisplayModeMulti).Sort(common.SortOrderNone))
}

// fractionPanel is a time series of query (a fraction, shown 0–100%) with
// the threshold lines drawn.
func fractionPanel(title, query, legend string, steps []dashboard.Threshold) cog.Builder[dashboard.Panel] {
	return newPanel(title).
		Unit("percentunit").
		Min(0).
		Max(1).
		Thresholds(dashboard.NewThresholdsConfigBuilder().Mode(dashboard.ThresholdsModeAbsolute).Steps(steps)).
		ThresholdsStyle(common.NewGraphThresholdsStyleConfigBuilder().Mode(common.GraphThresholdsStyleModeLine)).
		WithTarget(prometheus.NewDataqueryBuilder().Expr(query).LegendFormat(legend).RefId("A"))
}

// demandPanel is a workload's observed daily demand (the statistic that
// matches its baseline) against the plan's baseline grown at plan_for's
// rate and the drift_tolerance band around it (CapcheckDemandDrift's
// lines), in requests/s.
func demandPanel(title string, d demandPlan, tol float64) cog.Builder[dashboard.Panel] {
	planned := d.expr()
	return newPanel(title).
		Unit("reqps").
		WithTarget(prometheus.NewDataqueryBuilder().Expr(d.observedDaily()).LegendFormat("observed " + d.basis).RefId("A")).
		WithTarget(prometheus.NewDataqueryBuilder().Expr(planned).LegendFormat("plan").RefId("B")).
		WithTarget(prometheus.NewDataqueryBuilder().Expr(planned + " * " + num(1+tol)).LegendFormat("plan + drift_tolerance").RefId("C")).
		WithTarget(prometheus.NewDataqueryBuilder().Expr(planned + " * " + num(1-tol)).LegendFormat("plan − drift_tolerance").RefId("D"))
}

func step(v *float64, color string) dashboard.Threshold {
	if v != nil {
		x := *v
		v = &x
	}
	return dashboard.Threshold{Value: v, Color: color}
}
