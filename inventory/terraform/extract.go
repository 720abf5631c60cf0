package terraform

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/capcheck/capcheck/evaluator/catalog"
	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/inventory"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

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
	unresolved []inventory.Unresolved
	diags      diag.Diagnostics
	// members are the capacity reservations of each AWS resource group
	// (aws_resourcegroups_resource), by group address or literal ARN.
	members map[string][]string
	// work meters the for expressions (bound.go).
	work *meter
	// depth counts lazy evaluations in progress; instances counts the
	// expanded instances (see maxRefDepth, maxInstances).
	depth      int
	instances  int
	overBudget bool
	// site is the expression being evaluated, where a failing function
	// call is placed (lenient in tffuncs.go).
	site callSite
}

type found struct {
	r inventory.Entry
	// links resolved after every module is evaluated
	gcpName    string // google_compute_reservation name
	gcpWants   string // node pool: reservation name it consumes
	azureGroup string // capacity reservation: its group address
	azureWants string // AKS pool: capacity reservation group address
	awsGroup   string // consumer: the AWS resource group it targets
}

// extraction is one resource instance being turned into a inventory.Entry.
type extraction struct {
	c        *collector
	cat      *catalog.Catalog
	typ      string
	addr     string
	prefix   string // module address prefix, for link addresses
	pos      diag.Pos
	end      diag.Pos // where the resource's block ends (pos is where it starts)
	v        view
	link     linker
	consumer string
	// group is set with consumer when that is an AWS resource group
	// (capacity_reservation_resource_group_arn), not a reservation.
	group bool
	// spot marks the entry emitted next as interruptible capacity.
	spot bool
	f    *found
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
	x.c.unresolved = append(x.c.unresolved, inventory.Unresolved{Address: x.addr, Range: x.pos.Range(), Msg: fmt.Sprintf(format, args...)})
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

var gpuFamily = regexp.MustCompile(`^(?:[pg][0-9][a-z0-9-]*\.|(?:trn|inf|dl)[0-9][a-z0-9-]*\.|(?:a2|a3|a4|a4x|g2|g4)-|ct[0-9][a-z0-9]*-|(?i:standard_n[cdvg]))`)

// looksGPU reports whether an instance type belongs to an accelerator
// family (AWS p*/g*, trn*/inf*/dl*, GCP a2/a3/a4/g2/g4 and ct* TPU
// machines, Azure N-series): such a type missing from the catalog is
// unresolved (notInCatalog), not "no GPUs".
func looksGPU(typ string) bool { return gpuFamily.MatchString(typ) }

// instanceGPUs looks typ, read at attribute path p, up in the catalog.
// gpu is false for a type outside every accelerator family (no GPUs:
// skipped silently); ok is false when typ belongs to one but is missing
// from the catalog (notInCatalog: unresolved, wherever it appears).
func (x *extraction) instanceGPUs(typ, p string) (in catalog.Instance, gpu, ok bool) {
	if in, found := x.cat.Instance(typ); found {
		return in, true, true
	}
	if !looksGPU(typ) {
		return catalog.Instance{}, false, true
	}
	x.notInCatalog("instance type", typ, p, "instances")
	return catalog.Instance{}, true, false
}

// accelerators sums a list of {type, count} accelerator blocks. present is
// false when there are none.
func (x *extraction) accelerators(list, typeKey, countKey string) (gpu string, per float64, present, ok bool) {
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
			if !looksAccelerator(typ) {
				continue // not an accelerator capcheck counts
			}
			x.unknownAccelerator(typ, base+typeKey)
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

// looksAccelerator reports whether a GCP accelerator type names a GPU or a
// TPU: such a type missing from the catalog is unresolved, not skipped.
func looksAccelerator(typ string) bool {
	t := strings.ToLower(typ)
	return strings.Contains(t, "nvidia") || strings.Contains(t, "gpu") || strings.Contains(t, "tpu")
}

// unknownAccelerator records an accelerator type, read at attribute path
// p, that is missing from the catalog (notInCatalog).
func (x *extraction) unknownAccelerator(typ, p string) {
	x.notInCatalog("accelerator type", typ, p, "accelerators")
}

// notInCatalog records a GPU instance, machine or accelerator type missing
// from the catalog. It is one problem wherever it appears (a reservation,
// a node pool, an autoprovisioning limit, an instance, a plan file): the
// resource is inventory.Unresolved, never zero and never a fatal error, so
// that CAP015 blocks it while the rest of the report still runs. The
// message names the attribute, its position and the catalog section
// (instances or accelerators) to add the type under.
func (x *extraction) notInCatalog(what, typ, p, section string) {
	x.unresolvedf("%s %q (%s at %s) is not in the catalog; add it under %q in a catalog file (catalog: in capcheck.yaml, or --catalog)",
		what, typ, shownPath(p), x.v.pos(p), section)
	x.c.unresolved[len(x.c.unresolved)-1].Remedied = true
}

// shownPath writes an attribute path as Terraform does ("sku.0.name" →
// "sku[0].name").
func shownPath(p string) string {
	parts := strings.Split(p, ".")
	var b strings.Builder
	for i, s := range parts {
		if _, err := strconv.Atoi(s); err == nil && i > 0 {
			b.WriteString("[" + s + "]")
			continue
		}
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(s)
	}
	return b.String()
}

func (x *extraction) emit(kind inventory.Kind, instType string, count int, gpu string, per float64, zone string, guaranteed bool) *inventory.Entry {
	r := inventory.Entry{
		Address:         x.addr,
		ResourceType:    x.typ,
		Range:           diag.Range{Pos: x.pos, EndLine: x.end.Line, EndColumn: x.end.Column},
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
		Spot:            x.spot,
	}
	x.f = &found{r: r}
	if x.group {
		x.f.awsGroup = x.consumer
	}
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

// strQuiet reads a string without reporting unknowns.
func (x *extraction) strQuiet(p string) (string, bool, bool) {
	v, _ := x.get(p).UnmarkDeep()
	if !v.IsKnown() || v.IsNull() || v.Type() != cty.String {
		return "", false, true
	}
	return v.AsString(), true, true
}

// linkConsumers points consumers at the reservation they run in, once all
// reservations of the root module are known: a GKE pool naming a
// reservation by its literal name, an AKS pool naming a capacity
// reservation group (the group's reservation of the pool's VM size), an
// AWS node group or instance targeting a resource group (the member
// reservation of its instance type, in its zone when it has one; EC2
// launches into a group's reservations only where type and zone match).
// A group with no such member in the module stays the link: the consumer
// still adds no capacity.
func (c *collector) linkConsumers() {
	for _, f := range c.found {
		switch {
		case f.awsGroup != "":
			if m := c.groupMember(f); m != "" {
				f.r.ConsumerOf = m
			}
		case f.gcpWants != "":
			for _, g := range c.found {
				if g.gcpName == f.gcpWants && g.r.Kind != inventory.KindElastic {
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

// groupMember is the member reservation of f's AWS resource group that f
// runs in: of f's instance type, in f's zone when f has one and a member
// is there, the first by address; "" when there is none.
func (c *collector) groupMember(f *found) string {
	var sameType, sameZone []string
	for _, g := range c.found {
		if g.r.Kind == inventory.KindElastic || !slices.Contains(c.members[f.awsGroup], g.r.Address) ||
			!strings.EqualFold(g.r.InstanceType, f.r.InstanceType) {
			continue
		}
		sameType = append(sameType, g.r.Address)
		if f.r.Zone != "" && g.r.Zone == f.r.Zone {
			sameZone = append(sameZone, g.r.Address)
		}
	}
	if len(sameZone) > 0 {
		return slices.Min(sameZone)
	}
	if len(sameType) > 0 {
		return slices.Min(sameType)
	}
	return ""
}

// known reports whether v is wholly known. When it is not, it records
// either an error (a variable without a value) or an inventory.Unresolved entry for
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
	c.unresolved = append(c.unresolved, inventory.Unresolved{Address: addr, Range: pos.Range(), Msg: unknownMsg(what, rs)})
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

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// boolQuiet reads an optional bool without reporting unknowns.
func (x *extraction) boolQuiet(p string) (b, set, ok bool) {
	v, _ := x.get(p).UnmarkDeep()
	if !v.IsKnown() || v.IsNull() || v.Type() != cty.Bool {
		return false, false, true
	}
	return v.True(), true, true
}

// machineGPUs reads a GCE machine at prefix: the accelerators listed under
// accList ({typeKey, countKey} blocks) when there are any, else the GPUs of
// machine_type from the catalog (also when the list is not known but the
// machine comes with GPUs); gpu is "" for a machine without GPUs (an
// empty machine type: GKE's and GCE's default machines have none).
func (x *extraction) machineGPUs(prefix, accList, typeKey, countKey string) (machine, gpu string, per float64, ok bool) {
	machine, _, ok = x.str(prefix + "machine_type")
	if !ok {
		return "", "", 0, false
	}
	if in, found := x.cat.Instance(machine); found && in.GPUs > 0 && !x.get(prefix+accList).IsWhollyKnown() {
		// A machine that comes with its GPUs (a2, a3, a4, g2) has exactly
		// those, whatever the accelerator list (say, one built from a
		// google_compute_machine_types data source) turns out to be.
		return machine, in.GPU, in.GPUs, true
	}
	gpu, per, present, ok := x.accelerators(prefix+accList, typeKey, countKey)
	if !ok || present {
		return machine, gpu, per, ok
	}
	in, isGPU, ok := x.instanceGPUs(machine, prefix+"machine_type")
	if !ok || !isGPU {
		return machine, "", 0, ok
	}
	return machine, in.GPU, in.GPUs, true
}

// soft reports whether the value at p is wholly known. When it is not, the
// resource is inventory.Unresolved with every reason, a variable without a value
// included: a plain instance is on-demand capacity that may well have no
// GPU, and an input only CI sets must not fail the whole run because of it.
func (x *extraction) soft(p string) bool {
	v := x.get(p)
	if v.IsWhollyKnown() {
		return true
	}
	x.c.unresolved = append(x.c.unresolved, inventory.Unresolved{Address: x.addr, Range: x.pos.Range(),
		Msg: unknownMsg(p, reasons(v))})
	return false
}
