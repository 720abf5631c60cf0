package terraform

import (
	"strconv"
	"strings"
	"time"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/capcheck/capcheck/evaluator/catalog"
	"github.com/capcheck/capcheck/internal/diag"
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
	x.selectors(r)
}

// selectors records a reservation's id and tags when they are known: what
// an EC2NodeClass's capacityReservationSelectorTerms select it by
// (tags_all, a plan's tags with the provider's default_tags, wins over
// tags). Unknown ones are left out quietly: they decide no GPUs.
func (x *extraction) selectors(r *inventory.Entry) {
	r.ID, _, _ = x.strQuiet("id")
	for _, p := range []string{"tags_all", "tags"} {
		v, _ := x.get(p).UnmarkDeep()
		if v.IsNull() || !v.IsWhollyKnown() || !(v.Type().IsObjectType() || v.Type().IsMapType()) || v.LengthInt() == 0 {
			continue
		}
		r.Tags = map[string]string{}
		for k, e := range v.AsValueMap() {
			if s, err := convert.Convert(e, cty.String); err == nil && !s.IsNull() {
				r.Tags[k] = s.AsString()
			}
		}
		return
	}
}

// instances reads instance_type and instance_count from src (x itself, or
// the capacity block offering it names) with the catalog's GPUs per
// instance; ok is false when x is unresolved, an error, or not a GPU type.
func (x *extraction) instances(src *extraction) (typ string, in catalog.Instance, n int, ok bool) {
	if typ, ok = src.requiredStr("instance_type"); !ok {
		return
	}
	in, gpu, ok := src.instanceGPUs(typ, "instance_type")
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
	x.selectors(r)
}

// launchTemplateType returns the instance type from a linked launch
// template and sets the consumer link from its capacity reservation target.
// lt is the template, read as part of x (where its instance_type is), nil
// when paths name none.
func (x *extraction) launchTemplateType(paths ...string) (typ string, set, ok bool, lt *extraction) {
	v, found := x.link.launchTemplate(x, paths...)
	if !found {
		return "", false, true, nil
	}
	lt = &extraction{c: x.c, cat: x.cat, typ: x.typ, addr: x.addr, pos: x.pos, v: v}
	typ, set, ok = lt.str("instance_type")
	if !ok {
		return "", false, false, lt
	}
	x.reservationTarget(v)
	if m, _, _ := lt.strQuiet("instance_market_options.0.market_type"); strings.EqualFold(m, "spot") {
		x.spot = true
	}
	return typ, set, true, lt
}

// reservationTarget sets the consumer link from the
// capacity_reservation_specification of v (an instance or a launch
// template): the capacity reservation it targets, or the capacity
// reservation resource group (capacity_reservation_resource_group_arn,
// an aws_resourcegroups_group or its ARN), whose reservations it runs in.
func (x *extraction) reservationTarget(v view) {
	const target = "capacity_reservation_specification.0.capacity_reservation_target.0."
	if addr, lit := v.ref(target+"capacity_reservation_id", "aws_ec2_capacity_reservation", "aws_ec2_capacity_block_reservation"); addr != "" || lit != "" {
		x.consumer, x.group = cmpOr(addr, lit), false
	}
	if addr, lit := v.ref(target+"capacity_reservation_resource_group_arn", "aws_resourcegroups_group"); addr != "" || lit != "" {
		x.consumer, x.group = cmpOr(addr, lit), true
	}
}

