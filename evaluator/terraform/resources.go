package terraform

import (
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/capcheck/capcheck/evaluator/catalog"
	"github.com/capcheck/capcheck/internal/diag"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// shape lists the arguments and nested blocks of a resource that capcheck
// reads; a view is the resource evaluated to that shape (nested blocks as
// tuples of objects, like `terraform show -json`).
type shape struct {
	attrs  []string
	blocks map[string]*shape
}

var (
	ltShape = &shape{attrs: []string{"instance_type"}, blocks: map[string]*shape{
		"capacity_reservation_specification": {blocks: map[string]*shape{
			"capacity_reservation_target": {attrs: []string{"capacity_reservation_id"}},
		}},
	}}
	offeringShape = &shape{attrs: offeringFields}
	ltRefShape    = &shape{attrs: []string{"id", "name"}}
)

type handler struct {
	shape *shape
	fn    func(x *extraction)
}

// handlers are the GPU-bearing resource types, by Terraform type.
var handlers = map[string]handler{
	"aws_ec2_capacity_reservation": {
		shape: &shape{attrs: []string{"instance_count", "instance_type", "availability_zone", "end_date"}},
		fn:    awsCapacityReservation,
	},
	"aws_ec2_capacity_block_reservation": {
		shape: &shape{attrs: []string{"capacity_block_offering_id", "instance_count", "instance_type", "availability_zone", "start_date", "end_date"}},
		fn:    awsCapacityBlock,
	},
	"google_compute_reservation": {
		shape: &shape{attrs: []string{"name", "zone"}, blocks: map[string]*shape{
			"specific_reservation": {attrs: []string{"count"}, blocks: map[string]*shape{
				"instance_properties": {attrs: []string{"machine_type"}, blocks: map[string]*shape{
					"guest_accelerators": {attrs: []string{"accelerator_type", "accelerator_count"}},
				}},
			}},
		}},
		fn: googleReservation,
	},
	"azurerm_capacity_reservation": {
		shape: &shape{attrs: []string{"zone", "capacity_reservation_group_id"}, blocks: map[string]*shape{
			"sku": {attrs: []string{"name", "capacity"}},
		}},
		fn: azureReservation,
	},
	"aws_eks_node_group": {
		shape: &shape{attrs: []string{"instance_types"}, blocks: map[string]*shape{
			"scaling_config":  {attrs: []string{"max_size"}},
			"launch_template": ltRefShape,
		}},
		fn: eksNodeGroup,
	},
	"aws_autoscaling_group": {
		shape: &shape{attrs: []string{"max_size"}, blocks: map[string]*shape{
			"launch_template": ltRefShape,
			"mixed_instances_policy": {blocks: map[string]*shape{
				"launch_template": {blocks: map[string]*shape{
					"launch_template_specification": {attrs: []string{"launch_template_id", "launch_template_name"}},
					"override":                      {attrs: []string{"instance_type"}},
				}},
			}},
		}},
		fn: autoscalingGroup,
	},
	"google_container_node_pool": {
		shape: &shape{attrs: []string{"node_count", "initial_node_count", "location"}, blocks: map[string]*shape{
			"autoscaling": {attrs: []string{"max_node_count", "total_max_node_count"}},
			"node_config": {attrs: []string{"machine_type"}, blocks: map[string]*shape{
				"guest_accelerator":    {attrs: []string{"type", "count"}},
				"reservation_affinity": {attrs: []string{"consume_reservation_type", "values"}},
			}},
		}},
		fn: gkeNodePool,
	},
	"azurerm_kubernetes_cluster_node_pool": {
		shape: &shape{attrs: []string{"vm_size", "node_count", "max_count", "capacity_reservation_group_id"}},
		fn:    aksNodePool,
	},
}

// view is a resource (or a linked block) evaluated to a shape.
type view struct {
	v cty.Value
	// pos and ref locate each attribute path ("sku.0.name") and resolve a
	// reference in it to a resource address without evaluating it.
	pos func(path string) diag.Pos
	ref func(path string, types ...string) (addr, literal string)
}

// linker finds the blocks a resource refers to: the capacity block
// offering and the launch template in the same module.
type linker interface {
	offering(x *extraction) (view, bool)
	launchTemplate(x *extraction, paths ...string) (view, bool)
}

// collector gathers the results of one root module.
type collector struct {
	found      []*found
	unresolved []Unresolved
	diags      diag.Diagnostics
}

type found struct {
	r Reservation
	// links resolved after every module is evaluated
	gcpName    string // google_compute_reservation name
	gcpWants   string // node pool: reservation name it consumes
	azureGroup string // capacity reservation: its group address
	azureWants string // AKS pool: capacity reservation group address
}

// extraction is one resource instance being turned into a Reservation.
type extraction struct {
	c        *collector
	cat      *catalog.Catalog
	typ      string
	addr     string
	prefix   string // module address prefix, for link addresses
	pos      diag.Pos
	endLine  int
	v        view
	link     linker
	consumer string
	f        *found
}

func (x *extraction) get(p string) cty.Value { return getPath(x.v.v, p) }

// getPath walks an object by a dotted path; numeric segments index tuples.
// A missing step is null; an unknown step is returned as is.
func getPath(v cty.Value, p string) cty.Value {
	if p == "" {
		return v
	}
	for _, seg := range strings.Split(p, ".") {
		if !v.IsKnown() {
			return v
		}
		if v.IsNull() {
			return cty.NullVal(cty.DynamicPseudoType)
		}
		ty := v.Type()
		switch {
		case ty.IsObjectType():
			if !ty.HasAttribute(seg) {
				return cty.NullVal(cty.DynamicPseudoType)
			}
			v = v.GetAttr(seg)
		case ty.IsMapType():
			k := cty.StringVal(seg)
			if !v.HasIndex(k).True() {
				return cty.NullVal(cty.DynamicPseudoType)
			}
			v = v.Index(k)
		case ty.IsTupleType() || ty.IsListType():
			i, err := strconv.Atoi(seg)
			if err != nil || i >= v.LengthInt() {
				return cty.NullVal(cty.DynamicPseudoType)
			}
			v = v.Index(cty.NumberIntVal(int64(i)))
		default:
			return cty.NullVal(cty.DynamicPseudoType)
		}
	}
	return v
}

// known wraps collector.known for this resource.
func (x *extraction) known(v cty.Value, what string) bool {
	return x.c.known(v, x.addr, x.pos, what)
}

func (x *extraction) unresolvedf(format string, args ...any) {
	x.c.unresolved = append(x.c.unresolved, Unresolved{Address: x.addr, File: x.pos.File, Line: x.pos.Line, Column: x.pos.Column, Msg: fmt.Sprintf(format, args...)})
}

// str reads an optional string; ok is false when it is unknown or invalid
// (already reported).
func (x *extraction) str(p string) (s string, set, ok bool) {
	v := x.get(p)
	if !x.known(v, p) {
		return "", false, false
	}
	v, _ = v.UnmarkDeep()
	if v.IsNull() {
		return "", false, true
	}
	sv, err := convert.Convert(v, cty.String)
	if err != nil {
		x.c.errorf(x.v.pos(p), "%s: %s must be a string, got %s", x.addr, p, v.Type().FriendlyName())
		return "", false, false
	}
	return sv.AsString(), true, true
}

// num reads an optional whole number.
func (x *extraction) num(p string) (n int, set, ok bool) {
	v := x.get(p)
	if !x.known(v, p) {
		return 0, false, false
	}
	v, _ = v.UnmarkDeep()
	if v.IsNull() {
		return 0, false, true
	}
	n, err := wholeNumber(v)
	if err != nil || n < 0 {
		x.c.errorf(x.v.pos(p), "%s: invalid %s: %s", x.addr, p, errOr(err, "must not be negative"))
		return 0, false, false
	}
	return n, true, true
}

func (x *extraction) requiredStr(p string) (string, bool) {
	s, set, ok := x.str(p)
	if ok && !set {
		x.c.errorf(x.pos, "%s: missing required argument %q", x.addr, p)
		return "", false
	}
	return s, ok
}

func (x *extraction) requiredNum(p string) (int, bool) {
	n, set, ok := x.num(p)
	if ok && !set {
		x.c.errorf(x.pos, "%s: missing required argument %q", x.addr, p)
		return 0, false
	}
	return n, ok
}

var gpuFamily = regexp.MustCompile(`^(?:[pg][0-9][a-z0-9-]*\.|(?:a2|a3|a4|a4x|g2|g4)-|(?i:standard_n[cdvg]))`)

// looksGPU reports whether an instance type belongs to a GPU family (AWS
// p*/g*, GCP a2/a3/a4/g2/g4, Azure N-series): such a type missing from the
// catalog is an error, not "no GPUs".
func looksGPU(typ string) bool { return gpuFamily.MatchString(typ) }

// instanceGPUs looks typ up in the catalog. gpu is false for a non-GPU
// type (skip silently); ok is false when the type is a GPU family missing
// from the catalog (reported: an error on reservations, unresolved on
// elastic groups).
func (x *extraction) instanceGPUs(typ, p string, strict bool) (in catalog.Instance, gpu, ok bool) {
	if in, found := x.cat.Instance(typ); found {
		return in, true, true
	}
	if !looksGPU(typ) {
		return catalog.Instance{}, false, true
	}
	msg := fmt.Sprintf("unknown instance type %q: add it to the catalog with --catalog", typ)
	if strict {
		x.c.errorf(x.v.pos(p), "%s", msg)
	} else {
		x.unresolvedf("%s", msg)
	}
	return catalog.Instance{}, true, false
}

// accelerators sums a list of {type, count} accelerator blocks. present is
// false when there are none.
func (x *extraction) accelerators(list, typeKey, countKey string, strict bool) (gpu string, per float64, present, ok bool) {
	v := x.get(list)
	if !x.known(v, list) {
		return "", 0, false, false
	}
	v, _ = v.UnmarkDeep()
	if v.IsNull() || !v.CanIterateElements() || v.LengthInt() == 0 {
		return "", 0, false, true
	}
	for i := range v.LengthInt() {
		base := list + "." + strconv.Itoa(i) + "."
		typ, ok := x.requiredStr(base + typeKey)
		if !ok {
			return "", 0, true, false
		}
		n, ok := x.requiredNum(base + countKey)
		if !ok {
			return "", 0, true, false
		}
		g, found := x.cat.Accelerator(typ)
		if !found {
			if !strings.Contains(typ, "nvidia") && !strings.Contains(typ, "gpu") {
				continue // not a GPU (for example a TPU)
			}
			msg := fmt.Sprintf("unknown accelerator type %q: add it to the catalog with --catalog", typ)
			if strict {
				x.c.errorf(x.v.pos(base+typeKey), "%s", msg)
			} else {
				x.unresolvedf("%s", msg)
			}
			return "", 0, true, false
		}
		if gpu != "" && g != gpu {
			x.c.errorf(x.v.pos(base+typeKey), "%s: mixed accelerator types %s and %s in one instance", x.addr, gpu, g)
			return "", 0, true, false
		}
		gpu = g
		per += float64(n)
	}
	return gpu, per, gpu != "", true
}

func (x *extraction) emit(kind, instType string, count int, gpu string, per float64, zone string, guaranteed bool) *Reservation {
	r := Reservation{
		Address:         x.addr,
		ResourceType:    x.typ,
		File:            x.pos.File,
		Line:            x.pos.Line,
		Column:          x.pos.Column,
		EndLine:         x.endLine,
		Kind:            kind,
		InstanceType:    instType,
		Count:           count,
		GPUsPerInstance: per,
		GPUs:            roundGPUs(float64(count) * per),
		GPU:             gpu,
		Zone:            zone,
		Region:          regionOf(zone),
		Guaranteed:      guaranteed,
		ConsumerOf:      x.consumer,
	}
	x.f = &found{r: r}
	x.c.found = append(x.c.found, x.f)
	return &x.f.r
}

// roundGPUs removes float noise from fractional sizes (6 × 1/6 = 1).
func roundGPUs(g float64) float64 { return math.Round(g*1e6) / 1e6 }

var (
	awsZone = regexp.MustCompile(`^([a-z]{2}(?:-gov)?-[a-z]+-[0-9]+)[a-z]$`)
	gcpZone = regexp.MustCompile(`^([a-z]+-[a-z]+[0-9]+)-[a-z]$`)
)

// regionOf derives the region from an AWS or GCP zone name.
func regionOf(zone string) string {
	if m := awsZone.FindStringSubmatch(zone); m != nil {
		return m[1]
	}
	if m := gcpZone.FindStringSubmatch(zone); m != nil {
		return m[1]
	}
	return ""
}

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
	r := x.emit(KindReservation, typ, n, in.GPU, in.GPUs, zone, true)
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
	r := x.emit(KindCapacityBlock, typ, n, in.GPU, in.GPUs, zone, true)
	r.Start, r.End = start, end
}

