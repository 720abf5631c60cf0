package schema

import (
	"embed"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/cuecontext"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"
	cuejson "cuelang.org/go/encoding/json"
	cueyaml "cuelang.org/go/encoding/yaml"

	"github.com/capcheck/capcheck/internal/diag"
)

//go:embed plan.cue config.cue
var schemaFS embed.FS

// schemaFiles are the embedded schema files, parsed once per process. The
// parsed syntax is only read afterwards; each load call compiles it into its
// own cue.Context.
var schemaFiles = sync.OnceValues(func() ([]*ast.File, error) {
	var files []*ast.File
	for _, name := range []string{"plan.cue", "config.cue"} {
		src, err := schemaFS.ReadFile(name)
		if err != nil {
			return nil, err
		}
		f, err := parser.ParseFile("capcheck-schema/"+name, src)
		if err != nil {
			return nil, fmt.Errorf("parse embedded schema %s: %w", name, err)
		}
		files = append(files, f)
	}
	return files, nil
})

// Schema returns the embedded CUE schema source (plan.cue followed by
// config.cue), for `capcheck doc` and for users who want to vendor it.
func Schema() string {
	var b strings.Builder
	for _, name := range []string{"plan.cue", "config.cue"} {
		src, _ := schemaFS.ReadFile(name)
		b.Write(src)
		b.WriteString("\n")
	}
	return b.String()
}

// session is one load call: one cue.Context and the schema compiled in it.
type session struct {
	ctx    *cue.Context
	plan   cue.Value // #Plan
	config cue.Value // #Config
	// abandoned is set when an evaluation in ctx ran over its bounds and
	// was left running, or panicked (see bounded): ctx must not be used
	// again.
	abandoned bool
	// uses counts the files evaluated in ctx (see release).
	uses int
}

// idle holds sessions for reuse: compiling the schema (0.8 ms) costs as
// much as loading a small plan, and LoadPlanBytes and LoadConfigBytes are
// called once per file. A session is reused for at most maxSessionUses
// files, since its cue.Context keeps every file built in it (about 13 KiB
// for a fuzzing input, 147 KiB for testdata/full.yaml: at most 19 MiB a
// session), and never after an evaluation in it was abandoned or
// panicked.
var idle struct {
	sync.Mutex
	sessions []*session
}

const (
	maxSessionUses = 128
	maxIdle        = 4
)

// getSession returns an idle session, or a new one.
func getSession() (*session, error) {
	idle.Lock()
	if n := len(idle.sessions); n > 0 {
		s := idle.sessions[n-1]
		idle.sessions = idle.sessions[:n-1]
		idle.Unlock()
		return s, nil
	}
	idle.Unlock()
	return newSession()
}

// release makes s idle, unless an evaluation was abandoned in it or it has
// been used maxSessionUses times. s must not be used afterwards.
func (s *session) release() {
	if s.abandoned || s.uses >= maxSessionUses {
		return
	}
	idle.Lock()
	defer idle.Unlock()
	if len(idle.sessions) < maxIdle {
		idle.sessions = append(idle.sessions, s)
	}
}

func newSession() (*session, error) {
	files, err := schemaFiles()
	if err != nil {
		return nil, err
	}
	ctx := cuecontext.New()
	// The two files form one package: join their declarations so that
	// #Config can use #Text from plan.cue.
	joined := &ast.File{Filename: "capcheck-schema/schema.cue"}
	for i, f := range files {
		for _, d := range f.Decls {
			if _, ok := d.(*ast.Package); ok && i > 0 {
				continue
			}
			joined.Decls = append(joined.Decls, d)
		}
	}
	s := ctx.BuildFile(joined)
	if err := s.Err(); err != nil {
		return nil, fmt.Errorf("compile embedded schema: %w", err)
	}
	return &session{
		ctx:    ctx,
		plan:   s.LookupPath(cue.MakePath(cue.Def("Plan"))),
		config: s.LookupPath(cue.MakePath(cue.Def("Config"))),
	}, nil
}

