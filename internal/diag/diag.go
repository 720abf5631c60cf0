// Package diag holds the positioned diagnostics that every capcheck loader
// returns: a problem a user must fix always carries file:line:col, printed the
// way editors and GitHub problem matchers read it
// ("path/file.tf:14:3: error: message").
package diag

import (
	"fmt"
	"sort"
	"strings"
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

// Severity of a diagnostic.
type Severity string

const (
	Error   Severity = "error"
	Warning Severity = "warning"
)

// Diagnostic is one problem at one position.
type Diagnostic struct {
	Pos      Pos      `json:"pos"`
	Severity Severity `json:"severity"`
	// Path is the field path inside the file, when known
	// (for example "pools.h100-use1.lead_time_weeks").
	Path string `json:"path,omitempty"`
	Msg  string `json:"msg"`
}

// String formats d as "file:line:col: error: path: msg".
func (d Diagnostic) String() string {
	var b strings.Builder
	if s := d.Pos.String(); s != "" {
		b.WriteString(s)
		b.WriteString(": ")
	}
	sev := d.Severity
	if sev == "" {
		sev = Error
	}
	b.WriteString(string(sev))
	b.WriteString(": ")
	if d.Path != "" {
		b.WriteString(d.Path)
		b.WriteString(": ")
	}
	b.WriteString(d.Msg)
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
	return Diagnostics{{Pos: pos, Severity: Error, Msg: fmt.Sprintf(format, args...)}}
}
