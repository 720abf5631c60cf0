package terraform

// This file is the table of GPU-bearing resource types and the shape of
// each that capcheck reads; the handlers live by provider in aws.go, gcp.go
// and azure.go, the accessors they share in extract.go, and the HCL
// evaluation of a resource to its shape in view.go.
//
// Clusters: this reader also finds the elastic GPU capacity declared inside Kubernetes
// clusters (GKE inline and default node pools, the AKS default node pool),
// GCE managed instance groups, and plain on-demand instances.
//
// Plain instances (aws_instance, google_compute_instance, Azure virtual
// machines) and managed instance groups (Azure VM scale sets too) are
// on-demand capacity, not reservations: they are listed
// with inventory.KindElastic and Guaranteed false, so they appear in the inventory
// (and are claimed by a pool as elastic capacity) but never add guaranteed
// capacity. One that targets a reservation is its consumer (ConsumerOf) and
// adds nothing, like a node group.
//
// GKE zones: a node pool's node_count, initial_node_count and
// autoscaling.max_node_count count nodes per zone; total_max_node_count
// counts the whole pool. The zones are the pool's node_locations, else its
// cluster's node_locations, else, for a regional cluster (a location
// without a zone suffix), the three zones GKE spreads a regional cluster's
// pools over by default, else one (a zonal cluster). A
// google_container_node_pool whose cluster is not a google_container_cluster
// of the same module keeps the per-zone figure: elastic figures may then
// be a lower bound (they never count as guaranteed).

// Capacity that arrives later: a google_compute_future_reservation
// (time_window start_time to end_time, or start_time + duration.seconds),
// an AWS capacity reservation or block with a start_date, and an Azure
// capacity reservation written as an azapi_resource with
// properties.scheduleProfile (start, end) carry their window in
// Entry.Start and Entry.End, so the capacity model counts them from their
// first whole day only (inventory/days.go). A future reservation whose
// planning_status is DRAFT has not been submitted: it is listed, never
// guaranteed.

// shape lists the arguments and nested blocks of a resource that capcheck
// reads; a view is the resource evaluated to that shape (nested blocks as
// tuples of objects, like `terraform show -json`).
type shape struct {
	attrs []string
	// optional are the attrs a provider version may not have (AWS
	// start_date): absent from a plan's values they are unset, where
	// another absent attribute is known only after apply.
	optional []string
	// quiet are the attrs that decide no GPUs (a reservation's tags and
	// id, which bind Kubernetes NodePools to it): one that fails to
	// evaluate is unknown, never an error.
	quiet  []string
	blocks map[string]*shape
}

type handler struct {
	shape *shape
	fn    func(x *extraction)
}