// format is how a document is written, from its file extension.
type format int

const (
	formatUnknown format = iota
	formatCUE
	formatYAML
	formatJSON
)

func formatOf(name string) format {
	switch strings.ToLower(path.Ext(name)) {
	case ".cue":
		return formatCUE
	case ".yaml", ".yml":
		return formatYAML
	case ".json":
		return formatJSON
	}
	return formatUnknown
}

// document is one user file read through CUE.
type document struct {
	name string
	v    cue.Value // the user's value, before unification
	// pos maps a field path to the position of what the user wrote there:
	// the value for scalars, the field (key) for structs and lists.
	pos map[string]diag.Pos
	// label maps a field path to the position of its field (key).
	label map[string]diag.Pos
	// nodes counts the values collect visited; it stops past maxNodes.
	nodes int
	// tree is v's node as collect listed it, for skeleton; utree that of
	// the unified value as requiredAndConcrete listed it, for the decoder.
	tree, utree *node
	// checkFigures makes requiredAndConcrete also apply the figure rule
	// (see checker.figures) to the numbers it passes, into figures: one
	// walk of the unified value instead of two.
	checkFigures bool
	figures      diag.Diagnostics
}

// parse reads data as the format its name says and builds it in the
// session's context. Syntax errors carry the position CUE gives them.
func (s *session) parse(name string, data []byte) (*document, diag.Diagnostics) {
	data, ds := precheck(name, data)
	if ds != nil {
		return nil, ds
	}
	var file *ast.File
	var err error
	fm := formatOf(name)
	switch fm {
	case formatCUE:
		file, err = parser.ParseFile(name, data, parser.ParseComments)
	case formatYAML:
		if line := secondYAMLDocument(data); line > 0 {
			return nil, diag.Errorf(diag.Pos{File: name, Line: line, Column: 1}, "a second YAML document starts here: a plan file holds exactly one document")
		}
		if line, col, ok := yamlAliasBudget(data); !ok {
			return nil, diag.Errorf(diag.Pos{File: name, Line: line, Column: col},
				"too many YAML aliases for a file of %d bytes: expanding them could copy more than %d MiB (use fewer aliases)", len(data), maxScalarBytes>>20)
		}
		file, err = cueyaml.Extract(name, data)
	case formatJSON:
		if ds, bad := jsonSyntax(name, data); bad {
			return nil, ds
		}
		var x ast.Expr
		x, err = cuejson.Extract(name, data)
		if err == nil {
			file = &ast.File{Filename: name}
			if st, ok := x.(*ast.StructLit); ok {
				file.Decls = st.Elts
			} else {
				file.Decls = []ast.Decl{&ast.EmbedDecl{Expr: x}}
			}
		}
	default:
		return nil, diag.Errorf(diag.Pos{File: name}, "unknown plan format %q: want .cue, .yaml, .yml or .json", path.Ext(name))
	}
	doc := &document{name: name, pos: map[string]diag.Pos{}}
	if err != nil {
		return nil, doc.convert(err)
	}
	if ds := checkShape(name, fm, file); ds != nil {
		return nil, ds
	}
	v := s.ctx.BuildFile(file)
	if err := v.Err(); err != nil {
		return nil, doc.convert(err)
	}
	switch k := v.IncompleteKind(); k {
	case cue.StructKind:
	case cue.TopKind, cue.NullKind:
		return nil, diag.Errorf(diag.Pos{File: name, Line: 1, Column: 1}, "the file is empty: a plan is a mapping of fields")
	default:
		return nil, diag.Errorf(diag.Pos{File: name, Line: 1, Column: 1}, "top level must be a mapping of fields, not %v", k)
	}
	doc.v = v
	doc.label = map[string]diag.Pos{}
	doc.tree = doc.collect(v, "")
	if doc.nodes > maxNodes {
		return nil, diag.Errorf(diag.Pos{File: name, Line: 1, Column: 1}, "the evaluated plan has more than %d fields and list elements", maxNodes)
	}
	return doc, nil
}

