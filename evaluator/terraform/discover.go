// Package terraform owns discovering GPU capacity in Terraform: it walks a
// repository, parses HCL (and .tf.json) with hashicorp/hcl, evaluates
// variables, tfvars, locals, count, for_each, local modules and their
// outputs with the go-cty standard library, and turns GPU-bearing resources
// (capacity reservations, capacity blocks, node groups, cluster node pools,
// instance groups and plain GPU instances) into an Inventory. `terraform
// show -json` plan files are an exact alternative input (LoadPlanJSON).
//
// Evaluation fails closed: a value that cannot be known statically (a data
// source, a remote module, a resource attribute) becomes an Unresolved entry
// at its file:line, never a zero count.
//
// Hostile input is bounded before it can exhaust the stack or memory (file
// size, bracket nesting, expression size, reference depth, instances per
// root: see limits.go); each bound is a positioned error.
package terraform

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/capcheck/capcheck/evaluator/catalog"
	"github.com/capcheck/capcheck/internal/diag"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	hcljson "github.com/hashicorp/hcl/v2/json"
)

// Options control discovery.
type Options struct {
	// VarFiles are extra -var-file paths (relative to the repository root),
	// applied after terraform.tfvars and *.auto.tfvars, in order.
	VarFiles []string
	// Vars are -var values (HCL expressions; raw strings for variables of
	// primitive or unspecified type), applied last.
	Vars map[string]string
	// Dirs are the root module directories relative to the root; nil means
	// auto-detect: directories with .tf files that no local module call in
	// another directory uses as its source, except library and sample
	// trees (a path component named modules, examples, example, test,
	// tests, testdata, test-fixtures or fixtures). Those are evaluated only
	// when a root calls them, so a module repository's examples/* (which
	// call "../..") and its uncalled modules/* (whose inputs only a caller
	// knows) add no capacity and report no missing variables; name them in
	// Dirs to evaluate them as roots.
	Dirs []string
	// Exclude are globs (slash paths relative to the root, or base names)
	// of files and directories to skip.
	Exclude []string
	// Catalog maps instance types to GPUs; nil means catalog.Default().
	Catalog *catalog.Catalog
}

// Discover finds the GPU capacity declared in the Terraform under root. Bad
// input (malformed HCL, an unknown GPU instance type on a reservation, a
// variable without a value, a file function escaping the repository) is
// reported as diag.Diagnostics; values that cannot be known statically are
// Unresolved entries in the inventory.
func Discover(ctx context.Context, root string, opts Options) (*Inventory, error) {
	absRoot, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("discover %s: %w", root, err)
	}
	realRoot, err := filepath.EvalSymlinks(absRoot)
	if err != nil {
		return nil, fmt.Errorf("discover %s: %w", root, err)
	}
	d := &discovery{
		root: realRoot,
		opts: opts,
		cat:  opts.Catalog,
		dirs: map[string]*moduleDir{},
	}
	if d.cat == nil {
		d.cat = catalog.Default()
	}
	files, err := d.walk(ctx)
	if err != nil {
		return nil, err
	}
	if err := d.parseAll(ctx, files); err != nil {
		return nil, err
	}
	roots, ds := d.rootDirs()
	if d.opts.Dirs == nil {
		ds = append(ds, d.orphanCycles(roots)...)
	}
	if err := ds.Err(); err != nil {
		return nil, err
	}
	return d.evaluate(ctx, roots)
}

type discovery struct {
	root string // absolute, symlinks resolved
	opts Options
	cat  *catalog.Catalog

	mu   sync.Mutex
	dirs map[string]*moduleDir // by slash path relative to root ("." for root)
}

