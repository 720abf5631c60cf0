package export

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/yaml"

	"github.com/capcheck/capcheck/evaluator"
	"github.com/capcheck/capcheck/internal/testkit"
	"github.com/capcheck/capcheck/schema"
)

func testPlans() []*schema.Plan {
	policy := schema.Policy{HeadroomMin: 0.3, WarnUtilization: 0.7, CriticalUtilization: 0.85, ReservedUtilizationMin: 0.5, DriftTolerance: 0.15}
	peak := 100.0
	return []*schema.Plan{
		{Name: "recsys", Policy: policy, Pools: map[string]*schema.Pool{
			// CSV only: no rule.
			"l4": {Name: "l4", Utilization: &schema.UtilizationQueries{GPU: &schema.Actuals{CSV: "gpu.csv"}}},
		}},
		{Name: "llm", Policy: policy, PlanFor: "moderate",
			Scenarios: map[string]schema.Scenario{"moderate": {MonthlyGrowth: 0.02}, "aggressive": {MonthlyGrowth: 0.05}},
			Pools: map[string]*schema.Pool{
				"h100": {Name: "h100", LeadTimeWeeks: 12, Utilization: &schema.UtilizationQueries{
					GPU:         &schema.Actuals{Prometheus: `avg(DCGM_FI_DEV_GPU_UTIL{pool="h100"}) / 100`},
					Reservation: &schema.Actuals{Prometheus: `sum(gpu_in_use{pool="h100"}) / 64`},
				}},
				"none": {Name: "none"},
			},
			Workloads: map[string]*schema.Workload{
				"chat": {Name: "chat", Pool: "h100", RequestsPerS: &schema.Rate{Peak: &peak}, AsOf: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
					Actuals: &schema.Actuals{Prometheus: `sum(rate(vllm:request_success_total{model="chat"}[5m]))`}},
				// No actuals query: no drift rule.
				"batch": {Name: "batch", Pool: "h100", RequestsPerS: &schema.Rate{Peak: &peak}, AsOf: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)},
			},
		},
	}
}

// testPools is the evaluation of testPlans' h100: order by 2027-03-01.
func testPools() []evaluator.PoolSummary {
	return []evaluator.PoolSummary{{Plan: "llm", Name: "h100", OrderByDate: "2027-03-01", Cliff: "2027-06", LeadTimeWeeks: 12}}
}

// testDocs: h100's reservation a covers its last day 2027-06-30 while
// 62 GPUs are needed in 2027-07.
func testDocs() []evaluator.PoolDoc {
	return []evaluator.PoolDoc{{Plan: "llm", Name: "h100", Expiring: []evaluator.ExpiringDoc{
		{Address: `aws_ec2_capacity_reservation.h100["a"]`, LastDay: "2027-06-30", Month: "2027-07", GPUs: 24, RequiredGPUs: 62},
	}}}
}

func testInput() Input { return Input{Plans: testPlans(), Pools: testPools(), Docs: testDocs()} }

// opsPlan is a plan of the spend, pending-pod, queue-depth and dependency
// usage queries, kept out of testPlans (which the dashboard test reads).
func opsPlan() *schema.Plan {
	return &schema.Plan{Name: "ops",
		Policy: schema.Policy{WarnUtilization: 0.7, CriticalUtilization: 0.85, BudgetTolerance: 0.1},
		// Two of the three pools have a spend query.
		Budget: &schema.Budget{Monthly: 400000},
		Pools: map[string]*schema.Pool{
			"l4": {Name: "l4", LeadTimeWeeks: 6},
			// A budget, and no scale_up_minutes: pending pods alert after
			// the default 10 minutes.
			"h100": {Name: "h100", LeadTimeWeeks: 12, BudgetMonthly: 250000, Utilization: &schema.UtilizationQueries{
				Spend:          &schema.Actuals{Prometheus: `sum(pool_spend_usd_per_month{pool="h100"})`},
				PendingGPUPods: &schema.Actuals{Prometheus: `sum(kube_pod_status_phase{phase="Pending",pool="h100"})`},
				QueueDepth:     &schema.Actuals{Prometheus: `sum(vllm:num_requests_waiting{pool="h100"})`},
			}},
			// A spend query without a budget (recorded, with a comment)
			// and 2.5 minutes to scale up.
			"a10g": {Name: "a10g", LeadTimeWeeks: 4, ScaleUpMinutes: 2.5, Utilization: &schema.UtilizationQueries{
				Spend:          &schema.Actuals{Prometheus: `sum(pool_spend_usd_per_month{pool="a10g"})`},
				PendingGPUPods: &schema.Actuals{Prometheus: `sum(kube_pod_status_phase{phase="Pending",pool="a10g"})`},
			}},
		},
		Dependencies: map[string]*schema.Dependency{
			// Only tokens_per_minute is a query; the CSV usage gets no rule.
			"openai": {Kind: schema.DependencyProviderAPI, LeadTimeWeeks: 4,
				Limits: &schema.Limits{TokensPerMinute: 2000000, RequestsPerMinute: 5000},
				Usage: map[string]*schema.Actuals{
					"tokens_per_minute":   {Prometheus: `sum(rate(openai_tokens_total[1m])) * 60`},
					"requests_per_minute": {CSV: "openai.csv"},
				}},
			"store": {Kind: schema.DependencyStorage, CapacityGB: 1000,
				Usage: map[string]*schema.Actuals{"used_gb": {Prometheus: `sum(store_used_bytes) / 1e9`}}},
			"pgvector": {Kind: schema.DependencyVectorDB, Limits: &schema.Limits{QueriesPerS: 800}},
		},
	}
}

// rulesInput is testInput with opsPlan.
func rulesInput() Input {
	in := testInput()
	in.Plans = append(in.Plans, opsPlan())
	return in
}

