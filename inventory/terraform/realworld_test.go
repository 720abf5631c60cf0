package terraform

import (
	"testing"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/inventory"

	"github.com/google/go-cmp/cmp"
)

// TestDiscoverRealWorld runs the constructs public GPU modules use (see
// testdata/realworld.txtar).
func TestDiscoverRealWorld(t *testing.T) {
	inv := discover(t, extract(t, "realworld.txtar", ""), Options{})
	type row struct {
		Address    string
		Kind       inventory.Kind
		Type       string
		Count      int
		GPUs       float64
		Zone       string
		ConsumerOf string
	}
	var got []row
	for _, r := range inv.Reservations {
		got = append(got, row{r.Address, r.Kind, r.InstanceType, r.Count, r.GPUs, r.Zone, r.ConsumerOf})
	}
	want := []row{
		// 2 × p5e.48xlarge (8 H200) = 16
		{"aws_ec2_capacity_block_reservation.cb", inventory.KindCapacityBlock, "p5e.48xlarge", 2, 16, "", ""},
		// odcr_count = 2 from terraform.tfvars × 8 H100 = 16; the
		// count = false ? 1 : 0 reservation and module.burst add nothing
		{"aws_ec2_capacity_reservation.odcr", inventory.KindReservation, "p5.48xlarge", 2, 16, "us-west-2a", ""},
		// infer: instance_types from the map, max_size 5 × 4 L40S = 20
		{`aws_eks_node_group.gpu["infer"]`, inventory.KindElastic, "g6e.12xlarge", 5, 20, "", ""},
		// train: type from the for_each launch template, max_size default
		// 2 × 8 H200 = 16, running in the capacity block
		{`aws_eks_node_group.gpu["train"]`, inventory.KindElastic, "p5e.48xlarge", 2, 16, "", "aws_ec2_capacity_block_reservation.cb"},
		// 4 × NC24ads A100 v4 (1 A100) = 4
		{"azurerm_capacity_reservation.a100", inventory.KindReservation, "Standard_NC24ads_A100_v4", 4, 4, "1", ""},
		{"azurerm_kubernetes_cluster_node_pool.a100", inventory.KindElastic, "Standard_NC24ads_A100_v4", 4, 4, "", "azurerm_capacity_reservation.a100"},
		// 4 × a3-megagpu-8g (8 H100) = 32
		{"google_compute_reservation.a3", inventory.KindReservation, "a3-megagpu-8g", 4, 32, "us-central1-a", ""},
		// max_node_count 3 per zone × 2 node_locations = 6 × 8 = 48,
		// consuming the reservation named by its full resource path
		{`google_container_node_pool.pools["h100"]`, inventory.KindElastic, "a3-megagpu-8g", 6, 48, "us-central1", "google_compute_reservation.a3"},
		// total_max_node_count 10 × g2-standard-24 (2 L4) = 20
		{`google_container_node_pool.pools["l4"]`, inventory.KindElastic, "g2-standard-24", 10, 20, "us-central1", ""},
		// guest_accelerator as a list argument: 2 nodes × 2 T4 = 4
		{"google_container_node_pool.t4", inventory.KindElastic, "n1-standard-8", 2, 4, "us-central1-f", ""},
		// 1 × g6.xlarge (1 L4); examples/basic's call is not a root
		{`module.spare.aws_ec2_capacity_reservation.this["us-east-1a"]`, inventory.KindReservation, "g6.xlarge", 1, 1, "us-east-1a", ""},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("reservations mismatch (-want +got):\n%s", d)
	}
	// Every registry module is unresolved, the VPC module too: capcheck
	// cannot read either, and a name proves nothing.
	wantU := []inventory.Unresolved{
		{Address: "module.eks", Range: diag.Pos{File: "live/main.tf", Line: 102, Column: 1}.Range(), Msg: remoteMsg("terraform-aws-modules/eks/aws"), Remedied: true},
		{Address: "module.vpc", Range: diag.Pos{File: "live/main.tf", Line: 96, Column: 1}.Range(), Msg: remoteMsg("terraform-aws-modules/vpc/aws"), Remedied: true},
	}
	if d := cmp.Diff(wantU, inv.Unresolved); d != "" {
		t.Errorf("unresolved mismatch (-want +got):\n%s", d)
	}
}

func TestReservationName(t *testing.T) {
	tests := []struct{ value, want string }{
		{value: "a3-res", want: "a3-res"},
		{value: "projects/acme/reservations/a3-res", want: "a3-res"},
		{value: "projects/acme/reservations/a3-res/reservationBlocks/b1", want: "a3-res"},
	}
	for _, tc := range tests {
		if got := reservationName(tc.value); got != tc.want {
			t.Errorf("reservationName(%q) = %q, want %q", tc.value, got, tc.want)
		}
	}
}
