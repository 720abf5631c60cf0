package action

import (
	"strings"
	"testing"
)

// TestCheckStepOverride: the Check step asks for the GitHub-verified
// override on pull request events only, and hands check the input token.
func TestCheckStepOverride(t *testing.T) {
	s := stepByID(t, loadAction(t), "check")
	if got, want := s.Env["GITHUB_TOKEN"], "${{ inputs.github-token }}"; got != want {
		t.Errorf("Check step env GITHUB_TOKEN = %q, want %q", got, want)
	}
	fake := `printf '%s\n' "$@" > "$RUNNER_TEMP/args"
exit 0
`
	s.Run += "\ncat \"$RUNNER_TEMP/args\" >&2\n"
	base := []string{"check",
		"--format", "json", "--out-file", "$T/capcheck/result.json",
		"--format", "markdown", "--out-file", "$T/capcheck/comment.md",
		"--format", "github"}
	tail := []string{"--sha", "abc", "--", "."}
	for _, tc := range []struct {
		event    string
		override bool
	}{
		{event: "pull_request", override: true},
		{event: "pull_request_target", override: true},
		{event: "push", override: false},
		{event: "workflow_run", override: false},
		{event: "", override: false},
	} {
		t.Run(tc.event, func(t *testing.T) {
			env := map[string]string{"INPUT_PATH": ".", "HEAD_SHA": "abc"}
			if tc.event != "" {
				env["GITHUB_EVENT_NAME"] = tc.event
			}
			code, _, log := runStep(t, s, env, fake)
			if code != 0 {
				t.Fatalf("the Check step failed (exit %d):\n%s", code, log)
			}
			args := append([]string{}, base...)
			if tc.override {
				args = append(args, "--github-override")
			}
			want := strings.Join(append(args, tail...), "\n") + "\n"
			if got := replaceTemp(log); got != want {
				t.Errorf("capcheck arguments:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}