// wantRules is the rules file of rulesInput: the GPU and reserved
// utilisation queries and chat's demand recorded for llm/h100, and chat's
// daily peak of the latter; warn 0.7 and critical 0.85 as
// written; headroom_min 0.3 as utilisation above 1 − 0.3 = 0.7; reserved
// utilisation below 0.5; order by 2027-03-01, so from 30 days before,
// 2027-01-30 = 1,801,267,200 s; chat's daily peak (its baseline is a peak)
// against 100 × 1.02^((time() − 1,793,491,200) / 2,629,746), as_of
// 2026-11-01 = 1,793,491,200 s and a mean month of 2,629,746 s, more than
// 0.15 away; reservation a's replacement, with a 12-week (84-day) lead
// time, is due by 2027-07-01 − 84 days = 2027-04-08, alerted from 30 days
// before, 2027-03-09 = 1,804,550,400 s. recsys has no Prometheus query,
// batch no actuals.
//
// ops (pools and dependencies in name order): a10g's spend, without a
// budget, is recorded with a comment and no alert, its pending GPU pods
// alerted above 0 for 2.5 × 60 = 150 s = 2m30s; h100's spend above its
// budget_monthly 250,000 × (1 + budget_tolerance 0.1) = 275,000, its
// pending GPU pods above 0 for the default 10m (no scale_up_minutes), its
// queue depth recorded only; l4 has no queries, so the plan's spend above
// its budget.monthly 400,000 × (1 + 0.1) = 440,000 sums a10g's and h100's
// (a lower bound, said in a comment and the summary); openai's tokens_per_minute usage against
// 0.7 × 2,000,000 = 1,400,000 and 0.85 × 2,000,000 = 1,700,000 (its lead
// time 4 weeks), store's used_gb against 0.7 × capacity_gb 1000 = 700 and
// 0.85 × 1000 = 850; openai's requests_per_minute usage is a CSV and
// pgvector observes nothing: no rules.
const wantRules = `groups:
  - name: "capcheck-llm"
    rules:
      - record: capcheck:gpu_utilization:ratio
        expr: "avg(DCGM_FI_DEV_GPU_UTIL{pool=\"h100\"}) / 100"
        labels:
          capcheck_plan: "llm"
          capcheck_pool: "h100"
      - record: capcheck:reserved_utilization:ratio
        expr: "sum(gpu_in_use{pool=\"h100\"}) / 64"
        labels:
          capcheck_plan: "llm"
          capcheck_pool: "h100"
      - record: capcheck:workload_demand:rate
        expr: "sum(rate(vllm:request_success_total{model=\"chat\"}[5m]))"
        labels:
          capcheck_plan: "llm"
          capcheck_workload: "chat"
          capcheck_pool: "h100"
      - record: capcheck:workload_demand:observed_1d
        expr: "max_over_time(capcheck:workload_demand:rate{capcheck_plan=\"llm\",capcheck_workload=\"chat\",capcheck_pool=\"h100\"}[1d])"
        labels:
          capcheck_plan: "llm"
          capcheck_workload: "chat"
          capcheck_pool: "h100"
      - alert: CapcheckGPUUtilizationWarning
        expr: "capcheck:gpu_utilization:ratio{capcheck_plan=\"llm\",capcheck_pool=\"h100\"} > 0.7"
        for: 15m
        labels:
          severity: "warning"
          capcheck_plan: "llm"
          capcheck_pool: "h100"
        annotations:
          summary: "pool h100 (plan llm): GPU utilisation above the plan's warn_utilization 70%"
      - alert: CapcheckGPUUtilizationCritical
        expr: "capcheck:gpu_utilization:ratio{capcheck_plan=\"llm\",capcheck_pool=\"h100\"} > 0.85"
        for: 15m
        labels:
          severity: "critical"
          capcheck_plan: "llm"
          capcheck_pool: "h100"
        annotations:
          summary: "pool h100 (plan llm): GPU utilisation above the plan's critical_utilization 85%; latency SLOs are at risk"
      - alert: CapcheckHeadroomBelowMin
        expr: "capcheck:gpu_utilization:ratio{capcheck_plan=\"llm\",capcheck_pool=\"h100\"} > 0.7"
        for: 1h
        labels:
          severity: "warning"
          capcheck_plan: "llm"
          capcheck_pool: "h100"
        annotations:
          summary: "pool h100 (plan llm): observed headroom (1 − GPU utilisation) below the plan's headroom_min 30%"
      - alert: CapcheckReservedUtilizationLow
        expr: "capcheck:reserved_utilization:ratio{capcheck_plan=\"llm\",capcheck_pool=\"h100\"} < 0.5"
        for: 1d
        labels:
          severity: "info"
          capcheck_plan: "llm"
          capcheck_pool: "h100"
        annotations:
          summary: "pool h100 (plan llm): reserved GPUs in use below the plan's reserved_utilization_min 50%; reserved capacity is paid for and idle"
      - alert: CapcheckOrderByApproaching
        expr: "vector(time()) >= 1801267200"
        for: 0s
        labels:
          severity: "warning"
          capcheck_plan: "llm"
          capcheck_pool: "h100"
        annotations:
          summary: "pool h100 (plan llm): order capacity by 2027-03-01 (from 2027-01-30): the pool's headroom falls below headroom_min in 2027-06 and new capacity takes 12 weeks"
      - alert: CapcheckReservationExpiring
        expr: "vector(time()) >= 1804550400"
        for: 0s
        labels:
          severity: "warning"
          capcheck_plan: "llm"
          capcheck_pool: "h100"
          capcheck_reservation: "aws_ec2_capacity_reservation.h100[\"a\"]"
        annotations:
          summary: "pool h100 (plan llm): reservation aws_ec2_capacity_reservation.h100[\"a\"] (24 GPUs) covers its last day 2027-06-30 while the pool needs 62 GPUs in 2027-07; renew or replace it by 2027-04-08 (lead time 12 weeks)"
      - alert: CapcheckDemandDrift
        expr: "abs(capcheck:workload_demand:observed_1d{capcheck_plan=\"llm\",capcheck_workload=\"chat\",capcheck_pool=\"h100\"} / (100 * 1.02 ^ ((time() - 1793491200) / 2629746)) - 1) > 0.15"
        for: 1h
        labels:
          severity: "warning"
          capcheck_plan: "llm"
          capcheck_workload: "chat"
          capcheck_pool: "h100"
        annotations:
          summary: "workload chat (plan llm): the day's peak demand is more than the plan's drift_tolerance 15% away from the plan (100 requests/s on 2026-11-01, growing 2% a month under moderate)"
  - name: "capcheck-ops"
    rules:
      # pool a10g (plan ops): utilization.spend is recorded but not alerted on: the pool has no budget_monthly
      - record: capcheck:pool_spend:usd_per_month
        expr: "sum(pool_spend_usd_per_month{pool=\"a10g\"})"
        labels:
          capcheck_plan: "ops"
          capcheck_pool: "a10g"
      - record: capcheck:pool_pending_gpu_pods:count
        expr: "sum(kube_pod_status_phase{phase=\"Pending\",pool=\"a10g\"})"
        labels:
          capcheck_plan: "ops"
          capcheck_pool: "a10g"
      - record: capcheck:pool_spend:usd_per_month
        expr: "sum(pool_spend_usd_per_month{pool=\"h100\"})"
        labels:
          capcheck_plan: "ops"
          capcheck_pool: "h100"
      - record: capcheck:pool_pending_gpu_pods:count
        expr: "sum(kube_pod_status_phase{phase=\"Pending\",pool=\"h100\"})"
        labels:
          capcheck_plan: "ops"
          capcheck_pool: "h100"
      - record: capcheck:pool_queue_depth:count
        expr: "sum(vllm:num_requests_waiting{pool=\"h100\"})"
        labels:
          capcheck_plan: "ops"
          capcheck_pool: "h100"
      - record: capcheck:dependency_usage:limit_unit
        expr: "sum(rate(openai_tokens_total[1m])) * 60"
        labels:
          capcheck_plan: "ops"
          capcheck_dependency: "openai"
          capcheck_limit: "tokens_per_minute"
      - record: capcheck:dependency_usage:limit_unit
        expr: "sum(store_used_bytes) / 1e9"
        labels:
          capcheck_plan: "ops"
          capcheck_dependency: "store"
          capcheck_limit: "used_gb"
      - alert: CapcheckGPUPodsPending
        expr: "capcheck:pool_pending_gpu_pods:count{capcheck_plan=\"ops\",capcheck_pool=\"a10g\"} > 0"
        for: 2m30s
        labels:
          severity: "warning"
          capcheck_plan: "ops"
          capcheck_pool: "a10g"
        annotations:
          summary: "pool a10g (plan ops): GPU pods have waited to be scheduled for longer than the pool's scale_up_minutes 2.5; autoscaling is slower than the plan expects"
      - alert: CapcheckSpendOverBudget
        expr: "capcheck:pool_spend:usd_per_month{capcheck_plan=\"ops\",capcheck_pool=\"h100\"} > 275000"
        for: 1h
        labels:
          severity: "warning"
          capcheck_plan: "ops"
          capcheck_pool: "h100"
        annotations:
          summary: "pool h100 (plan ops): spend above the pool's budget_monthly 250000 USD by more than the plan's budget_tolerance 10% (275000 USD a month)"
      - alert: CapcheckGPUPodsPending
        expr: "capcheck:pool_pending_gpu_pods:count{capcheck_plan=\"ops\",capcheck_pool=\"h100\"} > 0"
        for: 10m
        labels:
          severity: "warning"
          capcheck_plan: "ops"
          capcheck_pool: "h100"
        annotations:
          summary: "pool h100 (plan ops): GPU pods have waited to be scheduled for longer than the pool's default scale-up time of 10 minutes (no scale_up_minutes); autoscaling is slower than the plan expects"
      # plan ops: CapcheckPlanSpendOverBudget sums the spend of 2 of its 3 pools: l4 has no utilization.spend query, so the sum is a lower bound and the alert fires late, or not at all, when the uncounted spend tips the plan over its budget
      - alert: CapcheckPlanSpendOverBudget
        expr: "sum by (capcheck_plan) (capcheck:pool_spend:usd_per_month{capcheck_plan=\"ops\"}) > 440000"
        for: 1h
        labels:
          severity: "warning"
          capcheck_plan: "ops"
        annotations:
          summary: "plan ops: spend of 2 of its 3 pools (a10g, h100) above the plan's budget.monthly 400000 USD by more than its budget_tolerance 10% (440000 USD a month); l4 has no utilization.spend query and is not counted, so the plan spends more"
      - alert: CapcheckDependencyNearLimit
        expr: "capcheck:dependency_usage:limit_unit{capcheck_plan=\"ops\",capcheck_dependency=\"openai\",capcheck_limit=\"tokens_per_minute\"} > 1400000"
        for: 15m
        labels:
          severity: "warning"
          capcheck_plan: "ops"
          capcheck_dependency: "openai"
          capcheck_limit: "tokens_per_minute"
        annotations:
          summary: "dependency openai (plan ops): tokens_per_minute usage above the plan's warn_utilization 70% of the limit 2000000 (1400000); raising it takes 4 weeks"
      - alert: CapcheckDependencyAtLimit
        expr: "capcheck:dependency_usage:limit_unit{capcheck_plan=\"ops\",capcheck_dependency=\"openai\",capcheck_limit=\"tokens_per_minute\"} > 1700000"
        for: 15m
        labels:
          severity: "critical"
          capcheck_plan: "ops"
          capcheck_dependency: "openai"
          capcheck_limit: "tokens_per_minute"
        annotations:
          summary: "dependency openai (plan ops): tokens_per_minute usage above the plan's critical_utilization 85% of the limit 2000000 (1700000); raising it takes 4 weeks"
      - alert: CapcheckDependencyNearLimit
        expr: "capcheck:dependency_usage:limit_unit{capcheck_plan=\"ops\",capcheck_dependency=\"store\",capcheck_limit=\"used_gb\"} > 700"
        for: 15m
        labels:
          severity: "warning"
          capcheck_plan: "ops"
          capcheck_dependency: "store"
          capcheck_limit: "used_gb"
        annotations:
          summary: "dependency store (plan ops): used_gb above the plan's warn_utilization 70% of capacity_gb 1000 (700)"
      - alert: CapcheckDependencyAtLimit
        expr: "capcheck:dependency_usage:limit_unit{capcheck_plan=\"ops\",capcheck_dependency=\"store\",capcheck_limit=\"used_gb\"} > 850"
        for: 15m
        labels:
          severity: "critical"
          capcheck_plan: "ops"
          capcheck_dependency: "store"
          capcheck_limit: "used_gb"
        annotations:
          summary: "dependency store (plan ops): used_gb above the plan's critical_utilization 85% of capacity_gb 1000 (850)"
`

