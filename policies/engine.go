package policies

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/internal/heapwatch"
	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// DefaultTimeout is the evaluation time limit when Options.Timeout is zero.
const DefaultTimeout = 5 * time.Second

// DefaultMaxMemory is the memory bound when Options.MaxMemory is zero: how
// far the heap may grow while one query runs. The built-ins use a few MiB
// over a large repository; a policy that builds data without bound reaches
// it in well under a second.
const DefaultMaxMemory = 512 << 20

// InputVersion is the policy input document version the built-in rules are
// written against (evaluator.Version).
const InputVersion = "capcheck/v1"

// Options configure an Engine.
type Options struct {
	// Root is the repository root: user policy paths and positions are
	// reported relative to it.
	Root string
	// Dirs are user policy directories, relative to Root or absolute. Every
	// *.rego file below them is loaded; *_test.rego files are left out of
	// evaluation (Verify runs them).
	Dirs []string
	// Enforcement overrides rules' enforcement: rule id -> advisory |
	// soft-mandatory | hard-mandatory (capcheck.yaml `enforcement`).
	Enforcement map[string]string
	// Existing is the enforcement of existing findings in a pull request
	// diff (capcheck.yaml `enforcement.existing`): ExistingReport (the
	// default when empty) or ExistingBlock. See [Baseline].
	Existing string
	// Timeout limits one evaluation (DefaultTimeout when zero).
	Timeout time.Duration
	// MaxMemory bounds, in bytes, the heap growth of each query of an
	// evaluation (DefaultMaxMemory when zero). The heap is the process's:
	// while another evaluation runs in it, only the time limit applies.
	MaxMemory uint64
}

// Engine holds the compiled policies and the prepared queries. It is safe
// for concurrent use by multiple goroutines.
type Engine struct {
	queries     []query
	timeout     time.Duration
	maxMemory   uint64
	rules       []Rule
	byID        map[string]*Rule
	enforcement map[string]string
	existing    string
	// origin is where each collected package defines a level's rule, for
	// errors about the findings it produces: package -> level -> position.
	origin map[string]map[string]diag.Pos
}

// Finding is one policy finding, with its enforcement and whether it blocks.
type Finding struct {
	Rule   string `json:"rule"`
	Title  string `json:"title,omitempty"`
	Level  string `json:"level"` // "deny" | "warn"
	Msg    string `json:"msg"`
	Target string `json:"target"`
	// Range is where the finding points: the location the rule gave
	// ("file", "line", "column", and "end_line" when it gives one).
	diag.Range
	Enforcement string `json:"enforcement"`
	// Excepted is true when an active exception covers the finding;
	// Exception is its reason.
	Excepted  bool   `json:"excepted"`
	Exception string `json:"exception,omitempty"`
	// Overridden is true when an override cleared this soft-mandatory deny.
	Overridden bool `json:"overridden"`
	// Blocking is true when the finding fails the check.
	Blocking bool `json:"blocking"`
	// Baseline is, in a pull request diff, how the finding compares with
	// the base's findings: "new", "unchanged", "better", "worse", or
	// "absent" for a fixed one (Result.Baseline.Fixed); empty outside a
	// diff. An unchanged or better finding is existing: it blocks only
	// with `enforcement.existing: block`.
	Baseline string `json:"baseline,omitempty"`
	// BaseMsg is the base's message for a matched finding whose message
	// changed.
	BaseMsg string `json:"base_msg,omitempty"`
}

// Verdicts.
const (
	VerdictPass = "pass"
	VerdictWarn = "warn"
	VerdictFail = "fail"
)

// Result is the outcome of one evaluation.
type Result struct {
	Verdict  string    `json:"verdict"` // "pass" | "warn" | "fail"
	Findings []Finding `json:"findings"`
	// Baseline is, in a pull request diff (the input has a base), the
	// enforcement of existing findings and the fixed ones; nil otherwise.
	Baseline *Baseline `json:"baseline,omitempty"`
}

// New loads the built-in policies and the user directories, compiles them in
// the sandbox (see the package documentation) and prepares the queries
// every Eval runs. Policy errors are diag.Diagnostics with file:line:col.
func New(ctx context.Context, opts Options) (*Engine, error) {
	builtins, err := builtinSources()
	if err != nil {
		return nil, err
	}
	user, err := userSources(opts.Root, opts.Dirs)
	if err != nil {
		return nil, err
	}
	var srcs []source
	for _, s := range append(builtins, user...) {
		if !s.isTest() {
			srcs = append(srcs, s)
		}
	}
	return newEngine(ctx, srcs, opts)
}

