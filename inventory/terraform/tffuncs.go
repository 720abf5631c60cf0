package terraform

// Terraform's functions where go-cty's standard library differs from them
// or lacks them, written after Terraform's own definitions
// (internal/lang/funcs in hashicorp/terraform), and the rule that turns a
// function error into a positioned unknown value (lenient).

import (
	"encoding/base64"
	"errors"
	"fmt"
	"path"
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/customdecode"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
	"github.com/zclconf/go-cty/cty/gocty"
)

// callSite is the expression a root module's evaluation is computing, so
// that a failing function call can be placed at its own position. One
// root module is evaluated on one goroutine, which alone sets expr; mu
// lets another read it (at) while the evaluation runs.
type callSite struct {
	mu   sync.Mutex
	expr hcl.Expression
}

// enter makes e the expression being evaluated and returns the function
// that restores the previous one.
func (s *callSite) enter(e hcl.Expression) (leave func()) {
	s.mu.Lock()
	prev := s.expr
	s.expr = e
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		s.expr = prev
		s.mu.Unlock()
	}
}

// at is where the expression being evaluated starts; ok is false when
// none is.
func (s *callSite) at() (p diag.Pos, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.expr == nil {
		return diag.Pos{}, false
	}
	return rangePos(s.expr.Range()), true
}

// pos is where the call of the function name in the current expression
// starts (its argument arg when arg >= 0 and the call has it), else where
// the expression starts.
func (s *callSite) pos(name string, arg int) diag.Pos {
	if s == nil || s.expr == nil {
		return diag.Pos{}
	}
	r := s.expr.Range()
	if n, ok := s.expr.(hclsyntax.Node); ok {
		var call *hclsyntax.FunctionCallExpr
		hclsyntax.VisitAll(n, func(n hclsyntax.Node) hcl.Diagnostics {
			if c, ok := n.(*hclsyntax.FunctionCallExpr); ok && call == nil && c.Name == name {
				call = c
			}
			return nil
		})
		if call != nil {
			r = call.Range()
			if arg >= 0 && len(call.Args) > 0 {
				r = call.Args[min(arg, len(call.Args)-1)].Range()
			}
		}
	}
	return rangePos(r)
}

// lenient returns f, named name, with its errors (wrong arguments
// included) turned into unknown values marked with a fatal reason worded
// as HCL words a failed call: such a value stops the run only where it
// decides GPU capacity (collector.known reports it there, at the call).
func lenient(name string, f function.Function, site *callSite) function.Function {
	return function.New(&function.Spec{
		Description: f.Description(),
		VarParam: &function.Parameter{
			Name: "args", Type: cty.DynamicPseudoType,
			AllowNull: true, AllowUnknown: true, AllowDynamicType: true, AllowMarked: true,
		},
		Type: func(args []cty.Value) (cty.Type, error) {
			args, err := convertArgs(f, args)
			if err != nil {
				return cty.DynamicPseudoType, nil
			}
			ty, err := f.ReturnTypeForValues(args)
			if err != nil {
				return cty.DynamicPseudoType, nil
			}
			return ty, nil
		},
		Impl: func(raw []cty.Value, retType cty.Type) (cty.Value, error) {
			args, err := convertArgs(f, raw)
			v := cty.NilVal
			if err == nil {
				v, err = f.Call(args)
			}
			if err == nil {
				return keepReasons(v, raw), nil
			}
			msg := fmt.Sprintf("Error in function call; Call to function %q failed: %s.", name, err)
			arg := -1
			var ae function.ArgError
			if errors.As(err, &ae) {
				arg = ae.Index
				msg = fmt.Sprintf("Invalid function argument; Invalid value for %q parameter: %s.", paramName(f, ae.Index), ae.Error())
			}
			return cty.UnknownVal(retType).Mark(reason{fatal: true, msg: msg, pos: site.pos(name, arg)}), nil
		},
	})
}

// keepReasons marks an unknown result with the reasons its unknown
// arguments carry. go-cty drops them when an argument of an inexact type
// (an unknown data source attribute, say) makes it return unknown early
// without looking at the others: slice(data.x.names, 0, 2) must still say
// why it is unknown.
func keepReasons(v cty.Value, args []cty.Value) cty.Value {
	if v.IsKnown() {
		return v
	}
	if _, m := v.UnmarkDeep(); len(m) > 0 {
		return v
	}
	var rs []any
	for _, a := range args {
		if a.IsWhollyKnown() {
			continue
		}
		_, m := a.UnmarkDeep()
		for k := range m {
			if r, ok := k.(reason); ok {
				rs = append(rs, r)
			}
		}
	}
	for _, r := range rs {
		v = v.Mark(r)
	}
	return v
}