func googleReservation(x *extraction) {
	const props = "specific_reservation.0.instance_properties.0."
	machine, _, ok := x.str(props + "machine_type")
	if !ok {
		return
	}
	gpu, per, present, ok := x.accelerators(props+"guest_accelerators", "accelerator_type", "accelerator_count", true)
	if !ok {
		return
	}
	if !present {
		in, isGPU, ok := x.instanceGPUs(machine, props+"machine_type", true)
		if !ok || !isGPU {
			return
		}
		gpu, per = in.GPU, in.GPUs
	}
	n, ok := x.requiredNum("specific_reservation.0.count")
	if !ok {
		return
	}
	zone, _, ok := x.str("zone")
	if !ok {
		return
	}
	x.emit(KindReservation, machine, n, gpu, per, zone, true)
	if name, set, _ := x.strQuiet("name"); set {
		x.f.gcpName = name
	}
}

// strQuiet reads a string without reporting unknowns.
func (x *extraction) strQuiet(p string) (string, bool, bool) {
	v, _ := x.get(p).UnmarkDeep()
	if !v.IsKnown() || v.IsNull() || v.Type() != cty.String {
		return "", false, true
	}
	return v.AsString(), true, true
}

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
	x.emit(KindReservation, in.Type, n, in.GPU, in.GPUs, zone, true)
	if addr, _ := x.v.ref("capacity_reservation_group_id", "azurerm_capacity_reservation_group"); addr != "" {
		x.f.azureGroup = addr
	}
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
	x.emit(KindElastic, typ, n, in.GPU, in.GPUs, "", false)
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
	x.emit(KindElastic, typ, n, in.GPU, in.GPUs, "", false)
}

