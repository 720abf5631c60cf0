package terraform

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/capcheck/capcheck/inventory"

	"github.com/capcheck/capcheck/evaluator/catalog"
	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/internal/repopath"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// planModule is a module in `terraform show -json` output (planned_values
// or values).
type planModule struct {
	Address      string         `json:"address"`
	Resources    []planResource `json:"resources"`
	ChildModules []planModule   `json:"child_modules"`
}

type planResource struct {
	Address string                     `json:"address"`
	Mode    string                     `json:"mode"`
	Type    string                     `json:"type"`
	Name    string                     `json:"name"`
	Values  map[string]json.RawMessage `json:"values"`
}

type planConfigModule struct {
	Resources []struct {
		Address     string          `json:"address"`
		Expressions json.RawMessage `json:"expressions"`
	} `json:"resources"`
	ModuleCalls map[string]struct {
		Module planConfigModule `json:"module"`
	} `json:"module_calls"`
}

type planFile struct {
	PlannedValues *struct {
		RootModule planModule `json:"root_module"`
	} `json:"planned_values"`
	Values *struct {
		RootModule planModule `json:"root_module"`
	} `json:"values"`
	PriorState *struct {
		Values *struct {
			RootModule planModule `json:"root_module"`
		} `json:"values"`
	} `json:"prior_state"`
	Configuration *struct {
		RootModule planConfigModule `json:"root_module"`
	} `json:"configuration"`
}

// LoadPlanJSON reads a `terraform show -json` plan (or state) file at rel,
// a path the repository names (capcheck.yaml's terraform.plan_json),
// relative to root and confined to it: neither the path nor a symbolic
// link on it may leave root (repopath.Resolve). It returns the GPU
// reservations the plan holds, with exact counts. File is rel; Line and
// Column locate each resource's "address" in the JSON. Values unknown
// until apply are inventory.Unresolved, as in Discover. A file that cannot be read
// is a plain error ("load plan rel: reason") for the caller to position.
func LoadPlanJSON(root, rel string, cat *catalog.Catalog) (*inventory.Inventory, error) {
	name := filepath.ToSlash(rel)
	realRoot, err := repopath.Root(root)
	if err != nil {
		return nil, fmt.Errorf("load plan %s: %w", name, err)
	}
	data, err := repopath.ReadFile(realRoot, realRoot, filepath.FromSlash(rel), 0)
	if err != nil {
		return nil, fmt.Errorf("load plan %s: %s", name, repopath.Reason(err))
	}
	return parsePlanJSON(name, data, cat)
}

// LoadPlanJSONFile is LoadPlanJSON for a plan file the user names (the
// --plan-json flag): file is any path, relative to the working directory
// or absolute, and is not confined ("-" is standard input); name is how
// positions call it. A read error names file as given (<stdin> for "-").
func LoadPlanJSONFile(file, name string, cat *catalog.Catalog) (*inventory.Inventory, error) {
	data, err := repopath.ReadUserInput(file, 0) // "-" is standard input
	if err != nil {
		return nil, fmt.Errorf("load plan %s: %s", repopath.UserName(file), repopath.Reason(err))
	}
	return parsePlanJSON(name, data, cat)
}

// parsePlanJSON reads the plan data of the file name.
func parsePlanJSON(rel string, data []byte, cat *catalog.Catalog) (*inventory.Inventory, error) {
	if cat == nil {
		cat = catalog.Default()
	}
	var pf planFile
	if err := json.Unmarshal(data, &pf); err != nil {
		return nil, jsonDiag(rel, data, err)
	}
	var top *planModule
	switch {
	case pf.PlannedValues != nil:
		top = &pf.PlannedValues.RootModule
	case pf.Values != nil:
		top = &pf.Values.RootModule
	default:
		return nil, diag.Errorf(diag.Pos{File: rel, Line: 1, Column: 1}, "not a terraform show -json plan or state: no planned_values or values")
	}
	p := &planLoader{
		file: rel, data: data, cat: cat,
		byAddr: map[string]*planResource{},
		config: map[string]json.RawMessage{},
		c:      &collector{},
	}
	if i := bytes.Index(data, []byte(`"planned_values"`)); i >= 0 && pf.PlannedValues != nil {
		p.from = i
	}
	p.index(top)
	if pf.PriorState != nil && pf.PriorState.Values != nil {
		p.index(&pf.PriorState.Values.RootModule)
	}
	if pf.Configuration != nil {
		p.indexConfig("", &pf.Configuration.RootModule)
	}
	p.walk(top)
	p.c.linkConsumers()
	if err := p.c.diags.Err(); err != nil {
		return nil, err
	}
	inv := &inventory.Inventory{Reservations: []inventory.Entry{}, Unresolved: p.c.unresolved}
	if inv.Unresolved == nil {
		inv.Unresolved = []inventory.Unresolved{}
	}
	for _, f := range p.c.found {
		inv.Reservations = append(inv.Reservations, f.r)
	}
	sortInventory(inv)
	return inv, nil
}