// convertArgs converts each argument to its parameter's type, as HCL does
// before it calls a function.
func convertArgs(f function.Function, args []cty.Value) ([]cty.Value, error) {
	ps, vp := f.Params(), f.VarParam()
	out := make([]cty.Value, len(args))
	for i, a := range args {
		var p *function.Parameter
		switch {
		case i < len(ps):
			p = &ps[i]
		case vp != nil:
			p = vp
		default:
			out[i] = a // too many: f.Call says so
			continue
		}
		v, err := convert.Convert(a, p.Type)
		if err != nil {
			return nil, function.NewArgError(i, err)
		}
		out[i] = v
	}
	return out, nil
}

func paramName(f function.Function, i int) string {
	if ps := f.Params(); i < len(ps) {
		return ps[i].Name
	}
	if vp := f.VarParam(); vp != nil {
		return vp.Name
	}
	return "argument"
}

// tryFunc is HCL's try (ext/tryfunc) evaluating its arguments with fs,
// functions that fail: an argument whose evaluation has errors is skipped.
// An unknown result keeps its reasons, and so does a call to a function
// capcheck does not evaluate (unknownFunction): Terraform would evaluate
// it, so falling through to the next argument could be wrong.
func tryFunc(fs map[string]function.Function) function.Function {
	try := func(args []cty.Value) (cty.Value, error) {
		if len(args) == 0 {
			return cty.NilVal, errors.New("at least one argument is required")
		}
		var msgs []string
		for _, arg := range args {
			v, ds := closureValue(arg, fs)
			if u, ok := unknownFunction(ds); ok {
				// Terraform evaluates the call: whether it fails is
				// not known here, so neither is the result.
				return u, nil
			}
			if ds.HasErrors() {
				for _, d := range ds {
					msgs = append(msgs, "- "+d.Summary+": "+d.Detail)
				}
				continue
			}
			if !v.IsWhollyKnown() {
				_, marks := v.UnmarkDeep()
				return cty.DynamicVal.WithMarks(marks), nil
			}
			return v, nil
		}
		return cty.NilVal, errors.New("no expression succeeded:\n" + strings.Join(msgs, "\n"))
	}
	return function.New(&function.Spec{
		VarParam: &function.Parameter{Name: "expressions", Type: customdecode.ExpressionClosureType},
		Type: func(args []cty.Value) (cty.Type, error) {
			v, err := try(args)
			if err != nil {
				return cty.NilType, err
			}
			return v.Type(), nil
		},
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) { return try(args) },
	})
}

// canFunc is HCL's can evaluating its argument with fs.
func canFunc(fs map[string]function.Function) function.Function {
	return function.New(&function.Spec{
		Params: []function.Parameter{{Name: "expression", Type: customdecode.ExpressionClosureType}},
		Type:   function.StaticReturnType(cty.Bool),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			v, ds := closureValue(args[0], fs)
			if u, ok := unknownFunction(ds); ok {
				_, marks := u.Unmark()
				return cty.UnknownVal(cty.Bool).WithMarks(marks), nil
			}
			switch {
			case ds.HasErrors():
				return cty.False, nil
			case !v.IsWhollyKnown():
				_, marks := v.UnmarkDeep()
				return cty.UnknownVal(cty.Bool).WithMarks(marks), nil
			}
			return cty.True, nil
		},
	})
}

func closureValue(arg cty.Value, fs map[string]function.Function) (cty.Value, hcl.Diagnostics) {
	c := customdecode.ExpressionClosureFromVal(arg)
	ctx := c.EvalContext.NewChild()
	ctx.Functions = fs
	return c.Expression.Value(ctx)
}

