package workspace

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/capcheck/capcheck/policies"
	"github.com/capcheck/capcheck/report"
)

// Output is one rendering of a result: a format and the file it goes to
// ("" or "-": stdout).
type Output struct{ Format, File string }

// FormatList is the formats a result renders in, as "a, b or c".
func FormatList() string {
	fs := report.Formats()
	return strings.Join(fs[:len(fs)-1], ", ") + " or " + fs[len(fs)-1]
}

// PairOutputs pairs formats with out-files in order (default: text);
// formats beyond the out-files go to stdout, and at most one may.
func PairOutputs(formats, files []string) ([]Output, error) {
	if len(formats) == 0 {
		formats = []string{"text"}
	}
	if len(files) > len(formats) {
		return nil, fmt.Errorf("%d --out-file for %d --format", len(files), len(formats))
	}
	known := map[string]bool{}
	for _, f := range report.Formats() {
		known[f] = true
	}
	var outs []Output
	stdout := 0
	for i, f := range formats {
		if !known[f] {
			return nil, fmt.Errorf("unknown format %q (want %s)", f, FormatList())
		}
		o := Output{Format: f}
		if i < len(files) {
			o.File = files[i]
		} else {
			stdout++
		}
		outs = append(outs, o)
	}
	if stdout > 1 {
		return nil, fmt.Errorf("%d formats would go to stdout; give each but one an --out-file", stdout)
	}
	return outs, nil
}

// Emit renders chk in every output before writing any of them, so a
// rendering error never leaves a partial report behind.
func Emit(stdout io.Writer, outputs []Output, chk *report.Check, opts report.Options) error {
	rendered := make([][]byte, len(outputs))
	for i, o := range outputs {
		var buf bytes.Buffer
		oo := opts.ForStdout(stdout) // --color and --quiet are for what is printed
		if o.File != "" && o.File != "-" {
			oo.Color, oo.Quiet = false, false
		}
		if err := report.Write(&buf, o.Format, chk, oo); err != nil {
			return err
		}
		rendered[i] = buf.Bytes()
	}
	for i, o := range outputs {
		if o.File == "" || o.File == "-" {
			if _, err := stdout.Write(rendered[i]); err != nil {
				return err
			}
			continue
		}
		if err := os.WriteFile(o.File, rendered[i], 0o644); err != nil {
			return fmt.Errorf("write report: %w", err)
		}
	}
	return nil
}

// Origin is where a result's links point: the repository, the commit and
// the GitHub server; empty fields come from the GitHub Actions
// environment.
type Origin struct{ Repo, SHA, ServerURL string }

// RenderOptions are the rendering options of a run that began at started
// and ends at now: the origin's fields first, then the GitHub Actions
// environment (GITHUB_REPOSITORY, GITHUB_SHA, GITHUB_SERVER_URL), the
// build's version, the run's duration and the host.
func RenderOptions(getenv func(string) string, started, now time.Time, rules []policies.Rule, o Origin, version string) report.Options {
	host, _ := os.Hostname() // "" renders as localhost
	return report.Options{
		Rules:     rules,
		Repo:      cmp.Or(o.Repo, getenv("GITHUB_REPOSITORY")),
		SHA:       cmp.Or(o.SHA, getenv("GITHUB_SHA")),
		ServerURL: cmp.Or(o.ServerURL, getenv("GITHUB_SERVER_URL"), report.DefaultServerURL),
		Version:   version,
		Started:   started,
		Elapsed:   now.Sub(started),
		Hostname:  host,
	}
}