var (
	capcheckRoot = ast.MustParseRef("data.capcheck")
	libRoot      = ast.MustParseRef("data.capcheck.lib")
	mainRoot     = ast.MustParseRef("data.main")
)

// collected reports whether the deny and warn rules of package p are
// evaluated.
func collected(p ast.Ref) bool {
	return (p.HasPrefix(capcheckRoot) && !p.HasPrefix(libRoot)) || p.Equal(mainRoot)
}

func newEngine(ctx context.Context, srcs []source, opts Options) (*Engine, error) {
	if opts.Timeout < 0 {
		return nil, fmt.Errorf("policy time limit must be positive, got %s", opts.Timeout)
	}
	if opts.Existing == "" {
		opts.Existing = ExistingReport
	}
	if !ValidExisting(opts.Existing) {
		return nil, fmt.Errorf("enforcement.existing must be %s or %s, got %q", ExistingReport, ExistingBlock, opts.Existing)
	}
	mods, err := parseSources(srcs)
	if err != nil {
		return nil, err
	}
	modules := make(map[string]*ast.Module, len(mods))
	builtin := map[string]bool{}
	userPkg := map[string]bool{} // packages with a user module
	for _, m := range mods {
		modules[m.Name] = m.Module
		builtin[m.Name] = m.Builtin
		if !m.Builtin {
			userPkg[m.Module.Package.Path.String()] = true
		}
	}
	c := ast.NewCompiler().
		WithCapabilities(capabilities()).
		WithDefaultRegoVersion(ast.RegoV1).
		WithEnablePrintStatements(false)
	if c.Compile(modules); c.Failed() {
		return nil, astDiagnostics(c.Errors).Err()
	}

	e := &Engine{
		timeout:     opts.Timeout,
		maxMemory:   opts.MaxMemory,
		enforcement: opts.Enforcement,
		existing:    opts.Existing,
		origin:      map[string]map[string]diag.Pos{},
	}
	if e.timeout == 0 {
		e.timeout = DefaultTimeout
	}
	if e.maxMemory == 0 {
		e.maxMemory = DefaultMaxMemory
	}
	levels, ds := e.findSetRules(c, mods)
	if err := ds.Err(); err != nil {
		return nil, err
	}
	rules, ds := collectRules(c, levels, builtin)
	if err := ds.Err(); err != nil {
		return nil, err
	}
	if err := applyEnforcement(rules, opts.Enforcement); err != nil {
		return nil, err
	}
	e.rules = rules
	e.byID = make(map[string]*Rule, len(rules))
	for i := range e.rules {
		e.byID[e.rules[i].ID] = &e.rules[i]
	}

	// The built-in packages share one query; each user package has its
	// own, so that a policy that runs out of time or memory is named.
	builtinLevels := map[string][]string{}
	var userPkgs []string
	for pkg, ls := range levels {
		if len(ls) == 0 {
			continue
		}
		if userPkg[pkg] {
			userPkgs = append(userPkgs, pkg)
		} else {
			builtinLevels[pkg] = ls
		}
	}
	sort.Strings(userPkgs)
	units := []query{{levels: builtinLevels}}
	for _, pkg := range userPkgs {
		units = append(units, query{pkg: pkg, levels: map[string][]string{pkg: levels[pkg]}})
	}
	for _, u := range units {
		pq, err := rego.New(
			rego.Compiler(c),
			rego.Query(buildQuery(u.levels)),
			rego.SetRegoVersion(ast.RegoV1),
			rego.StrictBuiltinErrors(true),
			rego.EnablePrintStatements(false),
		).PrepareForEval(ctx)
		if err != nil {
			return nil, fmt.Errorf("prepare policy query: %w", err)
		}
		u.prepared = pq
		e.queries = append(e.queries, u)
	}
	return e, nil
}

// query is one prepared query: the built-in packages together (pkg is
// empty), or one user package.
type query struct {
	pkg      string              // "data.main"
	levels   map[string][]string // package -> the levels it defines
	prepared rego.PreparedEvalQuery
}

