package evaluator

import (
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/schema"
)

// trustedBase is a base document with three plans: strict (headroom 40%,
// n_plus 2, one exception, plan_for aggressive) holding pool h100;
// lax (headroom 20%, domain replica, plan_for conservative) holding
// pool l4 in capacity/lax.cue; and plain (defaults) holding pool a100.
func trustedBase() *Document {
	def := schema.DefaultPolicy()
	strict := def
	strict.HeadroomMin = 0.40
	strict.Redundancy.NPlus = 2
	strict.CriticalUtilization = 0.80
	lax := def
	lax.HeadroomMin = 0.20
	lax.Redundancy.Domain = "replica"
	lax.ReviewMaxAgeDays = 120
	lax.WarnUtilization = 0.60 // stricter than the default 0.70
	return &Document{
		Plans: []PlanDoc{
			{Name: "strict", Range: diag.Pos{File: "capacity/strict.cue"}.Range(), Policy: strict, PlanFor: "aggressive", ContingencyFor: "aggressive",
				Exceptions: []ExceptionDoc{{Rule: "CAP007", Target: "pool/h100", Reason: "migration", Expires: "2027-01-31", ApprovedBy: "council",
					Location: diag.Pos{File: "capacity/strict.cue", Line: 40, Column: 5}.Range()}}},
			{Name: "lax", Range: diag.Pos{File: "capacity/lax.cue"}.Range(), Policy: lax, PlanFor: "conservative", ContingencyFor: "moderate"},
			{Name: "plain", Range: diag.Pos{File: "capacity/plain.cue"}.Range(), Policy: def, PlanFor: "moderate", ContingencyFor: "aggressive"},
		},
		Pools: []PoolDoc{{Name: "h100", Plan: "strict"}, {Name: "l4", Plan: "lax"}, {Name: "a100", Plan: "plain"}},
	}
}

// headPlan is a head plan asking for headroom 5% and plan_for
// conservative with an exception of its own, holding pools.
func headPlan(name, file string, pools ...string) *schema.Plan {
	p := &schema.Plan{Name: name, File: file, PlanFor: "conservative", ContingencyFor: "conservative",
		Policy: schema.DefaultPolicy(), Pools: map[string]*schema.Pool{},
		Exceptions: []schema.Exception{{Rule: "CAP001", Target: "pool/x", Reason: "own"}}}
	p.Policy.HeadroomMin = 0.05
	for _, name := range pools {
		p.Pools[name] = &schema.Pool{Name: name}
	}
	return p
}

// trusted is what a plan is judged with.
type trusted struct {
	Policy                  schema.Policy
	PlanFor, ContingencyFor string
	Exceptions              []string // rule target
}

