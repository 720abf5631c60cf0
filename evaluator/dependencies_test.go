package evaluator

import (
	"strings"
	"testing"

	"github.com/capcheck/capcheck/internal/testkit"
	"github.com/capcheck/capcheck/schema"
)

func findDependency(t *testing.T, d *Document, plan, name string) DependencyDoc {
	t.Helper()
	for _, x := range d.Dependencies {
		if x.Plan == plan && x.Name == name {
			return x
		}
	}
	t.Fatalf("dependency %s/%s not in document", plan, name)
	return DependencyDoc{}
}

func findLimit(t *testing.T, d DependencyDoc, name string) DependencyLimitDoc {
	t.Helper()
	for _, l := range d.Limits {
		if l.Name == name {
			return l
		}
	}
	t.Fatalf("dependency %s has no limit %s", d.Name, name)
	return DependencyLimitDoc{}
}

// addAPI adds an llm-api workload on provider with peak requests/s and
// tokens per request.
func addAPI(p *schema.Plan, name, provider string, peak, in, out, hit float64) *schema.Workload {
	w := &schema.Workload{
		Name: name, Pos: at(40, 3), Kind: schema.KindLLMAPI, Provider: provider,
		RequestsPerS: &schema.Rate{Peak: fp(peak)}, Tokens: &schema.Tokens{Input: in, Output: out},
		PromptCacheHitRate: hit,
	}
	p.Workloads[name] = w
	return w
}

func addDependency(p *schema.Plan, name string, d *schema.Dependency) {
	if p.Dependencies == nil {
		p.Dependencies = map[string]*schema.Dependency{}
	}
	p.Dependencies[name] = d
	p.Positions["dependencies."+name] = at(50, 3)
}

// TestProviderTokensPerMinute: an llm-api workload at 8 requests/s peak,
// 3000 input and 400 output tokens, half of the input cached, on a
// provider limited to 2,000,000 tokens and 5,000 requests a minute.
func TestProviderTokensPerMinute(t *testing.T) {
	for _, tc := range []struct {
		name   string
		counts bool
		// tokens/min = 8 × (input counted + 400) × 60
		wantTPM, wantHeadroom float64
	}{
		// Cached tokens count (the default): 8 × (3000 + 400) × 60 =
		// 1,632,000; headroom 1 − 1.632/2 = 0.184.
		{name: "cached tokens count", counts: true, wantTPM: 1632000, wantHeadroom: 0.184},
		// They do not: input 3000 × (1 − 0.5) = 1500; 8 × 1900 × 60 =
		// 912,000; headroom 1 − 0.912/2 = 0.544.
		{name: "cached tokens free", counts: false, wantTPM: 912000, wantHeadroom: 0.544},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPlan("api")
			addAPI(p, "summarize", "openai", 8, 3000, 400, 0.5)
			addDependency(p, "openai", &schema.Dependency{
				Kind: schema.DependencyProviderAPI, CountsCachedTokens: tc.counts, LeadTimeWeeks: 4,
				Limits: &schema.Limits{TokensPerMinute: 2000000, RequestsPerMinute: 5000},
			})
			d := mustEval(t, Input{Plans: []*schema.Plan{p}})
			dep := findDependency(t, d, "api", "openai")
			tpm := findLimit(t, dep, LimitTokensPerMinute)
			if !testkit.Close(tpm.RequiredPeak, tc.wantTPM) || !testkit.Close(tpm.MinHeadroom, tc.wantHeadroom) {
				t.Errorf("tokens_per_minute required %g, headroom %g; want %g, %g", tpm.RequiredPeak, tpm.MinHeadroom, tc.wantTPM, tc.wantHeadroom)
			}
			// Requests: 8 × 60 = 480 a minute; headroom 1 − 480/5000 = 0.904.
			rpm := findLimit(t, dep, LimitRequestsPerMinute)
			if !testkit.Close(rpm.RequiredPeak, 480) || !testkit.Close(rpm.MinHeadroom, 0.904) {
				t.Errorf("requests_per_minute required %g, headroom %g; want 480, 0.904", rpm.RequiredPeak, rpm.MinHeadroom)
			}
			// The dependency's figures are its tightest limit's.
			if dep.Limit != LimitTokensPerMinute || !testkit.Close(dep.MinHeadroom, tc.wantHeadroom) {
				t.Errorf("dependency limit %s headroom %g, want tokens_per_minute %g", dep.Limit, dep.MinHeadroom, tc.wantHeadroom)
			}
			// No growth: below 30% headroom from month 0 or never.
			wantCliff := ""
			if tc.wantHeadroom < 0.30 {
				// Cliff 2026-03 (month 0); a 4-week lead time is
				// ceil(28 / 30.436875) = 1 month, so order by 2026-02,
				// already past.
				wantCliff = "2026-03"
				if dep.OrderBy != "2026-02" || !dep.OrderByPassed {
					t.Errorf("order by %s (passed %v), want 2026-02 (passed)", dep.OrderBy, dep.OrderByPassed)
				}
			}
			if dep.Cliff != wantCliff {
				t.Errorf("cliff %q, want %q", dep.Cliff, wantCliff)
			}
			w := findWorkload(t, d, "api", "summarize")
			if w.Pool != "" || w.Provider != "openai" || w.GPUsPeak != 0 {
				t.Errorf("workload pool %q provider %q GPUs %g, want no pool, openai, 0 GPUs", w.Pool, w.Provider, w.GPUsPeak)
			}
		})
	}
}

