// Package diag holds the positioned diagnostics that every capcheck loader
// returns: a problem a user must fix always carries file:line:col, printed the
// way editors and GitHub problem matchers read it
// ("path/file.tf:14:3: error: message").
package diag

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Pos is a position in a repository file. File is relative to the
// repository root (slash-separated); Line and Column are 1-based, and zero
// when unknown.
type Pos struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Column int    `json:"column"`
}

// IsValid reports whether p names a file.
func (p Pos) IsValid() bool { return p.File != "" }

// String formats p as file:line:col, dropping parts that are unknown.
func (p Pos) String() string {
	switch {
	case p.File == "":
		return ""
	case p.Line == 0:
		return p.File
	case p.Column == 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Column)
}

// Range is a span of one repository file: Pos is where it starts and
// EndLine, EndColumn where it ends (1-based, inclusive line, exclusive
// column, as hcl.Range counts them); the end is zero when unknown (a
// point). It is the one position type every reader, finding and output
// carries (docs/ARCHITECTURE.md, "Packages").
//
// Embedded in a struct, a Range flattens into its JSON as the capcheck/v1
// keys "file", "line", "column" and, when the end is known, "end_line";
// the end column is in no JSON. Range has no MarshalJSON of its own, so
// embedding it never takes over the outer type's encoding.
type Range struct {
	Pos
	EndLine   int `json:"end_line,omitempty"`
	EndColumn int `json:"-"`
}

// Range returns the point range at p: it starts at p and has no end.
func (p Pos) Range() Range { return Range{Pos: p} }

// End returns where r ends, or a zero Pos when its end is unknown.
func (r Range) End() Pos {
	if r.EndLine == 0 {
		return Pos{}
	}
	return Pos{File: r.File, Line: r.EndLine, Column: r.EndColumn}
}

// PosAt is the position of byte offset off in data, the contents of file:
// a 1-based line and a 1-based column counted in bytes (as HCL and CUE
// count them). An offset outside data is clamped to it, so a decoder's
// offset past the end points at the end. It is the one offset → line:col
// rule every reader uses.
func PosAt(file string, data []byte, off int) Pos {
	off = max(0, min(off, len(data)))
	return Pos{File: file, Line: 1 + bytes.Count(data[:off], []byte{'\n'}), Column: off - bytes.LastIndexByte(data[:off], '\n')}
}

// Severity of a diagnostic.
type Severity string

const (
	Error   Severity = "error"
	Warning Severity = "warning"
)

// Diagnostic is one problem at one position: Range is what it is about
// (hcl.Diagnostic's Subject; a point when the reader knows no end, and
// Pos, its start, is what prints), Context the construct around it when
// the reader gives one (hcl.Diagnostic's Context).
type Diagnostic struct {
	Range    `json:"pos"`
	Context  Range    `json:"context,omitzero"`
	Severity Severity `json:"severity"`
	// Path is the field path inside the file, when known
	// (for example "pools.h100-use1.lead_time_weeks").
	Path string `json:"path,omitempty"`
	Msg  string `json:"msg"`
	// Tree names the checkout the diagnostic comes from when a run reads
	// two ("base" for the base of a PR diff); "" is the tree at PATH.
	Tree string `json:"tree,omitempty"`
}

// String formats d as "file:line:col: error: path: msg", on one line:
// the file, path and message come from the repository (a YAML key may
// hold a newline), so each is printed through [Text]. A diagnostic of
// another tree starts with its name: "base: file:line:col: error: msg".
func (d Diagnostic) String() string {
	var b strings.Builder
	if d.Tree != "" {
		b.WriteString(Text(d.Tree))
		b.WriteString(": ")
	}
	if s := d.Pos.String(); s != "" {
		b.WriteString(Text(s))
		b.WriteString(": ")
	}
	sev := d.Severity
	if sev == "" {
		sev = Error
	}
	b.WriteString(Text(string(sev)))
	b.WriteString(": ")
	if d.Path != "" {
		b.WriteString(Text(d.Path))
		b.WriteString(": ")
	}
	b.WriteString(Text(d.Msg))
	return b.String()
}