// findSetRules lists, per collected package, which of deny and warn it
// defines, checking they are set rules, and records where.
func (e *Engine) findSetRules(c *ast.Compiler, mods []parsed) (map[string][]string, diag.Diagnostics) {
	var ds diag.Diagnostics
	has := map[string]map[string]bool{}
	for _, pm := range mods {
		m := c.Modules[pm.Name]
		if m == nil || !collected(m.Package.Path) {
			continue
		}
		pkg := m.Package.Path.String()
		if has[pkg] == nil {
			has[pkg] = map[string]bool{}
			e.origin[pkg] = map[string]diag.Pos{}
		}
		for _, r := range m.Rules {
			ref := r.Head.Ref()
			name := ref[0].Value.String()
			if name != LevelDeny && name != LevelWarn {
				continue
			}
			if len(ref) != 1 || r.Head.RuleKind() != ast.MultiValue || len(r.Head.Args) > 0 {
				ds = append(ds, diag.Diagnostic{
					Range:    locPos(r.Location).Range(),
					Severity: diag.Error,
					Msg:      fmt.Sprintf("%s in package %s must be a set of findings: `%s contains f if { ... }`", name, pkgName(m.Package.Path), name),
				})
				continue
			}
			has[pkg][name] = true
			if _, ok := e.origin[pkg][name]; !ok {
				e.origin[pkg][name] = locPos(r.Location)
			}
		}
	}
	levels := make(map[string][]string, len(has))
	for pkg, set := range has {
		var ls []string
		for _, l := range []string{LevelDeny, LevelWarn} {
			if set[l] {
				ls = append(ls, l)
			}
		}
		levels[pkg] = ls
	}
	return levels, ds
}

