package kubernetes

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/internal/figure"
	"go.yaml.in/yaml/v3"
)

// object is one Kubernetes manifest document with where it was written.
type object struct {
	apiVersion, kind, name, namespace string
	// tree is the manifest tree it belongs to: the overlay directory for
	// rendered objects, the file's directory for plain YAML.
	tree string
	pos  diag.Pos
	n    *yaml.Node // the document's mapping
	// rendered objects come out of Kustomize: their nodes' lines are the
	// rendering's, so every position is the source document's (pos), or
	// a field's in src, the source document, where the overlay left it as
	// written.
	rendered bool
	src      *object
	// replicasAt is the kustomization replicas entry that sets a rendered
	// object's replicas, nil when none does; patches are the patch
	// documents of its overlay that name it, top overlay first.
	replicasAt *diag.Pos
	patches    []*object
	// helm is the template a Helm-rendered object came from: its nodes'
	// lines are the rendering's, and helm maps them back (helm.go).
	helm *helmTemplate
}

// id is Kind/namespace/name, Kind/name without a namespace.
func (o *object) id() string { return objectID(o.kind, o.namespace, o.name) }

func objectID(kind, ns, name string) string {
	if ns == "" {
		return kind + "/" + name
	}
	return kind + "/" + ns + "/" + name
}

// group is the API group of apiVersion ("" for the core group).
func (o *object) group() string {
	if i := strings.IndexByte(o.apiVersion, '/'); i >= 0 {
		return o.apiVersion[:i]
	}
	return ""
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parseDocs splits data (a multi-document YAML file, file is its
// repository-relative name) into Kubernetes objects: documents with an
// apiVersion and a kind. Other documents (plans, values, CI files) are
// not Kubernetes objects and are left out. A document that does not parse
// is an error at its line.
func parseDocs(file string, data []byte) ([]*object, error) { return decodeDocs(file, data, true) }

// decodeDocs is parseDocs; strict makes a top-level key written twice an
// error (kubectl's strict field validation rejects it), else the last
// wins (as Helm, which does not validate, applies a rendering).
func decodeDocs(file string, data []byte, strict bool) ([]*object, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var out []*object
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			pos := diag.Pos{File: file, Line: 1, Column: 1}
			msg := err.Error()
			if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
				pos.Line, _ = strconv.Atoi(m[1])
				pos.Column = 0 // the parser names the line only
				msg = m[2]
			}
			return nil, diag.Errorf(pos, "parse Kubernetes YAML: %s", msg)
		}
		if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
			continue
		}
		if err := duplicateKey(file, doc.Content[0]); strict && err != nil {
			return nil, err
		}
		out = appendObjects(out, file, doc.Content[0], 0)
	}
}

// duplicateKey is an error for a document whose top-level mapping names a
// key twice: Kubernetes rejects it, and reading it would silently keep
// one object's fields over another's; the usual cause is a document
// separator with text after it on its line ("---apiVersion: v1").
func duplicateKey(file string, n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return nil
	}
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if k.Kind != yaml.ScalarNode || k.Tag == "!!merge" {
			continue
		}
		if prev, ok := seen[k.Value]; ok {
			return diag.Errorf(diag.Pos{File: file, Line: k.Line, Column: k.Column},
				"parse Kubernetes YAML: duplicate key %q (first at line %d): is a document separator \"---\" missing a line of its own?", k.Value, prev.Line)
		}
		seen[k.Value] = k
	}
	return nil
}

// appendObjects appends n, a document's mapping, when it is a Kubernetes
// object; a List (kind: List, or any *List kind of the core v1 API, as
// kubectl get -o yaml writes them) contributes its items instead, each at
// its own line.
func appendObjects(out []*object, file string, n *yaml.Node, depth int) []*object {
	if n == nil || n.Kind != yaml.MappingNode {
		return out
	}
	o := &object{
		apiVersion: scalar(get(n, "apiVersion")),
		kind:       scalar(get(n, "kind")),
		name:       scalar(get(n, "metadata", "name")),
		namespace:  scalar(get(n, "metadata", "namespace")),
		pos:        diag.Pos{File: file, Line: n.Line, Column: n.Column},
		n:          n,
	}
	if o.apiVersion == "" || o.kind == "" {
		return out
	}
	if o.apiVersion == "v1" && strings.HasSuffix(o.kind, "List") && depth < 4 {
		for _, it := range items(get(n, "items")) {
			out = appendObjects(out, file, it, depth+1)
		}
		return out
	}
	return append(out, o)
}

// get follows mapping keys from n; nil when one is missing.
func get(n *yaml.Node, path ...string) *yaml.Node {
	for _, k := range path {
		if n == nil {
			return nil
		}
		if n.Kind == yaml.AliasNode {
			n = n.Alias
		}
		if n.Kind != yaml.MappingNode {
			return nil
		}
		var next *yaml.Node
		for _, kv := range pairs(n) {
			if kv[0].Value == k {
				next = kv[1]
			}
		}
		n = next
	}
	if n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// scalar is n's value when it is a scalar, "" otherwise.
func scalar(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return ""
	}
	return n.Value
}