// tfLengthFunc is Terraform's length: the number of elements of a
// collection or tuple, of attributes of an object, of characters
// (grapheme clusters) of a string.
var tfLengthFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "value", Type: cty.DynamicPseudoType, AllowDynamicType: true, AllowUnknown: true, AllowMarked: true}},
	Type: func(args []cty.Value) (cty.Type, error) {
		ty := args[0].Type()
		switch {
		case ty == cty.String, ty == cty.DynamicPseudoType, ty.IsObjectType(), ty.IsTupleType(),
			ty.IsListType(), ty.IsMapType(), ty.IsSetType():
			return cty.Number, nil
		}
		return cty.NilType, function.NewArgErrorf(0, "argument must be a string, a collection type, or a structural type")
	},
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		v, marks := args[0].Unmark()
		ty := v.Type()
		switch {
		case ty == cty.DynamicPseudoType:
			return cty.UnknownVal(cty.Number).WithMarks(marks), nil
		case ty.IsObjectType():
			return cty.NumberIntVal(int64(len(ty.AttributeTypes()))).WithMarks(marks), nil
		case ty == cty.String:
			if !v.IsKnown() {
				return cty.UnknownVal(cty.Number).WithMarks(marks), nil
			}
			n, err := stdlib.Strlen(v)
			return n.WithMarks(marks), err
		}
		return v.Length().WithMarks(marks), nil
	},
})

// tfLookupFunc is Terraform's lookup: maps and objects, the default
// optional (an error when the key is missing without one).
var tfLookupFunc = function.New(&function.Spec{
	Params: []function.Parameter{
		{Name: "inputMap", Type: cty.DynamicPseudoType, AllowMarked: true},
		{Name: "key", Type: cty.String, AllowMarked: true},
	},
	VarParam: &function.Parameter{Name: "default", Type: cty.DynamicPseudoType, AllowUnknown: true, AllowDynamicType: true, AllowNull: true, AllowMarked: true},
	Type: func(args []cty.Value) (cty.Type, error) {
		if len(args) > 3 {
			return cty.NilType, fmt.Errorf("lookup() takes two or three arguments, got %d", len(args))
		}
		ty := args[0].Type()
		switch {
		case ty.IsObjectType():
			if !args[1].IsKnown() {
				return cty.DynamicPseudoType, nil
			}
			k, _ := args[1].Unmark()
			key := k.AsString()
			if ty.HasAttribute(key) {
				return args[0].GetAttr(key).Type(), nil
			}
			if len(args) == 3 {
				return args[2].Type(), nil
			}
			return cty.DynamicPseudoType, function.NewArgErrorf(0, "the given object has no attribute %q", key)
		case ty.IsMapType():
			if len(args) == 3 {
				if _, err := convert.Convert(args[2], ty.ElementType()); err != nil {
					return cty.NilType, function.NewArgErrorf(2, "the default value must have the same type as the map elements")
				}
			}
			return ty.ElementType(), nil
		}
		return cty.NilType, function.NewArgErrorf(0, "lookup() requires a map as the first argument")
	},
	Impl: func(args []cty.Value, retType cty.Type) (cty.Value, error) {
		m, mapMarks := args[0].Unmark()
		k, keyMarks := args[1].Unmark()
		marks := []cty.ValueMarks{mapMarks, keyMarks}
		key := k.AsString()
		if !m.IsWhollyKnown() {
			return cty.UnknownVal(retType).WithMarks(marks...), nil
		}
		if m.Type().IsObjectType() {
			if m.Type().HasAttribute(key) {
				return m.GetAttr(key).WithMarks(marks...), nil
			}
		} else if m.HasIndex(cty.StringVal(key)) == cty.True {
			return m.Index(cty.StringVal(key)).WithMarks(marks...), nil
		}
		if len(args) == 3 {
			d, err := convert.Convert(args[2], retType)
			if err != nil {
				return cty.NilVal, err
			}
			return d.WithMarks(marks...), nil
		}
		return cty.UnknownVal(cty.DynamicPseudoType), fmt.Errorf("lookup failed to find key %q", key)
	},
})

// tfIndexFunc is Terraform's index: the position of a value in a list or
// tuple (go-cty's index is the indexing operator).
var tfIndexFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "list", Type: cty.DynamicPseudoType}, {Name: "value", Type: cty.DynamicPseudoType}},
	Type:   function.StaticReturnType(cty.Number),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		l := args[0]
		if !(l.Type().IsListType() || l.Type().IsTupleType()) {
			return cty.NilVal, errors.New("argument must be a list or tuple")
		}
		if !l.IsKnown() {
			return cty.UnknownVal(cty.Number), nil
		}
		if l.LengthInt() == 0 {
			return cty.NilVal, errors.New("cannot search an empty list")
		}
		for it := l.ElementIterator(); it.Next(); {
			i, v := it.Element()
			eq, err := stdlib.Equal(v, args[1])
			if err != nil {
				return cty.NilVal, err
			}
			if !eq.IsKnown() {
				return cty.UnknownVal(cty.Number), nil
			}
			if eq.True() {
				return i, nil
			}
		}
		return cty.NilVal, errors.New("item not found")
	},
})