// collect records the position of every regular field and list element of
// v under its dotted path, and returns v's node (see node) for skeleton.
func (d *document) collect(v cue.Value, p string) *node {
	if d.nodes++; d.nodes > maxNodes {
		return nil
	}
	if p != "" {
		if pos := d.userPos(valuePos(v)); pos.IsValid() {
			d.pos[p] = pos
		}
		if pos := d.userPos(v.Pos()); pos.IsValid() {
			d.label[p] = pos
		}
	}
	n := listChildren(v, false)
	n.sub = make([]*node, len(n.kids))
	for i, c := range n.kids {
		n.sub[i] = d.collect(c.v, c.path(p))
	}
	return n
}

// child is a field or list element of a struct or list value.
type child struct {
	name  string // field name; "" for a list element
	index int    // list index
	v     cue.Value
	// constraint is cue.RequiredConstraint or cue.OptionalConstraint for
	// a field the schema declares but nobody has set.
	constraint cue.SelectorType
	// field is set for a field (a string label), which name alone does not
	// say for the field "".
	field bool
}

func (c child) path(parent string) string {
	if c.name == "" {
		return indexPath(parent, c.index)
	}
	return joinPath(parent, c.name)
}

// node is a value with its children, listed once and kept: Value.Fields
// sorts the fields (topologically) on every call, which was a third of the
// cost of loading a plan when every walk listed them again. collect keeps
// the document's nodes for skeleton, requiredAndConcrete the unified
// value's for the decoder.
type node struct {
	v    cue.Value
	kind cue.Kind // v.IncompleteKind()
	how  listing
	kids []child
	// sub[i] is the node of kids[i], or nil where the walk did not go.
	sub []*node
}

// listing is how listChildren listed a node's kids.
type listing uint8

const (
	listedNone   listing = iota // a scalar, or Value.Fields failed
	listedList                  // Value.List
	listedFields                // Value.Fields
)

// children lists the fields of a struct or the elements of a list, also
// when some of them are erroneous (Value.List refuses such a list).
// Definitions, hidden fields and pattern constraints are left out; fields
// declared but not set are included only if declared is true.
func children(v cue.Value, declared bool) []child {
	return listChildren(v, declared).kids
}

// listChildren is children, returning v's node (without sub).
func listChildren(v cue.Value, declared bool) *node {
	k := v.IncompleteKind()
	n := &node{v: v, kind: k}
	if k&(cue.StructKind|cue.ListKind) == 0 && k != cue.BottomKind {
		return n // a scalar
	}
	if k&cue.StructKind == 0 {
		if it, err := v.List(); err == nil {
			for i := 0; it.Next(); i++ {
				n.kids = append(n.kids, child{index: i, v: it.Value()})
			}
			n.how = listedList
			return n
		}
	}
	opts := []cue.Option{}
	if declared {
		opts = append(opts, cue.Optional(true))
	}
	it, err := v.Fields(opts...)
	if err != nil {
		return n
	}
	for it.Next() {
		sel := it.Selector()
		switch {
		case sel.LabelType() == cue.IndexLabel:
			n.kids = append(n.kids, child{index: sel.Index(), v: it.Value()})
		case sel.IsString():
			n.kids = append(n.kids, child{name: sel.Unquoted(), v: it.Value(), constraint: sel.ConstraintType(), field: true})
		}
	}
	n.how = listedFields
	return n
}

// valuePos is where a value was written: for a scalar field its value, for
// a struct or list the field that holds it, for a list element the element.
func valuePos(v cue.Value) token.Pos {
	if f, ok := v.Source().(*ast.Field); ok && f.Value != nil {
		switch f.Value.(type) {
		case *ast.StructLit, *ast.ListLit:
		default:
			if pos := f.Value.Pos(); pos.IsValid() {
				return pos
			}
		}
	}
	return v.Pos()
}

