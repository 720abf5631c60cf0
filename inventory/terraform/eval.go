package terraform

import (
	"fmt"
	"maps"
	"math/big"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/capcheck/capcheck/inventory"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"
)

// reason is the cty mark carried by an unknown value: why it is unknown.
// fatal reasons (a variable without a value) are input errors; the others
// make a resource inventory.Unresolved.
type reason struct {
	fatal bool
	msg   string
	pos   diag.Pos
}

func unknownBecause(fatal bool, pos diag.Pos, format string, args ...any) cty.Value {
	return cty.DynamicVal.Mark(reason{fatal: fatal, msg: fmt.Sprintf(format, args...), pos: pos})
}

// reasons collects the reasons marked anywhere in v, sorted.
func reasons(v cty.Value) []reason {
	_, marks := v.UnmarkDeep()
	var rs []reason
	for m := range marks {
		if r, ok := m.(reason); ok {
			rs = append(rs, r)
		}
	}
	slices.SortFunc(rs, func(a, b reason) int { return strings.Compare(a.pos.String()+a.msg, b.pos.String()+b.msg) })
	return rs
}

// maxCount bounds count so that a typo cannot expand into millions of
// instances.
const maxCount = 10000

// maxModuleDepth bounds module nesting (and so module cycles).
const maxModuleDepth = 32

// instance is one evaluated instance of a module: the root module, or a
// module call (one per count index / for_each key).
type instance struct {
	d      *discovery
	mod    *moduleDir
	prefix string // address prefix, "" or `module.gpu["a"].`
	// key is the module's key in the root's modules.json: call names from
	// the root, dot-separated, without instance keys ("" for the root).
	key   string
	root  string // root module dir (slash, relative), Terraform's cwd
	depth int
	stack []string // module dirs from the root, for cycle detection
	out   *collector
	funcs map[string]function.Function

	vars     map[string]*lazy
	locals   map[string]*lazy
	dataBusy map[string]bool
	// outputs, calls and resKeys are filled on demand (see outputs.go).
	outputs map[string]*lazy
	calls   map[string]*callState
	resKeys map[string]*resKeys
}

type lazy struct {
	state int // 0 new, 1 evaluating, 2 done
	val   cty.Value
	diags diag.Diagnostics
	eval  func() (cty.Value, diag.Diagnostics)
}

// scope holds count.index and each.* for one resource or module instance,
// and the iterators of the dynamic blocks being expanded (by name, each an
// object {key, value}).
type scope struct {
	count   *cty.Value
	eachKey *cty.Value
	eachVal cty.Value
	iters   map[string]cty.Value
}

// withIterator returns a copy of sc with the dynamic block iterator name
// bound to {key, value}.
func (sc *scope) withIterator(name string, key, value cty.Value) *scope {
	out := &scope{}
	if sc != nil {
		*out = *sc
	}
	out.iters = make(map[string]cty.Value, len(out.iters)+1)
	if sc != nil {
		maps.Copy(out.iters, sc.iters)
	}
	out.iters[name] = cty.ObjectVal(map[string]cty.Value{"key": key, "value": value})
	return out
}

// evaluateRoot evaluates the root module dir into c.
func (d *discovery) evaluateRoot(dir string, c *collector) {
	if d.idleRoot(dir) {
		return // no file can declare capacity (mayHoldCapacity)
	}
	m, ds := d.loadDir(dir)
	if ds.HasErrors() {
		c.diags = append(c.diags, ds...)
		return
	}
	in := d.newInstance(m, "", dir, nil, c)
	c.diags = append(c.diags, in.rootVariables()...)
	in.run()
	// Work past the bound is an error even where try or can caught it.
	c.diags = append(c.diags, c.work.err()...)
}

func (d *discovery) newInstance(m *moduleDir, prefix, root string, parent *instance, c *collector) *instance {
	in := &instance{d: d, mod: m, prefix: prefix, root: root, out: c,
		vars: map[string]*lazy{}, locals: map[string]*lazy{}, dataBusy: map[string]bool{}}
	if parent != nil {
		in.depth = parent.depth + 1
		in.stack = append(slices.Clone(parent.stack), m.dir)
		in.funcs = parent.funcs
	} else {
		in.stack = []string{m.dir}
		in.funcs = withMeter(fileFuncs(d.root, filepath.Join(d.root, filepath.FromSlash(root)), &c.site), c.work)
	}
	for name, a := range m.locals {
		in.locals[name] = &lazy{eval: func() (cty.Value, diag.Diagnostics) {
			return in.eval(a.Expr, nil)
		}}
	}
	return in
}