// TestVectorDBTwoWorkloads: a vector database fed by an llm-api workload
// (8 requests/s, 2 queries each) and an inference workload (100
// requests/s, 1 query each): 8 × 2 + 100 × 1 = 116 queries/s against 800.
// Moderate growth 10% a month, aggressive 20%.
func TestVectorDBTwoWorkloads(t *testing.T) {
	p := newPlan("rag")
	p.HorizonMonths = 24
	setGrowth(p, schema.Moderate, 0.10)
	setGrowth(p, schema.Aggressive, 0.20)
	addPool(p, "pool", 0)
	addAPI(p, "summarize", "openai", 8, 100, 100, 0).Calls = map[string]float64{"pgvector": 2}
	addInference(p, "chat", "pool", 100, 10).Calls = map[string]float64{"pgvector": 1}
	addDependency(p, "openai", &schema.Dependency{Kind: schema.DependencyProviderAPI, Limits: &schema.Limits{RequestsPerMinute: 1e6}})
	addDependency(p, "pgvector", &schema.Dependency{Kind: schema.DependencyVectorDB, LeadTimeWeeks: 4, Limits: &schema.Limits{QueriesPerS: 800}})
	d := mustEval(t, Input{Plans: []*schema.Plan{p}})
	dep := findDependency(t, d, "rag", "pgvector")
	if got := dep.Timeline[0].Required; !testkit.Close(got, 116) {
		t.Errorf("queries/s in 2026-03 = %g, want 8 × 2 + 100 = 116", got)
	}
	if got := strings.Join(dep.Workloads, ","); got != "chat,summarize" {
		t.Errorf("workloads %s, want chat,summarize", got)
	}
	// Cliff: 116 × 1.1^m > 0.7 × 800 = 560 ⇔ 1.1^m > 4.8276 ⇔ m > 16.52:
	// month 17 (116 × 1.1^16 = 533.0, 116 × 1.1^17 = 586.3) = 2027-08;
	// lead 4 weeks = 1 month, so order by 2027-07.
	if dep.Cliff != "2027-08" || dep.OrderBy != "2027-07" || dep.OrderByPassed {
		t.Errorf("cliff %s order by %s (passed %v), want 2027-08, 2027-07, not passed", dep.Cliff, dep.OrderBy, dep.OrderByPassed)
	}
	// Commit window months 0 … 1 + 3 = 4: lowest headroom in month 4,
	// 1 − 116 × 1.1^4 / 800 = 1 − 169.8356 / 800 = 0.7877055.
	if !testkit.Close(dep.MinHeadroom, 1-116*1.4641/800) || dep.MinHeadroomMonth != "2026-07" {
		t.Errorf("min headroom %g in %s, want %g in 2026-07", dep.MinHeadroom, dep.MinHeadroomMonth, 1-116*1.4641/800)
	}
	// Aggressive: 116 × 1.2^m > 800 ⇔ 1.2^m > 6.8966 ⇔ m > 10.59: month
	// 11 = 2027-02 (116 × 1.2^11 = 861.7); no degraded mode is written.
	c := dep.Contingency
	if !c.ExceedsLimit || c.FirstMonth != "2027-02" || c.Written || !testkit.Close(c.Required, 116*7.430083706880) {
		t.Errorf("contingency %+v, want exceeds from 2027-02 at %g, not written", c, 116*7.430083706880)
	}
}

