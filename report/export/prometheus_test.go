package export

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
		Pools: map[string]*schema.Pool{
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
// queue depth recorded only; openai's tokens_per_minute usage against
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
// dependency usages) and 14 alerts (warning, critical, headroom, reserved,
// spend, 2 pending, 2 × 2 dependency, order-by, expiring, drift), and 13
// test groups (one per threshold alert, CapcheckDemandDrift two: above
// and below the plan; CapcheckOrderByApproaching and
// CapcheckReservationExpiring, date alerts, have none). Each mutation of
// a threshold, a `for`, the drift's plan or a label must fail them.
func TestPrometheusRulesPromtool(t *testing.T) {
	promtool := testkit.NeedCommand(t, "promtool", "Debian's prometheus package (.ci/run installs it)")
	var tests bytes.Buffer
	if err := PrometheusRuleTests(&tests, rulesInput()); err != nil {
		t.Fatal(err)
	}
	if got, want := bytes.Count(tests.Bytes(), []byte("\n  - name: ")), 13; got != want {
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
	if !bytes.Contains(out, []byte("SUCCESS: 25 rules found")) {
		t.Errorf("promtool check rules said:\n%s\nwant SUCCESS: 25 rules found", out)
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
