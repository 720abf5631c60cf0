package terraform

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/capcheck/capcheck/inventory"
	"github.com/zclconf/go-cty/cty"
)

func googleReservation(x *extraction) {
	machine, gpu, per, ok := x.machineGPUs("specific_reservation.0.instance_properties.0.", "guest_accelerators", "accelerator_type", "accelerator_count")
	if !ok || gpu == "" {
		return
	}
	n, ok := x.requiredNum("specific_reservation.0.count")
	if !ok {
		return
	}
	zone, _, ok := x.str("zone")
	if !ok {
		return
	}
	r := x.emit(inventory.KindReservation, machine, n, gpu, per, zone, true)
	if name, set, _ := x.strQuiet("name"); set {
		x.f.gcpName = name
	}
	x.gcpNames(r)
}

// gcpNames records a GCP reservation's name and project when they are
// known: what a GKE ComputeClass's reservations.specific names it by.
func (x *extraction) gcpNames(r *inventory.Entry) {
	r.Name, _, _ = x.strQuiet("name")
	r.Project, _, _ = x.strQuiet("project")
}

// googleFutureReservation emits a google_compute_future_reservation:
// specific_sku_properties.total_count instances of its machine type (GPUs
// from guest_accelerators, else the catalog) in its zone, from
// time_window.start_time to end_time (or start_time + duration.seconds).
// It is guaranteed unless planning_status is DRAFT (not yet submitted).
func googleFutureReservation(x *extraction) {
	const sku = "specific_sku_properties.0."
	machine, gpu, per, ok := x.machineGPUs(sku+"instance_properties.0.", "guest_accelerators", "accelerator_type", "accelerator_count")
	if !ok || gpu == "" {
		return
	}
	n, ok := x.requiredNum(sku + "total_count")
	if !ok {
		return
	}
	zone, _, ok := x.str("zone")
	if !ok {
		return
	}
	start, ok := x.requiredStr("time_window.0.start_time")
	if !ok {
		return
	}
	end, set, ok := x.str("time_window.0.end_time")
	if !ok {
		return
	}
	if !set {
		secs, set, ok := x.num("time_window.0.duration.0.seconds")
		if !ok {
			return
		}
		if !set {
			x.c.errorf(x.pos, "%s: time_window sets neither end_time nor duration: the reservation's end cannot be evaluated", x.addr)
			return
		}
		t, err := time.Parse(time.RFC3339, start)
		if err != nil {
			x.c.errorf(x.v.pos("time_window.0.start_time"), "%s: time_window.start_time %q is not an RFC 3339 timestamp", x.addr, start)
			return
		}
		end = t.Add(time.Duration(secs) * time.Second).UTC().Format(time.RFC3339)
	}
	status, _, _ := x.strQuiet("planning_status")
	r := x.emit(inventory.KindReservation, machine, n, gpu, per, zone, !strings.EqualFold(status, "DRAFT"))
	r.Start, r.End = start, end
	x.gcpNames(r)
}

// reservationName is the reservation a reservation_affinity value names:
// "a3-res", "projects/p/reservations/a3-res" or
// "projects/p/reservations/a3-res/reservationBlocks/b1" all name a3-res.
func reservationName(v string) string {
	if _, after, ok := strings.Cut(v, "reservations/"); ok {
		v = after
	}
	name, _, _ := strings.Cut(v, "/")
	return name
}

// gkeRegionalZones is the number of zones GKE replicates a regional
// cluster's node pools across when node_locations is not set
// (https://cloud.google.com/kubernetes-engine/docs/concepts/regional-clusters).
const gkeRegionalZones = 3

var gcpRegion = regexp.MustCompile(`^[a-z]+-[a-z]+[0-9]+$`)

