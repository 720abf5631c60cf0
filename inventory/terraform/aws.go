package terraform

import (
	"strings"
	"time"

	"github.com/capcheck/capcheck/evaluator/catalog"
	"github.com/capcheck/capcheck/inventory"
)

var (
	crTargetShape = &shape{blocks: map[string]*shape{
		"capacity_reservation_target": {attrs: []string{"capacity_reservation_id", "capacity_reservation_resource_group_arn"}},
	}}
	ltShape = &shape{attrs: []string{"instance_type"}, blocks: map[string]*shape{
		"capacity_reservation_specification": crTargetShape,
		"instance_market_options":            {attrs: []string{"market_type"}},
	}}
	subnetShape   = &shape{attrs: []string{"availability_zone"}}
	offeringShape = &shape{attrs: offeringFields}
	ltRefShape    = &shape{attrs: []string{"id", "name"}}
)

func awsCapacityReservation(x *extraction) {
	typ, in, n, ok := x.instances(x)
	if !ok {
		return
	}
	// start_date is a future-dated reservation's first instant (AWS
	// CreateCapacityReservation StartDate); absent, it is active now.
	zone, start, end, ok := x.placement()
	if !ok {
		return
	}
	r := x.emit(inventory.KindReservation, typ, n, in.GPU, in.GPUs, zone, true)
	r.Start, r.End = start, end
}

// instances reads instance_type and instance_count from src (x itself, or
// the capacity block offering it names) with the catalog's GPUs per
// instance; ok is false when x is unresolved, an error, or not a GPU type.
func (x *extraction) instances(src *extraction) (typ string, in catalog.Instance, n int, ok bool) {
	if typ, ok = src.requiredStr("instance_type"); !ok {
		return
	}
	in, gpu, ok := x.instanceGPUs(typ, "instance_type", true)
	if !ok || !gpu {
		return typ, in, 0, false
	}
	n, ok = src.requiredNum("instance_count")
	return typ, in, n, ok
}

// placement reads availability_zone, start_date and end_date, each
// optional; ok is false when one is set but not known.
func (x *extraction) placement() (zone, start, end string, ok bool) {
	if zone, _, ok = x.str("availability_zone"); !ok {
		return
	}
	if start, _, ok = x.str("start_date"); !ok {
		return
	}
	end, _, ok = x.str("end_date")
	return zone, start, end, ok
}

func awsCapacityBlock(x *extraction) {
	// The resource's own arguments win; otherwise the offering data source
	// it names supplies them.
	src := x
	if x.get("instance_type").IsNull() || x.get("instance_count").IsNull() {
		off, ok := x.link.offering(x)
		if !ok {
			x.unresolvedf("capacity_block_offering_id does not name a data.aws_ec2_capacity_block_offering in this module: instance type and count cannot be evaluated statically")
			return
		}
		src = &extraction{c: x.c, cat: x.cat, typ: x.typ, addr: x.addr, pos: x.pos, v: off}
		for _, f := range []string{"instance_type", "instance_count"} {
			if src.get(f).IsNull() {
				x.unresolvedf("%s cannot be evaluated statically: the capacity block offering does not set it literally", f)
				return
			}
		}
	}
	typ, in, n, ok := x.instances(src)
	if !ok {
		return
	}
	zone, start, end, ok := x.placement()
	if !ok {
		return
	}
	if src != x {
		// A block bought from an offering lasts capacity_duration_hours
		// from its start, somewhere in the search window
		// [start_date_range, end_date_range]: it is listed from the
		// window's start for its duration, never for the whole window.
		var set bool
		if start, set, ok = src.str("start_date_range"); !ok {
			return
		}
		if !set {
			x.unresolvedf("the capacity block offering sets no start_date_range: the block's start cannot be evaluated statically")
			return
		}
		hours, set, ok := src.num("capacity_duration_hours")
		if !ok {
			return
		}
		if !set {
			x.unresolvedf("the capacity block offering sets no capacity_duration_hours: the block's end cannot be evaluated statically")
			return
		}
		t, err := time.Parse(time.RFC3339, start)
		if err != nil {
			x.c.errorf(src.v.pos("start_date_range"), "%s: start_date_range %q is not an RFC 3339 timestamp", x.addr, start)
			return
		}
		end = t.Add(time.Duration(hours) * time.Hour).UTC().Format(time.RFC3339)
	}
	r := x.emit(inventory.KindCapacityBlock, typ, n, in.GPU, in.GPUs, zone, true)
	r.Start, r.End = start, end
}

