package terraform

import (
	"testing"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/inventory"

	"github.com/google/go-cmp/cmp"
)

func TestDiscoverClustersAndInstances(t *testing.T) {
	inv := discover(t, extract(t, "clusters.txtar", ""), Options{})
	want := []brief{
		// 1 × p5.48xlarge (8 H100) = 8, guaranteed
		{Address: "aws_ec2_capacity_reservation.p5", Line: 5, Kind: inventory.KindReservation, Type: "p5.48xlarge", Count: 1, GPU: "H100-SXM", GPUs: 8, Zone: "us-east-1a", Guaranteed: true},
		// launch template type g5.xlarge: 1 × 1 A10G
		{Address: "aws_instance.from_lt", Line: 34, Kind: inventory.KindElastic, Type: "g5.xlarge", Count: 1, GPU: "A10G", GPUs: 1},
		// 1 × g6.xlarge (1 L4), on demand
		{Address: "aws_instance.g6", Line: 22, Kind: inventory.KindElastic, Type: "g6.xlarge", Count: 1, GPU: "L4", GPUs: 1},
		// 1 × 8 H100 in the reservation it targets: adds nothing
		{Address: "aws_instance.p5", Line: 12, Kind: inventory.KindElastic, Type: "p5.48xlarge", Count: 1, GPU: "H100-SXM", GPUs: 8, Zone: "us-east-1a", ConsumerOf: "aws_ec2_capacity_reservation.p5"},
		// 4 × NC24ads A100 v4 (1 A100) = 4
		{Address: "azurerm_capacity_reservation.a100", Line: 7, Kind: inventory.KindReservation, Type: "Standard_NC24ads_A100_v4", Count: 4, GPU: "A100-80GB", GPUs: 4, Zone: "1", Guaranteed: true},
		// default_node_pool max_count 4 × 1 A100 = 4, in the group's reservation
		{Address: "azurerm_kubernetes_cluster.gpu.default_node_pool", Line: 17, Kind: inventory.KindElastic, Type: "Standard_NC24ads_A100_v4", Count: 4, GPU: "A100-80GB", GPUs: 4, ConsumerOf: "azurerm_capacity_reservation.a100"},
		// count 2: one n1-standard-4 with 1 T4 each
		{Address: "google_compute_instance.t4[0]", Line: 42, Kind: inventory.KindElastic, Type: "n1-standard-4", Count: 1, GPU: "T4", GPUs: 1, Zone: "us-central1-b"},
		{Address: "google_compute_instance.t4[1]", Line: 42, Kind: inventory.KindElastic, Type: "n1-standard-4", Count: 1, GPU: "T4", GPUs: 1, Zone: "us-central1-b"},
		// target_size 2 × a3-highgpu-8g (8 H100) = 16, in the reservation the
		// template's affinity names ("a3-res")
		{Address: "google_compute_instance_group_manager.a3", Line: 12, Kind: inventory.KindElastic, Type: "a3-highgpu-8g", Count: 2, GPU: "H100-SXM", GPUs: 16, Zone: "us-central1-a", ConsumerOf: "google_compute_reservation.a3"},
		// regional: target_size 6 in total × g2-standard-24 (2 L4) = 12
		{Address: "google_compute_region_instance_group_manager.l4", Line: 25, Kind: inventory.KindElastic, Type: "g2-standard-24", Count: 6, GPU: "L4", GPUs: 12, Zone: "us-central1"},
		// 4 × a3-highgpu-8g = 32
		{Address: "google_compute_reservation.a3", Line: 1, Kind: inventory.KindReservation, Type: "a3-highgpu-8g", Count: 4, GPU: "H100-SXM", GPUs: 32, Zone: "us-central1-a", Guaranteed: true},
		// max_node_count 2 per zone × 3 default zones of a regional cluster = 6 × 8 = 48
		{Address: `google_container_cluster.regional.node_pool["h100"]`, Line: 12, Kind: inventory.KindElastic, Type: "a3-highgpu-8g", Count: 6, GPU: "H100-SXM", GPUs: 48, Zone: "us-central1", ConsumerOf: "google_compute_reservation.a3"},
		// node_count 1 × 2 node_locations = 2 × 2 L4 = 4
		{Address: `google_container_cluster.regional.node_pool["l4"]`, Line: 12, Kind: inventory.KindElastic, Type: "g2-standard-24", Count: 2, GPU: "L4", GPUs: 4, Zone: "us-central1"},
		// total_max_node_count 5 (whole pool) × 1 T4 = 5
		{Address: `google_container_cluster.regional.node_pool["t4"]`, Line: 12, Kind: inventory.KindElastic, Type: "n1-standard-8", Count: 5, GPU: "T4", GPUs: 5, Zone: "us-central1"},
		// default pool: initial_node_count 3 × 1 zone × g2-standard-8 (1 L4) = 3
		{Address: `google_container_cluster.zonal_default.node_pool["default-pool"]`, Line: 62, Kind: inventory.KindElastic, Type: "g2-standard-8", Count: 3, GPU: "L4", GPUs: 3, Zone: "us-central1-a"},
		// initial_node_count 1 × the cluster's 2 node_locations × a2-highgpu-1g (1 A100) = 2
		{Address: `google_container_cluster.zonal_nl.node_pool["a100"]`, Line: 81, Kind: inventory.KindElastic, Type: "a2-highgpu-1g", Count: 2, GPU: "A100-40GB", GPUs: 2, Zone: "us-central1-a"},
		// max_node_count 1 × 3 zones of the regional cluster it names × 2 L4 = 6
		{Address: "google_container_node_pool.linked", Line: 94, Kind: inventory.KindElastic, Type: "g2-standard-24", Count: 3, GPU: "L4", GPUs: 6},
	}
	if d := cmp.Diff(want, briefs(inv.Reservations)); d != "" {
		t.Errorf("reservations mismatch (-want +got):\n%s", d)
	}
	wantU := []inventory.Unresolved{
		{Address: "aws_instance.unknown", Range: diag.Pos{File: "aws.tf", Line: 40, Column: 1}.Range(),
			Msg: `instance_type cannot be evaluated statically: variable "type" has no value; set it in terraform.tfvars or with --var-file (aws.tf:1:1)`},
		{Address: "google_compute_instance_group_manager.autoscaled", Range: diag.Pos{File: "gce.tf", Line: 34, Column: 1}.Range(),
			Msg: "target_size is not set (an autoscaler sizes the group): the instance count cannot be evaluated statically"},
	}
	if d := cmp.Diff(wantU, inv.Unresolved); d != "" {
		t.Errorf("unresolved mismatch (-want +got):\n%s", d)
	}
	// Guaranteed capacity is the reservations only: 8 + 4 + 32 = 44.
	guaranteed := 0.0
	for _, r := range inv.Reservations {
		if r.Guaranteed && r.ConsumerOf == "" {
			guaranteed += r.GPUs
		}
	}
	if guaranteed != 44 {
		t.Errorf("guaranteed GPUs = %v, want 44", guaranteed)
	}
}

func TestLoadPlanJSONClustersMatchHCL(t *testing.T) {
	fromPlan := planMatchesHCL(t, "plan_clusters.txtar")
	type row struct {
		Address    string
		Count      int
		GPUs       float64
		ConsumerOf string
	}
	var got []row
	for _, r := range fromPlan.Reservations {
		got = append(got, row{r.Address, r.Count, r.GPUs, r.ConsumerOf})
	}
	want := []row{
		{"aws_ec2_capacity_reservation.p5", 1, 8, ""},
		{"aws_instance.p5", 1, 8, "aws_ec2_capacity_reservation.p5"},
		// node_count 2 × 1 A100
		{"azurerm_kubernetes_cluster.gpu.default_node_pool", 2, 2, ""},
		// 2 × 8 H100; the reservation "a3-res" is not in this tree: the
		// name is kept
		{"google_compute_instance_group_manager.a3", 2, 16, "a3-res"},
		// max 2 per zone × 3 node_locations × 8 H100
		{`google_container_cluster.regional.node_pool["h100"]`, 6, 48, ""},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("plan reservations mismatch (-want +got):\n%s", d)
	}
}
