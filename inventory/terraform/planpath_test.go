package terraform

import (
	"path/filepath"
	"testing"

	"github.com/capcheck/capcheck/internal/testkit"
	"github.com/google/go-cmp/cmp"
)

// planOne is a plan reserving 3 × p5.48xlarge (8 H100) = 24 GPUs.
const planOne = `{"planned_values": {"root_module": {"resources": [
{"address": "aws_ec2_capacity_reservation.x", "mode": "managed", "type": "aws_ec2_capacity_reservation", "name": "x",
 "values": {"instance_type": "p5.48xlarge", "instance_count": 3, "availability_zone": "us-east-1a", "end_date": null, "end_date_type": "unlimited"}}]}}}`

// TestLoadPlanJSONConfined: a plan file the repository names stays in the
// repository, as written and through links (before, a link made capcheck
// read /etc/passwd); one the user names is read where it is, absolute or
// not, and named as the caller says.
func TestLoadPlanJSONConfined(t *testing.T) {
	top := testkit.TempTree(t, map[string]string{"outside.json": planOne, "repo/in.json": planOne})
	repo := filepath.Join(top, "repo")
	symlinks(t, repo, map[string]string{"out.json": "../outside.json", "link.json": "in.json"})
	tests := []struct{ rel, want string }{
		{rel: "in.json"},
		{rel: "link.json"},
		{rel: "out.json", want: "load plan out.json: resolves outside the repository"},
		{rel: "../outside.json", want: "load plan ../outside.json: is outside the repository"},
		{rel: "nope.json", want: "load plan nope.json: no such file or directory"},
	}
	for _, tc := range tests {
		inv, err := LoadPlanJSON(repo, tc.rel, nil)
		got := ""
		if err != nil {
			got = err.Error()
		} else if len(inv.Reservations) != 1 || inv.Reservations[0].GPUs != 24 || inv.Reservations[0].File != tc.rel {
			t.Errorf("LoadPlanJSON(%q) = %+v, want one 24-GPU reservation in %s", tc.rel, inv.Reservations, tc.rel)
		}
		if got != tc.want {
			t.Errorf("LoadPlanJSON(%q) error = %q, want %q", tc.rel, got, tc.want)
		}
	}

	abs := filepath.Join(top, "outside.json")
	inv, err := LoadPlanJSONFile(abs, "plans/outside.json", nil)
	if err != nil {
		t.Fatalf("LoadPlanJSONFile(%s): %v", abs, err)
	}
	type row struct {
		File string
		GPUs float64
	}
	if d := cmp.Diff([]row{{"plans/outside.json", 24}}, []row{{inv.Reservations[0].File, inv.Reservations[0].GPUs}}); d != "" {
		t.Errorf("LoadPlanJSONFile mismatch (-want +got):\n%s", d)
	}
	if _, err := LoadPlanJSONFile(filepath.Join(top, "missing.json"), "missing.json", nil); err == nil || err.Error() != "load plan "+filepath.ToSlash(filepath.Join(top, "missing.json"))+": no such file or directory" {
		t.Errorf("LoadPlanJSONFile(missing) error = %v", err)
	}
}