// tfReplaceFunc is Terraform's replace: a substring wrapped in slashes is
// a regular expression (RE2, with $1 references in the replacement).
var tfReplaceFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "str", Type: cty.String}, {Name: "substr", Type: cty.String}, {Name: "replace", Type: cty.String}},
	Type:   function.StaticReturnType(cty.String),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		str, substr, repl := args[0].AsString(), args[1].AsString(), args[2].AsString()
		if len(substr) > 1 && substr[0] == '/' && substr[len(substr)-1] == '/' {
			re, err := regexp.Compile(substr[1 : len(substr)-1])
			if err != nil {
				return cty.UnknownVal(cty.String), err
			}
			return cty.StringVal(re.ReplaceAllString(str, repl)), nil
		}
		return cty.StringVal(strings.ReplaceAll(str, substr, repl)), nil
	},
})

// tfCoalesceFunc is Terraform's coalesce: the first argument that is
// neither null nor an empty string.
var tfCoalesceFunc = function.New(&function.Spec{
	VarParam: &function.Parameter{Name: "vals", Type: cty.DynamicPseudoType, AllowUnknown: true, AllowDynamicType: true, AllowNull: true},
	Type: func(args []cty.Value) (cty.Type, error) {
		tys := make([]cty.Type, len(args))
		for i, v := range args {
			tys[i] = v.Type()
		}
		ty, _ := convert.UnifyUnsafe(tys)
		if ty == cty.NilType {
			return cty.NilType, errors.New("all arguments must have the same type")
		}
		return ty, nil
	},
	Impl: func(args []cty.Value, retType cty.Type) (cty.Value, error) {
		for _, v := range args {
			v, _ = convert.Convert(v, retType)
			if !v.IsKnown() {
				return cty.UnknownVal(retType), nil
			}
			if v.IsNull() || retType == cty.String && v.RawEquals(cty.StringVal("")) {
				continue
			}
			return v, nil
		}
		return cty.NilVal, errors.New("no non-null, non-empty-string arguments")
	},
})

// tfOneFunc is Terraform's one: null for an empty list, set or tuple, its
// element for one element, an error for more.
var tfOneFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "list", Type: cty.DynamicPseudoType}},
	Type: func(args []cty.Value) (cty.Type, error) {
		ty := args[0].Type()
		switch {
		case ty.IsListType() || ty.IsSetType():
			return ty.ElementType(), nil
		case ty.IsTupleType():
			switch ets := ty.TupleElementTypes(); len(ets) {
			case 0:
				return cty.DynamicPseudoType, nil
			case 1:
				return ets[0], nil
			}
		}
		return cty.NilType, function.NewArgErrorf(0, "must be a list, set, or tuple value with either zero or one elements")
	},
	Impl: func(args []cty.Value, retType cty.Type) (cty.Value, error) {
		v := args[0]
		if !v.IsKnown() {
			return cty.UnknownVal(retType), nil
		}
		switch v.LengthInt() {
		case 0:
			return cty.NullVal(retType), nil
		case 1:
			var e cty.Value
			for it := v.ElementIterator(); it.Next(); {
				_, e = it.Element()
			}
			return e, nil
		}
		return cty.NilVal, function.NewArgErrorf(0, "must be a list, set, or tuple value with either zero or one elements")
	},
})

// tfSumFunc is Terraform's sum of a non-empty list, set or tuple of
// numbers (strings that are numbers convert).
var tfSumFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "list", Type: cty.DynamicPseudoType}},
	Type:   function.StaticReturnType(cty.Number),
	Impl: func(args []cty.Value, _ cty.Type) (ret cty.Value, err error) {
		l := args[0]
		ty := l.Type()
		if !ty.IsListType() && !ty.IsSetType() && !ty.IsTupleType() {
			return cty.NilVal, function.NewArgErrorf(0, "argument must be list, set, or tuple. Received %s", ty.FriendlyName())
		}
		if !l.IsWhollyKnown() {
			return cty.UnknownVal(cty.Number), nil
		}
		if l.LengthInt() == 0 {
			return cty.NilVal, function.NewArgErrorf(0, "cannot sum an empty list")
		}
		defer func() {
			if r := recover(); r != nil { // opposing infinities
				ret, err = cty.NilVal, function.NewArgErrorf(0, "can't compute sum of opposing infinities")
			}
		}()
		s := cty.Zero
		for it := l.ElementIterator(); it.Next(); {
			_, v := it.Element()
			if v.IsNull() {
				return cty.NilVal, function.NewArgErrorf(0, "argument must be list, set, or tuple of number values")
			}
			n, err := convert.Convert(v, cty.Number)
			if err != nil {
				return cty.NilVal, function.NewArgErrorf(0, "argument must be list, set, or tuple of number values")
			}
			s = s.Add(n)
		}
		return s, nil
	},
})