func TestApplyTrusted(t *testing.T) {
	base := trustedBase()
	def := schema.DefaultPolicy()
	strictP, laxP := base.Plans[0].Policy, base.Plans[1].Policy
	strictExc := []string{"CAP007 pool/h100"}

	// strict ∧ lax field by field: headroom max(0.40, 0.20) = 0.40, n_plus
	// max(2, 1) = 2, domain zone (strict asks for it), critical min(0.80,
	// 0.85) = 0.80, warn min(0.70, 0.60) = 0.60, review age min(92, 120) =
	// 92; plan_for max(aggressive, conservative) = aggressive,
	// contingency_for max(aggressive, moderate) = aggressive.
	merged := strictP
	merged.WarnUtilization = 0.60

	for _, tc := range []struct {
		name string
		head *schema.Plan
		want trusted
	}{
		{
			name: "same name: the base's settings as they are",
			head: headPlan("lax", "capacity/lax.cue", "l4"),
			want: trusted{Policy: laxP, PlanFor: "conservative", ContingencyFor: "moderate"},
		},
		{
			name: "new plan, new pools: schema defaults, no exceptions",
			head: headPlan("fresh", "capacity/fresh.cue", "h200"),
			want: trusted{Policy: def, PlanFor: "moderate", ContingencyFor: "aggressive"},
		},
		{
			name: "renamed in the same file: the old plan's settings and exceptions",
			head: headPlan("strict-v2", "capacity/strict.cue"),
			want: trusted{Policy: strictP, PlanFor: "aggressive", ContingencyFor: "aggressive", Exceptions: strictExc},
		},
		{
			name: "new plan taking a pool: the pool's old plan",
			head: headPlan("fresh", "capacity/fresh.cue", "h100", "h200"),
			want: trusted{Policy: strictP, PlanFor: "aggressive", ContingencyFor: "aggressive", Exceptions: strictExc},
		},
		{
			name: "existing plan taking a pool: the strictest of both",
			head: headPlan("lax", "capacity/lax.cue", "h100", "l4"),
			want: trusted{Policy: merged, PlanFor: "aggressive", ContingencyFor: "aggressive", Exceptions: strictExc},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// strict and plain stay in the head unless the case renames
			// strict, so only a rename frees strict's file.
			head := []*schema.Plan{tc.head, headPlan("plain", "capacity/plain.cue", "a100")}
			if tc.head.Name != "strict-v2" {
				head = append(head, headPlan("strict", "capacity/strict.cue"))
			}
			before := *tc.head
			got := ApplyTrusted(head, base)
			if len(got) != len(head) {
				t.Fatalf("ApplyTrusted returned %d plans, want %d", len(got), len(head))
			}
			g := got[0]
			var excs []string
			for _, x := range g.Exceptions {
				excs = append(excs, x.Rule+" "+x.Target)
			}
			gotT := trusted{Policy: g.Policy, PlanFor: g.PlanFor, ContingencyFor: g.ContingencyFor, Exceptions: excs}
			if diff := cmp.Diff(tc.want, gotT); diff != "" {
				t.Errorf("trusted settings of %s (-want +got):\n%s", tc.head.Name, diff)
			}
			if g.Name != tc.head.Name || !reflect.DeepEqual(g.Pools, tc.head.Pools) {
				t.Errorf("ApplyTrusted changed the plan's identity or pools")
			}
			if !reflect.DeepEqual(before, *tc.head) {
				t.Errorf("ApplyTrusted modified the head plan")
			}
		})
	}
}

func TestApplyTrustedExceptionExpiry(t *testing.T) {
	base := trustedBase()
	base.Plans[0].Exceptions[0].Expires = "not-a-date"
	got := ApplyTrusted([]*schema.Plan{headPlan("strict", "capacity/strict.cue")}, base)
	x := got[0].Exceptions[0]
	// An unparsable expiry becomes the zero date: expired, never active.
	if !x.Expires.IsZero() || x.Pos.Line != 40 || x.Pos.Column != 5 {
		t.Errorf("exception = expires %v at %v, want the zero date at capacity/strict.cue:40:5", x.Expires, x.Pos)
	}
}

