// Package kubernetes owns reading the GPU capacity and demand declared in
// Kubernetes manifests: Karpenter NodePools (their nvidia.com/gpu limits,
// capacity types and the EC2NodeClass capacityReservationSelectorTerms
// that bind them to reservations), Kueue ClusterQueues (nominal quota and
// borrowing limit per flavor) and GPU workloads (Deployments,
// StatefulSets, ReplicaSets, Pods, Jobs, CronJobs, LeaderWorkerSets,
// KServe InferenceServices, RayServices, RayClusters, RayJobs, JobSets,
// KEDA ScaledJobs, Kubeflow training jobs: each pod's effective
// accelerator request, sidecars included, × replicas at the autoscaling
// maximum an HPA or KEDA ScaledObject allows; the GPU model of a workload pinned to
// a NodePool, an instance type or a GKE ComputeClass) and GKE
// ComputeClasses (their priorities, reservation affinity and the GPUs a
// node of each launches: computeclass.go). It emits inventory.Entry
// values and nothing of its own (docs/ARCHITECTURE.md, "Packages"); Bind
// matches the NodePools' reservation terms and the ComputeClasses'
// specific reservations to the Terraform reservations of the merged
// inventory.
//
// Manifests are plain multi-document YAML, read with a node API so that
// every entry keeps the file:line:col of its document, and Kustomize
// overlays rendered with sigs.k8s.io/kustomize/api from the files on disk
// (remote bases are never fetched: such an overlay is unresolved). A
// rendered object points at the source document Kustomize's origin
// annotation names. Each overlay is its own tree (Entry.Root), so
// clusters/dev and clusters/prod may hold the same Deployment. Helm charts
// in the repository are rendered with the Helm v4 SDK (helm.go), each
// release its own tree, positions traced back to the template line or
// the values file that set a value.
//
// Fails closed: a GPU workload whose replicas or requests cannot be read,
// a GPU NodePool without a GPU limit, a remote base, a Kustomize
// helmCharts entry, a DaemonSet, an overlapping CronJob, accelerator
// slices and shares (MIG, nvidia.com/gpu.shared, NeuronCores, DRA claims,
// a time-slicing device plugin ConfigMap), a Kueue Cohort's own quota,
// are inventory.Unresolved entries, never zeros.
package kubernetes

import (
	"context"
	"errors"
	"fmt"
	iofs "io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/capcheck/capcheck/evaluator/catalog"
	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/internal/repopath"
	"github.com/capcheck/capcheck/inventory"
)

// Options control discovery.
type Options struct {
	// Dirs are the manifest directories relative to the root (config key
	// kubernetes.dirs). nil means every directory holding Kubernetes YAML:
	// each Kustomize overlay no other kustomization uses as a base is
	// rendered as one tree, and plain YAML outside kustomizations is read
	// file by file.
	Dirs []string
	// Exclude are globs (slash paths relative to the root, or base names)
	// of files and directories to skip.
	Exclude []string
	// Helm are the charts to render with values files (config key
	// kubernetes.helm); a chart found under Dirs that none names is
	// rendered with its default values (helm.go).
	Helm []HelmRelease
	// HelmTimeout bounds the time of one release's render (0: 2 minutes).
	// The render's work is bounded by counting (helm.go); this is the
	// backstop for what counting cannot see: a template string that tpl
	// parses at render time and that loops.
	HelmTimeout time.Duration
	hooks       *renderHooks // tests only
	// Catalog maps instance types to GPUs; nil means catalog.Default().
	Catalog *catalog.Catalog
}

// maxFileSize bounds one manifest file.
const maxFileSize = 8 << 20

// kustomizationNames are the file names Kustomize reads, in its order.
var kustomizationNames = []string{"kustomization.yaml", "kustomization.yml", "Kustomization"}

type discovery struct {
	root string // absolute, symlinks resolved
	opts Options
	cat  *catalog.Catalog

	kust     map[string]string // kustomization dir → its file name
	yamls    []string          // YAML files, slash paths relative to root
	charts   []string          // Helm chart directories found by walk
	docCache map[string][]*object
}