// tfAllTrueFunc is Terraform's alltrue: true for an empty list; a null
// element is false.
var tfAllTrueFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "list", Type: cty.List(cty.Bool)}},
	Type:   function.StaticReturnType(cty.Bool),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		result := cty.True
		for it := args[0].ElementIterator(); it.Next(); {
			_, v := it.Element()
			switch {
			case !v.IsKnown():
				return cty.UnknownVal(cty.Bool), nil
			case v.IsNull() || v.False():
				return cty.False, nil
			}
		}
		return result, nil
	},
})

// tfAnyTrueFunc is Terraform's anytrue: a known true wins over unknowns;
// null elements are skipped.
var tfAnyTrueFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "list", Type: cty.List(cty.Bool)}},
	Type:   function.StaticReturnType(cty.Bool),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		unknown := false
		for it := args[0].ElementIterator(); it.Next(); {
			_, v := it.Element()
			switch {
			case !v.IsKnown():
				unknown = true
			case !v.IsNull() && v.True():
				return cty.True, nil
			}
		}
		if unknown {
			return cty.UnknownVal(cty.Bool), nil
		}
		return cty.False, nil
	},
})

// stringPredicate is startswith, endswith or strcontains.
func stringPredicate(f func(s, sub string) bool) function.Function {
	return function.New(&function.Spec{
		Params: []function.Parameter{{Name: "str", Type: cty.String}, {Name: "substr", Type: cty.String}},
		Type:   function.StaticReturnType(cty.Bool),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			return cty.BoolVal(f(args[0].AsString(), args[1].AsString())), nil
		},
	})
}

var (
	tfStartsWithFunc  = stringPredicate(strings.HasPrefix)
	tfEndsWithFunc    = stringPredicate(strings.HasSuffix)
	tfStrContainsFunc = stringPredicate(strings.Contains)
)

// stringFunc is a function of one string to a string.
func stringFunc(f func(s string) (string, error)) function.Function {
	return function.New(&function.Spec{
		Params: []function.Parameter{{Name: "str", Type: cty.String}},
		Type:   function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			s, err := f(args[0].AsString())
			if err != nil {
				return cty.UnknownVal(cty.String), err
			}
			return cty.StringVal(s), nil
		},
	})
}

var (
	tfBase64EncodeFunc = stringFunc(func(s string) (string, error) { return base64.StdEncoding.EncodeToString([]byte(s)), nil })
	tfBase64DecodeFunc = stringFunc(func(s string) (string, error) {
		b, err := base64.StdEncoding.DecodeString(s)
		switch {
		case err != nil:
			return "", fmt.Errorf("failed to decode base64 data %q", s)
		case !utf8.Valid(b):
			return "", errors.New("the result of decoding the provided string is not valid UTF-8")
		}
		return string(b), nil
	})
	tfBasenameFunc = stringFunc(func(s string) (string, error) { return path.Base(s), nil })
	tfDirnameFunc  = stringFunc(func(s string) (string, error) { return path.Dir(s), nil })
)

// tfIdentityFunc is sensitive and nonsensitive: capcheck does not track
// sensitivity, and the value is the same.
var tfIdentityFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "value", Type: cty.DynamicPseudoType, AllowUnknown: true, AllowNull: true, AllowMarked: true, AllowDynamicType: true}},
	Type:   func(args []cty.Value) (cty.Type, error) { return args[0].Type(), nil },
	Impl:   func(args []cty.Value, _ cty.Type) (cty.Value, error) { return args[0], nil },
})

// bigArg reads a whole-number argument.
func intArg(v cty.Value, i int) (int, error) {
	var n int
	if err := gocty.FromCtyValue(v, &n); err != nil {
		return 0, function.NewArgError(i, err)
	}
	return n, nil
}
