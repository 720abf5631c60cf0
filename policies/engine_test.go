package policies

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/internal/testkit"
	"github.com/google/go-cmp/cmp"
)

// healthyDoc is the policy input every built-in rule is silent on (the same
// document as rego/fixtures_test.rego's doc), freshly decoded for each test.
func healthyDoc(t testing.TB) map[string]any {
	t.Helper()
	return readDoc(t, "healthy.json")
}

// readDoc decodes the policy input testdata/name.
func readDoc(t testing.TB, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var d map[string]any
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	return d
}

// checkEval evaluates d with e (no overrides) and compares the verdict and
// the findings with the wanted ones.
func checkEval(t *testing.T, e *Engine, d map[string]any, wantVerdict string, want []Finding) {
	t.Helper()
	res, err := e.Eval(context.Background(), d, nil)
	if err != nil {
		t.Fatalf("Eval: %v", err)
	}
	if res.Verdict != wantVerdict {
		t.Errorf("Verdict = %q, want %q", res.Verdict, wantVerdict)
	}
	if diff := cmp.Diff(want, res.Findings); diff != "" {
		t.Errorf("Findings (-want +got):\n%s", diff)
	}
}

func firstPool(d map[string]any) map[string]any {
	return d["pools"].([]any)[0].(map[string]any)
}

func firstPlan(d map[string]any) map[string]any {
	return d["plans"].([]any)[0].(map[string]any)
}

func firstWorkload(d map[string]any) map[string]any {
	return d["workloads"].([]any)[0].(map[string]any)
}

