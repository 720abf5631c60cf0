package terraform

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestDiscoverNotInCatalog reads testdata/notincatalog.txtar: a type
// missing from the catalog is unresolved on every resource kind, never a
// fatal error, and the known reservation beside them still counts.
func TestDiscoverNotInCatalog(t *testing.T) {
	inv := discover(t, extract(t, "notincatalog.txtar", ""), Options{})
	var entries []string
	for _, r := range inv.Reservations {
		entries = append(entries, r.Address)
	}
	if d := cmp.Diff([]string{"aws_ec2_capacity_reservation.known"}, entries); d != "" {
		t.Errorf("reservations mismatch (-want +got):\n%s", d)
	}
	const fix = ` is not in the catalog; add it under "instances" in a catalog file (catalog: in capcheck.yaml, or --catalog)`
	const fixAcc = ` is not in the catalog; add it under "accelerators" in a catalog file (catalog: in capcheck.yaml, or --catalog)`
	type row struct {
		Address string
		At      string // the resource block
		Msg     string
	}
	want := []row{
		{"aws_autoscaling_group.override", "aws.tf:58:1",
			`instance type "g9.xlarge" (mixed_instances_policy[0].launch_template[0].override[0].instance_type at aws.tf:67:25)` + fix},
		// the offering's type, at the data source
		{"aws_ec2_capacity_block_reservation.block", "aws.tf:15:1", `instance type "p9.48xlarge" (instance_type at aws.tf:21:29)` + fix},
		{"aws_ec2_capacity_reservation.res", "aws.tf:8:1", `instance type "p9.48xlarge" (instance_type at aws.tf:9:23)` + fix},
		// the launch template's type, at the template
		{"aws_eks_node_group.lt", "aws.tf:43:1", `instance type "p9.48xlarge" (instance_type at aws.tf:28:19)` + fix},
		{"aws_eks_node_group.types", "aws.tf:31:1", `instance type "trn9.48xlarge" (instance_types[0] at aws.tf:35:20)` + fix},
		{"aws_instance.lt", "aws.tf:73:1", `instance type "p9.48xlarge" (instance_type at aws.tf:28:19)` + fix},
		{"azapi_resource.res", "azure.tf:11:1", `instance type "Standard_ND999_v9" (body.sku.name at azure.tf:15:10)` + fix},
		{"azurerm_capacity_reservation.res", "azure.tf:1:1", `instance type "Standard_ND999_v9" (sku[0].name at azure.tf:6:16)` + fix},
		{"azurerm_kubernetes_cluster.aks.default_node_pool", "azure.tf:28:1",
			`instance type "Standard_NC999_v9" (default_node_pool[0].vm_size at azure.tf:32:18)` + fix},
		{"azurerm_kubernetes_cluster_node_pool.pool", "azure.tf:21:1", `instance type "Standard_ND999_v9" (vm_size at azure.tf:24:27)` + fix},
		{"google_compute_future_reservation.future", "gcp.tf:55:1",
			`instance type "g4-standard-999" (specific_sku_properties[0].instance_properties[0].machine_type at gcp.tf:65:22)` + fix},
		{"google_compute_instance.vm", "gcp.tf:82:1", `instance type "g4-standard-999" (machine_type at gcp.tf:85:18)` + fix},
		// the instance template's type, at the template
		{"google_compute_instance_group_manager.igm", "gcp.tf:74:1", `instance type "g4-standard-999" (machine_type at gcp.tf:71:18)` + fix},
		{"google_compute_reservation.accel", "gcp.tf:12:1",
			`accelerator type "nvidia-b300" (specific_reservation[0].instance_properties[0].guest_accelerators[0].accelerator_type at gcp.tf:20:29)` + fixAcc},
		{"google_compute_reservation.machine", "gcp.tf:1:1",
			`instance type "g4-standard-999" (specific_reservation[0].instance_properties[0].machine_type at gcp.tf:7:22)` + fix},
		{`google_container_cluster.nap.cluster_autoscaling["nvidia-b300"]`, "gcp.tf:37:1",
			`accelerator type "nvidia-b300" (cluster_autoscaling[0].resource_limits[0].resource_type at gcp.tf:43:23)` + fixAcc},
		{"google_container_node_pool.pool", "gcp.tf:27:1", `instance type "ct9-hightpu-4t" (node_config[0].machine_type at gcp.tf:33:20)` + fix},
		// a TPU version the catalog cannot add: how it counts chips is
		// capcheck's own
		{"google_tpu_v2_vm.tpu", "gcp.tf:49:1", `TPU type "v9-8" (accelerator_type at gcp.tf:52:22) is not one capcheck counts: ` +
			`it reads v4-N, v5litepod-N, v5p-N and v6e-N (or accelerator_config type V4, V5LITE_POD, V5P or V6E with a topology)`},
	}
	var got []row
	for _, u := range inv.Unresolved {
		got = append(got, row{u.Address, u.Pos.String(), u.Msg})
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("unresolved mismatch (-want +got):\n%s", d)
	}
}