// Discover reads the Kubernetes manifests under root.
func Discover(ctx context.Context, root string, opts Options) (*inventory.Inventory, error) {
	realRoot, err := repopath.Root(root)
	if err != nil {
		return nil, fmt.Errorf("discover %s: %w", root, err)
	}
	d := &discovery{root: realRoot, opts: opts, cat: opts.Catalog, kust: map[string]string{}, docCache: map[string][]*object{}}
	if d.cat == nil {
		d.cat = catalog.Default()
	}
	starts := []string{"."}
	if opts.Dirs != nil {
		starts = nil
		for _, dir := range opts.Dirs {
			clean := path.Clean(filepath.ToSlash(dir))
			if clean == ".." || strings.HasPrefix(clean, "../") || path.IsAbs(clean) {
				return nil, fmt.Errorf("kubernetes.dirs: %s is outside the repository", dir)
			}
			st, err := os.Stat(filepath.Join(realRoot, filepath.FromSlash(clean)))
			if err != nil || !st.IsDir() {
				return nil, fmt.Errorf("kubernetes.dirs: %s: no such directory", dir)
			}
			starts = append(starts, clean)
		}
	}
	for _, s := range starts {
		if err := d.walk(ctx, s); err != nil {
			return nil, err
		}
	}
	slices.Sort(d.yamls)
	d.yamls = slices.Compact(d.yamls)
	return d.read(ctx)
}

// walk lists the YAML files and kustomizations below dir, skipping hidden
// and node_modules directories and excluded paths, and the Helm charts (a
// directory with Chart.yaml, whose templates are not YAML), which are
// rendered instead.
func (d *discovery) walk(ctx context.Context, dir string) error {
	base := filepath.Join(d.root, filepath.FromSlash(dir))
	return filepath.WalkDir(base, func(p string, e iofs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, _ := filepath.Rel(d.root, p)
		rel = filepath.ToSlash(rel)
		name := e.Name()
		if e.IsDir() {
			if rel != "." && rel != dir && (strings.HasPrefix(name, ".") || name == "node_modules") {
				return filepath.SkipDir
			}
			if d.excluded(rel) {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(p, "Chart.yaml")); err == nil {
				d.charts = append(d.charts, rel)
				return filepath.SkipDir
			}
			return nil
		}
		if !e.Type().IsRegular() || strings.HasPrefix(name, ".") || d.excluded(rel) {
			return nil
		}
		if slices.Contains(kustomizationNames, name) {
			if _, ok := d.kust[path.Dir(rel)]; !ok {
				d.kust[path.Dir(rel)] = name
			}
			return nil
		}
		if ext := path.Ext(name); ext == ".yaml" || ext == ".yml" {
			d.yamls = append(d.yamls, rel)
		}
		return nil
	})
}

func (d *discovery) excluded(rel string) bool {
	for _, g := range d.opts.Exclude {
		if ok, _ := path.Match(g, rel); ok {
			return true
		}
		if ok, _ := path.Match(g, path.Base(rel)); ok {
			return true
		}
	}
	return false
}

// kustomization is what a kustomization file refers to.
type kustomization struct {
	dir, file string
	refs      []string // resolved local directories and files
	remote    []string // remote bases, never fetched
	outside   []string // references that leave the repository
	// replicas are its replicas entries: object name → where the count
	// is written; patches its patch files (patches paths and
	// patchesStrategicMerge), slash paths relative to the root.
	replicas map[string]diag.Pos
	patches  []string
	// charts are its helmCharts entries, which Kustomize inflates only
	// with Helm enabled: capcheck renders without them and reports each.
	charts []chartRef
}

// chartRef is a kustomization helmCharts entry and where it is written.
type chartRef struct {
	name, repo string
	pos        diag.Pos
}