func TestPrometheusRules(t *testing.T) {
	var b bytes.Buffer
	if err := PrometheusRules(&b, rulesInput()); err != nil {
		t.Fatal(err)
	}
	if got := b.String(); got != wantRules {
		t.Errorf("PrometheusRules = %q\nwant %q", got, wantRules)
	}
	b.Reset()
	if err := PrometheusRules(&b, Input{Plans: testPlans()[:1]}); err != nil {
		t.Fatal(err)
	}
	if got, want := b.String(), "groups: []\n"; got != want {
		t.Errorf("PrometheusRules without queries = %q, want %q", got, want)
	}
}

// TestPrometheusRulesPromtool has promtool (Debian's prometheus package,
// installed by .ci/run) parse the rules of rulesInput, PromQL included,
// and run the unit tests PrometheusRuleTests writes for them: 11 recording
// rules (GPU, reserved, 2 spend, 2 pending, queue depth, 2 demand, 2
// dependency usages) and 15 alerts (warning, critical, headroom, reserved,
// spend, plan spend, 2 pending, 2 × 2 dependency, order-by, expiring,
// drift), and 14 test groups (one per threshold alert, CapcheckDemandDrift two: above
// and below the plan; CapcheckOrderByApproaching and
// CapcheckReservationExpiring, date alerts, have none). Each mutation of
// a threshold, a `for`, the drift's plan or a label must fail them.
func TestPrometheusRulesPromtool(t *testing.T) {
	promtool := testkit.NeedCommand(t, "promtool", "Debian's prometheus package (.ci/run installs it)")
	var tests bytes.Buffer
	if err := PrometheusRuleTests(&tests, rulesInput()); err != nil {
		t.Fatal(err)
	}
	if got, want := bytes.Count(tests.Bytes(), []byte("\n  - name: ")), 14; got != want {
		t.Errorf("%d test groups, want %d:\n%s", got, want, tests.String())
	}
	dir := t.TempDir()
	run := func(rules, tests string, args ...string) ([]byte, error) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, "capcheck-rules.yml"), []byte(rules), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "capcheck-rules.test.yml"), []byte(tests), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(promtool, args...)
		cmd.Dir = dir
		return cmd.CombinedOutput()
	}
	out, err := run(wantRules, tests.String(), "check", "rules", "capcheck-rules.yml")
	if err != nil {
		t.Fatalf("promtool check rules: %v\n%s", err, out)
	}
	if !bytes.Contains(out, []byte("SUCCESS: 26 rules found")) {
		t.Errorf("promtool check rules said:\n%s\nwant SUCCESS: 26 rules found", out)
	}
	if out, err := run(wantRules, tests.String(), "test", "rules", "capcheck-rules.test.yml"); err != nil {
		t.Fatalf("promtool test rules: %v\n%s\ntests:\n%s", err, out, tests.String())
	}

	// Each mutation edits one line of wantRules (the text must occur once)
	// and runs the test groups of its alert (only: a whole run takes
	// seconds).
	groups := strings.SplitAfterN(tests.String(), "tests:\n", 2)
	if len(groups) != 2 {
		t.Fatalf("no tests: in\n%s", tests.String())
	}
	only := func(alert string) string {
		var b strings.Builder
		b.WriteString(groups[0])
		for _, g := range strings.Split("\n"+groups[1], "\n  - name: ")[1:] {
			if strings.HasPrefix(g, `"`+alert+":") {
				b.WriteString("  - name: " + strings.TrimSuffix(g, "\n") + "\n")
			}
		}
		return b.String()
	}
	mutations := []struct{ name, alert, old, new string }{
		{"warn threshold raised past the margin", "CapcheckGPUUtilizationWarning", `} > 0.7"
        for: 15m`, `} > 0.702"
        for: 15m`},
		{"warn threshold lowered past the margin", "CapcheckGPUUtilizationWarning", `} > 0.7"
        for: 15m`, `} > 0.698"
        for: 15m`},
		{"critical for shorter", "CapcheckGPUUtilizationCritical", `} > 0.85"
        for: 15m`, `} > 0.85"
        for: 14m`},
		{"critical for longer", "CapcheckGPUUtilizationCritical", `} > 0.85"
        for: 15m`, `} > 0.85"
        for: 16m`},
		{"headroom for shorter", "CapcheckHeadroomBelowMin", `} > 0.7"
        for: 1h`, `} > 0.7"
        for: 59m`},
		{"reserved minimum lowered", "CapcheckReservedUtilizationLow", `} < 0.5"`, `} < 0.498"`},
		{"reserved for shorter", "CapcheckReservedUtilizationLow", "for: 1d", "for: 23h"},
		{"drift tolerance raised", "CapcheckDemandDrift", `- 1) > 0.15"`, `- 1) > 0.152"`},
		{"drift tolerance lowered", "CapcheckDemandDrift", `- 1) > 0.15"`, `- 1) > 0.148"`},
		{"drift growth", "CapcheckDemandDrift", "(100 * 1.02 ^", "(100 * 1.021 ^"},
		{"drift baseline", "CapcheckDemandDrift", "(100 * 1.02 ^", "(101 * 1.02 ^"},
		{"drift for longer", "CapcheckDemandDrift", `- 1) > 0.15"
        for: 1h`, `- 1) > 0.15"
        for: 2h`},
		{"critical severity", "CapcheckGPUUtilizationCritical", `severity: "critical"
          capcheck_plan: "llm"
          capcheck_pool: "h100"`, `severity: "warning"
          capcheck_plan: "llm"
          capcheck_pool: "h100"`},
		// 250,000 × 1.1 = 275,000: the budget without its tolerance, or
		// past the margin either way.
		{"spend without the tolerance", "CapcheckSpendOverBudget", `} > 275000"`, `} > 250000"`},
		{"spend threshold raised past the margin", "CapcheckSpendOverBudget", `} > 275000"`, `} > 275000.002"`},
		{"spend threshold lowered past the margin", "CapcheckSpendOverBudget", `} > 275000"`, `} > 274999.998"`},
		{"spend for shorter", "CapcheckSpendOverBudget", `} > 275000"
        for: 1h`, `} > 275000"
        for: 59m`},
		{"spend for longer", "CapcheckSpendOverBudget", `} > 275000"
        for: 1h`, `} > 275000"
        for: 61m`},
		// 400,000 × 1.1 = 440,000, over a10g's and h100's spend: each
		// pool 220,000 ∓ 0.0005, another plan's pool 440,001.
		{"plan spend without the tolerance", "CapcheckPlanSpendOverBudget", `) > 440000"`, `) > 400000"`},
		{"plan spend threshold raised past the margin", "CapcheckPlanSpendOverBudget", `) > 440000"`, `) > 440000.002"`},
		{"plan spend threshold lowered past the margin", "CapcheckPlanSpendOverBudget", `) > 440000"`, `) > 439999.998"`},
		{"plan spend of the largest pool", "CapcheckPlanSpendOverBudget", "sum by (capcheck_plan) (", "max by (capcheck_plan) ("},
		{"plan spend per pool", "CapcheckPlanSpendOverBudget", "sum by (capcheck_plan) (", "sum by (capcheck_pool) ("},
		{"plan spend of every plan", "CapcheckPlanSpendOverBudget", `(capcheck:pool_spend:usd_per_month{capcheck_plan=\"ops\"}) > 440000"`, `(capcheck:pool_spend:usd_per_month) > 440000"`},
		{"plan spend for shorter", "CapcheckPlanSpendOverBudget", `) > 440000"
        for: 1h`, `) > 440000"
        for: 59m`},
		{"pending counts one pod as none", "CapcheckGPUPodsPending", `pool=\"h100\"} > 0"`, `pool=\"h100\"} > 1"`},
		{"pending fires with none", "CapcheckGPUPodsPending", `pool=\"h100\"} > 0"`, `pool=\"h100\"} >= 0"`},
		{"pending default for shorter", "CapcheckGPUPodsPending", "for: 10m", "for: 9m"},
		{"pending default for longer", "CapcheckGPUPodsPending", "for: 10m", "for: 11m"},
		// 2.5 minutes: absent at 12m (2m after the crossing), firing at 13m.
		{"pending scale_up for shorter", "CapcheckGPUPodsPending", "for: 2m30s", "for: 1m30s"},
		{"pending scale_up for longer", "CapcheckGPUPodsPending", "for: 2m30s", "for: 3m30s"},
		{"dependency warn threshold raised", "CapcheckDependencyNearLimit", `} > 1400000"`, `} > 1400000.002"`},
		{"dependency warn threshold lowered", "CapcheckDependencyNearLimit", `} > 1400000"`, `} > 1399999.998"`},
		{"dependency warn of the wrong limit", "CapcheckDependencyNearLimit", `} > 700"`, `} > 3500"`},
		{"dependency critical threshold raised", "CapcheckDependencyAtLimit", `} > 1700000"`, `} > 1700000.002"`},
		{"dependency critical threshold lowered", "CapcheckDependencyAtLimit", `} > 850"`, `} > 849.998"`},
		{"dependency critical for shorter", "CapcheckDependencyAtLimit", `} > 850"
        for: 15m`, `} > 850"
        for: 14m`},
		{"dependency critical severity", "CapcheckDependencyAtLimit", `severity: "critical"
          capcheck_plan: "ops"
          capcheck_dependency: "openai"`, `severity: "warning"
          capcheck_plan: "ops"
          capcheck_dependency: "openai"`},
		{"dependency limit label", "CapcheckDependencyNearLimit", `capcheck_limit: "used_gb"
        annotations:
          summary: "dependency store (plan ops): used_gb above the plan's warn_utilization`, `capcheck_limit: "capacity_gb"
        annotations:
          summary: "dependency store (plan ops): used_gb above the plan's warn_utilization`},
	}
	passed := map[string]bool{}
	for _, m := range mutations {
		t.Run(m.name, func(t *testing.T) {
			if n := strings.Count(wantRules, m.old); n != 1 {
				t.Fatalf("%q occurs %d times in wantRules, want once", m.old, n)
			}
			tests := only(m.alert)
			if !strings.Contains(tests, "alertname: "+m.alert) {
				t.Fatalf("no test of %s in\n%s", m.alert, tests)
			}
			if !passed[m.alert] { // the alert's own tests pass the rules as written
				if out, err := run(wantRules, tests, "test", "rules", "capcheck-rules.test.yml"); err != nil {
					t.Fatalf("promtool test rules of %s before the mutation: %v\n%s", m.alert, err, out)
				}
				passed[m.alert] = true
			}
			out, err := run(strings.Replace(wantRules, m.old, m.new, 1), tests, "test", "rules", "capcheck-rules.test.yml")
			if err == nil {
				t.Errorf("promtool test rules passed the mutated rules:\n%s", out)
			} else if !bytes.Contains(out, []byte("FAILED")) {
				t.Errorf("promtool test rules failed without a test failure: %v\n%s", err, out)
			}
		})
	}
}

