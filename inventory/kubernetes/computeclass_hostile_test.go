package kubernetes

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/internal/testkit"
	"github.com/capcheck/capcheck/inventory"
)

// TestComputeClassCountHostile: a gpu.count the API would not take is
// unresolved at its value, never read as a number of devices: NaN and
// Inf (strconv.ParseFloat reads both; they were 8 × NaN GPUs), a
// fraction, a negative, a hexadecimal, a binary suffix, out of float
// range. 8e0 is eight. The value is at k8s/c.yaml:7:37 (4 spaces +
// "- gpu: {type: nvidia-l4, count: " is 36 characters).
func TestComputeClassCountHostile(t *testing.T) {
	for _, tc := range []struct {
		count string
		want  float64 // GPUs per node; 0: unresolved
	}{
		{"NaN", 0}, {"Inf", 0}, {"-Infinity", 0}, {"1.5", 0}, {"-8", 0}, {"0x10", 0}, {"8Ki", 0}, {"1e400", 0},
		{"8e0", 8}, {"\"8\"", 8},
	} {
		t.Run(tc.count, func(t *testing.T) {
			dir := t.TempDir()
			testkit.WriteFiles(t, dir, map[string]string{"k8s/c.yaml": "apiVersion: cloud.google.com/v1\nkind: ComputeClass\nmetadata:\n  name: x\nspec:\n  priorities:\n" +
				"    - gpu: {type: nvidia-l4, count: " + tc.count + "}\n"})
			inv := discover(t, dir, Options{})
			if tc.want == 0 {
				if len(inv.Reservations) != 0 {
					t.Errorf("entries %+v, want none", inv.Reservations)
				}
				want := []inventory.Unresolved{{Address: "ComputeClass/x", Range: diag.Pos{File: "k8s/c.yaml", Line: 7, Column: 37}.Range(),
					Msg: "ComputeClass x gpu.count: " + quoteCount(tc.count) + " is not a whole number of devices"}}
				if diff := cmp.Diff(want, inv.Unresolved); diff != "" {
					t.Errorf("unresolved (-want +got):\n%s", diff)
				}
				return
			}
			if len(inv.Unresolved) != 0 || len(inv.Reservations) != 1 || inv.Reservations[0].GPUsPerInstance != tc.want {
				t.Errorf("entries %+v, unresolved %+v; want one class of %v per node", inv.Reservations, inv.Unresolved, tc.want)
			}
		})
	}
}

// quoteCount is the count as the message quotes it (%q of the scalar).
func quoteCount(s string) string { return `"` + s + `"` }
