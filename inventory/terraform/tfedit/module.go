package tfedit

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/inventory"
	"github.com/capcheck/capcheck/inventory/terraform"
)

// A reservation declared in a module (module.NAME[KEY].TYPE.RNAME) is
// edited through the call of the module, never in the module's own
// block, which serves every call of it: its end is moved where the
// call's argument for it is written (a literal, a root variable's value,
// the call's for_each item), a count is raised there the same way, and a
// reservation to add is a root block, a copy of the module's with the
// call's arguments put in for its variables.

// modCall is the module call of a reservation declared in a module, one
// level deep, whose source is a local directory: call is the module
// block in the root (its addr "module" NAME KEY, its dir the root), res
// the resource block in the module's directory.
type modCall struct {
	call, res *block
}

// moduleOf finds the module call and the resource block of e.
func (p *planner) moduleOf(e inventory.Entry) (*modCall, error) {
	tr, hd := hclsyntax.ParseTraversalAbs([]byte(e.Address), "", hcl.InitialPos)
	if hd.HasErrors() || tr.RootName() != "module" || len(tr) < 4 {
		return nil, fmt.Errorf("suggest: cannot read the address %q", e.Address)
	}
	steps := tr[1:]
	name, ok := steps[0].(hcl.TraverseAttr)
	if !ok {
		return nil, fmt.Errorf("suggest: cannot read the address %q", e.Address)
	}
	steps = steps[1:]
	key := cty.NilVal
	if idx, ok := steps[0].(hcl.TraverseIndex); ok {
		key, steps = idx.Key, steps[1:]
	}
	if len(steps) < 2 || len(steps) > 3 {
		return nil, fmt.Errorf("suggest: %s is in a module called by a module; capcheck edits one level of module calls only: make the change by hand", e.Address)
	}
	typ, ok1 := steps[0].(hcl.TraverseAttr)
	rname, ok2 := steps[1].(hcl.TraverseAttr)
	if !ok1 || !ok2 || typ.Name == "module" {
		return nil, fmt.Errorf("suggest: %s is in a module called by a module; capcheck edits one level of module calls only: make the change by hand", e.Address)
	}
	ra := address{typ: typ.Name, name: rname.Name}
	if len(steps) == 3 {
		idx, ok := steps[2].(hcl.TraverseIndex)
		if !ok {
			return nil, fmt.Errorf("suggest: cannot read the address %q", e.Address)
		}
		ra.key = idx.Key
	}
	k, ok := kinds[ra.typ]
	if !ok {
		return nil, fmt.Errorf("suggest: capcheck does not edit %s resources (%s): make the change by hand", ra.typ, e.Address)
	}
	if e.File == "" || e.Root == "" {
		return nil, fmt.Errorf("suggest: %s was not read from HCL (a plan file?): capcheck edits the configuration it read", e.Address)
	}
	root := path.Clean(e.Root)
	fs, err := p.dirFiles(root)
	if err != nil {
		return nil, err
	}
	var call *block
	for _, f := range fs {
		if terraform.IsOverrideFile(f.rel) {
			continue // merged over the call, refused below
		}
		for _, b := range f.body.Blocks {
			if b.Type == "module" && len(b.Labels) == 1 && b.Labels[0] == name.Name {
				call = &block{f: f, blk: b, addr: address{typ: "module", name: name.Name, key: key}, dir: root}
			}
		}
	}
	if call == nil {
		return nil, fmt.Errorf("suggest: module %s of %s is not in %s any more; run capcheck suggest again", name.Name, e.Address, root)
	}
	src := call.blk.Body.Attributes["source"]
	dir := ""
	if src != nil {
		if s, ok := stringLit(src.Expr); ok && (strings.HasPrefix(s, "./") || strings.HasPrefix(s, "../")) {
			dir = path.Join(root, s)
		}
	}
	mf := path.Clean(e.File)
	if dir == "" || path.Dir(mf) != dir {
		return nil, diag.Errorf(call.f.pos(call.blk.DefRange()), "module.%s is not a local directory of this repository: capcheck cannot edit %s; make the change by hand", name.Name, e.Address).Err()
	}
	f, err := p.file(mf)
	if err != nil {
		return nil, err
	}
	for _, b := range f.body.Blocks {
		if b.Type == "resource" && len(b.Labels) == 2 && b.Labels[0] == ra.typ && b.Labels[1] == ra.name {
			mc := &modCall{call: call, res: &block{f: f, blk: b, addr: ra, dir: dir, kind: k}}
			// An override of the call or of the module's block: which
			// arguments Terraform reads is no longer what the edits
			// below follow.
			if err := p.overridden(mc.call); err != nil {
				return nil, err
			}
			if err := p.overridden(mc.res); err != nil {
				return nil, err
			}
			return mc, nil
		}
	}
	return nil, diag.Errorf(diag.Pos{File: f.rel, Line: e.Line, Column: e.Column}, "resource %s is not in this file any more; run capcheck suggest again", ra.resource()).Err()
}

