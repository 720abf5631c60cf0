package report

import (
	"strings"
	"testing"

	"github.com/capcheck/capcheck/evaluator"
	"github.com/capcheck/capcheck/policies"
)

// dependencyCheck is a passing check with one provider API: 1,632,000 of
// 2,000,000 tokens a minute at the peak (8 requests/s × 3,400 tokens ×
// 60), headroom 1 − 0.816 = 18.4% in 2026-07, below 30% from then on; a
// 4-week lead time puts the raise-by month at 2026-06. It runs out before
// the pool (whose cliff, if any, is later), so it is the binding
// constraint.
func dependencyCheck() *Check {
	doc := fixtureDoc()
	doc.Base = nil
	doc.Dependencies = []evaluator.DependencyDoc{{
		Name: "openai", Plan: "inference", Kind: evaluator.DependencyProviderAPI,
		MinHeadroom: 0.184, MinHeadroomMonth: "2026-07", Limit: evaluator.LimitTokensPerMinute,
		Cliff: "2026-07", CliffLimit: evaluator.LimitTokensPerMinute, OrderBy: "2026-06",
		Limits: []evaluator.DependencyLimitDoc{
			{Name: evaluator.LimitTokensPerMinute, Capacity: 2000000, RequiredPeak: 1632000},
			{Name: evaluator.LimitRequestsPerMinute, Capacity: 5000, RequiredPeak: 480},
		},
	}}
	doc.BindingConstraint = &evaluator.BindingConstraintDoc{
		Name: "openai", Plan: "inference", Kind: "provider-api", Month: "2026-07",
		Limit: evaluator.LimitTokensPerMinute, MinHeadroom: 0.184, OrderBy: "2026-06",
	}
	return NewCheck(doc, &policies.Result{Verdict: policies.VerdictPass})
}

func TestDependencyText(t *testing.T) {
	got := render(t, "text", dependencyCheck(), Options{})
	for _, want := range []string{
		"DEPENDENCY  PLAN       KIND          LIMIT              PEAK REQUIRED       CEILING             MIN HEADROOM     CLIFF    ORDER BY\n" +
			"openai      inference  provider-api  tokens_per_minute  1632000 tokens/min  2000000 tokens/min  18.4% (2026-07)  2026-07  2026-06\n",
		"Binding constraint: dependency openai (provider-api, tokens_per_minute) runs short of headroom first, in 2026-07 (order by 2026-06)\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("text report lacks\n%s\ngot:\n%s", want, got)
		}
	}
}

func TestDependencyMarkdown(t *testing.T) {
	got := render(t, "markdown", dependencyCheck(), Options{})
	for _, want := range []string{
		"| Dependency | Plan | Kind | Limit | Peak required | Ceiling | Min headroom | Cliff | Order by |\n" +
			"|:--|:--|:--|:--|--:|--:|:--|:--|:--|\n" +
			"| **openai** | inference | provider-api | tokens\\_per\\_minute | 1632000 tokens/min | 2000000 tokens/min | 18.4% (2026-07) | 2026-07 | 2026-06 |\n",
		"**Binding constraint:** dependency openai (provider-api, tokens\\_per\\_minute) runs short of headroom first, in 2026-07 (order by 2026-06)\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("markdown report lacks\n%s\ngot:\n%s", want, got)
		}
	}
}

// With no cliff anywhere the line names the tightest resource and says
// nothing runs short.
func TestBindingLineNoCliff(t *testing.T) {
	doc := &evaluator.Document{BindingConstraint: &evaluator.BindingConstraintDoc{Name: "h100-use1", Kind: "pool", MinHeadroom: 0.375}}
	want := "Binding constraint: pool h100-use1, lowest headroom 37.5%; nothing runs short of headroom in the horizon"
	if got := bindingLine(doc); got != want {
		t.Errorf("bindingLine = %q, want %q", got, want)
	}
}