// run extracts the GPU resources of this instance and recurses into its
// module calls.
func (in *instance) run() {
	for _, b := range in.mod.resources {
		if _, ok := handlers[b.typ]; ok {
			in.resource(b)
		}
	}
	for _, mc := range in.mod.modules {
		in.module(mc)
	}
}

// expand evaluates count / for_each and returns one scope and address
// suffix per instance. ok is false when the expansion is unresolved or
// invalid (already recorded).
type expansion struct {
	suffix string
	sc     *scope
}

func (in *instance) expand(count, forEach *hcl.Attribute, addr string, pos diag.Pos, parent *scope) ([]expansion, bool) {
	switch {
	case count != nil:
		v, ds := in.eval(count.Expr, parent)
		if in.fail(ds) {
			return nil, false
		}
		if !in.known(v, addr, pos, "count") {
			return nil, false
		}
		n, err := wholeNumber(v)
		if err != nil || n < 0 || n > maxCount {
			in.errorf(rangePos(count.Expr.Range()), "invalid count for %s: %s", addr, errOr(err, fmt.Sprintf("must be between 0 and %d", maxCount)))
			return nil, false
		}
		if !in.spend(n, rangePos(count.Expr.Range()), addr) {
			return nil, false
		}
		out := make([]expansion, n)
		for i := range out {
			idx := cty.NumberIntVal(int64(i))
			out[i] = expansion{suffix: "[" + strconv.Itoa(i) + "]", sc: &scope{count: &idx}}
		}
		return out, true
	case forEach != nil:
		v, ds := in.eval(forEach.Expr, parent)
		if in.fail(ds) {
			return nil, false
		}
		// Terraform expands a for_each whose keys are known, even when
		// its values carry unknowns (an ARN, a subnet id): those stay
		// unknown in each.value, and only an attribute that decides GPUs
		// and reads one makes the instance unresolved.
		if !keysKnown(v) {
			in.known(v, addr, pos, "for_each")
			return nil, false
		}
		if in.fatal(v) {
			return nil, false
		}
		v, _ = v.Unmark() // element values keep their reasons
		p := rangePos(forEach.Expr.Range())
		ty := v.Type()
		if v.IsNull() {
			in.errorf(p, "invalid for_each for %s: the value is null", addr)
			return nil, false
		}
		if ty.IsSetType() {
			v, _ = v.UnmarkDeep()
		}
		var out []expansion
		switch {
		case ty.IsMapType() || ty.IsObjectType():
			for it := v.ElementIterator(); it.Next(); {
				k, val := it.Element()
				key := k
				out = append(out, expansion{suffix: "[" + strconv.Quote(k.AsString()) + "]", sc: &scope{eachKey: &key, eachVal: val}})
			}
		case ty.IsSetType() && (ty.ElementType() == cty.String || ty.ElementType() == cty.DynamicPseudoType):
			for it := v.ElementIterator(); it.Next(); {
				_, val := it.Element()
				if val.IsNull() || val.Type() != cty.String {
					in.errorf(p, "invalid for_each for %s: set elements must be strings", addr)
					return nil, false
				}
				key := val
				out = append(out, expansion{suffix: "[" + strconv.Quote(val.AsString()) + "]", sc: &scope{eachKey: &key, eachVal: val}})
			}
		default:
			in.errorf(p, "invalid for_each for %s: want a map or a set of strings, got %s (use toset() for a list)", addr, ty.FriendlyName())
			return nil, false
		}
		if !in.spend(len(out), p, addr) {
			return nil, false
		}
		slices.SortFunc(out, func(a, b expansion) int { return strings.Compare(a.suffix, b.suffix) })
		return out, true
	}
	return []expansion{{sc: parent}}, true
}

// spend charges n instances to the root module's budget; past
// maxInstances (count and for_each multiplied through nested modules) it
// reports an error at pos once.
func (in *instance) spend(n int, pos diag.Pos, addr string) bool {
	in.out.instances += n
	if in.out.instances <= maxInstances {
		return true
	}
	if !in.out.overBudget {
		in.out.overBudget = true
		in.errorf(pos, "%s: more than %d resource and module instances in one root module (count and for_each multiply through nested modules)", addr, maxInstances)
	}
	return false
}

