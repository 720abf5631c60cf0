package terraform

import (
	"testing"

	"github.com/capcheck/capcheck/inventory"

	"github.com/google/go-cmp/cmp"
)

func TestDiscoverConsumers(t *testing.T) {
	inv := discover(t, extract(t, "consumers.txtar", ""), Options{})
	type row struct {
		Address    string
		GPUs       float64
		Guaranteed bool
		ConsumerOf string
	}
	var got []row
	capacity := 0.0
	for _, r := range inv.Reservations {
		got = append(got, row{r.Address, r.GPUs, r.Guaranteed, r.ConsumerOf})
		if r.ConsumerOf == "" && r.Guaranteed {
			capacity += r.GPUs
		}
	}
	want := []row{
		// 4 × NC40ads H100 v5 (1 H100 NVL) = 4
		{"azurerm_capacity_reservation.nc", 4, true, ""},
		// the pool runs in the group's reservation of its VM size
		{"azurerm_kubernetes_cluster_node_pool.nc", 4, false, "azurerm_capacity_reservation.nc"},
		// 2 × a3-highgpu-8g = 16
		{"google_compute_reservation.a3", 16, true, ""},
		{"google_container_node_pool.by_name", 8, false, "google_compute_reservation.a3"},
		{"google_container_node_pool.by_ref", 16, false, "google_compute_reservation.a3"},
		// 2 × p5.48xlarge = 16 each
		{"module.aws.aws_ec2_capacity_reservation.p5[0]", 16, true, ""},
		{"module.aws.aws_ec2_capacity_reservation.p5[1]", 16, true, ""},
		{"module.aws.aws_eks_node_group.p5[0]", 16, false, "module.aws.aws_ec2_capacity_reservation.p5[0]"},
		{"module.aws.aws_eks_node_group.p5[1]", 16, false, "module.aws.aws_ec2_capacity_reservation.p5[1]"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("reservations mismatch (-want +got):\n%s", d)
	}
	// Guaranteed capacity counts reservations only: 4 + 16 + 16 + 16 = 52.
	if capacity != 52 {
		t.Errorf("guaranteed GPUs = %v, want 52", capacity)
	}
}

// TestDiscoverGroupConsumers reads testdata/groups.txtar: a consumer of an
// AWS capacity reservation resource group is linked to the member
// reservation it runs in (aws_resourcegroups_resource), not to the group.
func TestDiscoverGroupConsumers(t *testing.T) {
	inv := discover(t, extract(t, "groups.txtar", ""), Options{})
	type row struct {
		Address    string
		File       string
		Line       int
		Zone       string
		GPUs       float64
		Class      inventory.Class
		ConsumerOf string
	}
	var got []row
	for _, r := range inv.Reservations {
		got = append(got, row{r.Address, r.File, r.Line, r.Zone, r.GPUs, r.Class(), r.ConsumerOf})
	}
	want := []row{
		// 2 × 8 H100 in us-east-1b: the group's p5 member in that zone.
		{"aws_autoscaling_group.p5_b", "main.tf", 52, "us-east-1b", 16, inventory.ClassConsumer, "aws_ec2_capacity_reservation.p5[1]"},
		// The members, where they are declared: 1 × p4d.24xlarge (8
		// A100-40GB) and 2 × 2 × p5.48xlarge (8 H100) = 16 each.
		{"aws_ec2_capacity_reservation.p4d", "main.tf", 16, "us-east-1a", 8, inventory.ClassGuaranteed, ""},
		{"aws_ec2_capacity_reservation.p5[0]", "main.tf", 8, "us-east-1a", 16, inventory.ClassGuaranteed, ""},
		{"aws_ec2_capacity_reservation.p5[1]", "main.tf", 8, "us-east-1b", 16, inventory.ClassGuaranteed, ""},
		// 4 × 8 H100 over two subnets (no one zone): the first p5 member.
		{"aws_eks_node_group.p5", "main.tf", 61, "", 32, inventory.ClassConsumer, "aws_ec2_capacity_reservation.p5[0]"},
		// A group with no member in the module stays the link: still a
		// consumer, adding nothing.
		{"aws_instance.lonely", "main.tf", 86, "", 8, inventory.ClassConsumer, "aws_resourcegroups_group.empty"},
		// The p4d template's instance runs in the group's p4d member, not
		// in a p5 one.
		{"aws_instance.p4d", "main.tf", 76, "", 8, inventory.ClassConsumer, "aws_ec2_capacity_reservation.p4d"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("reservations mismatch (-want +got):\n%s", d)
	}
	if len(inv.Unresolved) != 0 {
		t.Errorf("unresolved = %+v, want none", inv.Unresolved)
	}
}