// varName is X when expr is exactly var.X.
func varName(expr hclsyntax.Expression) (string, bool) {
	x, ok := expr.(*hclsyntax.ScopeTraversalExpr)
	if !ok || len(x.Traversal) != 2 || x.Traversal.RootName() != "var" {
		return "", false
	}
	a, ok := x.Traversal[1].(hcl.TraverseAttr)
	return a.Name, ok
}

// input is the literal that writes the value of the module resource's
// argument at names for this instance: the argument must be var.X, the
// call must set X, and that is followed as a root argument is (a
// literal, a root variable, each.value of the call's for_each).
func (p *planner) input(mc *modCall, names []string) (string, lit, error) {
	what := strings.Join(names, ".")
	a, _ := attrAt(mc.res.blk.Body, names)
	if a == nil {
		return "", lit{}, diag.Errorf(mc.res.f.pos(mc.res.blk.DefRange()), "%s in module.%s sets no %s: capcheck cannot edit it safely", mc.res.addr.resource(), mc.call.addr.name, what).Err()
	}
	x, ok := varName(a.Expr)
	if !ok {
		return "", lit{}, diag.Errorf(mc.res.f.pos(a.Expr.Range()), "%s of %s in module.%s is %s, not one of the module's variables: capcheck edits a module's reservation through the call's arguments only; make the change by hand",
			what, mc.res.addr.resource(), mc.call.addr.name, describe(mc.res.f, a.Expr)).Err()
	}
	arg := mc.call.blk.Body.Attributes[x]
	if arg == nil {
		return "", lit{}, diag.Errorf(mc.call.f.pos(mc.call.blk.DefRange()), "module.%s does not set %s (the module's %s of %s): capcheck cannot edit the module's default; make the change by hand",
			mc.call.addr.name, x, what, mc.res.addr.resource()).Err()
	}
	l, err := p.literal(mc.call, mc.call.f, arg.Expr, x)
	return x, l, err
}

// onlyReaders refuses when var.name of the module is read anywhere in
// the module's directory but the arguments allowed of its resource (the
// change to the call's argument would change that too); variables and
// outputs may read it.
func (p *planner) onlyReaders(mc *modCall, name string, allowed ...string) error {
	fs, err := p.dirFiles(mc.res.dir)
	if err != nil {
		return err
	}
	for _, f := range fs {
		for _, b := range f.body.Blocks {
			if b.Type == "variable" || b.Type == "output" {
				continue
			}
			var at *hcl.Range
			hclsyntax.VisitAll(b.Body, func(n hclsyntax.Node) hcl.Diagnostics {
				x, ok := n.(*hclsyntax.ScopeTraversalExpr)
				if !ok || at != nil || x.Traversal.RootName() != "var" || len(x.Traversal) < 2 {
					return nil
				}
				if a, ok := x.Traversal[1].(hcl.TraverseAttr); !ok || a.Name != name {
					return nil
				}
				if b == mc.res.blk {
					for _, an := range allowed {
						if aa := b.Body.Attributes[an]; aa != nil && rangeIn(x.SrcRange, aa.SrcRange) {
							return nil
						}
					}
				}
				r := x.SrcRange
				at = &r
				return nil
			})
			if at != nil {
				return diag.Errorf(f.pos(*at), "var.%s of module.%s is also read here: changing the call's %s would change that too; make the change by hand", name, mc.call.addr.name, name).Err()
			}
		}
	}
	return nil
}