func errOr(err error, s string) string {
	if err != nil {
		return err.Error()
	}
	return s
}

func wholeNumber(v cty.Value) (int, error) {
	v, _ = v.UnmarkDeep()
	if v.IsNull() {
		return 0, fmt.Errorf("the value is null")
	}
	n, err := convert.Convert(v, cty.Number)
	if err != nil {
		return 0, fmt.Errorf("want a number, got %s", v.Type().FriendlyName())
	}
	bf := n.AsBigFloat()
	if !bf.IsInt() {
		return 0, fmt.Errorf("want a whole number, got %s", bf.Text('f', -1))
	}
	i, acc := bf.Int64()
	if acc != big.Exact || i > 1<<31 || i < -(1<<31) {
		return 0, fmt.Errorf("number %s out of range", bf.Text('f', -1))
	}
	return int(i), nil
}

// keysKnown reports whether the instance keys of a for_each value are
// known, as Terraform decides it: a map or object is iterable once it is
// known itself, whatever unknowns its values hold; a set's elements are
// its keys, so they must all be known.
func keysKnown(v cty.Value) bool {
	if !v.IsKnown() {
		return false
	}
	u, _ := v.Unmark()
	if !u.IsNull() && u.Type().IsSetType() {
		return u.IsWhollyKnown()
	}
	return true
}

// fatal reports (as errors) the fatal reasons marked anywhere in v, such
// as a variable without a value: Terraform would stop there too.
func (in *instance) fatal(v cty.Value) bool {
	found := false
	for _, r := range reasons(v) {
		if r.fatal {
			in.errorf(r.pos, "%s", r.msg)
			found = true
		}
	}
	return found
}

func (in *instance) known(v cty.Value, addr string, pos diag.Pos, what string) bool {
	return in.out.known(v, addr, pos, what)
}

func (in *instance) errorf(pos diag.Pos, format string, args ...any) {
	in.out.diags = append(in.out.diags, diag.Errorf(pos, format, args...)...)
}

// fail records ds and reports whether it holds errors.
func (in *instance) fail(ds diag.Diagnostics) bool {
	in.out.diags = append(in.out.diags, ds...)
	return ds.HasErrors()
}

// module extracts the GPU resources of one module call's instances.
func (in *instance) module(mc *moduleCall) {
	addr := in.prefix + "module." + mc.name
	target, readable, msg, ds := in.source(mc)
	if in.fail(ds) {
		return
	}
	if !readable {
		in.remote(mc, addr, msg)
		return
	}
	if in.depth >= maxModuleDepth || slices.Contains(in.stack, target) {
		in.errorf(mc.pos, "module %q: module cycle through %s", mc.name, target)
		return
	}
	child, ds := in.d.loadDir(target)
	if in.fail(ds) {
		return
	}
	if !in.d.holdsGPUs(child, nil) {
		return
	}
	cs := in.call(mc)
	if cs.unknown != cty.NilVal {
		in.known(cs.unknown, addr, mc.pos, cs.what)
		return
	}
	for _, ci := range cs.children {
		ci.run()
	}
}

// source resolves where the module call mc is read from: a local path
// ("./…", "../…"), or the directory terraform init installed a registry,
// git or other remote source in (the root's modules.json). readable is
// false, with msg saying why and what to do, for a remote source that is
// not installed.
func (in *instance) source(mc *moduleCall) (target string, readable bool, msg string, ds diag.Diagnostics) {
	target, local, ds := in.d.localSource(in.mod.dir, mc)
	if local || ds.HasErrors() {
		return target, local, "", ds
	}
	return in.installedSource(mc)
}

// remote records a module call whose source capcheck cannot read (a
// registry, git, HTTP, S3 or GCS address, or an absolute path, that
// terraform init has not installed). Whatever its name or inputs, what it
// declares is unknown, so it is inventory.Unresolved, never zero; only a
// count or for_each known to create no instance is left out, as Terraform
// creates nothing for it. msg says why.
func (in *instance) remote(mc *moduleCall, addr, msg string) {
	for _, a := range []*hcl.Attribute{mc.count, mc.forEach} {
		if a == nil {
			continue
		}
		v, ds := in.eval(a.Expr, nil)
		if in.fail(ds) {
			return
		}
		if a == mc.forEach && keysKnown(v) || v.IsWhollyKnown() {
			if in.fatal(v) {
				return
			}
		} else {
			if in.fatal(v) {
				return
			}
			break // unknown instances of an unknown module: unresolved
		}
		exps, ok := in.expand(mc.count, mc.forEach, addr, mc.pos, nil)
		if !ok || len(exps) == 0 {
			return // invalid (recorded), or no instance at all
		}
	}
	in.out.unresolved = append(in.out.unresolved, inventory.Unresolved{Address: addr, Range: mc.pos.Range(),
		Msg: msg, Remedied: true})
}