// walk lists the .tf and .tf.json files under the root, grouped later by
// directory.
func (d *discovery) walk(ctx context.Context) ([]string, error) {
	var files []string
	err := filepath.WalkDir(d.root, func(p string, e os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		rel := relSlash(d.root, p)
		name := e.Name()
		if e.IsDir() {
			if rel != "." && (strings.HasPrefix(name, ".") || name == "node_modules" || d.excluded(rel)) {
				return filepath.SkipDir
			}
			return nil
		}
		if !e.Type().IsRegular() || !isConfigFile(name) || strings.HasPrefix(name, ".") || d.excluded(rel) {
			return nil
		}
		files = append(files, rel)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("walk %s: %w", d.root, err)
	}
	sort.Strings(files)
	return files, nil
}

func isConfigFile(name string) bool {
	return strings.HasSuffix(name, ".tf") || strings.HasSuffix(name, ".tf.json")
}

func (d *discovery) excluded(rel string) bool {
	for _, g := range d.opts.Exclude {
		g = strings.TrimSuffix(filepath.ToSlash(g), "/")
		if ok, _ := path.Match(g, rel); ok {
			return true
		}
		if ok, _ := path.Match(g, path.Base(rel)); ok {
			return true
		}
	}
	return false
}

// parallel applies f to every item on a bounded pool of GOMAXPROCS
// workers and returns the results in item order. It stops handing out
// items once ctx is done and then returns ctx's error.
func parallel[T, R any](ctx context.Context, items []T, f func(T) R) ([]R, error) {
	out := make([]R, len(items))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range max(1, min(runtime.GOMAXPROCS(0), len(items))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				out[i] = f(items[i])
			}
		}()
	}
	for i := range items {
		if ctx.Err() != nil {
			break
		}
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// parseAll parses files concurrently (a bounded pool of GOMAXPROCS
// workers) and assembles one moduleDir per directory in file order.
func (d *discovery) parseAll(ctx context.Context, files []string) error {
	parsed, err := parallel(ctx, files, d.parseFile)
	if err != nil {
		return err
	}
	// A directory's parse errors are kept with it and reported only when
	// it is evaluated (a root, or a module a root calls): a deliberately
	// broken fixture under test/ must not fail the whole repository.
	byDir := map[string][]*parsedFile{}
	var order []string
	for _, pf := range parsed {
		dir := path.Dir(pf.rel)
		if _, ok := byDir[dir]; !ok {
			order = append(order, dir)
		}
		byDir[dir] = append(byDir[dir], pf)
	}
	for _, dir := range order {
		d.dirs[dir] = newModuleDir(dir, byDir[dir])
	}
	return nil
}

type parsedFile struct {
	rel   string
	file  *hcl.File
	diags diag.Diagnostics
}

func (d *discovery) parseFile(rel string) *parsedFile {
	pf := &parsedFile{rel: rel}
	src, err := readConfig(filepath.Join(d.root, filepath.FromSlash(rel)))
	if err != nil {
		pf.diags = diag.Errorf(diag.Pos{File: rel}, "read: %s", cleanErr(err, d.root))
		return pf
	}
	if ds := checkNesting(src, rel); ds != nil {
		pf.diags = ds
		return pf
	}
	var hd hcl.Diagnostics
	if strings.HasSuffix(rel, ".json") {
		pf.file, hd = hcljson.Parse(src, rel)
	} else {
		pf.file, hd = hclsyntax.ParseConfig(src, rel, hcl.InitialPos)
	}
	pf.diags = fromHCL(hd)
	// An expression needs at least one source byte per two syntax nodes:
	// smaller files cannot hold one over maxExprNodes.
	if !hd.HasErrors() && pf.file != nil && len(src) >= maxExprNodes/2 {
		pf.diags = append(pf.diags, checkExprSize(pf.file)...)
	}
	return pf
}

// loadDir returns the parsed module in dir, parsing it on demand when the
// walk skipped it (an excluded or hidden directory used as a module source).
//
// The diagnostics are the directory's own (parse and structure errors),
// returned on every call: a module is only valid once its files are.
func (d *discovery) loadDir(dir string) (*moduleDir, diag.Diagnostics) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if m, ok := d.dirs[dir]; ok {
		return m, m.diags
	}
	entries, err := os.ReadDir(filepath.Join(d.root, filepath.FromSlash(dir)))
	if err != nil {
		return nil, diag.Diagnostics{{Severity: diag.Error, Msg: fmt.Sprintf("read module directory %s: %v", dir, err)}}
	}
	var pfs []*parsedFile
	for _, e := range entries {
		if e.Type().IsRegular() && isConfigFile(e.Name()) {
			pfs = append(pfs, d.parseFile(path.Join(dir, e.Name())))
		}
	}
	m := newModuleDir(dir, pfs)
	d.dirs[dir] = m
	return m, m.diags
}