// buildQuery returns a query for the packages of levels: an object from
// package name to its deny and warn findings, as arrays.
//
//	x = {"capcheck.rules.cap001": {"deny": [f | f := data.capcheck.rules.cap001.deny[_]], "warn": []}, ...}
func buildQuery(levels map[string][]string) string {
	pkgs := make([]string, 0, len(levels))
	for p, ls := range levels {
		if len(ls) > 0 {
			pkgs = append(pkgs, p)
		}
	}
	sort.Strings(pkgs)
	var b strings.Builder
	b.WriteString("x = {")
	for i, p := range pkgs {
		if i > 0 {
			b.WriteString(", ")
		}
		ref := ast.MustParseRef(p)
		fmt.Fprintf(&b, "%s: {", ast.StringTerm(pkgName(ref)).String())
		for j, l := range []string{LevelDeny, LevelWarn} {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%q: ", l)
			if contains(levels[p], l) {
				fmt.Fprintf(&b, "[f | f := %s[_]]", ref.Append(ast.StringTerm(l)).String())
			} else {
				b.WriteString("[]")
			}
		}
		b.WriteString("}")
	}
	b.WriteString("}")
	return b.String()
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// Rules returns the metadata of every rule with a custom.id, sorted by id,
// with the configured enforcement applied.
func (e *Engine) Rules() []Rule {
	out := make([]Rule, len(e.rules))
	copy(out, e.rules)
	return out
}

// docHeader is the part of the input document the engine reads itself.
type docHeader struct {
	Version string     `json:"version"`
	Plans   []planExcs `json:"plans"`
	Base    *struct {
		Plans []planExcs `json:"plans"`
	} `json:"base"`
}

type planExcs struct {
	Name       string      `json:"name"`
	Exceptions []exception `json:"exceptions"`
}

type exception struct {
	Rule    string `json:"rule"`
	Target  string `json:"target"`
	Reason  string `json:"reason"`
	Expires string `json:"expires"`
	Expired bool   `json:"expired"`
}

// readHeader takes the version and the plans' exceptions from the parsed
// input, converting only those parts.
func readHeader(v ast.Value) (docHeader, error) {
	var h docHeader
	obj, ok := v.(ast.Object)
	if !ok {
		return h, fmt.Errorf("the document is %s, not an object", ast.ValueName(v))
	}
	if t := obj.Get(ast.InternedTerm("version")); t != nil {
		s, ok := t.Value.(ast.String)
		if !ok {
			return h, fmt.Errorf("version is %s, not a string", ast.ValueName(t.Value))
		}
		h.Version = string(s)
	}
	plans := func(o ast.Object) ([]planExcs, error) {
		t := o.Get(ast.InternedTerm("plans"))
		if t == nil {
			return nil, nil
		}
		var ps []planExcs
		if err := ast.As(t.Value, &ps); err != nil {
			return nil, fmt.Errorf("plans: %w", err)
		}
		return ps, nil
	}
	var err error
	if h.Plans, err = plans(obj); err != nil {
		return h, err
	}
	if t := obj.Get(ast.InternedTerm("base")); t != nil {
		if _, isNull := t.Value.(ast.Null); !isNull {
			base, ok := t.Value.(ast.Object)
			if !ok {
				return h, fmt.Errorf("base is %s, not an object", ast.ValueName(t.Value))
			}
			h.Base = &struct {
				Plans []planExcs `json:"plans"`
			}{}
			if h.Base.Plans, err = plans(base); err != nil {
				return h, fmt.Errorf("base: %w", err)
			}
		}
	}
	return h, nil
}

// Eval runs the policies over input (the evaluator's Document, or any value
// that marshals to the same JSON) within the time limit. overrides lists
// rule ids (or "*" for all) whose soft-mandatory denies an authorised
// override cleared. A policy that fails, runs out of time or produces a
// malformed finding is an error: the result never passes by default.
func (e *Engine) Eval(ctx context.Context, input any, overrides []string) (*Result, error) {
	raw, err := json.Marshal(input)
	if err != nil {
		return nil, fmt.Errorf("encode policy input: %w", err)
	}
	value, err := ast.ValueFromReader(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("read policy input: %w", err)
	}
	head, err := readHeader(value)
	if err != nil {
		return nil, fmt.Errorf("read policy input: %w", err)
	}
	if head.Version != InputVersion {
		return nil, fmt.Errorf("policy input version is %q, want %q", head.Version, InputVersion)
	}

	evalCtx, cancel := context.WithTimeout(ctx, e.timeout)
	defer cancel()
	findings, err := e.run(ctx, evalCtx, value)
	if err != nil {
		return nil, err
	}
	e.judge(findings, activeExceptions(head), overrides)
	res := &Result{Findings: findings}

	// In a pull request, the base judged by the same policies tells which
	// findings the change introduced or made worse.
	base, err := baseValue(value)
	if err != nil {
		return nil, fmt.Errorf("read policy input: %w", err)
	}
	if base != nil {
		baseHead, err := readHeader(base)
		if err != nil {
			return nil, fmt.Errorf("read policy input: base: %w", err)
		}
		baseFindings, err := e.run(ctx, evalCtx, base)
		if err != nil {
			return nil, fmt.Errorf("evaluate the base's findings: %w", err)
		}
		e.judge(baseFindings, activeExceptions(baseHead), nil)
		fixed := compareBaseline(findings, baseFindings, figuresOf(value), figuresOf(base))
		for i := range findings {
			if findings[i].Blocking && !BlocksAsExisting(findings[i], e.existing) {
				findings[i].Blocking = false
			}
		}
		res.Baseline = &Baseline{Existing: e.existing, Fixed: fixed}
	}
	res.Verdict = verdict(findings)
	return res, nil
}

// run evaluates every query over value and converts the findings, sorted.
func (e *Engine) run(ctx, evalCtx context.Context, value ast.Value) ([]Finding, error) {
	byPkg := map[string]any{}
	for _, q := range e.queries {
		var rs rego.ResultSet
		err := heapwatch.Run(evalCtx, heapwatch.Grown(e.maxMemory), func(ctx context.Context) error {
			var err error
			rs, err = q.prepared.Eval(ctx, rego.EvalParsedInput(value))
			return err
		})
		if err != nil {
			return nil, e.evalError(ctx, evalCtx, q, err)
		}
		if len(rs) != 1 || len(rs[0].Bindings) == 0 {
			return nil, errors.New("evaluate policies: the query returned no result")
		}
		x, ok := rs[0].Bindings["x"].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("evaluate policies: unexpected query result %T", rs[0].Bindings["x"])
		}
		for pkg, v := range x {
			byPkg[pkg] = v
		}
	}
	return e.findings(byPkg)
}