func rangeIn(r, in hcl.Range) bool {
	return r.Filename == in.Filename && r.Start.Byte >= in.Start.Byte && r.End.Byte <= in.End.Byte
}

// instances are the entries of the module call of mc's resource: every
// instance of the call (module.NAME[…].TYPE.RNAME) in its root.
func (p *planner) instances(mc *modCall) []inventory.Entry {
	var out []inventory.Entry
	suffix := "." + mc.res.addr.resource()
	for _, e := range p.opts.Entries {
		if path.Clean(e.Root) == mc.call.dir && (strings.HasPrefix(e.Address, "module."+mc.call.addr.name+"[") || strings.HasPrefix(e.Address, "module."+mc.call.addr.name+".")) &&
			(strings.HasSuffix(e.Address, suffix) || strings.Contains(e.Address, suffix+"[")) {
			out = append(out, e)
		}
	}
	return out
}

// extendModule moves the end of e, a module's reservation, to c.End
// where the call's argument for the module's end is written. A value
// shared by every instance of the call (not its for_each item) is moved
// only when r extends every instance of it to the same end. Open-ended
// is the value null, when the module's end type then reads "unlimited".
func (p *planner) extendModule(r Request, e inventory.Entry, c Change) error {
	mc, err := p.moduleOf(e)
	if err != nil {
		return err
	}
	k := mc.res.kind
	if k.end == "" {
		return diag.Errorf(mc.res.f.pos(mc.res.blk.DefRange()), "capcheck does not extend %s reservations: change %s's end by hand", mc.res.addr.typ, c.Address).Err()
	}
	if mc.res.blk.Body.Attributes["count"] != nil || mc.res.blk.Body.Attributes["for_each"] != nil {
		return diag.Errorf(mc.res.f.pos(mc.res.blk.DefRange()), "%s in module.%s has a count or for_each of its own: capcheck cannot extend one instance of it safely; make the change by hand", mc.res.addr.resource(), mc.call.addr.name).Err()
	}
	x, l, err := p.input(mc, []string{k.end})
	if err != nil {
		return err
	}
	if err := p.onlyReaders(mc, x, k.end, k.endType); err != nil {
		return err
	}
	rg := l.expr.Range()
	if (mc.call.blk.Body.Attributes["for_each"] != nil || mc.call.blk.Body.Attributes["count"] != nil) && !l.perKey {
		// One value for every instance of the call.
		for _, o := range p.instances(mc) {
			if !slices.ContainsFunc(r.Changes, func(oc Change) bool {
				return oc.Action == "extend" && oc.Address == o.Address && oc.Root == c.Root && oc.End == c.End
			}) {
				return diag.Errorf(l.f.pos(rg), "%s is module.%s's %s for every instance of it, and %s is not extended alike: capcheck cannot extend one alone; make the change by hand",
					describe(l.f, l.expr), mc.call.addr.name, x, o.Address).Err()
			}
		}
	}
	if c.End != "" {
		old, ok := stringLit(l.expr)
		if !ok {
			return diag.Errorf(l.f.pos(rg), "%s of %s is not a string written literally: capcheck cannot edit it safely", x, c.Address).Err()
		}
		end := c.End
		if _, dateOnly, err := inventory.Instant(old); err == nil && !dateOnly {
			if end, err = endInstant(c.End); err != nil {
				return fmt.Errorf("suggest: end %q of %s: %w", c.End, c.Address, err)
			}
		}
		return p.edit(mc.call, l, splice{start: rg.Start.Byte, end: rg.End.Byte, text: valueText(cty.StringVal(end))})
	}
	// Open-ended: the module must read a null end as no end.
	if t := mc.res.blk.Body.Attributes[k.endType]; t != nil {
		ctx := &hcl.EvalContext{
			Variables: map[string]cty.Value{"var": cty.ObjectVal(map[string]cty.Value{x: cty.NullVal(cty.String)})},
			Functions: map[string]function.Function{},
		}
		v, hd := t.Expr.Value(ctx)
		if hd.HasErrors() || !v.IsKnown() || v.IsNull() || v.Type() != cty.String || v.AsString() != "unlimited" {
			return diag.Errorf(mc.res.f.pos(t.Expr.Range()), "%s of %s in module.%s does not read \"unlimited\" when var.%s is null: capcheck cannot make %s open-ended safely; make the change by hand",
				k.endType, mc.res.addr.resource(), mc.call.addr.name, x, c.Address).Err()
		}
	}
	return p.edit(mc.call, l, splice{start: rg.Start.Byte, end: rg.End.Byte, text: "null"})
}

