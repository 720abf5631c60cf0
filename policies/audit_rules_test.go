package policies

import (
	"testing"

	"github.com/capcheck/capcheck/internal/diag"
)

// TestAuditFixtureMatchesDocument keeps the Rego tests' audit fixture
// (data.capcheck.test.fixtures.audit_doc, dumped to testdata/audit.json by
// -update) in step with evaluator.Document and its AuditDoc: no field the
// evaluator does not produce, every field it does produce present.
func TestAuditFixtureMatchesDocument(t *testing.T) {
	got := checkRegoFixture(t, "audit_doc", "audit.json")
	d := decodeDocument(t, "testdata/audit.json", got)
	if d.Audit == nil || len(d.Audit.Workloads) == 0 || len(d.Audit.Pools) == 0 || d.Audit.Pools[0].GPU == nil || d.Audit.Workloads[0].Fit == nil {
		t.Fatal("testdata/audit.json lacks an audited workload (with a fit) or pool (with GPU utilisation)")
	}
	checkDocumentFields(t, "testdata/audit.json (rego/fixtures_test.rego audit_doc)", d, got)
}

// auditDoc is the healthy audited document, freshly decoded.
func auditDoc(t testing.TB) map[string]any {
	t.Helper()
	return readDoc(t, "audit.json")
}

func auditPart(d map[string]any, key string) map[string]any {
	return d["audit"].(map[string]any)[key].([]any)[0].(map[string]any)
}

// TestEvalAuditFindings runs the engine over audited documents: the
// levels, enforcement and verdict the audit rules produce.
func TestEvalAuditFindings(t *testing.T) {
	e := newTestEngine(t, Options{})
	at := func(line, col int) (string, int, int) { return "capacity/inference.cue", line, col }
	file, line, col := at(20, 3)
	tests := []struct {
		name        string
		mutate      func(d map[string]any)
		wantVerdict string
		want        []Finding
	}{
		{name: "healthy audit", mutate: func(map[string]any) {}, wantVerdict: VerdictPass},
		{
			// 160 / 123.6 - 1 = 0.29450 -> "29.4%"; GPU p95 0.9; reserved 0.3.
			name: "drift above, hot GPUs, idle reservations",
			mutate: func(d map[string]any) {
				w := auditPart(d, "workloads")
				w["observed"], w["drift"] = 160, 160/123.6-1
				p := auditPart(d, "pools")
				p["gpu"].(map[string]any)["p95"] = 0.9
				p["reservation"].(map[string]any)["mean"] = 0.3
			},
			// Findings are sorted by position: the pool (line 20) first.
			wantVerdict: VerdictFail,
			want: []Finding{
				{Rule: "CAP021", Title: "GPU utilisation above the plan's lines", Level: "deny",
					Msg:    "pool h100-use1: GPU utilisation p95 90% (peak 78%) over the 28 days to 2026-07-15 is above the critical 85%; add GPUs or shed load now: latency SLOs are at risk",
					Target: "pool/h100-use1", Range: diag.Pos{File: file, Line: line, Column: col}.Range(),
					Enforcement: "soft-mandatory", Blocking: true},
				{Rule: "CAP022", Title: "Reserved GPUs under-used", Level: "warn",
					Msg:    "pool h100-use1: reserved GPUs were 30% utilised on average over the 28 days to 2026-07-15, below the 50% minimum (64 GPUs reserved); release or resize reservations, or move workloads onto them",
					Target: "pool/h100-use1", Range: diag.Pos{File: file, Line: line, Column: col}.Range(),
					Enforcement: "advisory"},
				{Rule: "CAP020", Title: "Observed demand drifts from the plan", Level: "deny",
					Msg:    "workload chat: observed p95 160 requests/s over the 28 days to 2026-07-15 is 29.4% above the plan's 123.6 for 2026-07 (drift tolerance 15%); raise the plan's baseline or growth to match and check the pool's capacity",
					Target: "workload/chat", Range: diag.Pos{File: "capacity/inference.cue", Line: 42, Column: 20}.Range(),
					Enforcement: "soft-mandatory", Blocking: true},
			},
		},
		{
			// A warning of CAP020 (soft-mandatory rule) does not block.
			name: "drift below only warns",
			mutate: func(d map[string]any) {
				w := auditPart(d, "workloads")
				w["observed"], w["drift"] = 90, 90/123.6-1
			},
			wantVerdict: VerdictWarn,
			want: []Finding{
				{Rule: "CAP020", Title: "Observed demand drifts from the plan", Level: "warn",
					Msg:    "workload chat: observed p95 90 requests/s over the 28 days to 2026-07-15 is 27.2% below the plan's 123.6 for 2026-07 (drift tolerance 15%); lower the plan's baseline, or release or resize reservations the demand no longer needs",
					Target: "workload/chat", Range: diag.Pos{File: "capacity/inference.cue", Line: 42, Column: 20}.Range(),
					Enforcement: "soft-mandatory"},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := auditDoc(t)
			tc.mutate(d)
			checkEval(t, e, d, tc.wantVerdict, tc.want)
		})
	}
}