// remoteMsg says why a non-local module's capacity is unknown when
// terraform init has not run in its root (no .terraform/modules/modules.json),
// and what to do about it.
func remoteMsg(source string) string {
	return fmt.Sprintf("module source %q (%s) is not local: capcheck cannot read what it declares; ", source, sourceKind(source)) +
		"run terraform init -backend=false (no credentials needed) to install it in .terraform/modules, or pass terraform show -json output with --plan-json"
}

// registrySource is a module registry address:
// [HOST/]NAMESPACE/NAME/PROVIDER[//SUBDIR].
var registrySource = regexp.MustCompile(`^(?:[0-9A-Za-z.-]+(?::[0-9]+)?/)?[0-9A-Za-z][0-9A-Za-z_-]*/[0-9A-Za-z][0-9A-Za-z_-]*/[0-9a-z]+(?://.*)?$`)

// sourceKind names where a non-local module source points, the way
// Terraform's module installer tells them apart.
func sourceKind(src string) string {
	s := strings.ToLower(src)
	switch {
	case strings.HasPrefix(s, "git::"), strings.HasPrefix(s, "git@"),
		strings.HasPrefix(s, "github.com/"), strings.HasPrefix(s, "bitbucket.org/"):
		return "a git repository"
	case strings.HasPrefix(s, "hg::"):
		return "a Mercurial repository"
	case strings.HasPrefix(s, "s3::"), strings.Contains(s, ".amazonaws.com/"):
		return "an S3 bucket"
	case strings.HasPrefix(s, "gcs::"), strings.Contains(s, "storage.googleapis.com/"):
		return "a GCS bucket"
	case strings.HasPrefix(s, "http://"), strings.HasPrefix(s, "https://"):
		return "an HTTP URL"
	case path.IsAbs(filepath.ToSlash(src)) || filepath.IsAbs(src):
		return "an absolute path"
	case registrySource.MatchString(src):
		return "a module registry address"
	}
	return "neither ./ nor ../"
}

// holdsGPUs reports whether module m or a module it calls declares a GPU
// resource type or calls a remote module (whose capacity is unknown, so
// reported): only those are evaluated.
func (d *discovery) holdsGPUs(m *moduleDir, seen map[string]bool) bool {
	if seen == nil {
		seen = map[string]bool{}
	}
	if seen[m.dir] {
		return false
	}
	seen[m.dir] = true
	for _, b := range m.resources {
		if _, ok := handlers[b.typ]; ok {
			return true
		}
	}
	for _, mc := range m.modules {
		target, local, ds := d.localSource(m.dir, mc)
		if ds.HasErrors() {
			return true // evaluate, so the error is reported
		}
		if !local {
			return true // unknown capacity: reported as unresolved
		}
		child, ds := d.loadDir(target)
		if ds.HasErrors() || d.holdsGPUs(child, seen) {
			return true
		}
	}
	return false
}

// convert applies the variable's type constraint and optional-attribute
// defaults.
func (v *variableDecl) convert(val cty.Value, pos diag.Pos) (cty.Value, diag.Diagnostics) {
	if !v.typed {
		return val, nil
	}
	if v.defaults != nil {
		val = v.defaults.Apply(val)
	}
	out, err := convert.Convert(val, v.ty)
	if err != nil {
		return cty.DynamicVal, diag.Errorf(pos, "invalid value for variable %q: %v", v.name, err)
	}
	return out, nil
}

func (in *instance) defaultOrMissing(v *variableDecl, missing func() cty.Value) *lazy {
	if v.def != nil {
		return &lazy{eval: func() (cty.Value, diag.Diagnostics) { return in.defaultValue(v) }}
	}
	return &lazy{state: 2, val: missing()}
}

// defaultValue evaluates the default of v, which has one.
func (in *instance) defaultValue(v *variableDecl) (cty.Value, diag.Diagnostics) {
	val, hd := constValue(v.def, in.out.work)
	if ds := fromHCL(hd); ds.HasErrors() {
		return cty.DynamicVal, ds
	}
	return v.convert(val, rangePos(v.def.Range()))
}

