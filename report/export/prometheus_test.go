package export

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/capcheck/capcheck/internal/testkit"
	"github.com/capcheck/capcheck/schema"
)

func testPlans() []*schema.Plan {
	policy := schema.Policy{HeadroomMin: 0.3, WarnUtilization: 0.7, CriticalUtilization: 0.85, ReservedUtilizationMin: 0.5}
	return []*schema.Plan{
		{Name: "recsys", Policy: policy, Pools: map[string]*schema.Pool{
			// CSV only: no rule.
			"l4": {Name: "l4", Utilization: &schema.UtilizationQueries{GPU: &schema.Actuals{CSV: "gpu.csv"}}},
		}},
		{Name: "llm", Policy: policy, Pools: map[string]*schema.Pool{
			"h100": {Name: "h100", Utilization: &schema.UtilizationQueries{
				GPU:         &schema.Actuals{Prometheus: `avg(DCGM_FI_DEV_GPU_UTIL{pool="h100"}) / 100`},
				Reservation: &schema.Actuals{Prometheus: `sum(gpu_in_use{pool="h100"}) / 64`},
			}},
			"none": {Name: "none"},
		}},
	}
}

// wantRules is the rules file of testPlans: warn 0.7 and critical 0.85 as
// written; headroom_min 0.3 as utilisation above 1 − 0.3 = 0.7; reserved
// utilisation below 0.5. The recsys plan has no Prometheus query.
const wantRules = `groups:
  - name: "capcheck-llm"
    rules:
      - alert: CapcheckGPUUtilizationWarning
        expr: "(avg(DCGM_FI_DEV_GPU_UTIL{pool=\"h100\"}) / 100) > 0.7"
        for: 15m
        labels:
          severity: warning
          capcheck_plan: "llm"
          capcheck_pool: "h100"
        annotations:
          summary: "pool h100 (plan llm): GPU utilisation above the plan's warn_utilization 70%"
      - alert: CapcheckGPUUtilizationCritical
        expr: "(avg(DCGM_FI_DEV_GPU_UTIL{pool=\"h100\"}) / 100) > 0.85"
        for: 15m
        labels:
          severity: critical
          capcheck_plan: "llm"
          capcheck_pool: "h100"
        annotations:
          summary: "pool h100 (plan llm): GPU utilisation above the plan's critical_utilization 85%; latency SLOs are at risk"
      - alert: CapcheckHeadroomBelowMin
        expr: "(avg(DCGM_FI_DEV_GPU_UTIL{pool=\"h100\"}) / 100) > 0.7"
        for: 1h
        labels:
          severity: warning
          capcheck_plan: "llm"
          capcheck_pool: "h100"
        annotations:
          summary: "pool h100 (plan llm): observed headroom (1 − GPU utilisation) below the plan's headroom_min 30%"
      - alert: CapcheckReservedUtilizationLow
        expr: "(sum(gpu_in_use{pool=\"h100\"}) / 64) < 0.5"
        for: 1d
        labels:
          severity: info
          capcheck_plan: "llm"
          capcheck_pool: "h100"
        annotations:
          summary: "pool h100 (plan llm): reserved GPUs in use below the plan's reserved_utilization_min 50%; reserved capacity is paid for and idle"
`

func TestPrometheusRules(t *testing.T) {
	var b bytes.Buffer
	if err := PrometheusRules(&b, testPlans()); err != nil {
		t.Fatal(err)
	}
	if got := b.String(); got != wantRules {
		t.Errorf("PrometheusRules = %q\nwant %q", got, wantRules)
	}
	b.Reset()
	if err := PrometheusRules(&b, testPlans()[:1]); err != nil {
		t.Fatal(err)
	}
	if got, want := b.String(), "groups: []\n"; got != want {
		t.Errorf("PrometheusRules without queries = %q, want %q", got, want)
	}
}

// TestPrometheusRulesPromtool has promtool (Debian's prometheus package,
// installed by .ci/run) parse the file, its PromQL included.
func TestPrometheusRulesPromtool(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		testkit.SkipOrFail(t, "promtool is not installed")
		return
	}
	path := filepath.Join(t.TempDir(), "rules.yml")
	if err := os.WriteFile(path, []byte(wantRules), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(promtool, "check", "rules", path).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check rules: %v\n%s", err, out)
	}
	if !bytes.Contains(out, []byte("SUCCESS: 4 rules found")) {
		t.Errorf("promtool check rules said:\n%s\nwant SUCCESS: 4 rules found", out)
	}
}