// TestStorageFillMonth: 50,000 GB, 30,000 used, growing 1,500 GB a month
// (the same in every scenario): used(m) = 30,000 + 1,500 m.
func TestStorageFillMonth(t *testing.T) {
	p := newPlan("store")
	p.HorizonMonths = 24
	addDependency(p, "model-store", &schema.Dependency{Kind: schema.DependencyStorage, CapacityGB: 50000, UsedGB: 30000, GrowthGBPerMonth: 1500})
	d := mustEval(t, Input{Plans: []*schema.Plan{p}})
	dep := findDependency(t, d, "store", "model-store")
	// Full: 30,000 + 1,500 m > 50,000 ⇔ m > 13.3: month 14 = 2027-05
	// (51,000 GB; month 13 holds 49,500).
	if dep.Exhausted != "2027-05" {
		t.Errorf("exhausted %q, want 2027-05", dep.Exhausted)
	}
	// Cliff: headroom below 30% ⇔ used > 35,000 ⇔ m > 3.3: month 4 =
	// 2026-07 (36,000 GB, headroom 28%); lead 0, so order by 2026-07.
	if dep.Cliff != "2026-07" || dep.OrderBy != "2026-07" {
		t.Errorf("cliff %q order by %q, want 2026-07, 2026-07", dep.Cliff, dep.OrderBy)
	}
	// Commit window months 0 … 3: lowest headroom in month 3, 1 −
	// 34,500 / 50,000 = 0.31.
	if !testkit.Close(dep.MinHeadroom, 0.31) || dep.MinHeadroomMonth != "2026-06" {
		t.Errorf("min headroom %g in %s, want 0.31 in 2026-06", dep.MinHeadroom, dep.MinHeadroomMonth)
	}
	if d.BindingConstraint == nil || d.BindingConstraint.Name != "model-store" || d.BindingConstraint.Month != "2026-07" {
		t.Errorf("binding constraint %+v, want model-store in 2026-07", d.BindingConstraint)
	}
}