func newTestEngine(t testing.TB, opts Options) *Engine {
	t.Helper()
	e, err := New(context.Background(), opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return e
}

// headroomShort makes the pool's commit-window headroom 28.6%: 56 GPUs for
// 40 required (1 - 40/56 = 0.2857), 2 GPUs short (ceil(40/0.7 - 56) = 2).
func headroomShort(d map[string]any) {
	p := firstPool(d)
	p["reserved_gpus"] = 56
	p["min_headroom"] = 0.2857142857
	p["gpus_short"] = 2
	p["timeline"] = []any{map[string]any{"month": "2026-12", "capacity_gpus": 56, "required_gpus": 40, "headroom": 0.2857142857}}
}

const cap001Msg = "pool h100-use1: headroom 28.6% in 2026-12 is below 30% (needs 40 GPUs, has 56); add 2 GPUs or lower demand"

func cap001Finding() Finding {
	return Finding{
		Rule: "CAP001", Title: "Headroom below the plan's minimum in the commit window", Level: "deny",
		Msg: cap001Msg, Target: "pool/h100-use1", Range: diag.Pos{File: "capacity/inference.cue", Line: 20, Column: 3}.Range(),
		Enforcement: "soft-mandatory", Blocking: true,
	}
}

func TestEvalBuiltinFindings(t *testing.T) {
	e := newTestEngine(t, Options{})
	tests := []struct {
		name        string
		mutate      func(d map[string]any)
		wantVerdict string
		want        []Finding
	}{
		{
			name:        "healthy document passes",
			mutate:      func(map[string]any) {},
			wantVerdict: "pass",
		},
		{
			name:        "headroom below minimum blocks",
			mutate:      headroomShort,
			wantVerdict: "fail",
			want:        []Finding{cap001Finding()},
		},
		{
			// Up to 80 reserved, 64 backed: 80 > 64 × 1.1, so 16 unbacked.
			name: "existing waste only warns",
			mutate: func(d map[string]any) {
				firstPool(d)["reserved_gpus"] = 80
				firstPool(d)["peak_reserved_gpus"] = 80
				firstPool(d)["backed_gpus"] = 64
				firstPool(d)["unbacked_gpus"] = 16
			},
			wantVerdict: "warn",
			want: []Finding{{
				Rule: "CAP007", Title: "Reserved GPUs exceed the backed capacity", Level: "warn",
				Msg:    "pool h100-use1: up to 80 GPUs reserved in the commit window but the forecast backs only 64 (16 unbacked); release them or plan the demand that needs them",
				Target: "pool/h100-use1", Range: diag.Pos{File: "capacity/inference.cue", Line: 20, Column: 3}.Range(),
				Enforcement: "advisory",
			}},
		},
		{
			name: "average-only demand is hard-mandatory",
			mutate: func(d map[string]any) {
				firstWorkload(d)["avg_only"] = true
			},
			wantVerdict: "fail",
			want: []Finding{{
				Rule: "CAP006", Title: "Demand given as an average only", Level: "deny",
				Msg:    "workload chat: demand is an average only; capacity follows peaks, so add requests_per_s.p95 or requests_per_s.peak",
				Target: "workload/chat", Range: diag.Pos{File: "capacity/inference.cue", Line: 40, Column: 3}.Range(),
				Enforcement: "hard-mandatory", Blocking: true,
			}},
		},
		{
			// Sorted by file: the plan before the Terraform file.
			name: "findings sorted by position",
			mutate: func(d map[string]any) {
				res := d["reservations"].([]any)
				res[2].(map[string]any)["pool"] = ""
				firstPlan(d)["reviewed"] = "2026-04-13"
				firstPlan(d)["reviewed_age_days"] = 93
			},
			wantVerdict: "fail",
			want: []Finding{
				{
					Rule: "CAP010", Title: "Plan or baseline not reviewed for more than a quarter", Level: "warn",
					Msg:    "plan inference: last reviewed 2026-04-13, 93 days ago (limit 92); review the plan and update reviewed",
					Target: "plan/inference", Range: diag.Pos{File: "capacity/inference.cue", Line: 4, Column: 11}.Range(),
					Enforcement: "advisory",
				},
				{
					Rule: "CAP003", Title: "GPU reservation not claimed by any pool", Level: "deny",
					Msg:    "reservation aws_ec2_capacity_reservation.h100_use1c: 16 H100-SXM GPUs in us-east-1c are not claimed by any pool; add the address to a pool's reservations in a capacity plan or release it",
					Target: "reservation/aws_ec2_capacity_reservation.h100_use1c", Range: diag.Pos{File: "infra/gpu.tf", Line: 19, Column: 1}.Range(),
					Enforcement: "soft-mandatory", Blocking: true,
				},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := healthyDoc(t)
			tc.mutate(d)
			checkEval(t, e, d, tc.wantVerdict, tc.want)
		})
	}
}

func exceptionDoc(rule, target string, expired bool) map[string]any {
	return map[string]any{
		"rule": rule, "target": target, "reason": "migration to us-east-2 in progress",
		"expires": "2026-09-01", "approved_by": "capacity-council", "expired": expired, "days_left": 48,
		"location": map[string]any{"file": "capacity/inference.cue", "line": 70, "column": 5},
	}
}

func TestExceptions(t *testing.T) {
	tests := []struct {
		name        string
		enforcement map[string]string
		mutate      func(d map[string]any)
		rule        string // the finding judged
		wantExcept  string // reason, "" when not excepted
		wantBlock   bool
		wantVerdict string
	}{
		{
			name: "active exception",
			mutate: func(d map[string]any) {
				headroomShort(d)
				firstPlan(d)["exceptions"] = []any{exceptionDoc("CAP001", "pool/h100-use1", false)}
			},
			rule: "CAP001", wantExcept: "migration to us-east-2 in progress", wantVerdict: "pass",
		},
		{
			name: "glob target",
			mutate: func(d map[string]any) {
				headroomShort(d)
				firstPlan(d)["exceptions"] = []any{exceptionDoc("CAP001", "pool/h100-*", false)}
			},
			rule: "CAP001", wantExcept: "migration to us-east-2 in progress", wantVerdict: "pass",
		},
		{
			name: "glob for another pool",
			mutate: func(d map[string]any) {
				headroomShort(d)
				firstPlan(d)["exceptions"] = []any{exceptionDoc("CAP001", "pool/a100-*", false)}
			},
			rule: "CAP001", wantBlock: true, wantVerdict: "fail",
		},
		{
			name: "another rule",
			mutate: func(d map[string]any) {
				headroomShort(d)
				firstPlan(d)["exceptions"] = []any{exceptionDoc("CAP002", "pool/h100-use1", false)}
			},
			rule: "CAP001", wantBlock: true, wantVerdict: "fail",
		},
		{
			// The expired exception is reported by CAP017 and stops applying.
			name: "expired exception",
			mutate: func(d map[string]any) {
				headroomShort(d)
				firstPlan(d)["exceptions"] = []any{exceptionDoc("CAP001", "pool/h100-use1", true)}
			},
			rule: "CAP001", wantBlock: true, wantVerdict: "fail",
		},
		{
			name: "hard-mandatory rule by default",
			mutate: func(d map[string]any) {
				firstWorkload(d)["avg_only"] = true
				firstPlan(d)["exceptions"] = []any{exceptionDoc("CAP006", "workload/chat", false)}
			},
			rule: "CAP006", wantBlock: true, wantVerdict: "fail",
		},
		{
			name:        "hard-mandatory rule by configuration",
			enforcement: map[string]string{"CAP001": "hard-mandatory"},
			mutate: func(d map[string]any) {
				headroomShort(d)
				firstPlan(d)["exceptions"] = []any{exceptionDoc("CAP001", "pool/h100-use1", false)}
			},
			rule: "CAP001", wantBlock: true, wantVerdict: "fail",
		},
		{
			name: "exception on a warning",
			mutate: func(d map[string]any) {
				firstPool(d)["reserved_gpus"] = 80
				firstPool(d)["unbacked_gpus"] = 16
				firstPlan(d)["exceptions"] = []any{exceptionDoc("CAP007", "pool/*", false)}
			},
			rule: "CAP007", wantExcept: "migration to us-east-2 in progress", wantVerdict: "pass",
		},
		{
			// In a pull request the exception must already be in the base;
			// adding it is itself a CAP014 finding.
			name: "exception added by the pull request",
			mutate: func(d map[string]any) {
				base := healthyDoc(t)
				headroomShort(d)
				firstPlan(d)["exceptions"] = []any{exceptionDoc("CAP001", "pool/h100-use1", false)}
				d["base"] = base
			},
			rule: "CAP001", wantBlock: true, wantVerdict: "fail",
		},
		{
			name: "exception present in the base",
			mutate: func(d map[string]any) {
				base := healthyDoc(t)
				firstPlan(base)["exceptions"] = []any{exceptionDoc("CAP001", "pool/h100-use1", false)}
				headroomShort(d)
				firstPlan(d)["exceptions"] = []any{exceptionDoc("CAP001", "pool/h100-use1", false)}
				d["base"] = base
			},
			rule: "CAP001", wantExcept: "migration to us-east-2 in progress", wantVerdict: "pass",
		},
		{
			// Removing an exception takes effect at once.
			name: "exception removed by the pull request",
			mutate: func(d map[string]any) {
				base := healthyDoc(t)
				firstPlan(base)["exceptions"] = []any{exceptionDoc("CAP001", "pool/h100-use1", false)}
				headroomShort(d)
				d["base"] = base
			},
			rule: "CAP001", wantBlock: true, wantVerdict: "fail",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEngine(t, Options{Enforcement: tc.enforcement})
			d := healthyDoc(t)
			tc.mutate(d)
			res, err := e.Eval(context.Background(), d, nil)
			if err != nil {
				t.Fatalf("Eval: %v", err)
			}
			var got *Finding
			for i, f := range res.Findings {
				if f.Rule == tc.rule {
					got = &res.Findings[i]
				}
			}
			if got == nil {
				t.Fatalf("no %s finding in %+v", tc.rule, res.Findings)
			}
			if got.Excepted != (tc.wantExcept != "") || got.Exception != tc.wantExcept {
				t.Errorf("%s Excepted = %v (%q), want reason %q", tc.rule, got.Excepted, got.Exception, tc.wantExcept)
			}
			if got.Blocking != tc.wantBlock {
				t.Errorf("%s Blocking = %v, want %v", tc.rule, got.Blocking, tc.wantBlock)
			}
			if res.Verdict != tc.wantVerdict {
				t.Errorf("Verdict = %q, want %q (findings %+v)", res.Verdict, tc.wantVerdict, res.Findings)
			}
		})
	}
}

