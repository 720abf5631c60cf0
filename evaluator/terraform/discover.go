// Package terraform owns discovering GPU capacity in Terraform: it walks a
// repository, parses HCL (and .tf.json) with hashicorp/hcl, evaluates
// variables, tfvars, locals, count, for_each and local modules with the
// go-cty standard library, and turns GPU-bearing resources (capacity
// reservations, capacity blocks, node groups) into an Inventory. `terraform
// show -json` plan files are an exact alternative input (LoadPlanJSON).
//
// Evaluation fails closed: a value that cannot be known statically (a data
// source, a remote module, a resource attribute) becomes an Unresolved entry
// at its file:line, never a zero count.
package terraform

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"runtime"
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
	// auto-detect (directories with .tf files that no local module call in
	// another directory uses as its source).
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

// parseAll parses files concurrently (a bounded pool of GOMAXPROCS
// workers) and assembles one moduleDir per directory in file order.
func (d *discovery) parseAll(ctx context.Context, files []string) error {
	parsed := make([]*parsedFile, len(files))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range max(1, min(runtime.GOMAXPROCS(0), len(files))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				parsed[i] = d.parseFile(files[i])
			}
		}()
	}
	for i := range files {
		if ctx.Err() != nil {
			break
		}
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	var ds diag.Diagnostics
	byDir := map[string][]*parsedFile{}
	var order []string
	for _, pf := range parsed {
		ds = append(ds, pf.diags...)
		dir := path.Dir(pf.rel)
		if _, ok := byDir[dir]; !ok {
			order = append(order, dir)
		}
		byDir[dir] = append(byDir[dir], pf)
	}
	if err := ds.Err(); err != nil {
		return err
	}
	for _, dir := range order {
		m, mds := newModuleDir(dir, byDir[dir])
		ds = append(ds, mds...)
		d.dirs[dir] = m
	}
	return ds.Err()
}

type parsedFile struct {
	rel   string
	file  *hcl.File
	diags diag.Diagnostics
}

func (d *discovery) parseFile(rel string) *parsedFile {
	pf := &parsedFile{rel: rel}
	src, err := os.ReadFile(filepath.Join(d.root, filepath.FromSlash(rel)))
	if err != nil {
		pf.diags = diag.Errorf(diag.Pos{File: rel}, "read: %v", err)
		return pf
	}
	var hd hcl.Diagnostics
	if strings.HasSuffix(rel, ".json") {
		pf.file, hd = hcljson.Parse(src, rel)
	} else {
		pf.file, hd = hclsyntax.ParseConfig(src, rel, hcl.InitialPos)
	}
	pf.diags = fromHCL(hd)
	return pf
}

// loadDir returns the parsed module in dir, parsing it on demand when the
// walk skipped it (an excluded or hidden directory used as a module source).
func (d *discovery) loadDir(dir string) (*moduleDir, diag.Diagnostics) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if m, ok := d.dirs[dir]; ok {
		return m, nil
	}
	entries, err := os.ReadDir(filepath.Join(d.root, filepath.FromSlash(dir)))
	if err != nil {
		return nil, diag.Diagnostics{{Severity: diag.Error, Msg: fmt.Sprintf("read module directory %s: %v", dir, err)}}
	}
	var pfs []*parsedFile
	var ds diag.Diagnostics
	for _, e := range entries {
		if e.Type().IsRegular() && isConfigFile(e.Name()) {
			pf := d.parseFile(path.Join(dir, e.Name()))
			ds = append(ds, pf.diags...)
			pfs = append(pfs, pf)
		}
	}
	if ds.HasErrors() {
		return nil, ds
	}
	m, mds := newModuleDir(dir, pfs)
	d.dirs[dir] = m
	return m, mds
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
			if _, err := d.loadDir(rel); err != nil {
				ds = append(ds, err...)
				continue
			}
			roots = append(roots, rel)
		}
		sort.Strings(roots)
		return roots, ds
	}
	called := map[string]bool{}
	for dir, m := range d.dirs {
		for _, mc := range m.modules {
			target, local, err := d.localSource(dir, mc)
			if err != nil {
				ds = append(ds, err...)
				continue
			}
			if local && target != dir {
				called[target] = true
			}
		}
	}
	var roots []string
	for dir := range d.dirs {
		if !called[dir] {
			roots = append(roots, dir)
		}
	}
	sort.Strings(roots)
	return roots, ds
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
	results := make([]*collector, len(roots))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range max(1, min(runtime.GOMAXPROCS(0), len(roots))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				results[i] = d.evaluateRoot(roots[i])
			}
		}()
	}
	for i := range roots {
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
	sort.SliceStable(inv.Reservations, func(i, j int) bool {
		a, b := inv.Reservations[i], inv.Reservations[j]
		if a.Address != b.Address {
			return a.Address < b.Address
		}
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Line < b.Line
	})
	sort.SliceStable(inv.Unresolved, func(i, j int) bool {
		a, b := inv.Unresolved[i], inv.Unresolved[j]
		if a.Address != b.Address {
			return a.Address < b.Address
		}
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Line < b.Line
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
