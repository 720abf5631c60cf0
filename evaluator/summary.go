package evaluator

import (
	"math"

	"github.com/capcheck/capcheck/internal/diag"
)

// Pool statuses in a base/head diff.
const (
	StatusUnchanged = "unchanged"
	StatusChanged   = "changed"
	StatusNew       = "new"
	StatusRemoved   = "removed"
)

// PoolSummary is one pool in the `capcheck check --format json` contract
// (docs/ARCHITECTURE.md, "Outputs and exit codes"): the headline figures of the plan_for scenario, the
// timeline, and in a PR diff the same figures for the base tree.
//
// Representation of a diff: Base is non-nil exactly when the pool exists in
// the base tree, and Status is StatusRemoved exactly when it does not exist
// in the head tree. A removed pool keeps its identity (name, plan, gpu) at
// the top level, its head figures are zero and its timeline empty, and all
// its figures are in Base: consumers read Status before the figures. A new
// pool has Base nil. Status is "" outside a diff.
type PoolSummary struct {
	Name             string  `json:"name"`
	Plan             string  `json:"plan"`
	GPU              string  `json:"gpu"`
	ReservedGPUs     float64 `json:"reserved_gpus"`
	RequiredGPUsPeak float64 `json:"required_gpus_peak"`
	MinHeadroom      float64 `json:"min_headroom"`
	MinHeadroomMonth string  `json:"min_headroom_month"`
	NPlusOK          bool    `json:"n_plus_ok"`
	Cliff            string  `json:"cliff"`
	OrderBy          string  `json:"order_by"`
	BackedGPUs       float64 `json:"backed_gpus"`
	UnbackedGPUs     float64 `json:"unbacked_gpus"`
	MonthlyCost      float64 `json:"monthly_cost"`
	// EgressMonthly is the cross-region egress part of MonthlyCost (see
	// CostDoc.EgressMonthly), absent when 0.
	EgressMonthly float64 `json:"egress_monthly,omitempty"`

	// Extras (welcome in the contract; never renamed without a version
	// bump either).
	NPlusRequired bool    `json:"n_plus_required"`
	NPlusK        int     `json:"n_plus_k"`
	HeadroomMin   float64 `json:"headroom_min"`
	LeadTimeWeeks float64 `json:"lead_time_weeks"`
	Currency      string  `json:"currency"`
	// Strategy, OrderByDate and Strategies are PoolDoc's.
	Strategy    Strategy      `json:"strategy"`
	OrderByDate string        `json:"order_by_date"`
	Strategies  []StrategyDoc `json:"strategies"`

	Timeline []MonthDoc `json:"timeline"`
	Inputs   PoolInputs `json:"inputs"`
	Location diag.Range `json:"location"`
	// Kubernetes are the figures of the pool's Kubernetes objects, nil
	// when it has none.
	Kubernetes *KubernetesSummary `json:"kubernetes,omitempty"`

	// Status is StatusUnchanged, StatusChanged, StatusNew or StatusRemoved
	// in a diff, "" otherwise.
	Status string       `json:"status,omitempty"`
	Base   *PoolSummary `json:"base,omitempty"`
	// Suggestion is the pool's cheapest fix under `check --suggest`
	// (see SuggestDoc.Attach); nil otherwise and for a passing pool.
	Suggestion *PoolSuggestion `json:"suggestion,omitempty"`
}

// Summarize returns the pool summaries of doc, pools in document order.
// When doc.Base is set, head and base pools are matched by (plan, name):
// matched pools get Base and Status changed or unchanged (see
// PoolSummary.Changed), head-only pools Status new, and base-only pools are
// appended in base order with Status removed. A nil doc gives an empty,
// non-nil slice.
func Summarize(doc *Document) []PoolSummary {
	out := []PoolSummary{}
	if doc == nil {
		return out
	}
	for _, p := range doc.Pools {
		out = append(out, summarizePool(p))
	}
	if doc.Base == nil {
		return out
	}
	type key struct{ plan, name string }
	basePools := doc.Base.Pools
	byKey := map[key][]int{}
	for i, p := range basePools {
		k := key{p.Plan, p.Name}
		byKey[k] = append(byKey[k], i)
	}
	matched := make([]bool, len(basePools))
	for i := range out {
		s := &out[i]
		k := key{s.Plan, s.Name}
		idx := byKey[k]
		if len(idx) == 0 {
			s.Status = StatusNew
			continue
		}
		// Duplicates (which the evaluator rejects) pair up in order.
		byKey[k] = idx[1:]
		matched[idx[0]] = true
		b := summarizePool(basePools[idx[0]])
		s.Base = &b
		s.Status = StatusUnchanged
		if s.Changed() {
			s.Status = StatusChanged
		}
	}
	for i, p := range basePools {
		if matched[i] {
			continue
		}
		b := summarizePool(p)
		out = append(out, PoolSummary{
			Name: p.Name, Plan: p.Plan, GPU: p.GPU,
			Timeline:   []MonthDoc{},
			Strategies: []StrategyDoc{},
			Inputs:     normalizeInputs(PoolInputs{}),
			Status:     StatusRemoved,
			Base:       &b,
		})
	}
	return out
}