// TestDependencyMarkdownDiff: in a PR diff the dependency rows show what
// the change moves, base → head, as the pool table does. The base had
// openai at 1,200,000 of 2,000,000 tokens/min (headroom 1 − 0.6 = 40%,
// no cliff) and a pgvector the head removes; the head adds crm-tool.
func TestDependencyMarkdownDiff(t *testing.T) {
	got := render(t, "markdown", dependencyDiffCheck(), Options{})
	want := "| **openai** | inference | provider-api | tokens\\_per\\_minute | 1200000 tokens/min → 1632000 tokens/min | 2000000 tokens/min | 40% (2026-07) → 18.4% (2026-07) | none → 2026-07 | - → 2026-06 |\n" +
		"| **crm-tool** *(new)* | inference | tool-api | requests\\_per\\_minute | 1500 requests/min | 3000 requests/min | 50% (2026-03) | none | - |\n" +
		"| **pgvector** *(removed)* | inference | vector-db | queries\\_per\\_s | 320 queries/s | 800 queries/s | 60% (2026-03) | none | - |\n"
	if !strings.Contains(got, want) {
		t.Errorf("markdown report lacks\n%s\ngot:\n%s", want, got)
	}
	// The lead table, open: the same arrows on headroom (without the
	// month) and cliff; then the binding line; then the full table,
	// collapsed.
	lead := "| Dependency | Kind | Min headroom | Cliff |\n" +
		"|:--|:--|--:|:--|\n" +
		"| **openai** | provider-api | 40% → 18.4% | none → 2026-07 |\n" +
		"| **crm-tool** *(new)* | tool-api | 50% | none |\n" +
		"| **pgvector** *(removed)* | vector-db | 60% | none |\n\n" +
		"**Binding constraint:** dependency openai (provider-api, tokens\\_per\\_minute) runs short of headroom first, in 2026-07 (order by 2026-06)\n\n" +
		"<details><summary>All dependency figures: plan, tightest limit, peak required, ceiling, headroom month, order-by</summary>\n\n" +
		"| Dependency | Plan | Kind | Limit | Peak required | Ceiling | Min headroom | Cliff | Order by |\n"
	if !strings.Contains(got, lead) {
		t.Errorf("markdown report lacks\n%s\ngot:\n%s", lead, got)
	}
}

// TestDependencyLeadPlan: the lead table has no plan column, so a name
// two plans share is followed by its plan there; a name one plan has is
// not.
func TestDependencyLeadPlan(t *testing.T) {
	c := dependencyCheck()
	c.Document.Dependencies = append(c.Document.Dependencies,
		evaluator.DependencyDoc{Name: "openai", Plan: "batch", Kind: evaluator.DependencyProviderAPI, MinHeadroom: 0.5},
		evaluator.DependencyDoc{Name: "pgvector", Plan: "batch", Kind: evaluator.DependencyVectorDB, MinHeadroom: 0.75})
	got := render(t, "markdown", c, Options{})
	for _, want := range []string{
		"| **openai** (inference) | provider-api | 18.4% | 2026-07 |\n" +
			"| **openai** (batch) | provider-api | 50% | none |\n" +
			"| **pgvector** | vector-db | 75% | none |\n",
		"| **openai** | batch | provider-api |",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("markdown report lacks\n%s\ngot:\n%s", want, got)
		}
	}
}

// dependencyDiffCheck is dependencyCheck in a PR diff: the base had
// openai at 1,200,000 of 2,000,000 tokens/min (headroom 1 − 0.6 = 40%,
// no cliff) and a pgvector the head removes; the head adds crm-tool.
func dependencyDiffCheck() *Check {
	c := dependencyCheck()
	c.Document.Dependencies = append(c.Document.Dependencies, evaluator.DependencyDoc{
		Name: "crm-tool", Plan: "inference", Kind: evaluator.DependencyToolAPI,
		MinHeadroom: 0.5, MinHeadroomMonth: "2026-03", Limit: evaluator.LimitRequestsPerMinute,
		Limits: []evaluator.DependencyLimitDoc{{Name: evaluator.LimitRequestsPerMinute, Capacity: 3000, RequiredPeak: 1500}},
	})
	c.Document.Base = &evaluator.Document{Dependencies: []evaluator.DependencyDoc{{
		Name: "openai", Plan: "inference", Kind: evaluator.DependencyProviderAPI,
		MinHeadroom: 0.4, MinHeadroomMonth: "2026-07", Limit: evaluator.LimitTokensPerMinute,
		Limits: []evaluator.DependencyLimitDoc{
			{Name: evaluator.LimitTokensPerMinute, Capacity: 2000000, RequiredPeak: 1200000},
			{Name: evaluator.LimitRequestsPerMinute, Capacity: 5000, RequiredPeak: 360},
		},
	}, {
		Name: "pgvector", Plan: "inference", Kind: evaluator.DependencyVectorDB,
		MinHeadroom: 0.6, MinHeadroomMonth: "2026-03", Limit: evaluator.LimitQueriesPerS,
		Limits: []evaluator.DependencyLimitDoc{{Name: evaluator.LimitQueriesPerS, Capacity: 800, RequiredPeak: 320}},
	}}}
	return c
}