// TestPromDuration: a `for` in Prometheus' duration syntax, largest unit
// first, and scale_up_minutes in whole seconds rounded up.
func TestPromDuration(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"},
		{15 * time.Minute, "15m"},
		{time.Hour, "1h"},
		{24 * time.Hour, "1d"},
		{150 * time.Second, "2m30s"}, // scale_up_minutes 2.5
		{90 * time.Minute, "1h30m"},  // scale_up_minutes 90
		{25*time.Hour + time.Second, "1d1h1s"},
	} {
		if got := promDuration(tc.d); got != tc.want {
			t.Errorf("promDuration(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
	for _, tc := range []struct {
		minutes float64
		want    time.Duration
		given   bool
	}{
		{0, 10 * time.Minute, false}, // not given: the default
		{2.5, 150 * time.Second, true},
		{0.001, time.Second, true}, // 0.06 s, rounded up to a whole second
		{1.0 / 3, 20 * time.Second, true},
	} {
		if got, given := scaleUp(&schema.Pool{ScaleUpMinutes: tc.minutes}); got != tc.want || given != tc.given {
			t.Errorf("scaleUp(%v minutes) = %v, %v; want %v, %v", tc.minutes, got, given, tc.want, tc.given)
		}
	}
}

// TestPlanSpendRule: CapcheckPlanSpendOverBudget needs a budget.monthly
// and a spend query, names a single pool, and a budget in another
// currency than the spend queries' USD gets a comment and no alert.
func TestPlanSpendRule(t *testing.T) {
	spend := &schema.UtilizationQueries{Spend: &schema.Actuals{Prometheus: `sum(spend{pool="h100"})`}}
	plan := func(b *schema.Budget, pools map[string]*schema.Pool) *schema.Plan {
		return &schema.Plan{Name: "p", Policy: schema.Policy{BudgetTolerance: 0.25}, Budget: b, Pools: pools}
	}
	withSpend := map[string]*schema.Pool{"h100": {Name: "h100", Utilization: spend}}
	for _, tc := range []struct {
		name  string
		plan  *schema.Plan
		want  string // the alert's summary, "" none
		notes []string
	}{
		// 100,000 × (1 + 0.25) = 125,000.
		{"one pool, all counted", plan(&schema.Budget{Monthly: 100000, Currency: "USD"}, withSpend),
			"plan p: spend of its pool h100 above the plan's budget.monthly 100000 USD by more than its budget_tolerance 25% (125000 USD a month)", nil},
		{"two pools missing", plan(&schema.Budget{Monthly: 100000}, map[string]*schema.Pool{
			"h100": {Name: "h100", Utilization: spend}, "a10g": {Name: "a10g"}, "l4": {Name: "l4", Utilization: &schema.UtilizationQueries{Spend: &schema.Actuals{CSV: "l4.csv"}}}}),
			"plan p: spend of 1 of its 3 pools (h100) above the plan's budget.monthly 100000 USD by more than its budget_tolerance 25% (125000 USD a month); a10g, l4 have no utilization.spend query and are not counted, so the plan spends more", nil},
		{"no budget", plan(nil, withSpend), "", nil},
		{"zero budget", plan(&schema.Budget{Monthly: 0}, withSpend), "", nil},
		{"no spend query", plan(&schema.Budget{Monthly: 100000}, map[string]*schema.Pool{"h100": {Name: "h100"}}), "", nil},
		{"budget in EUR", plan(&schema.Budget{Monthly: 100000, Currency: "EUR"}, withSpend), "",
			[]string{"plan p: the sum of the pools' spend is not alerted on against budget.monthly: the budget is in EUR and utilization.spend is USD"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var g group
			planSpendRule(&g, tc.plan)
			var got string
			for _, r := range g.rules {
				if r.alert != "CapcheckPlanSpendOverBudget" || r.expr != `sum by (capcheck_plan) (capcheck:pool_spend:usd_per_month{capcheck_plan="p"}) > 125000` {
					t.Errorf("rule %s: %s", r.alert, r.expr)
				}
				got = r.summary
			}
			if len(g.rules) > 1 || got != tc.want {
				t.Errorf("%d rules, summary %q; want %q", len(g.rules), got, tc.want)
			}
			if strings.Join(g.notes, "\n") != strings.Join(tc.notes, "\n") {
				t.Errorf("notes %q, want %q", g.notes, tc.notes)
			}
		})
	}
	// The note is a comment at the top of the plan's group.
	var b bytes.Buffer
	if err := PrometheusRules(&b, Input{Plans: []*schema.Plan{plan(&schema.Budget{Monthly: 100000, Currency: "EUR"}, withSpend)}}); err != nil {
		t.Fatal(err)
	}
	if want := "  - name: \"capcheck-p\"\n    rules:\n      # plan p: the sum of the pools' spend is not alerted on against budget.monthly: the budget is in EUR and utilization.spend is USD\n      # pool h100 (plan p): utilization.spend is recorded"; !strings.HasPrefix(strings.TrimPrefix(b.String(), "groups:\n"), want) {
		t.Errorf("PrometheusRules =\n%s\nwant it to start with\n%s", b.String(), want)
	}
}

// promRules is a rules file (or a manifest's spec) as sigs.k8s.io/yaml
// reads it; unknown fields are an error (UnmarshalStrict).
type promRules struct {
	Groups []struct {
		Name  string `json:"name"`
		Rules []struct {
			Record      string            `json:"record"`
			Alert       string            `json:"alert"`
			Expr        string            `json:"expr"`
			For         string            `json:"for"`
			Labels      map[string]string `json:"labels"`
			Annotations map[string]string `json:"annotations"`
		} `json:"rules"`
	} `json:"groups"`
}

type promRuleManifest struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name      string            `json:"name"`
		Namespace string            `json:"namespace"`
		Labels    map[string]string `json:"labels"`
	} `json:"metadata"`
	Spec promRules `json:"spec"`
}