func TestEnforcementAndOverrides(t *testing.T) {
	tests := []struct {
		name            string
		enforcement     map[string]string
		overrides       []string
		mutate          func(d map[string]any)
		rule            string
		wantEnforcement string
		wantOverridden  bool
		wantBlock       bool
		wantVerdict     string
	}{
		{name: "soft-mandatory blocks", mutate: headroomShort, rule: "CAP001",
			wantEnforcement: "soft-mandatory", wantBlock: true, wantVerdict: "fail"},
		{name: "override clears soft-mandatory", overrides: []string{"CAP001"}, mutate: headroomShort, rule: "CAP001",
			wantEnforcement: "soft-mandatory", wantOverridden: true, wantVerdict: "warn"},
		{name: "override of every rule", overrides: []string{"*"}, mutate: headroomShort, rule: "CAP001",
			wantEnforcement: "soft-mandatory", wantOverridden: true, wantVerdict: "warn"},
		{name: "override of another rule", overrides: []string{"CAP002"}, mutate: headroomShort, rule: "CAP001",
			wantEnforcement: "soft-mandatory", wantBlock: true, wantVerdict: "fail"},
		{name: "lowered to advisory", enforcement: map[string]string{"CAP001": "advisory"}, mutate: headroomShort, rule: "CAP001",
			wantEnforcement: "advisory", wantVerdict: "warn"},
		{name: "raised to hard-mandatory ignores override", enforcement: map[string]string{"CAP001": "hard-mandatory"},
			overrides: []string{"CAP001"}, mutate: headroomShort, rule: "CAP001",
			wantEnforcement: "hard-mandatory", wantBlock: true, wantVerdict: "fail"},
		{name: "hard-mandatory by metadata ignores override", overrides: []string{"*"},
			mutate: func(d map[string]any) { firstWorkload(d)["avg_only"] = true }, rule: "CAP006",
			wantEnforcement: "hard-mandatory", wantBlock: true, wantVerdict: "fail"},
		{name: "a warning never blocks", enforcement: map[string]string{"CAP007": "hard-mandatory"},
			mutate: func(d map[string]any) {
				firstPool(d)["reserved_gpus"] = 80
				firstPool(d)["unbacked_gpus"] = 16
			}, rule: "CAP007",
			wantEnforcement: "hard-mandatory", wantVerdict: "warn"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEngine(t, Options{Enforcement: tc.enforcement})
			d := healthyDoc(t)
			tc.mutate(d)
			res, err := e.Eval(context.Background(), d, tc.overrides)
			if err != nil {
				t.Fatalf("Eval: %v", err)
			}
			if len(res.Findings) != 1 || res.Findings[0].Rule != tc.rule {
				t.Fatalf("Findings = %+v, want one %s", res.Findings, tc.rule)
			}
			f := res.Findings[0]
			if f.Enforcement != tc.wantEnforcement || f.Overridden != tc.wantOverridden || f.Blocking != tc.wantBlock {
				t.Errorf("%s enforcement, overridden, blocking = %s, %v, %v; want %s, %v, %v",
					tc.rule, f.Enforcement, f.Overridden, f.Blocking, tc.wantEnforcement, tc.wantOverridden, tc.wantBlock)
			}
			if res.Verdict != tc.wantVerdict {
				t.Errorf("Verdict = %q, want %q", res.Verdict, tc.wantVerdict)
			}
		})
	}
}

