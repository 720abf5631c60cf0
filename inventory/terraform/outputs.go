package terraform

import (
	"slices"
	"strconv"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// This file evaluates the values a module exposes to its caller (`output`
// blocks, read as `module.NAME.OUTPUT`) and the references to resources
// whose attributes are known only after apply.
//
// A resource reference evaluates to an unknown value marked with why it is
// unknown (a reason) and with the resource instance it names (a refMark).
// When the resource sets count or for_each and the expansion is known
// statically, the reference is a known tuple (count) or object (for_each)
// of such unknowns, one per instance, so that `length(aws_x.this)` and
// `{ for k, r in aws_x.this : k => r.id }` keep which instance each element
// came from. That is how a reference that travels through a module output,
// a local or a for expression still resolves to the exact reservation
// address (see refAddress), while the value itself stays unknown and a
// count or a type read from it is inventory.Unresolved, never zero.

// refMark marks a value derived from a resource's attributes with the
// address of the resource instance (module prefix and instance key
// included).
type refMark struct {
	typ  string // resource type, e.g. aws_ec2_capacity_reservation
	addr string
}

// resKeys caches the statically known expansion of a resource this
// instance refers to.
type resKeys struct {
	state   int // 0 new, 1 evaluating, 2 done
	ok      bool
	isCount bool
	keys    []cty.Value // count indexes or for_each keys, in address order
}

// resourceValue is the value of a reference to the resource typ.name of
// this module instance at p (see the file comment).
func (in *instance) resourceValue(typ, name string, p diag.Pos) cty.Value {
	addr := in.prefix + typ + "." + name
	unknown := func(a string) cty.Value {
		return unknownBecause(false, p, "%s.%s is known only after apply", typ, name).Mark(refMark{typ: typ, addr: a})
	}
	b := in.mod.byAddr[typ+"."+name]
	if b == nil || (b.count == nil && b.forEach == nil) {
		return unknown(addr)
	}
	rk := in.resourceKeys(b)
	if !rk.ok {
		return unknown(addr)
	}
	if rk.isCount {
		if len(rk.keys) == 0 {
			return cty.EmptyTupleVal
		}
		elems := make([]cty.Value, len(rk.keys))
		for i, k := range rk.keys {
			elems[i] = unknown(addr + indexSuffix(k))
		}
		return cty.TupleVal(elems)
	}
	attrs := make(map[string]cty.Value, len(rk.keys))
	for _, k := range rk.keys {
		attrs[k.AsString()] = unknown(addr + indexSuffix(k))
	}
	return cty.ObjectVal(attrs)
}

// resourceKeys evaluates b's count or for_each without reporting anything
// (the block is reported on its own when it holds GPUs): ok is false when
// the expansion is not known statically, is invalid, or refers to itself.
func (in *instance) resourceKeys(b *block) *resKeys {
	key := b.typ + "." + b.name
	if in.resKeys == nil {
		in.resKeys = map[string]*resKeys{}
	}
	rk := in.resKeys[key]
	if rk != nil {
		return rk // done, or evaluating (a cycle: rk.ok is still false)
	}
	rk = &resKeys{state: 1}
	in.resKeys[key] = rk
	defer func() { rk.state = 2 }()
	if in.out.depth >= maxRefDepth {
		return rk
	}
	in.out.depth++
	defer func() { in.out.depth-- }()
	if b.count != nil {
		v, ds := in.eval(b.count.Expr, nil)
		if ds.HasErrors() || !v.IsWhollyKnown() {
			return rk
		}
		n, err := wholeNumber(v)
		if err != nil || n < 0 || n > maxCount {
			return rk
		}
		rk.isCount = true
		for i := range n {
			rk.keys = append(rk.keys, cty.NumberIntVal(int64(i)))
		}
		rk.ok = true
		return rk
	}
	v, ds := in.eval(b.forEach.Expr, nil)
	if ds.HasErrors() || !keysKnown(v) {
		return rk
	}
	v, _ = v.UnmarkDeep()
	if v.IsNull() {
		return rk
	}
	ty := v.Type()
	switch {
	case ty.IsMapType() || ty.IsObjectType():
		for it := v.ElementIterator(); it.Next(); {
			k, _ := it.Element()
			rk.keys = append(rk.keys, k)
		}
	case ty.IsSetType():
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			if e.IsNull() || e.Type() != cty.String {
				return rk
			}
			rk.keys = append(rk.keys, e)
		}
	default:
		return rk
	}
	// A reference builds one element per instance: past maxCount the
	// reference stays a plain unknown rather than a huge value.
	if len(rk.keys) > maxCount {
		rk.keys = nil
		return rk
	}
	rk.ok = true
	return rk
}