// summarizePool copies the figures of one pool; lists and maps are never
// nil so they encode as [] and {}.
func summarizePool(p PoolDoc) PoolSummary {
	tl := make([]MonthDoc, len(p.Timeline))
	copy(tl, p.Timeline)
	return PoolSummary{
		Name:             p.Name,
		Plan:             p.Plan,
		GPU:              p.GPU,
		ReservedGPUs:     p.ReservedGPUs,
		RequiredGPUsPeak: p.RequiredGPUsPeak,
		MinHeadroom:      p.MinHeadroom,
		MinHeadroomMonth: p.MinHeadroomMonth,
		NPlusOK:          p.NPlus.OK,
		Cliff:            p.Cliff,
		OrderBy:          p.OrderBy,
		BackedGPUs:       p.BackedGPUs,
		UnbackedGPUs:     p.UnbackedGPUs,
		MonthlyCost:      p.MonthlyCost,
		EgressMonthly:    valueAt(p.Cost.EgressMonthly, 0),
		NPlusRequired:    p.NPlus.Required,
		NPlusK:           p.NPlus.K,
		HeadroomMin:      p.HeadroomMin,
		LeadTimeWeeks:    p.LeadTimeWeeks,
		Currency:         p.Cost.Currency,
		Strategy:         p.Strategy,
		OrderByDate:      p.OrderByDate,
		Strategies:       append([]StrategyDoc{}, p.Strategies...),
		Timeline:         tl,
		Inputs:           normalizeInputs(p.Inputs),
		Location:         p.Location,
		Kubernetes:       kubernetesSummary(p.Kubernetes),
	}
}

func normalizeInputs(in PoolInputs) PoolInputs {
	out := in
	out.GrowthRates = make(map[string]float64, len(in.GrowthRates))
	for k, v := range in.GrowthRates {
		out.GrowthRates[k] = v
	}
	out.ForecastMethods = make(map[string]string, len(in.ForecastMethods))
	for k, v := range in.ForecastMethods {
		out.ForecastMethods[k] = v
	}
	out.Benchmarks = append([]string{}, in.Benchmarks...)
	return out
}

// Changed reports whether any figure differs between s and s.Base: the
// headline figures, the policy thresholds they are judged by (headroom_min,
// lead time, N+k), the GPU, every timeline month's capacity,
// requirement, headroom and cost, and the Kubernetes figures. Inputs and
// source positions are not figures: moving a block in a file is not a
// change. Numbers are equal
// within a relative 1e-9. A pool without Base (new or not in a diff) has
// changed; a removed pool has too.
func (s *PoolSummary) Changed() bool {
	b := s.Base
	if b == nil || s.Status == StatusRemoved {
		return true
	}
	if s.GPU != b.GPU || s.MinHeadroomMonth != b.MinHeadroomMonth || s.NPlusOK != b.NPlusOK ||
		s.NPlusRequired != b.NPlusRequired || s.NPlusK != b.NPlusK || s.Cliff != b.Cliff ||
		s.OrderBy != b.OrderBy || s.OrderByDate != b.OrderByDate || s.Strategy != b.Strategy ||
		s.Currency != b.Currency || len(s.Timeline) != len(b.Timeline) || !s.Kubernetes.Equal(b.Kubernetes) {
		return true
	}
	pairs := [][2]float64{
		{s.ReservedGPUs, b.ReservedGPUs}, {s.RequiredGPUsPeak, b.RequiredGPUsPeak},
		{s.MinHeadroom, b.MinHeadroom}, {s.BackedGPUs, b.BackedGPUs}, {s.UnbackedGPUs, b.UnbackedGPUs},
		{s.MonthlyCost, b.MonthlyCost}, {s.HeadroomMin, b.HeadroomMin}, {s.LeadTimeWeeks, b.LeadTimeWeeks},
	}
	for i, m := range s.Timeline {
		o := b.Timeline[i]
		if m.Month != o.Month {
			return true
		}
		pairs = append(pairs, [2]float64{m.CapacityGPUs, o.CapacityGPUs}, [2]float64{m.RequiredGPUs, o.RequiredGPUs},
			[2]float64{m.Headroom, o.Headroom}, [2]float64{m.Cost, o.Cost})
	}
	for _, p := range pairs {
		if !sameFigure(p[0], p[1]) {
			return true
		}
	}
	return false
}

// sameFigure compares two figures within a relative 1e-9 (absolute near
// zero). NaN equals nothing, so an unknown figure always shows as changed.
func sameFigure(a, b float64) bool {
	if a == b {
		return true
	}
	d := math.Abs(a - b)
	return d <= 1e-9*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}
