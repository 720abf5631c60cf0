package terraform

import (
	"testing"

	"github.com/capcheck/capcheck/inventory"

	"github.com/google/go-cmp/cmp"
)

// addrGPUs is an address with its GPU total.
type addrGPUs struct {
	Address string
	Count   int
	GPUs    float64
}

func addrs(inv *inventory.Inventory) []addrGPUs {
	var out []addrGPUs
	for _, r := range inv.Reservations {
		out = append(out, addrGPUs{r.Address, r.Count, r.GPUs})
	}
	return out
}

func TestDiscoverEvaluation(t *testing.T) {
	tests := []struct {
		name string
		tree string
		opts Options
		want []addrGPUs
	}{
		{
			name: "count",
			tree: `
-- main.tf --
resource "aws_ec2_capacity_reservation" "h" {
  count             = 2
  instance_type     = "p4d.24xlarge"
  instance_platform = "Linux/UNIX"
  availability_zone = "us-east-1${["a", "b"][count.index]}"
  instance_count    = count.index + 1
}
`,
			// [0]: 1 × 8 A100; [1]: 2 × 8 A100
			want: []addrGPUs{{"aws_ec2_capacity_reservation.h[0]", 1, 8}, {"aws_ec2_capacity_reservation.h[1]", 2, 16}},
		},
		{
			name: "for_each map and set",
			tree: `
-- main.tf --
locals {
  zones = { "us-east-1b" = 3, "us-east-1a" = 2 }
}
resource "aws_ec2_capacity_reservation" "m" {
  for_each          = local.zones
  instance_type     = "p5.48xlarge"
  instance_platform = "Linux/UNIX"
  availability_zone = each.key
  instance_count    = each.value
}
resource "aws_ec2_capacity_reservation" "s" {
  for_each          = toset(["us-west-2a"])
  instance_type     = "g6.xlarge"
  instance_platform = "Linux/UNIX"
  availability_zone = each.value
  instance_count    = 7
}
`,
			// 2 × 8 = 16, 3 × 8 = 24, 7 × 1 L4 = 7
			want: []addrGPUs{
				{`aws_ec2_capacity_reservation.m["us-east-1a"]`, 2, 16},
				{`aws_ec2_capacity_reservation.m["us-east-1b"]`, 3, 24},
				{`aws_ec2_capacity_reservation.s["us-west-2a"]`, 7, 7},
			},
		},
		{
			name: "local modules with inputs, nested, for_each",
			tree: `
-- main.tf --
module "gpu" {
  source = "./modules/gpu"
  n      = 3
}
module "regional" {
  source   = "./modules/regional"
  for_each = { a = "p5e.48xlarge", b = "p4de.24xlarge" }
  type     = each.value
}
-- modules/gpu/main.tf --
variable "n" { type = number }
variable "type" {
  type    = string
  default = "p5.48xlarge"
}
resource "aws_ec2_capacity_reservation" "this" {
  count             = 1
  instance_type     = var.type
  instance_platform = "Linux/UNIX"
  availability_zone = "us-east-1a"
  instance_count    = var.n
}
-- modules/regional/main.tf --
variable "type" {}
module "inner" {
  source = "../gpu"
  n      = 1
  type   = var.type
}
`,
			// gpu: 3 × 8 H100 = 24; regional a: 1 × 8 H200; b: 1 × 8 A100-80GB
			want: []addrGPUs{
				{"module.gpu.aws_ec2_capacity_reservation.this[0]", 3, 24},
				{`module.regional["a"].module.inner.aws_ec2_capacity_reservation.this[0]`, 1, 8},
				{`module.regional["b"].module.inner.aws_ec2_capacity_reservation.this[0]`, 1, 8},
			},
		},
		{
			name: "tfvars precedence",
			tree: `
-- main.tf --
variable "v_default" { default = 1 }
variable "v_tfvars" { default = 1 }
variable "v_auto_a" { default = 1 }
variable "v_auto_b" { default = 1 }
variable "v_file" { default = 1 }
variable "v_cli" {
  type    = number
  default = 1
}
resource "aws_ec2_capacity_reservation" "r" {
  for_each = {
    default = var.v_default
    tfvars  = var.v_tfvars
    auto_a  = var.v_auto_a
    auto_b  = var.v_auto_b
    file    = var.v_file
    cli     = var.v_cli
  }
  instance_type     = "g5.xlarge"
  instance_platform = "Linux/UNIX"
  availability_zone = "us-east-1a"
  instance_count    = each.value
}
-- terraform.tfvars --
v_tfvars = 2
v_auto_a = 2
v_auto_b = 2
v_file   = 2
v_cli    = 2
-- a.auto.tfvars --
v_auto_a = 3
v_auto_b = 3
v_file   = 3
v_cli    = 3
-- b.auto.tfvars --
v_auto_b = 4
v_file   = 4
v_cli    = 4
-- env/prod.tfvars --
v_file = 5
v_cli  = 5
`,
			opts: Options{VarFiles: []string{"env/prod.tfvars"}, Vars: map[string]string{"v_cli": "6"}},
			// g5.xlarge has 1 GPU: GPUs = count
			want: []addrGPUs{
				{`aws_ec2_capacity_reservation.r["auto_a"]`, 3, 3},
				{`aws_ec2_capacity_reservation.r["auto_b"]`, 4, 4},
				{`aws_ec2_capacity_reservation.r["cli"]`, 6, 6},
				{`aws_ec2_capacity_reservation.r["default"]`, 1, 1},
				{`aws_ec2_capacity_reservation.r["file"]`, 5, 5},
				{`aws_ec2_capacity_reservation.r["tfvars"]`, 2, 2},
			},
		},
		{
			name: "locals chain and stdlib functions",
			tree: `
-- main.tf --
locals {
  d      = local.c + 1
  c      = max(local.b, 4) * 2
  b      = ceil(local.a / 2)
  a      = length(split(",", "x,y,z"))
  family = lower(format("%s.%dXLARGE", "P5", 48))
  conf   = jsondecode(file("${path.module}/conf.json"))
  tpl    = trimspace(templatefile("sizes.tpl", { n = 3 }))
  types  = merge({ a = "x" }, { b = element(concat(["g6e.12xlarge"], []), 0) })
}
resource "aws_ec2_capacity_reservation" "chain" {
  instance_type     = local.family
  instance_platform = "Linux/UNIX"
  availability_zone = join("", ["us-east-", "1a"])
  instance_count    = local.d
}
resource "aws_ec2_capacity_reservation" "funcs" {
  instance_type     = lookup(local.types, "b", "none")
  instance_platform = "Linux/UNIX"
  availability_zone = "us-east-1a"
  instance_count    = try(local.conf.count, 0) + tonumber(local.tpl) + coalesce(null, 1) + floor(1.9) + (contains(keys(local.types), "a") ? 10 : 0)
}
-- conf.json --
{"count": 2}
-- sizes.tpl --
  ${n}
`,
			// a = 3, b = ceil(1.5) = 2, c = max(2,4)*2 = 8, d = 9; 9 × 8 H100 = 72
			// funcs: 2 + 3 + 1 + 1 + 10 = 17 × g6e.12xlarge (4 L40S) = 68
			want: []addrGPUs{
				{"aws_ec2_capacity_reservation.chain", 9, 72},
				{"aws_ec2_capacity_reservation.funcs", 17, 68},
			},
		},
		{
			name: "root detection skips module targets and dirs option",
			tree: `
-- live/main.tf --
module "m" {
  source = "../modules/r"
}
-- modules/r/main.tf --
resource "google_compute_reservation" "r" {
  name = "r"
  zone = "us-central1-a"
  specific_reservation {
    count = 2
    instance_properties { machine_type = "a2-ultragpu-4g" }
  }
}
-- .terraform/modules/x/main.tf --
resource "google_compute_reservation" "hidden" {
  name = "h"
  zone = "us-central1-a"
  specific_reservation {
    count = 2
    instance_properties { machine_type = "a2-ultragpu-4g" }
  }
}
`,
			// only live/ is a root: 2 × 4 A100-80GB = 8
			want: []addrGPUs{{"module.m.google_compute_reservation.r", 2, 8}},
		},
		{
			name: "tf.json",
			tree: `
-- main.tf.json --
{"resource": {"aws_ec2_capacity_reservation": {"j": {
  "instance_type": "p5.48xlarge", "instance_platform": "Linux/UNIX",
  "availability_zone": "us-east-1a", "instance_count": "${1 + 1}"}}}}
`,
			// 2 × 8 = 16
			want: []addrGPUs{{"aws_ec2_capacity_reservation.j", 2, 16}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			inv := discover(t, extract(t, "", tc.tree), tc.opts)
			if d := cmp.Diff(tc.want, addrs(inv)); d != "" {
				t.Errorf("reservations mismatch (-want +got):\n%s", d)
			}
			if len(inv.Unresolved) != 0 {
				t.Errorf("unresolved = %+v, want none", inv.Unresolved)
			}
		})
	}
}