func (d *discovery) loadKustomization(dir string) (*kustomization, error) {
	file := path.Join(dir, d.kust[dir])
	data, err := repopath.ReadFile(d.root, d.root, filepath.FromSlash(file), maxFileSize)
	if err != nil {
		return nil, diag.Errorf(diag.Pos{File: file}, "read kustomization: %s", repopath.Reason(err))
	}
	docs, err := parseAny(file, "parse kustomization", data)
	if err != nil {
		return nil, err
	}
	k := &kustomization{dir: dir, file: file, replicas: map[string]diag.Pos{}}
	for _, key := range []string{"patches", "patchesStrategicMerge"} {
		for _, it := range items(get(docs, key)) {
			f := scalar(get(it, "path"))
			if key == "patchesStrategicMerge" {
				f = scalar(it)
			}
			if f != "" && !strings.Contains(f, "\n") {
				if r := path.Clean(path.Join(dir, f)); r != ".." && !strings.HasPrefix(r, "../") && !path.IsAbs(f) {
					k.patches = append(k.patches, r)
				}
			}
		}
	}
	for _, it := range items(get(docs, "helmCharts")) {
		k.charts = append(k.charts, chartRef{name: scalar(get(it, "name")), repo: scalar(get(it, "repo")),
			pos: diag.Pos{File: file, Line: it.Line, Column: it.Column}})
	}
	for _, it := range items(get(docs, "replicas")) {
		if c := get(it, "count"); c != nil && scalar(get(it, "name")) != "" {
			k.replicas[scalar(get(it, "name"))] = diag.Pos{File: file, Line: c.Line, Column: c.Column}
		}
	}
	for _, key := range []string{"resources", "bases", "components"} {
		for _, it := range items(get(docs, key)) {
			ref := scalar(it)
			switch {
			case ref == "":
			case strings.Contains(ref, "://") || strings.HasPrefix(ref, "github.com/") || strings.HasPrefix(ref, "git@") || strings.Contains(ref, "?ref="):
				k.remote = append(k.remote, ref)
			default:
				r := path.Clean(path.Join(dir, ref))
				if r == ".." || strings.HasPrefix(r, "../") || path.IsAbs(ref) {
					k.outside = append(k.outside, ref)
					continue
				}
				k.refs = append(k.refs, r)
			}
		}
	}
	return k, nil
}