// launchTemplateType returns the instance type from a linked launch
// template and sets the consumer link from its capacity reservation target.
func (x *extraction) launchTemplateType(paths ...string) (typ string, found, ok bool) {
	lt, found := x.link.launchTemplate(x, paths...)
	if !found {
		return "", false, true
	}
	sub := &extraction{c: x.c, cat: x.cat, typ: x.typ, addr: x.addr, pos: x.pos, v: lt}
	typ, set, ok := sub.str("instance_type")
	if !ok {
		return "", true, false
	}
	x.reservationTarget(lt)
	if m, _, _ := sub.strQuiet("instance_market_options.0.market_type"); strings.EqualFold(m, "spot") {
		x.spot = true
	}
	return typ, set, true
}

// reservationTarget sets the consumer link from the
// capacity_reservation_specification of v (an instance or a launch
// template): the capacity reservation it targets, or the capacity
// reservation resource group (capacity_reservation_resource_group_arn,
// an aws_resourcegroups_group or its ARN), whose reservations it runs in.
func (x *extraction) reservationTarget(v view) {
	const target = "capacity_reservation_specification.0.capacity_reservation_target.0."
	if addr, lit := v.ref(target+"capacity_reservation_id", "aws_ec2_capacity_reservation", "aws_ec2_capacity_block_reservation"); addr != "" {
		x.consumer = addr
	} else if lit != "" {
		x.consumer = lit
	}
	if addr, lit := v.ref(target+"capacity_reservation_resource_group_arn", "aws_resourcegroups_group"); addr != "" {
		x.consumer = addr
	} else if lit != "" {
		x.consumer = lit
	}
}

// singleSubnetZone is the availability zone of the one aws_subnet of this
// module that the list at p names; "" when the list has another length or
// the subnet's zone is not a literal of the module.
func (x *extraction) singleSubnetZone(p string) string {
	v, _ := x.get(p).Unmark()
	if !v.IsKnown() || v.IsNull() || !v.CanIterateElements() || v.LengthInt() != 1 {
		return ""
	}
	sn, found := x.link.linkedBlock(x, "aws_subnet", subnetShape, p)
	if !found {
		return ""
	}
	sub := &extraction{c: x.c, cat: x.cat, typ: x.typ, addr: x.addr, pos: x.pos, v: sn}
	zone, _, _ := sub.strQuiet("availability_zone")
	return zone
}

func eksNodeGroup(x *extraction) {
	var ltType string
	hasLT := !getPath(x.v.v, "launch_template.0").IsNull()
	ltFound := false
	if hasLT {
		t, found, ok := x.launchTemplateType("launch_template.0.id", "launch_template.0.name")
		if !ok {
			return
		}
		ltType, ltFound = t, found
	}
	types := x.get("instance_types")
	var typ string
	switch {
	case types.IsWhollyKnown():
		types, _ = types.UnmarkDeep()
		if !types.IsNull() && types.CanIterateElements() && types.LengthInt() > 0 {
			t, ok := x.requiredStr("instance_types.0")
			if !ok {
				return
			}
			typ = t
		}
	case ltType == "":
		x.known(types, "instance_types")
		return
	}
	if typ == "" {
		typ = ltType
	}
	if typ == "" {
		if hasLT && !ltFound {
			x.unresolvedf("launch_template is not an aws_launch_template in this module: the instance type cannot be evaluated statically")
		}
		return // EKS defaults to t3.medium (AWS's default): no GPUs
	}
	in, gpu, ok := x.instanceGPUs(typ, "instance_types", false)
	if !ok || !gpu {
		return
	}
	n, ok := x.requiredNum("scaling_config.0.max_size")
	if !ok {
		return
	}
	if ct, _, _ := x.strQuiet("capacity_type"); strings.EqualFold(ct, "SPOT") {
		x.spot = true
	}
	x.emit(inventory.KindElastic, typ, n, in.GPU, in.GPUs, x.singleSubnetZone("subnet_ids"), false)
}

