// Package terraform owns discovering GPU capacity in Terraform: it walks a
// repository, parses HCL (and .tf.json) with hashicorp/hcl, evaluates
// variables, tfvars, locals, count, for_each, local modules and their
// outputs with the go-cty standard library, and turns GPU-bearing resources
// (capacity reservations, capacity blocks, node groups, cluster node pools,
// instance groups and plain GPU instances) into an inventory.Inventory. `terraform
// show -json` plan files are an exact alternative input (LoadPlanJSON).
//
// Evaluation fails closed: a value that cannot be known statically (a data
// source, a remote module, a resource attribute) becomes an inventory.Unresolved entry
// at its file:line, never a zero count, naming the attribute that decides
// GPUs and why it is unknown; a for_each whose keys are known expands
// whatever unknowns its values hold, as Terraform does. A module call
// whose source is not local is read where `terraform init` installed it
// (the root's .terraform/modules/modules.json, see manifest); without that
// record it is such an entry, whatever its name or inputs.
//
// Every path the repository names (file functions, module sources, var
// files, plan files, symbolic links met while walking) is resolved and
// confined to the repository by internal/repopath: symbolic links are
// followed while they stay inside it, and one that leads out, or loops, is
// an error at the link.
//
// Hostile input is bounded before it can exhaust the stack or memory (file
// size, bracket nesting, expression size, reference depth, instances per
// root: see limits.go), and so is the work of evaluating it (the elements
// for expressions and setproduct build, and the heap and time of the whole
// evaluation: see bound.go); each bound is a positioned error.
package terraform

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	iofs "io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/capcheck/capcheck/inventory"

	"github.com/capcheck/capcheck/evaluator/catalog"
	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/internal/repopath"
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
// input (malformed HCL, a variable without a value, a file function
// escaping the repository) is reported as diag.Diagnostics; values that
// cannot be known statically, and GPU instance, machine or accelerator
// types missing from the catalog, are inventory.Unresolved entries in the
// inventory.
func Discover(ctx context.Context, root string, opts Options) (*inventory.Inventory, error) {
	realRoot, err := repopath.Root(root)
	if err != nil {
		return nil, fmt.Errorf("discover %s: %w", root, err)
	}
	d := &discovery{
		root: realRoot,
		opts: opts,
		cat:  opts.Catalog,
		dirs: map[string]*moduleDir{},

		manifests: map[string]*manifest{},
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
	inv, err := d.evaluate(ctx, roots)
	if err != nil {
		return nil, err
	}
	if d.opts.Dirs == nil {
		inv.Skipped = d.skipped()
	}
	return inv, nil
}

// skipped names, once per tree, the sample and test directories
// (examples/, tests/, fixtures/, …) that would have been root modules
// (no local module call uses them) but are not evaluated by default.
// Uncalled directories under modules/ are left out: a reusable module's
// inputs are its caller's to give.
func (d *discovery) skipped() []inventory.Skipped {
	called := map[string]bool{}
	for dir, m := range d.dirs {
		for _, mc := range m.modules {
			if target, local, lds := d.localSource(dir, mc); local && !lds.HasErrors() && target != dir {
				called[target] = true
			}
		}
	}
	count := map[string]int{}
	for dir := range d.dirs {
		if called[dir] {
			continue
		}
		if tree, ok := sampleTree(dir); ok {
			count[tree]++
		}
	}
	var out []inventory.Skipped
	for _, tree := range slices.Sorted(maps.Keys(count)) {
		out = append(out, inventory.Skipped{Dir: tree, Roots: count[tree],
			Msg: fmt.Sprintf("sample and test configuration is not evaluated by default; name a directory below %s/ in terraform.dirs in capcheck.yaml to evaluate it as a root module", tree)})
	}
	return out
}

// sampleTree returns the tree through the first library path component
// of dir ("examples" for examples/basic, "aws/tests" for aws/tests/e2e)
// when that component names samples or tests rather than modules.
func sampleTree(dir string) (string, bool) {
	parts := strings.Split(dir, "/")
	for i, c := range parts {
		if libraryDirNames[c] {
			return strings.Join(parts[:i+1], "/"), c != "modules"
		}
	}
	return "", false
}

type discovery struct {
	root string // absolute, symlinks resolved
	opts Options
	cat  *catalog.Catalog

	mu   sync.Mutex
	dirs map[string]*moduleDir // by slash path relative to root ("." for root)

	manifestMu sync.Mutex
	manifests  map[string]*manifest // by root module dir
}

// maxLinkedDirs bounds the directories one walk enters through symbolic
// links (at or below a followed link to a directory). Links that fan out
// (two links to b, two in b to c, …) would otherwise multiply the tree
// without ever looping; a tree without links is never bounded. A variable
// so that tests can lower it.
var maxLinkedDirs = 100000

// walk lists the .tf and .tf.json files under the root (slash paths
// relative to it, sorted), skipping hidden and node_modules directories,
// hidden files and excluded paths. Symbolic links are followed, to files
// and to directories alike, while they stay inside the repository; files
// below a linked directory are named by the link's path, as Terraform run
// there would name them. A link that leads out of the repository, that
// cannot be resolved, or that leads back to a directory containing it (a
// loop) is an error at the link.
func (d *discovery) walk(ctx context.Context) ([]string, error) {
	w := &walker{d: d, ctx: ctx}
	if err := w.dir(".", d.root, nil, false); err != nil {
		if ds := (diag.Diagnostics)(nil); errors.As(err, &ds) {
			return nil, err
		}
		return nil, fmt.Errorf("walk %s: %w", d.root, err)
	}
	if err := w.diags.Err(); err != nil {
		return nil, err
	}
	sort.Strings(w.files)
	return w.files, nil
}

type walker struct {
	d     *discovery
	ctx   context.Context
	files []string
	diags diag.Diagnostics
	// linkedDirs counts the directories entered through links.
	linkedDirs int
}

// dir walks the directory rel (slash, relative to the root) whose real
// path is real; linked tells whether a followed link led there. ancestors
// are the real paths of the directories above it on this walk: a link
// back to one of them is a loop.
func (w *walker) dir(rel, real string, ancestors []string, linked bool) error {
	if err := w.ctx.Err(); err != nil {
		return err
	}
	if linked {
		if w.linkedDirs++; w.linkedDirs > maxLinkedDirs {
			return diag.Errorf(diag.Pos{File: rel, Line: 1, Column: 1},
				"more than %d directories reached through symbolic links; exclude some links (terraform.exclude in capcheck.yaml)", maxLinkedDirs)
		}
	}
	entries, err := os.ReadDir(filepath.Join(w.d.root, filepath.FromSlash(rel)))
	if err != nil {
		return err
	}
	ancestors = append(slices.Clip(ancestors), real)
	for _, e := range entries {
		name := e.Name()
		child := path.Join(rel, name)
		if strings.HasPrefix(name, ".") || w.d.excluded(child) {
			continue
		}
		typ, childReal, childLinked := e.Type(), filepath.Join(real, name), linked
		if typ&os.ModeSymlink != 0 {
			childLinked = true
			var ok bool
			var ds diag.Diagnostics
			typ, childReal, ok, ds = w.d.followLink(child, ancestors)
			w.diags = append(w.diags, ds...)
			if !ok {
				continue
			}
		}
		switch {
		case typ.IsDir():
			if name == "node_modules" {
				continue
			}
			if err := w.dir(child, childReal, ancestors, childLinked); err != nil {
				return err
			}
		case typ.IsRegular() && isConfigFile(name):
			w.files = append(w.files, child)
		}
	}
	return nil
}

// followLink resolves the symbolic link at rel (slash, relative to the
// root) and returns the type and real path of what it leads to; ok is
// false when it is not to be read. Only links that would be read matter: a link
// named like a configuration file, or one leading to a directory. Such a
// link that leaves the repository, that cannot be resolved, or (for a
// directory) that leads back to one of ancestors (real paths of the
// directories containing it; nil when directories are not walked) is an
// error at the link's path, line 1, column 1.
func (d *discovery) followLink(rel string, ancestors []string) (typ iofs.FileMode, real string, ok bool, ds diag.Diagnostics) {
	pos := diag.Pos{File: rel, Line: 1, Column: 1}
	full := filepath.Join(d.root, filepath.FromSlash(rel))
	config := isConfigFile(path.Base(rel))
	target, _ := os.Readlink(full)
	real, err := repopath.Resolve(d.root, d.root, filepath.FromSlash(rel))
	if oe := (*repopath.OutsideError)(nil); errors.As(err, &oe) {
		if st, serr := os.Stat(full); config || (serr == nil && st.IsDir() && ancestors != nil) {
			return 0, "", false, diag.Errorf(pos, "symbolic link to %q leads outside the repository: capcheck reads only what is inside it; move the target in, or exclude the link (terraform.exclude in capcheck.yaml)", target)
		}
		return 0, "", false, nil
	}
	if err != nil {
		if config {
			return 0, "", false, diag.Errorf(pos, "symbolic link to %q cannot be read: %v", target, errors.Unwrap(err))
		}
		return 0, "", false, nil
	}
	st, err := os.Stat(real)
	if err != nil {
		if config {
			return 0, "", false, diag.Errorf(pos, "symbolic link to %q cannot be read: %s", target, cleanErr(err, d.root))
		}
		return 0, "", false, nil
	}
	switch {
	case st.IsDir():
		if ancestors == nil {
			return 0, "", false, nil
		}
		if slices.Contains(ancestors, real) {
			return 0, "", false, diag.Errorf(pos, "symbolic link to %q loops: it leads back to %s, which contains it; remove it, or exclude it (terraform.exclude in capcheck.yaml)", target, shownDir(relSlash(d.root, real)))
		}
		return iofs.ModeDir, real, true, nil
	case !st.Mode().IsRegular():
		if config {
			return 0, "", false, diag.Errorf(pos, "symbolic link to %q leads to a %v, not a regular file", target, st.Mode().Type())
		}
		return 0, "", false, nil
	}
	return 0, real, true, nil // a regular file
}

// shownDir names a directory relative to the root in a message.
func shownDir(rel string) string {
	if rel == "." {
		return "the repository root"
	}
	return rel
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
	parsed, err := parallel(ctx, files, func(rel string) *parsedFile { return d.readFile(rel, true) })
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
	// deferred is set, with src, when the file was read but not parsed
	// (see mayHoldCapacity).
	deferred bool
	src      []byte
}

// gpuTypeNames are the resource types whose names a file must contain to
// declare capacity.
var gpuTypeNames = func() [][]byte {
	var out [][]byte
	for t := range handlers {
		out = append(out, []byte(t))
	}
	return out
}()

// mayHoldCapacity is the cheap scan that lets discovery skip parsing a
// file. Capacity comes only from resource blocks of a type in the handler
// table and from module calls. In native syntax a block's type label is
// an identifier or a quoted string, so a file declares a resource of type
// T only if it contains T's bytes, unless a quoted label spells them with
// a \u or \U escape; and it calls a module only if it contains "module".
// A file with none of these bytes therefore declares no capacity and no
// module call. JSON files are always parsed (JSON escapes any byte).
func mayHoldCapacity(rel string, src []byte) bool {
	if strings.HasSuffix(rel, ".json") || bytes.Contains(src, []byte("module")) ||
		bytes.Contains(src, []byte(`\u`)) || bytes.Contains(src, []byte(`\U`)) {
		return true
	}
	for _, t := range gpuTypeNames {
		if bytes.Contains(src, t) {
			return true
		}
	}
	return false
}

// parseFile reads and parses rel. With lazy, a file that cannot hold
// capacity (mayHoldCapacity) is only read, and parsed by parseDeferred
// when its directory is loaded.
func (d *discovery) parseFile(rel string) *parsedFile {
	return d.readFile(rel, false)
}

func (d *discovery) readFile(rel string, lazy bool) *parsedFile {
	pf := &parsedFile{rel: rel}
	src, err := readConfig(filepath.Join(d.root, filepath.FromSlash(rel)))
	if err != nil {
		pf.diags = diag.Errorf(diag.Pos{File: rel}, "read: %s", cleanErr(err, d.root))
		return pf
	}
	if lazy && !mayHoldCapacity(rel, src) {
		pf.deferred, pf.src = true, src
		return pf
	}
	return d.parseSource(pf, src)
}

// parseSource parses the source of pf.
func (d *discovery) parseSource(pf *parsedFile, src []byte) *parsedFile {
	rel := pf.rel
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
	if !hd.HasErrors() {
		meterFile(pf.file)
	}
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
		if len(m.deferred) > 0 {
			m = d.parseDeferred(m)
		}
		return m, m.diags
	}
	entries, err := os.ReadDir(filepath.Join(d.root, filepath.FromSlash(dir)))
	if err != nil {
		return nil, diag.Diagnostics{{Severity: diag.Error, Msg: fmt.Sprintf("read module directory %s: %v", dir, err)}}
	}
	var pfs []*parsedFile
	for _, e := range entries {
		if !isConfigFile(e.Name()) || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		rel := path.Join(dir, e.Name())
		typ := e.Type()
		if typ&os.ModeSymlink != 0 {
			var ok bool
			var ds diag.Diagnostics
			if typ, _, ok, ds = d.followLink(rel, nil); ds != nil {
				pfs = append(pfs, &parsedFile{rel: rel, diags: ds})
			}
			if !ok {
				continue
			}
		}
		if typ.IsRegular() {
			pfs = append(pfs, d.parseFile(rel))
		}
	}
	m := newModuleDir(dir, pfs)
	d.dirs[dir] = m
	return m, m.diags
}