// handlers are the GPU-bearing resource types, by Terraform type.
var handlers = map[string]handler{
	"aws_ec2_capacity_reservation": {
		shape: &shape{attrs: []string{"instance_count", "instance_type", "availability_zone", "start_date", "end_date", "id", "tags", "tags_all"},
			optional: []string{"start_date", "id", "tags", "tags_all"}, quiet: []string{"id", "tags", "tags_all"}},
		fn: awsCapacityReservation,
	},
	"aws_ec2_capacity_block_reservation": {
		shape: &shape{attrs: []string{"capacity_block_offering_id", "instance_count", "instance_type", "availability_zone", "start_date", "end_date", "id", "tags", "tags_all"},
			optional: []string{"id", "tags", "tags_all"}, quiet: []string{"id", "tags", "tags_all"}},
		fn: awsCapacityBlock,
	},
	"google_compute_reservation": {
		shape: &shape{attrs: []string{"name", "zone", "project"}, optional: []string{"project"}, quiet: []string{"project"}, blocks: map[string]*shape{
			"specific_reservation": {attrs: []string{"count"}, blocks: map[string]*shape{
				"instance_properties": {attrs: []string{"machine_type"}, blocks: map[string]*shape{
					"guest_accelerators": {attrs: []string{"accelerator_type", "accelerator_count"}},
				}},
			}},
		}},
		fn: googleReservation,
	},
	"google_compute_future_reservation": {
		shape: &shape{attrs: []string{"name", "zone", "planning_status", "project"}, optional: []string{"project"}, quiet: []string{"project"}, blocks: map[string]*shape{
			"time_window": {attrs: []string{"start_time", "end_time"}, blocks: map[string]*shape{
				"duration": {attrs: []string{"seconds"}},
			}},
			"specific_sku_properties": {attrs: []string{"total_count"}, blocks: map[string]*shape{
				"instance_properties": {attrs: []string{"machine_type"}, blocks: map[string]*shape{
					"guest_accelerators": {attrs: []string{"accelerator_type", "accelerator_count"}},
				}},
			}},
		}},
		fn: googleFutureReservation,
	},
	"azurerm_capacity_reservation": {
		shape: &shape{attrs: []string{"zone", "capacity_reservation_group_id"}, blocks: map[string]*shape{
			"sku": {attrs: []string{"name", "capacity"}},
		}},
		fn: azureReservation,
	},
	"aws_eks_node_group": {
		shape: &shape{attrs: []string{"instance_types", "capacity_type", "subnet_ids"}, blocks: map[string]*shape{
			"scaling_config":  {attrs: []string{"max_size"}},
			"launch_template": ltRefShape,
		}},
		fn: eksNodeGroup,
	},
	"aws_autoscaling_group": {
		shape: &shape{attrs: []string{"max_size", "availability_zones", "vpc_zone_identifier"}, blocks: map[string]*shape{
			"launch_template": ltRefShape,
			"mixed_instances_policy": {blocks: map[string]*shape{
				"instances_distribution": {attrs: []string{"on_demand_base_capacity", "on_demand_percentage_above_base_capacity"}},
				"launch_template": {blocks: map[string]*shape{
					"launch_template_specification": {attrs: []string{"launch_template_id", "launch_template_name"}},
					"override":                      {attrs: []string{"instance_type"}},
				}},
			}},
		}},
		fn: autoscalingGroup,
	},
	"google_container_node_pool": {shape: gkeNodePoolShape, fn: gkeNodePool},
	"google_container_cluster":   {shape: gkeClusterShape, fn: gkeCluster},
	"azurerm_kubernetes_cluster": {
		shape: &shape{blocks: map[string]*shape{"default_node_pool": {attrs: aksPoolAttrs}}},
		fn:    aksCluster,
	},
	"google_compute_instance_group_manager":        {shape: gceGroupShape, fn: gceGroupManager},
	"google_compute_region_instance_group_manager": {shape: gceGroupShape, fn: gceGroupManager},
	"google_compute_instance": {
		shape: &shape{attrs: []string{"machine_type", "zone"}, blocks: gceTemplateShape.blocks},
		fn:    gceInstance,
	},
	"aws_instance": {
		shape: &shape{attrs: []string{"instance_type", "availability_zone"}, blocks: map[string]*shape{
			"launch_template":                    ltRefShape,
			"capacity_reservation_specification": crTargetShape,
			"instance_market_options":            {attrs: []string{"market_type"}},
		}},
		fn: awsInstance,
	},
	"google_tpu_v2_vm": {shape: tpuVMShape, fn: tpuVM},
	"azapi_resource": {
		shape: &shape{attrs: []string{"type", "body", "parent_id", "location"}},
		fn:    azapiResource,
	},
	"azurerm_kubernetes_cluster_node_pool": {
		shape: &shape{attrs: aksPoolAttrs},
		fn:    aksNodePool,
	},
	"azurerm_linux_virtual_machine_scale_set":        {shape: azureScaleSetShape("sku"), fn: azureScaleSet("sku")},
	"azurerm_windows_virtual_machine_scale_set":      {shape: azureScaleSetShape("sku"), fn: azureScaleSet("sku")},
	"azurerm_orchestrated_virtual_machine_scale_set": {shape: azureScaleSetShape("sku_name"), fn: azureScaleSet("sku_name")},
	"azurerm_linux_virtual_machine":                  {shape: azureVMShape, fn: azureVM},
	"azurerm_windows_virtual_machine":                {shape: azureVMShape, fn: azureVM},
	// Not capacity itself: the membership of a capacity reservation in a
	// resource group, which links the group's consumers to their
	// reservations (collector.linkConsumers).
	"aws_resourcegroups_resource": {
		shape: &shape{attrs: []string{"group_arn", "resource_arn"}},
		fn:    awsGroupMember,
	},
}