// assign is the value of v set to val at pos (by a module call's argument
// or a tfvars file): with `nullable = false`, null stands for the default,
// and is invalid for a variable without one.
func (in *instance) assign(v *variableDecl, val cty.Value, pos diag.Pos) (cty.Value, diag.Diagnostics) {
	if v.notNull && val.IsKnown() && val.IsNull() {
		if v.def == nil {
			return cty.DynamicVal, diag.Errorf(pos, "invalid value for variable %q: null, and the variable is declared nullable = false without a default", v.name)
		}
		return in.defaultValue(v)
	}
	return v.convert(val, pos)
}

// get evaluates l once. ok is false for a reference cycle. depth counts
// the evaluations in progress in this root module: a chain of references
// deeper than maxRefDepth is an error at pos, not a stack overflow.
func (l *lazy) get(depth *int, pos diag.Pos) (val cty.Value, ds diag.Diagnostics, ok bool) {
	switch l.state {
	case 1:
		return cty.DynamicVal, nil, false
	case 2:
		return l.val, l.diags, true
	}
	if *depth >= maxRefDepth {
		return cty.DynamicVal, diag.Errorf(pos, "references nested more than %d levels deep", maxRefDepth), true
	}
	*depth++
	l.state = 1
	l.val, l.diags = l.eval()
	l.state = 2
	*depth--
	return l.val, l.diags, true
}

// eval evaluates expr in this instance. References that cannot be known
// statically (resources, data sources, module outputs) evaluate to unknown
// values marked with a reason.
func (in *instance) eval(expr hcl.Expression, sc *scope) (cty.Value, diag.Diagnostics) {
	if in.out.work.stopped() {
		return cty.DynamicVal, nil // abandoned (bounded): end promptly
	}
	var ds diag.Diagnostics
	vars := map[string]cty.Value{}
	varObj := map[string]cty.Value{}
	localObj := map[string]cty.Value{}
	nested := map[string]map[string]map[string]cty.Value{} // root → name → attr → value
	var modRefs map[string]map[string]bool                 // module name → outputs read (nil: all)
	var modPos map[string]diag.Pos
	for _, tr := range expr.Variables() {
		root := tr.RootName()
		p := rangePos(tr.SourceRange())
		if sc != nil {
			if it, ok := sc.iters[root]; ok {
				vars[root] = it
				continue
			}
		}
		switch root {
		case "var", "local":
			name, ok := attrStep(tr, 1)
			if !ok {
				ds = append(ds, diag.Errorf(p, "invalid reference to %s: name an attribute, like %s.example", root, root)...)
				continue
			}
			table, obj, kind := in.vars, varObj, "input variable"
			if root == "local" {
				table, obj, kind = in.locals, localObj, "local value"
			}
			l, ok := table[name]
			if !ok {
				ds = append(ds, diag.Errorf(p, "reference to undeclared %s %q", kind, name)...)
				continue
			}
			val, lds, ok := l.get(&in.out.depth, p)
			if !ok {
				ds = append(ds, diag.Errorf(p, "%s %q refers to itself (cycle)", kind, name)...)
				continue
			}
			ds = append(ds, lds...)
			obj[name] = val
		case "count":
			if sc == nil || sc.count == nil {
				ds = append(ds, diag.Errorf(p, "count.index is only available in a block that sets count")...)
				continue
			}
			vars["count"] = cty.ObjectVal(map[string]cty.Value{"index": *sc.count})
		case "each":
			if sc == nil || sc.eachKey == nil {
				ds = append(ds, diag.Errorf(p, "each is only available in a block that sets for_each")...)
				continue
			}
			vars["each"] = cty.ObjectVal(map[string]cty.Value{"key": *sc.eachKey, "value": sc.eachVal})
		case "path":
			mod, _ := filepath.Rel(filepath.FromSlash(in.root), filepath.FromSlash(in.mod.dir))
			vars["path"] = cty.ObjectVal(map[string]cty.Value{
				"module": cty.StringVal(filepath.ToSlash(mod)),
				"root":   cty.StringVal("."),
				"cwd":    cty.StringVal(filepath.Join(in.d.root, filepath.FromSlash(in.root))),
			})
		case "terraform":
			vars["terraform"] = cty.ObjectVal(map[string]cty.Value{"workspace": cty.StringVal("default")})
		case "module":
			name, ok := attrStep(tr, 1)
			if !ok {
				ds = append(ds, diag.Errorf(p, "invalid reference to module: name a module call, like module.example")...)
				continue
			}
			if modRefs == nil {
				modRefs = map[string]map[string]bool{}
				modPos = map[string]diag.Pos{}
			}
			want, seen := modRefs[name]
			if !seen {
				want = map[string]bool{}
				modPos[name] = p
			}
			if out := outputName(tr, in.findCall(name)); out != "" && want != nil {
				want[out] = true
			} else {
				want = nil // the whole module object
			}
			modRefs[name] = want
		case "data":
			typ, ok1 := attrStep(tr, 1)
			name, ok2 := attrStep(tr, 2)
			if !ok1 || !ok2 {
				vars["data"] = unknownBecause(false, p, "data source reference")
				continue
			}
			attr, _ := attrStep(tr, 3)
			vars["data"] = setNested(nested, "data", typ, name, in.dataValue(typ, name, attr, p))
		case "self":
			vars["self"] = unknownBecause(false, p, "self is known only after apply")
		default:
			name, ok := attrStep(tr, 1)
			if !ok {
				vars[root] = unknownBecause(false, p, "%s is not known statically", root)
				continue
			}
			vars[root] = setNested(nested, root, name, "", in.resourceValue(root, name, p))
		}
	}
	if len(modRefs) > 0 {
		mods := map[string]cty.Value{}
		for _, name := range slices.Sorted(maps.Keys(modRefs)) {
			v, mds := in.moduleValue(name, modRefs[name], modPos[name])
			ds = append(ds, mds...)
			mods[name] = v
		}
		vars["module"] = cty.ObjectVal(mods)
	}
	if len(varObj) > 0 {
		vars["var"] = cty.ObjectVal(varObj)
	}
	if len(localObj) > 0 {
		vars["local"] = cty.ObjectVal(localObj)
	}
	if ds.HasErrors() {
		return cty.DynamicVal, ds
	}
	if in.out.work.stopped() {
		return cty.DynamicVal, nil // abandoned while its references were read
	}
	leave := in.out.site.enter(expr) // positions function errors (funcs.go)
	val, hd := expr.Value(&hcl.EvalContext{Variables: vars, Functions: in.funcs})
	leave()
	if v, ok := unknownFunction(hd); ok {
		return v, ds
	}
	return val, append(ds, fromHCL(hd)...)
}

