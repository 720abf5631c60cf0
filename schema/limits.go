package schema

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/token"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/internal/heapwatch"
	"github.com/capcheck/capcheck/internal/repopath"
)

// Hostile input. A plan or configuration file comes from a pull request, so
// the loader bounds what one file may cost before CUE sees it and while CUE
// evaluates it:
//
//   - size: a file larger than MaxFileBytes is refused unread;
//   - bytes: invalid UTF-8 and control characters other than tab, CR and
//     LF are errors at their line:col (a leading UTF-8 byte order mark is
//     dropped);
//   - shape: structs and lists nest at most maxNesting deep, a document
//     holds at most maxNodes fields and list elements and at most
//     maxScalarBytes of scalar text (YAML aliases count every time they are
//     used, which defuses "billion laughs"), and the evaluated value at most
//     maxNodes fields and elements;
//   - YAML and JSON: a key given twice in one mapping is an error at the
//     second occurrence (never last-wins), and a YAML stream holds exactly
//     one document;
//   - CUE: only the pure standard-library packages in allowedImports may be
//     imported, and @embed/@extern attributes are refused (a plan never
//     reads other files);
//   - evaluation: CUE cannot be interrupted, so each file is evaluated in
//     its own goroutine and abandoned, with an error, after evalTimeout or
//     once the heap has grown by evalHeapLimit (comprehension and
//     interpolation bombs). The abandoned evaluation runs on in the
//     background until the process exits; a command stops at the error.

// MaxFileBytes is the largest plan or configuration file the loader reads.
const MaxFileBytes = 8 << 20

const (
	maxNesting     = 100
	maxNodes       = 200_000
	maxScalarBytes = 4 * MaxFileBytes
)

// Evaluation bounds; variables so that tests can lower them.
var (
	evalTimeout   = 20 * time.Second
	evalHeapLimit = uint64(2 << 30)
)

// allowedImports are the CUE standard-library packages a plan may import:
// pure functions on values. tool/* (side effects) and encoding/* (which
// would parse YAML or JSON past the checks above) are not among them.
var allowedImports = []string{"list", "math", "math/bits", "regexp", "strconv", "strings", "struct", "time"}

// readLimited reads a regular file from fsys (repopath.ReadFS), refusing
// directories, devices and files larger than MaxFileBytes with a message
// that says which.
func readLimited(fsys fs.FS, name string) ([]byte, error) {
	data, err := repopath.ReadFS(fsys, name, MaxFileBytes)
	var nr *repopath.NotRegularError
	var tl *repopath.TooLargeError
	switch {
	case errors.As(err, &nr) && nr.Mode.IsDir():
		return nil, errors.New("is a directory, not a file")
	case errors.As(err, &nr):
		return nil, fmt.Errorf("is not a regular file (%v)", nr.Mode.Type())
	case errors.As(err, &tl):
		return nil, tooLarge(tl.Size)
	}
	return data, err
}

func tooLarge(n int64) error {
	return fmt.Errorf("file is %d bytes, larger than the %d MiB limit for a plan or configuration file", n, MaxFileBytes>>20)
}

var bom = []byte("\xef\xbb\xbf")

// precheck enforces the byte-level rules on data: size, UTF-8 and control
// characters. It returns data without a leading byte order mark.
func precheck(name string, data []byte) ([]byte, diag.Diagnostics) {
	if len(data) > MaxFileBytes {
		return nil, diag.Errorf(diag.Pos{File: name}, "%v", tooLarge(int64(len(data))))
	}
	data = bytes.TrimPrefix(data, bom)
	line, col := 1, 1
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			return nil, diag.Errorf(diag.Pos{File: name, Line: line, Column: col}, "invalid UTF-8 byte 0x%02x (plans must be UTF-8 text)", data[i])
		case r == '\n':
			line, col = line+1, 1
			i += size
			continue
		case r < 0x20 && r != '\t' && r != '\r', r == 0x7f, r == '\ufeff':
			return nil, diag.Errorf(diag.Pos{File: name, Line: line, Column: col}, "control character %U is not allowed in a plan", r)
		}
		i += size
		col += size
	}
	return data, nil
}

// secondYAMLDocument returns the line of the "---" marker that starts a
// second document in a YAML stream, or 0. A marker before any content
// (an explicit start of the first document) does not count.
func secondYAMLDocument(data []byte) int {
	content := false
	for i, l := range strings.Split(string(data), "\n") {
		l = strings.TrimRight(l, "\r")
		if l == "---" || strings.HasPrefix(l, "--- ") || strings.HasPrefix(l, "---\t") {
			if content {
				return i + 1
			}
			if strings.TrimSpace(strings.TrimPrefix(l, "---")) != "" {
				content = true // "--- {a: 1}"
			}
			continue
		}
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "#") || strings.HasPrefix(l, "%") || l == "..." {
			continue
		}
		content = true
	}
	return 0
}