// evalError explains why the evaluation of q failed: the memory bound, the
// time limit, the caller's cancellation, a panic, or a policy error at its
// position. The bounds name the user package that reached them, at its
// deny or warn rule.
func (e *Engine) evalError(parent, evalCtx context.Context, q query, err error) error {
	what, at := "the built-in policies", diag.Pos{}
	if q.pkg != "" {
		what = "policy package " + pkgName(ast.MustParseRef(q.pkg))
		for _, l := range []string{LevelDeny, LevelWarn} {
			if pos, ok := e.origin[q.pkg][l]; ok {
				at = pos
				break
			}
		}
	}
	bound := func(format string, args ...any) error {
		msg := what + " " + fmt.Sprintf(format, args...)
		if at.IsValid() {
			return diag.Errorf(at, "%s", msg)
		}
		return errors.New(msg)
	}
	var pe *heapwatch.PanicError
	switch {
	case errors.Is(err, heapwatch.ErrMemory):
		return bound("used more than %d MiB of memory: it builds too much data (a comprehension or concatenation growing without bound?)", e.maxMemory>>20)
	case errors.As(err, &pe):
		return fmt.Errorf("evaluate policies: %s: internal error: %v", what, pe.Value)
	case topdown.IsCancel(err) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled):
		if parent.Err() != nil {
			return fmt.Errorf("policy evaluation cancelled: %w", parent.Err())
		}
		if evalCtx.Err() != nil {
			return bound("exceeded the policy time limit of %s: it iterates over too much data or never finishes", e.timeout)
		}
	}
	var te *topdown.Error
	if errors.As(err, &te) {
		return diag.Errorf(locPos(te.Location), "policy evaluation failed: %s", te.Message)
	}
	return fmt.Errorf("evaluate policies: %w", err)
}

// findings validates and converts the query result, package by package.
func (e *Engine) findings(byPkg map[string]any) ([]Finding, error) {
	pkgs := make([]string, 0, len(byPkg))
	for p := range byPkg {
		pkgs = append(pkgs, p)
	}
	sort.Strings(pkgs)
	var out []Finding
	for _, pkg := range pkgs {
		levels, ok := byPkg[pkg].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("package %s: unexpected result %T", pkg, byPkg[pkg])
		}
		for _, level := range []string{LevelDeny, LevelWarn} {
			items, ok := levels[level].([]any)
			if !ok {
				return nil, fmt.Errorf("package %s: unexpected %s result %T", pkg, level, levels[level])
			}
			for _, it := range items {
				f, err := e.finding(level, it)
				if err != nil {
					pos := e.origin["data."+pkg][level]
					return nil, diag.Errorf(pos, "package %s: %s produced an invalid finding: %v; a finding is {\"rule\": \"ID\", \"msg\": \"...\", \"target\": \"...\", \"location\": {\"file\", \"line\", \"column\"}}", pkg, level, err)
				}
				out = append(out, f)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return lessFinding(out[i], out[j]) })
	return out, nil
}

func lessFinding(a, b Finding) bool {
	switch {
	case a.File != b.File:
		return a.File < b.File
	case a.Line != b.Line:
		return a.Line < b.Line
	case a.Column != b.Column:
		return a.Column < b.Column
	case a.Rule != b.Rule:
		return a.Rule < b.Rule
	case a.Target != b.Target:
		return a.Target < b.Target
	case a.Level != b.Level:
		return a.Level < b.Level
	}
	return a.Msg < b.Msg
}

// finding converts one element of a deny or warn set.
func (e *Engine) finding(level string, v any) (Finding, error) {
	obj, ok := v.(map[string]any)
	if !ok {
		return Finding{}, fmt.Errorf("%s is not an object", short(v))
	}
	f := Finding{Level: level}
	var err error
	if f.Rule, err = str(obj, "rule", true); err != nil {
		return f, err
	}
	if f.Msg, err = str(obj, "msg", true); err != nil {
		return f, err
	}
	if f.Target, err = str(obj, "target", false); err != nil {
		return f, err
	}
	if l, ok := obj["location"]; ok && l != nil {
		loc, ok := l.(map[string]any)
		if !ok {
			return f, fmt.Errorf("location %s is not an object", short(l))
		}
		if f.File, err = str(loc, "file", false); err != nil {
			return f, fmt.Errorf("location: %w", err)
		}
		if f.Line, err = count(loc, "line"); err != nil {
			return f, fmt.Errorf("location: %w", err)
		}
		if f.Column, err = count(loc, "column"); err != nil {
			return f, fmt.Errorf("location: %w", err)
		}
		if f.EndLine, err = count(loc, "end_line"); err != nil {
			return f, fmt.Errorf("location: %w", err)
		}
		if f.EndLine != 0 && f.EndLine < f.Line {
			return f, fmt.Errorf("location: \"end_line\" %d is before \"line\" %d", f.EndLine, f.Line)
		}
	}
	if r := e.byID[f.Rule]; r != nil {
		f.Title = r.Title
		f.Enforcement = r.enforcementFor(level, e.enforcement)
	} else if enf, ok := e.enforcement[f.Rule]; ok {
		f.Enforcement = enf
	} else {
		f.Enforcement = defaultEnforcement(level)
	}
	return f, nil
}