// unknownFunction is the value of an expression that calls a function
// capcheck does not evaluate (a provider-defined function, or one of
// Terraform's it lacks): unknown, with the reason at the call. ok is false
// when hd reports no such call.
func unknownFunction(hd hcl.Diagnostics) (cty.Value, bool) {
	for _, h := range hd {
		if h.Severity != hcl.DiagError || h.Summary != "Call to unknown function" {
			continue
		}
		p := diag.Pos{}
		if h.Subject != nil {
			p = rangePos(*h.Subject)
		}
		if fc, ok := h.Expression.(*hclsyntax.FunctionCallExpr); ok && strings.HasPrefix(fc.Name, "provider::") {
			// Terraform ≥ 1.8: the provider plugin evaluates it.
			return unknownBecause(false, p, "%s is a provider-defined function, evaluated only by the provider", fc.Name), true
		}
		return unknownBecause(false, p, "%s", strings.TrimSuffix(h.Detail, ".")), true
	}
	return cty.NilVal, false
}

func attrStep(tr hcl.Traversal, i int) (string, bool) {
	if len(tr) <= i {
		return "", false
	}
	switch s := tr[i].(type) {
	case hcl.TraverseAttr:
		return s.Name, true
	case hcl.TraverseIndex:
		if s.Key.Type() == cty.String && s.Key.IsKnown() && !s.Key.IsNull() {
			return s.Key.AsString(), true
		}
	}
	return "", false
}

// setNested adds value at root.a.b (b empty: root.a) and returns the
// rebuilt object for root.
func setNested(nested map[string]map[string]map[string]cty.Value, root, a, b string, value cty.Value) cty.Value {
	if a == "" {
		return value
	}
	if nested[root] == nil {
		nested[root] = map[string]map[string]cty.Value{}
	}
	if nested[root][a] == nil {
		nested[root][a] = map[string]cty.Value{}
	}
	nested[root][a][b] = value
	top := map[string]cty.Value{}
	for ka, inner := range nested[root] {
		if v, ok := inner[""]; ok {
			top[ka] = v
			continue
		}
		obj := map[string]cty.Value{}
		maps.Copy(obj, inner)
		top[ka] = cty.ObjectVal(obj)
	}
	return cty.ObjectVal(top)
}

