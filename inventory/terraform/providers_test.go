package terraform

import (
	"testing"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/inventory"

	"github.com/google/go-cmp/cmp"
)

// TestDiscoverProviderFacts reads testdata/providers.txtar.
func TestDiscoverProviderFacts(t *testing.T) {
	inv := discover(t, extract(t, "providers.txtar", ""), Options{})
	type row struct {
		Address    string
		Type       string
		Count      int
		GPU        string
		GPUs       float64
		Zone       string
		Start, End string
		Class      inventory.Class
		ConsumerOf string
	}
	var got []row
	for _, r := range inv.Reservations {
		got = append(got, row{r.Address, r.InstanceType, r.Count, r.GPU, r.GPUs, r.Zone, r.Start, r.End, r.Class(), r.ConsumerOf})
	}
	want := []row{
		// the launch template targets the resource group: 4 × 8 H100 in
		// its reservations, nothing of its own; the one zone shows
		{"aws_autoscaling_group.p5", "p5.48xlarge", 4, "H100-SXM", 32, "us-east-1a", "", "", inventory.ClassConsumer, "aws_resourcegroups_group.odcr"},
		// 2 × 8 H100 for 48 hours from the search window's start, not the
		// 10 days of the window
		{"aws_ec2_capacity_block_reservation.train", "p5.48xlarge", 2, "H100-SXM", 16, "", "2027-03-01T00:00:00Z", "2027-03-03T00:00:00Z", inventory.ClassGuaranteed, ""},
		// 2 × trn2.48xlarge (16 Trainium2) = 32
		{"aws_ec2_capacity_reservation.trn2", "trn2.48xlarge", 2, "Trainium2", 32, "us-east-2c", "", "", inventory.ClassGuaranteed, ""},
		{"aws_eks_node_group.p5", "p5.48xlarge", 2, "H100-SXM", 16, "", "", "", inventory.ClassConsumer, "aws_resourcegroups_group.odcr"},
		// (aws_eks_node_group.system has no instance type: t3.medium, no GPU)
		// SPOT: 5 × 4 L40S = 20, in its one subnet's zone
		{"aws_eks_node_group.spot", "g6e.12xlarge", 5, "L40S", 20, "us-east-1b", "", "", inventory.ClassSpot, ""},
		// body.sku.capacity 2 × NC24ads A100 v4 (1) = 2; the JSON body
		{"azapi_resource.nc", "Standard_NC24ads_A100_v4", 2, "A100-80GB", 2, "2", "", "", inventory.ClassGuaranteed, ""},
		// 3 × ND96isr H100 v5 (8) = 24
		{"azapi_resource.nd", "Standard_ND96isr_H100_v5", 3, "H100-SXM", 24, "1", "", "", inventory.ClassGuaranteed, ""},
		// in the group's reservation of its VM size
		{"azurerm_kubernetes_cluster_node_pool.nd", "Standard_ND96isr_H100_v5", 3, "H100-SXM", 24, "", "", "", inventory.ClassConsumer, "azapi_resource.nd"},
		// priority Spot: 8 × 1 A100 = 8, zone 2
		{"azurerm_kubernetes_cluster_node_pool.spot", "Standard_NC24ads_A100_v4", 8, "A100-80GB", 8, "2", "", "", inventory.ClassSpot, ""},
		// node auto-provisioning may create up to 64 H100 in the cluster
		{`google_container_cluster.ml.cluster_autoscaling["nvidia-h100-80gb"]`, "", 64, "H100-SXM", 64, "us-central1", "", "", inventory.ClassElastic, ""},
		// spot: 6 nodes in one zone × 2 L4 = 12
		{"google_container_node_pool.spot_l4", "g2-standard-24", 6, "L4", 12, "us-central1-c", "", "", inventory.ClassSpot, ""},
		// 4 nodes × ct5lp-hightpu-4t (4 TPU v5e chips) = 16
		{"google_container_node_pool.tpu", "ct5lp-hightpu-4t", 4, "TPU-v5e", 16, "us-central1-a", "", "", inventory.ClassElastic, ""},
		// v5p-8 counts 8 TensorCores, two per chip: 4 chips
		{"google_tpu_v2_vm.v5p", "v5p-8", 1, "TPU-v5p", 4, "us-east5-a", "", "", inventory.ClassElastic, ""},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("reservations mismatch (-want +got):\n%s", d)
	}
	wantU := []inventory.Unresolved{
		{Address: "google_compute_reservation.mystery", Range: diag.Pos{File: "gcp.tf", Line: 49, Column: 1}.Range(),
			Msg: `accelerator type "nvidia-tesla-k999" (specific_reservation[0].instance_properties[0].guest_accelerators[0].accelerator_type at gcp.tf:57:29) is not in the catalog; add it under "accelerators" in a catalog file (catalog: in capcheck.yaml, or --catalog)`, Remedied: true},
	}
	if d := cmp.Diff(wantU, inv.Unresolved); d != "" {
		t.Errorf("unresolved mismatch (-want +got):\n%s", d)
	}
}
