package workspace

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/capcheck/capcheck/actuals"
	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/internal/testkit"
	"github.com/capcheck/capcheck/schema"
	"github.com/google/go-cmp/cmp"
)

// TestTrustedFilesFollowEngineWalk: the files that steer the policies are
// those the engine compiles (policies.WalkRego): *.rego below the policy
// directories, hidden directories skipped; tests are left out, as a check
// never compiles them; a symbolic link is recorded by its target.
func TestTrustedFilesFollowEngineWalk(t *testing.T) {
	root := testkit.TempTree(t, map[string]string{
		"policy/a.rego":          "package a\n",
		"policy/sub/b.rego":      "package b\n",
		"policy/a_test.rego":     "package a_test\n",
		"policy/.hidden/c.rego":  "package c\n",
		"policy/notes.md":        "not rego\n",
		"catalog.yaml":           "gpus: {}\n",
		"elsewhere/outside.rego": "package o\n",
	})
	if err := os.Symlink("../elsewhere/outside.rego", filepath.Join(root, "policy", "link.rego")); err != nil {
		testkit.SkipOrFailf(t, "symlinks unsupported here: %v", err)
	}
	got, err := trustedFiles(root, &schema.Config{Catalog: "catalog.yaml", Policies: []string{"policy", "missing"}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"catalog.yaml":      "gpus: {}\n",
		"policy/a.rego":     "package a\n",
		"policy/link.rego":  "symlink -> ../elsewhere/outside.rego",
		"policy/sub/b.rego": "package b\n",
	}
	gotText := map[string]string{}
	for k, v := range got {
		gotText[k] = string(v)
	}
	if d := cmp.Diff(want, gotText); d != "" {
		t.Errorf("trustedFiles (-want +got):\n%s", d)
	}
}

func TestPickSeries(t *testing.T) {
	two := []actuals.Named{{Name: "eu"}, {Name: "us"}}
	tests := []struct {
		name, series, want, wantErr string
	}{
		{name: "named", series: "us", want: "us"},
		{name: "several, none named: the plan field is the fix", wantErr: "a.csv holds 2 series (eu, us); choose one with series: in the workload's actuals"},
		{name: "named one missing", series: "apac", wantErr: `a.csv has no series "apac" (it holds eu, us); series: in the workload's actuals must name one of them`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := pickSeries(two, "a.csv", tc.series)
			if tc.wantErr != "" {
				var se *seriesError
				if !errors.As(err, &se) || err.Error() != tc.wantErr {
					t.Fatalf("pickSeries(%q) error = %v, want %q", tc.series, err, tc.wantErr)
				}
				return
			}
			if err != nil || got.Name != tc.want {
				t.Fatalf("pickSeries(%q) = %q, %v; want %q", tc.series, got.Name, err, tc.want)
			}
		})
	}
	if got, err := pickSeries(two[:1], "a.csv", ""); err != nil || got.Name != "eu" {
		t.Errorf("pickSeries(one series, no name) = %q, %v; want eu", got.Name, err)
	}
}

// TestInBase: every diagnostic of the base checkout prints with "base: "
// ahead of its position; a plain error names the checkout.
func TestInBase(t *testing.T) {
	ds := diag.Diagnostics{
		{Range: diag.Pos{File: "infra/aws/bad.tf", Line: 3, Column: 2}.Range(), Severity: diag.Error, Msg: "boom"},
		{Range: diag.Pos{File: "capacity/p.yaml", Line: 1, Column: 1}.Range(), Severity: diag.Error, Path: "name", Msg: "bad"},
	}
	got := testkit.Lines(testkit.Diagnostics(t, inBase("../base", ds)))
	sort.Strings(got)
	want := []string{
		"base: capacity/p.yaml:1:1: error: name: bad",
		"base: infra/aws/bad.tf:3:2: error: boom",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("inBase (-want +got):\n%s", d)
	}
	if ds[0].Tree != "" {
		t.Errorf("inBase changed its argument: Tree = %q", ds[0].Tree)
	}
	if got := inBase("../base", errors.New("read x: denied")).Error(); got != "base ../base: read x: denied" {
		t.Errorf("inBase(plain) = %q, want %q", got, "base ../base: read x: denied")
	}
}