var (
	gkeNodeConfigShape = &shape{attrs: []string{"machine_type", "spot", "preemptible"}, blocks: map[string]*shape{
		"guest_accelerator":    {attrs: []string{"type", "count"}},
		"reservation_affinity": {attrs: []string{"consume_reservation_type", "values"}},
	}}
	gkeAutoscalingShape = &shape{attrs: []string{"max_node_count", "total_max_node_count"}}
	gkeNodePoolShape    = &shape{attrs: []string{"name", "cluster", "node_count", "initial_node_count", "location", "node_locations"}, blocks: map[string]*shape{
		"autoscaling": gkeAutoscalingShape,
		"node_config": gkeNodeConfigShape,
	}}
	gkeClusterShape = &shape{attrs: []string{"location", "node_locations", "initial_node_count", "remove_default_node_pool", "enable_autopilot"}, blocks: map[string]*shape{
		"node_config": gkeNodeConfigShape,
		"cluster_autoscaling": {attrs: []string{"enabled"}, blocks: map[string]*shape{
			"resource_limits": {attrs: []string{"resource_type", "maximum"}},
		}},
		"node_pool": {attrs: []string{"name", "node_count", "initial_node_count", "node_locations"}, blocks: map[string]*shape{
			"autoscaling": gkeAutoscalingShape,
			"node_config": gkeNodeConfigShape,
		}},
	}}
	gceAffinityShape = &shape{attrs: []string{"type"}, blocks: map[string]*shape{
		"specific_reservation": {attrs: []string{"key", "values"}},
	}}
	gceTemplateShape = &shape{attrs: []string{"machine_type"}, blocks: map[string]*shape{
		"guest_accelerator":    {attrs: []string{"type", "count"}},
		"reservation_affinity": gceAffinityShape,
	}}
	gceGroupShape = &shape{attrs: []string{"target_size", "zone", "region", "instance_template"}, blocks: map[string]*shape{
		"version": {attrs: []string{"instance_template", "name"}},
	}}
	aksPoolAttrs = []string{"name", "vm_size", "node_count", "max_count", "capacity_reservation_group_id", "priority", "zones"}
	azureVMShape = &shape{attrs: []string{"size", "zone", "capacity_reservation_group_id", "priority"}}
	tpuVMShape   = &shape{attrs: []string{"zone", "accelerator_type"}, blocks: map[string]*shape{
		"accelerator_config": {attrs: []string{"type", "topology"}},
		"scheduling_config":  {attrs: []string{"preemptible", "spot", "reserved"}},
	}}
)

// gkeCluster emits the GPU node pools of a google_container_cluster: each
// inline node_pool block (`ADDR.node_pool["NAME"]`, or `[i]` when the name
// is not known), or else the default pool its node_config and
// initial_node_count describe (`ADDR.node_pool["default-pool"]`, GKE's
// name for it) unless remove_default_node_pool is set.
func gkeCluster(x *extraction) {
	if auto, _, _ := x.boolQuiet("enable_autopilot"); auto {
		return // Autopilot: no node pools in the configuration
	}
	base := x.addr
	loc, _, _ := x.strQuiet("location")
	gkeAutoprovisioning(x, loc)
	x.addr = base
	zones := func(pool string) (int, bool) {
		if n, set, ok := x.zoneList(pool + "node_locations"); !ok || set {
			return n, ok
		}
		if n, set, ok := x.zoneList("node_locations"); !ok || set {
			return n, ok
		}
		return regionalZones(loc), true
	}
	// The list of pools must be known (a dynamic "node_pool" over an
	// unknown for_each is not); their arguments are read one by one.
	pools := x.get("node_pool")
	if !pools.IsKnown() {
		x.known(pools, "node_pool")
		return
	}
	pools, _ = pools.Unmark()
	if n := pools.LengthInt(); n > 0 {
		for i := range n {
			p := "node_pool." + strconv.Itoa(i) + "."
			key := strconv.Itoa(i)
			if name, set, _ := x.strQuiet(p + "name"); set {
				key = strconv.Quote(name)
			}
			x.addr, x.consumer = base+".node_pool["+key+"]", ""
			gkePool(x, p, loc, func() (int, bool) { return zones(p) })
		}
		x.addr = base
		return
	}
	if rm, _, _ := x.boolQuiet("remove_default_node_pool"); rm {
		return
	}
	x.addr = base + `.node_pool["default-pool"]`
	gkePool(x, "", loc, func() (int, bool) { return zones("") })
	x.addr = base
}

