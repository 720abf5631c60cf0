package terraform

import (
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

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
			pos: b.pos(), end: rangeOf(b.rng).End(), link: in,
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
		switch {
		case ds.HasErrors() && slices.Contains(sh.quiet, name):
			v = cty.DynamicVal
		case in.fail(ds):
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
	a := nativeAttribute(body, name)
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
		if ds.HasErrors() || !keysKnown(v) {
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