// markedAddress returns the one resource instance address, of a type
// want accepts, that the value of expr is derived from; "" when there is
// none or more than one.
func (in *instance) markedAddress(expr hcl.Expression, sc *scope, want func(string) bool) string {
	v, ds := in.eval(expr, sc)
	if ds.HasErrors() {
		return ""
	}
	_, marks := v.UnmarkDeep()
	addr := ""
	for m := range marks {
		r, ok := m.(refMark)
		if !ok || !want(r.typ) {
			continue
		}
		if addr != "" && addr != r.addr {
			return ""
		}
		addr = r.addr
	}
	return addr
}

// callState is the evaluated expansion of one module call of an instance:
// its child instances, shared by the extraction of the module's resources
// and by the evaluation of its outputs, so each variable, local and output
// is evaluated once.
type callState struct {
	busy   bool
	local  bool
	remote bool // a non-local source: outputs are not known statically
	// remoteMsg says why a remote source cannot be read (see remote).
	remoteMsg string
	source    string
	ok        bool      // children are valid
	unknown   cty.Value // count or for_each not known statically (cty.NilVal otherwise)
	what      string    // "count" or "for_each"
	isCount   bool
	isEach    bool
	keys      []cty.Value // per child: count index or each.key
	children  []*instance
}

func (in *instance) findCall(name string) *moduleCall {
	for _, mc := range in.mod.modules {
		if mc.name == name {
			return mc
		}
	}
	return nil
}

// call expands the module call mc once: source, count / for_each and one
// child instance per expansion with its input variables bound. Errors are
// recorded; an unknown count or for_each is kept in unknown, for the
// caller to report or to propagate.
func (in *instance) call(mc *moduleCall) *callState {
	if in.calls == nil {
		in.calls = map[string]*callState{}
	}
	if cs := in.calls[mc.name]; cs != nil {
		return cs
	}
	cs := &callState{busy: true, unknown: cty.NilVal, source: mc.source}
	in.calls[mc.name] = cs
	defer func() { cs.busy = false }()
	addr := in.prefix + "module." + mc.name
	target, readable, msg, ds := in.source(mc)
	if in.fail(ds) {
		return cs
	}
	cs.local, cs.remote, cs.remoteMsg = readable, !readable, msg
	if !readable {
		return cs
	}
	if in.depth >= maxModuleDepth || slices.Contains(in.stack, target) {
		in.errorf(mc.pos, "module %q: module cycle through %s", mc.name, target)
		return cs
	}
	child, ds := in.d.loadDir(target)
	if in.fail(ds) {
		return cs
	}
	for _, a := range []*hcl.Attribute{mc.count, mc.forEach} {
		if a == nil {
			continue
		}
		v, ds := in.eval(a.Expr, nil)
		if in.fail(ds) {
			return cs
		}
		// A for_each with known keys expands whatever its values hold
		// (see expand).
		if !v.IsWhollyKnown() && !(a == mc.forEach && keysKnown(v)) {
			cs.unknown, cs.what = v, a.Name
			return cs
		}
	}
	exps, ok := in.expand(mc.count, mc.forEach, addr, mc.pos, nil)
	if !ok {
		return cs
	}
	for name, a := range mc.inputs {
		if _, ok := child.variables[name]; !ok {
			in.errorf(rangePos(a.NameRange), "module %q: unsupported argument %q (%s declares no such variable)", mc.name, name, target)
		}
	}
	cs.isCount, cs.isEach = mc.count != nil, mc.forEach != nil
	for _, e := range exps {
		ci := in.d.newInstance(child, addr+e.suffix+".", in.root, in, in.out)
		ci.key = joinKey(in.key, mc.name)
		for name, v := range child.variables {
			if a, ok := mc.inputs[name]; ok {
				sc := e.sc
				ci.vars[name] = &lazy{eval: func() (cty.Value, diag.Diagnostics) {
					val, ds := in.eval(a.Expr, sc)
					if ds.HasErrors() {
						return cty.DynamicVal, ds
					}
					return ci.assign(v, val, rangePos(a.Expr.Range()))
				}}
				continue
			}
			ci.vars[name] = ci.defaultOrMissing(v, func() cty.Value {
				return unknownBecause(true, mc.pos, "module %q: required input variable %q is not set", mc.name, name)
			})
		}
		switch {
		case cs.isCount:
			cs.keys = append(cs.keys, *e.sc.count)
		case cs.isEach:
			cs.keys = append(cs.keys, *e.sc.eachKey)
		}
		cs.children = append(cs.children, ci)
	}
	cs.ok = true
	return cs
}