// userPos converts a CUE position to a diag.Pos if it lies in this
// document (and not, say, in the embedded schema).
func (d *document) userPos(p token.Pos) diag.Pos {
	if !p.IsValid() || p.Filename() != d.name {
		return diag.Pos{}
	}
	return diag.Pos{File: d.name, Line: p.Line(), Column: p.Column()}
}

// posOf returns the position of path p or of its longest prefix that was
// written, and finally the start of the file.
func (d *document) posOf(p string) diag.Pos {
	for p != "" {
		if pos, ok := d.pos[p]; ok {
			return pos
		}
		p = parentPath(p)
	}
	return diag.Pos{File: d.name, Line: 1, Column: 1}
}

// labelPos is the position of the field at p, or posOf(p).
func (d *document) labelPos(p string) diag.Pos {
	if pos, ok := d.label[p]; ok {
		return pos
	}
	return d.posOf(p)
}

func joinPath(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "." + name
}

func indexPath(parent string, i int) string {
	return parent + "[" + strconv.Itoa(i) + "]"
}

// parentPath strips the last element of a dotted path ("a.b[0]" -> "a.b").
func parentPath(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '.' || p[i] == '[' {
			return p[:i]
		}
	}
	return ""
}

// errorPath turns the selectors of a CUE error path into the dotted form:
// quoted labels are unquoted, list indices become [i] and the schema's
// definition names are dropped.
func errorPath(sels []string) string {
	var p string
	for _, s := range sels {
		switch {
		case s == "":
		case strings.HasPrefix(s, "#"):
			// #Plan or #Config when an error is reported from the schema side.
		case strings.HasPrefix(s, `"`):
			if u, err := strconv.Unquote(s); err == nil {
				s = u
			}
			p = joinPath(p, s)
		case isIndex(s):
			p = p + "[" + s + "]"
		default:
			p = joinPath(p, s)
		}
	}
	return p
}