func gkeNodePool(x *extraction) {
	machine, _, ok := x.str("node_config.0.machine_type")
	if !ok {
		return
	}
	gpu, per, present, ok := x.accelerators("node_config.0.guest_accelerator", "type", "count", false)
	if !ok {
		return
	}
	if !present {
		if machine == "" {
			return // GKE defaults to e2-medium: no GPUs
		}
		in, isGPU, ok := x.instanceGPUs(machine, "node_config.0.machine_type", false)
		if !ok || !isGPU {
			return
		}
		gpu, per = in.GPU, in.GPUs
	}
	var n int
	found := false
	for _, p := range []string{"autoscaling.0.max_node_count", "autoscaling.0.total_max_node_count", "node_count", "initial_node_count"} {
		v, set, ok := x.num(p)
		if !ok {
			return
		}
		if set {
			n, found = v, true
			break
		}
	}
	if !found {
		x.unresolvedf("no autoscaling.max_node_count, node_count or initial_node_count: the node count cannot be evaluated statically")
		return
	}
	const aff = "node_config.0.reservation_affinity.0."
	wants := ""
	if t, _, _ := x.strQuiet(aff + "consume_reservation_type"); t == "SPECIFIC_RESERVATION" {
		addr, _ := x.v.ref(aff+"values", "google_compute_reservation")
		if addr != "" {
			x.consumer = addr
		} else if name, set, _ := x.strQuiet(aff + "values.0"); set {
			wants = name
			x.consumer = name
		}
	}
	loc, _, _ := x.strQuiet("location")
	x.emit(KindElastic, machine, n, gpu, per, loc, false)
	x.f.gcpWants = wants
}

