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
		"instance_market_options": {attrs: []string{"market_type"}},
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
			"launch_template": ltRefShape,
			"capacity_reservation_specification": {blocks: map[string]*shape{
				"capacity_reservation_target": {attrs: []string{"capacity_reservation_id"}},
			}},
		}},
		fn: awsInstance,
	},
	"azurerm_kubernetes_cluster_node_pool": {
		shape: &shape{attrs: aksPoolAttrs},
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
	// linkedBlock follows the reference at path p of x to a block of kind
	// ("data.T" or a resource type) in the same module, evaluated to sh.
	linkedBlock(x *extraction, kind string, sh *shape, p string) (view, bool)
}

// collector gathers the results of one root module.
type collector struct {
	found      []*found
	unresolved []Unresolved
	diags      diag.Diagnostics
	// depth counts lazy evaluations in progress; instances counts the
	// expanded instances (see maxRefDepth, maxInstances).
	depth      int
	instances  int
	overBudget bool
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
	machine, gpu, per, ok := x.machineGPUs("specific_reservation.0.instance_properties.0.", "guest_accelerators", "accelerator_type", "accelerator_count", true)
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
	c.unresolved = append(c.unresolved, Unresolved{Address: addr, File: pos.File, Line: pos.Line, Column: pos.Column, Msg: unknownMsg(what, rs)})
	return false
}

// unknownMsg says that what cannot be evaluated statically, and why.
func unknownMsg(what string, rs []reason) string {
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
	return msg
}

func (c *collector) errorf(pos diag.Pos, format string, args ...any) {
	c.diags = append(c.diags, diag.Errorf(pos, format, args...)...)
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
	exprs := map[string]scopedExpr{}
	val, ok := in.buildView(body, sh, sc, "", exprs, addr)
	return view{
		v: val,
		pos: func(p string) diag.Pos {
			if e, ok := exprs[p]; ok {
				return rangePos(e.expr.Range())
			}
			best := ""
			for k := range exprs { // a list element: point at the list
				if strings.HasPrefix(p, k+".") && len(k) > len(best) {
					best = k
				}
			}
			if best != "" {
				return rangePos(exprs[best].expr.Range())
			}
			return rangePos(body.MissingItemRange())
		},
		ref: func(p string, types ...string) (string, string) {
			e, ok := exprs[p]
			if !ok {
				return "", ""
			}
			return in.refAddress(e.expr, e.sc, 0, types...)
		},
	}, ok
}

// scopedExpr is an argument's expression and the scope it evaluates in (a
// dynamic block's content sees its iterator).
type scopedExpr struct {
	expr hcl.Expression
	sc   *scope
}

var dynamicSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "for_each", Required: true}, {Name: "iterator"}, {Name: "labels"}},
	Blocks:     []hcl.BlockHeaderSchema{{Type: "content"}},
}

func (in *instance) buildView(body hcl.Body, sh *shape, sc *scope, prefix string, exprs map[string]scopedExpr, addr string) (cty.Value, bool) {
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
		exprs[prefix+name] = scopedExpr{a.Expr, sc}
		v, ds := in.eval(a.Expr, sc)
		if in.fail(ds) {
			ok = false
			v = cty.DynamicVal
		}
		obj[name] = v
	}
	for name, sub := range sh.blocks {
		// Static and dynamic blocks of a type, in source order, as
		// Terraform expands them.
		var elems []cty.Value
		var unknown []cty.Value
		for _, b := range content.Blocks {
			switch {
			case b.Type == name:
				v, bok := in.buildView(b.Body, sub, sc, prefix+name+"."+strconv.Itoa(len(elems))+".", exprs, addr)
				ok = ok && bok
				elems = append(elems, v)
			case b.Type == "dynamic" && b.Labels[0] == name:
				vs, u, dok := in.dynamicBlocks(b, sub, sc, prefix+name, len(elems), exprs, addr)
				ok = ok && dok
				elems = append(elems, vs...)
				if u != cty.NilVal {
					unknown = append(unknown, u)
				}
			}
		}
		switch {
		case len(unknown) > 0:
			// Unknown for_each: the whole block list is unknown, carrying
			// why.
			obj[name] = unknown[0]
		case len(elems) > 0:
			obj[name] = cty.TupleVal(elems)
		default:
			obj[name] = cty.EmptyTupleVal
			// The provider's "attributes as blocks" mode: a block type
			// written as an argument, `guest_accelerator = [{...}]`.
			if v, found, aok := in.blockAttribute(body, name, sc, prefix, exprs); found {
				ok = ok && aok
				obj[name] = v
			}
		}
	}
	return cty.ObjectVal(obj), ok
}

