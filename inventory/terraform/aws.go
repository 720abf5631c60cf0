package terraform

import (
	"time"

	"github.com/capcheck/capcheck/inventory"
)

var (
	ltShape = &shape{attrs: []string{"instance_type"}, blocks: map[string]*shape{
		"capacity_reservation_specification": {blocks: map[string]*shape{
			"capacity_reservation_target": {attrs: []string{"capacity_reservation_id"}},
		}},
		"instance_market_options": {attrs: []string{"market_type"}},
	}}
	offeringShape = &shape{attrs: offeringFields}
	ltRefShape    = &shape{attrs: []string{"id", "name"}}
)

func awsCapacityReservation(x *extraction) {
	typ, ok := x.requiredStr("instance_type")
	if !ok {
		return
	}
	in, gpu, ok := x.instanceGPUs(typ, "instance_type", true)
	if !ok || !gpu {
		return
	}
	n, ok := x.requiredNum("instance_count")
	if !ok {
		return
	}
	zone, _, ok := x.str("availability_zone")
	if !ok {
		return
	}
	end, _, ok := x.str("end_date")
	if !ok {
		return
	}
	r := x.emit(inventory.KindReservation, typ, n, in.GPU, in.GPUs, zone, true)
	r.End = end
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
	typ, ok := src.requiredStr("instance_type")
	if !ok {
		return
	}
	in, gpu, ok := x.instanceGPUs(typ, "instance_type", true)
	if !ok || !gpu {
		return
	}
	n, ok := src.requiredNum("instance_count")
	if !ok {
		return
	}
	zone, _, ok := x.str("availability_zone")
	if !ok {
		return
	}
	start, _, ok := x.str("start_date")
	if !ok {
		return
	}
	end, _, ok := x.str("end_date")
	if !ok {
		return
	}
	if src != x {
		if start, _, ok = src.str("start_date_range"); !ok {
			return
		}
		if end, _, ok = src.str("end_date_range"); !ok {
			return
		}
		hours, set, ok := src.num("capacity_duration_hours")
		if !ok {
			return
		}
		if end == "" && start != "" && set {
			if t, err := time.Parse(time.RFC3339, start); err == nil {
				end = t.Add(time.Duration(hours) * time.Hour).UTC().Format(time.RFC3339)
			}
		}
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
	const target = "capacity_reservation_specification.0.capacity_reservation_target.0.capacity_reservation_id"
	addr, lit := lt.ref(target, "aws_ec2_capacity_reservation", "aws_ec2_capacity_block_reservation")
	switch {
	case addr != "":
		x.consumer = addr
	case lit != "":
		x.consumer = lit
	}
	return typ, set, true
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
		return // EKS defaults to t3.medium: no GPUs
	}
	in, gpu, ok := x.instanceGPUs(typ, "instance_types", false)
	if !ok || !gpu {
		return
	}
	n, ok := x.requiredNum("scaling_config.0.max_size")
	if !ok {
		return
	}
	x.emit(inventory.KindElastic, typ, n, in.GPU, in.GPUs, "", false)
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
	x.emit(inventory.KindElastic, typ, n, in.GPU, in.GPUs, "", false)
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
	const target = "capacity_reservation_specification.0.capacity_reservation_target.0.capacity_reservation_id"
	if addr, lit := x.v.ref(target, "aws_ec2_capacity_reservation", "aws_ec2_capacity_block_reservation"); addr != "" {
		x.consumer = addr
	} else if lit != "" {
		x.consumer = lit
	}
	zone, _, _ := x.strQuiet("availability_zone")
	x.emit(inventory.KindElastic, typ, 1, in.GPU, in.GPUs, zone, false)
}
