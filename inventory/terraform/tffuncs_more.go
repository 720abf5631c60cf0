package terraform

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"strings"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"go.yaml.in/yaml/v3"
)

// Functions public GPU Terraform calls that go-cty's library lacks:
// yamldecode (node groups kept in a YAML file), templatestring (Terraform
// 1.9), and the functions whose result Terraform knows only when it runs
// (timestamp, uuid, …), which are unknown here with the reason.

// applyTimeFuncs are the functions whose result is known only when
// Terraform plans or applies, with when.
var applyTimeFuncs = map[string]string{
	"timestamp":     "only when Terraform applies",
	"plantimestamp": "only when Terraform plans",
	"uuid":          "only when Terraform applies",
	"bcrypt":        "only when Terraform applies (it is salted at random)",
}

// applyTimeFunc returns name, a function known only at run time: an
// unknown value marked with why, at the call (site).
func applyTimeFunc(name, when string, site *callSite) function.Function {
	return function.New(&function.Spec{
		VarParam: &function.Parameter{Name: "args", Type: cty.DynamicPseudoType, AllowNull: true, AllowUnknown: true, AllowDynamicType: true, AllowMarked: true},
		Type:     function.StaticReturnType(cty.String),
		Impl: func([]cty.Value, cty.Type) (cty.Value, error) {
			return cty.UnknownVal(cty.String).Mark(reason{msg: name + "() is known " + when, pos: site.pos(name, -1)}), nil
		},
	})
}

// maxYAMLValues bounds the values yamldecode builds: aliases can expand a
// small document exponentially.
const maxYAMLValues = 1 << 20

// yamlDecodeFunc is Terraform's yamldecode: a YAML 1.2 document (core
// schema) to a value, mappings to objects, sequences to tuples, scalars by
// their resolved tag; an empty document is null.
var yamlDecodeFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "src", Type: cty.String}},
	Type:   function.StaticReturnType(cty.DynamicPseudoType),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		return yamlDecode(args[0].AsString())
	},
})

func yamlDecode(src string) (cty.Value, error) {
	dec := yaml.NewDecoder(strings.NewReader(src))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return cty.NullVal(cty.DynamicPseudoType), nil
		}
		return cty.DynamicVal, err
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		if err != nil {
			return cty.DynamicVal, err
		}
		return cty.DynamicVal, errors.New("the source holds more than one YAML document")
	}
	budget := maxYAMLValues
	return yamlValue(&doc, &budget, 0)
}

func yamlValue(n *yaml.Node, budget *int, depth int) (cty.Value, error) {
	if *budget--; *budget < 0 {
		return cty.DynamicVal, fmt.Errorf("the document expands to more than %d values", maxYAMLValues)
	}
	if depth > maxNesting {
		return cty.DynamicVal, fmt.Errorf("the document nests more than %d levels deep", maxNesting)
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return cty.NullVal(cty.DynamicPseudoType), nil
		}
		return yamlValue(n.Content[0], budget, depth+1)
	case yaml.AliasNode:
		return yamlValue(n.Alias, budget, depth+1)
	case yaml.SequenceNode:
		elems := make([]cty.Value, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := yamlValue(c, budget, depth+1)
			if err != nil {
				return cty.DynamicVal, err
			}
			elems = append(elems, v)
		}
		return cty.TupleVal(elems), nil
	case yaml.MappingNode:
		attrs := map[string]cty.Value{}
		if err := yamlMapping(n, attrs, budget, depth); err != nil {
			return cty.DynamicVal, err
		}
		return cty.ObjectVal(attrs), nil
	case yaml.ScalarNode:
		return yamlScalar(n)
	}
	return cty.DynamicVal, fmt.Errorf("line %d: unsupported YAML node", n.Line)
}

// yamlMapping adds the pairs of the mapping n to attrs: explicit keys win
// over those a merge key (<<) brings in, whichever comes first.
func yamlMapping(n *yaml.Node, attrs map[string]cty.Value, budget *int, depth int) error {
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
			merges = append(merges, v)
			continue
		}
		if k.Kind != yaml.ScalarNode {
			return fmt.Errorf("line %d: a mapping key must be a scalar", k.Line)
		}
		val, err := yamlValue(v, budget, depth+1)
		if err != nil {
			return err
		}
		attrs[k.Value] = val
	}
	for _, m := range merges {
		for m.Kind == yaml.AliasNode {
			m = m.Alias
		}
		var srcs []*yaml.Node
		switch m.Kind {
		case yaml.MappingNode:
			srcs = []*yaml.Node{m}
		case yaml.SequenceNode:
			for _, c := range m.Content {
				for c.Kind == yaml.AliasNode {
					c = c.Alias
				}
				srcs = append(srcs, c)
			}
		}
		for _, s := range srcs {
			if s.Kind != yaml.MappingNode {
				return fmt.Errorf("line %d: a merge key must name a mapping", m.Line)
			}
			more := map[string]cty.Value{}
			if err := yamlMapping(s, more, budget, depth+1); err != nil {
				return err
			}
			for k, v := range more {
				if _, set := attrs[k]; !set {
					attrs[k] = v
				}
			}
		}
	}
	return nil
}

func yamlScalar(n *yaml.Node) (cty.Value, error) {
	switch n.ShortTag() {
	case "!!null":
		return cty.NullVal(cty.DynamicPseudoType), nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return cty.DynamicVal, err
		}
		return cty.BoolVal(b), nil
	case "!!int":
		s := strings.ReplaceAll(n.Value, "_", "")
		neg := strings.HasPrefix(s, "-")
		s = strings.TrimLeft(s, "+-")
		base := 10
		switch {
		case strings.HasPrefix(s, "0x"):
			base, s = 16, s[2:]
		case strings.HasPrefix(s, "0o"):
			base, s = 8, s[2:]
		case strings.HasPrefix(s, "0b"):
			base, s = 2, s[2:]
		}
		i, ok := new(big.Int).SetString(s, base)
		if !ok {
			return cty.DynamicVal, fmt.Errorf("line %d: invalid integer %q", n.Line, n.Value)
		}
		if neg {
			i.Neg(i)
		}
		return cty.NumberVal(new(big.Float).SetInt(i)), nil
	case "!!float":
		var f float64
		if err := n.Decode(&f); err != nil {
			return cty.DynamicVal, err
		}
		if math.IsInf(f, 0) || math.IsNaN(f) {
			return cty.DynamicVal, fmt.Errorf("line %d: %s is not a number Terraform can hold", n.Line, n.Value)
		}
		bf, _, err := big.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 10, 512, big.ToNearestEven)
		if err != nil {
			return cty.NumberFloatVal(f), nil
		}
		return cty.NumberVal(bf), nil
	}
	return cty.StringVal(n.Value), nil // !!str, !!timestamp, !!binary and custom tags
}

// templateStringFunc is Terraform's templatestring (1.9): a string
// rendered as a template with vars, by render (templatefile's renderer).
func templateStringFunc(render func(src []byte, name string, vars cty.Value) (cty.Value, error)) function.Function {
	return function.New(&function.Spec{
		Params: []function.Parameter{
			{Name: "template", Type: cty.String},
			{Name: "vars", Type: cty.DynamicPseudoType},
		},
		Type: function.StaticReturnType(cty.DynamicPseudoType),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			return render([]byte(args[0].AsString()), "templatestring", args[1])
		},
	})
}