// dynamicBlocks expands one `dynamic "name"` block whose for_each is known:
// one element per for_each element, built from its content block with the
// iterator (the label, or `iterator = x`) in scope. unknown is set, with
// the reasons, when for_each cannot be evaluated statically.
func (in *instance) dynamicBlocks(b *hcl.Block, sh *shape, sc *scope, path string, first int, exprs map[string]scopedExpr, addr string) (elems []cty.Value, unknown cty.Value, ok bool) {
	pos := rangePos(b.DefRange)
	content, hd := b.Body.Content(dynamicSchema)
	if hd.HasErrors() {
		in.fail(fromHCL(hd))
		return nil, cty.NilVal, false
	}
	iter := b.Labels[0]
	if a := content.Attributes["iterator"]; a != nil {
		name := hcl.ExprAsKeyword(a.Expr)
		if name == "" {
			in.errorf(rangePos(a.Expr.Range()), "dynamic %q: iterator must be a single name", b.Labels[0])
			return nil, cty.NilVal, false
		}
		iter = name
	}
	bodies := content.Blocks.OfType("content")
	if len(bodies) != 1 {
		in.errorf(pos, "dynamic %q: want exactly one content block, got %d", b.Labels[0], len(bodies))
		return nil, cty.NilVal, false
	}
	fe := content.Attributes["for_each"]
	v, ds := in.eval(fe.Expr, sc)
	if in.fail(ds) {
		return nil, cty.NilVal, false
	}
	// Iterate a collection that is itself known even when some element
	// values are not: those stay unknown in the attributes that use them.
	if !v.IsKnown() || (v.Type().IsSetType() && !v.IsWhollyKnown()) {
		if len(reasons(v)) == 0 {
			v = unknownBecause(false, rangePos(fe.Expr.Range()), "the for_each of dynamic %q is not known statically", b.Labels[0])
		}
		return nil, v, true
	}
	v, _ = v.Unmark()
	if v.IsNull() || !v.CanIterateElements() {
		in.errorf(rangePos(fe.Expr.Range()), "dynamic %q: for_each must be a collection, got %s", b.Labels[0], friendly(v))
		return nil, cty.NilVal, false
	}
	if !in.spend(v.LengthInt(), rangePos(fe.Expr.Range()), addr) {
		return nil, cty.NilVal, false
	}
	ok = true
	for it := v.ElementIterator(); it.Next(); {
		k, val := it.Element()
		if v.Type().IsSetType() {
			k = val
		}
		isc := sc.withIterator(iter, k, val)
		ev, eok := in.buildView(bodies[0].Body, sh, isc, path+"."+strconv.Itoa(first+len(elems))+".", exprs, addr)
		ok = ok && eok
		elems = append(elems, ev)
	}
	return elems, cty.NilVal, ok
}

func friendly(v cty.Value) string {
	if v.IsNull() {
		return "null"
	}
	return v.Type().FriendlyName()
}

// blockAttribute reads a block type written as an argument (a list of
// objects, or one object). found is false when there is no such argument.
func (in *instance) blockAttribute(body hcl.Body, name string, sc *scope, prefix string, exprs map[string]scopedExpr) (v cty.Value, found, ok bool) {
	sb, isNative := body.(*hclsyntax.Body)
	if !isNative {
		return cty.NilVal, false, true
	}
	a := sb.Attributes[name]
	if a == nil {
		return cty.NilVal, false, true
	}
	exprs[prefix+name] = scopedExpr{a.Expr, sc}
	val, ds := in.eval(a.Expr, sc)
	if in.fail(ds) {
		return cty.DynamicVal, true, false
	}
	if !val.IsWhollyKnown() {
		return val, true, true
	}
	plain, marks := val.UnmarkDeep()
	ty := plain.Type()
	switch {
	case plain.IsNull():
		return cty.EmptyTupleVal, true, true
	case ty.IsObjectType() || ty.IsMapType():
		return cty.TupleVal([]cty.Value{plain}).WithMarks(marks), true, true
	case plain.CanIterateElements():
		var elems []cty.Value
		for it := plain.ElementIterator(); it.Next(); {
			_, e := it.Element()
			elems = append(elems, e)
		}
		if len(elems) == 0 {
			return cty.EmptyTupleVal, true, true
		}
		return cty.TupleVal(elems), true, true
	}
	in.errorf(rangePos(a.Expr.Range()), "%s must be a list of objects, got %s", name, ty.FriendlyName())
	return cty.DynamicVal, true, false
}

