package terraform

import (
	"testing"

	"github.com/capcheck/capcheck/internal/diag"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
)

// TestFromHCLKeepsRanges: an hcl diagnostic's Subject becomes the
// diagnostic's range (start and end) and its Context the context range,
// as STYLE's "Ranges, not points" asks; a diagnostic without a subject
// has no position rather than a made-up one, and the printed form is the
// subject's start.
func TestFromHCLKeepsRanges(t *testing.T) {
	// `instance_count = "four"` on line 3 of a block spanning lines 1-6:
	// the value "four" is columns 21-27 (end exclusive), the block 1:1-6:2.
	subject := hcl.Range{Filename: "infra/gpu.tf", Start: hcl.Pos{Line: 3, Column: 21, Byte: 70}, End: hcl.Pos{Line: 3, Column: 27, Byte: 76}}
	context := hcl.Range{Filename: "infra/gpu.tf", Start: hcl.Pos{Line: 1, Column: 1}, End: hcl.Pos{Line: 6, Column: 2}}
	hd := hcl.Diagnostics{
		{Severity: hcl.DiagError, Summary: "Incorrect attribute value type", Detail: "a number is required", Subject: &subject, Context: &context},
		{Severity: hcl.DiagWarning, Summary: "no subject"},
	}
	got := fromHCL(hd)
	want := diag.Diagnostics{
		{
			Range:    diag.Range{Pos: diag.Pos{File: "infra/gpu.tf", Line: 3, Column: 21}, EndLine: 3, EndColumn: 27},
			Context:  diag.Range{Pos: diag.Pos{File: "infra/gpu.tf", Line: 1, Column: 1}, EndLine: 6, EndColumn: 2},
			Severity: diag.Error, Msg: "Incorrect attribute value type; a number is required",
		},
		{Severity: diag.Warning, Msg: "no subject"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("fromHCL mismatch (-want +got):\n%s", d)
	}
	if s, want := got[0].String(), "infra/gpu.tf:3:21: error: Incorrect attribute value type; a number is required"; s != want {
		t.Errorf("String() = %q, want %q", s, want)
	}
}