func TestStrictestPolicy(t *testing.T) {
	// Every threshold is covered: a new Policy field must be added to
	// StrictestPolicy (and to CAP014's list) before this test passes.
	if n := reflect.TypeFor[schema.Policy]().NumField(); n != 10 {
		t.Fatalf("schema.Policy has %d fields, StrictestPolicy merges 10", n)
	}
	a := schema.Policy{HeadroomMin: 0.30, Redundancy: schema.Redundancy{NPlus: 1, Domain: "replica"},
		WarnUtilization: 0.70, CriticalUtilization: 0.90, DriftTolerance: 0.10, ReservedUtilizationMin: 0.60,
		BudgetTolerance: 0.20, BenchmarkMaxAgeDays: 90, ReviewMaxAgeDays: 120, UnbackedTolerance: 0.05}
	b := schema.Policy{HeadroomMin: 0.35, Redundancy: schema.Redundancy{NPlus: 0, Domain: "zone"},
		WarnUtilization: 0.65, CriticalUtilization: 0.85, DriftTolerance: 0.15, ReservedUtilizationMin: 0.50,
		BudgetTolerance: 0.10, BenchmarkMaxAgeDays: 180, ReviewMaxAgeDays: 92, UnbackedTolerance: 0.10}
	want := schema.Policy{HeadroomMin: 0.35, Redundancy: schema.Redundancy{NPlus: 1, Domain: "zone"},
		WarnUtilization: 0.65, CriticalUtilization: 0.85, DriftTolerance: 0.10, ReservedUtilizationMin: 0.60,
		BudgetTolerance: 0.10, BenchmarkMaxAgeDays: 90, ReviewMaxAgeDays: 92, UnbackedTolerance: 0.05}
	for _, tc := range []struct {
		name string
		in   []schema.Policy
		want schema.Policy
	}{
		{name: "a then b", in: []schema.Policy{a, b}, want: want},
		{name: "b then a", in: []schema.Policy{b, a}, want: want},
		{name: "one", in: []schema.Policy{a}, want: a},
		{name: "none", want: schema.DefaultPolicy()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, StrictestPolicy(tc.in...)); diff != "" {
				t.Errorf("StrictestPolicy (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMarkProposed(t *testing.T) {
	base := trustedBase()
	head := []*schema.Plan{headPlan("lax", "capacity/lax.cue", "l4"), headPlan("plain", "capacity/plain.cue", "a100")}
	head[1].Policy = schema.DefaultPolicy()
	head[1].PlanFor, head[1].ContingencyFor, head[1].Exceptions = "moderate", "aggressive", nil
	judged := ApplyTrusted(head, base)
	doc := &Document{Now: "2026-11-21", Plans: []PlanDoc{
		{Name: "lax", Policy: judged[0].Policy, PlanFor: judged[0].PlanFor, ContingencyFor: judged[0].ContingencyFor, Exceptions: []ExceptionDoc{}},
		{Name: "plain", Policy: judged[1].Policy, PlanFor: judged[1].PlanFor, ContingencyFor: judged[1].ContingencyFor, Exceptions: []ExceptionDoc{}},
	}}
	MarkProposed(doc, head)
	p := doc.Plans[0].Proposed
	if p == nil {
		t.Fatal("lax: no proposed settings, want the head's own (headroom 5%)")
	}
	if p.Policy.HeadroomMin != 0.05 || p.PlanFor != "conservative" || len(p.Exceptions) != 1 || p.Exceptions[0].Rule != "CAP001" {
		t.Errorf("lax proposed = headroom %v, plan_for %q, exceptions %v; want 0.05, conservative, [CAP001]", p.Policy.HeadroomMin, p.PlanFor, p.Exceptions)
	}
	if doc.Plans[1].Proposed != nil {
		t.Errorf("plain: proposed %+v, want nil (the head asks for the trusted settings)", doc.Plans[1].Proposed)
	}
}

func mustConfig(t *testing.T, name, src string) *schema.Config {
	t.Helper()
	c, err := schema.LoadConfigBytes(name, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestConfigChanges(t *testing.T) {
	baseCfg := mustConfig(t, "capcheck.yaml", `terraform:
  vars: {env: '"prod"'}
policies: [policy]
catalog: catalog/gpus.json
enforcement:
  CAP007: hard-mandatory
`)
	// Line by line: 1 terraform, 2 exclude, 3 vars (env's value at column
	// 15), 4 policies (the first entry at column 12), 5 catalog, 6
	// enforcement, 7 CAP007 (value at column 11), 8 override, 9 label
	// (value at column 10), 10 teams. A list is placed at its key.
	headCfg := mustConfig(t, "capcheck.yaml", `terraform:
  exclude: ["infra/aws/**"]
  vars: {env: '"dev"'}
policies: [policy]
catalog: catalog/gpus.json
enforcement:
  CAP007: advisory
override:
  label: ship-it
  teams: [acme/devs]
`)
	noFile, err := schema.DefaultConfig()
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{"policy/deny.rego": []byte("package a"), "policy/old.rego": []byte("package b"), "catalog/gpus.json": []byte("{}")}
	editedFiles := map[string][]byte{"policy/deny.rego": []byte("package a # allow all"), "policy/new.rego": []byte("package c"), "catalog/gpus.json": []byte("{}")}

	pos := func(file string, line, col int) diag.Range {
		return diag.Pos{File: file, Line: line, Column: col}.Range()
	}
	for _, tc := range []struct {
		name       string
		base, head ConfigSide
		want       []ConfigChange
	}{
		{
			name: "unchanged",
			base: ConfigSide{Config: baseCfg, Files: files},
			head: ConfigSide{Config: baseCfg, Files: files},
		},
		{
			name: "keys and files",
			base: ConfigSide{Config: baseCfg, Files: files},
			head: ConfigSide{Config: headCfg, Files: editedFiles},
			want: []ConfigChange{
				{Path: "enforcement.CAP007", Change: "edited", Base: `"hard-mandatory"`, Head: `"advisory"`, Location: pos("capcheck.yaml", 7, 11)},
				{Path: "override.label", Change: "added", Head: `"ship-it"`, Location: pos("capcheck.yaml", 9, 10)},
				{Path: "override.teams", Change: "added", Head: `["acme/devs"]`, Location: pos("capcheck.yaml", 10, 3)},
				{Path: "policies", File: "policy/deny.rego", Change: "edited", Location: pos("policy/deny.rego", 1, 1)},
				{Path: "policies", File: "policy/new.rego", Change: "added", Location: pos("policy/new.rego", 1, 1)},
				// Removed from the head: pointed at the policies entry naming its directory.
				{Path: "policies", File: "policy/old.rego", Change: "removed", Location: pos("capcheck.yaml", 4, 12)},
				{Path: "terraform.exclude", Change: "added", Head: `["infra/aws/**"]`, Location: pos("capcheck.yaml", 2, 3)},
				{Path: "terraform.vars.env", Change: "edited", Base: `"\"prod\""`, Head: `"\"dev\""`, Location: pos("capcheck.yaml", 3, 15)},
			},
		},
		{
			name: "the head deletes capcheck.yaml",
			base: ConfigSide{Config: baseCfg},
			head: ConfigSide{Config: noFile},
			want: []ConfigChange{
				{Path: "catalog", Change: "removed", Base: `"catalog/gpus.json"`, Location: pos("capcheck.yaml", 1, 1)},
				{Path: "enforcement.CAP007", Change: "removed", Base: `"hard-mandatory"`, Location: pos("capcheck.yaml", 1, 1)},
				{Path: "policies", Change: "removed", Base: `["policy"]`, Location: pos("capcheck.yaml", 1, 1)},
				{Path: "terraform.vars.env", Change: "removed", Base: `"\"prod\""`, Location: pos("capcheck.yaml", 1, 1)},
			},
		},
		{
			name: "writing a default out is no change",
			base: ConfigSide{Config: noFile},
			head: ConfigSide{Config: mustConfig(t, "capcheck.yaml", "plans: "+`["capacity/**/*.cue", "capacity/**/*.yaml", "capacity/**/*.yml", "capacity/**/*.json"]`+"\n")},
		},
		{
			// Existing findings that stop blocking is a trusted setting:
			// line 2, value at column 13.
			name: "enforcement.existing",
			base: ConfigSide{Config: noFile},
			head: ConfigSide{Config: mustConfig(t, "capcheck.yaml", "enforcement:\n  existing: block\n")},
			want: []ConfigChange{{Path: "enforcement.existing", Change: "edited", Base: `"report"`, Head: `"block"`, Location: pos("capcheck.yaml", 2, 13)}},
		},
		{
			name: "writing enforcement.existing's default out is no change",
			base: ConfigSide{Config: noFile},
			head: ConfigSide{Config: mustConfig(t, "capcheck.yaml", "enforcement: {existing: report}\n")},
		},
		{
			name: "a narrower plans glob",
			base: ConfigSide{Config: noFile},
			head: ConfigSide{Config: mustConfig(t, "capcheck.yaml", "plans: [capacity/keep.cue]\n")},
			want: []ConfigChange{{Path: "plans", Change: "edited",
				Base: `["capacity/**/*.cue","capacity/**/*.yaml","capacity/**/*.yml","capacity/**/*.json"]`,
				Head: `["capacity/keep.cue"]`, Location: pos("capcheck.yaml", 1, 1)}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ConfigChanges(tc.base, tc.head)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("ConfigChanges (-want +got):\n%s", diff)
			}
		})
	}
}

func TestHigherDemand(t *testing.T) {
	for _, tc := range []struct {
		a, b  string
		first bool
		want  string
	}{
		{"moderate", "conservative", true, "conservative"},
		{"moderate", "conservative", false, "moderate"},
		{"moderate", "aggressive", false, "aggressive"},
		{"unknown", "conservative", false, "conservative"},
		{"aggressive", "unknown", false, "aggressive"},
	} {
		if got := higherDemand(tc.a, tc.b, tc.first); got != tc.want {
			t.Errorf("higherDemand(%q, %q, %v) = %q, want %q", tc.a, tc.b, tc.first, got, tc.want)
		}
	}
}