// rootDirs returns the root modules to evaluate, sorted.
func (d *discovery) rootDirs() ([]string, diag.Diagnostics) {
	var ds diag.Diagnostics
	if d.opts.Dirs != nil {
		var roots []string
		for _, dir := range d.opts.Dirs {
			rel := path.Clean(filepath.ToSlash(dir))
			if rel == ".." || strings.HasPrefix(rel, "../") || path.IsAbs(rel) {
				ds = append(ds, diag.Diagnostic{Severity: diag.Error, Msg: fmt.Sprintf("root module %s is outside the repository", dir)})
				continue
			}
			if _, lds := d.loadDir(rel); lds.HasErrors() {
				ds = append(ds, lds...)
				continue
			}
			roots = append(roots, rel)
		}
		sort.Strings(roots)
		return roots, ds
	}
	// A bad source is reported when its directory is evaluated.
	called := map[string]bool{}
	for dir, m := range d.dirs {
		for _, mc := range m.modules {
			if target, local, lds := d.localSource(dir, mc); local && !lds.HasErrors() && target != dir {
				called[target] = true
			}
		}
	}
	var roots []string
	for dir := range d.dirs {
		if !called[dir] && !libraryDir(dir) {
			roots = append(roots, dir)
		}
	}
	sort.Strings(roots)
	return roots, ds
}

// libraryDirNames are the path components of trees that hold reusable
// modules, their examples and their tests rather than deployed roots.
var libraryDirNames = map[string]bool{
	"modules": true, "examples": true, "example": true, "test": true, "tests": true,
	"testdata": true, "test-fixtures": true, "fixtures": true,
}

// libraryDir reports whether dir (slash, relative to the root) lies in a
// library or sample tree: it is never an auto-detected root.
func libraryDir(dir string) bool {
	for _, c := range strings.Split(dir, "/") {
		if libraryDirNames[c] {
			return true
		}
	}
	return false
}

// orphanCycles reports local module calls that form a cycle no root
// reaches: every directory in it is called, so none is a root, and its
// resources would otherwise vanish silently. (Cycles a root reaches are
// reported during evaluation.)
func (d *discovery) orphanCycles(roots []string) diag.Diagnostics {
	edges := func(dir string) []string {
		var out []string
		for _, mc := range d.dirs[dir].modules {
			if target, local, lds := d.localSource(dir, mc); local && !lds.HasErrors() && d.dirs[target] != nil {
				out = append(out, target)
			}
		}
		return out
	}
	reached := map[string]bool{}
	stack := slices.Clone(roots)
	for len(stack) > 0 {
		dir := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if reached[dir] {
			continue
		}
		reached[dir] = true
		stack = append(stack, edges(dir)...)
	}
	var ds diag.Diagnostics
	for _, dir := range slices.Sorted(maps.Keys(d.dirs)) {
		if reached[dir] || libraryDir(dir) {
			continue
		}
		// dir is called (not a root) yet unreachable from every root:
		// report the cycle if it is on one.
		for _, mc := range d.dirs[dir].modules {
			target, local, lds := d.localSource(dir, mc)
			if !local || lds.HasErrors() || d.dirs[target] == nil || !d.reaches(target, dir) {
				continue
			}
			ds = append(ds, diag.Errorf(mc.pos, "module %q: module cycle through %s: no root module calls into it", mc.name, target)...)
			break
		}
	}
	return ds
}

// reaches reports whether from calls to (directly or not) through local
// module calls.
func (d *discovery) reaches(from, to string) bool {
	seen := map[string]bool{}
	stack := []string{from}
	for len(stack) > 0 {
		dir := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if dir == to {
			return true
		}
		if seen[dir] || d.dirs[dir] == nil {
			continue
		}
		seen[dir] = true
		for _, mc := range d.dirs[dir].modules {
			if target, local, lds := d.localSource(dir, mc); local && !lds.HasErrors() {
				stack = append(stack, target)
			}
		}
	}
	return false
}

