package action

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

// AppendSummary appends markdown to the job summary file
// ($GITHUB_STEP_SUMMARY), ending it with a blank line so that the next
// step's summary starts a new block.
func AppendSummary(path, markdown string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("write job summary: %w", err)
	}
	if !strings.HasSuffix(markdown, "\n") {
		markdown += "\n"
	}
	if _, err := f.WriteString(markdown + "\n"); err != nil {
		f.Close()
		return fmt.Errorf("write job summary: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write job summary: %w", err)
	}
	return nil
}

// Output is one step output.
type Output struct{ Name, Value string }

// AppendOutputs appends step outputs to the $GITHUB_OUTPUT file as
// name=value lines. Values are single lines (outcomes, URLs): one with a
// line break is refused, since it could set other outputs.
func AppendOutputs(path string, outs ...Output) error {
	var b strings.Builder
	for _, o := range outs {
		if o.Name == "" || strings.ContainsAny(o.Name, "=\r\n") || strings.ContainsAny(o.Value, "\r\n") {
			return fmt.Errorf("step output %q: name and value must be single lines", o.Name)
		}
		b.WriteString(o.Name + "=" + o.Value + "\n")
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("write step outputs: %w", err)
	}
	if _, err := f.WriteString(b.String()); err != nil {
		f.Close()
		return fmt.Errorf("write step outputs: %w", err)
	}
	return f.Close()
}

// Warning is a ::warning workflow command
// (https://docs.github.com/actions/reference/workflow-commands-for-github-actions),
// escaped so that msg can neither break the line nor start a command.
func Warning(title, msg string) string {
	return "::warning title=" + propertyEscaper.Replace(title) + "::" + dataEscaper.Replace(msg) + "\n"
}

var (
	dataEscaper     = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")
	propertyEscaper = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C")
)

// NoPermissionHelp explains a failed write to the user: why it happens and
// what to do.
func NoPermissionHelp(err error) string {
	var pe *PermissionError
	if !errors.As(err, &pe) {
		return err.Error()
	}
	return fmt.Sprintf("could not post: %s. The token cannot write here: a pull request from a fork runs with a "+
		"read-only GITHUB_TOKEN (or the workflow lacks `permissions: pull-requests: write`, or `issues: write` for the audit issue). "+
		"The report is in the job summary and the findings are annotated. To get the comment on fork PRs, use the two-stage "+
		"workflow: `pull_request` evaluates and uploads the result, `workflow_run` posts it with `capcheck comment github --pr N`.", pe)
}
