package action

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"cuelang.org/go/cue/cuecontext"
	cueyaml "cuelang.org/go/encoding/yaml"
	"github.com/capcheck/capcheck/internal/testkit"
	"github.com/google/go-cmp/cmp"
)

// step is a step of a composite action or a workflow job.
type step struct {
	Name  string            `json:"name"`
	ID    string            `json:"id"`
	If    string            `json:"if"`
	Shell string            `json:"shell"`
	Run   string            `json:"run"`
	Uses  string            `json:"uses"`
	Env   map[string]string `json:"env"`
	With  map[string]any    `json:"with"`
}

type actionFile struct {
	Name   string `json:"name"`
	Inputs map[string]struct {
		Description string `json:"description"`
		Default     string `json:"default"`
	} `json:"inputs"`
	Outputs map[string]struct {
		Value string `json:"value"`
	} `json:"outputs"`
	Runs struct {
		Using string `json:"using"`
		Steps []step `json:"steps"`
	} `json:"runs"`
}

type workflowFile struct {
	Permissions map[string]string `json:"permissions"`
	Jobs        map[string]struct {
		Steps []step `json:"steps"`
	} `json:"jobs"`
}

// decodeYAML reads a YAML file through CUE (no other YAML library).
func decodeYAML(t *testing.T, path string, v any) {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := cueyaml.Extract(path, src)
	if err != nil {
		t.Fatal(err)
	}
	val := cuecontext.New().BuildFile(f)
	if err := val.Err(); err != nil {
		t.Fatal(err)
	}
	if err := val.Decode(v); err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
}

func loadAction(t *testing.T) *actionFile {
	var a actionFile
	decodeYAML(t, "action.yml", &a)
	return &a
}

func stepByID(t *testing.T, a *actionFile, id string) step {
	t.Helper()
	for _, s := range a.Runs.Steps {
		if s.ID == id {
			return s
		}
	}
	t.Fatalf("action.yml has no step %q", id)
	return step{}
}

func TestActionMetadata(t *testing.T) {
	a := loadAction(t)
	if a.Runs.Using != "composite" {
		t.Errorf("runs.using = %q, want composite", a.Runs.Using)
	}
	defaults := map[string]string{}
	for name, in := range a.Inputs {
		defaults[name] = in.Default
		if in.Description == "" {
			t.Errorf("input %s has no description", name)
		}
	}
	want := map[string]string{
		"path": ".", "base-path": "", "config": "", "github-token": "${{ github.token }}", "behavior": "update",
		"fail-on-warn": "false", "policy": "", "comment": "true", "version": "", "terraform-init": "auto",
	}
	if diff := cmp.Diff(want, defaults); diff != "" {
		t.Errorf("inputs and defaults (-want +got):\n%s", diff)
	}
	var outs []string
	for name := range a.Outputs {
		outs = append(outs, name)
	}
	sort.Strings(outs)
	if diff := cmp.Diff([]string{"comment-url", "result-json", "verdict"}, outs); diff != "" {
		t.Errorf("outputs (-want +got):\n%s", diff)
	}

	// The verdict fails the job only after the comment is posted.
	var order []string
	for _, s := range a.Runs.Steps {
		order = append(order, s.Name)
		if s.Run != "" && s.Shell != "bash" {
			t.Errorf("step %q: shell %q, want bash (composite steps must name one)", s.Name, s.Shell)
		}
	}
	// Terraform modules are installed before the check reads them.
	if diff := cmp.Diff([]string{"Download capcheck", "Look for Go", "Set up Go", "Build capcheck",
		"Find Terraform roots with remote modules", "Set up Terraform", "Install Terraform modules",
		"Check", "Comment", "Job summary", "Verdict"}, order); diff != "" {
		t.Errorf("steps (-want +got):\n%s", diff)
	}
	if s := stepByID(t, a, "check"); !strings.Contains(s.Run, "set +e") {
		t.Error("the Check step does not capture check's exit code")
	}
	if s := stepByID(t, a, "comment"); !strings.Contains(s.Run, "capcheck comment github") || s.Env["GITHUB_TOKEN"] != "${{ inputs.github-token }}" {
		t.Errorf("the Comment step does not post with the input token: %+v", s)
	}
}