// yamlAliasBudget bounds the work of expanding YAML aliases before the
// YAML decoder does it: CUE's decoder copies the anchored value at every
// alias (*name), so n aliases in a file of m bytes may cost up to n×m
// bytes. It returns the position of the alias that takes the bound past
// maxScalarBytes, or ok. The scan is conservative: a "*name" that starts
// a value (after "- ", ": ", "? ", "[", "{", "," or at the start of a
// line) counts, even inside a quoted string or a comment.
func yamlAliasBudget(data []byte) (line, col int, ok bool) {
	n := 0
	line, col = 1, 1
	prev := byte('\n') // last non-blank byte, '\n' at the start of a line
	for i := 0; i < len(data); i++ {
		b := data[i]
		switch b {
		case '\n':
			line, col, prev = line+1, 1, '\n'
			continue
		case ' ', '\t', '\r':
			col++
			continue
		case '*':
			start := prev == '\n' || strings.IndexByte("-:?[{,", prev) >= 0
			if start && i+1 < len(data) && strings.IndexByte(" \t\r\n,[]{}", data[i+1]) < 0 {
				n++
				if int64(n)*int64(len(data)) > maxScalarBytes {
					return line, col, false
				}
			}
		}
		prev = b
		col++
	}
	return 0, 0, true
}

// jsonSyntax restates a JSON syntax error the way encoding/json words it,
// at its line:col, when CUE's own message ("invalid JSON") says less.
func jsonSyntax(name string, data []byte) (diag.Diagnostics, bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var v any
	err := dec.Decode(&v)
	if err == nil {
		off := int(dec.InputOffset())
		if _, err2 := dec.Token(); err2 != io.EOF {
			for off < len(data) && strings.IndexByte(" \t\r\n", data[off]) >= 0 {
				off++
			}
			return diag.Errorf(diag.PosAt(name, data, off), "invalid JSON: data after the top-level value"), true
		}
		return nil, false
	}
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		return diag.Errorf(diag.PosAt(name, data, int(se.Offset)-1), "invalid JSON: %v", se), true
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		if len(bytes.TrimSpace(data)) == 0 {
			return diag.Errorf(diag.Pos{File: name, Line: 1, Column: 1}, "the file is empty: a plan is a mapping of fields"), true
		}
		return diag.Errorf(diag.PosAt(name, data, len(data)), "invalid JSON: unexpected end of input"), true
	}
	return nil, false
}

// shapeChecker walks the syntax of one file before it is evaluated.
type shapeChecker struct {
	name   string
	fm     format
	nodes  int
	scalar int
	out    diag.Diagnostics
	stop   bool
}

func (c *shapeChecker) errorf(p token.Pos, format string, args ...any) {
	pos := diag.Pos{File: c.name, Line: 1, Column: 1}
	if p.IsValid() {
		pos = diag.Pos{File: c.name, Line: p.Line(), Column: p.Column()}
	}
	c.out = append(c.out, diag.Diagnostic{Range: pos.Range(), Severity: diag.Error, Msg: fmt.Sprintf(format, args...)})
}

// checkShape applies the nesting, size, duplicate-key, import and
// attribute rules to the syntax of a file.
func checkShape(name string, fm format, f *ast.File) diag.Diagnostics {
	c := &shapeChecker{name: name, fm: fm}
	if fm == formatCUE {
		for spec := range f.ImportSpecs() {
			p, err := strconv.Unquote(spec.Path.Value)
			if err != nil || !slices.Contains(allowedImports, p) {
				c.errorf(spec.Pos(), "import %s is not allowed in a plan (allowed: %s)", spec.Path.Value, strings.Join(allowedImports, ", "))
			}
		}
	}
	c.walk(f, 0)
	return c.out
}

func (c *shapeChecker) walk(n ast.Node, depth int) {
	if c.stop || n == nil {
		return
	}
	switch n.(type) {
	case *ast.File, *ast.Field, *ast.BasicLit, *ast.Ident, *ast.Attribute, *ast.EmbedDecl:
	default:
		// A container or an expression: depth counts those around it.
		if depth >= maxNesting {
			c.errorf(n.Pos(), "nesting is deeper than %d levels", maxNesting)
			c.stop = true
			return
		}
	}
	c.nodes++
	if c.nodes > maxNodes {
		c.errorf(n.Pos(), "the document has more than %d fields and values", maxNodes)
		c.stop = true
		return
	}
	switch x := n.(type) {
	case *ast.File:
		c.decls(x.Decls, 0)
	case *ast.StructLit:
		c.decls(x.Elts, depth+1)
	case *ast.ListLit:
		for _, e := range x.Elts {
			c.walk(e, depth+1)
		}
	case *ast.Field:
		c.attrs(x.Attrs)
		c.walk(x.Label, depth)
		c.walk(x.Value, depth)
	case *ast.BasicLit:
		c.scalar += len(x.Value)
		if c.scalar > maxScalarBytes {
			c.errorf(x.Pos(), "the document's values add up to more than %d MiB (are YAML aliases repeating a large value?)", maxScalarBytes>>20)
			c.stop = true
		}
	case *ast.Attribute:
		c.attrs([]*ast.Attribute{x})
	case *ast.EmbedDecl:
		c.walk(x.Expr, depth)
	case *ast.Ident, *ast.BadExpr, *ast.BadDecl, *ast.Package, *ast.ImportDecl, *ast.ImportSpec, *ast.CommentGroup, *ast.Comment, *ast.Ellipsis:
	default:
		// Any other expression (CUE only): walk its children, one level
		// deeper each, so long operator chains count as nesting too.
		ast.Walk(n, func(m ast.Node) bool {
			if m == n {
				return true
			}
			c.walk(m, depth+1)
			return false
		}, nil)
	}
}