// TestPrometheusRuleManifest: the manifest's spec.groups are the rules
// file's groups, as text (the rules file indented by two spaces), parsed
// by sigs.k8s.io/yaml, and by promtool check rules.
func TestPrometheusRuleManifest(t *testing.T) {
	m := Manifest{Name: "capcheck-gpu", Namespace: "monitoring",
		Labels: map[string]string{"release": "kube-prometheus-stack", "app.kubernetes.io/part-of": "capcheck", "empty": ""}}
	var b bytes.Buffer
	if err := PrometheusRuleManifest(&b, rulesInput(), m); err != nil {
		t.Fatal(err)
	}
	const head = `apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: "capcheck-gpu"
  namespace: "monitoring"
  labels:
    "app.kubernetes.io/part-of": "capcheck"
    "empty": ""
    "release": "kube-prometheus-stack"
spec:
`
	got := b.String()
	spec, ok := strings.CutPrefix(got, head)
	if !ok {
		t.Fatalf("manifest =\n%s\nwant it to start with\n%s", got, head)
	}
	var dedented strings.Builder
	for _, line := range strings.SplitAfter(spec, "\n") {
		if line != "" {
			d, ok := strings.CutPrefix(line, "  ")
			if !ok {
				t.Fatalf("spec line %q is not indented", line)
			}
			dedented.WriteString(d)
		}
	}
	if dedented.String() != wantRules {
		t.Errorf("spec, dedented =\n%s\nwant the rules file\n%s", dedented.String(), wantRules)
	}

	var man promRuleManifest
	if err := yaml.UnmarshalStrict(b.Bytes(), &man); err != nil {
		t.Fatal(err)
	}
	var rules promRules
	if err := yaml.UnmarshalStrict([]byte(wantRules), &rules); err != nil {
		t.Fatal(err)
	}
	if man.APIVersion != "monitoring.coreos.com/v1" || man.Kind != "PrometheusRule" || man.Metadata.Name != m.Name ||
		man.Metadata.Namespace != m.Namespace || !reflect.DeepEqual(man.Metadata.Labels, m.Labels) {
		t.Errorf("manifest header %s %s %+v", man.APIVersion, man.Kind, man.Metadata)
	}
	// llm's 4 records and 7 alerts, ops's 7 and 8: the comparison is not
	// of two empty lists.
	if n := len(rules.Groups); n != 2 || len(rules.Groups[0].Rules) != 11 || len(rules.Groups[1].Rules) != 15 {
		t.Fatalf("rules file parsed as %d groups: %+v", n, rules)
	}
	if !reflect.DeepEqual(man.Spec, rules) {
		t.Errorf("manifest spec.groups\n%+v\nwant the rules file's\n%+v", man.Spec, rules)
	}

	// promtool check rules on spec, extracted from the manifest.
	promtool := testkit.NeedCommand(t, "promtool", "Debian's prometheus package (.ci/run installs it)")
	var whole map[string]any
	if err := yaml.Unmarshal(b.Bytes(), &whole); err != nil {
		t.Fatal(err)
	}
	groups, err := yaml.Marshal(whole["spec"])
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "groups.yml")
	if err := os.WriteFile(file, groups, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(promtool, "check", "rules", file).CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("SUCCESS: 26 rules found")) {
		t.Errorf("promtool check rules of the manifest's spec: %v\n%s\nwant SUCCESS: 26 rules found", err, out)
	}

	// Nothing to alert on: groups: [], indented; no namespace, no labels.
	b.Reset()
	if err := PrometheusRuleManifest(&b, Input{Plans: testPlans()[:1]}, Manifest{Name: "capcheck"}); err != nil {
		t.Fatal(err)
	}
	if got, want := b.String(), "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  name: \"capcheck\"\nspec:\n  groups: []\n"; got != want {
		t.Errorf("empty manifest = %q, want %q", got, want)
	}
	// An invalid name writes nothing.
	b.Reset()
	if err := PrometheusRuleManifest(&b, rulesInput(), Manifest{Name: "GPU"}); err == nil || b.Len() > 0 {
		t.Errorf("name GPU: err %v, wrote %q", err, b.String())
	}
}

