package terraform

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/capcheck/capcheck/inventory"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// planMatchesHCL reads the configuration and the `terraform show -json`
// plan of the same archive and requires the same inventory from both (but
// for positions, which point into different files); it returns the plan's.
func planMatchesHCL(t *testing.T, archive string) *inventory.Inventory {
	t.Helper()
	dir := extract(t, archive, "")
	fromHCL := discover(t, dir, Options{})
	fromPlan, err := LoadPlanJSON(dir, "plan.json", nil)
	if err != nil {
		t.Fatalf("LoadPlanJSON: %v", err)
	}
	ignorePos := cmpopts.IgnoreFields(inventory.Entry{}, "Root", "Range")
	if d := cmp.Diff(fromHCL, fromPlan, ignorePos); d != "" {
		t.Errorf("plan JSON differs from HCL (-hcl +plan):\n%s", d)
	}
	return fromPlan
}

func TestLoadPlanJSONMatchesHCL(t *testing.T) {
	fromPlan := planMatchesHCL(t, "plan.txtar")
	// Hand count: h[0] 1×8 + h[1] 2×8 + module 2×4 L40S + t4 5×2 + nv 3×1/3 = 8+16+8+10+1
	want := []addrGPUs{
		{"aws_ec2_capacity_reservation.h[0]", 1, 8},
		{"aws_ec2_capacity_reservation.h[1]", 2, 16},
		{"aws_eks_node_group.ng", 2, 16},
		{"azurerm_capacity_reservation.nv", 3, 1},
		{"google_compute_reservation.t4", 5, 10},
		{`module.gpu["a"].aws_ec2_capacity_reservation.this`, 2, 8},
	}
	if d := cmp.Diff(want, addrs(fromPlan)); d != "" {
		t.Errorf("plan reservations mismatch (-want +got):\n%s", d)
	}
	if len(fromPlan.Reservations) != len(want) {
		t.FailNow()
	}
	if got := fromPlan.Reservations[2].ConsumerOf; got != "aws_ec2_capacity_reservation.h[1]" {
		t.Errorf("node group ConsumerOf = %q, want aws_ec2_capacity_reservation.h[1]", got)
	}
	// Positions: the "address" member of each resource in planned_values.
	r := fromPlan.Reservations[5]
	if r.File != "plan.json" || r.Line != 43 || r.Column != 26 {
		t.Errorf("module reservation at %s:%d:%d, want plan.json:43:26", r.File, r.Line, r.Column)
	}
}

func TestLoadPlanJSONErrors(t *testing.T) {
	tests := []struct {
		name, plan string
		wantErr    string
		wantUnres  []inventory.Unresolved
	}{
		{name: "syntax", plan: "{\n  \"planned_values\": {,}\n}", wantErr: "p.json:2:22: error: invalid plan JSON: invalid character ',' looking for beginning of object key string"},
		{name: "not a plan", plan: `{"foo": 1}`, wantErr: "p.json:1:1: error: not a terraform show -json plan or state: no planned_values or values"},
		{
			name: "unknown until apply",
			plan: `{"planned_values": {"root_module": {"resources": [
{"address": "aws_ec2_capacity_reservation.x", "mode": "managed", "type": "aws_ec2_capacity_reservation", "name": "x",
 "values": {"instance_type": "p5.48xlarge", "availability_zone": "us-east-1a"}}]}}}`,
			wantUnres: []inventory.Unresolved{{Address: "aws_ec2_capacity_reservation.x", Range: diag.Pos{File: "p.json", Line: 2, Column: 13}.Range(),
				Msg: "instance_count cannot be evaluated statically: aws_ec2_capacity_reservation.x.instance_count is known only after apply (p.json:2:13)"}},
		},
		{
			name: "unknown instance type",
			plan: `{"planned_values": {"root_module": {"resources": [
{"address": "aws_ec2_capacity_reservation.x", "mode": "managed", "type": "aws_ec2_capacity_reservation", "name": "x",
 "values": {"instance_type": "p9.huge", "instance_count": 1}}]}}}`,
			// The same rule as in HCL: unresolved, at the resource (a plan
			// file places every value there), never a fatal error.
			wantUnres: []inventory.Unresolved{{Address: "aws_ec2_capacity_reservation.x", Range: diag.Pos{File: "p.json", Line: 2, Column: 13}.Range(),
				Msg: `instance type "p9.huge" (instance_type at p.json:2:13) is not in the catalog; add it under "instances" in a catalog file (catalog: in capcheck.yaml, or --catalog)`, Remedied: true}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "p.json"), []byte(tc.plan), 0o644); err != nil {
				t.Fatal(err)
			}
			inv, err := LoadPlanJSON(dir, "p.json", nil)
			if tc.wantErr != "" {
				var ds diag.Diagnostics
				if !errors.As(err, &ds) || err.Error() != tc.wantErr {
					t.Fatalf("LoadPlanJSON error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("LoadPlanJSON: %v", err)
			}
			if d := cmp.Diff(tc.wantUnres, inv.Unresolved); d != "" {
				t.Errorf("unresolved mismatch (-want +got):\n%s", d)
			}
		})
	}
}

