package diag

import (
	"errors"
	"strings"
	"testing"
)

func TestDiagnosticString(t *testing.T) {
	tests := []struct {
		name string
		d    Diagnostic
		want string
	}{
		{"full", Diagnostic{Pos: Pos{"capacity/chat.yaml", 12, 5}, Severity: Error, Path: "pools.h100.gpu", Msg: "bad"},
			"capacity/chat.yaml:12:5: error: pools.h100.gpu: bad"},
		{"no column", Diagnostic{Pos: Pos{"infra/gpu.tf", 14, 0}, Severity: Warning, Msg: "odd"},
			"infra/gpu.tf:14: warning: odd"},
		{"file only, default severity", Diagnostic{Pos: Pos{File: "capcheck.yaml"}, Msg: "x"},
			"capcheck.yaml: error: x"},
		{"no position", Diagnostic{Msg: "x"}, "error: x"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.d.String(); got != tc.want {
				t.Errorf("String() = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestErrNeverTypedNil: an empty or warnings-only list is a nil error, not
// a non-nil interface holding a nil slice.
func TestErrNeverTypedNil(t *testing.T) {
	var empty Diagnostics
	if err := empty.Err(); err != nil {
		t.Errorf("empty.Err() = %v, want nil", err)
	}
	warn := Diagnostics{{Severity: Warning, Msg: "w"}}
	if err := warn.Err(); err != nil {
		t.Errorf("warnings-only Err() = %v, want nil", err)
	}
	ds := Diagnostics{
		{Pos: Pos{"b.tf", 1, 1}, Msg: "second"},
		{Pos: Pos{"a.tf", 9, 2}, Msg: "first"},
	}
	err := ds.Err()
	var got Diagnostics
	if !errors.As(err, &got) {
		t.Fatalf("Err() = %v, want Diagnostics", err)
	}
	if want := "a.tf:9:2: error: first\nb.tf:1:1: error: second"; err.Error() != want {
		t.Errorf("Error() = %q, want sorted %q", err.Error(), want)
	}
}

// TestText: repository text never starts a line of its own, never opens
// a workflow command and never runs a terminal escape, whatever output it
// lands in; text that needs nothing comes back unchanged.
func TestText(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "pools.h100-use1.gpu", "pools.h100-use1.gpu"},
		{"unicode kept", "Zürich — 東京", "Zürich — 東京"},
		{"colons inside kept", "a::b and file:1:2", "a::b and file:1:2"},
		{"newline command", "x\n::error file=x::pwned", `x\n::error file=x::pwned`},
		{"carriage return ends a runner line", "x\r::warning::w", `x\r::warning::w`},
		{"crlf", "a\r\nb", `a\r\nb`},
		{"leading command", "::error::pwned", `\x3a:error::pwned`},
		{"leading command after spaces", "  \u00a0::add-mask::x", "  \u00a0\\x3a:add-mask::x"},
		{"old command syntax anywhere", "ok ##[error]pwned", `ok ##\x5berror]pwned`},
		{"tab", "a\tb", `a\tb`},
		{"terminal escape", "\x1b[31mred", `\x1b[31mred`},
		{"NEL and line separator", "a\u0085b\u2028c\u2029d", `a\u0085b\u2028c\u2029d`},
		{"bidi override", "abc\u202edef", `abc\u202edef`},
		{"invalid UTF-8", "a\xffb", `a\xffb`},
		{"replacement character kept", "a\uFFFDb\n", "a\uFFFDb\\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Text(tc.in)
			if got != tc.want {
				t.Errorf("Text(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if Text(got) != got {
				t.Errorf("Text(%q) = %q, not stable under a second Text", got, Text(got))
			}
		})
	}
}

// TestDiagnosticStringOneLine: a field path or message holding a line
// break (a YAML key "x\n::error file=x::pwned") stays on the diagnostic's
// line, so stderr in a GitHub job never gets a line starting with "::".
func TestDiagnosticStringOneLine(t *testing.T) {
	d := Diagnostic{
		Pos:  Pos{File: "capacity/a\nb.yaml", Line: 17, Column: 5},
		Path: "pools.l4-usc1.x\n::error file=x::pwned",
		Msg:  "field not allowed\r\n##[error]again",
	}
	want := `capacity/a\nb.yaml:17:5: error: pools.l4-usc1.x\n::error file=x::pwned: field not allowed\r\n##\x5berror]again`
	if got := d.String(); got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if got := (Diagnostics{d}).Error(); strings.ContainsAny(got, "\r\n") {
		t.Errorf("Error() = %q spans lines", got)
	}
}
