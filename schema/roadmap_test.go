package schema

import (
	"encoding/json"
	"testing"
	"time"
)

// TestModelMixJSON: a mix marshals in the form it was written in (the map,
// or the dated list), so a plan printed as JSON loads back the same.
func TestModelMixJSON(t *testing.T) {
	d := time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		mix  ModelMix
		want string
	}{
		{Mix(map[string]float64{"a": 0.7, "b": 0.3}), `{"a":0.7,"b":0.3}`},
		{ModelMix{Steps: []MixStep{{From: d.AddDate(0, -6, 0), Mix: map[string]float64{"a": 1}}, {From: d, Mix: map[string]float64{"a": 0.3, "b": 0.7}}}},
			`[{"from":"2026-12-01","mix":{"a":1}},{"from":"2027-06-01","mix":{"a":0.3,"b":0.7}}]`},
	} {
		b, err := json.Marshal(tc.mix)
		if err != nil || string(b) != tc.want {
			t.Errorf("Marshal = %s, %v; want %s", b, err, tc.want)
		}
	}
	m := ModelMix{Steps: []MixStep{{From: d, Mix: map[string]float64{"b": 1}, Path: "workloads.w.model_mix[0].mix"}}}
	if !m.Dated() || !m.Has("b") || m.Has("a") || m.PathOf("b") != "workloads.w.model_mix[0].mix.b" {
		t.Errorf("Dated %v, Has(b) %v, Has(a) %v, PathOf(b) %q", m.Dated(), m.Has("b"), m.Has("a"), m.PathOf("b"))
	}
}