// blockFields is what the data sources capcheck reads statically may set.
var offeringFields = []string{"instance_count", "instance_type", "capacity_duration_hours", "start_date_range", "end_date_range"}

// dataValue is the value of data.typ.name: an object whose attributes are
// the data block's own literal arguments for
// aws_ec2_capacity_block_offering, unknown otherwise.
func (in *instance) dataValue(typ, name, attr string, p diag.Pos) cty.Value {
	key := "data." + typ + "." + name
	b := in.mod.byAddr[key]
	if b == nil {
		return unknownBecause(false, p, "%s is not declared in this module", key)
	}
	bp := b.pos()
	unknown := unknownBecause(false, bp, "%s is read only at plan time", key)
	if typ != "aws_ec2_capacity_block_offering" || b.count != nil || b.forEach != nil || in.dataBusy[key] {
		return unknown
	}
	in.dataBusy[key] = true
	defer delete(in.dataBusy, key)
	obj := map[string]cty.Value{}
	attrs, _ := b.body.JustAttributes()
	for _, f := range offeringFields {
		if a, ok := attrs[f]; ok {
			v, ds := in.eval(a.Expr, nil)
			if ds.HasErrors() {
				in.fail(ds)
				v = unknownBecause(false, rangePos(a.Expr.Range()), "%s.%s has errors", key, f)
			}
			obj[f] = v
		}
	}
	if attr != "" {
		if _, ok := obj[attr]; !ok {
			obj[attr] = unknownBecause(false, bp, "%s.%s is read only at plan time", key, attr)
		}
	}
	return cty.ObjectVal(obj)
}

// rootVariables sets the root module's variables: defaults <
// terraform.tfvars < terraform.tfvars.json < *.auto.tfvars (lexical) <
// Options.VarFiles < Options.Vars.
func (in *instance) rootVariables() diag.Diagnostics {
	type setting struct {
		expr hcl.Expression
		raw  *string
		pos  diag.Pos
	}
	settings := map[string]setting{}
	var ds diag.Diagnostics
	files, err := tfvarsFiles(in.d.root, in.mod.dir)
	if err != nil {
		return diag.Errorf(diag.Pos{File: in.mod.dir}, "list tfvars: %v", err)
	}
	for _, vf := range in.d.opts.VarFiles {
		files = append(files, path.Clean(filepath.ToSlash(vf)))
	}
	for _, rel := range files {
		attrs, fds := in.d.parseTfvars(rel)
		ds = append(ds, fds...)
		for name, a := range attrs {
			settings[name] = setting{expr: a.Expr, pos: rangePos(a.Expr.Range())}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(in.d.opts.Vars)) {
		raw := in.d.opts.Vars[name]
		v, ok := in.mod.variables[name]
		p := diag.Pos{File: "-var " + name}
		if ok && v.typed && !v.ty.IsPrimitiveType() && v.ty != cty.DynamicPseudoType {
			expr, hd := hclsyntax.ParseExpression([]byte(raw), "-var "+name, hcl.InitialPos)
			if hd.HasErrors() {
				ds = append(ds, fromHCL(hd)...)
				continue
			}
			meterFor(expr)
			settings[name] = setting{expr: expr, pos: p}
			continue
		}
		settings[name] = setting{raw: &raw, pos: p}
	}
	for name, v := range in.mod.variables {
		s, ok := settings[name]
		switch {
		case !ok:
			in.vars[name] = in.defaultOrMissing(v, func() cty.Value {
				return unknownBecause(true, v.pos, "variable %q has no value; set it in terraform.tfvars or with --var-file", name)
			})
		case s.raw != nil:
			raw := *s.raw
			in.vars[name] = &lazy{eval: func() (cty.Value, diag.Diagnostics) {
				return v.convert(cty.StringVal(raw), s.pos)
			}}
		default:
			in.vars[name] = &lazy{eval: func() (cty.Value, diag.Diagnostics) {
				val, hd := constValue(s.expr, in.out.work)
				if ds := fromHCL(hd); ds.HasErrors() {
					return cty.DynamicVal, ds
				}
				return in.assign(v, val, s.pos)
			}}
		}
	}
	return ds
}
