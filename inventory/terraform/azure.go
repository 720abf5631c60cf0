package terraform

import "github.com/capcheck/capcheck/inventory"

func azureReservation(x *extraction) {
	typ, ok := x.requiredStr("sku.0.name")
	if !ok {
		return
	}
	in, gpu, ok := x.instanceGPUs(typ, "sku.0.name", true)
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
	if addr, _ := x.v.ref("capacity_reservation_group_id", "azurerm_capacity_reservation_group"); addr != "" {
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
	in, gpu, ok := x.instanceGPUs(typ, p+"vm_size", false)
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
	group, lit := x.v.ref(p+"capacity_reservation_group_id", "azurerm_capacity_reservation_group")
	if group != "" {
		x.consumer = group
	} else if lit != "" {
		x.consumer = lit
	}
	x.emit(inventory.KindElastic, in.Type, n, in.GPU, in.GPUs, "", false)
	x.f.azureWants = group
}

// aksCluster emits the default_node_pool of an azurerm_kubernetes_cluster
// (`ADDR.default_node_pool`) when its vm_size has GPUs.
func aksCluster(x *extraction) {
	base := x.addr
	x.addr = base + ".default_node_pool"
	aksPool(x, "default_node_pool.0.")
	x.addr = base
}
