package terraform

// Bounds on the work of evaluation. HCL evaluates a for expression, a
// template's %{for} and setproduct without any limit, so a few lines can
// ask for billions of elements:
//
//	locals { n = range(1000) }
//	x = [for a in local.n : [for b in local.n : [for c in local.n : c]]]
//
// Two bounds stop that. The cooperative one counts the elements every for
// expression of a root module iterates (each collection is charged its
// length when it is evaluated, so nested loops multiply) and setproduct's
// result size; past maxForWork the evaluation stops with a positioned
// error, and every for expression after it yields an unknown at once, so
// the work ends promptly. The backstop runs the whole evaluation under
// internal/heapwatch, as CUE plans and Rego policies are: more than
// evalHeapLimit of heap growth or evalTimeout of time (string or list
// doubling through locals; a for expression inside a .tf.json template or
// a templatefile template, which are parsed only while evaluating) ends
// it with an error at the expression being evaluated.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/big"
	"sync/atomic"
	"time"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/internal/heapwatch"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// The bounds, variables so that tests can lower them. maxForWork bounds
// the elements the for expressions of one root module iterate in all (and
// the size of one setproduct result): hand-written configurations iterate
// some thousands, and a million takes HCL about a second on a quiet
// machine (ten on one loaded sevenfold). The backstop
// bounds the heap growth and the time of the whole evaluation.
var (
	maxForWork    = 1_000_000
	evalHeapLimit = uint64(2 << 30)
	evalTimeout   = time.Minute
	// chargeHook, when set (tests only), runs before each charge: a test
	// holds the evaluation at a known expression while the time bound
	// fires, so where the bound reports does not depend on the load.
	chargeHook atomic.Pointer[func()]
)

// meter counts the for-expression work of one root module's evaluation
// (or of one expression read while parsing). ctx ends it early: an
// evaluation heapwatch abandoned stops at its next for expression.
type meter struct {
	ctx  context.Context
	left int64
	// over is where the work first went past maxForWork (nil before).
	over *hcl.Range
}

func newMeter(ctx context.Context) *meter {
	if ctx == nil {
		ctx = context.Background()
	}
	return &meter{ctx: ctx, left: int64(maxForWork)}
}

// charge spends n elements at rng. ok is false once the work is over
// the bound or the evaluation is stopped.
func (m *meter) charge(n int, rng hcl.Range) (ok bool) {
	if m == nil {
		return true
	}
	if h := chargeHook.Load(); h != nil {
		(*h)()
	}
	if m.over != nil || m.ctx.Err() != nil {
		return false
	}
	if m.left -= int64(n); m.left >= 0 {
		return true
	}
	m.over = &rng
	return false
}

// stopped reports whether the evaluation was abandoned (see bounded).
func (m *meter) stopped() bool { return m != nil && m.ctx.Err() != nil }

// err is the error for work past the bound, nil when within it.
func (m *meter) err() diag.Diagnostics {
	if m == nil || m.over == nil {
		return nil
	}
	return diag.Errorf(rangePos(*m.over), "%s", overWorkMsg())
}

func overWorkMsg() string {
	return fmt.Sprintf("for expressions iterate over more than %d elements in all in this root module (nested for expressions, range or setproduct multiplying?)", maxForWork)
}

// workFunc is the name under which an evaluation context carries its
// meter to the for expressions it evaluates. No HCL identifier holds a NUL
// byte, so configuration cannot call it.
const workFunc = "\x00work"

// withMeter returns funcs (a copy) with the function workFunc, through
// which the for expressions evaluated in that context charge m: called
// with a count and where the for expression is, it returns whether the
// work is still within the bound. An hcl.EvalContext is the one value HCL
// hands every expression it evaluates, and a function the one thing in it
// that can reach m.
func withMeter(funcs map[string]function.Function, m *meter) map[string]function.Function {
	if m == nil {
		return funcs
	}
	out := make(map[string]function.Function, len(funcs)+1)
	for k, v := range funcs {
		out[k] = v
	}
	out[workFunc] = function.New(&function.Spec{
		Params: []function.Parameter{{Name: "n", Type: cty.Number}, {Name: "file", Type: cty.String},
			{Name: "line", Type: cty.Number}, {Name: "column", Type: cty.Number}},
		Type: function.StaticReturnType(cty.Bool),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			n, _ := args[0].AsBigFloat().Int64()
			line, _ := args[2].AsBigFloat().Int64()
			col, _ := args[3].AsBigFloat().Int64()
			at := hcl.Range{Filename: args[1].AsString(), Start: hcl.Pos{Line: int(line), Column: int(col)}}
			return cty.BoolVal(m.charge(int(n), at)), nil
		},
	})
	return out
}