// TestAuditRegoTestsCatchMutations proves the audit rules' Rego tests can
// fail: a threshold moved, a comparison loosened or a rule removed must
// make the named test fail (the pattern of TestRegoTestsCatchMutations).
func TestAuditRegoTestsCatchMutations(t *testing.T) {
	checkMutationsCaught(t, []regoMutation{
		{name: "CAP020 deny threshold raised", file: "cap020.rego",
			old: "w.drift > w.drift_tolerance", new: "w.drift > w.drift_tolerance + 0.01",
			wantFail: "cap020_test.test_denies_just_above_tolerance"},
		{name: "CAP020 deny at the tolerance", file: "cap020.rego",
			old: "w.drift > w.drift_tolerance", new: "w.drift >= w.drift_tolerance",
			wantFail: "cap020_test.test_allows_drift_at_tolerance"},
		{name: "CAP020 fixed 15%", file: "cap020.rego",
			old: "w.drift > w.drift_tolerance", new: "w.drift > 0.15",
			wantFail: "cap020_test.test_uses_plan_tolerance"},
		{name: "CAP020 deny removed", file: "cap020.rego",
			old: "deny contains f if {", new: "disabled contains f if {",
			wantFail: "cap020_test.test_denies_drift_above_tolerance"},
		{name: "CAP020 below threshold lowered", file: "cap020.rego",
			old: "w.drift < 0 - w.drift_tolerance", new: "w.drift < 0 - w.drift_tolerance - 0.01",
			wantFail: "cap020_test.test_warns_just_below_tolerance"},
		{name: "CAP020 not-audited dropped", file: "cap020.rego",
			old: `n.what == "demand"`, new: `n.what == "nothing"`,
			wantFail: "cap020_test.test_warns_workload_not_audited"},
		{name: "CAP021 critical raised", file: "cap021.rego",
			old: "p.gpu.p95 > p.critical_utilization\n", new: "p.gpu.p95 > p.critical_utilization + 0.01\n",
			wantFail: "cap021_test.test_denies_just_above_critical"},
		{name: "CAP021 deny at critical", file: "cap021.rego",
			old: "p.gpu.p95 > p.critical_utilization\n", new: "p.gpu.p95 >= p.critical_utilization\n",
			wantFail: "cap021_test.test_warns_at_critical"},
		{name: "CAP021 warning line moved", file: "cap021.rego",
			old: "p.gpu.p95 > p.warn_utilization", new: "p.gpu.p95 > 0.75",
			wantFail: "cap021_test.test_warns_just_above_warning_line"},
		{name: "CAP021 judges the peak", file: "cap021.rego",
			old: "p.gpu.p95 > p.warn_utilization", new: "p.gpu.peak > p.warn_utilization",
			wantFail: "cap021_test.test_healthy_audit_passes"},
		{name: "CAP022 minimum lowered", file: "cap022.rego",
			old: "p.reservation.mean < p.reserved_utilization_min", new: "p.reservation.mean < p.reserved_utilization_min - 0.01",
			wantFail: "cap022_test.test_warns_just_below_minimum"},
		{name: "CAP022 at the minimum", file: "cap022.rego",
			old: "p.reservation.mean < p.reserved_utilization_min", new: "p.reservation.mean <= p.reserved_utilization_min",
			wantFail: "cap022_test.test_passes_at_minimum"},
		{name: "CAP022 removed", file: "cap022.rego",
			old: "warn contains f if {", new: "disabled contains f if {",
			wantFail: "cap022_test.test_warns_below_minimum"},
	})
}