// Diagnostics is a list of problems. It is an error only when it holds at
// least one diagnostic of severity Error; use Err to return it so that an
// empty list never becomes a non-nil error (the typed-nil trap).
type Diagnostics []Diagnostic

// Error joins the diagnostics one per line.
func (ds Diagnostics) Error() string {
	lines := make([]string, len(ds))
	for i, d := range ds {
		lines[i] = d.String()
	}
	return strings.Join(lines, "\n")
}

// HasErrors reports whether any diagnostic is an error.
func (ds Diagnostics) HasErrors() bool {
	for _, d := range ds {
		if d.Severity == Error || d.Severity == "" {
			return true
		}
	}
	return false
}

// Err returns ds as an error if it has errors, and nil otherwise.
func (ds Diagnostics) Err() error {
	if ds.HasErrors() {
		ds.Sort()
		return ds
	}
	return nil
}

// Sort orders diagnostics by file, line, column, then message, so output is
// deterministic however the loaders were scheduled.
func (ds Diagnostics) Sort() {
	sort.SliceStable(ds, func(i, j int) bool {
		a, b := ds[i], ds[j]
		if a.Tree != b.Tree {
			return a.Tree < b.Tree
		}
		if a.Pos.File != b.Pos.File {
			return a.Pos.File < b.Pos.File
		}
		if a.Pos.Line != b.Pos.Line {
			return a.Pos.Line < b.Pos.Line
		}
		if a.Pos.Column != b.Pos.Column {
			return a.Pos.Column < b.Pos.Column
		}
		return a.Msg < b.Msg
	})
}

// Errorf returns a one-diagnostic error at pos.
func Errorf(pos Pos, format string, args ...any) Diagnostics {
	return Diagnostics{{Range: pos.Range(), Severity: Error, Msg: fmt.Sprintf(format, args...)}}
}

// Text makes s, text that came from the repository or a saved result, safe
// to print inside one line of a line-oriented output: a diagnostic on
// stderr, the text report, a GitHub workflow command, a Markdown table
// cell. It is the one escaping rule every output applies to such text
// (report builds its Markdown and HTML escapes on it):
//
//   - line breaks and every other control character are shown as Go
//     escapes (\n, \r, \t, \x1b, \u0085), and so are the Unicode line and
//     paragraph separators and the bidirectional formatting characters
//     (\u2028, \u202e), so s can never start a line of its own, move the
//     cursor or read differently from what it is;
//   - a leading "::" (after any spaces, which the Actions runner trims)
//     is written "\x3a:", so s cannot be a workflow command even where it
//     opens a line (https://docs.github.com/actions/reference/workflow-commands-for-github-actions);
//   - "##[", the runner's older command prefix, which it looks for
//     anywhere in a line, is written "##\x5b";
//   - a byte that is not UTF-8 is shown as \xff.
//
// Text that needs none of this is returned unchanged.
func Text(s string) string {
	if !needsEscape(s) {
		return s
	}
	var b strings.Builder
	lead := true // no rune other than a space written yet
	for i, r := range s {
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD"): // an invalid byte
			fmt.Fprintf(&b, `\x%02x`, s[i])
			lead = false
			continue
		case unsafeRune(r):
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
			lead = false
			continue
		case lead && r == ':' && strings.HasPrefix(s[i:], "::"):
			b.WriteString(`\x3a`)
			lead = false
			continue
		case r == '[' && strings.HasSuffix(s[:i], "##"):
			b.WriteString(`\x5b`)
			continue
		}
		if !unicode.IsSpace(r) {
			lead = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// needsEscape reports whether [Text] changes s.
func needsEscape(s string) bool {
	return !utf8.ValidString(s) || strings.ContainsFunc(s, unsafeRune) || strings.Contains(s, "##[") ||
		strings.HasPrefix(strings.TrimLeftFunc(s, unicode.IsSpace), "::")
}

// unsafeRune is a control character, a Unicode line or paragraph separator
// or a bidirectional formatting character (which can make text read
// differently from what it is).
func unsafeRune(r rune) bool {
	return unicode.IsControl(r) || r == 0x2028 || r == 0x2029 ||
		(r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069) ||
		r == 0x200E || r == 0x200F || r == 0x061C
}