// newBlockFromModule adds a root reservation block for c, a copy of the
// module's block of e with the module's variables replaced by what the
// call sets them to (the zone, count and dates by c's, a variable the
// call does not set by its default), named as c.Address, after the
// module call (and any block of claimed after it in that file). A
// module's block that refers to anything but its variables (a local, a
// data source, another resource) is not copied.
func (p *planner) newBlockFromModule(e inventory.Entry, c Change, claimed []inventory.Entry) error {
	mc, err := p.moduleOf(e)
	if err != nil {
		return err
	}
	_, name, _ := strings.Cut(c.Address, ".")
	if err := p.refuseTaken(mc.call.dir, resourceNamed(mc.res.addr.typ, name, c.Address)); err != nil {
		return err
	}
	res, k := mc.res, mc.res.kind
	// The arguments the copy sets itself: what they read does not matter.
	own := []string{"count", "for_each", k.zone, k.start, k.end, k.endType}
	if k.uniqueArg != "" {
		own = append(own, k.uniqueArg)
	}
	// The variables those arguments are, which then mean c's values.
	given := map[string]cty.Value{}
	if a := res.blk.Body.Attributes[k.zone]; a != nil {
		if x, ok := varName(a.Expr); ok {
			given[x] = cty.StringVal(c.Zone)
		}
	}
	if a, _ := attrAt(res.blk.Body, k.count); a != nil {
		if x, ok := varName(a.Expr); ok {
			given[x] = cty.NumberIntVal(int64(c.Instances))
		}
	}
	if len(k.count) == 1 {
		own = append(own, k.count[0])
	}
	var subs []splice
	var bad error
	hclsyntax.VisitAll(res.blk.Body, func(n hclsyntax.Node) hcl.Diagnostics {
		x, ok := n.(*hclsyntax.ScopeTraversalExpr)
		if !ok || bad != nil {
			return nil
		}
		for _, an := range own {
			if aa := res.blk.Body.Attributes[an]; an != "" && aa != nil && rangeIn(x.SrcRange, aa.SrcRange) {
				return nil
			}
		}
		if len(k.count) > 1 {
			if aa, _ := attrAt(res.blk.Body, k.count); aa != nil && rangeIn(x.SrcRange, aa.SrcRange) {
				return nil
			}
		}
		root := x.Traversal.RootName()
		if root == "each" || root == "count" {
			// The copy's instanceRef check names these.
			return nil
		}
		var vn string
		if len(x.Traversal) >= 2 {
			if a, ok := x.Traversal[1].(hcl.TraverseAttr); ok && root == "var" {
				vn = a.Name
			}
		}
		if vn == "" {
			bad = diag.Errorf(res.f.pos(x.SrcRange), "%s in module.%s refers to %s, which only the module has: capcheck cannot copy it for %s; make the change by hand",
				res.addr.resource(), mc.call.addr.name, describe(res.f, x), c.Address).Err()
			return nil
		}
		text, err := p.moduleValue(mc, vn, given)
		if err != nil {
			bad = err
			return nil
		}
		// var.X is the traversal's first two steps; what follows stays.
		start := x.SrcRange.Start.Byte
		end := start + len("var.") + len(vn)
		if string(res.f.src[start:end]) != "var."+vn {
			bad = diag.Errorf(res.f.pos(x.SrcRange), "cannot read %s here: make the change by hand", describe(res.f, x)).Err()
			return nil
		}
		subs = append(subs, inlineInTemplate(res.f.src, splice{start: start, end: end, text: text}, end == x.SrcRange.End.Byte))
		return nil
	})
	if bad != nil {
		return bad
	}
	rg := res.blk.Range()
	src := spliced(res.f.src, rg.Start.Byte, rg.End.Byte, subs)
	text, err := p.copyText(res, src, name, c)
	if err != nil {
		return err
	}
	at := mc.call.blk.Range().End.Byte
	for _, o := range claimed {
		if strings.HasPrefix(o.Address, "module.") {
			continue
		}
		if ob, err := p.block(o); err == nil && ob.f == mc.call.f {
			at = max(at, ob.blk.Range().End.Byte)
		}
	}
	return mc.call.f.add(splice{start: at, end: at, text: "\n\n" + text}, mc.call.blk.Range())
}