func aksNodePool(x *extraction) {
	typ, ok := x.requiredStr("vm_size")
	if !ok {
		return
	}
	in, gpu, ok := x.instanceGPUs(typ, "vm_size", false)
	if !ok || !gpu {
		return
	}
	n, set, ok := x.num("max_count")
	if !ok {
		return
	}
	if !set {
		if n, set, ok = x.num("node_count"); !ok {
			return
		}
		if !set {
			x.unresolvedf("neither max_count nor node_count is set: the node count cannot be evaluated statically")
			return
		}
	}
	group, lit := x.v.ref("capacity_reservation_group_id", "azurerm_capacity_reservation_group")
	if group != "" {
		x.consumer = group
	} else if lit != "" {
		x.consumer = lit
	}
	x.emit(KindElastic, in.Type, n, in.GPU, in.GPUs, "", false)
	x.f.azureWants = group
}

// linkConsumers points consumers at the reservation they run in, once all
// reservations of the root module are known: a GKE pool naming a
// reservation by its literal name, an AKS pool naming a capacity
// reservation group (the group's reservation of the pool's VM size).
func (c *collector) linkConsumers() {
	for _, f := range c.found {
		switch {
		case f.gcpWants != "":
			for _, g := range c.found {
				if g.gcpName == f.gcpWants && g.r.Kind != KindElastic {
					f.r.ConsumerOf = g.r.Address
					break
				}
			}
		case f.azureWants != "":
			var cands []string
			for _, g := range c.found {
				if g.azureGroup == f.azureWants && strings.EqualFold(g.r.InstanceType, f.r.InstanceType) {
					cands = append(cands, g.r.Address)
				}
			}
			if len(cands) > 0 {
				slices.Sort(cands)
				f.r.ConsumerOf = cands[0]
			}
		}
	}
}

