package evaluator

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/capcheck/capcheck/internal/diag"
)

// summaryPool builds a pool with headline figures and a two-month timeline.
func summaryPool(plan, name string, reserved, required float64) PoolDoc {
	h := 1 - required/reserved
	return PoolDoc{
		Name: name, Plan: plan, GPU: "H100-SXM",
		Location:         diag.Pos{File: "capacity/" + plan + ".cue", Line: 12, Column: 3}.Range(),
		LeadTimeWeeks:    12,
		HeadroomMin:      0.3,
		ReservedGPUs:     reserved,
		RequiredGPUsPeak: required,
		MinHeadroom:      h,
		MinHeadroomMonth: "2026-04",
		NPlus:            NPlusDoc{K: 1, Required: true, OK: true},
		BackedGPUs:       required / 0.7,
		MonthlyCost:      reserved * 2 * 24 * 31,
		Cost:             CostDoc{Currency: "USD"},
		Timeline: []MonthDoc{
			{Month: "2026-03", CapacityGPUs: reserved, RequiredGPUs: required * 0.9},
			{Month: "2026-04", CapacityGPUs: reserved, RequiredGPUs: required, Headroom: h},
		},
	}
}

func TestSummarizeNoDiff(t *testing.T) {
	p := summaryPool("prod", "h100-use1", 48, 33.6)
	doc := &Document{Version: Version, Pools: []PoolDoc{p}}
	got := Summarize(doc)
	want := []PoolSummary{{
		Name: "h100-use1", Plan: "prod", GPU: "H100-SXM",
		ReservedGPUs:     48,
		RequiredGPUsPeak: 33.6,
		MinHeadroom:      1 - 33.6/48, // 0.3
		MinHeadroomMonth: "2026-04",
		NPlusOK:          true, NPlusRequired: true, NPlusK: 1,
		BackedGPUs:    33.6 / 0.7, // 48
		MonthlyCost:   48 * 2 * 24 * 31,
		HeadroomMin:   0.3,
		LeadTimeWeeks: 12,
		Currency:      "USD",
		Strategies:    []StrategyDoc{},
		Timeline:      p.Timeline,
		Inputs: PoolInputs{
			GrowthRates: map[string]float64{}, ForecastMethods: map[string]string{}, Benchmarks: []string{},
		},
		Location: diag.Pos{File: "capacity/prod.cue", Line: 12, Column: 3}.Range(),
	}}
	if diff := cmp.Diff(want, got, cmpopts.EquateApprox(0, 1e-9)); diff != "" {
		t.Errorf("Summarize mismatch (-want +got):\n%s", diff)
	}
	// The summary owns its timeline: editing it leaves the document alone.
	got[0].Timeline[0].CapacityGPUs = 1
	if doc.Pools[0].Timeline[0].CapacityGPUs != 48 {
		t.Errorf("Summarize aliases the document's timeline")
	}
	// Lists encode as [], and no diff field appears outside a diff.
	b, err := json.Marshal(got[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{`"benchmarks":[]`, `"growth_rates":{}`, `"timeline":[{`} {
		if !strings.Contains(string(b), s) {
			t.Errorf("JSON lacks %s: %s", s, b)
		}
	}
	for _, s := range []string{`"status"`, `"base"`} {
		if strings.Contains(string(b), s) {
			t.Errorf("JSON outside a diff has %s: %s", s, b)
		}
	}
}

func TestSummarizeNil(t *testing.T) {
	got := Summarize(nil)
	if got == nil || len(got) != 0 {
		t.Errorf("Summarize(nil) = %#v, want an empty non-nil slice", got)
	}
}

func TestSummarizeDiff(t *testing.T) {
	// Base: prod/h100-use1 with 48 GPUs, prod/a100-usw2 (unchanged),
	// prod/l4-old (removed), staging/shared (removed: in the head it
	// belongs to another plan, so it is not the same pool).
	// Head: prod/h100-use1 with 40 GPUs (changed), prod/a100-usw2, a new
	// prod/h200-euw1, and dev/shared (new).
	base := &Document{Version: Version, Pools: []PoolDoc{
		summaryPool("prod", "h100-use1", 48, 33.6),
		summaryPool("prod", "a100-usw2", 16, 8),
		summaryPool("prod", "l4-old", 8, 2),
		summaryPool("staging", "shared", 4, 1),
	}}
	head := &Document{Version: Version, Base: base, Pools: []PoolDoc{
		summaryPool("prod", "h100-use1", 40, 33.2),
		summaryPool("prod", "h200-euw1", 24, 10),
		summaryPool("prod", "a100-usw2", 16, 8),
		summaryPool("dev", "shared", 4, 1),
	}}
	got := Summarize(head)

	type row struct {
		Plan, Name, Status string
		Reserved           float64
		BaseReserved       float64 // -1 when Base is nil
		MinHeadroom        float64
		BaseMinHeadroom    float64 // -1 when Base is nil
		Timeline           int
	}
	var rows []row
	for _, s := range got {
		r := row{Plan: s.Plan, Name: s.Name, Status: s.Status, Reserved: s.ReservedGPUs,
			BaseReserved: -1, MinHeadroom: round4(s.MinHeadroom), BaseMinHeadroom: -1, Timeline: len(s.Timeline)}
		if s.Base != nil {
			r.BaseReserved, r.BaseMinHeadroom = s.Base.ReservedGPUs, round4(s.Base.MinHeadroom)
			if s.Base.Base != nil || s.Base.Status != "" {
				t.Errorf("%s/%s: base summary has diff fields: status %q, base %v", s.Plan, s.Name, s.Base.Status, s.Base.Base)
			}
		}
		rows = append(rows, r)
	}
	want := []row{
		// 1 − 33.2/40 = 0.17; base 1 − 33.6/48 = 0.30
		{Plan: "prod", Name: "h100-use1", Status: StatusChanged, Reserved: 40, BaseReserved: 48, MinHeadroom: 0.17, BaseMinHeadroom: 0.3, Timeline: 2},
		// 1 − 10/24 = 0.5833
		{Plan: "prod", Name: "h200-euw1", Status: StatusNew, Reserved: 24, BaseReserved: -1, MinHeadroom: 0.5833, BaseMinHeadroom: -1, Timeline: 2},
		// 1 − 8/16 = 0.5
		{Plan: "prod", Name: "a100-usw2", Status: StatusUnchanged, Reserved: 16, BaseReserved: 16, MinHeadroom: 0.5, BaseMinHeadroom: 0.5, Timeline: 2},
		// 1 − 1/4 = 0.75
		{Plan: "dev", Name: "shared", Status: StatusNew, Reserved: 4, BaseReserved: -1, MinHeadroom: 0.75, BaseMinHeadroom: -1, Timeline: 2},
		// Removed: head figures zero, timeline empty, base figures kept.
		// 1 − 2/8 = 0.75
		{Plan: "prod", Name: "l4-old", Status: StatusRemoved, Reserved: 0, BaseReserved: 8, MinHeadroom: 0, BaseMinHeadroom: 0.75, Timeline: 0},
		{Plan: "staging", Name: "shared", Status: StatusRemoved, Reserved: 0, BaseReserved: 4, MinHeadroom: 0, BaseMinHeadroom: 0.75, Timeline: 0},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("Summarize diff mismatch (-want +got):\n%s", diff)
	}
	if got[4].GPU != "H100-SXM" || got[4].Timeline == nil {
		t.Errorf("removed pool: GPU %q, timeline %v; want identity kept and an empty timeline", got[4].GPU, got[4].Timeline)
	}
}

func round4(f float64) float64 { return math.Round(f*1e4) / 1e4 }

func TestPoolSummaryChanged(t *testing.T) {
	tests := []struct {
		name string
		edit func(p *PoolDoc)
		want bool
	}{
		{name: "identical", edit: func(p *PoolDoc) {}, want: false},
		{name: "moved in the file", edit: func(p *PoolDoc) { p.Location.Line = 40 }, want: false},
		{name: "inputs only", edit: func(p *PoolDoc) { p.Inputs.Benchmarks = []string{"b1"} }, want: false},
		{name: "float noise", edit: func(p *PoolDoc) { p.MonthlyCost *= 1 + 1e-12 }, want: false},
		{name: "reserved", edit: func(p *PoolDoc) { p.ReservedGPUs = 40 }, want: true},
		{name: "cliff", edit: func(p *PoolDoc) { p.Cliff = "2027-06" }, want: true},
		{name: "n+k lost", edit: func(p *PoolDoc) { p.NPlus.OK = false }, want: true},
		{name: "threshold", edit: func(p *PoolDoc) { p.HeadroomMin = 0.2 }, want: true},
		{name: "a later month's demand", edit: func(p *PoolDoc) { p.Timeline[1].RequiredGPUs = 36 }, want: true},
		{name: "horizon length", edit: func(p *PoolDoc) { p.Timeline = p.Timeline[:1] }, want: true},
		{name: "unknown figure", edit: func(p *PoolDoc) { p.BackedGPUs = math.NaN() }, want: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := summaryPool("prod", "h100-use1", 48, 33.6)
			h := summaryPool("prod", "h100-use1", 48, 33.6)
			tc.edit(&h)
			got := Summarize(&Document{Pools: []PoolDoc{h}, Base: &Document{Pools: []PoolDoc{b}}})
			if len(got) != 1 {
				t.Fatalf("Summarize = %d pools, want 1", len(got))
			}
			want := StatusUnchanged
			if tc.want {
				want = StatusChanged
			}
			if got[0].Status != want {
				t.Errorf("Status = %q, want %q", got[0].Status, want)
			}
		})
	}
}