// moduleValue is the text, valid in the root, of the module's var.name
// for a copy: given's value, else the call's argument (refused when it
// names the instance: each.*, count.*), else the variable's default.
func (p *planner) moduleValue(mc *modCall, name string, given map[string]cty.Value) (string, error) {
	if v, ok := given[name]; ok {
		return valueText(v), nil
	}
	if a := mc.call.blk.Body.Attributes[name]; a != nil {
		for _, tr := range a.Expr.Variables() {
			if r := tr.RootName(); r == "each" || r == "count" || r == "self" {
				return "", diag.Errorf(mc.call.f.pos(a.Expr.Range()), "module.%s sets %s to %s, which is the instance's: capcheck cannot copy it for a new reservation; make the change by hand",
					mc.call.addr.name, name, describe(mc.call.f, a.Expr)).Err()
			}
		}
		r := a.Expr.Range()
		text := string(mc.call.f.src[r.Start.Byte:r.End.Byte])
		switch a.Expr.(type) {
		case *hclsyntax.ScopeTraversalExpr, *hclsyntax.LiteralValueExpr, *hclsyntax.TemplateExpr, *hclsyntax.FunctionCallExpr,
			*hclsyntax.ObjectConsExpr, *hclsyntax.TupleConsExpr, *hclsyntax.ParenthesesExpr:
			return text, nil
		}
		return "(" + text + ")", nil
	}
	fs, err := p.dirFiles(mc.res.dir)
	if err != nil {
		return "", err
	}
	for _, f := range fs {
		if terraform.IsOverrideFile(f.rel) {
			continue // merged over the variable's block, refused below
		}
		for _, vb := range f.body.Blocks {
			if vb.Type == "variable" && len(vb.Labels) == 1 && vb.Labels[0] == name {
				if err := p.overridden(&block{f: f, blk: vb, addr: address{typ: "variable", name: name}, dir: mc.res.dir}, "default"); err != nil {
					return "", err
				}
				if d := vb.Body.Attributes["default"]; d != nil && len(d.Expr.Variables()) == 0 {
					v, hd := d.Expr.Value(nil)
					if !hd.HasErrors() && v.IsWhollyKnown() {
						return valueText(v), nil
					}
				}
				return "", diag.Errorf(f.pos(vb.DefRange()), "module.%s does not set var.%s and its default is not a constant: capcheck cannot copy %s; make the change by hand", mc.call.addr.name, name, mc.res.addr.resource()).Err()
			}
		}
	}
	return "", diag.Errorf(mc.call.f.pos(mc.call.blk.DefRange()), "var.%s of module.%s is not declared in %s", name, mc.call.addr.name, mc.res.dir).Err()
}

