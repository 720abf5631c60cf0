package diag

import (
	"errors"
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