// localSource resolves a module call's source: local reports whether it is
// a local path ("./…", "../…"); target is then the slash directory relative
// to the root.
func (d *discovery) localSource(dir string, mc *moduleCall) (target string, local bool, ds diag.Diagnostics) {
	src := mc.source
	if !strings.HasPrefix(src, "./") && !strings.HasPrefix(src, "../") && src != "." && src != ".." {
		return "", false, nil
	}
	target = path.Join(dir, src)
	if target == ".." || strings.HasPrefix(target, "../") {
		return "", true, diag.Errorf(mc.sourcePos, "module %q: source %q is outside the repository", mc.name, src)
	}
	real, err := filepath.EvalSymlinks(filepath.Join(d.root, filepath.FromSlash(target)))
	if err != nil {
		return "", true, diag.Errorf(mc.sourcePos, "module %q: source %q: %v", mc.name, src, cleanErr(err, d.root))
	}
	if !inside(d.root, real) {
		return "", true, diag.Errorf(mc.sourcePos, "module %q: source %q resolves outside the repository", mc.name, src)
	}
	return relSlash(d.root, real), true, nil
}

func cleanErr(err error, root string) string {
	return strings.ReplaceAll(err.Error(), root+string(filepath.Separator), "")
}

// evaluate evaluates every root module concurrently and merges the results
// in a deterministic order.
func (d *discovery) evaluate(ctx context.Context, roots []string) (*Inventory, error) {
	results, err := parallel(ctx, roots, d.evaluateRoot)
	if err != nil {
		return nil, err
	}
	inv := &Inventory{Reservations: []Reservation{}, Unresolved: []Unresolved{}}
	var ds diag.Diagnostics
	for _, c := range results {
		c.linkConsumers()
		for _, f := range c.found {
			inv.Reservations = append(inv.Reservations, f.r)
		}
		inv.Unresolved = append(inv.Unresolved, c.unresolved...)
		ds = append(ds, c.diags...)
	}
	if err := dedupe(ds).Err(); err != nil {
		return nil, err
	}
	sortInventory(inv)
	return inv, nil
}

func sortInventory(inv *Inventory) {
	sortByAddress(inv.Reservations, func(r *Reservation) (string, string, int) { return r.Address, r.File, r.Line })
	sortByAddress(inv.Unresolved, func(u *Unresolved) (string, string, int) { return u.Address, u.File, u.Line })
}

// sortByAddress sorts s stably by address, then file, then line.
func sortByAddress[T any](s []T, key func(*T) (addr, file string, line int)) {
	slices.SortStableFunc(s, func(a, b T) int {
		aAddr, aFile, aLine := key(&a)
		bAddr, bFile, bLine := key(&b)
		return cmp.Or(strings.Compare(aAddr, bAddr), strings.Compare(aFile, bFile), cmp.Compare(aLine, bLine))
	})
}

func dedupe(ds diag.Diagnostics) diag.Diagnostics {
	seen := map[string]bool{}
	var out diag.Diagnostics
	for _, d := range ds {
		if k := d.String(); !seen[k] {
			seen[k] = true
			out = append(out, d)
		}
	}
	return out
}

func relSlash(root, p string) string {
	rel, err := filepath.Rel(root, p)
	if err != nil {
		return filepath.ToSlash(p)
	}
	return filepath.ToSlash(rel)
}

// fromHCL converts hcl diagnostics, keeping their ranges. Filenames in hcl
// ranges are already relative to the root.
func fromHCL(hd hcl.Diagnostics) diag.Diagnostics {
	var ds diag.Diagnostics
	for _, h := range hd {
		if h == nil {
			continue
		}
		sev := diag.Error
		if h.Severity == hcl.DiagWarning {
			sev = diag.Warning
		}
		msg := h.Summary
		if h.Detail != "" {
			msg += "; " + h.Detail
		}
		var pos diag.Pos
		if h.Subject != nil {
			pos = rangePos(*h.Subject)
		}
		ds = append(ds, diag.Diagnostic{Pos: pos, Severity: sev, Msg: msg})
	}
	return ds
}

func rangePos(r hcl.Range) diag.Pos {
	return diag.Pos{File: r.Filename, Line: r.Start.Line, Column: r.Start.Column}
}
