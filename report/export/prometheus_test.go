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

// wantRules is the rules file of testInput: the GPU and reserved
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
`

func TestPrometheusRules(t *testing.T) {
	var b bytes.Buffer
	if err := PrometheusRules(&b, testInput()); err != nil {
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
// installed by .ci/run) parse the rules of testInput, PromQL included,
// and run the unit tests PrometheusRuleTests writes for them: 4 recording
// rules and 7 alerts, and 6 test groups (CapcheckDemandDrift above and
// below the plan; CapcheckOrderByApproaching and
// CapcheckReservationExpiring, date alerts, have none). Each mutation of
// a threshold, a `for`, the drift's plan or a label must fail them.
func TestPrometheusRulesPromtool(t *testing.T) {
	promtool := testkit.NeedCommand(t, "promtool", "Debian's prometheus package (.ci/run installs it)")
	var tests bytes.Buffer
	if err := PrometheusRuleTests(&tests, testInput()); err != nil {
		t.Fatal(err)
	}
	if got, want := bytes.Count(tests.Bytes(), []byte("\n  - name: ")), 6; got != want {
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
	if !bytes.Contains(out, []byte("SUCCESS: 11 rules found")) {
		t.Errorf("promtool check rules said:\n%s\nwant SUCCESS: 11 rules found", out)
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
		{"critical severity", "CapcheckGPUUtilizationCritical", `severity: "critical"`, `severity: "warning"`},
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