// TestManifestValidate: what Kubernetes rejects, named by the flag that
// set it; the first message of k8s.io/apimachinery's validation follows.
func TestManifestValidate(t *testing.T) {
	long := strings.Repeat("a", 64) // a label (value, namespace) is at most 63
	for _, tc := range []struct {
		m    Manifest
		want string // the error's start, "" valid
	}{
		{Manifest{Name: "capcheck-gpu.prod", Namespace: "monitoring", Labels: map[string]string{"example.com/team": "ml_platform.v1", "release": ""}}, ""},
		{Manifest{Name: ""}, `--name "" is not a valid PrometheusRule name: `},
		{Manifest{Name: "Capcheck"}, `--name "Capcheck" is not a valid PrometheusRule name: a lowercase RFC 1123 subdomain must consist of`},
		{Manifest{Name: "capcheck_gpu"}, `--name "capcheck_gpu" is not a valid PrometheusRule name: `},
		{Manifest{Name: "-capcheck"}, `--name "-capcheck" is not a valid PrometheusRule name: `},
		{Manifest{Name: "capcheck", Namespace: "Monitoring"}, `--namespace "Monitoring" is not a valid namespace: a lowercase RFC 1123 label must consist of`},
		{Manifest{Name: "capcheck", Namespace: "team.ml"}, `--namespace "team.ml" is not a valid namespace: must not contain dots`},
		{Manifest{Name: "capcheck", Namespace: long}, `--namespace "` + long + `" is not a valid namespace: must be no more than 63 characters`},
		{Manifest{Name: "capcheck", Labels: map[string]string{"bad key": "x"}}, `--label "bad key=x": the key is not a valid label key: name part must consist of`},
		{Manifest{Name: "capcheck", Labels: map[string]string{"Example.com/team": "x"}}, `--label "Example.com/team=x": the key is not a valid label key: prefix part a lowercase RFC 1123 subdomain`},
		{Manifest{Name: "capcheck", Labels: map[string]string{"release": "a b"}}, `--label "release=a b": the value is not a valid label value: a valid label must be`},
		{Manifest{Name: "capcheck", Labels: map[string]string{"release": long}}, `--label "release=` + long + `": the value is not a valid label value: must be no more than 63 bytes`},
		// Keys in order: the first invalid one is reported.
		{Manifest{Name: "capcheck", Labels: map[string]string{"b": "-", "a": "-"}}, `--label "a=-": the value`},
	} {
		err := tc.m.Validate()
		if tc.want == "" {
			if err != nil {
				t.Errorf("Validate(%+v) = %v, want nil", tc.m, err)
			}
			continue
		}
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("Validate(%+v) = %v, want it to start with %q", tc.m, err, tc.want)
		}
	}
}

