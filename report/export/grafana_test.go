package export

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// TestGrafanaDashboard round-trips the dashboard of testPlans through the
// SDK's types: one GPU utilisation panel (lines at warn 0.7 and critical
// 0.85) and one reserved-use panel (line at the 0.5 minimum) for llm's
// h100, and one demand panel for chat; recsys (CSV only), the pool
// without queries and batch (no actuals) add none.
func TestGrafanaDashboard(t *testing.T) {
	var b bytes.Buffer
	if err := GrafanaDashboard(&b, testInput()); err != nil {
		t.Fatal(err)
	}
	var d dashboard.Dashboard
	if err := json.Unmarshal(b.Bytes(), &d); err != nil {
		t.Fatalf("the dashboard does not decode into dashboard.Dashboard: %v\n%s", err, b.String())
	}
	type panel struct {
		Title string
		Exprs []string
		Steps []any
	}
	var got []panel
	for _, p := range d.Panels {
		if p.Panel == nil {
			t.Fatalf("a row where a panel was expected")
		}
		var exprs []string
		for _, tg := range p.Panel.Targets {
			var q struct{ Expr string }
			raw, _ := json.Marshal(tg)
			_ = json.Unmarshal(raw, &q)
			exprs = append(exprs, q.Expr)
		}
		var steps []any
		for _, s := range thresholdSteps(p.Panel) {
			if s.Value == nil {
				steps = append(steps, s.Color)
			} else {
				steps = append(steps, *s.Value, s.Color)
			}
		}
		got = append(got, panel{deref(p.Panel.Title), exprs, steps})
	}
	// chat's plan: 100 requests/s (a peak) on 2026-11-01 (1,793,491,200 s),
	// growing 2% a month (2,629,746 s), ±15%.
	plan := "(100 * 1.02 ^ ((time() - 1793491200) / 2629746))"
	want := []panel{
		{"pool h100 (plan llm): GPU utilisation", []string{`avg(DCGM_FI_DEV_GPU_UTIL{pool="h100"}) / 100`}, []any{"green", 0.7, "orange", 0.85, "red"}},
		{"pool h100 (plan llm): reserved GPUs in use", []string{`sum(gpu_in_use{pool="h100"}) / 64`}, []any{"orange", 0.5, "green"}},
		{"workload chat (plan llm): observed daily peak demand against the plan", []string{
			`max_over_time((sum(rate(vllm:request_success_total{model="chat"}[5m])))[1d:5m])`,
			plan, plan + " * 1.15", plan + " * 0.85",
		}, nil},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("panels (-want +got):\n%s", diff)
	}
	if deref(d.Title) != "capcheck: GPU capacity" || deref(d.Uid) != "capcheck-gpu-capacity" {
		t.Errorf("title %q, uid %q", deref(d.Title), deref(d.Uid))
	}
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
