package policies

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/capcheck/capcheck/internal/testkit"
)

// minBuiltinTests is how many Rego unit tests the built-ins ship; the count
// only grows.
const minBuiltinTests = 80

func TestBuiltinRegoTests(t *testing.T) {
	var out bytes.Buffer
	passed, failed, err := Verify(context.Background(), nil, &out)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if failed != 0 || passed < minBuiltinTests {
		t.Fatalf("Verify = %d passed, %d failed; want 0 failed and at least %d passed\n%s", passed, failed, minBuiltinTests, out.String())
	}
	want := "policy tests: " + itoa(passed) + " passed, 0 failed\n"
	if out.String() != want {
		t.Errorf("Verify output = %q, want %q", out.String(), want)
	}
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}

// TestRegoTestsCatchMutations proves the Rego tests can fail: each mutation
// of a built-in rule (a threshold moved, a comparison loosened, a rule
// removed) must make the named test fail.
func TestRegoTestsCatchMutations(t *testing.T) {
	checkMutationsCaught(t, []regoMutation{
		{name: "CAP001 threshold lowered", file: "cap001.rego",
			old: "pool.min_headroom < pool.headroom_min", new: "pool.min_headroom < pool.headroom_min - 0.02",
			wantFail: "cap001_test.test_denies_just_below_min"},
		{name: "CAP001 comparison loosened", file: "cap001.rego",
			old: "pool.min_headroom < pool.headroom_min", new: "pool.min_headroom <= pool.headroom_min",
			wantFail: "cap001_test.test_allows_headroom_at_min"},
		{name: "CAP002 ignores the redundancy result", file: "cap002.rego",
			old: "\tnot pool.n_plus.ok\n", new: "\n",
			wantFail: "cap002_test.test_healthy_pool_passes"},
		{name: "CAP003 removed", file: "cap003.rego",
			old: "deny contains f if {", new: "disabled contains f if {",
			wantFail: "cap003_test.test_denies_unclaimed_guaranteed_reservation"},
		{name: "CAP010 at the limit", file: "cap010.rego",
			old: "p.reviewed_age_days > p.policy.review_max_age_days", new: "p.reviewed_age_days >= p.policy.review_max_age_days",
			wantFail: "cap010_test.test_review_at_limit_passes"},
		{name: "CAP011 epsilon widened", file: "cap011.rego",
			old: "epsilon := 0.002", new: "epsilon := 0.004",
			wantFail: "cap011_test.test_warns_when_plan_grows_slower_than_trend"},
		{name: "CAP013 tolerance ignored", file: "cap013.rego",
			old: "peak > pool.budget_monthly * (1 + tol)", new: "peak > pool.budget_monthly",
			wantFail: "cap013_test.test_pool_cost_within_tolerance_passes"},
		{name: "CAP014 ignores headroom_min", file: "cap014.rego",
			old: `{"path": ["headroom_min"], "weaker": "lower", "unit": "pct"},`, new: "",
			wantFail: "cap014_test.test_denies_lower_headroom_min"},
		{name: "CAP016 limit moved", file: "cap016.rego",
			old: "max_days := 90", new: "max_days := 91",
			wantFail: "cap016_test.test_denies_expiry_past_90_days"},
		{name: "CAP030 headroom line loosened", file: "cap030.rego",
			old: "k.workload_gpus_max > k.usable_gpus", new: "k.workload_gpus_max >= k.usable_gpus",
			wantFail: "cap030_test.test_passes_at_the_line"},
		{name: "CAP031 limit at the peak", file: "cap031.rego",
			old: "k.limit_gpus < pool.required_gpus_peak", new: "k.limit_gpus <= pool.required_gpus_peak",
			wantFail: "cap031_test.test_limit_at_peak_passes"},
		{name: "CAP032 ignores the binding", file: "cap032.rego",
			old: `count(object.get(r.kubernetes, "reservations", [])) == 0`, new: "true",
			wantFail: "cap032_test.test_bound_passes"},
		{name: "CAP033 borrowing counted as guaranteed", file: "cap033.rego",
			old: "k.admit_gpus > k.guaranteed_gpus", new: "k.quota_gpus > k.guaranteed_gpus",
			wantFail: "cap033_test.test_warns_borrowing_above_guaranteed"},
		{name: "CAP034 admits at the line", file: "cap034.rego",
			old: "k.training_gpus_peak > k.admit_gpus", new: "k.training_gpus_peak >= k.admit_gpus",
			wantFail: "cap034_test.test_admittable_passes"},
		{name: "CAP035 tolerance loosened", file: "cap035.rego",
			old: "k.drift > k.drift_tolerance", new: "k.drift >= k.drift_tolerance",
			wantFail: "cap035_test.test_within_tolerance_passes"},
		{name: "CAP036 as many GPUs as the benchmark", file: "cap036.rego",
			old: "o.gpus_per_replica < k.benchmark_gpus_per_replica", new: "o.gpus_per_replica <= k.benchmark_gpus_per_replica",
			wantFail: "cap036_test.test_as_many_or_more_passes"},
		{name: "CAP037 ignores the binding", file: "cap037.rego",
			old:      `missing(p) := [s | some s in object.get(p, "specific", []); count(object.get(s, "reservations", [])) == 0]`,
			new:      `missing(p) := [s | some s in object.get(p, "specific", [])]`,
			wantFail: "cap037_test.test_bound_passes"},
		{name: "CAP037 no fallback counted", file: "cap037.rego",
			old: "j != i; launches(q)", new: "j != i",
			wantFail: "cap037_test.test_denies_only_priority_unbacked"},
		{name: "CAP038 unknown GPU counted as another", file: "cap038.rego",
			old: `g := object.get(p, "gpu", ""); g != ""; g != pool.gpu`, new: `g := object.get(p, "gpu", ""); g != pool.gpu`,
			wantFail: "cap038_test.test_same_gpu_passes"},
	})
}