// refAddress resolves a reference expression to a resource address without
// evaluating the reference (its attributes are known only after apply):
// `aws_ec2_capacity_reservation.x.id` → `module.m.aws_ec2_capacity_reservation.x`,
// with an index when the reference has one (evaluated in sc). literal is
// the value when expr is a known string instead of a reference.
func (in *instance) refAddress(expr hcl.Expression, sc *scope, depth int, types ...string) (addr, literal string) {
	want := func(t string) bool { return len(types) == 0 || slices.Contains(types, t) }
	// name returns "T.N" (or "data.T.N") with the instance key that follows
	// it, if any.
	name := func(tr hcl.Traversal) (string, bool) {
		if !want(tr.RootName()) {
			return "", false
		}
		steps := 2
		if tr.RootName() == "data" {
			steps = 3
		}
		parts := []string{tr.RootName()}
		for i := 1; i < steps; i++ {
			n, ok := attrStep(tr, i)
			if !ok {
				return "", false
			}
			parts = append(parts, n)
		}
		a := in.prefix + strings.Join(parts, ".")
		if len(tr) > steps {
			if ix, ok := tr[steps].(hcl.TraverseIndex); ok {
				a += indexSuffix(ix.Key)
			}
		}
		return a, true
	}
	if tr, d := hcl.AbsTraversalForExpr(expr); !d.HasErrors() {
		if a, ok := name(tr); ok {
			return a, ""
		}
	}
	if rt, ok := expr.(*hclsyntax.RelativeTraversalExpr); ok {
		if ix, ok := rt.Source.(*hclsyntax.IndexExpr); ok {
			if st, ok := ix.Collection.(*hclsyntax.ScopeTraversalExpr); ok {
				if a, ok := name(st.Traversal); ok && !strings.HasSuffix(a, "]") {
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
	// A value derived from one resource instance, through a module output,
	// a local or a for expression (see outputs.go).
	if depth == 0 {
		if a := in.markedAddress(expr, sc, want); a != "" {
			return a, ""
		}
	}
	vars := expr.Variables()
	for _, tr := range vars {
		if sc != nil && sc.iters[tr.RootName()] != cty.NilVal {
			continue
		}
		if slices.Contains([]string{"var", "local", "each", "count", "path", "module", "self", "terraform"}, tr.RootName()) {
			continue
		}
		if a, ok := name(tr); ok {
			return a, ""
		}
	}
	// A local that names the resource, as modules write
	// `local.lt_name = try(aws_launch_template.this[0].name, var.name)`.
	if depth < 8 {
		for _, tr := range vars {
			if tr.RootName() != "local" {
				continue
			}
			if n, ok := attrStep(tr, 1); ok {
				if a := in.mod.locals[n]; a != nil {
					if addr, _ := in.refAddress(a.Expr, nil, depth+1, types...); addr != "" {
						return addr, ""
					}
				}
			}
		}
	}
	// Otherwise the value itself, when it is a known string (a literal,
	// or a variable holding an id such as "cr-0123").
	if depth == 0 {
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
		// The instance the key names: evaluate for_each (without
		// reporting: the block is reported on its own) and pick it.
		k, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(suffix, "["), "]"))
		if err != nil {
			return view{}, false
		}
		v, ds := in.eval(b.forEach.Expr, nil)
		if ds.HasErrors() || !v.IsWhollyKnown() {
			return view{}, false
		}
		v, _ = v.UnmarkDeep()
		key := cty.StringVal(k)
		switch ty := v.Type(); {
		case v.IsNull():
			return view{}, false
		case ty.IsMapType() || ty.IsObjectType():
			if !v.Type().IsObjectType() && !v.HasIndex(key).True() || ty.IsObjectType() && !ty.HasAttribute(k) {
				return view{}, false
			}
			var val cty.Value
			if ty.IsObjectType() {
				val = v.GetAttr(k)
			} else {
				val = v.Index(key)
			}
			sc = &scope{eachKey: &key, eachVal: val}
		case ty.IsSetType():
			if !v.HasElement(key).True() {
				return view{}, false
			}
			sc = &scope{eachKey: &key, eachVal: key}
		default:
			return view{}, false
		}
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