// known reports whether v is wholly known. When it is not, it records
// either an error (a variable without a value) or an Unresolved entry for
// addr, naming what (e.g. "instance_count").
func (c *collector) known(v cty.Value, addr string, pos diag.Pos, what string) bool {
	if v.IsWhollyKnown() {
		return true
	}
	rs := reasons(v)
	fatal := false
	for _, r := range rs {
		if r.fatal {
			c.errorf(r.pos, "%s", r.msg)
			fatal = true
		}
	}
	if fatal {
		return false
	}
	var why []string
	for _, r := range rs {
		s := r.msg
		if r.pos.IsValid() {
			s += " (" + r.pos.String() + ")"
		}
		why = append(why, s)
	}
	msg := what + " cannot be evaluated statically"
	if len(why) > 0 {
		msg += ": " + strings.Join(why, "; ")
	}
	c.unresolved = append(c.unresolved, Unresolved{Address: addr, File: pos.File, Line: pos.Line, Column: pos.Column, Msg: msg})
	return false
}

func (c *collector) errorf(pos diag.Pos, format string, args ...any) {
	c.diags = append(c.diags, diag.Errorf(pos, format, args...)...)
}

var remoteGPUHint = regexp.MustCompile(`(?i)gpu|accelerator|capacity_reservation|capacity_block|nvidia|\b[pg][0-9][a-z0-9-]*\.[0-9a-z]*xlarge|\b(a2|a3|a4|g2)-(high|mega|ultra|edge|standard)|standard_n[cdv]`)