// regoMutation replaces the first old in the built-in rego/file with new;
// the Rego test wantFail (package.rule, below capcheck.rules) must then
// fail.
type regoMutation struct {
	name     string
	file     string
	old, new string
	wantFail string
}

// checkMutationsCaught runs each mutation as a subtest of t.
func checkMutationsCaught(t *testing.T, tests []regoMutation) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkMutationCaught(t, tc.file, tc.old, tc.new, tc.wantFail)
		})
	}
}

// checkMutationCaught replaces the first old in the built-in rego/file with
// new, runs the built-in Rego tests, and fails t unless the test wantFail
// (package.rule, below capcheck.rules) is among those that fail.
func checkMutationCaught(t *testing.T, file, old, new, wantFail string) {
	t.Helper()
	srcs, err := builtinSources()
	if err != nil {
		t.Fatal(err)
	}
	mutated := false
	for i, s := range srcs {
		if s.Name == builtinPrefix+"rego/"+file {
			if !strings.Contains(s.Text, old) {
				t.Fatalf("%s does not contain %q: update the mutation", file, old)
			}
			srcs[i].Text = strings.Replace(s.Text, old, new, 1)
			mutated = true
		}
	}
	if !mutated {
		t.Fatalf("no built-in %s", file)
	}
	var out bytes.Buffer
	_, failed, err := verify(context.Background(), srcs, &out)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if failed == 0 || !strings.Contains(out.String(), "capcheck.rules."+wantFail+"\n") {
		t.Errorf("after the mutation, %d tests failed; want %s among them:\n%s", failed, wantFail, out.String())
	}
}

func TestVerifyUserDirs(t *testing.T) {
	var out bytes.Buffer
	builtinPassed, _, err := Verify(context.Background(), nil, &out)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("custom example", func(t *testing.T) {
		var out bytes.Buffer
		passed, failed, err := Verify(context.Background(), []string{"testdata/custom"}, &out)
		if err != nil {
			t.Fatalf("Verify: %v", err)
		}
		// zone_spread_test.rego holds 4 tests.
		if passed != builtinPassed+4 || failed != 0 {
			t.Errorf("Verify = %d passed, %d failed; want %d, 0\n%s", passed, failed, builtinPassed+4, out.String())
		}
	})

	t.Run("failing user test", func(t *testing.T) {
		root := testkit.TempTree(t, map[string]string{"policies/mine_test.rego": `package capcheck.mine_test

test_ok if true

test_wrong if {
	print("headroom", 0.2)
	1 == 2
}
`})
		dir := root + "/policies"
		var out bytes.Buffer
		passed, failed, err := Verify(context.Background(), []string{dir}, &out)
		if err != nil {
			t.Fatalf("Verify: %v", err)
		}
		if passed != builtinPassed+1 || failed != 1 {
			t.Errorf("Verify = %d passed, %d failed; want %d, 1", passed, failed, builtinPassed+1)
		}
		want := dir + "/mine_test.rego:5:1: FAIL capcheck.mine_test.test_wrong\n    headroom 0.2\npolicy tests: " + itoa(builtinPassed+1) + " passed, 1 failed\n"
		if out.String() != want {
			t.Errorf("Verify output =\n%s\nwant\n%s", out.String(), want)
		}
	})

	t.Run("sandbox applies to tests", func(t *testing.T) {
		root := testkit.TempTree(t, map[string]string{"policies/net_test.rego": "package capcheck.net_test\n\ntest_net if net.lookup_ip_addr(\"example.com\")\n"})
		_, _, err := Verify(context.Background(), []string{root + "/policies"}, &bytes.Buffer{})
		want := root + "/policies/net_test.rego:3:13: error: undefined function net.lookup_ip_addr (capcheck policies cannot use network or environment built-ins)"
		if err == nil || err.Error() != want {
			t.Errorf("Verify error = %v, want %q", err, want)
		}
	})
}