// inlineInTemplate widens s, a string value's text put in for var.X, to
// the whole interpolation "${var.X}" it is alone in, with the string's
// characters written in the template ("gpu-${var.zone}" becomes
// "gpu-us-east-1c", not "gpu-${"us-east-1c"}"); whole is false when the
// traversal goes on after var.X.
func inlineInTemplate(src []byte, s splice, whole bool) splice {
	if !whole || len(s.text) < 2 || s.text[0] != '"' || strings.Contains(s.text, `\`) {
		return s
	}
	i := s.start
	for i > 0 && (src[i-1] == ' ' || src[i-1] == '\t') {
		i--
	}
	j := s.end
	for j < len(src) && (src[j] == ' ' || src[j] == '\t') {
		j++
	}
	if i < 2 || string(src[i-2:i]) != "${" || j >= len(src) || src[j] != '}' || i >= 3 && src[i-3] == '$' {
		return s
	}
	return splice{start: i - 2, end: j + 1, text: s.text[1 : len(s.text)-1]}
}

// spliced is src[start:end] with subs (inside it, not overlapping) made.
func spliced(src []byte, start, end int, subs []splice) []byte {
	slices.SortFunc(subs, func(a, b splice) int { return a.start - b.start })
	var out []byte
	at := start
	for _, s := range subs {
		out = append(out, src[at:s.start]...)
		out = append(out, s.text...)
		at = s.end
	}
	return append(out, src[at:end]...)
}

// reservationType reports whether typ is a reservation (or capacity
// block) resource type.
func reservationType(typ string) bool {
	_, ok := kinds[typ]
	return ok || typ == "aws_ec2_capacity_block_reservation"
}

// inModule reports whether e is a reservation of type typ declared in a
// module (module.NAME….typ.RNAME).
func inModule(e inventory.Entry, typ string) bool {
	return strings.HasPrefix(e.Address, "module.") && strings.Contains(e.Address, "."+typ+".")
}

// raiseModule adds n to the count of e, a module's reservation, where the
// call's argument for it is written for this instance alone (a literal of
// a call without count or for_each, or its for_each item).
func (p *planner) raiseModule(e inventory.Entry, n int) error {
	mc, err := p.moduleOf(e)
	if err != nil {
		return err
	}
	k := mc.res.kind
	if mc.res.blk.Body.Attributes["count"] != nil || mc.res.blk.Body.Attributes["for_each"] != nil {
		return errUnsuited
	}
	x, l, err := p.input(mc, k.count)
	if err != nil {
		return err
	}
	if (mc.call.blk.Body.Attributes["for_each"] != nil || mc.call.blk.Body.Attributes["count"] != nil) && !l.perKey {
		// One count for every instance of the call.
		return errUnsuited
	}
	if err := p.onlyReaders(mc, x, k.count[0]); err != nil {
		return err
	}
	old, ok := number(l.expr)
	if !ok {
		return diag.Errorf(l.f.pos(l.expr.Range()), "%s of %s is not a whole number written literally: capcheck cannot edit it safely", x, e.Address).Err()
	}
	if old != e.Count {
		return diag.Errorf(l.f.pos(l.expr.Range()), "%s of %s reads %d here but evaluates to %d: capcheck cannot edit it safely", x, e.Address, old, e.Count).Err()
	}
	rg := l.expr.Range()
	return p.edit(mc.call, l, splice{start: rg.Start.Byte, end: rg.End.Byte, text: valueText(cty.NumberIntVal(int64(old + n)))})
}

// addKeyModule adds c's zone to the for_each of the module call of e
// when the module's zone and count are variables the call sets from
// each.key and each.value (or one count for every key that is c's).
func (p *planner) addKeyModule(e inventory.Entry, c Change) error {
	mc, err := p.moduleOf(e)
	if err != nil {
		return err
	}
	k := mc.res.kind
	if mc.res.blk.Body.Attributes["count"] != nil || mc.res.blk.Body.Attributes["for_each"] != nil {
		return errUnsuited
	}
	za := mc.res.blk.Body.Attributes[k.zone]
	ca, _ := attrAt(mc.res.blk.Body, k.count)
	if za == nil || ca == nil {
		return errUnsuited
	}
	zx, ok1 := varName(za.Expr)
	cx, ok2 := varName(ca.Expr)
	if !ok1 || !ok2 || mc.call.blk.Body.Attributes[zx] == nil || mc.call.blk.Body.Attributes[cx] == nil {
		return errUnsuited
	}
	zone, count := mc.call.blk.Body.Attributes[zx].Expr, mc.call.blk.Body.Attributes[cx].Expr
	// A new key is a new instance of the call, of everything the module
	// declares: another reservation in it, or a module it calls, would
	// add capacity the change does not (a root block is copied instead).
	fs, err := p.dirFiles(mc.res.dir)
	if err != nil {
		return err
	}
	for _, f := range fs {
		for _, b := range f.body.Blocks {
			if b == mc.res.blk {
				continue
			}
			if b.Type == "module" || b.Type == "resource" && len(b.Labels) == 2 && reservationType(b.Labels[0]) {
				return errUnsuited
			}
		}
	}
	return p.addKeyTo(mc.call, zone, count, cx, c)
}