// mayHoldGPUs tells whether a remote module call looks GPU-related (its
// source or inputs mention GPUs, accelerators, reservations or a GPU
// instance family): only those become Unresolved, so that the usual VPC and
// IAM modules do not drown the report.
func mayHoldGPUs(src string, _ *catalog.Catalog) bool {
	return remoteGPUHint.MatchString(src)
}

// resource extracts one GPU-bearing resource block of this instance.
func (in *instance) resource(b *block) {
	h := handlers[b.typ]
	base := in.prefix + b.typ + "." + b.name
	exps, ok := in.expand(b.count, b.forEach, base, b.pos(), nil)
	if !ok {
		return
	}
	for _, e := range exps {
		x := &extraction{
			c: in.out, cat: in.d.cat, typ: b.typ, addr: base + e.suffix, prefix: in.prefix,
			pos: b.pos(), endLine: b.rng.End.Line, link: in,
		}
		v, ok := in.view(b.body, h.shape, e.sc, x.addr)
		if !ok {
			continue
		}
		x.v = v
		h.fn(x)
	}
}

// view evaluates body to sh in scope sc.
func (in *instance) view(body hcl.Body, sh *shape, sc *scope, addr string) (view, bool) {
	exprs := map[string]hcl.Expression{}
	val, ok := in.buildView(body, sh, sc, "", exprs, addr)
	return view{
		v: val,
		pos: func(p string) diag.Pos {
			if e, ok := exprs[p]; ok {
				return rangePos(e.Range())
			}
			for k, e := range exprs { // a list element: point at the list
				if strings.HasPrefix(p, k+".") {
					return rangePos(e.Range())
				}
			}
			return rangePos(body.MissingItemRange())
		},
		ref: func(p string, types ...string) (string, string) {
			e, ok := exprs[p]
			if !ok {
				return "", ""
			}
			return in.refAddress(e, sc, types...)
		},
	}, ok
}

func (in *instance) buildView(body hcl.Body, sh *shape, sc *scope, prefix string, exprs map[string]hcl.Expression, addr string) (cty.Value, bool) {
	schema := &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: "dynamic", LabelNames: []string{"type"}}}}
	for _, a := range sh.attrs {
		schema.Attributes = append(schema.Attributes, hcl.AttributeSchema{Name: a})
	}
	for _, name := range slices.Sorted(maps.Keys(sh.blocks)) {
		schema.Blocks = append(schema.Blocks, hcl.BlockHeaderSchema{Type: name})
	}
	content, _, _ := body.PartialContent(schema)
	obj := map[string]cty.Value{}
	ok := true
	for _, name := range sh.attrs {
		a := content.Attributes[name]
		if a == nil {
			obj[name] = cty.NullVal(cty.DynamicPseudoType)
			continue
		}
		exprs[prefix+name] = a.Expr
		v, ds := in.eval(a.Expr, sc)
		if in.fail(ds) {
			ok = false
			v = cty.DynamicVal
		}
		obj[name] = v
	}
	dynamic := map[string]diag.Pos{}
	for _, b := range content.Blocks.OfType("dynamic") {
		dynamic[b.Labels[0]] = rangePos(b.DefRange)
	}
	for name, sub := range sh.blocks {
		if p, isDyn := dynamic[name]; isDyn {
			obj[name] = unknownBecause(false, p, "dynamic %q blocks are not evaluated statically", name)
			continue
		}
		var elems []cty.Value
		for i, b := range content.Blocks.OfType(name) {
			v, bok := in.buildView(b.Body, sub, sc, prefix+name+"."+strconv.Itoa(i)+".", exprs, addr)
			ok = ok && bok
			elems = append(elems, v)
		}
		obj[name] = cty.TupleVal(elems)
		if len(elems) == 0 {
			obj[name] = cty.EmptyTupleVal
		}
	}
	return cty.ObjectVal(obj), ok
}

