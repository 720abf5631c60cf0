package terraform

import (
	"context"
	"testing"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/inventory"

	"github.com/google/go-cmp/cmp"
)

func TestDiscoverModuleOutputs(t *testing.T) {
	inv := discover(t, extract(t, "outputs.txtar", ""), Options{})
	const resA = `module.reservations.aws_ec2_capacity_reservation.this["us-east-1a"]`
	const resB = `module.reservations.aws_ec2_capacity_reservation.this["us-east-1b"]`
	want := []brief{
		// max_size = module.extra[1].count = (1+1) × 2 zones = 4; 4 × 8 H100 = 32,
		// in the reservation the module's output "second" names (var.zones[1])
		{Address: "aws_autoscaling_group.b", Line: 53, Kind: inventory.KindElastic, Type: "p5.48xlarge", Count: 4, GPU: "H100-SXM", GPUs: 32, ConsumerOf: resB},
		// max_size = module.sizing.count = 2 × 2 = 4; 4 × 8 = 32, in the
		// reservation ids["us-east-1a"] comes from (a for expression)
		{Address: "aws_eks_node_group.a", Line: 31, Kind: inventory.KindElastic, Type: "p5.48xlarge", Count: 4, GPU: "H100-SXM", GPUs: 32, ConsumerOf: resA},
		// instance_count = module.sizing.count = 4 per zone; 4 × 8 = 32 each
		{Address: resA, Line: 4, Kind: inventory.KindReservation, Type: "p5.48xlarge", Count: 4, GPU: "H100-SXM", GPUs: 32, Zone: "us-east-1a", Guaranteed: true},
		{Address: resB, Line: 4, Kind: inventory.KindReservation, Type: "p5.48xlarge", Count: 4, GPU: "H100-SXM", GPUs: 32, Zone: "us-east-1b", Guaranteed: true},
	}
	if d := cmp.Diff(want, briefs(inv.Reservations)); d != "" {
		t.Errorf("reservations mismatch (-want +got):\n%s", d)
	}
	wantU := []inventory.Unresolved{
		{Address: "aws_ec2_capacity_reservation.remote", Range: diag.Pos{File: "main.tf", Line: 71, Column: 1}.Range(),
			Msg: `instance_count cannot be evaluated statically: module "vpc" has a non-local source "terraform-aws-modules/vpc/aws": its outputs are not known statically (main.tf:18:1)`},
		{Address: "aws_eks_node_group.unknown", Range: diag.Pos{File: "main.tf", Line: 61, Column: 1}.Range(),
			Msg: "scaling_config.0.max_size cannot be evaluated statically: aws_ec2_capacity_reservation.this is known only after apply (modules/reservations/main.tf:19:11)"},
		// Any module capcheck cannot read is listed, whatever its name.
		{Address: "module.vpc", Range: diag.Pos{File: "main.tf", Line: 18, Column: 1}.Range(),
			Msg: remoteMsg("terraform-aws-modules/vpc/aws"), Remedied: true},
	}
	if d := cmp.Diff(wantU, inv.Unresolved); d != "" {
		t.Errorf("unresolved mismatch (-want +got):\n%s", d)
	}
}

func TestDiscoverModuleOutputErrors(t *testing.T) {
	tests := []struct {
		name string
		tree string
		want []string // diagnostics, formatted
	}{
		{
			name: "undeclared output",
			tree: `
-- main.tf --
module "m" {
  source = "./m"
}
resource "aws_ec2_capacity_reservation" "r" {
  instance_type     = "p5.48xlarge"
  instance_platform = "Linux/UNIX"
  availability_zone = "us-east-1a"
  instance_count    = module.m.nope
}
-- m/main.tf --
output "n" { value = 2 }
`,
			want: []string{`main.tf:8:31: error: Unsupported attribute; This object does not have an attribute named "nope".`},
		},
		{
			name: "output cycle through a module input",
			tree: `
-- main.tf --
locals { n = module.m.n }
module "m" {
  source = "./m"
  x      = local.n
}
resource "aws_ec2_capacity_reservation" "r" {
  instance_type     = "p5.48xlarge"
  instance_platform = "Linux/UNIX"
  availability_zone = "us-east-1a"
  instance_count    = local.n
}
-- m/main.tf --
variable "x" {}
output "n" { value = var.x }
`,
			want: []string{`main.tf:4:12: error: local value "n" refers to itself (cycle)`},
		},
		{
			name: "required module input missing",
			tree: `
-- main.tf --
module "m" {
  source = "./m"
}
resource "aws_ec2_capacity_reservation" "r" {
  instance_type     = "p5.48xlarge"
  instance_platform = "Linux/UNIX"
  availability_zone = "us-east-1a"
  instance_count    = module.m.n
}
-- m/main.tf --
variable "x" { type = number }
output "n" { value = var.x * 2 }
`,
			want: []string{`main.tf:1:1: error: module "m": required input variable "x" is not set`},
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

func TestDiscoverResourceReferences(t *testing.T) {
	tests := []struct {
		name  string
		tree  string
		want  []addrGPUs
		wantU []inventory.Unresolved
	}{
		{
			name: "length of a counted resource is known",
			tree: `
-- main.tf --
resource "aws_subnet" "s" {
  count = 3
}
resource "aws_ec2_capacity_reservation" "r" {
  instance_type     = "p5.48xlarge"
  instance_platform = "Linux/UNIX"
  availability_zone = "us-east-1a"
  instance_count    = length(aws_subnet.s)
}
`,
			// 3 subnets → 3 × 8 H100 = 24
			want:  []addrGPUs{{"aws_ec2_capacity_reservation.r", 3, 24}},
			wantU: []inventory.Unresolved{},
		},
		{
			name: "a count that refers to its own resource",
			tree: `
-- main.tf --
resource "aws_subnet" "s" {
  count = length(aws_subnet.s)
}
resource "aws_ec2_capacity_reservation" "r" {
  instance_type     = "p5.48xlarge"
  instance_platform = "Linux/UNIX"
  availability_zone = "us-east-1a"
  instance_count    = length(aws_subnet.s)
}
`,
			want: nil,
			wantU: []inventory.Unresolved{{Address: "aws_ec2_capacity_reservation.r", Range: diag.Pos{File: "main.tf", Line: 4, Column: 1}.Range(),
				Msg: "instance_count cannot be evaluated statically: aws_subnet.s is known only after apply (main.tf:8:30)"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			inv := discover(t, extract(t, "", tc.tree), Options{})
			if d := cmp.Diff(tc.want, addrs(inv)); d != "" {
				t.Errorf("reservations mismatch (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tc.wantU, inv.Unresolved); d != "" {
				t.Errorf("unresolved mismatch (-want +got):\n%s", d)
			}
		})
	}
}
