package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/policies"
)

// annotationLimit is how many annotations of one level GitHub shows per
// step; more are dropped silently.
const annotationLimit = 10

// checkGitHub writes one workflow command per finding
// (https://docs.github.com/actions/reference/workflow-commands-for-github-actions):
// ::error for blocking findings, ::warning for warnings and advisory
// denies, ::notice for excepted and overridden ones. At most ten of each
// level are written, in finding order (blocking first); when any are left
// out, a last ::notice says how many, within the ten notices. Every value
// is escaped, so repository text can neither break a line nor start a
// command of its own.
func checkGitHub(w io.Writer, c *Check, opts Options) error {
	var errs, warns, notes []policies.Finding
	for _, f := range c.Findings {
		switch kindOf(f) {
		case kindBlocking:
			errs = append(errs, f)
		case kindWarning:
			warns = append(warns, f)
		default:
			notes = append(notes, f)
		}
	}
	omittedErrs := max(0, len(errs)-annotationLimit)
	omittedWarns := max(0, len(warns)-annotationLimit)
	noteLimit := annotationLimit
	if omittedErrs > 0 || omittedWarns > 0 || len(notes) > annotationLimit {
		noteLimit-- // room for the summary notice
	}
	omittedNotes := max(0, len(notes)-noteLimit)

	var b strings.Builder
	for _, f := range errs[:len(errs)-omittedErrs] {
		annotate(&b, "error", f, opts)
	}
	for _, f := range warns[:len(warns)-omittedWarns] {
		annotate(&b, "warning", f, opts)
	}
	for _, f := range notes[:len(notes)-omittedNotes] {
		annotate(&b, "notice", f, opts)
	}
	if total := omittedErrs + omittedWarns + omittedNotes; total > 0 {
		var parts []string
		if omittedErrs > 0 {
			parts = append(parts, plural(omittedErrs, "error", "errors"))
		}
		if omittedWarns > 0 {
			parts = append(parts, plural(omittedWarns, "warning", "warnings"))
		}
		if omittedNotes > 0 {
			parts = append(parts, plural(omittedNotes, "notice", "notices"))
		}
		msg := fmt.Sprintf("%s not annotated (%s): GitHub shows at most %d annotations of each level per step; the full list is in the capcheck report",
			plural(total, "finding", "findings"), strings.Join(parts, ", "), annotationLimit)
		b.WriteString("::notice title=" + escapeProperty("capcheck") + "::" + escapeData(msg) + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// annotate writes one ::level command.
func annotate(b *strings.Builder, level string, f policies.Finding, opts Options) {
	var props []string
	if relativePath(f.File) {
		props = append(props, "file="+escapeProperty(opts.repoPath(f.File)))
		if f.Line > 0 {
			props = append(props, "line="+strconv.Itoa(f.Line))
			if f.Column > 0 {
				props = append(props, "col="+strconv.Itoa(f.Column))
			}
		}
	}
	title := f.Rule
	if f.Title != "" {
		title += " " + f.Title
	}
	props = append(props, "title="+escapeProperty(title))
	msg := f.Msg + suffix(f)
	if f.File != "" && !relativePath(f.File) {
		msg = posOr(f, "") + ": " + msg
	}
	b.WriteString("::" + level + " " + strings.Join(props, ",") + "::" + escapeData(msg) + "\n")
}

// escapeData escapes a command's message: repository text is first made
// one line by [diag.Text] (so a line break shows as \n in the annotation,
// as in every other output), then encoded the way the runner unescapes it.
func escapeData(s string) string { return dataEscaper.Replace(diag.Text(s)) }

var (
	dataEscaper     = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")
	propertyEscaper = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C")
)

// escapeProperty escapes a command property value, after [diag.Text].
func escapeProperty(s string) string { return propertyEscaper.Replace(diag.Text(s)) }
