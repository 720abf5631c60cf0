package terraform

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/internal/repopath"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/zclconf/go-cty/cty"
)

// moduleDir is one parsed module directory. It is read-only once built and
// shared by every instance of the module.
type moduleDir struct {
	dir       string
	variables map[string]*variableDecl
	locals    map[string]*hcl.Attribute
	resources []*block
	byAddr    map[string]*block // "type.name" for resources, "data.type.name" for data
	modules   []*moduleCall
	outputs   map[string]*hcl.Attribute
	// diags are the parse and structure diagnostics of the directory's
	// files, reported when the module is evaluated.
	diags diag.Diagnostics
	// files are the directory's files; deferred those not parsed yet
	// because a scan proved they declare no GPU resource and no module
	// call (see mayHoldCapacity). They are parsed when the directory is
	// loaded as a module or a root that has other files.
	files    []*parsedFile
	deferred []*parsedFile
}

// idle reports whether no file of m has been parsed because none can hold
// capacity: as a root module it declares nothing capcheck reads.
func (m *moduleDir) idle() bool {
	return len(m.files) > 0 && len(m.deferred) == len(m.files)
}

type variableDecl struct {
	name     string
	pos      diag.Pos
	def      hcl.Expression // nil when there is no default
	ty       cty.Type
	defaults *typeexpr.Defaults
	typed    bool
	// notNull is set by `nullable = false`: a null value assigned to the
	// variable becomes its default (Terraform ≥ 1.1).
	notNull bool
}

// block is a resource or data block.
type block struct {
	typ, name string
	data      bool
	body      hcl.Body
	rng       hcl.Range // whole block
	defRange  hcl.Range // header
	count     *hcl.Attribute
	forEach   *hcl.Attribute
}

func (b *block) pos() diag.Pos { return rangePos(b.defRange) }

type moduleCall struct {
	name      string
	source    string
	sourcePos diag.Pos
	pos       diag.Pos
	rng       hcl.Range
	count     *hcl.Attribute
	forEach   *hcl.Attribute
	inputs    hcl.Attributes
	// version is the call's version constraint ("" when it sets none),
	// a literal string as Terraform requires; versionPos is where it is.
	version    string
	versionPos diag.Pos
}

var moduleSchema = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{
	{Type: "variable", LabelNames: []string{"name"}},
	{Type: "locals"},
	{Type: "resource", LabelNames: []string{"type", "name"}},
	{Type: "data", LabelNames: []string{"type", "name"}},
	{Type: "module", LabelNames: []string{"name"}},
	{Type: "output", LabelNames: []string{"name"}},
}}

var variableSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "default"}, {Name: "type"}, {Name: "nullable"}}}

var metaSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "count"}, {Name: "for_each"}}}

var moduleCallSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "source", Required: true}, {Name: "version"}, {Name: "count"}, {Name: "for_each"},
	{Name: "providers"}, {Name: "depends_on"},
}}