type planLoader struct {
	file   string
	data   []byte
	from   int
	cat    *catalog.Catalog
	byAddr map[string]*planResource
	config map[string]json.RawMessage // config address (no indexes) → expressions
	c      *collector
}

func (p *planLoader) index(m *planModule) {
	for i := range m.Resources {
		r := &m.Resources[i]
		if _, ok := p.byAddr[r.Address]; !ok {
			p.byAddr[r.Address] = r
		}
	}
	for i := range m.ChildModules {
		p.index(&m.ChildModules[i])
	}
}

func (p *planLoader) indexConfig(prefix string, m *planConfigModule) {
	for _, r := range m.Resources {
		p.config[prefix+r.Address] = r.Expressions
	}
	for name, mc := range m.ModuleCalls {
		p.indexConfig(prefix+"module."+name+".", &mc.Module)
	}
}

func (p *planLoader) walk(m *planModule) {
	for i := range m.Resources {
		r := &m.Resources[i]
		h, ok := handlers[r.Type]
		if !ok || r.Mode == "data" {
			continue
		}
		pos := p.pos(r.Address)
		x := &extraction{c: p.c, cat: p.cat, typ: r.Type, addr: r.Address, prefix: modulePrefix(r.Address),
			pos: pos, end: pos, link: p}
		x.v = p.view(r, h.shape)
		h.fn(x)
	}
	for i := range m.ChildModules {
		p.walk(&m.ChildModules[i])
	}
}

// pos locates the resource's "address" member in the plan file.
func (p *planLoader) pos(addr string) diag.Pos {
	enc, _ := json.Marshal(addr)
	off := p.from
	for {
		i := bytes.Index(p.data[off:], enc)
		if i < 0 {
			return diag.Pos{File: p.file, Line: 1, Column: 1}
		}
		at := off + i
		before := bytes.TrimRight(p.data[p.from:at], " \t\r\n")
		if bytes.HasSuffix(before, []byte(":")) && bytes.HasSuffix(bytes.TrimRight(before[:len(before)-1], " \t\r\n"), []byte(`"address"`)) {
			return diag.PosAt(p.file, p.data, at)
		}
		off = at + len(enc)
	}
}

// view converts a planned resource's values to sh. An attribute missing
// from the planned values is unknown until apply.
func (p *planLoader) view(r *planResource, sh *shape) view {
	pos := p.pos(r.Address)
	prefix := modulePrefix(r.Address)
	expr := p.config[configAddress(r.Address)]
	return view{
		v:   planValue(r.Values, sh, r.Address, pos),
		pos: func(string) diag.Pos { return pos },
		ref: func(path string, types ...string) (string, string) {
			if refs := configRefs(expr, path); len(refs) > 0 {
				for _, ref := range refs {
					if a := refResource(ref, types); a != "" {
						return prefix + a, ""
					}
				}
			}
			if raw := rawAt(r.Values, path); raw != nil {
				var s string
				if json.Unmarshal(raw, &s) == nil && s != "" {
					return "", s
				}
			}
			return "", ""
		},
	}
}

func planValue(values map[string]json.RawMessage, sh *shape, addr string, pos diag.Pos) cty.Value {
	obj := map[string]cty.Value{}
	for _, a := range sh.attrs {
		raw, ok := values[a]
		if !ok && slices.Contains(sh.optional, a) {
			obj[a] = cty.NullVal(cty.DynamicPseudoType)
			continue
		}
		if !ok {
			obj[a] = unknownBecause(false, pos, "%s.%s is known only after apply", addr, a)
			continue
		}
		obj[a] = jsonValue(raw)
	}
	for name, sub := range sh.blocks {
		var elems []map[string]json.RawMessage
		if raw, ok := values[name]; ok {
			_ = json.Unmarshal(raw, &elems)
		}
		var vals []cty.Value
		for _, e := range elems {
			vals = append(vals, planValue(e, sub, addr, pos))
		}
		obj[name] = cty.EmptyTupleVal
		if len(vals) > 0 {
			obj[name] = cty.TupleVal(vals)
		}
	}
	return cty.ObjectVal(obj)
}

func jsonValue(raw json.RawMessage) cty.Value {
	ty, err := ctyjson.ImpliedType(raw)
	if err != nil {
		return cty.NullVal(cty.DynamicPseudoType)
	}
	v, err := ctyjson.Unmarshal(raw, ty)
	if err != nil {
		return cty.NullVal(cty.DynamicPseudoType)
	}
	return v
}

