package terraform

import (
	"context"
	"testing"

	"github.com/capcheck/capcheck/inventory"

	"github.com/google/go-cmp/cmp"
)

// TestDiscoverTerraformFunctions reads testdata/funcs.txtar: length of an
// object variable, optional() defaults, a failing cidrsubnet nothing
// capacity-deciding reads.
func TestDiscoverTerraformFunctions(t *testing.T) {
	inv := discover(t, extract(t, "funcs.txtar", ""), Options{})
	want := []brief{
		// count = length(var.pools) = 2 (two attributes); instance_count
		// = sum([3, 1]) + index: 4 and 5 × p5.48xlarge (8 H100); the zone
		// is the optional() default
		{Address: "aws_ec2_capacity_reservation.h100[0]", Line: 21, Kind: inventory.KindReservation, Type: "p5.48xlarge", Count: 4, GPU: "H100-SXM", GPUs: 32, Zone: "us-east-1a", Guaranteed: true},
		{Address: "aws_ec2_capacity_reservation.h100[1]", Line: 21, Kind: inventory.KindReservation, Type: "p5.48xlarge", Count: 5, GPU: "H100-SXM", GPUs: 40, Zone: "us-east-1a", Guaranteed: true},
	}
	if d := cmp.Diff(want, briefs(inv.Reservations)); d != "" {
		t.Errorf("reservations mismatch (-want +got):\n%s", d)
	}
	if len(inv.Unresolved) != 0 {
		t.Errorf("unresolved = %+v, want none", inv.Unresolved)
	}
}

// TestDiscoverFunctionErrorDecides checks that a failing call in an
// attribute that decides GPUs is an input error at the call.
func TestDiscoverFunctionErrorDecides(t *testing.T) {
	dir := extract(t, "", `
-- main.tf --
locals {
  counts = { a = 2 }
}
resource "aws_ec2_capacity_reservation" "r" {
  instance_type     = "p5.48xlarge"
  instance_platform = "Linux/UNIX"
  availability_zone = "us-east-1a"
  instance_count    = 1 + lookup(local.counts, "b")
}
`)
	_, err := Discover(context.Background(), dir, Options{})
	got := diagStrings(t, err)
	want := []string{`main.tf:8:34: error: Invalid function argument; Invalid value for "inputMap" parameter: the given object has no attribute "b".`}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("diagnostics mismatch (-want +got):\n%s", d)
	}
}