// TestNoExpressionsInScripts: no `${{ … }}` inside a run script of the
// action or of any workflow. Event fields (PR titles, branch names) and
// inputs reach scripts only through env:, so they are data to the shell,
// never code.
func TestNoExpressionsInScripts(t *testing.T) {
	check := func(file string, steps []step) {
		for _, s := range steps {
			if strings.Contains(s.Run, "${{") {
				t.Errorf("%s: step %q interpolates an expression into its script", file, s.Name)
			}
		}
	}
	check("action.yml", loadAction(t).Runs.Steps)
	files, _ := filepath.Glob("../.github/workflows/*.yml")
	if len(files) < 5 {
		t.Fatalf("found %d workflows in ../.github/workflows, want ci.yml and the four examples", len(files))
	}
	for _, f := range files {
		var w workflowFile
		decodeYAML(t, f, &w)
		for name, j := range w.Jobs {
			check(f+" job "+name, j.Steps)
		}
	}
}

// TestShellcheckAction runs shellcheck on the action's scripts, which
// actionlint does not read (it lints workflows). Skipped when shellcheck is
// not installed (.ci/run installs it).
func TestShellcheckAction(t *testing.T) {
	bin := testkit.NeedCommand(t, "shellcheck", ".ci/run installs Debian's shellcheck package")
	for _, s := range loadAction(t).Runs.Steps {
		if s.Run == "" {
			continue
		}
		cmd := exec.Command(bin, "--shell=bash", "--severity=style", "-")
		cmd.Stdin = strings.NewReader(s.Run)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("shellcheck on step %q: %v\n%s", s.Name, err, out)
		}
	}
}

// runStep runs one of the action's bash scripts the way the runner does
// (bash -e -o pipefail) with env, a fake capcheck first on PATH and fresh
// GITHUB_OUTPUT and RUNNER_TEMP; it returns the exit code and the step
// outputs written.
func runStep(t *testing.T, s step, env map[string]string, fakeCapcheck string) (int, string, string) {
	t.Helper()
	bash := testkit.NeedCommand(t, "bash", "the GitHub runner's shell for run: steps")
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	os.MkdirAll(bin, 0o755)
	if err := os.WriteFile(filepath.Join(bin, "capcheck"), []byte("#!/usr/bin/env bash\n"+fakeCapcheck), 0o755); err != nil {
		t.Fatal(err)
	}
	outputs := filepath.Join(dir, "outputs")
	cmd := exec.Command(bash, "--noprofile", "--norc", "-e", "-o", "pipefail", "-c", s.Run)
	cmd.Dir = dir
	cmd.Env = []string{
		"PATH=" + bin + ":" + os.Getenv("PATH"),
		"GITHUB_OUTPUT=" + outputs,
		"RUNNER_TEMP=" + filepath.Join(dir, "tmp"),
	}
	os.MkdirAll(filepath.Join(dir, "tmp"), 0o755)
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	cmd.Stdout = &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(outputs)
	return code, strings.ReplaceAll(string(got), dir, "$DIR"), stderr.String()
}