// outputName is the output a `module.NAME…` traversal reads ("" when it
// reads the whole module object): the attribute after the module name, or
// after its instance key when the call sets count or for_each.
func outputName(tr hcl.Traversal, mc *moduleCall) string {
	step := 2
	if mc != nil && (mc.count != nil || mc.forEach != nil) {
		step = 3
	}
	if len(tr) <= step {
		return ""
	}
	if a, ok := tr[step].(hcl.TraverseAttr); ok {
		return a.Name
	}
	return ""
}

// moduleValue is the value of `module.NAME` in this instance: an object of
// the outputs named in want (all of them when want is nil), a tuple of such
// objects for a call with count, or an object of them by key for a call
// with for_each. p is the reference, for reasons and cycle errors.
func (in *instance) moduleValue(name string, want map[string]bool, p diag.Pos) (cty.Value, diag.Diagnostics) {
	mc := in.findCall(name)
	if mc == nil {
		return unknownBecause(false, p, "module.%s is not declared in this module", name), nil
	}
	cs := in.call(mc)
	switch {
	case cs.busy:
		return cty.DynamicVal, diag.Errorf(p, "module %q: its count or for_each refers to its own outputs (cycle)", name)
	case cs.remote:
		return unknownBecause(false, mc.pos, "module %q has a non-local source %q: its outputs are not known statically", name, cs.source), nil
	case cs.unknown != cty.NilVal:
		if len(reasons(cs.unknown)) > 0 {
			return cs.unknown, nil
		}
		return unknownBecause(false, mc.pos, "the %s of module %q is not known statically", cs.what, name), nil
	case !cs.ok:
		return unknownBecause(false, mc.pos, "module %q could not be evaluated", name), nil
	}
	var ds diag.Diagnostics
	objs := make([]cty.Value, len(cs.children))
	for i, ci := range cs.children {
		obj := map[string]cty.Value{}
		for oname := range ci.mod.outputs {
			if want != nil && !want[oname] {
				continue
			}
			v, ods := ci.output(oname, p)
			ds = append(ds, ods...)
			obj[oname] = v
		}
		objs[i] = cty.ObjectVal(obj)
	}
	switch {
	case cs.isCount:
		if len(objs) == 0 {
			return cty.EmptyTupleVal, ds
		}
		return cty.TupleVal(objs), ds
	case cs.isEach:
		byKey := make(map[string]cty.Value, len(objs))
		for i, k := range cs.keys {
			byKey[k.AsString()] = objs[i]
		}
		return cty.ObjectVal(byKey), ds
	}
	return objs[0], ds
}

// output evaluates the output block name of this instance once.
func (in *instance) output(name string, p diag.Pos) (cty.Value, diag.Diagnostics) {
	if in.outputs == nil {
		in.outputs = map[string]*lazy{}
	}
	l := in.outputs[name]
	if l == nil {
		a := in.mod.outputs[name]
		l = &lazy{eval: func() (cty.Value, diag.Diagnostics) { return in.eval(a.Expr, nil) }}
		in.outputs[name] = l
	}
	val, ds, ok := l.get(&in.out.depth, p)
	if !ok {
		return cty.DynamicVal, diag.Errorf(p, "output %q of %s refers to itself (cycle)", name, strconv.Quote(in.mod.dir))
	}
	return val, ds
}
