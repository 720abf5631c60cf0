package terraform

import (
	"fmt"
	"sort"
	"strings"

	"github.com/capcheck/capcheck/internal/diag"
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
}

type variableDecl struct {
	name     string
	pos      diag.Pos
	def      hcl.Expression // nil when there is no default
	ty       cty.Type
	defaults *typeexpr.Defaults
	typed    bool
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
}

var moduleSchema = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{
	{Type: "variable", LabelNames: []string{"name"}},
	{Type: "locals"},
	{Type: "resource", LabelNames: []string{"type", "name"}},
	{Type: "data", LabelNames: []string{"type", "name"}},
	{Type: "module", LabelNames: []string{"name"}},
	{Type: "output", LabelNames: []string{"name"}},
}}

var variableSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "default"}, {Name: "type"}}}

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
	var hd hcl.Diagnostics
	for _, pf := range files {
		m.diags = append(m.diags, pf.diags...)
		if pf.file == nil {
			continue
		}
		// A file that failed to parse still contributes what parsed (its
		// module calls decide which directories are roots), but only its
		// parse errors are reported: the rest would be their echo.
		var fd hcl.Diagnostics
		content, _, d := pf.file.Body.PartialContent(moduleSchema)
		fd = append(fd, d...)
		if content != nil {
			for _, b := range content.Blocks {
				fd = append(fd, m.addBlock(b)...)
			}
		}
		if !pf.diags.HasErrors() {
			hd = append(hd, fd...)
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
		v, d := src.Expr.Value(nil)
		if d.HasErrors() || v.Type() != cty.String || v.IsNull() || !v.IsKnown() {
			return append(hd, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid module source",
				Detail: "The module source must be a literal string.", Subject: src.Expr.Range().Ptr()})
		}
		mc.source, mc.sourcePos = v.AsString(), rangePos(src.Expr.Range())
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
	if r, ok := b.Body.(ranger); ok {
		br := r.Range()
		return hcl.RangeBetween(b.DefRange, br)
	}
	return b.DefRange
}
