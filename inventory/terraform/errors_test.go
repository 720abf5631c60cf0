package terraform

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/inventory"

	"github.com/capcheck/capcheck/internal/testkit"
	"github.com/google/go-cmp/cmp"
)

const capRes = `resource "aws_ec2_capacity_reservation" "r" {
  instance_type     = %s
  instance_platform = "Linux/UNIX"
  availability_zone = "us-east-1a"
  instance_count    = %s
}
`

func TestDiscoverErrors(t *testing.T) {
	tests := []struct {
		name  string
		tree  string
		setup func(t *testing.T, dir string)
		opts  Options
		want  []string // diagnostics, formatted
	}{
		{
			name: "malformed HCL",
			tree: `
-- infra/gpu.tf --
resource "aws_ec2_capacity_reservation" "r" {
  instance_count = 
}
`,
			want: []string{`infra/gpu.tf:2:20: error: Invalid expression; Expected the start of an expression, but found an invalid expression token.`},
		},
		{
			name: "variable without value",
			tree: `
-- main.tf --
variable "n" {
  type = number
}
resource "aws_ec2_capacity_reservation" "r" {
  instance_type     = "p5.48xlarge"
  instance_platform = "Linux/UNIX"
  availability_zone = "us-east-1a"
  instance_count    = var.n * 2
}
`,
			want: []string{`main.tf:1:1: error: variable "n" has no value; set it in terraform.tfvars or with --var-file`},
		},
		{
			name: "variable without value through a local, in a module",
			tree: `
-- main.tf --
module "m" {
  source = "./m"
}
-- m/main.tf --
variable "n" {}
locals { n = var.n }
resource "aws_ec2_capacity_reservation" "r" {
  instance_type     = "p5.48xlarge"
  instance_platform = "Linux/UNIX"
  availability_zone = "us-east-1a"
  instance_count    = local.n
}
`,
			want: []string{`main.tf:1:1: error: module "m": required input variable "n" is not set`},
		},
		{
			name: "file outside the root",
			tree: `
-- repo/main.tf --
resource "aws_ec2_capacity_reservation" "r" {
  instance_type     = "p5.48xlarge"
  instance_platform = "Linux/UNIX"
  availability_zone = "us-east-1a"
  instance_count    = tonumber(file("../secret.txt"))
}
-- secret.txt --
1
`,
			want: []string{`main.tf:5:32: error: Error in function call; Call to function "file" failed: path "../secret.txt" is outside the repository.`},
		},
		{
			name: "symlink escaping the root",
			tree: `
-- repo/main.tf --
resource "aws_ec2_capacity_reservation" "r" {
  instance_type     = "p5.48xlarge"
  instance_platform = "Linux/UNIX"
  availability_zone = "us-east-1a"
  instance_count    = tonumber(file("link.txt"))
}
-- secret.txt --
1
`,
			setup: func(t *testing.T, dir string) {
				if err := os.Symlink(filepath.Join(dir, "secret.txt"), filepath.Join(dir, "repo", "link.txt")); err != nil {
					testkit.SkipOrFailf(t, "symlinks unavailable: %v", err)
				}
			},
			want: []string{`main.tf:5:32: error: Error in function call; Call to function "file" failed: path "link.txt" resolves outside the repository.`},
		},
		{
			name: "local cycle",
			tree: `
-- main.tf --
locals {
  a = local.b
  b = local.a
}
resource "aws_ec2_capacity_reservation" "r" {
  instance_type     = "p5.48xlarge"
  instance_platform = "Linux/UNIX"
  availability_zone = "us-east-1a"
  instance_count    = local.a
}
`,
			want: []string{`main.tf:3:7: error: local value "a" refers to itself (cycle)`},
		},
		{
			name: "missing required argument",
			tree: `
-- main.tf --
resource "aws_ec2_capacity_reservation" "r" {
  instance_type     = "p5.48xlarge"
  instance_platform = "Linux/UNIX"
  availability_zone = "us-east-1a"
}
`,
			want: []string{`main.tf:1:1: error: aws_ec2_capacity_reservation.r: missing required argument "instance_count"`},
		},
		{
			name: "for_each over a list",
			tree: `
-- main.tf --
resource "aws_ec2_capacity_reservation" "r" {
  for_each          = ["a"]
  instance_type     = "p5.48xlarge"
  instance_platform = "Linux/UNIX"
  availability_zone = "us-east-1a"
  instance_count    = 1
}
`,
			want: []string{`main.tf:2:23: error: invalid for_each for aws_ec2_capacity_reservation.r: want a map or a set of strings, got tuple (use toset() for a list)`},
		},
		{
			name: "module source outside the repository",
			tree: `
-- repo/main.tf --
module "m" {
  source = "../../elsewhere"
}
`,
			want: []string{`main.tf:2:12: error: module "m": source "../../elsewhere" is outside the repository`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := extract(t, "", tc.tree)
			root := dir
			if _, err := os.Stat(filepath.Join(dir, "repo")); err == nil {
				root = filepath.Join(dir, "repo")
			}
			if tc.setup != nil {
				tc.setup(t, dir)
			}
			_, err := Discover(context.Background(), root, tc.opts)
			if d := cmp.Diff(tc.want, diagStrings(t, err)); d != "" {
				t.Errorf("diagnostics mismatch (-want +got):\n%s", d)
			}
		})
	}
}

