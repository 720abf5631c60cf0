package terraform

import (
	"errors"
	"fmt"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/internal/repopath"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// Bounds that keep hostile or generated input from exhausting time, memory
// or the goroutine stack. hashicorp/hcl parses and evaluates expressions
// recursively, and a Go stack overflow cannot be recovered, so inputs too
// deep to evaluate safely are rejected before they reach the parser.
const (
	// maxConfigSize bounds one .tf, .tf.json or tfvars file.
	maxConfigSize = 8 << 20
	// maxNesting bounds bracket nesting ((, [, {, ${, %{) in one file.
	// Hand-written Terraform rarely goes past 20.
	maxNesting = 256
	// maxUnaryRun bounds a run of unary operators (!!!!x, - - -1).
	maxUnaryRun = 1000
	// maxExprNodes bounds the syntax nodes of one evaluated expression
	// (long operator chains nest one level per operator).
	maxExprNodes = 20000
	// maxRefDepth bounds how deep references nest during evaluation (a
	// local naming a local naming a local …).
	maxRefDepth = 500
	// maxInstances bounds the resource and module instances count and
	// for_each expand to in one root module, nested modules multiplied.
	maxInstances = 100000
)

// readConfig reads a configuration file of at most maxConfigSize bytes at
// the system path p, which the caller has confined to the repository (the
// walk, repopath.Resolve): a regular file, refused unopened otherwise
// (repopath.ReadUserFile; a *repopath.NotRegularError).
func readConfig(p string) ([]byte, error) {
	src, err := repopath.ReadUserFile(p, maxConfigSize)
	if tl := (*repopath.TooLargeError)(nil); errors.As(err, &tl) {
		return nil, fmt.Errorf("file is larger than %d MiB", maxConfigSize>>20)
	}
	return src, err
}

// checkNesting scans src (HCL, JSON or a template) for bracket nesting
// deeper than maxNesting and for runs of more than maxUnaryRun unary
// operators, skipping comments. It is a byte scan, not a parse: brackets in
// strings count too, which only matters past hundreds of unbalanced ones.
func checkNesting(src []byte, file string) diag.Diagnostics {
	line, col := 1, 1
	depth, unary := 0, 0
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case c == '#' || (c == '/' && i+1 < len(src) && src[i+1] == '/'):
			for i < len(src) && src[i] != '\n' {
				i++
			}
			if i < len(src) {
				line, col = line+1, 1
			}
			continue
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			i += 2
			col += 2
			for i < len(src) && !(src[i] == '*' && i+1 < len(src) && src[i+1] == '/') {
				if src[i] == '\n' {
					line, col = line+1, 0
				}
				i++
				col++
			}
			i++
			col += 2
			continue
		case c == '(' || c == '[' || c == '{':
			depth++
			if depth > maxNesting {
				return diag.Errorf(diag.Pos{File: file, Line: line, Column: col},
					"expression nested more than %d levels deep", maxNesting)
			}
		case c == ')' || c == ']' || c == '}':
			depth = max(0, depth-1)
		}
		switch c {
		case '!', '-':
			unary++
			if unary > maxUnaryRun {
				return diag.Errorf(diag.Pos{File: file, Line: line, Column: col},
					"more than %d unary operators in a row", maxUnaryRun)
			}
		case ' ', '\t', '\r':
		default:
			unary = 0
		}
		if c == '\n' {
			line, col = line+1, 1
			continue
		}
		if c < 0x80 || c >= 0xC0 { // count runes, not UTF-8 continuation bytes
			col++
		}
	}
	return nil
}

// exprSizeWalker counts the syntax nodes of each attribute's expression.
type exprSizeWalker struct {
	attr  *hclsyntax.Attribute
	nodes int
	bad   *hclsyntax.Attribute
}

func (w *exprSizeWalker) Enter(n hclsyntax.Node) hcl.Diagnostics {
	if a, ok := n.(*hclsyntax.Attribute); ok {
		w.attr, w.nodes = a, 0
		return nil
	}
	if w.attr != nil && w.bad == nil {
		if w.nodes++; w.nodes > maxExprNodes {
			w.bad = w.attr
		}
	}
	return nil
}

func (w *exprSizeWalker) Exit(hclsyntax.Node) hcl.Diagnostics { return nil }

// checkExprSize reports the first attribute of a native syntax file whose
// expression has more than maxExprNodes nodes.
func checkExprSize(f *hcl.File) diag.Diagnostics {
	body, ok := f.Body.(*hclsyntax.Body)
	if !ok {
		return nil
	}
	w := &exprSizeWalker{}
	hclsyntax.Walk(body, w)
	if w.bad == nil {
		return nil
	}
	return diag.Errorf(rangePos(w.bad.SrcRange), "the expression of %q has more than %d terms", w.bad.Name, maxExprNodes)
}