// chargeIn charges n elements at rng to the meter ctx (or a parent)
// carries; ok is true when there is none.
func chargeIn(ctx *hcl.EvalContext, n int, rng hcl.Range) (ok bool) {
	for c := ctx; c != nil; c = c.Parent() {
		f, found := c.Functions[workFunc]
		if !found {
			continue
		}
		v, err := f.Call([]cty.Value{cty.NumberIntVal(int64(n)), cty.StringVal(rng.Filename),
			cty.NumberIntVal(int64(rng.Start.Line)), cty.NumberIntVal(int64(rng.Start.Column))})
		return err != nil || v.True()
	}
	return true
}

// meteredColl is the collection of a for expression, charged to the
// evaluation's meter when it is evaluated. It wraps the collection as
// parentheses do, so that walks (Variables, positions) still reach it.
type meteredColl struct {
	*hclsyntax.ParenthesesExpr
}

func (e *meteredColl) Value(ctx *hcl.EvalContext) (cty.Value, hcl.Diagnostics) {
	// Charging nothing first: once the bound is passed (or the evaluation
	// abandoned), no further collection is even evaluated.
	if !chargeIn(ctx, 0, e.Range()) {
		return overWork(e.Range()), nil
	}
	v, ds := e.ParenthesesExpr.Expression.Value(ctx)
	if ds.HasErrors() {
		return v, ds
	}
	n := 0
	if u, _ := v.Unmark(); u.IsKnown() && !u.IsNull() && u.CanIterateElements() {
		n = u.LengthInt()
	}
	if !chargeIn(ctx, n, e.Range()) {
		return overWork(e.Range()), nil
	}
	return v, ds
}

// overWork is the collection of a for expression past the bound: an
// unknown list (a for expression carries the marks of an unknown list on,
// where it drops those of a wholly unknown value) marked with a fatal
// reason, so the attribute it reaches reports it.
func overWork(rng hcl.Range) cty.Value {
	return cty.UnknownVal(cty.List(cty.DynamicPseudoType)).Mark(reason{fatal: true, msg: overWorkMsg(), pos: rangePos(rng)})
}

// meterFor makes every for expression in n (a parsed file's body, or one
// expression) charge its collection to the evaluation's meter.
func meterFor(n hclsyntax.Node) {
	hclsyntax.VisitAll(n, func(n hclsyntax.Node) hcl.Diagnostics {
		if fe, ok := n.(*hclsyntax.ForExpr); ok {
			if _, done := fe.CollExpr.(*meteredColl); !done {
				fe.CollExpr = &meteredColl{&hclsyntax.ParenthesesExpr{Expression: fe.CollExpr, SrcRange: fe.CollExpr.Range()}}
			}
		}
		return nil
	})
}

// meterFile applies meterFor to a native syntax file that may hold a for
// expression (mayHoldFor): walking every file's syntax tree would cost a
// tenth of a 10,000-file tree's allocations.
func meterFile(f *hcl.File) {
	if f == nil || !mayHoldFor(f.Bytes) {
		return
	}
	if body, ok := f.Body.(*hclsyntax.Body); ok {
		meterFor(body)
	}
}

// mayHoldFor is a byte scan that is true for every native syntax source
// holding a for expression or a %{for} directive: those open with [ or {
// (a template directive with %{, perhaps %{~), then, after spaces or
// comments, the keyword for. Each "for" not inside a longer name is
// looked back from over spaces, tabs and ~: a [ or {, the end of a
// comment (/), or a line break (a # or // comment may end there) make it a
// candidate. It errs only towards true.
func mayHoldFor(src []byte) bool {
	ident := func(c byte) bool {
		return c == '_' || c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
	}
	for i := 0; ; {
		j := bytes.Index(src[i:], []byte("for"))
		if j < 0 {
			return false
		}
		at := i + j
		i = at + 3
		if at+3 < len(src) && ident(src[at+3]) || at > 0 && ident(src[at-1]) {
			continue // for_each, format, before, …
		}
		k := at - 1
		for k >= 0 && (src[k] == ' ' || src[k] == '\t' || src[k] == '~') {
			k--
		}
		if k < 0 {
			continue
		}
		switch src[k] {
		case '[', '{', '/', '\n', '\r':
			return true
		}
	}
}