func newModuleDir(dir string, files []*parsedFile) *moduleDir {
	m := &moduleDir{
		dir:       dir,
		variables: map[string]*variableDecl{},
		locals:    map[string]*hcl.Attribute{},
		byAddr:    map[string]*block{},
		outputs:   map[string]*hcl.Attribute{},
	}
	m.files = files
	for _, pf := range files {
		if pf.deferred {
			m.deferred = append(m.deferred, pf)
		}
	}
	// A file that failed to parse still contributes what parsed (its
	// module calls decide which directories are roots), but only its
	// parse errors are reported: the rest would be their echo.
	type top struct {
		b     *hcl.Block
		quiet bool // from a file that failed to parse
	}
	var blocks, overrides []top
	var hd hcl.Diagnostics
	report := func(quiet bool, d hcl.Diagnostics) {
		if !quiet {
			hd = append(hd, d...)
		}
	}
	for _, over := range []bool{false, true} { // override files last
		for _, pf := range files {
			if pf.deferred || isOverrideFile(pf.rel) != over {
				continue
			}
			m.diags = append(m.diags, pf.diags...)
			if pf.file == nil {
				continue
			}
			quiet := pf.diags.HasErrors()
			content, _, d := pf.file.Body.PartialContent(moduleSchema)
			report(quiet, d)
			if content == nil {
				continue
			}
			for _, b := range content.Blocks {
				if over {
					overrides = append(overrides, top{b, quiet})
				} else {
					blocks = append(blocks, top{b, quiet})
				}
			}
		}
	}
	// Merge the override blocks into the blocks they name (see
	// override.go). Their base may be in a file not parsed yet: the
	// directory is rebuilt once it is.
	index := map[string]int{}
	for i, t := range blocks {
		if k := overrideKey(t.b); k != "" {
			if _, dup := index[k]; !dup {
				index[k] = i
			}
		}
	}
	var overLocals []top
	for _, o := range overrides {
		if o.b.Type == "locals" {
			overLocals = append(overLocals, o)
			continue
		}
		k := overrideKey(o.b)
		if k == "" {
			continue
		}
		i, ok := index[k]
		if !ok {
			if len(m.deferred) == 0 {
				report(o.quiet, hcl.Diagnostics{missingBase(o.b.Type, strings.Join(o.b.Labels, "."), o.b.DefRange)})
			}
			continue
		}
		blocks[i].b = mergeOverride(blocks[i].b, o.b)
	}
	for _, t := range blocks {
		report(t.quiet, m.addBlock(t.b))
	}
	for _, o := range overLocals {
		attrs, d := o.b.Body.JustAttributes()
		report(o.quiet, d)
		for _, name := range slices.Sorted(maps.Keys(attrs)) {
			a := attrs[name]
			if _, ok := m.locals[name]; !ok {
				if len(m.deferred) == 0 {
					report(o.quiet, hcl.Diagnostics{missingBase("local value", name, a.NameRange)})
				}
				continue
			}
			m.locals[name] = a
		}
	}
	sort.SliceStable(m.resources, func(i, j int) bool {
		a, b := m.resources[i].defRange, m.resources[j].defRange
		if a.Filename != b.Filename {
			return a.Filename < b.Filename
		}
		return a.Start.Byte < b.Start.Byte
	})
	m.diags = append(m.diags, fromHCL(hd)...)
	return m
}

func (m *moduleDir) addBlock(b *hcl.Block) hcl.Diagnostics {
	var hd hcl.Diagnostics
	dup := func(what string) hcl.Diagnostics {
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Duplicate " + what,
			Detail: fmt.Sprintf("%s %q is declared more than once in this module.", what, strings.Join(b.Labels, ".")), Subject: b.DefRange.Ptr()}}
	}
	switch b.Type {
	case "variable":
		name := b.Labels[0]
		if _, ok := m.variables[name]; ok {
			return dup("variable")
		}
		content, _, d := b.Body.PartialContent(variableSchema)
		hd = append(hd, d...)
		v := &variableDecl{name: name, pos: rangePos(b.DefRange), ty: cty.DynamicPseudoType}
		if a := content.Attributes["default"]; a != nil {
			v.def = a.Expr
		}
		if a := content.Attributes["type"]; a != nil {
			ty, defs, d := typeexpr.TypeConstraintWithDefaults(a.Expr)
			hd = append(hd, d...)
			if !d.HasErrors() {
				v.ty, v.defaults, v.typed = ty, defs, true
			}
		}
		if a := content.Attributes["nullable"]; a != nil {
			nv, d := constValue(a.Expr, nil)
			if d.HasErrors() || !nv.IsKnown() || nv.IsNull() || nv.Type() != cty.Bool {
				hd = append(hd, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid nullable value",
					Detail: "nullable must be the literal true or false.", Subject: a.Expr.Range().Ptr()})
			} else {
				v.notNull = nv.False()
			}
		}
		m.variables[name] = v
	case "locals":
		attrs, d := b.Body.JustAttributes()
		hd = append(hd, d...)
		for name, a := range attrs {
			if _, ok := m.locals[name]; ok {
				hd = append(hd, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Duplicate local value",
					Detail: fmt.Sprintf("local value %q is declared more than once in this module.", name), Subject: a.NameRange.Ptr()})
				continue
			}
			m.locals[name] = a
		}
	case "resource", "data":
		content, _, d := b.Body.PartialContent(metaSchema)
		hd = append(hd, d...)
		blk := &block{typ: b.Labels[0], name: b.Labels[1], data: b.Type == "data", body: b.Body,
			defRange: b.DefRange, rng: blockRange(b), count: content.Attributes["count"], forEach: content.Attributes["for_each"]}
		key := blk.typ + "." + blk.name
		if blk.data {
			key = "data." + key
		}
		if _, ok := m.byAddr[key]; ok {
			return dup(b.Type)
		}
		m.byAddr[key] = blk
		if !blk.data {
			m.resources = append(m.resources, blk)
		}
	case "module":
		content, remain, d := b.Body.PartialContent(moduleCallSchema)
		hd = append(hd, d...)
		if d.HasErrors() {
			return hd
		}
		mc := &moduleCall{name: b.Labels[0], pos: rangePos(b.DefRange), rng: blockRange(b),
			count: content.Attributes["count"], forEach: content.Attributes["for_each"]}
		src := content.Attributes["source"]
		v, d := constValue(src.Expr, nil)
		if d.HasErrors() || v.Type() != cty.String || v.IsNull() || !v.IsKnown() {
			return append(hd, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid module source",
				Detail: "The module source must be a literal string.", Subject: src.Expr.Range().Ptr()})
		}
		mc.source, mc.sourcePos = v.AsString(), rangePos(src.Expr.Range())
		if a := content.Attributes["version"]; a != nil {
			v, d := constValue(a.Expr, nil)
			if d.HasErrors() || v.IsNull() || !v.IsKnown() || v.Type() != cty.String {
				return append(hd, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid version constraint",
					Detail: "The module version must be a literal string, like \"~> 20.0\".", Subject: a.Expr.Range().Ptr()})
			}
			mc.version, mc.versionPos = v.AsString(), rangePos(a.Expr.Range())
		}
		inputs, d := remain.JustAttributes()
		hd = append(hd, d...)
		mc.inputs = inputs
		for _, other := range m.modules {
			if other.name == mc.name {
				return dup("module")
			}
		}
		m.modules = append(m.modules, mc)
	case "output":
		attrs, _ := b.Body.JustAttributes()
		if a := attrs["value"]; a != nil {
			m.outputs[b.Labels[0]] = a
		}
	}
	return hd
}