// refAddress resolves a reference expression to a resource address without
// evaluating the reference (its attributes are known only after apply):
// `aws_ec2_capacity_reservation.x.id` → `module.m.aws_ec2_capacity_reservation.x`,
// with an index when the reference has one (evaluated in sc). literal is
// the value when expr is a known string instead of a reference.
func (in *instance) refAddress(expr hcl.Expression, sc *scope, types ...string) (addr, literal string) {
	want := func(t string) bool { return len(types) == 0 || slices.Contains(types, t) }
	// name returns "T.N" (or "data.T.N") and how many steps it took.
	name := func(tr hcl.Traversal) (string, int, bool) {
		if !want(tr.RootName()) {
			return "", 0, false
		}
		steps := 2
		if tr.RootName() == "data" {
			steps = 3
		}
		parts := []string{tr.RootName()}
		for i := 1; i < steps; i++ {
			n, ok := attrStep(tr, i)
			if !ok {
				return "", 0, false
			}
			parts = append(parts, n)
		}
		return in.prefix + strings.Join(parts, "."), steps, true
	}
	if tr, d := hcl.AbsTraversalForExpr(expr); !d.HasErrors() {
		if a, steps, ok := name(tr); ok {
			if len(tr) > steps {
				if ix, ok := tr[steps].(hcl.TraverseIndex); ok {
					a += indexSuffix(ix.Key)
				}
			}
			return a, ""
		}
	}
	if rt, ok := expr.(*hclsyntax.RelativeTraversalExpr); ok {
		if ix, ok := rt.Source.(*hclsyntax.IndexExpr); ok {
			if st, ok := ix.Collection.(*hclsyntax.ScopeTraversalExpr); ok {
				if a, steps, ok := name(st.Traversal); ok && len(st.Traversal) == steps {
					k, ds := in.eval(ix.Key, sc)
					if !ds.HasErrors() && k.IsWhollyKnown() {
						k, _ = k.UnmarkDeep()
						a += indexSuffix(k)
					}
					return a, ""
				}
			}
		}
	}
	for _, tr := range expr.Variables() {
		if slices.Contains([]string{"var", "local", "each", "count", "path", "module", "self", "terraform"}, tr.RootName()) {
			continue
		}
		if a, _, ok := name(tr); ok {
			return a, ""
		}
	}
	if len(expr.Variables()) == 0 {
		v, ds := in.eval(expr, sc)
		if !ds.HasErrors() && v.IsWhollyKnown() {
			v, _ = v.UnmarkDeep()
			if !v.IsNull() && v.Type() == cty.String {
				return "", v.AsString()
			}
		}
	}
	return "", ""
}

func indexSuffix(k cty.Value) string {
	switch {
	case k.IsNull() || !k.IsKnown():
		return ""
	case k.Type() == cty.String:
		return "[" + strconv.Quote(k.AsString()) + "]"
	case k.Type() == cty.Number:
		if n, err := wholeNumber(k); err == nil {
			return "[" + strconv.Itoa(n) + "]"
		}
	}
	return ""
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

// linkedBlock follows the reference at path p of x to a block of kind
// ("data.T" or a resource type) in this module.
func (in *instance) linkedBlock(x *extraction, kind string, sh *shape, p string) (view, bool) {
	_, isData := strings.CutPrefix(kind, "data.")
	root := kind
	if isData {
		root = "data"
	}
	addr, _ := x.v.ref(p, root)
	if addr == "" {
		return view{}, false
	}
	rest := strings.TrimPrefix(addr, in.prefix)
	key, suffix := rest, ""
	if i := strings.IndexByte(rest, '['); i >= 0 {
		key, suffix = rest[:i], rest[i:]
	}
	b := in.mod.byAddr[key]
	if b == nil || b.typ != strings.TrimPrefix(kind, "data.") || b.data != isData {
		return view{}, false
	}
	var sc *scope
	switch {
	case b.forEach != nil:
		return view{}, false
	case b.count != nil:
		n, err := strconv.Atoi(strings.Trim(suffix, "[]"))
		if err != nil {
			return view{}, false
		}
		idx := cty.NumberIntVal(int64(n))
		sc = &scope{count: &idx}
	}
	v, ok := in.view(b.body, sh, sc, x.addr)
	return v, ok
}