// constValue evaluates an expression that may reference nothing (a tfvars
// value, a variable default, a module source): without variables or
// functions, as Terraform reads them, but with m charged for its for
// expressions (the root module's, which reports going over; nil while
// parsing: a meter of its own, reported here). An expression without one
// is evaluated exactly as before, so that its errors read as Terraform's
// ("Function calls not allowed").
func constValue(expr hcl.Expression, m *meter) (cty.Value, hcl.Diagnostics) {
	if !hasFor(expr) {
		return expr.Value(nil)
	}
	own := m == nil
	if own {
		m = newMeter(nil)
	}
	v, hd := expr.Value(&hcl.EvalContext{Functions: withMeter(nil, m)})
	if own && m.over != nil {
		hd = append(hd, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: overWorkMsg(), Subject: m.over})
	}
	return v, hd
}

func hasFor(expr hcl.Expression) bool {
	n, ok := expr.(hclsyntax.Node)
	if !ok {
		return false
	}
	found := false
	hclsyntax.VisitAll(n, func(n hclsyntax.Node) hcl.Diagnostics {
		if _, ok := n.(*hclsyntax.ForExpr); ok {
			found = true
		}
		return nil
	})
	return found
}

// setProductFunc is go-cty's setproduct with its result bounded by
// maxForWork elements: the product of the argument lengths is checked
// before any of it is built.
var setProductFunc = function.New(&function.Spec{
	Description: stdlib.SetProductFunc.Description(),
	VarParam:    stdlib.SetProductFunc.VarParam(),
	Type: func(args []cty.Value) (cty.Type, error) {
		return stdlib.SetProductFunc.ReturnTypeForValues(args)
	},
	RefineResult: func(b *cty.RefinementBuilder) *cty.RefinementBuilder { return b.NotNull() },
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		total := big.NewInt(1)
		for _, a := range args {
			if u, _ := a.Unmark(); u.IsKnown() && !u.IsNull() && u.CanIterateElements() {
				total.Mul(total, big.NewInt(int64(u.LengthInt())))
			}
		}
		if total.Cmp(big.NewInt(int64(maxForWork))) > 0 {
			return cty.NilVal, fmt.Errorf("the product has %s elements, more than %d", total, maxForWork)
		}
		return stdlib.SetProductFunc.Call(args)
	},
})

// errEvalTimeout is the cause of the time bound's context.
var errEvalTimeout = errors.New("evaluation time limit")

// bounded runs f (the evaluation of every root module) under heapwatch:
// it stops f once the heap has grown by more than evalHeapLimit or
// evalTimeout has passed, and then reports where busy (the expression a
// root module's evaluation is at) says. f's context is cancelled when it
// is abandoned, which its meters see.
func bounded(ctx context.Context, busy func() diag.Pos, f func(context.Context) error) error {
	tctx, cancel := context.WithTimeoutCause(ctx, evalTimeout, errEvalTimeout)
	defer cancel()
	err := heapwatch.Run(tctx, heapwatch.Grown(evalHeapLimit), f)
	var pe *heapwatch.PanicError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &pe):
		return fmt.Errorf("evaluate Terraform: internal error: %v", pe.Value)
	case errors.Is(err, heapwatch.ErrMemory):
		return diag.Errorf(busy(), "evaluating the Terraform used more than %d MiB of memory: an expression here expands to too much (nested for expressions, setproduct, or strings and lists doubling through locals?)", evalHeapLimit>>20)
	case errors.Is(err, errEvalTimeout) && ctx.Err() == nil:
		return diag.Errorf(busy(), "evaluating the Terraform took longer than %v: an expression here expands to too much (nested for expressions, setproduct, or strings and lists doubling through locals?)", evalTimeout)
	}
	return err
}