// str reads a string field; required fields must be non-empty.
func str(obj map[string]any, key string, required bool) (string, error) {
	v, ok := obj[key]
	if !ok || v == nil {
		if required {
			return "", fmt.Errorf("%q is missing in %s", key, short(obj))
		}
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("%q is %s, not a string", key, short(v))
	}
	if required && strings.TrimSpace(s) == "" {
		return "", fmt.Errorf("%q is empty", key)
	}
	return s, nil
}

// count reads an optional non-negative integer field.
func count(obj map[string]any, key string) (int, error) {
	v, ok := obj[key]
	if !ok || v == nil {
		return 0, nil
	}
	n, ok := v.(json.Number)
	if !ok {
		return 0, fmt.Errorf("%q is %s, not a number", key, short(v))
	}
	i, err := n.Int64()
	if err != nil || i < 0 || i > 1<<31 {
		return 0, fmt.Errorf("%q is %s, not a line or column number", key, n)
	}
	return int(i), nil
}

// short renders a Rego value for an error message, cut to a sensible length.
func short(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	const max = 120
	if len(b) > max {
		return string(b[:max]) + "…"
	}
	return string(b)
}

// judge applies exceptions and overrides and decides which findings block.
func (e *Engine) judge(fs []Finding, excs []exception, overrides []string) {
	all := false
	over := map[string]bool{}
	for _, o := range overrides {
		if o == "*" {
			all = true
		}
		over[o] = true
	}
	for i := range fs {
		f := &fs[i]
		if f.Enforcement != HardMandatory {
			for _, x := range excs {
				if x.Rule == f.Rule && globMatch(x.Target, f.Target) {
					f.Excepted, f.Exception = true, x.Reason
					break
				}
			}
		}
		if f.Level == LevelDeny && f.Enforcement == SoftMandatory && (all || over[f.Rule]) {
			f.Overridden = true
		}
		f.Blocking = f.Level == LevelDeny && !f.Excepted && !f.Overridden && f.Enforcement != Advisory
	}
}

// verdict is fail when a finding blocks, warn when any finding is not
// excepted, pass otherwise.
func verdict(fs []Finding) string {
	v := VerdictPass
	for _, f := range fs {
		if f.Blocking {
			return VerdictFail
		}
		if !f.Excepted {
			v = VerdictWarn
		}
	}
	return v
}

// activeExceptions are the exceptions that apply: the head's, or in a pull
// request the base's that the head still has (the change's own additions
// and edits apply only after merge; removals apply at once). Expired ones
// never apply.
func activeExceptions(d docHeader) []exception {
	var head []exception
	for _, p := range d.Plans {
		head = append(head, p.Exceptions...)
	}
	candidates := head
	if d.Base != nil {
		candidates = nil
		for _, p := range d.Base.Plans {
			for _, b := range p.Exceptions {
				for _, h := range head {
					if h.Rule == b.Rule && h.Target == b.Target {
						candidates = append(candidates, b)
						break
					}
				}
			}
		}
	}
	var out []exception
	for _, x := range candidates {
		if !x.Expired {
			out = append(out, x)
		}
	}
	return out
}

// globMatch matches s against pattern, where "*" matches any run of
// characters (including "/") and everything else matches itself.
func globMatch(pattern, s string) bool {
	px, sx := 0, 0
	star, mark := -1, 0
	for sx < len(s) {
		switch {
		case px < len(pattern) && pattern[px] == '*':
			star, mark = px, sx
			px++
		case px < len(pattern) && pattern[px] == s[sx]:
			px++
			sx++
		case star >= 0:
			px = star + 1
			mark++
			sx = mark
		default:
			return false
		}
	}
	for px < len(pattern) && pattern[px] == '*' {
		px++
	}
	return px == len(pattern)
}
