package terraform

import (
	"strings"

	"github.com/capcheck/capcheck/inventory"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

func azureReservation(x *extraction) {
	typ, ok := x.requiredStr("sku.0.name")
	if !ok {
		return
	}
	in, gpu, ok := x.instanceGPUs(typ, "sku.0.name")
	if !ok || !gpu {
		return
	}
	n, ok := x.requiredNum("sku.0.capacity")
	if !ok {
		return
	}
	zone, _, ok := x.str("zone")
	if !ok {
		return
	}
	x.emit(inventory.KindReservation, in.Type, n, in.GPU, in.GPUs, zone, true)
	if addr, _ := x.v.ref("capacity_reservation_group_id", "azurerm_capacity_reservation_group", "azapi_resource"); addr != "" {
		x.f.azureGroup = addr
	}
}

func aksNodePool(x *extraction) { aksPool(x, "") }

// aksPool reads an AKS node pool whose arguments are at prefix p ("" for
// azurerm_kubernetes_cluster_node_pool, "default_node_pool.0." for a
// cluster's default pool) and emits it at x.addr. node_count and max_count
// count the whole pool (all its zones).
func aksPool(x *extraction, p string) {
	typ, ok := x.requiredStr(p + "vm_size")
	if !ok {
		return
	}
	in, gpu, ok := x.instanceGPUs(typ, p+"vm_size")
	if !ok || !gpu {
		return
	}
	n, set, ok := x.num(p + "max_count")
	if !ok {
		return
	}
	if !set {
		if n, set, ok = x.num(p + "node_count"); !ok {
			return
		}
		if !set {
			x.unresolvedf("neither max_count nor node_count is set: the node count cannot be evaluated statically")
			return
		}
	}
	group, lit := x.v.ref(p+"capacity_reservation_group_id", "azurerm_capacity_reservation_group", "azapi_resource")
	if group != "" {
		x.consumer = group
	} else if lit != "" {
		x.consumer = lit
	}
	if pr, _, _ := x.strQuiet(p + "priority"); strings.EqualFold(pr, "Spot") {
		x.spot = true
	}
	x.emit(inventory.KindElastic, in.Type, n, in.GPU, in.GPUs, x.singleZone(p+"zones"), false)
	x.f.azureWants = group
}

// azapiReservation is the azapi_resource type of an Azure capacity
// reservation, before its @API-version.
const azapiReservation = "microsoft.compute/capacityreservationgroups/capacityreservations"

// azapiResource emits an Azure capacity reservation written as an
// azapi_resource (type
// Microsoft.Compute/capacityReservationGroups/capacityReservations@VERSION):
// body.sku.capacity × GPUs(body.sku.name), in body.zones[0]; body may be
// an object (azapi 2) or a JSON string (azapi 1, jsonencode). Its
// parent_id is the capacity reservation group. Other azapi resources
// hold no GPUs.
func azapiResource(x *extraction) {
	t, _, _ := x.strQuiet("type")
	if kind, _, _ := strings.Cut(strings.ToLower(t), "@"); kind != azapiReservation {
		return
	}
	body := x.get("body")
	if !x.known(body, "body") {
		return
	}
	if b, _ := body.UnmarkDeep(); b.Type() == cty.String {
		v, err := stdlib.JSONDecode(b)
		if err != nil {
			x.c.errorf(x.v.pos("body"), "%s: body is not JSON: %v", x.addr, err)
			return
		}
		obj := x.v.v.GetAttr("type") // rebuild the view with the decoded body
		x.v.v = cty.ObjectVal(map[string]cty.Value{"type": obj, "body": v, "parent_id": x.get("parent_id"), "location": x.get("location")})
	}
	typ, ok := x.requiredStr("body.sku.name")
	if !ok {
		return
	}
	in, gpu, ok := x.instanceGPUs(typ, "body.sku.name")
	if !ok || !gpu {
		return
	}
	n, ok := x.requiredNum("body.sku.capacity")
	if !ok {
		return
	}
	zone, _, ok := x.str("body.zones.0")
	if !ok {
		return
	}
	// A block or future capacity reservation (API 2025-04-01 and later)
	// holds only within properties.scheduleProfile: from start (a date)
	// to end (a date, the last day; a future reservation has none).
	start, _, ok := x.str("body.properties.scheduleProfile.start")
	if !ok {
		return
	}
	end, _, ok := x.str("body.properties.scheduleProfile.end")
	if !ok {
		return
	}
	r := x.emit(inventory.KindReservation, in.Type, n, in.GPU, in.GPUs, zone, true)
	r.Start, r.End = start, end
	if addr, _ := x.v.ref("parent_id", "azurerm_capacity_reservation_group", "azapi_resource"); addr != "" {
		x.f.azureGroup = addr
	}
}

// aksCluster emits the default_node_pool of an azurerm_kubernetes_cluster
// (`ADDR.default_node_pool`) when its vm_size has GPUs.
func aksCluster(x *extraction) {
	base := x.addr
	x.addr = base + ".default_node_pool"
	aksPool(x, "default_node_pool.0.")
	x.addr = base
}

// azureScaleSet emits an Azure VM scale set (azurerm_linux_ and
// azurerm_windows_virtual_machine_scale_set: sku;
// azurerm_orchestrated_virtual_machine_scale_set: sku_name) whose size has
// GPUs: instances × GPUs(size) of on-demand capacity, elastic and never
// guaranteed. instances is the set's size as Terraform declares it (the
// provider's default 0 when unset); an azurerm_monitor_autoscale_setting
// that scales it further is not read, so the figure may be a lower bound.
func azureScaleSet(sizeAttr string) func(*extraction) {
	return func(x *extraction) { azureVMs(x, sizeAttr, "instances") }
}

// azureVM emits an Azure virtual machine (azurerm_linux_ and
// azurerm_windows_virtual_machine) whose size has GPUs: one instance of
// on-demand capacity, like an aws_instance.
func azureVM(x *extraction) { azureVMs(x, "size", "") }

// azureVMs reads the size at sizeAttr and the instance count at countAttr
// ("" for one VM). One in a capacity reservation group
// (capacity_reservation_group_id) is that group's consumer.
func azureVMs(x *extraction, sizeAttr, countAttr string) {
	if !x.soft(sizeAttr) {
		return
	}
	typ, set, ok := x.str(sizeAttr)
	if !ok || !set {
		return // an orchestrated scale set without sku_name: VMs added apart
	}
	in, gpu, ok := x.instanceGPUs(typ, sizeAttr)
	if !ok || !gpu {
		return
	}
	n, zone := 1, ""
	if countAttr != "" {
		if n, _, ok = x.num(countAttr); !ok {
			return
		}
		zone = x.singleZone("zones")
	} else {
		zone, _, _ = x.strQuiet("zone")
	}
	group, lit := x.v.ref("capacity_reservation_group_id", "azurerm_capacity_reservation_group", "azapi_resource")
	if group != "" {
		x.consumer = group
	} else if lit != "" {
		x.consumer = lit
	}
	if pr, _, _ := x.strQuiet("priority"); strings.EqualFold(pr, "Spot") {
		x.spot = true
	}
	x.emit(inventory.KindElastic, in.Type, n, in.GPU, in.GPUs, zone, false)
	x.f.azureWants = group
}

// azureScaleSetShape is the shape of a VM scale set whose size is at
// sizeAttr.
func azureScaleSetShape(sizeAttr string) *shape {
	return &shape{attrs: []string{sizeAttr, "instances", "zones", "capacity_reservation_group_id", "priority"}}
}
