package terraform

import (
	"context"
	"testing"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/inventory"

	"github.com/google/go-cmp/cmp"
)

// TestDiscoverOverrides reads override files the way Terraform merges them
// (testdata/overrides.txtar): before, capcheck read them as ordinary files
// and failed on the "duplicate" resource (exit 2).
func TestDiscoverOverrides(t *testing.T) {
	inv := discover(t, extract(t, "overrides.txtar", ""), Options{})
	type row struct {
		Address string
		Pos     string
		EndLine int
		Type    string
		Count   int
		GPUs    float64
		Zone    string
	}
	var got []row
	for _, r := range inv.Reservations {
		got = append(got, row{r.Address, r.Pos.String(), r.EndLine, r.InstanceType, r.Count, r.GPUs, r.Zone})
	}
	want := []row{
		// count = 2 from override.tf.json; 1 × p5.48xlarge (8 H100) each
		{"aws_ec2_capacity_reservation.odcr[0]", "main.tf:54:1", 60, "p5.48xlarge", 1, 8, "us-east-1a"},
		{"aws_ec2_capacity_reservation.odcr[1]", "main.tf:54:1", 60, "p5.48xlarge", 1, 8, "us-east-1a"},
		// scaling_config replaced by gpu_override.tf: max_size 5 × 1 A10G = 5
		{"aws_eks_node_group.g", "main.tf:25:1", 35, "g5.xlarge", 5, 5, ""},
		// machine from z_override.tf (a2-highgpu-2g, 2 A100), max 3 per
		// zone (gpu_override.tf's default) × 2 zones (its local) = 6 nodes,
		// 6 × 2 = 12 GPUs
		{"google_container_node_pool.a100", "main.tf:11:1", 23, "a2-highgpu-2g", 6, 12, "us-central1"},
		// node_config replaced, the dynamic guest_accelerator with it:
		// 2 nodes × 4 T4 = 8 on n1-standard-16
		{"google_container_node_pool.t4", "main.tf:37:1", 52, "n1-standard-16", 2, 8, "us-central1-a"},
		// n = 2 from override.tf.json, zone from modules/pool/override.tf:
		// 2 × g6.xlarge (1 L4) = 2
		{"module.pool.aws_ec2_capacity_reservation.r", "modules/pool/main.tf:5:1", 10, "g6.xlarge", 2, 2, "us-east-1d"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("reservations mismatch (-want +got):\n%s", d)
	}
	// The resource stays at its declaration (lines above: the original
	// block's); the value that cannot be
	// read is where the override writes it.
	wantU := []inventory.Unresolved{{
		Address: "aws_ec2_capacity_reservation.late",
		Range:   diag.Pos{File: "main.tf", Line: 62, Column: 1}.Range(),
		Msg:     "instance_count cannot be evaluated statically: aws_ec2_capacity_reservation.odcr is known only after apply (gpu_override.tf:28:20)",
	}}
	if d := cmp.Diff(wantU, inv.Unresolved); d != "" {
		t.Errorf("unresolved mismatch (-want +got):\n%s", d)
	}
}

func TestDiscoverOverrideErrors(t *testing.T) {
	tests := []struct {
		name, tree string
		want       []string
	}{
		{
			name: "override of an undeclared resource",
			tree: `
-- main.tf --
resource "aws_ec2_capacity_reservation" "r" {
  instance_type     = "p5.48xlarge"
  instance_platform = "Linux/UNIX"
  availability_zone = "us-east-1a"
  instance_count    = 1
}
-- r_override.tf --
resource "aws_ec2_capacity_reservation" "other" {
  instance_count = 4
}
`,
			want: []string{`r_override.tf:1:1: error: Missing base resource to override; There is no resource named "aws_ec2_capacity_reservation.other": an override file can only change a resource declared in another file of this module.`},
		},
		{
			name: "override of an undeclared local value",
			tree: `
-- main.tf --
resource "aws_ec2_capacity_reservation" "r" {
  instance_type     = "p5.48xlarge"
  instance_platform = "Linux/UNIX"
  availability_zone = "us-east-1a"
  instance_count    = 1
}
-- override.tf --
locals {
  n = 4
}
`,
			want: []string{`override.tf:2:3: error: Missing base local value to override; There is no local value named "n": an override file can only change a local value declared in another file of this module.`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Discover(context.Background(), extract(t, "", tc.tree), Options{})
			if d := cmp.Diff(tc.want, diagStrings(t, err)); d != "" {
				t.Errorf("diagnostics mismatch (-want +got):\n%s", d)
			}
		})
	}
}

func TestIsOverrideFile(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{"override.tf", true},
		{"override.tf.json", true},
		{"gpu_override.tf", true},
		{"dir/gpu_override.tf.json", true},
		{"overrides.tf", false},
		{"override_gpu.tf", false},
		{"main.tf", false},
		{"override.tftest.hcl", false},
	}
	for _, tc := range tests {
		if got := isOverrideFile(tc.name); got != tc.want {
			t.Errorf("isOverrideFile(%q) = %v, want %v", tc.name, got, tc.want)
		}
	}
}
