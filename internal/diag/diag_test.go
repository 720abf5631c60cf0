package diag

import (
	"encoding/json"
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
		{"full", Diagnostic{Range: Pos{"capacity/chat.yaml", 12, 5}.Range(), Severity: Error, Path: "pools.h100.gpu", Msg: "bad"},
			"capacity/chat.yaml:12:5: error: pools.h100.gpu: bad"},
		{"no column", Diagnostic{Range: Pos{"infra/gpu.tf", 14, 0}.Range(), Severity: Warning, Msg: "odd"},
			"infra/gpu.tf:14: warning: odd"},
		{"file only, default severity", Diagnostic{Range: Pos{File: "capcheck.yaml"}.Range(), Msg: "x"},
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
		{Range: Pos{"b.tf", 1, 1}.Range(), Msg: "second"},
		{Range: Pos{"a.tf", 9, 2}.Range(), Msg: "first"},
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
		Range: Pos{File: "capacity/a\nb.yaml", Line: 17, Column: 5}.Range(),
		Path:  "pools.l4-usc1.x\n::error file=x::pwned",
		Msg:   "field not allowed\r\n##[error]again",
	}
	want := `capacity/a\nb.yaml:17:5: error: pools.l4-usc1.x\n::error file=x::pwned: field not allowed\r\n##\x5berror]again`
	if got := d.String(); got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if got := (Diagnostics{d}).Error(); strings.ContainsAny(got, "\r\n") {
		t.Errorf("Error() = %q spans lines", got)
	}
}

// TestRangeJSON: a Range embedded in a struct flattens into the outer
// object's keys at its place ("file", "line", "column", then "end_line"
// only when the end is known; the end column never), which is how the
// capcheck/v1 documents keep their keys byte for byte while the types
// share one position.
func TestRangeJSON(t *testing.T) {
	type outer struct {
		Address string `json:"address"`
		Range
		Kind string `json:"kind"`
	}
	tests := []struct {
		name string
		r    Range
		want string
	}{
		{"block range", Range{Pos: Pos{"infra/gpu.tf", 3, 1}, EndLine: 9, EndColumn: 2},
			`{"address":"a","file":"infra/gpu.tf","line":3,"column":1,"end_line":9,"kind":"k"}`},
		{"point", Pos{"capacity/chat.yaml", 12, 5}.Range(),
			`{"address":"a","file":"capacity/chat.yaml","line":12,"column":5,"kind":"k"}`},
		{"unknown", Range{}, `{"address":"a","file":"","line":0,"column":0,"kind":"k"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := json.Marshal(outer{Address: "a", Range: tc.r, Kind: "k"})
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tc.want {
				t.Errorf("json = %s, want %s", b, tc.want)
			}
			var back outer
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			// The end column is not in the JSON, so it does not come back.
			want := tc.r
			want.EndColumn = 0
			if back.Range != want {
				t.Errorf("round trip = %+v, want %+v", back.Range, want)
			}
		})
	}
}

// TestRangeEnd: a Range prints as its start (what file:line:col outputs
// show) and knows its end when the reader gave one.
func TestRangeEnd(t *testing.T) {
	r := Range{Pos: Pos{"infra/gpu.tf", 3, 1}, EndLine: 9, EndColumn: 2}
	if got, want := r.String(), "infra/gpu.tf:3:1"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if got, want := r.End(), (Pos{"infra/gpu.tf", 9, 2}); got != want {
		t.Errorf("End() = %v, want %v", got, want)
	}
	if got := r.Pos.Range().End(); got != (Pos{}) {
		t.Errorf("point End() = %v, want the zero Pos", got)
	}
}

// TestPosAt: offsets count bytes from 1 on each line; an offset on a
// newline belongs to the line it ends; offsets outside the data are
// clamped to it.
func TestPosAt(t *testing.T) {
	data := []byte("ab\r\ncé\nx") // é is 2 bytes: "c"=4, "é"=5-6, "\n"=7, "x"=8
	tests := []struct {
		off       int
		line, col int
		why       string
	}{
		{0, 1, 1, "first byte"},
		{2, 1, 3, "the CR ends line 1: column 3"},
		{3, 1, 4, "the LF too"},
		{4, 2, 1, "after the LF"},
		{7, 2, 4, "c, 2-byte é, then the newline: byte column 4"},
		{8, 3, 1, "x"},
		{9, 3, 2, "the end, just past x"},
		{100, 3, 2, "past the end: clamped to 9"},
		{-5, 1, 1, "negative: clamped to 0"},
	}
	for _, tc := range tests {
		if got, want := PosAt("f.json", data, tc.off), (Pos{"f.json", tc.line, tc.col}); got != want {
			t.Errorf("PosAt(%d) = %v, want %v (%s)", tc.off, got, want, tc.why)
		}
	}
}
