package terraform

import (
	"testing"

	"github.com/capcheck/capcheck/inventory"

	"github.com/capcheck/capcheck/internal/testkit"
	"github.com/google/go-cmp/cmp"
)

// TestDiscoverRoots: entries with the same address in two root modules
// are told apart by their root; sample and test trees are named once.
func TestDiscoverRoots(t *testing.T) {
	dir := extract(t, "roots.txtar", "")
	inv := discover(t, dir, Options{})
	type row struct {
		Root, Address, File string
		GPUs                float64
		Zone                string
	}
	var got []row
	for _, r := range inv.Reservations {
		got = append(got, row{r.Root, r.Address, r.File, r.GPUs, r.Zone})
	}
	want := []row{
		// 2 × p5.48xlarge (8 H100) = 16 in prod, 1 × 8 = 8 in staging.
		{"envs/prod", "aws_ec2_capacity_reservation.h100", "envs/prod/main.tf", 16, "us-east-1a"},
		{"envs/staging", "aws_ec2_capacity_reservation.h100", "envs/staging/main.tf", 8, "us-east-1b"},
		// g6e.12xlarge has 4 L40S: prod 4 × 4 = 16 per zone, staging 1 × 4.
		{"envs/prod", `module.gpu.aws_ec2_capacity_reservation.l40s["us-east-1a"]`, "modules/gpu/main.tf", 16, "us-east-1a"},
		{"envs/staging", `module.gpu.aws_ec2_capacity_reservation.l40s["us-east-1a"]`, "modules/gpu/main.tf", 4, "us-east-1a"},
		{"envs/prod", `module.gpu.aws_ec2_capacity_reservation.l40s["us-east-1b"]`, "modules/gpu/main.tf", 16, "us-east-1b"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("reservations mismatch (-want +got):\n%s", d)
	}
	wantSkipped := []inventory.Skipped{
		{Dir: "examples", Roots: 2, Msg: "sample and test configuration is not evaluated by default; name a directory below examples/ in terraform.dirs in capcheck.yaml to evaluate it as a root module"},
		{Dir: "tests", Roots: 1, Msg: "sample and test configuration is not evaluated by default; name a directory below tests/ in terraform.dirs in capcheck.yaml to evaluate it as a root module"},
	}
	if d := cmp.Diff(wantSkipped, inv.Skipped); d != "" {
		t.Errorf("skipped mismatch (-want +got):\n%s", d)
	}
	// Named as roots, they are evaluated and nothing is skipped:
	// examples/basic reserves 64 × 4 = 256 L40S in us-west-2a.
	inv = discover(t, dir, Options{Dirs: []string{"examples/basic"}})
	if len(inv.Reservations) != 1 || inv.Reservations[0].Root != "examples/basic" || inv.Reservations[0].GPUs != 256 || inv.Skipped != nil {
		t.Errorf("with Dirs: reservations %+v, skipped %+v; want one of 256 GPUs in examples/basic, nothing skipped", inv.Reservations, inv.Skipped)
	}
}

// TestDiscoverScan: files whose bytes cannot declare capacity are not
// parsed (mayHoldCapacity), yet nothing they matter for is lost: a module
// directory of such files is parsed when a call uses it, and a label that
// spells a GPU type with a \u escape is parsed.
func TestDiscoverScan(t *testing.T) {
	dir := testkit.TempTree(t, map[string]string{
		// Not a GPU root, and broken: never parsed, so never an error.
		"web/main.tf": "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \n",
		// Its variables file holds no GPU type and no module call; the
		// call in gpu/ still reads it: 3 × g6.xlarge (1 L4) = 3.
		"lib/vars.tf": "variable \"n\" {\n  type = number\n}\n",
		"lib/gpu.tf":  "resource \"aws_ec2_capacity_reservation\" \"r\" {\n  instance_type     = \"g6.xlarge\"\n  instance_platform = \"Linux/UNIX\"\n  availability_zone = \"us-east-1a\"\n  instance_count    = var.n\n}\n",
		"gpu/main.tf": "module \"lib\" {\n  source = \"../lib\"\n  n      = 3\n}\n",
		// aws\u005fec2… is aws_ec2_capacity_reservation: 1 × 8 H100.
		"esc/main.tf": "resource \"aws\\u005fec2_capacity_reservation\" \"e\" {\n  instance_type     = \"p5.48xlarge\"\n  instance_platform = \"Linux/UNIX\"\n  availability_zone = \"us-east-1a\"\n  instance_count    = 1\n}\n",
	})
	inv := discover(t, dir, Options{})
	type row struct {
		Root, Address string
		GPUs          float64
	}
	var got []row
	for _, r := range inv.Reservations {
		got = append(got, row{r.Root, r.Address, r.GPUs})
	}
	want := []row{{"esc", "aws_ec2_capacity_reservation.e", 8}, {"gpu", "module.lib.aws_ec2_capacity_reservation.r", 3}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("reservations mismatch (-want +got):\n%s", d)
	}
}