func TestEnforcementConfigErrors(t *testing.T) {
	tests := []struct {
		name        string
		enforcement map[string]string
		want        string
	}{
		{name: "unknown level", enforcement: map[string]string{"CAP001": "strict"},
			want: `enforcement must be advisory, soft-mandatory or hard-mandatory (CAP001: "strict")`},
		{name: "unknown rule", enforcement: map[string]string{"CAP099": "advisory", "CAP001": "advisory"},
			want: "enforcement names unknown rule CAP099 (no policy declares it in its METADATA custom.id)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(context.Background(), Options{Enforcement: tc.enforcement})
			if err == nil || err.Error() != tc.want {
				t.Fatalf("New error = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestVerdict(t *testing.T) {
	tests := []struct {
		name     string
		findings []Finding
		want     string
	}{
		{name: "no findings", want: "pass"},
		{name: "only excepted", findings: []Finding{{Level: "deny", Excepted: true}, {Level: "warn", Excepted: true}}, want: "pass"},
		{name: "a warning", findings: []Finding{{Level: "warn"}, {Level: "deny", Excepted: true}}, want: "warn"},
		{name: "an overridden deny", findings: []Finding{{Level: "deny", Overridden: true}}, want: "warn"},
		{name: "a blocking deny", findings: []Finding{{Level: "warn"}, {Level: "deny", Blocking: true}}, want: "fail"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := verdict(tc.findings); got != tc.want {
				t.Errorf("verdict = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestEvalInputErrors(t *testing.T) {
	e := newTestEngine(t, Options{})
	wrong := healthyDoc(t)
	wrong["version"] = "capcheck/v0"
	tests := []struct {
		name  string
		input any
		want  string
	}{
		{name: "wrong version", input: wrong, want: `policy input version is "capcheck/v0", want "capcheck/v1"`},
		{name: "nil", input: nil, want: "read policy input: the document is null, not an object"},
		{name: "no version", input: map[string]any{"plans": []any{}}, want: `policy input version is "", want "capcheck/v1"`},
		{name: "not a document", input: []int{1}, want: "read policy input: the document is array, not an object"},
		{name: "bad exceptions", input: map[string]any{"version": "capcheck/v1", "plans": []any{map[string]any{"exceptions": "none"}}},
			want: "read policy input: plans: json: cannot unmarshal string into Go struct field planExcs.exceptions of type []policies.exception"},
		{name: "unencodable", input: map[string]any{"c": make(chan int)}, want: "encode policy input: json: unsupported type: chan int"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.Eval(context.Background(), tc.input, nil)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("Eval error = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestCustomPolicy(t *testing.T) {
	e := newTestEngine(t, Options{Root: "testdata", Dirs: []string{"custom"}})

	t.Run("metadata", func(t *testing.T) {
		var got *Rule
		for _, r := range e.Rules() {
			if r.ID == "ORG001" {
				got = &r
			}
		}
		want := &Rule{
			ID: "ORG001", Title: "No more than 40% of a pool's GPUs in one zone",
			Description: "Losing one availability zone must not take out most of a pool. Counts the guaranteed GPUs of the Terraform reservations each pool claims, per zone, and denies a zone holding more than 40% of its pool.",
			Severity:    "medium", Enforcement: "soft-mandatory", DefaultEnforcement: "soft-mandatory", Level: "deny",
			Package: "capcheck.custom.zone_spread", Location: diag.Pos{File: "custom/zone_spread.rego", Line: 1, Column: 1},
			declared: true,
		}
		if diff := cmp.Diff(want, got, cmp.AllowUnexported(Rule{})); diff != "" {
			t.Errorf("ORG001 rule (-want +got):\n%s", diff)
		}
	})

	tests := []struct {
		name string
		gpus []float64 // GPUs of the reservations in us-east-1a, b, c
		want []Finding
	}{
		// 24 + 24 + 16: the largest zone holds 24/64 = 37.5%.
		{name: "spread", gpus: []float64{24, 24, 16}},
		// 40 + 24 + 16 = 80: us-east-1a holds 40/80 = 50%.
		{name: "concentrated", gpus: []float64{40, 24, 16}, want: []Finding{{
			Rule: "ORG001", Title: "No more than 40% of a pool's GPUs in one zone", Level: "deny",
			Msg:    "pool h100-use1: 40 of its 80 GPUs (50%) are in us-east-1a, above the 40% limit; move reservations to other zones",
			Target: "pool/h100-use1", Range: diag.Pos{File: "capacity/inference.cue", Line: 20, Column: 3}.Range(),
			Enforcement: "soft-mandatory", Blocking: true,
		}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := healthyDoc(t)
			for i, r := range d["reservations"].([]any) {
				r.(map[string]any)["gpus"] = tc.gpus[i]
			}
			res, err := e.Eval(context.Background(), d, nil)
			if err != nil {
				t.Fatalf("Eval: %v", err)
			}
			if diff := cmp.Diff(tc.want, res.Findings); diff != "" {
				t.Errorf("Findings (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPolicyLoadErrors(t *testing.T) {
	const head = "package capcheck.custom\n\n"
	tests := []struct {
		name  string
		files map[string]string
		dirs  []string
		want  string
	}{
		{
			name: "http.send",
			files: map[string]string{"policies/custom.rego": head + `deny contains f if {
	some p in input.pools
	resp := http.send({"method": "GET", "url": "https://capacity.example.com"})
	f := {"rule": "ORG002", "msg": resp.body}
}
`},
			want: "policies/custom.rego:5:10: error: undefined function http.send (capcheck policies cannot use network or environment built-ins)",
		},
		{
			name:  "opa.runtime",
			files: map[string]string{"policies/custom.rego": head + "env := opa.runtime().env\n"},
			want:  "policies/custom.rego:3:8: error: undefined function opa.runtime (capcheck policies cannot use network or environment built-ins)",
		},
		{
			name: "net.lookup_ip_addr",
			files: map[string]string{"policies/custom.rego": head + `warn contains f if {
	addrs := net.lookup_ip_addr("example.com")
	f := {"rule": "ORG003", "msg": sprintf("%v", [addrs])}
}
`},
			want: "policies/custom.rego:4:11: error: undefined function net.lookup_ip_addr (capcheck policies cannot use network or environment built-ins)",
		},
		{
			name:  "time.now_ns",
			files: map[string]string{"policies/custom.rego": head + "today := time.now_ns()\n"},
			want:  "policies/custom.rego:3:10: error: undefined function time.now_ns (capcheck policies cannot read the clock: use input.now)",
		},
		{
			name:  "rand.intn",
			files: map[string]string{"policies/custom.rego": head + `pick := rand.intn("seed", 10)` + "\n"},
			want:  "policies/custom.rego:3:9: error: undefined function rand.intn (capcheck policies cannot use non-deterministic built-ins)",
		},
		{
			name:  "syntax error",
			files: map[string]string{"policies/custom.rego": head + "deny contains f if {\n\tf := \n}\n"},
			want:  "policies/custom.rego:5:1: error: unexpected } token",
		},
		{
			name:  "reserved package",
			files: map[string]string{"policies/custom.rego": "package capcheck.rules.mine\n"},
			want:  "policies/custom.rego:1:1: error: package capcheck.rules.mine is reserved for capcheck's built-in policies; use another package under capcheck or package main",
		},
		{
			name:  "deny not a set",
			files: map[string]string{"policies/main.rego": "package main\n\ndeny := true\n"},
			want:  "policies/main.rego:3:1: error: deny in package main must be a set of findings: `deny contains f if { ... }`",
		},
		{
			name: "bad enforcement metadata",
			files: map[string]string{"policies/custom.rego": `# METADATA
# title: Something
# custom:
#   id: ORG004
#   enforcement: strict
package capcheck.custom

deny contains {"rule": "ORG004", "msg": "x"} if false
`},
			want: "policies/custom.rego:1:1: error: rule ORG004: METADATA custom.enforcement must be advisory, soft-mandatory or hard-mandatory, got strict",
		},
		{
			name: "duplicate rule id",
			files: map[string]string{"policies/custom.rego": `# METADATA
# title: Mine
# custom:
#   id: CAP001
package capcheck.custom

deny contains {"rule": "CAP001", "msg": "x"} if false
`},
			want: "policies/custom.rego:1:1: error: rule id CAP001 is already declared at capcheck:rego/cap001.rego:1:1",
		},
		{
			name:  "missing directory",
			files: map[string]string{"other/a.rego": head},
			dirs:  []string{"policies"},
			want:  "policy directory policies does not exist",
		},
		{
			name:  "no policies",
			files: map[string]string{"policies/README.md": "nothing"},
			want:  "policy directory policies holds no .rego files",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := testkit.TempTree(t, tc.files)
			dirs := tc.dirs
			if dirs == nil {
				dirs = []string{"policies"}
			}
			_, err := New(context.Background(), Options{Root: root, Dirs: dirs})
			if err == nil {
				t.Fatal("New succeeded, want an error")
			}
			if got := strings.SplitN(err.Error(), "\n", 2)[0]; got != tc.want {
				t.Errorf("New error =\n%s\nwant\n%s", err, tc.want)
			}
		})
	}
}

func TestMalformedFindings(t *testing.T) {
	tests := []struct {
		name string
		rule string
		want string
	}{
		{name: "string", rule: `deny contains "headroom too low" if true`,
			want: `policies/main.rego:3:1: error: package main: deny produced an invalid finding: "headroom too low" is not an object;`},
		{name: "no rule id", rule: `deny contains {"msg": "low"} if true`,
			want: `policies/main.rego:3:1: error: package main: deny produced an invalid finding: "rule" is missing in {"msg":"low"};`},
		{name: "message not a string", rule: `warn contains {"rule": "ORG005", "msg": 42} if true`,
			want: `policies/main.rego:3:1: error: package main: warn produced an invalid finding: "msg" is 42, not a string;`},
		{name: "empty message", rule: `warn contains {"rule": "ORG005", "msg": ""} if true`,
			want: `policies/main.rego:3:1: error: package main: warn produced an invalid finding: "msg" is empty;`},
		{name: "target not a string", rule: `deny contains {"rule": "ORG005", "msg": "m", "target": ["pool"]} if true`,
			want: `policies/main.rego:3:1: error: package main: deny produced an invalid finding: "target" is ["pool"], not a string;`},
		{name: "fractional line", rule: `deny contains {"rule": "ORG005", "msg": "m", "location": {"file": "a.cue", "line": 1.5}} if true`,
			want: `policies/main.rego:3:1: error: package main: deny produced an invalid finding: location: "line" is 1.5, not a line or column number;`},
		{name: "range ending before it starts", rule: `deny contains {"rule": "ORG005", "msg": "m", "location": {"file": "a.tf", "line": 9, "end_line": 3}} if true`,
			want: `policies/main.rego:3:1: error: package main: deny produced an invalid finding: location: "end_line" 3 is before "line" 9;`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := testkit.TempTree(t, map[string]string{"policies/main.rego": "package main\n\n" + tc.rule + "\n"})
			e := newTestEngine(t, Options{Root: root, Dirs: []string{"policies"}})
			_, err := e.Eval(context.Background(), healthyDoc(t), nil)
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("Eval error =\n%v\nwant prefix\n%s", err, tc.want)
			}
			var ds diag.Diagnostics
			if !errors.As(err, &ds) {
				t.Errorf("Eval error is %T, want diag.Diagnostics", err)
			}
		})
	}
}

func TestEvalRuntimeErrorPosition(t *testing.T) {
	root := testkit.TempTree(t, map[string]string{"policies/main.rego": `package main

warn contains f if {
	n := to_number(input.now)
	f := {"rule": "ORG006", "msg": sprintf("%v", [n])}
}
`})
	e := newTestEngine(t, Options{Root: root, Dirs: []string{"policies"}})
	_, err := e.Eval(context.Background(), healthyDoc(t), nil)
	const want = "policies/main.rego:4:7: error: policy evaluation failed: to_number: "
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("Eval error = %v, want prefix %q", err, want)
	}
}

func TestEvalTimeLimit(t *testing.T) {
	// 10^10 pairs: evaluation never finishes on its own.
	root := testkit.TempTree(t, map[string]string{"policies/slow.rego": `package capcheck.slow

deny contains f if {
	some i in numbers.range(1, 100000)
	some j in numbers.range(1, 100000)
	i * j < 0
	f := {"rule": "ORG007", "msg": "never"}
}
`})
	e := newTestEngine(t, Options{Root: root, Dirs: []string{"policies"}, Timeout: 200 * time.Millisecond})
	_, err := e.Eval(context.Background(), healthyDoc(t), nil)
	const want = "policies/slow.rego:3:1: error: policy package capcheck.slow exceeded the policy time limit of 200ms: it iterates over too much data or never finishes"
	if err == nil || err.Error() != want {
		t.Fatalf("Eval error = %v, want %q", err, want)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = e.Eval(ctx, healthyDoc(t), nil)
	if err == nil || !strings.HasPrefix(err.Error(), "policy evaluation cancelled") {
		t.Fatalf("Eval with a cancelled context: error = %v, want cancelled", err)
	}
}

// TestEvalMemoryBound: a user policy that builds data without bound is
// stopped once the heap has grown by MaxMemory, with an error at its deny
// rule naming its package, well before the time limit and before the heap
// grows much past the bound (unbounded, each reaches gigabytes in seconds).
func TestEvalMemoryBound(t *testing.T) {
	// s0 is 1 KiB; s<i> doubles s<i-1>, so s40 would be 1 TiB.
	var doubling strings.Builder
	doubling.WriteString("s0 := concat(\"\", [\"x\" | some _ in numbers.range(1, 1024)])\n")
	for i := 1; i <= 40; i++ {
		fmt.Fprintf(&doubling, "s%d := concat(\"\", [s%d, s%d])\n", i, i-1, i-1)
	}
	tests := []struct {
		name, rules string
	}{
		{"string doubled by concat", doubling.String() + `
deny contains f if {
	count(s40) > 0
	f := {"rule": "ORG008", "msg": "big"}
}`},
		{"array comprehension", `
deny contains f if {
	xs := [[i, i] | some i in numbers.range(1, 1000000000)]
	count(xs) > 0
	f := {"rule": "ORG008", "msg": "big"}
}`},
		{"object comprehension", `
deny contains f if {
	o := {sprintf("k%d", [i]): i | some i in numbers.range(1, 1000000000)}
	count(o) > 0
	f := {"rule": "ORG008", "msg": "big"}
}`},
	}
	const bound = 64 << 20
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			text := "package capcheck.big\n\n" + strings.TrimPrefix(tc.rules, "\n") + "\n"
			line := 1 + strings.Count(text[:strings.Index(text, "deny contains")], "\n")
			root := testkit.TempTree(t, map[string]string{"policies/big.rego": text})
			e := newTestEngine(t, Options{Root: root, Dirs: []string{"policies"}, Timeout: time.Minute, MaxMemory: bound})
			doc := healthyDoc(t)

			runtime.GC()
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			stop, peak := make(chan struct{}), make(chan uint64)
			go func() { // the peak heap while Eval runs
				var m runtime.MemStats
				top := uint64(0)
				tick := time.NewTicker(time.Millisecond)
				defer tick.Stop()
				for {
					runtime.ReadMemStats(&m)
					top = max(top, m.HeapAlloc)
					select {
					case <-stop:
						peak <- top
						return
					case <-tick.C:
					}
				}
			}()
			_, err := e.Eval(context.Background(), doc, nil)
			close(stop)
			grew := int64(<-peak) - int64(before.HeapAlloc)

			want := fmt.Sprintf("policies/big.rego:%d:1: error: policy package capcheck.big used more than 64 MiB of memory: it builds too much data (a comprehension or concatenation growing without bound?)", line)
			if err == nil || err.Error() != want {
				t.Fatalf("Eval error =\n%v\nwant\n%s", err, want)
			}
			var ds diag.Diagnostics
			if !errors.As(err, &ds) {
				t.Errorf("Eval error is %T, want diag.Diagnostics", err)
			}
			// The heap is sampled every 10 ms: allow what one evaluation
			// allocates in a few samples past the bound.
			if grew > 4*bound {
				t.Errorf("the heap grew by %d MiB during Eval, want at most %d MiB (4 × the bound)", grew>>20, 4*bound>>20)
			}
		})
	}
}

func TestRules(t *testing.T) {
	e := newTestEngine(t, Options{Enforcement: map[string]string{"CAP007": "soft-mandatory"}})
	type row struct{ ID, Level, Enforcement, Default, Severity, Package, File string }
	var got []row
	for _, r := range e.Rules() {
		if !r.Builtin {
			t.Errorf("rule %s: Builtin = false", r.ID)
		}
		if r.Title == "" || r.Description == "" || r.Location.Line != 1 {
			t.Errorf("rule %s: title %q, description %q, location %s", r.ID, r.Title, r.Description, r.Location)
		}
		got = append(got, row{r.ID, r.Level, r.Enforcement, r.DefaultEnforcement, r.Severity, r.Package, r.Location.File})
	}
	want := []row{
		{"CAP001", "deny", "soft-mandatory", "soft-mandatory", "high", "capcheck.rules.cap001", "capcheck:rego/cap001.rego"},
		{"CAP002", "deny", "soft-mandatory", "soft-mandatory", "high", "capcheck.rules.cap002", "capcheck:rego/cap002.rego"},
		{"CAP003", "deny", "soft-mandatory", "soft-mandatory", "high", "capcheck.rules.cap003", "capcheck:rego/cap003.rego"},
		{"CAP004", "deny", "soft-mandatory", "soft-mandatory", "medium", "capcheck.rules.cap004", "capcheck:rego/cap004.rego"},
		{"CAP005", "deny", "soft-mandatory", "soft-mandatory", "high", "capcheck.rules.cap005", "capcheck:rego/cap005.rego"},
		{"CAP006", "deny", "hard-mandatory", "hard-mandatory", "high", "capcheck.rules.cap006", "capcheck:rego/cap006.rego"},
		{"CAP007", "warn", "soft-mandatory", "advisory", "medium", "capcheck.rules.cap007", "capcheck:rego/cap007.rego"},
		{"CAP008", "warn", "advisory", "advisory", "medium", "capcheck.rules.cap008", "capcheck:rego/cap008.rego"},
		{"CAP009", "warn", "advisory", "advisory", "medium", "capcheck.rules.cap009", "capcheck:rego/cap009.rego"},
		{"CAP010", "warn", "advisory", "advisory", "low", "capcheck.rules.cap010", "capcheck:rego/cap010.rego"},
		{"CAP011", "warn", "advisory", "advisory", "medium", "capcheck.rules.cap011", "capcheck:rego/cap011.rego"},
		{"CAP012", "warn", "advisory", "advisory", "medium", "capcheck.rules.cap012", "capcheck:rego/cap012.rego"},
		{"CAP013", "warn", "advisory", "advisory", "low", "capcheck.rules.cap013", "capcheck:rego/cap013.rego"},
		{"CAP014", "deny", "soft-mandatory", "soft-mandatory", "high", "capcheck.rules.cap014", "capcheck:rego/cap014.rego"},
		{"CAP015", "deny", "soft-mandatory", "soft-mandatory", "high", "capcheck.rules.cap015", "capcheck:rego/cap015.rego"},
		{"CAP016", "deny", "hard-mandatory", "hard-mandatory", "medium", "capcheck.rules.cap016", "capcheck:rego/cap016.rego"},
		{"CAP017", "warn", "advisory", "advisory", "low", "capcheck.rules.cap017", "capcheck:rego/cap017.rego"},
		{"CAP018", "warn", "advisory", "advisory", "low", "capcheck.rules.cap018", "capcheck:rego/cap018.rego"},
		{"CAP020", "deny/warn", "soft-mandatory", "soft-mandatory", "high", "capcheck.rules.cap020", "capcheck:rego/cap020.rego"},
		{"CAP021", "deny/warn", "soft-mandatory", "soft-mandatory", "high", "capcheck.rules.cap021", "capcheck:rego/cap021.rego"},
		{"CAP022", "warn", "advisory", "advisory", "medium", "capcheck.rules.cap022", "capcheck:rego/cap022.rego"},
		{"CAP023", "deny", "soft-mandatory", "soft-mandatory", "high", "capcheck.rules.cap023", "capcheck:rego/cap023.rego"},
		{"CAP024", "deny", "soft-mandatory", "soft-mandatory", "high", "capcheck.rules.cap024", "capcheck:rego/cap024.rego"},
		{"CAP025", "warn", "advisory", "advisory", "medium", "capcheck.rules.cap025", "capcheck:rego/cap025.rego"},
		{"CAP026", "deny", "soft-mandatory", "soft-mandatory", "high", "capcheck.rules.cap026", "capcheck:rego/cap026.rego"},
		{"CAP030", "deny/warn", "soft-mandatory", "soft-mandatory", "high", "capcheck.rules.cap030", "capcheck:rego/cap030.rego"},
		{"CAP031", "deny", "soft-mandatory", "soft-mandatory", "high", "capcheck.rules.cap031", "capcheck:rego/cap031.rego"},
		{"CAP032", "deny/warn", "soft-mandatory", "soft-mandatory", "high", "capcheck.rules.cap032", "capcheck:rego/cap032.rego"},
		{"CAP033", "deny/warn", "soft-mandatory", "soft-mandatory", "high", "capcheck.rules.cap033", "capcheck:rego/cap033.rego"},
		{"CAP034", "deny", "soft-mandatory", "soft-mandatory", "high", "capcheck.rules.cap034", "capcheck:rego/cap034.rego"},
		{"CAP035", "warn", "advisory", "advisory", "medium", "capcheck.rules.cap035", "capcheck:rego/cap035.rego"},
		{"CAP036", "deny", "soft-mandatory", "soft-mandatory", "high", "capcheck.rules.cap036", "capcheck:rego/cap036.rego"},
		{"CAP037", "deny/warn", "soft-mandatory", "soft-mandatory", "high", "capcheck.rules.cap037", "capcheck:rego/cap037.rego"},
		{"CAP038", "deny/warn", "soft-mandatory", "soft-mandatory", "high", "capcheck.rules.cap038", "capcheck:rego/cap038.rego"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Rules (-want +got):\n%s", diff)
	}
}

func TestGlobMatch(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"pool/h100-use1", "pool/h100-use1", true},
		{"pool/h100-use1", "pool/h100-use10", false},
		{"pool/*", "pool/h100-use1", true},
		{"*", "reservation/module.gpu.aws_ec2_capacity_reservation.h100[\"a\"]", true},
		{"reservation/module.gpu.*[0]", "reservation/module.gpu.aws_ec2_capacity_reservation.h100[0]", true},
		{"reservation/module.gpu.*[0]", "reservation/module.gpu.aws_ec2_capacity_reservation.h100[1]", false},
		{"pool/*-use1", "pool/h100-use1", true},
		{"pool/*-use1", "pool/h100-use2", false},
		{"*a*b*", "xxaxxbxx", true},
		{"*a*b*", "xxbxxaxx", false},
		{"", "", true},
		{"", "x", false},
	}
	for _, tc := range tests {
		if got := globMatch(tc.pattern, tc.s); got != tc.want {
			t.Errorf("globMatch(%q, %q) = %v, want %v", tc.pattern, tc.s, got, tc.want)
		}
	}
}

// TestFindingRange: a rule that points at a reservation itself (an entry,
// whose location carries the block's end_line) gives a finding with that
// range, and the finding's JSON keeps the capcheck/v1 keys with end_line
// beside them; a location without an end gives a point, as before.
func TestFindingRange(t *testing.T) {
	root := testkit.TempTree(t, map[string]string{"policies/main.rego": `package main

deny contains {"rule": "ORG007", "msg": "whole block", "location": r} if {
	some r in input.reservations
	r.address == "aws_ec2_capacity_reservation.h100_use1a"
}

warn contains {"rule": "ORG008", "msg": "point", "location": {"file": r.file, "line": r.line, "column": r.column}} if {
	some r in input.reservations
	r.address == "aws_ec2_capacity_reservation.h100_use1a"
}
`})
	e := newTestEngine(t, Options{Root: root, Dirs: []string{"policies"}})
	d := healthyDoc(t)
	var block diag.Range // the healthy fixture's reservation, as the rule sees it
	for _, r := range d["reservations"].([]any) {
		r := r.(map[string]any)
		if r["address"] == "aws_ec2_capacity_reservation.h100_use1a" {
			num := func(k string) int { n, _ := strconv.Atoi(fmt.Sprint(r[k])); return n }
			block = diag.Range{Pos: diag.Pos{File: r["file"].(string), Line: num("line"), Column: num("column")}, EndLine: num("end_line")}
		}
	}
	if block.EndLine <= block.Line {
		t.Fatalf("fixture reservation range %+v has no end after its start", block)
	}
	res, err := e.Eval(context.Background(), d, nil)
	if err != nil {
		t.Fatalf("Eval: %v", err)
	}
	got := map[string]Finding{}
	for _, f := range res.Findings {
		got[f.Rule] = f
	}
	if r := got["ORG007"].Range; r != block {
		t.Errorf("ORG007 range = %+v, want the reservation's %+v", r, block)
	}
	if r, want := got["ORG008"].Range, block.Pos.Range(); r != want {
		t.Errorf("ORG008 range = %+v, want the point %+v", r, want)
	}
	for rule, wantKey := range map[string]bool{"ORG007": true, "ORG008": false} {
		b, err := json.Marshal(got[rule])
		if err != nil {
			t.Fatal(err)
		}
		prefix := fmt.Sprintf(`"file":%q,"line":%d,"column":%d,`, block.File, block.Line, block.Column)
		if !strings.Contains(string(b), prefix) {
			t.Errorf("%s JSON %s lacks %s", rule, b, prefix)
		}
		if has := strings.Contains(string(b), fmt.Sprintf(`"end_line":%d`, block.EndLine)); has != wantKey {
			t.Errorf("%s JSON %s: end_line present = %v, want %v", rule, b, has, wantKey)
		}
	}
}