// TestLoadPlanJSONGCPNames: a GKE ComputeClass binds a GCP reservation by
// its name and project (kubernetes.Bind), so a plan must carry them as
// the HCL does. By hand: .h100 has both; the future reservation .f names
// itself but its project is not in the planned values (the provider's,
// known only after apply): "", which any project matches; .t's name is
// known only after apply (absent from planned values, after_unknown):
// "", bound only through an annotation. GPUs: 6 × a3-highgpu-8g × 8 =
// 48, 2 × 8 = 16, 1 × 8 = 8.
func TestLoadPlanJSONGCPNames(t *testing.T) {
	const plan = `{"planned_values": {"root_module": {"resources": [
{"address": "google_compute_reservation.h100", "mode": "managed", "type": "google_compute_reservation", "name": "h100",
 "values": {"name": "h100-res", "project": "gpu-prod", "zone": "us-central1-a",
  "specific_reservation": [{"count": 6, "instance_properties": [{"machine_type": "a3-highgpu-8g", "guest_accelerators": []}]}]}},
{"address": "google_compute_future_reservation.f", "mode": "managed", "type": "google_compute_future_reservation", "name": "f",
 "values": {"name": "f-res", "zone": "us-central1-a", "planning_status": "SUBMITTED",
  "time_window": [{"start_time": "2027-01-01T00:00:00Z", "end_time": "2027-06-01T00:00:00Z", "duration": []}],
  "specific_sku_properties": [{"total_count": 2, "instance_properties": [{"machine_type": "a3-highgpu-8g", "guest_accelerators": []}]}]}},
{"address": "google_compute_reservation.t", "mode": "managed", "type": "google_compute_reservation", "name": "t",
 "values": {"zone": "us-central1-a",
  "specific_reservation": [{"count": 1, "instance_properties": [{"machine_type": "a3-highgpu-8g", "guest_accelerators": []}]}]}}
]}}, "resource_changes": [{"address": "google_compute_reservation.t", "change": {"after_unknown": {"name": true}}}]}`
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "p.json"), []byte(plan), 0o644); err != nil {
		t.Fatal(err)
	}
	inv, err := LoadPlanJSON(dir, "p.json", nil)
	if err != nil {
		t.Fatalf("LoadPlanJSON: %v", err)
	}
	type row struct {
		Address, Name, Project string
		GPUs                   float64
	}
	var got []row
	for _, r := range inv.Reservations {
		got = append(got, row{r.Address, r.Name, r.Project, r.GPUs})
	}
	want := []row{
		{"google_compute_future_reservation.f", "f-res", "", 16},
		{"google_compute_reservation.h100", "h100-res", "gpu-prod", 48},
		{"google_compute_reservation.t", "", "", 8},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("GCP reservations from the plan (-want +got):\n%s", d)
	}
	if len(inv.Unresolved) != 0 {
		t.Errorf("unresolved = %v, want none (a name decides no GPUs)", inv.Unresolved)
	}
}