// items are n's elements when it is a sequence.
func items(n *yaml.Node) []*yaml.Node {
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	out := make([]*yaml.Node, 0, len(n.Content))
	for _, c := range n.Content {
		if c.Kind == yaml.AliasNode {
			c = c.Alias
		}
		out = append(out, c)
	}
	return out
}

// pairs are n's key/value pairs when it is a mapping, in order, with
// YAML merge keys (<<: *anchor, <<: [*a, *b]) expanded: the merged
// mappings' pairs come first, so that a key written in n, which wins,
// comes later (get keeps the last).
func pairs(n *yaml.Node) [][2]*yaml.Node { return mergedPairs(n, 0) }

// maxMergeDepth bounds merge keys within merge keys.
const maxMergeDepth = 16

func mergedPairs(n *yaml.Node, depth int) [][2]*yaml.Node {
	if n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n == nil || n.Kind != yaml.MappingNode || depth > maxMergeDepth {
		return nil
	}
	var out, own [][2]*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if v.Kind == yaml.AliasNode {
			v = v.Alias
		}
		if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
			srcs := []*yaml.Node{v}
			if v != nil && v.Kind == yaml.SequenceNode {
				srcs = v.Content
			}
			// Of several merged mappings the first wins: add them last first.
			for j := len(srcs) - 1; j >= 0; j-- {
				out = append(out, mergedPairs(srcs[j], depth+1)...)
			}
			continue
		}
		own = append(own, [2]*yaml.Node{k, v})
	}
	return append(out, own...)
}

// stringMap is a mapping of scalars (labels, node selectors, tags).
func stringMap(n *yaml.Node) map[string]string {
	var out map[string]string
	for _, kv := range pairs(n) {
		if out == nil {
			out = map[string]string{}
		}
		out[kv[0].Value] = scalar(kv[1])
	}
	return out
}

// quantity parses a Kubernetes quantity of whole devices ("8", 8, "1k");
// accelerators are counted in whole units, so anything else (fractions,
// binary suffixes, templating left in a value) is an error.
func quantity(n *yaml.Node) (float64, error) {
	s := strings.TrimSpace(scalar(n))
	if s == "" {
		return 0, fmt.Errorf("not a quantity")
	}
	mult := 1.0
	switch {
	case strings.HasSuffix(s, "k"):
		mult, s = 1e3, strings.TrimSuffix(s, "k")
	case strings.HasSuffix(s, "M"):
		mult, s = 1e6, strings.TrimSuffix(s, "M")
	}
	v, err := strconv.ParseFloat(s, 64)
	v *= mult
	// Devices are whole: NaN, Inf, a fraction or a figure past
	// internal/figure's bounds is refused, never counted.
	if err != nil || v < 0 || v != math.Trunc(v) || figure.Problem(v) != "" {
		return 0, fmt.Errorf("%q is not a whole number of devices", scalar(n))
	}
	return v, nil
}

// integer reads a non-negative integer field; ok is false when it is set
// but not an integer.
func integer(n *yaml.Node) (v int, set, ok bool) {
	s := scalar(n)
	if s == "" {
		return 0, false, true
	}
	i, err := strconv.Atoi(s)
	if err != nil || i < 0 {
		return 0, true, false
	}
	return i, true, true
}

// at is where the field at path is written, nil when o has no such field.
// In a rendered object it is the source document's field when the
// overlay left its value as written, the kustomization replicas entry for
// replicas an overlay sets, else the source document.
func (o *object) at(path ...string) *diag.Pos {
	n := get(o.n, path...)
	if n == nil {
		return nil
	}
	if o.helm != nil {
		p := o.helm.pos(n, path)
		return &p
	}
	p := o.posOf(n)
	if o.rendered {
		s := get(o.src.nodeOrNil(), path...)
		switch {
		case s != nil && scalar(s) == scalar(n):
			p = diag.Pos{File: o.src.pos.File, Line: s.Line, Column: s.Column}
		case o.replicasAt != nil && len(path) > 0 && path[len(path)-1] == "replicas":
			p = *o.replicasAt
		default:
			for _, pd := range o.patches {
				if s := get(pd.n, path...); s != nil && scalar(s) == scalar(n) {
					p = diag.Pos{File: pd.pos.File, Line: s.Line, Column: s.Column}
					break
				}
			}
		}
	}
	return &p
}

func (o *object) nodeOrNil() *yaml.Node {
	if o == nil {
		return nil
	}
	return o.n
}

// posOf is where n is written in o's file.
func (o *object) posOf(n *yaml.Node) diag.Pos {
	if o.helm != nil && n != nil {
		return o.helm.pos(n, pathTo(o.n, n))
	}
	if n == nil || o.pos.Line == 0 || o.rendered {
		return o.pos
	}
	return diag.Pos{File: o.pos.File, Line: n.Line, Column: n.Column}
}