// awsGroupMember records an aws_resourcegroups_resource that adds a
// capacity reservation (or capacity block) to a resource group: the
// group's consumers are linked to it (collector.linkConsumers). The group
// is named by reference or by its literal ARN, as consumers name it; the
// reservation must be a reference to one of the module.
func awsGroupMember(x *extraction) {
	group, lit := x.v.ref("group_arn", "aws_resourcegroups_group")
	member, _ := x.v.ref("resource_arn", "aws_ec2_capacity_reservation", "aws_ec2_capacity_block_reservation")
	if group = cmpOr(group, lit); group == "" || member == "" {
		return
	}
	if x.c.members == nil {
		x.c.members = map[string][]string{}
	}
	x.c.members[group] = append(x.c.members[group], member)
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
	var lt *extraction
	hasLT := !getPath(x.v.v, "launch_template.0").IsNull()
	if hasLT {
		t, _, ok, l := x.launchTemplateType("launch_template.0.id", "launch_template.0.name")
		if !ok {
			return
		}
		ltType, lt = t, l
	}
	types := x.get("instance_types")
	var typ string
	src, at := x, "instance_types.0" // where the type is read
	listed := false                  // instance_types lists a type
	switch {
	case types.IsWhollyKnown():
		types, _ = types.UnmarkDeep()
		if !types.IsNull() && types.CanIterateElements() && types.LengthInt() > 1 {
			t, i, ok := x.sureType("instance_types", "", types.LengthInt())
			if !ok {
				return
			}
			typ, at, listed = t, "instance_types."+strconv.Itoa(i), true
		} else if !types.IsNull() && types.CanIterateElements() && types.LengthInt() == 1 {
			t, ok := x.requiredStr("instance_types.0")
			if !ok {
				return
			}
			typ, listed = t, true
		}
	case ltType == "":
		x.known(types, "instance_types")
		return
	}
	if typ == "" && ltType != "" && !listed {
		typ, src, at = ltType, lt, "instance_type"
	}
	if typ == "" {
		if hasLT && lt == nil && !listed {
			x.unresolvedf("launch_template is not an aws_launch_template in this module: the instance type cannot be evaluated statically")
		}
		return // EKS defaults to t3.medium (AWS's default): no GPUs
	}
	in, gpu, ok := src.instanceGPUs(typ, at)
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

// sureType is the instance type of the list at p (n > 1 types, each at
// p.N+suffix, any of which the group may launch) whose capacity is sure: the one with the
// fewest GPUs per instance (the first such, its index i), when every type
// has GPUs of one model; a list of no GPU types gives "" and ok. Types of
// different GPU models, or GPU types mixed with types without GPUs, leave
// the pool's GPU ambiguous: unresolved at the list, ok false.
func (x *extraction) sureType(p, suffix string, n int) (typ string, i int, ok bool) {
	type seen struct {
		typ string
		in  catalog.Instance
		gpu bool
		at  int
		pos diag.Pos // where it is written
	}
	var all []seen
	for j := range n {
		at := p + "." + strconv.Itoa(j) + suffix
		t, ok := x.requiredStr(at)
		if !ok {
			return "", 0, false
		}
		in, gpu, ok := x.instanceGPUs(t, at)
		if !ok {
			return "", 0, false
		}
		all = append(all, seen{typ: t, in: in, gpu: gpu, at: j, pos: x.v.pos(at)})
	}
	var best *seen
	var plain *seen
	for j := range all {
		s := &all[j]
		switch {
		case !s.gpu:
			if plain == nil {
				plain = s
			}
		case best == nil:
			best = s
		case s.in.GPU != best.in.GPU:
			x.unresolvedf("%s lists %s (%s, at %s) and %s (%s, at %s): the group may launch either, so its GPU model is ambiguous; list types of one GPU model, or one type", shownPath(p), best.typ, best.in.GPU, best.pos, s.typ, s.in.GPU, s.pos)
			return "", 0, false
		case s.in.GPUs < best.in.GPUs:
			best = s
		}
	}
	switch {
	case best == nil:
		return "", 0, true
	case plain != nil:
		x.unresolvedf("%s lists %s (%s, at %s) and %s (at %s), which has no GPUs: the group may launch either, so its GPUs are not sure; list GPU types only", shownPath(p), best.typ, best.in.GPU, best.pos, plain.typ, plain.pos)
		return "", 0, false
	}
	return best.typ, best.at, true
}

func autoscalingGroup(x *extraction) {
	const mip = "mixed_instances_policy.0.launch_template.0."
	typ, set, ok := x.str(mip + "override.0.instance_type")
	if !ok {
		return
	}
	ltType, _, ok, lt := x.launchTemplateType("launch_template.0.id", "launch_template.0.name",
		mip+"launch_template_specification.0.launch_template_id", mip+"launch_template_specification.0.launch_template_name")
	if !ok {
		return
	}
	src, at := x, mip+"override.0.instance_type" // where the type is read
	if ov, _ := x.get(mip + "override").Unmark(); set && ov.IsKnown() && !ov.IsNull() && ov.CanIterateElements() && ov.LengthInt() > 1 {
		// Several overrides: the group may launch any of them.
		t, i, ok := x.sureType(mip+"override", ".instance_type", ov.LengthInt())
		if !ok || t == "" {
			return
		}
		typ, at = t, mip+"override."+strconv.Itoa(i)+".instance_type"
	}
	if !set {
		if lt == nil || ltType == "" {
			x.unresolvedf("the launch template is not an aws_launch_template with instance_type in this module: the instance type cannot be evaluated statically")
			return
		}
		typ, src, at = ltType, lt, "instance_type"
	}
	in, gpu, ok := src.instanceGPUs(typ, at)
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
	src := x // where the type is read
	if !getPath(x.v.v, "launch_template.0").IsNull() {
		ltType, ltSet, ok, lt := x.launchTemplateType("launch_template.0.id", "launch_template.0.name")
		if !ok {
			return
		}
		if !set {
			if lt == nil || !ltSet {
				x.unresolvedf("launch_template is not an aws_launch_template in this module: the instance type cannot be evaluated statically")
				return
			}
			typ, src = ltType, lt
		}
	}
	if typ == "" {
		return
	}
	in, gpu, ok := src.instanceGPUs(typ, "instance_type")
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