// gkeNodePool emits a google_container_node_pool. Its zones default to
// those of the google_container_cluster in the same module that cluster
// refers to (see the file comment).
func gkeNodePool(x *extraction) {
	loc, _, _ := x.strQuiet("location")
	gkePool(x, "", loc, func() (int, bool) {
		cl, found := x.link.linkedBlock(x, "google_container_cluster", gkeClusterShape, "cluster")
		if !found {
			return 1, true // a lower bound: the cluster's zones are not known here
		}
		sub := &extraction{c: x.c, cat: x.cat, typ: x.typ, addr: x.addr, pos: x.pos, v: cl}
		if n, set, ok := sub.zoneList("node_locations"); !ok || set {
			return n, ok
		}
		cloc, _, _ := sub.strQuiet("location")
		return regionalZones(cmpOr(cloc, loc)), true
	})
}

// regionalZones is the default zone count of a GKE cluster at loc: three
// for a region, one for a zone (or an unknown location: a lower bound).
func regionalZones(loc string) int {
	if gcpRegion.MatchString(loc) {
		return gkeRegionalZones
	}
	return 1
}

// gkePool reads one GKE node pool whose arguments are at prefix p ("" for
// a google_container_node_pool or a cluster's default pool, "node_pool.N."
// for an inline pool) and emits it at x.addr. defaultZones gives the zone
// count when the pool sets no node_locations.
func gkePool(x *extraction, p, loc string, defaultZones func() (int, bool)) {
	cfg := p + "node_config.0."
	machine, gpu, per, ok := x.machineGPUs(cfg, "guest_accelerator", "type", "count")
	if !ok || gpu == "" {
		return
	}
	n, set, ok := x.num(p + "autoscaling.0.total_max_node_count")
	if !ok {
		return
	}
	if !set {
		for _, c := range []string{"autoscaling.0.max_node_count", "node_count", "initial_node_count"} {
			if n, set, ok = x.num(p + c); !ok {
				return
			}
			if set {
				break
			}
		}
		if !set {
			x.unresolvedf("no autoscaling.max_node_count, total_max_node_count, node_count or initial_node_count: the node count cannot be evaluated statically")
			return
		}
		zones, set, ok := x.zoneList(p + "node_locations")
		if !ok {
			return
		}
		if !set {
			if zones, ok = defaultZones(); !ok {
				return
			}
		}
		n *= zones
	}
	aff := cfg + "reservation_affinity.0."
	wants := ""
	if t, _, _ := x.strQuiet(aff + "consume_reservation_type"); t == "SPECIFIC_RESERVATION" {
		wants = x.gcpConsumer(aff + "values")
	}
	spot, _, _ := x.boolQuiet(cfg + "spot")
	preemptible, _, _ := x.boolQuiet(cfg + "preemptible")
	x.spot = spot || preemptible
	zone := loc
	if z := x.singleZone(p + "node_locations"); z != "" {
		zone = z
	}
	x.emit(inventory.KindElastic, machine, n, gpu, per, zone, false)
	x.spot = false
	x.f.gcpWants = wants
}

// singleZone is the one zone of the list at p, "" when it holds another
// number of zones or is not known.
func (x *extraction) singleZone(p string) string {
	v, _ := x.get(p).UnmarkDeep()
	if !v.IsWhollyKnown() || v.IsNull() || !v.CanIterateElements() || v.LengthInt() != 1 {
		return ""
	}
	z, _, _ := x.strQuiet(p + ".0")
	if z == "" {
		for it := v.ElementIterator(); it.Next(); { // a set
			if _, e := it.Element(); e.Type() == cty.String {
				z = e.AsString()
			}
		}
	}
	return z
}