// TestManifestName: capcheck- and the directory name as a DNS-1123
// subdomain.
func TestManifestName(t *testing.T) {
	for _, tc := range []struct{ repo, want string }{
		{"gpu-capacity", "capcheck-gpu-capacity"},
		{"My_Repo.git", "capcheck-my-repo-git"},
		{"--ML  Platform--", "capcheck-ml-platform"},
		{"/", "capcheck"},
		{"été", "capcheck-t"},
		// 9 + 244 = 253 characters, the subdomain's limit.
		{strings.Repeat("a", 300), "capcheck-" + strings.Repeat("a", 244)},
		// Cut at 253 on a dash, which is trimmed: 9 + 243 characters.
		{strings.Repeat("a", 243) + "-b", "capcheck-" + strings.Repeat("a", 243)},
	} {
		if got := ManifestName(tc.repo); got != tc.want {
			t.Errorf("ManifestName(%q) = %q, want %q", tc.repo, got, tc.want)
		}
		if errs := validation.IsDNS1123Subdomain(ManifestName(tc.repo)); len(errs) > 0 {
			t.Errorf("ManifestName(%q): %v", tc.repo, errs)
		}
	}
}

// TestManifestResolve: the flags of `capcheck export` that make the rules
// a PrometheusRule manifest, checked against the kind and --format.
func TestManifestResolve(t *testing.T) {
	root := filepath.Join(t.TempDir(), "GPU_Capacity")
	labels := map[string]string{"release": "kube-prometheus-stack"}
	for _, tc := range []struct {
		m            Manifest
		kind, format string
		want         *Manifest
		err          string
	}{
		{Manifest{}, "prometheus-rules", "rules", nil, ""},
		{Manifest{}, "grafana-dashboard", "rules", nil, ""},
		{Manifest{Labels: labels}, "prometheus-rules", "manifest", &Manifest{Name: "capcheck-gpu-capacity", Labels: labels}, ""},
		{Manifest{Name: "rules", Namespace: "monitoring"}, "prometheus-rules", "manifest", &Manifest{Name: "rules", Namespace: "monitoring"}, ""},
		{Manifest{}, "prometheus-rules", "yaml", nil, `unknown --format "yaml" (want rules or manifest)`},
		{Manifest{Namespace: "monitoring"}, "prometheus-rules", "rules", nil, "--namespace is for --format manifest"},
		{Manifest{Labels: labels}, "prometheus-rules", "rules", nil, "--label is for --format manifest"},
		{Manifest{}, "prometheus-rules-tests", "manifest", nil, "--format is for prometheus-rules"},
		{Manifest{Name: "x"}, "grafana-dashboard", "rules", nil, "--name is for prometheus-rules"},
		{Manifest{Name: "X"}, "prometheus-rules", "manifest", nil, `--name "X" is not a valid PrometheusRule name: `},
	} {
		got, err := tc.m.Resolve(tc.kind, tc.format, root)
		if tc.err != "" {
			if err == nil || !strings.HasPrefix(err.Error(), tc.err) || got != nil {
				t.Errorf("Resolve(%+v, %s, %s) = %+v, %v; want error %q", tc.m, tc.kind, tc.format, got, err, tc.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Resolve(%+v, %s, %s) = %+v, %v; want %+v", tc.m, tc.kind, tc.format, got, err, tc.want)
		}
	}
	// The manifest in Input makes PrometheusRules write it.
	var rules, man bytes.Buffer
	in := rulesInput()
	if err := PrometheusRuleManifest(&rules, in, Manifest{Name: "capcheck"}); err != nil {
		t.Fatal(err)
	}
	in.Manifest = &Manifest{Name: "capcheck"}
	if err := PrometheusRules(&man, in); err != nil {
		t.Fatal(err)
	}
	if man.String() != rules.String() || !strings.HasPrefix(man.String(), "apiVersion: monitoring.coreos.com/v1\n") {
		t.Errorf("PrometheusRules with a Manifest =\n%s\nwant\n%s", man.String(), rules.String())
	}
}

// TestPoolSpendCurrency: a pool's budget_monthly is in the plan's
// currency (budget.currency), the spend query in USD: with the plan in
// EUR the pool's spend is recorded with a comment and not alerted on
// (comparing 1,000 EUR × 1.25 with dollars would be a wrong threshold);
// in USD, or with no currency written, it is alerted above 1,000 × (1 +
// 0.25) = 1,250.
func TestPoolSpendCurrency(t *testing.T) {
	spend := &schema.UtilizationQueries{Spend: &schema.Actuals{Prometheus: `sum(spend{pool="h100"})`}}
	for _, tc := range []struct {
		name   string
		budget *schema.Budget
		alert  bool
		note   string
	}{
		{"no budget block", nil, true, ""},
		{"USD", &schema.Budget{Monthly: 5000, Currency: "USD"}, true, ""},
		{"EUR", &schema.Budget{Monthly: 5000, Currency: "EUR"}, false,
			"pool h100 (plan p): utilization.spend is recorded but not alerted on: budget_monthly is in EUR and utilization.spend is USD"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &schema.Plan{Name: "p", Policy: schema.Policy{BudgetTolerance: 0.25}, Budget: tc.budget,
				Pools: map[string]*schema.Pool{"h100": {Name: "h100", BudgetMonthly: 1000, Utilization: spend}}}
			var g group
			poolQueries(&g, p, p.Pools["h100"], []label{{"capcheck_plan", "p"}, {"capcheck_pool", "h100"}}, "pool h100 (plan p): ")
			var alerts []string
			for _, r := range g.rules {
				if r.alert == "CapcheckSpendOverBudget" {
					alerts = append(alerts, r.expr)
				}
			}
			want := []string(nil)
			if tc.alert {
				want = []string{`capcheck:pool_spend:usd_per_month{capcheck_plan="p",capcheck_pool="h100"} > 1250`}
			}
			if strings.Join(alerts, "\n") != strings.Join(want, "\n") {
				t.Errorf("spend alerts %q, want %q", alerts, want)
			}
			var notes []string
			for _, r := range g.records {
				if r.note != "" {
					notes = append(notes, r.note)
				}
			}
			if strings.Join(notes, "\n") != tc.note {
				t.Errorf("record notes %q, want %q", notes, tc.note)
			}
		})
	}
}