func TestDiscoverUnresolved(t *testing.T) {
	tests := []struct {
		name     string
		tree     string
		want     []inventory.Unresolved
		wantAddr []addrGPUs
	}{
		{
			name: "data source count",
			tree: `
-- main.tf --
data "aws_ssm_parameter" "n" {
  name = "/gpu/count"
}
resource "aws_ec2_capacity_reservation" "r" {
  instance_type     = "p5.48xlarge"
  instance_platform = "Linux/UNIX"
  availability_zone = "us-east-1a"
  instance_count    = tonumber(data.aws_ssm_parameter.n.value)
}
`,
			want: []inventory.Unresolved{{Address: "aws_ec2_capacity_reservation.r", Range: diag.Pos{File: "main.tf", Line: 4, Column: 1}.Range(),
				Msg: "instance_count cannot be evaluated statically: data.aws_ssm_parameter.n is read only at plan time (main.tf:1:1)"}},
		},
		{
			name: "resource attribute count",
			tree: `
-- main.tf --
resource "random_integer" "n" {
  min = 1
  max = 4
}
resource "aws_ec2_capacity_reservation" "r" {
  count             = 1
  instance_type     = "p5.48xlarge"
  instance_platform = "Linux/UNIX"
  availability_zone = "us-east-1a"
  instance_count    = random_integer.n.result
}
`,
			want: []inventory.Unresolved{{Address: "aws_ec2_capacity_reservation.r[0]", Range: diag.Pos{File: "main.tf", Line: 5, Column: 1}.Range(),
				Msg: "instance_count cannot be evaluated statically: random_integer.n is known only after apply (main.tf:10:23)"}},
		},
		{
			name: "unknown count",
			tree: `
-- main.tf --
resource "aws_ec2_capacity_reservation" "r" {
  count             = length(data.aws_availability_zones.z.names)
  instance_type     = "p5.48xlarge"
  instance_platform = "Linux/UNIX"
  availability_zone = "us-east-1a"
  instance_count    = 1
}
`,
			want: []inventory.Unresolved{{Address: "aws_ec2_capacity_reservation.r", Range: diag.Pos{File: "main.tf", Line: 1, Column: 1}.Range(),
				Msg: "count cannot be evaluated statically: data.aws_availability_zones.z is not declared in this module (main.tf:2:30)"}},
		},
		{
			name: "remote module",
			tree: `
-- main.tf --
module "gpu" {
  source  = "acme/gpu-reservations/aws"
  version = "1.2.0"
}
module "vpc" {
  source = "terraform-aws-modules/vpc/aws"
}
`,
			// Both are unresolved: the name of a module says nothing of
			// what it reserves.
			want: []inventory.Unresolved{
				{Address: "module.gpu", Range: diag.Pos{File: "main.tf", Line: 1, Column: 1}.Range(),
					Msg: `module source "acme/gpu-reservations/aws" (a module registry address) is not local: capcheck cannot read what it declares; run terraform init -backend=false (no credentials needed) to install it in .terraform/modules, or pass terraform show -json output with --plan-json`, Remedied: true},
				{Address: "module.vpc", Range: diag.Pos{File: "main.tf", Line: 5, Column: 1}.Range(),
					Msg: `module source "terraform-aws-modules/vpc/aws" (a module registry address) is not local: capcheck cannot read what it declares; run terraform init -backend=false (no credentials needed) to install it in .terraform/modules, or pass terraform show -json output with --plan-json`, Remedied: true},
			},
		},
		{
			name: "capacity block offering field not set literally",
			tree: `
-- main.tf --
data "aws_ec2_capacity_block_offering" "o" {
  capacity_duration_hours = 24
  instance_type           = "p5.48xlarge"
  start_date_range        = "2027-01-01T00:00:00Z"
}
resource "aws_ec2_capacity_block_reservation" "b" {
  capacity_block_offering_id = data.aws_ec2_capacity_block_offering.o.id
  instance_platform          = "Linux/UNIX"
}
`,
			// instance_count is not set: the offering's count is unknown.
			want: []inventory.Unresolved{{Address: "aws_ec2_capacity_block_reservation.b", Range: diag.Pos{File: "main.tf", Line: 6, Column: 1}.Range(),
				Msg: `instance_count cannot be evaluated statically: the capacity block offering does not set it literally`}},
		},
		{
			name: "dynamic block over a data source",
			tree: `
-- main.tf --
data "google_compute_zones" "z" {}
resource "google_container_node_pool" "p" {
  node_count = 1
  node_config {
    machine_type = "n1-standard-8"
    dynamic "guest_accelerator" {
      for_each = data.google_compute_zones.z.names
      content {
        type  = "nvidia-tesla-t4"
        count = 1
      }
    }
  }
}
`,
			want: []inventory.Unresolved{{Address: "google_container_node_pool.p", Range: diag.Pos{File: "main.tf", Line: 2, Column: 1}.Range(),
				Msg: "node_config.0.guest_accelerator cannot be evaluated statically: data.google_compute_zones.z is read only at plan time (main.tf:1:1)"}},
		},
		{
			name: "offering field read through the data source",
			tree: `
-- main.tf --
data "aws_ec2_capacity_block_offering" "o" {
  capacity_duration_hours = 24
  instance_count          = 3
  instance_type           = "p5.48xlarge"
  start_date_range        = "2027-01-01T00:00:00Z"
}
resource "aws_eks_node_group" "g" {
  cluster_name   = "c"
  node_role_arn  = "a"
  subnet_ids     = []
  instance_types = [data.aws_ec2_capacity_block_offering.o.instance_type]
  scaling_config {
    desired_size = 0
    min_size     = 0
    max_size     = data.aws_ec2_capacity_block_offering.o.instance_count
  }
}
`,
			// 3 × 8 H100 = 24, elastic
			wantAddr: []addrGPUs{{"aws_eks_node_group.g", 3, 24}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			inv := discover(t, extract(t, "", tc.tree), Options{})
			if d := cmp.Diff(tc.wantAddr, addrs(inv)); d != "" {
				t.Errorf("reservations mismatch (-want +got):\n%s", d)
			}
			want := tc.want
			if want == nil {
				want = []inventory.Unresolved{}
			}
			if d := cmp.Diff(want, inv.Unresolved); d != "" {
				t.Errorf("unresolved mismatch (-want +got):\n%s", d)
			}
		})
	}
}