// gkeAutoprovisioning emits the accelerator ceilings of a GKE cluster's
// node auto-provisioning (cluster_autoscaling with resource_limits for a
// GPU or TPU type): elastic capacity of at most `maximum` accelerators in
// the whole cluster, `ADDR.cluster_autoscaling["TYPE"]`. cpu and memory
// limits are not accelerators.
func gkeAutoprovisioning(x *extraction, loc string) {
	if on, _, _ := x.boolQuiet("cluster_autoscaling.0.enabled"); !on {
		return
	}
	limits, _ := x.get("cluster_autoscaling.0.resource_limits").Unmark()
	if !limits.IsKnown() || limits.IsNull() || !limits.CanIterateElements() {
		return
	}
	base := x.addr
	for i := range limits.LengthInt() {
		p := "cluster_autoscaling.0.resource_limits." + strconv.Itoa(i) + "."
		typ, ok := x.requiredStr(p + "resource_type")
		if !ok {
			continue
		}
		if typ == "cpu" || typ == "memory" {
			continue
		}
		x.addr = base + ".cluster_autoscaling[" + strconv.Quote(typ) + "]"
		gpu, found := x.cat.Accelerator(typ)
		if !found {
			if looksAccelerator(typ) {
				x.unknownAccelerator(typ, p+"resource_type")
			}
			continue
		}
		n, ok := x.requiredNum(p + "maximum")
		if !ok {
			continue
		}
		x.emit(inventory.KindElastic, "", n, gpu, 1, loc, false)
	}
	x.addr = base
}

// tpuChips is how a google_tpu_v2_vm accelerator_type ("v5litepod-8",
// "v4-32") counts: the catalog accelerator of its version and how many of
// the number's units make a chip (v2, v3, v4 and v5p count TensorCores,
// two per chip; v5e and v6e count chips).
var tpuChips = map[string]struct {
	acc     string
	perChip int
}{
	"v4":        {"tpu-v4-podslice", 2},
	"v5litepod": {"tpu-v5-lite-podslice", 1},
	"v5p":       {"tpu-v5p-slice", 2},
	"v6e":       {"tpu-v6e-slice", 1},
}

// tpuConfigTypes maps accelerator_config.type to the accelerator_type
// version prefix.
var tpuConfigTypes = map[string]string{"V4": "v4", "V5LITE_POD": "v5litepod", "V5P": "v5p", "V6E": "v6e"}

// tpuVM emits a google_tpu_v2_vm: one TPU slice of accelerator_type (or
// accelerator_config's type and topology), on-demand capacity like a GCE
// instance, spot when its scheduling_config says so.
func tpuVM(x *extraction) {
	typ, set, ok := x.str("accelerator_type")
	if !ok {
		return
	}
	var version string
	chips := 0
	switch {
	case set:
		v, num, found := strings.Cut(typ, "-")
		n, err := strconv.Atoi(num)
		c, known := tpuChips[v]
		if !found || err != nil || n <= 0 || !known {
			x.unknownTPU(typ, "accelerator_type")
			return
		}
		version, chips = v, max(n/c.perChip, 1)
	default:
		ct, cset, ok := x.str("accelerator_config.0.type")
		if !ok {
			return
		}
		topo, tset, ok := x.str("accelerator_config.0.topology")
		if !ok {
			return
		}
		if !cset || !tset {
			typ = "v2-8" // the provider's default accelerator_type
			x.unknownTPU(typ, "accelerator_type")
			return
		}
		version = tpuConfigTypes[ct]
		chips = 1
		for _, d := range strings.Split(topo, "x") {
			n, err := strconv.Atoi(d)
			if err != nil || n <= 0 {
				chips = 0
				break
			}
			chips *= n
		}
		if version == "" || chips == 0 {
			x.unknownTPU(ct+" "+topo, "accelerator_config.0.type")
			return
		}
		typ = ct + " " + topo
	}
	gpu, found := x.cat.Accelerator(tpuChips[version].acc)
	if !found {
		x.unknownAccelerator(tpuChips[version].acc, "accelerator_type")
		return
	}
	zone, _, ok := x.str("zone")
	if !ok {
		return
	}
	spot, _, _ := x.boolQuiet("scheduling_config.0.spot")
	preemptible, _, _ := x.boolQuiet("scheduling_config.0.preemptible")
	x.spot = spot || preemptible
	x.emit(inventory.KindElastic, typ, 1, gpu, float64(chips), zone, false)
}

// unknownTPU records a google_tpu_v2_vm whose TPU version or size is not
// one capcheck counts: the catalog cannot add one (how a version counts
// chips is in tpuChips), so the message names the versions it reads.
func (x *extraction) unknownTPU(typ, p string) {
	x.unresolvedf("TPU type %q (%s at %s) is not one capcheck counts: it reads v4-N, v5litepod-N, v5p-N and v6e-N (or accelerator_config type V4, V5LITE_POD, V5P or V6E with a topology)",
		typ, shownPath(p), x.v.pos(p))
}

