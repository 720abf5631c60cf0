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
// h100; recsys (CSV only) and the pool without queries add none.
func TestGrafanaDashboard(t *testing.T) {
	var b bytes.Buffer
	if err := GrafanaDashboard(&b, testPlans()); err != nil {
		t.Fatal(err)
	}
	var d dashboard.Dashboard
	if err := json.Unmarshal(b.Bytes(), &d); err != nil {
		t.Fatalf("the dashboard does not decode into dashboard.Dashboard: %v\n%s", err, b.String())
	}
	type panel struct {
		Title, Expr string
		Steps       []any
	}
	var got []panel
	for _, p := range d.Panels {
		if p.Panel == nil {
			t.Fatalf("a row where a panel was expected")
		}
		var q struct{ Expr string }
		if len(p.Panel.Targets) != 1 {
			t.Fatalf("panel %q has %d targets, want 1", deref(p.Panel.Title), len(p.Panel.Targets))
		}
		raw, _ := json.Marshal(p.Panel.Targets[0])
		_ = json.Unmarshal(raw, &q)
		var steps []any
		for _, s := range p.Panel.FieldConfig.Defaults.Thresholds.Steps {
			if s.Value == nil {
				steps = append(steps, s.Color)
			} else {
				steps = append(steps, *s.Value, s.Color)
			}
		}
		got = append(got, panel{deref(p.Panel.Title), q.Expr, steps})
	}
	want := []panel{
		{"pool h100 (plan llm): GPU utilisation", `avg(DCGM_FI_DEV_GPU_UTIL{pool="h100"}) / 100`, []any{"green", 0.7, "orange", 0.85, "red"}},
		{"pool h100 (plan llm): reserved GPUs in use", `sum(gpu_in_use{pool="h100"}) / 64`, []any{"orange", 0.5, "green"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("panels (-want +got):\n%s", diff)
	}
	if deref(d.Title) != "capcheck: GPU capacity" || deref(d.Uid) != "capcheck-gpu-capacity" {
		t.Errorf("title %q, uid %q", deref(d.Title), deref(d.Uid))
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