// read renders the overlays, reads the plain YAML and extracts entries.
func (d *discovery) read(ctx context.Context) (*inventory.Inventory, error) {
	var ds diag.Diagnostics
	kusts := map[string]*kustomization{}
	for _, dir := range sortedKeys(d.kust) {
		k, err := d.loadKustomization(dir)
		if err != nil {
			ds = appendErr(ds, err)
			continue
		}
		kusts[dir] = k
	}
	referenced := map[string]bool{}
	consumed := map[string]bool{}
	for _, k := range kusts {
		for _, r := range k.refs {
			if _, ok := d.kust[r]; ok {
				referenced[r] = true
			} else {
				consumed[r] = true
			}
		}
	}

	inv := &inventory.Inventory{}
	var objs []*object
	for _, dir := range sortedKeys(kusts) {
		if referenced[dir] {
			continue
		}
		k := kusts[dir]
		if remote, outside := d.reach(kusts, dir); len(remote)+len(outside) > 0 {
			if len(outside) > 0 {
				ds = append(ds, diag.Diagnostic{Range: diag.Pos{File: k.file, Line: 1, Column: 1}.Range(), Severity: diag.Error,
					Msg: fmt.Sprintf("kustomization %s refers to %s, outside the repository", dir, outside[0])})
				continue
			}
			inv.Unresolved = append(inv.Unresolved, inventory.Unresolved{Address: "Kustomization/" + dir, Range: diag.Range{Pos: diag.Pos{File: k.file, Line: 1, Column: 1}},
				Msg: fmt.Sprintf("overlay %s uses remote base %s, which capcheck does not fetch; vendor it into the repository", dir, remote[0])})
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		chain := d.chain(kusts, dir)
		for _, kz := range chain {
			for _, c := range kz.charts {
				from := ""
				if c.repo != "" {
					from = " from " + c.repo
				}
				inv.Unresolved = append(inv.Unresolved, inventory.Unresolved{Address: "Kustomization/" + dir, Range: c.pos.Range(),
					Msg: fmt.Sprintf("overlay %s inflates Helm chart %s%s (helmCharts in %s), which capcheck does not render through Kustomize: its objects are not counted; vendor the chart and name it under kubernetes.helm", dir, cmpOr(c.name, "(unnamed)"), from, kz.file)})
			}
		}
		rendered, err := d.render(k, chain)
		if err != nil {
			ds = appendErr(ds, err)
			continue
		}
		objs = append(objs, rendered...)
	}
	for _, f := range d.yamls {
		if consumed[f] || d.inKustomization(f) {
			continue
		}
		docs, err := d.docs(f)
		if err != nil {
			ds = appendErr(ds, err)
			continue
		}
		for _, o := range docs {
			c := *o
			c.tree = d.plainTree(f)
			objs = append(objs, &c)
		}
	}
	releases, trees, err := d.releases()
	if err != nil {
		ds = appendErr(ds, err)
	}
	for i, r := range releases {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rendered, skipped, err := d.renderHelm(ctx, r, trees[i])
		switch {
		case err != nil:
			ds = appendErr(ds, err)
		case skipped != nil:
			inv.Skipped = append(inv.Skipped, *skipped)
		}
		objs = append(objs, rendered...)
	}
	if err := ds.Err(); err != nil {
		return nil, err
	}
	x := &extractor{cat: d.cat}
	x.run(objs)
	inv.Reservations = append(inv.Reservations, x.entries...)
	inv.Unresolved = append(inv.Unresolved, x.unresolved...)
	return inv, nil
}

// reach returns the remote and outside references of dir and every
// kustomization it uses.
func (d *discovery) reach(kusts map[string]*kustomization, dir string) (remote, outside []string) {
	seen := map[string]bool{}
	var visit func(string)
	visit = func(dir string) {
		k, ok := kusts[dir]
		if !ok || seen[dir] {
			return
		}
		seen[dir] = true
		remote = append(remote, k.remote...)
		outside = append(outside, k.outside...)
		for _, r := range k.refs {
			visit(r)
		}
	}
	visit(dir)
	return remote, outside
}

// chain is dir's kustomization and every one it uses, top first (each
// once): the order in which their replicas entries win.
func (d *discovery) chain(kusts map[string]*kustomization, dir string) []*kustomization {
	seen := map[string]bool{}
	var out []*kustomization
	var visit func(string)
	visit = func(dir string) {
		k, ok := kusts[dir]
		if !ok || seen[dir] {
			return
		}
		seen[dir] = true
		out = append(out, k)
		for _, r := range k.refs {
			visit(r)
		}
	}
	visit(dir)
	return out
}

// plainTree is the tree of a plain YAML file: the kubernetes.dirs entry
// it was found under ("." by default), so that an HPA or a NodePool in
// one file applies to a workload in another, as in one kubectl apply.
func (d *discovery) plainTree(f string) string {
	best := "."
	for _, dir := range d.opts.Dirs {
		dir = path.Clean(filepath.ToSlash(dir))
		if (dir == "." || f == dir || strings.HasPrefix(f, dir+"/")) && len(dir) > len(best) {
			best = dir
		}
	}
	return best
}

// inKustomization reports whether f sits in or below a kustomization
// directory: its resources and patches are read through the overlay.
func (d *discovery) inKustomization(f string) bool {
	for dir := path.Dir(f); ; dir = path.Dir(dir) {
		if _, ok := d.kust[dir]; ok {
			return true
		}
		if dir == "." || dir == "/" {
			return false
		}
	}
}

// docs parses the Kubernetes documents of f (cached).
func (d *discovery) docs(f string) ([]*object, error) {
	if docs, ok := d.docCache[f]; ok {
		return docs, nil
	}
	data, err := repopath.ReadFile(d.root, d.root, filepath.FromSlash(f), maxFileSize)
	if err != nil {
		return nil, diag.Errorf(diag.Pos{File: f}, "read manifest: %s", repopath.Reason(err))
	}
	docs, err := parseDocs(f, data)
	if err != nil {
		return nil, err
	}
	d.docCache[f] = docs
	return docs, nil
}

func appendErr(ds diag.Diagnostics, err error) diag.Diagnostics {
	var more diag.Diagnostics
	if errors.As(err, &more) {
		return append(ds, more...)
	}
	return append(ds, diag.Diagnostic{Severity: diag.Error, Msg: err.Error()})
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