// TestBindingConstraintAcrossPoolAndDependency: a pool of 8 GPUs serves
// chat (40 requests/s at 10 per GPU = 4 GPUs) and search (10 requests/s at
// 20 per GPU = 0.5 GPU); a launch on 2026-10-01 doubles chat: 8 + 0.5 GPUs
// > 8, headroom below 30%, so the pool's cliff is 2026-10. Search makes 5
// vector queries a request: 50 queries/s against 100 (headroom 0.5); with
// a RAG step of ×1.5 on search from 2026-06-01, 75 queries/s (headroom
// 0.25 < 0.30): the vector database's cliff is 2026-06, before the pool's.
// (The pool's June figure, 4 + 0.75 GPUs, keeps 40.6% headroom, 37.5% if
// each workload's GPUs were rounded up: 4 + 1.)
func TestBindingConstraintAcrossPoolAndDependency(t *testing.T) {
	for _, tc := range []struct {
		name     string
		rag      bool
		wantName string
		wantKind string
		wantAt   string
	}{
		{name: "dependency first", rag: true, wantName: "vdb", wantKind: "vector-db", wantAt: "2026-06"},
		{name: "pool first", rag: false, wantName: "pool", wantKind: "pool", wantAt: "2026-10"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPlan("bind")
			addPool(p, "pool", 0, "aws_ec2_capacity_reservation.a")
			addInference(p, "chat", "pool", 40, 10)
			addInference(p, "search", "pool", 10, 20).Calls = map[string]float64{"vdb": 5}
			addDependency(p, "vdb", &schema.Dependency{Kind: schema.DependencyVectorDB, Limits: &schema.Limits{QueriesPerS: 100}})
			steps := []schema.StepEvent{{Name: "launch", At: date(2026, 10, 1), Multiplier: 2, Workloads: []string{"chat"}}}
			if tc.rag {
				steps = append(steps, schema.StepEvent{Name: "rag", At: date(2026, 6, 1), Multiplier: 1.5, Workloads: []string{"search"}})
			}
			p.Scenarios[schema.Moderate] = schema.Scenario{Steps: steps}
			d := mustEval(t, Input{Plans: []*schema.Plan{p}, Inventory: inventoryOf(rsv("aws_ec2_capacity_reservation.a", "us-east-1a", 1, 1, 8))})
			if pool := findPool(t, d, "bind", "pool"); pool.Cliff != "2026-10" {
				t.Errorf("pool cliff %q, want 2026-10", pool.Cliff)
			}
			b := d.BindingConstraint
			if b == nil || b.Name != tc.wantName || b.Kind != tc.wantKind || b.Month != tc.wantAt {
				t.Errorf("binding constraint %+v, want %s (%s) in %s", b, tc.wantName, tc.wantKind, tc.wantAt)
			}
		})
	}
}

// TestDependencyErrors: what cannot be judged is an error at its
// position, never a silent zero.
func TestDependencyErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(p *schema.Plan)
		want  string
	}{
		{
			name: "no limit",
			setup: func(p *schema.Plan) {
				addDependency(p, "vdb", &schema.Dependency{Kind: schema.DependencyVectorDB})
			},
			want: `capacity/plan.cue:50:3: error: dependencies.vdb: dependency "vdb" (vector-db) states no limit: its headroom is unknown`,
		},
		{
			name: "tokens unknown",
			setup: func(p *schema.Plan) {
				addPool(p, "pool", 0)
				addInference(p, "chat", "pool", 10, 10).Calls = map[string]float64{"openai": 1}
				p.Positions["workloads.chat.calls.openai"] = at(33, 20)
				addDependency(p, "openai", &schema.Dependency{Kind: schema.DependencyProviderAPI, Limits: &schema.Limits{TokensPerMinute: 1000}})
			},
			want: `capacity/plan.cue:33:20: error: workloads.chat.calls.openai: workload "chat" calls provider "openai", which limits tokens_per_minute, but gives no tokens per request: its token load is unknown`,
		},
		{
			name: "provider not defined",
			setup: func(p *schema.Plan) {
				addAPI(p, "summarize", "openai", 1, 1, 1, 0)
				p.Positions["workloads.summarize.provider"] = at(41, 15)
			},
			want: `capacity/plan.cue:41:15: error: workloads.summarize.provider: llm-api workload "summarize" names provider "openai", which plan "bad" does not define as a provider-api dependency`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPlan("bad")
			tc.setup(p)
			_, err := Evaluate(Input{Plans: []*schema.Plan{p}, Now: now, GPUs: testGPUs})
			ds := testkit.Diagnostics(t, err)
			if len(ds) != 1 || ds[0].String() != tc.want {
				t.Errorf("diagnostics:\n%v\nwant:\n%s", err, tc.want)
			}
		})
	}
}