// rawAt finds the JSON at a dotted path in planned values.
func rawAt(values map[string]json.RawMessage, p string) json.RawMessage {
	var cur json.RawMessage
	b, _ := json.Marshal(values)
	cur = b
	for _, seg := range strings.Split(p, ".") {
		var arr []json.RawMessage
		if json.Unmarshal(cur, &arr) == nil {
			var i int
			if _, err := fmt.Sscanf(seg, "%d", &i); err != nil || i >= len(arr) {
				return nil
			}
			cur = arr[i]
			continue
		}
		var obj map[string]json.RawMessage
		if json.Unmarshal(cur, &obj) != nil {
			return nil
		}
		var ok bool
		if cur, ok = obj[seg]; !ok {
			return nil
		}
	}
	return cur
}

// configRefs returns the "references" of the expression at a dotted path
// in a configuration resource's expressions.
func configRefs(exprs json.RawMessage, p string) []string {
	if exprs == nil {
		return nil
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(exprs, &m) != nil {
		return nil
	}
	raw := rawAt(m, p)
	if raw == nil {
		return nil
	}
	var e struct {
		References []string `json:"references"`
	}
	if json.Unmarshal(raw, &e) != nil {
		return nil
	}
	return e.References
}

// refResource turns a configuration reference
// ("aws_ec2_capacity_reservation.x[0].id") into the resource address it
// names when its type is one of types.
func refResource(ref string, types []string) string {
	parts := splitAddress(ref)
	steps := 2
	if len(parts) > 0 && parts[0] == "data" {
		steps = 3
	}
	if len(parts) < steps {
		return ""
	}
	root := parts[0]
	ok := len(types) == 0
	for _, t := range types {
		if t == root {
			ok = true
		}
	}
	if !ok {
		return ""
	}
	return strings.Join(parts[:steps], ".")
}

// splitAddress splits an address at dots outside brackets, keeping index
// suffixes on their step ("x[0]").
func splitAddress(a string) []string {
	var parts []string
	depth, inStr, start := 0, false, 0
	for i := 0; i < len(a); i++ {
		switch c := a[i]; {
		case inStr && c == '\\':
			i++
		case c == '"':
			inStr = !inStr
		case !inStr && c == '[':
			depth++
		case !inStr && c == ']':
			depth--
		case !inStr && depth == 0 && c == '.':
			parts = append(parts, a[start:i])
			start = i + 1
		}
	}
	return append(parts, a[start:])
}

// configAddress drops instance keys: module.a["x"].t.n[0] → module.a.t.n.
func configAddress(a string) string {
	parts := splitAddress(a)
	for i, p := range parts {
		if j := strings.IndexByte(p, '['); j >= 0 {
			parts[i] = p[:j]
		}
	}
	return strings.Join(parts, ".")
}

// modulePrefix is the module part of a resource address, with a trailing
// dot ("" in the root module).
func modulePrefix(a string) string {
	parts := splitAddress(a)
	var b strings.Builder
	for i := 0; i+1 < len(parts); i += 2 {
		if parts[i] != "module" {
			break
		}
		b.WriteString("module." + parts[i+1] + ".")
	}
	return b.String()
}

// offering implements linker for plans: the offering data source read
// during planning (prior_state) that the configuration refers to.
func (p *planLoader) offering(x *extraction) (view, bool) {
	addr, _ := x.v.ref("capacity_block_offering_id", "data")
	r, ok := p.byAddr[addr]
	if addr == "" || !ok || r.Type != "aws_ec2_capacity_block_offering" {
		return view{}, false
	}
	return p.view(r, offeringShape), true
}

// launchTemplate implements linker for plans.
func (p *planLoader) launchTemplate(x *extraction, paths ...string) (view, bool) {
	for _, pth := range paths {
		addr, _ := x.v.ref(pth, "aws_launch_template")
		if r, ok := p.byAddr[addr]; ok && r.Type == "aws_launch_template" {
			return p.view(r, ltShape), true
		}
	}
	return view{}, false
}

// linkedBlock implements linker for plans: the resource of kind the
// configuration's reference at path p names.
func (p *planLoader) linkedBlock(x *extraction, kind string, sh *shape, path string) (view, bool) {
	typ, isData := strings.CutPrefix(kind, "data.")
	root := typ
	if isData {
		root = "data"
	}
	addr, _ := x.v.ref(path, root)
	if r, ok := p.byAddr[addr]; ok && r.Type == typ && (r.Mode == "data") == isData {
		return p.view(r, sh), true
	}
	return view{}, false
}

func jsonDiag(file string, data []byte, err error) error {
	off := 0
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = int(se.Offset) - 1 // Offset is just past the offending byte
	case errors.As(err, &te):
		off = int(te.Offset)
	}
	return diag.Errorf(diag.PosAt(file, data, off), "invalid plan JSON: %v", err)
}
