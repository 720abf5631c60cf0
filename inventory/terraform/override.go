package terraform

import (
	"fmt"
	"path"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// Override files (https://developer.hashicorp.com/terraform/language/files/override):
// override.tf, override.tf.json and any file whose name ends in
// _override.tf or _override.tf.json. Terraform reads them after the other
// files of the module, in lexical order, and merges each of their
// top-level blocks into the block of the same kind and name declared
// elsewhere: an argument replaces the original's, a nested block type
// replaces every original block of that type (static or dynamic), and a
// local value replaces the original. They add nothing on their own.

// isOverrideFile reports whether the file name (a base name or a slash
// path) is an override file.
func isOverrideFile(name string) bool {
	base := path.Base(name)
	switch {
	case strings.HasSuffix(base, ".tf.json"):
		base = strings.TrimSuffix(base, ".tf.json")
	case strings.HasSuffix(base, ".tf"):
		base = strings.TrimSuffix(base, ".tf")
	default:
		return false
	}
	return base == "override" || strings.HasSuffix(base, "_override")
}

// IsOverrideFile is isOverrideFile for the editor (tfedit).
func IsOverrideFile(name string) bool { return isOverrideFile(name) }

// overrideKey names the top-level block an override block merges into;
// "" for a block that is not merged by name (locals).
func overrideKey(b *hcl.Block) string {
	switch b.Type {
	case "resource", "data", "variable", "module", "output":
		return b.Type + "." + strings.Join(b.Labels, ".")
	}
	return ""
}

// mergeOverride returns base with over merged into it, keeping the base's
// header: the resource stays where it is declared, each argument is read
// where it is written.
func mergeOverride(base, over *hcl.Block) *hcl.Block {
	m := *base
	m.Body = &mergedBody{base: base.Body, over: over.Body}
	return &m
}

// missingBase is Terraform's error for an override block with nothing to
// override.
func missingBase(what, name string, subject hcl.Range) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Missing base " + what + " to override",
		Detail:  fmt.Sprintf("There is no %s named %q: an override file can only change a %s declared in another file of this module.", what, name, what),
		Subject: subject.Ptr()}
}

// mergedBody is a block body with an override body merged over it.
type mergedBody struct{ base, over hcl.Body }

var _ hcl.Body = (*mergedBody)(nil)

func (b *mergedBody) Content(schema *hcl.BodySchema) (*hcl.BodyContent, hcl.Diagnostics) {
	bc, hd := b.base.Content(schema)
	oc, od := b.over.Content(relaxed(schema))
	return mergeContent(bc, oc), append(hd, od...)
}

func (b *mergedBody) PartialContent(schema *hcl.BodySchema) (*hcl.BodyContent, hcl.Body, hcl.Diagnostics) {
	bc, br, hd := b.base.PartialContent(schema)
	oc, or, od := b.over.PartialContent(relaxed(schema))
	return mergeContent(bc, oc), &mergedBody{base: br, over: or}, append(hd, od...)
}

func (b *mergedBody) JustAttributes() (hcl.Attributes, hcl.Diagnostics) {
	ba, hd := b.base.JustAttributes()
	oa, od := b.over.JustAttributes()
	out := hcl.Attributes{}
	for k, a := range ba {
		out[k] = a
	}
	for k, a := range oa {
		out[k] = a
	}
	return out, append(hd, od...)
}

func (b *mergedBody) MissingItemRange() hcl.Range { return b.base.MissingItemRange() }

// relaxed is schema with nothing required: an override block sets only
// what it changes.
func relaxed(schema *hcl.BodySchema) *hcl.BodySchema {
	out := &hcl.BodySchema{Blocks: schema.Blocks}
	for _, a := range schema.Attributes {
		a.Required = false
		out.Attributes = append(out.Attributes, a)
	}
	return out
}

// mergeContent merges override content over base content.
func mergeContent(base, over *hcl.BodyContent) *hcl.BodyContent {
	if base == nil {
		base = &hcl.BodyContent{}
	}
	if over == nil {
		return base
	}
	out := &hcl.BodyContent{Attributes: hcl.Attributes{}, MissingItemRange: base.MissingItemRange}
	for k, a := range base.Attributes {
		out.Attributes[k] = a
	}
	for k, a := range over.Attributes {
		out.Attributes[k] = a
	}
	replaced := map[string]bool{}
	for _, b := range over.Blocks {
		replaced[blockKind(b)] = true
	}
	for _, b := range base.Blocks {
		if !replaced[blockKind(b)] {
			out.Blocks = append(out.Blocks, b)
		}
	}
	out.Blocks = append(out.Blocks, over.Blocks...)
	return out
}

// blockKind is the block type a nested block produces: a dynamic block's
// label.
func blockKind(b *hcl.Block) string {
	if b.Type == "dynamic" && len(b.Labels) > 0 {
		return b.Labels[0]
	}
	return b.Type
}

// nativeAttribute returns the argument name of a native-syntax body, an
// override's when it sets the argument or replaces the block type.
func nativeAttribute(body hcl.Body, name string) *hclsyntax.Attribute {
	switch b := body.(type) {
	case *hclsyntax.Body:
		return b.Attributes[name]
	case *mergedBody:
		if ob, ok := b.over.(*hclsyntax.Body); ok {
			if a := ob.Attributes[name]; a != nil {
				return a
			}
			for _, nb := range ob.Blocks {
				if nb.Type == name || (nb.Type == "dynamic" && len(nb.Labels) > 0 && nb.Labels[0] == name) {
					return nil
				}
			}
		}
		return nativeAttribute(b.base, name)
	}
	return nil
}