// blockRange is the range of the whole block, header to closing brace.
func blockRange(b *hcl.Block) hcl.Range {
	type ranger interface{ Range() hcl.Range }
	body := b.Body
	for m, ok := body.(*mergedBody); ok; m, ok = body.(*mergedBody) {
		body = m.base // the declaration, not its overrides
	}
	if r, ok := body.(ranger); ok {
		br := r.Range()
		return hcl.RangeBetween(b.DefRange, br)
	}
	return b.DefRange
}

// manifest is a root module's .terraform/modules/modules.json, written by
// `terraform init` (or `tofu init`): where each module call of the root's
// tree was installed, by key. A key is the chain of call names from the
// root, dot-separated and without instance keys ("eks",
// "eks.eks_managed_node_group"), as Terraform's module installer records
// it.
type manifest struct {
	file    string // slash path relative to the repository root
	present bool
	records map[string]manifestRecord
	diags   diag.Diagnostics
}

type manifestRecord struct {
	Key     string `json:"Key"`
	Source  string `json:"Source"`
	Version string `json:"Version"`
	// Dir is relative to the root module's directory (where init ran),
	// a `//subdir` of the source already appended.
	Dir string `json:"Dir"`
}

// maxManifestBytes bounds the modules.json capcheck reads.
const maxManifestBytes = 16 << 20

