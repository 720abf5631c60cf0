package terraform

import (
	"testing"

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