func autoscalingGroup(x *extraction) {
	const mip = "mixed_instances_policy.0.launch_template.0."
	typ, set, ok := x.str(mip + "override.0.instance_type")
	if !ok {
		return
	}
	ltType, found, ok := x.launchTemplateType("launch_template.0.id", "launch_template.0.name",
		mip+"launch_template_specification.0.launch_template_id", mip+"launch_template_specification.0.launch_template_name")
	if !ok {
		return
	}
	if !set {
		if !found || ltType == "" {
			x.unresolvedf("the launch template is not an aws_launch_template with instance_type in this module: the instance type cannot be evaluated statically")
			return
		}
		typ = ltType
	}
	in, gpu, ok := x.instanceGPUs(typ, "launch_template", false)
	if !ok || !gpu {
		return
	}
	n, ok := x.requiredNum("max_size")
	if !ok {
		return
	}
	if allSpot(x) {
		x.spot = true
	}
	zone := ""
	if zs, _ := x.get("availability_zones").Unmark(); zs.IsWhollyKnown() && !zs.IsNull() && zs.CanIterateElements() && zs.LengthInt() == 1 {
		zone, _, _ = x.strQuiet("availability_zones.0")
	}
	if zone == "" {
		zone = x.singleSubnetZone("vpc_zone_identifier")
	}
	x.emit(inventory.KindElastic, typ, n, in.GPU, in.GPUs, zone, false)
}

// allSpot reports whether an autoscaling group's mixed instances policy
// launches only spot instances: no on-demand base capacity (default 0) and
// 0% on demand above it (default 100%).
func allSpot(x *extraction) bool {
	const d = "mixed_instances_policy.0.instances_distribution.0."
	if getPath(x.v.v, "mixed_instances_policy.0.instances_distribution.0").IsNull() {
		return false
	}
	quiet := func(p string) (int, bool) { // null is unset; unknown is not 0
		v, _ := x.get(p).UnmarkDeep()
		if !v.IsKnown() {
			return -1, true
		}
		if v.IsNull() {
			return 0, false
		}
		n, err := wholeNumber(v)
		if err != nil {
			return -1, true
		}
		return n, true
	}
	if base, _ := quiet(d + "on_demand_base_capacity"); base != 0 {
		return false
	}
	pct, set := quiet(d + "on_demand_percentage_above_base_capacity")
	return set && pct == 0
}

// offering implements linker: the data.aws_ec2_capacity_block_offering that
// capacity_block_offering_id refers to, in the same module.
func (in *instance) offering(x *extraction) (view, bool) {
	return in.linkedBlock(x, "data.aws_ec2_capacity_block_offering", offeringShape, "capacity_block_offering_id")
}

// launchTemplate implements linker: the aws_launch_template named by the
// first of paths that refers to one.
func (in *instance) launchTemplate(x *extraction, paths ...string) (view, bool) {
	for _, p := range paths {
		if v, ok := in.linkedBlock(x, "aws_launch_template", ltShape, p); ok {
			return v, true
		}
	}
	return view{}, false
}

// awsInstance emits an aws_instance with GPUs: one on-demand instance,
// the consumer of the capacity reservation its
// capacity_reservation_specification (or its launch template's) targets.
func awsInstance(x *extraction) {
	if !x.soft("instance_type") {
		return
	}
	typ, set, ok := x.str("instance_type")
	if !ok {
		return
	}
	if !getPath(x.v.v, "launch_template.0").IsNull() {
		ltType, found, ok := x.launchTemplateType("launch_template.0.id", "launch_template.0.name")
		if !ok {
			return
		}
		if !set {
			if !found {
				x.unresolvedf("launch_template is not an aws_launch_template in this module: the instance type cannot be evaluated statically")
				return
			}
			typ = ltType
		}
	}
	if typ == "" {
		return
	}
	in, gpu, ok := x.instanceGPUs(typ, "instance_type", false)
	if !ok || !gpu {
		return
	}
	x.reservationTarget(x.v)
	if m, _, _ := x.strQuiet("instance_market_options.0.market_type"); strings.EqualFold(m, "spot") {
		x.spot = true
	}
	zone, _, _ := x.strQuiet("availability_zone")
	x.emit(inventory.KindElastic, typ, 1, in.GPU, in.GPUs, zone, false)
}