func isIndex(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// cueErr is one CUE error taken apart.
type cueErr struct {
	path    string
	format  string
	args    []any
	pos     diag.Pos
	schemaP []token.Pos // positions inside the schema, for ordering alternatives
}

func (c cueErr) msg() string { return fmt.Sprintf(c.format, c.args...) }

// convert turns a CUE error into diagnostics positioned in the document:
// the first position CUE names inside the user's file, else the position
// of the field path (or its nearest written parent). Disjunction noise
// from schema defaults and enums is folded into one message per field.
func (d *document) convert(err error) diag.Diagnostics {
	var errs []cueErr
	for _, e := range cueerrors.Errors(err) {
		format, args := e.Msg()
		c := cueErr{path: errorPath(e.Path()), format: format, args: args}
		if msg := c.msg(); msg == "" || strings.Contains(msg, "%!") {
			// A wrapped plain error, such as the YAML parser's
			// "name:LINE: message".
			c.format, c.args = "%s", []any{e.Error()}
			if line, msg, ok := d.yamlError(e.Error()); ok {
				c.pos = diag.Pos{File: d.name, Line: line}
				c.args = []any{msg}
			}
		}
		for _, p := range cueerrors.Positions(e) {
			if pos := d.userPos(p); pos.IsValid() {
				if !c.pos.IsValid() {
					c.pos = pos
				}
			} else {
				c.schemaP = append(c.schemaP, p)
			}
		}
		if !c.pos.IsValid() {
			c.pos = d.posOf(c.path)
		}
		errs = append(errs, c)
	}
	var out diag.Diagnostics
	for _, group := range groupByPath(dropShadowedMismatch(errs)) {
		for _, c := range foldDisjunction(group) {
			out = append(out, diag.Diagnostic{Range: c.pos.Range(), Severity: diag.Error, Path: c.path, Msg: friendly(shortArgs(c))})
		}
	}
	return out
}

var yamlErrRE = regexp.MustCompile(`^(.*):([0-9]+): (.*)$`)

// yamlError takes apart the YAML parser's "name:LINE: message". The YAML
// library counts lines from 0 in parser errors ("did not find expected
// ...") and from 1 in scanner errors; the line returned is 1-based.
func (d *document) yamlError(s string) (int, string, bool) {
	m := yamlErrRE.FindStringSubmatch(s)
	if m == nil || m[1] != d.name {
		return 0, "", false
	}
	line, err := strconv.Atoi(m[2])
	if err != nil {
		return 0, "", false
	}
	if strings.HasPrefix(m[3], "did not find expected") {
		line++
	}
	return max(line, 1), m[3], true
}

func groupByPath(errs []cueErr) [][]cueErr {
	var order []string
	groups := map[string][]cueErr{}
	for _, c := range errs {
		if _, ok := groups[c.path]; !ok {
			order = append(order, c.path)
		}
		groups[c.path] = append(groups[c.path], c)
	}
	out := make([][]cueErr, 0, len(order))
	for _, p := range order {
		out = append(out, groups[p])
	}
	return out
}

const (
	fmtEmptyDisjunction = "%d errors in empty disjunction:"
	fmtConflict         = "conflicting values %s and %s"
)

// foldDisjunction simplifies the errors CUE reports when a value matches
// no branch of a disjunction. For `*0.30 | number & >0 & <1` given 1.5, CUE
// says both "conflicting values 0.30 and 1.5" and "invalid value 1.5 (out
// of bound <1)": only the second helps. For an enum such as
// `"zone" | "replica"` given "zones", the conflicts are joined into one
// message listing the allowed values.
func foldDisjunction(group []cueErr) []cueErr {
	disj := false
	var rest []cueErr
	for _, c := range group {
		if c.format == fmtEmptyDisjunction {
			disj = true
			continue
		}
		rest = append(rest, c)
	}
	if !disj || len(rest) == 0 {
		return rest
	}
	var literal, other []cueErr
	for _, c := range rest {
		if isLiteralConflict(c) {
			literal = append(literal, c)
		} else {
			other = append(other, c)
		}
	}
	if len(other) > 0 {
		return other
	}
	if len(literal) < 2 {
		return literal
	}
	// The user's value is the argument every conflict shares.
	given := ""
	for _, cand := range []string{fmt.Sprint(literal[0].args[0]), fmt.Sprint(literal[0].args[1])} {
		all := true
		for _, c := range literal[1:] {
			if fmt.Sprint(c.args[0]) != cand && fmt.Sprint(c.args[1]) != cand {
				all = false
				break
			}
		}
		if all {
			given = cand
			break
		}
	}
	if given == "" {
		return literal
	}
	// Order the alternatives as the schema writes them.
	slices.SortStableFunc(literal, func(a, b cueErr) int {
		return lastPos(a.schemaP).Compare(lastPos(b.schemaP))
	})
	var alts []string
	for _, c := range literal {
		alt := fmt.Sprint(c.args[0])
		if alt == given {
			alt = fmt.Sprint(c.args[1])
		}
		if !slices.Contains(alts, alt) {
			alts = append(alts, alt)
		}
	}
	c := literal[0]
	c.format = "invalid value %s (must be one of %s)"
	c.args = []any{given, strings.Join(alts, ", ")}
	return []cueErr{c}
}

// isLiteralConflict reports whether c is "conflicting values A and B"
// between two concrete values: the user's value against one alternative
// of an enum or a default. A conflict with a type or bound ("... and
// number") is the informative kind and is not literal.
func isLiteralConflict(c cueErr) bool {
	if !strings.HasPrefix(c.format, fmtConflict) || len(c.args) < 2 {
		return false
	}
	return isLiteral(fmt.Sprint(c.args[0])) && isLiteral(fmt.Sprint(c.args[1]))
}

// dropShadowedMismatch drops a "mismatched types" conflict at a path
// when an error inside that path says what is wrong: the branch of the
// value's own type went further. A map-form model_mix with a share of 1.5
// reports the bound, not that the map is not a list.
func dropShadowedMismatch(errs []cueErr) []cueErr {
	all := slices.Clone(errs) // DeleteFunc compacts errs as it goes
	return slices.DeleteFunc(errs, func(c cueErr) bool {
		if !strings.Contains(c.format, "(mismatched types") {
			return false
		}
		return slices.ContainsFunc(all, func(o cueErr) bool {
			return strings.HasPrefix(o.path, c.path+".") || strings.HasPrefix(o.path, c.path+"[")
		})
	})
}

func isLiteral(s string) bool {
	switch {
	case strings.HasPrefix(s, `"`), s == "true", s == "false", s == "null":
		return true
	}
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

func lastPos(ps []token.Pos) token.Pos {
	var last token.Pos
	for _, p := range ps {
		if !last.IsValid() || last.Compare(p) < 0 {
			last = p
		}
	}
	return last
}

// Bounds of the schema's named string types, as CUE prints them.
var (
	textBound = `=~"\\S"`
	dateBound = `=~"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"`
)

// friendly rewords the CUE messages whose bound is a regular expression
// the user should not have to read.
func friendly(c cueErr) string {
	if c.format == "invalid value %v (out of bound %s)" && len(c.args) == 2 {
		switch fmt.Sprint(c.args[1]) {
		case textBound:
			return fmt.Sprintf("invalid value %v (must not be empty)", c.args[0])
		case dateBound:
			return fmt.Sprintf("invalid date %v (want YYYY-MM-DD)", c.args[0])
		}
	}
	return c.msg()
}

// requiredAndConcrete walks the unified value u and reports what Validate
// leaves out once it has found another error: required fields that are
// missing and values that are not concrete. Erroneous values are skipped
// (Validate reports them). If d.checkFigures is set, the numbers it
// passes are checked as checker.figures says, into d.figures. It returns
// u's node, the regular fields and elements walked.
func (d *document) requiredAndConcrete(u cue.Value, p string, out *diag.Diagnostics) *node {
	n := listChildren(u, true)
	n.sub = make([]*node, len(n.kids))
	for i, c := range n.kids {
		fp := c.path(p)
		switch c.constraint {
		case cue.RequiredConstraint:
			*out = append(*out, diag.Diagnostic{Range: d.posOf(p).Range(), Severity: diag.Error, Path: fp, Msg: "field is required but missing"})
			continue
		case cue.OptionalConstraint:
			continue
		}
		n.sub[i] = d.requiredAndConcrete(c.v, fp, out)
	}
	if n.kids != nil || u.Err() != nil {
		return n
	}
	dv, _ := u.Default()
	if d.checkFigures {
		d.figure(dv, p)
	}
	if n.kind == cue.StructKind || n.kind == cue.ListKind {
		return n // empty struct or list
	}
	if !dv.IsConcrete() {
		*out = append(*out, diag.Diagnostic{Range: d.posOf(p).Range(), Severity: diag.Error, Path: p, Msg: fmt.Sprintf("incomplete value %v (must be concrete)", dv)})
	}
	return n
}

// validate unifies the document with def (#Plan or #Config) and reports
// every schema violation.
func (d *document) validate(ctx *cue.Context, def cue.Value) (cue.Value, diag.Diagnostics) {
	u := d.v.Unify(def)
	var out diag.Diagnostics
	if err := u.Validate(); err != nil {
		out = append(out, d.convert(err)...)
		// CUE skips the closedness check of a struct that already holds an
		// error, so an unknown field next to a wrong value would go
		// unreported. Check the shape alone: the document with every value
		// replaced by top, except workload kinds, which decide the fields.
		shape := ctx.BuildExpr(d.skeleton()).Unify(def)
		if err := shape.Validate(); err != nil {
			for _, e := range d.convert(err) {
				if e.Msg == msgNotAllowed {
					e.Pos = d.labelPos(e.Path)
					out = append(out, e)
				}
			}
		}
		out = dropNestedNotAllowed(out)
	}
	d.utree = d.requiredAndConcrete(u, "", &out)
	if len(out) == 0 {
		// Belt and braces: anything the walk above does not know about.
		if err := u.Validate(cue.Concrete(true), cue.Final()); err != nil {
			out = append(out, d.convert(err)...)
		}
	}
	return u, out
}

const msgNotAllowed = "field not allowed"

// dropNestedNotAllowed keeps only the outermost of nested "field not
// allowed" errors: below a field that is not allowed, nothing is.
func dropNestedNotAllowed(ds diag.Diagnostics) diag.Diagnostics {
	var roots []string
	for _, d := range ds {
		if d.Msg == msgNotAllowed {
			roots = append(roots, d.Path)
		}
	}
	out := ds[:0]
	for _, d := range ds {
		nested := false
		if d.Msg == msgNotAllowed {
			for _, r := range roots {
				if strings.HasPrefix(d.Path, r+".") || strings.HasPrefix(d.Path, r+"[") {
					nested = true
					break
				}
			}
		}
		if !nested {
			out = append(out, d)
		}
	}
	return out
}

// skeleton rebuilds v as syntax with the same fields and list elements but
// every scalar replaced by _, except string values of fields named kind.
func skeleton(v cue.Value) ast.Expr {
	if it, err := v.List(); err == nil {
		l := &ast.ListLit{}
		for it.Next() {
			l.Elts = append(l.Elts, skeleton(it.Value()))
		}
		return l
	}
	if it, err := v.Fields(); err == nil {
		st := &ast.StructLit{}
		for it.Next() {
			sel := it.Selector()
			if !sel.IsString() {
				continue
			}
			var x ast.Expr
			if s, err := it.Value().String(); err == nil && sel.Unquoted() == "kind" {
				x = ast.NewString(s)
			} else {
				x = skeleton(it.Value())
			}
			st.Elts = append(st.Elts, &ast.Field{Label: ast.NewString(sel.Unquoted()), Value: x})
		}
		return st
	}
	return ast.NewIdent("_")
}

// skeleton is skeleton(d.v), from the nodes collect kept.
func (d *document) skeleton() ast.Expr {
	if d.tree == nil {
		return skeleton(d.v)
	}
	return d.tree.skeleton()
}

// skeleton is skeleton(n.v), from the children collect listed: a value
// that may be a struct or a list, for which skeleton would try
// Value.List first where children tried Value.Fields, is rebuilt by
// skeleton itself, and so is one collect did not reach.
func (n *node) skeleton() ast.Expr {
	if n.kind&cue.StructKind != 0 && n.kind&cue.ListKind != 0 {
		return skeleton(n.v)
	}
	switch n.how {
	case listedList:
		l := &ast.ListLit{}
		for i, c := range n.kids {
			l.Elts = append(l.Elts, n.skeletonOf(i, c))
		}
		return l
	case listedFields:
		st := &ast.StructLit{}
		for i, c := range n.kids {
			if !c.field {
				continue
			}
			var x ast.Expr
			if s, err := c.v.String(); err == nil && c.name == "kind" {
				x = ast.NewString(s)
			} else {
				x = n.skeletonOf(i, c)
			}
			st.Elts = append(st.Elts, &ast.Field{Label: ast.NewString(c.name), Value: x})
		}
		return st
	}
	return ast.NewIdent("_")
}

func (n *node) skeletonOf(i int, c child) ast.Expr {
	if i >= len(n.sub) || n.sub[i] == nil {
		return skeleton(c.v)
	}
	return n.sub[i].skeleton()
}

// dedup drops repeated diagnostics, keeping the first.
func dedup(ds diag.Diagnostics) diag.Diagnostics {
	seen := map[string]bool{}
	out := ds[:0]
	for _, d := range ds {
		k := d.String()
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, d)
	}
	return out
}