// gcpConsumer sets x.consumer from a reservation_affinity values list at
// p: the google_compute_reservation it refers to, or else the reservation
// name it holds, returned to be linked by name (see linkConsumers).
func (x *extraction) gcpConsumer(p string) (wants string) {
	if addr, _ := x.v.ref(p, "google_compute_reservation"); addr != "" {
		x.consumer = addr
		return ""
	}
	if name, set, _ := x.strQuiet(p + ".0"); set {
		x.consumer = name
		return reservationName(name)
	}
	return ""
}

// zoneList is the number of zones in the list at p; set is false when it
// is null or empty.
func (x *extraction) zoneList(p string) (n int, set, ok bool) {
	v := x.get(p)
	if !x.known(v, p) {
		return 0, false, false
	}
	v, _ = v.UnmarkDeep()
	if v.IsNull() {
		return 0, false, true
	}
	if !v.CanIterateElements() {
		x.c.errorf(x.v.pos(p), "%s: %s must be a list of zones, got %s", x.addr, p, v.Type().FriendlyName())
		return 0, false, false
	}
	if n := v.LengthInt(); n > 0 {
		return n, true, true
	}
	return 0, false, true
}

// gceGroupManager emits a google_compute_instance_group_manager or
// google_compute_region_instance_group_manager: target_size instances of
// its primary version's instance template (a google_compute_instance_template
// or google_compute_region_instance_template of the same module). The
// target size of a regional group is its total over all zones.
func gceGroupManager(x *extraction) {
	tmpl, found := view{}, false
	for _, p := range []string{"version.0.instance_template", "instance_template"} {
		for _, kind := range []string{"google_compute_instance_template", "google_compute_region_instance_template"} {
			if !found {
				tmpl, found = x.link.linkedBlock(x, kind, gceTemplateShape, p)
			}
		}
	}
	if !found {
		x.unresolvedf("the instance template is not a google_compute_instance_template of this module: its machine type cannot be evaluated statically")
		return
	}
	t := &extraction{c: x.c, cat: x.cat, typ: x.typ, addr: x.addr, pos: x.pos, v: tmpl}
	machine, gpu, per, ok := t.gceMachine()
	if !ok || gpu == "" {
		return
	}
	n, set, ok := x.num("target_size")
	if !ok {
		return
	}
	if !set {
		x.unresolvedf("target_size is not set (an autoscaler sizes the group): the instance count cannot be evaluated statically")
		return
	}
	wants := ""
	if typ, _, _ := t.strQuiet("reservation_affinity.0.type"); typ == "SPECIFIC_RESERVATION" {
		wants = t.gcpConsumer("reservation_affinity.0.specific_reservation.0.values")
		x.consumer = t.consumer
	}
	zone, _, _ := x.strQuiet("zone")
	if zone == "" {
		zone, _, _ = x.strQuiet("region")
	}
	x.emit(inventory.KindElastic, machine, n, gpu, per, zone, false)
	x.f.gcpWants = wants
}

// gceMachine reads machine_type and guest_accelerator of an instance or an
// instance template: gpu is "" for a machine without GPUs.
func (x *extraction) gceMachine() (machine, gpu string, per float64, ok bool) {
	return x.machineGPUs("", "guest_accelerator", "type", "count")
}

// gceInstance emits a google_compute_instance with GPUs: one on-demand
// instance (count and for_each expand it like any resource).
func gceInstance(x *extraction) {
	if !x.soft("machine_type") || !x.soft("guest_accelerator") {
		return
	}
	machine, gpu, per, ok := x.gceMachine()
	if !ok || gpu == "" {
		return
	}
	wants := ""
	if typ, _, _ := x.strQuiet("reservation_affinity.0.type"); typ == "SPECIFIC_RESERVATION" {
		wants = x.gcpConsumer("reservation_affinity.0.specific_reservation.0.values")
	}
	zone, _, _ := x.strQuiet("zone")
	x.emit(inventory.KindElastic, machine, 1, gpu, per, zone, false)
	x.f.gcpWants = wants
}