// parseDeferred parses the files of m the scan left unparsed and rebuilds
// the directory. d.mu is held.
func (d *discovery) parseDeferred(m *moduleDir) *moduleDir {
	files := make([]*parsedFile, len(m.files))
	for i, pf := range m.files {
		if pf.deferred {
			pf = d.parseSource(&parsedFile{rel: pf.rel}, pf.src)
		}
		files[i] = pf
	}
	m = newModuleDir(m.dir, files)
	d.dirs[m.dir] = m
	return m
}

// idleRoot reports whether the root module dir has no parsed file because
// none can hold capacity: evaluating it would find nothing.
func (d *discovery) idleRoot(dir string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	m := d.dirs[dir]
	return m != nil && m.idle()
}

// rootDirs returns the root modules to evaluate, sorted.
func (d *discovery) rootDirs() ([]string, diag.Diagnostics) {
	var ds diag.Diagnostics
	if d.opts.Dirs != nil {
		var roots []string
		for _, dir := range d.opts.Dirs {
			rel := path.Clean(filepath.ToSlash(dir))
			if path.IsAbs(rel) {
				ds = append(ds, diag.Diagnostic{Severity: diag.Error, Msg: fmt.Sprintf("root module %s is outside the repository", dir)})
				continue
			}
			if _, err := repopath.Resolve(d.root, d.root, filepath.FromSlash(rel)); err != nil {
				if oe := (*repopath.OutsideError)(nil); errors.As(err, &oe) {
					ds = append(ds, diag.Diagnostic{Severity: diag.Error, Msg: fmt.Sprintf("root module %s %s", dir, oe.Reason())})
					continue
				}
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
	real, err := repopath.Resolve(d.root, d.root, filepath.FromSlash(target))
	if err != nil {
		if oe := (*repopath.OutsideError)(nil); errors.As(err, &oe) {
			return "", true, diag.Errorf(mc.sourcePos, "module %q: source %q %s", mc.name, src, oe.Reason())
		}
		return "", true, diag.Errorf(mc.sourcePos, "module %q: source %q: %v", mc.name, src, cleanErr(err, d.root))
	}
	return relSlash(d.root, real), true, nil
}

func cleanErr(err error, root string) string {
	return strings.ReplaceAll(err.Error(), root+string(filepath.Separator), "")
}

// evaluate evaluates every root module concurrently and merges the results
// in a deterministic order.
func (d *discovery) evaluate(ctx context.Context, roots []string) (*inventory.Inventory, error) {
	results := make([]*collector, len(roots))
	for i := range results {
		results[i] = &collector{}
	}
	// Where the evaluation is, for an error when a bound stops it: the
	// expression the first busy root module is evaluating.
	busy := func() diag.Pos {
		for _, c := range results {
			if p, ok := c.site.at(); ok {
				return p
			}
		}
		return diag.Pos{File: roots[0], Line: 1, Column: 1}
	}
	err := bounded(ctx, busy, func(ctx context.Context) error {
		for _, c := range results {
			c.work = newMeter(ctx)
		}
		idx := make([]int, len(roots))
		for i := range idx {
			idx[i] = i
		}
		_, err := parallel(ctx, idx, func(i int) struct{} {
			d.evaluateRoot(roots[i], results[i])
			return struct{}{}
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	inv := &inventory.Inventory{Reservations: []inventory.Entry{}, Unresolved: []inventory.Unresolved{}}
	var ds diag.Diagnostics
	for i, c := range results {
		c.linkConsumers()
		for _, f := range c.found {
			f.r.Root = roots[i]
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

func sortInventory(inv *inventory.Inventory) {
	sortByAddress(inv.Reservations, func(r *inventory.Entry) (string, string, int) { return r.Address, r.File, r.Line })
	sortByAddress(inv.Unresolved, func(u *inventory.Unresolved) (string, string, int) { return u.Address, u.File, u.Line })
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
		d := diag.Diagnostic{Severity: sev, Msg: msg}
		if h.Subject != nil {
			d.Range = rangeOf(*h.Subject)
		}
		if h.Context != nil {
			d.Context = rangeOf(*h.Context)
		}
		ds = append(ds, d)
	}
	return ds
}

func rangePos(r hcl.Range) diag.Pos { return rangeOf(r).Pos }

// rangeOf is r as a diag.Range: its start and end (HCL's end column is
// exclusive, as diag.Range's is).
func rangeOf(r hcl.Range) diag.Range {
	return diag.Range{Pos: diag.Pos{File: r.Filename, Line: r.Start.Line, Column: r.Start.Column},
		EndLine: r.End.Line, EndColumn: r.End.Column}
}