func TestDiscoverOptionsDirsExclude(t *testing.T) {
	const tree = `
-- prod/main.tf --
resource "aws_ec2_capacity_reservation" "p" {
  instance_type     = "p5.48xlarge"
  instance_platform = "Linux/UNIX"
  availability_zone = "us-east-1a"
  instance_count    = 1
}
-- staging/main.tf --
resource "aws_ec2_capacity_reservation" "s" {
  instance_type     = "g5.xlarge"
  instance_platform = "Linux/UNIX"
  availability_zone = "us-east-1a"
  instance_count    = 2
}
-- legacy/old/main.tf --
resource "aws_ec2_capacity_reservation" "old" {
  instance_type     = "p4d.24xlarge"
  instance_platform = "Linux/UNIX"
  availability_zone = "us-east-1a"
  instance_count    = 3
}
`
	tests := []struct {
		name string
		opts Options
		want []addrGPUs
	}{
		// 1 × 8 H100, 2 × 1 A10G, 3 × 8 A100
		{name: "all roots", want: []addrGPUs{{"aws_ec2_capacity_reservation.old", 3, 24}, {"aws_ec2_capacity_reservation.p", 1, 8}, {"aws_ec2_capacity_reservation.s", 2, 2}}},
		{name: "dirs", opts: Options{Dirs: []string{"prod"}}, want: []addrGPUs{{"aws_ec2_capacity_reservation.p", 1, 8}}},
		{name: "exclude subtree", opts: Options{Exclude: []string{"legacy"}}, want: []addrGPUs{{"aws_ec2_capacity_reservation.p", 1, 8}, {"aws_ec2_capacity_reservation.s", 2, 2}}},
		{name: "exclude glob", opts: Options{Exclude: []string{"sta*", "legacy/*"}}, want: []addrGPUs{{"aws_ec2_capacity_reservation.p", 1, 8}}},
	}
	dir := extract(t, "", tree)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			inv := discover(t, dir, tc.opts)
			if d := cmp.Diff(tc.want, addrs(inv)); d != "" {
				t.Errorf("reservations mismatch (-want +got):\n%s", d)
			}
		})
	}
}