// manifest returns the module manifest of the root module dir (slash,
// relative to the repository root), read once. A manifest that cannot be
// parsed is an error at its file, line 1: terraform init wrote it, so
// running it again repairs it.
func (d *discovery) manifest(root string) *manifest {
	d.manifestMu.Lock()
	defer d.manifestMu.Unlock()
	if m, ok := d.manifests[root]; ok {
		return m
	}
	m := &manifest{file: path.Join(root, ".terraform", "modules", "modules.json")}
	d.manifests[root] = m
	full := filepath.Join(d.root, filepath.FromSlash(m.file))
	if st, err := os.Stat(full); err != nil || !st.Mode().IsRegular() {
		return m
	}
	m.present = true
	pos := diag.Pos{File: m.file, Line: 1, Column: 1}
	data, err := repopath.ReadFile(d.root, d.root, filepath.FromSlash(m.file), maxManifestBytes)
	if err != nil {
		m.diags = diag.Errorf(pos, "read the module manifest: %s; run terraform init -backend=false again", repopath.Reason(err))
		return m
	}
	var doc struct {
		Modules []manifestRecord `json:"Modules"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		m.diags = diag.Errorf(pos, "the module manifest is not valid JSON (%v); run terraform init -backend=false again", err)
		return m
	}
	m.records = make(map[string]manifestRecord, len(doc.Modules))
	for _, r := range doc.Modules {
		m.records[r.Key] = r
	}
	return m
}

// installedSource resolves a non-local module call mc of instance in
// through the root's manifest. ok is true with target (slash, relative
// to the repository) when terraform init installed it from the source the
// call names; otherwise msg says why its capacity is unknown and what to
// do. An installed directory outside the repository is an error.
func (in *instance) installedSource(mc *moduleCall) (target string, ok bool, msg string, ds diag.Diagnostics) {
	var constraint []versionConstraint
	if mc.version != "" {
		var err error
		if constraint, err = parseVersionConstraints(mc.version); err != nil {
			return "", false, "", diag.Errorf(mc.versionPos, "module %q: invalid version constraint %q: %v", mc.name, mc.version, err)
		}
	}
	m := in.d.manifest(in.root)
	if len(m.diags) > 0 {
		return "", false, "", m.diags
	}
	if !m.present {
		return "", false, remoteMsg(mc.source), nil
	}
	key := joinKey(in.key, mc.name)
	head := fmt.Sprintf("module source %q (%s) is not local", mc.source, sourceKind(mc.source))
	rec, found := m.records[key]
	switch {
	case !found:
		return "", false, fmt.Sprintf("%s and %s records no module %q: it was added after terraform init ran; run terraform init -backend=false again, or pass terraform show -json output with --plan-json", head, m.file, key), nil
	case !sameSource(rec.Source, mc.source):
		return "", false, fmt.Sprintf("%s and %s installed module %q from %q: the source changed after terraform init ran; run terraform init -backend=false again, or pass terraform show -json output with --plan-json", head, m.file, key, rec.Source), nil
	case constraint != nil && rec.Version != "":
		// Terraform refuses to plan ("Module version requirements have
		// changed") when the installed version no longer meets the
		// constraint: what it would read after init is not known.
		v, err := parseModuleVersion(rec.Version)
		if err != nil {
			return "", false, "", diag.Errorf(diag.Pos{File: m.file, Line: 1, Column: 1}, "the module manifest records version %q for module %q: not a version number; run terraform init -backend=false again", rec.Version, key)
		}
		if !allowVersion(constraint, v) {
			return "", false, fmt.Sprintf("%s and %s installed module %q at version %s, which its version constraint %q (%s) does not allow: the constraint changed after terraform init ran; run terraform init -upgrade -backend=false, or pass terraform show -json output with --plan-json", head, m.file, key, rec.Version, mc.version, mc.versionPos), nil
		}
	}
	dir := strings.ReplaceAll(rec.Dir, `\`, "/")
	rel := path.Join(in.root, dir)
	if path.IsAbs(dir) {
		rel = dir
	}
	real, err := repopath.Resolve(in.d.root, in.d.root, filepath.FromSlash(rel))
	if err != nil {
		if oe := (*repopath.OutsideError)(nil); errors.As(err, &oe) {
			return "", false, "", diag.Errorf(mc.sourcePos, "module %q: installed directory %q (%s) %s", mc.name, rec.Dir, m.file, oe.Reason())
		}
		return "", false, "", diag.Errorf(mc.sourcePos, "module %q: installed directory %q (%s): %s; run terraform init -backend=false again", mc.name, rec.Dir, m.file, cleanErr(err, in.d.root))
	}
	return relSlash(in.d.root, real), true, "", nil
}

func joinKey(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "." + name
}

// sameSource reports whether a source recorded in modules.json is the one
// a call names. Terraform records the normalised address: a registry
// address with its host ("registry.terraform.io/ns/name/provider"), a
// git shorthand as the go-getter URL ("git::https://github.com/acme/x.git").
// Both sides are reduced to host and path before they are compared.
func sameSource(recorded, written string) bool {
	return normSource(recorded) == normSource(written)
}

func normSource(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.TrimPrefix(s, "registry.terraform.io/")
	s = strings.TrimPrefix(s, "registry.opentofu.org/")
	s = strings.TrimPrefix(s, "git::")
	for _, p := range []string{"https://", "http://", "ssh://", "git@"} {
		s = strings.TrimPrefix(s, p)
	}
	// git@github.com:acme/x → github.com/acme/x
	if host, rest, ok := strings.Cut(s, ":"); ok && !strings.Contains(host, "/") && !strings.HasPrefix(rest, "//") {
		s = host + "/" + rest
	}
	// github.com/acme/x.git//sub?ref=v1 → github.com/acme/x//sub?ref=v1
	end := len(s)
	if i := strings.Index(s, "?"); i >= 0 {
		end = i
	}
	if i := strings.Index(s[:end], "//"); i >= 0 {
		end = i
	}
	return strings.TrimSuffix(s[:end], ".git") + s[end:]
}