func (c *shapeChecker) decls(ds []ast.Decl, depth int) {
	var seen map[string]token.Pos
	if c.fm != formatCUE {
		seen = map[string]token.Pos{}
	}
	for _, d := range ds {
		if f, ok := d.(*ast.Field); ok && seen != nil {
			if key, _, err := ast.LabelName(f.Label); err == nil {
				if first, dup := seen[key]; dup {
					c.errorf(f.Pos(), "duplicate key %q (first given at line %d, column %d)", key, first.Line(), first.Column())
				} else {
					seen[key] = f.Pos()
				}
			}
		}
		c.walk(d, depth)
	}
}

func (c *shapeChecker) attrs(as []*ast.Attribute) {
	for _, a := range as {
		switch k, _ := a.Split(); k {
		case "embed", "extern":
			c.errorf(a.Pos(), "@%s is not allowed in a plan: a plan cannot read other files", k)
		}
	}
}

// errAbandoned marks a session whose context an abandoned evaluation may
// still be using.
var errAbandoned = errors.New("evaluation abandoned")

// heapTrip, when set (by tests only), makes the memory bound trip for the
// files it names, so tests do not race a fast machine.
var heapTrip func(name string) bool

// bounded runs f, which evaluates the file name in s, in its own goroutine
// (heapwatch.Run) and waits until it returns, evalTimeout passes or the
// heap grows by more than evalHeapLimit. A panic in f becomes a
// diagnostic. When f is abandoned or panicked, s is marked so that no
// later file uses its context.
func (s *session) bounded(name string, f func() diag.Diagnostics) diag.Diagnostics {
	if s.abandoned {
		return diag.Errorf(diag.Pos{File: name}, "internal error: %v", errAbandoned)
	}
	s.uses++
	exceeded := heapwatch.Grown(evalHeapLimit)
	if heapTrip != nil {
		exceeded = func() bool { return heapTrip(name) }
	}
	ctx, cancel := context.WithTimeout(context.Background(), evalTimeout)
	defer cancel()
	var ds diag.Diagnostics
	err := heapwatch.Run(ctx, exceeded, func(context.Context) error {
		ds = f()
		return nil
	})
	var pe *heapwatch.PanicError
	switch {
	case err == nil:
		return ds
	case errors.As(err, &pe):
		s.abandoned = true // the context may be left half-way
		return diag.Errorf(diag.Pos{File: name, Line: 1, Column: 1}, "cannot evaluate the file (internal error: %v)", pe.Value)
	case errors.Is(err, heapwatch.ErrMemory):
		s.abandoned = true
		return diag.Errorf(diag.Pos{File: name, Line: 1, Column: 1}, "evaluation used more than %d MiB of memory: the file expands to too much (comprehensions, interpolation or references multiplying values?)", evalHeapLimit>>20)
	default: // the time limit: CUE cannot be interrupted
		s.abandoned = true
		return diag.Errorf(diag.Pos{File: name, Line: 1, Column: 1}, "evaluation took longer than %v: the file expands to too much (comprehensions, interpolation or references multiplying values?)", evalTimeout)
	}
}

// maxQuote is how much of a value a message quotes.
const maxQuote = 80

// shorten cuts a long value for a message, keeping both ends.
func shorten(s string) string {
	if len(s) <= maxQuote {
		return s
	}
	head, tail := s[:maxQuote-20], s[len(s)-16:]
	for !utf8.ValidString(head) {
		head = head[:len(head)-1]
	}
	for !utf8.ValidString(tail) {
		tail = tail[1:]
	}
	return fmt.Sprintf("%s…(%d bytes)…%s", head, len(s), tail)
}

// shortArgs returns c with long message arguments (a user's value quoted
// back) shortened.
func shortArgs(c cueErr) cueErr {
	args := make([]any, len(c.args))
	for i, a := range c.args {
		if s := fmt.Sprint(a); len(s) > maxQuote {
			args[i] = shorten(s)
		} else {
			args[i] = a
		}
	}
	c.args = args
	return c
}