// TestCheckStep runs the Check step with a fake capcheck that records its
// arguments, writes the result and exits with a given code: the step
// itself never fails, and its outputs carry the exit code and verdict.
func TestCheckStep(t *testing.T) {
	s := stepByID(t, loadAction(t), "check")
	// The fake writes a result for exit 0 and 1 (as check does), none for 2.
	fake := `printf '%s\n' "$@" > "$RUNNER_TEMP/args"
if [ "$FAKE_CODE" -le 1 ]; then
  printf '{\n  "version": "capcheck/v1",\n  "verdict": "%s",\n  "pools": [{"verdict": "x"}]\n}\n' "$FAKE_VERDICT" > "$RUNNER_TEMP/capcheck/result.json"
fi
cat "$RUNNER_TEMP/args" > /dev/null
exit "$FAKE_CODE"
`
	tests := []struct {
		name        string
		env         map[string]string
		wantOutputs string
	}{
		{
			name: "fail with every option",
			env: map[string]string{"FAKE_CODE": "1", "FAKE_VERDICT": "fail", "INPUT_PATH": "-odd dir", "INPUT_BASE_PATH": ".capcheck-base",
				"INPUT_CONFIG": "capcheck.yaml", "INPUT_POLICY": "policies/a\n\npolicies/b c\n", "INPUT_FAIL_ON_WARN": "true",
				"HEAD_SHA": "0123456789abcdef0123456789abcdef01234567"},
			wantOutputs: "exit-code=1\nverdict=fail\nresult-json=$DIR/tmp/capcheck/result.json\nmarkdown=$DIR/tmp/capcheck/comment.md\n",
		},
		{
			name:        "warn",
			env:         map[string]string{"FAKE_CODE": "0", "FAKE_VERDICT": "warn", "INPUT_PATH": ".", "HEAD_SHA": "abc"},
			wantOutputs: "exit-code=0\nverdict=warn\nresult-json=$DIR/tmp/capcheck/result.json\nmarkdown=$DIR/tmp/capcheck/comment.md\n",
		},
		{
			name:        "could not evaluate: no result, nothing to post",
			env:         map[string]string{"FAKE_CODE": "2", "INPUT_PATH": ".", "HEAD_SHA": "abc"},
			wantOutputs: "exit-code=2\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, outputs, log := runStep(t, s, tc.env, fake)
			if code != 0 {
				t.Fatalf("the Check step failed (exit %d):\n%s", code, log)
			}
			if outputs != tc.wantOutputs {
				t.Errorf("outputs = %q, want %q", outputs, tc.wantOutputs)
			}
		})
	}
	t.Run("arguments", func(t *testing.T) {
		env := tests[0].env
		// Run again to read the recorded arguments.
		sArgs := s
		sArgs.Run = s.Run + "\ncat \"$RUNNER_TEMP/args\" >&2\n"
		_, _, log := runStep(t, sArgs, env, fake)
		want := strings.Join([]string{"check",
			"--format", "json", "--out-file", "$T/capcheck/result.json",
			"--format", "markdown", "--out-file", "$T/capcheck/comment.md",
			"--format", "github",
			"--base", ".capcheck-base", "--config", "capcheck.yaml",
			"--policy", "policies/a", "--policy", "policies/b c",
			"--fail-on-warn", "--sha", "0123456789abcdef0123456789abcdef01234567", "--", "-odd dir"}, "\n") + "\n"
		if got := replaceTemp(log); got != want {
			t.Errorf("capcheck arguments:\n%s\nwant:\n%s", got, want)
		}
	})
}

// replaceTemp turns the absolute RUNNER_TEMP in a log into $T.
func replaceTemp(log string) string {
	var out []string
	for _, line := range strings.Split(strings.TrimSuffix(log, "\n"), "\n") {
		if i := strings.Index(line, "/tmp/capcheck/"); i >= 0 {
			line = "$T" + line[i+len("/tmp"):]
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n") + "\n"
}

// TestVerdictStep: the last step fails with check's exit code, then with
// the comment's, and passes otherwise.
func TestVerdictStep(t *testing.T) {
	s := stepByID(t, loadAction(t), "verdict")
	tests := []struct {
		name     string
		env      map[string]string
		wantCode int
	}{
		{"pass, comment posted", map[string]string{"CHECK_CODE": "0", "COMMENT_CODE": "0", "VERDICT": "pass"}, 0},
		{"warn, no comment step", map[string]string{"CHECK_CODE": "0", "VERDICT": "warn"}, 0},
		{"policy failure", map[string]string{"CHECK_CODE": "1", "COMMENT_CODE": "0", "VERDICT": "fail"}, 1},
		{"could not evaluate", map[string]string{"CHECK_CODE": "2"}, 2},
		{"check never ran", map[string]string{}, 2},
		{"comment API error", map[string]string{"CHECK_CODE": "0", "COMMENT_CODE": "2", "VERDICT": "pass"}, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, log := runStep(t, s, tc.env, "exit 99\n")
			if code != tc.wantCode {
				t.Errorf("exit %d, want %d; log:\n%s", code, tc.wantCode, log)
			}
		})
	}
}
