package kubernetes

// Helm charts are rendered with the Helm v4 SDK (helm.sh/helm/v4: the
// chart loader, dependency processing and template engine that `helm
// template` uses), from files in the repository only:
//
//   - a chart is read from its directory with its .helmignore, every file
//     (symbolic links included) confined to the repository;
//   - each dependency Chart.yaml lists must be vendored in the chart's
//     charts/ directory (`helm dependency build`, committed): one that is
//     not is an error at its Chart.yaml entry, never a fetch;
//   - values.schema.json is not validated (Helm's validator follows
//     remote and file references), `lookup` returns nothing (no cluster)
//     and `getHostByName` returns "" (no DNS), as in `helm template`.
//
// Rendering is bounded: the list generators (until, untilStep, seq) and
// repeat share one budget per release; the heap the render grows is
// watched (internal/heapwatch); the rendered output is bounded; nested
// include and template calls are bounded by Helm (1,000 of one name) and
// Go (100,000 deep). A render that loops without allocating is stopped by
// a wall-clock backstop (helmBackstop), the one bound that is not
// deterministic.
//
// The rendered manifests go through the decoder every manifest does
// (parseDocs) and the same extractor. Positions: each rendered line is
// aligned with the template line it came from (by its literal text, a
// line an action wrote going to that action's line); a field whose value
// a template line takes from .Values (directly, or inside a toYaml block)
// points at the values file that set it, the last of the release's values
// files first, then the chart's values.yaml; anything else at its
// template line, or the template file:1:1 where no line is found (a
// chart packaged as .tgz under charts/ points at the archive).

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/Masterminds/sprig/v3"
	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/internal/heapwatch"
	"github.com/capcheck/capcheck/internal/repopath"
	"github.com/capcheck/capcheck/inventory"
	"go.yaml.in/yaml/v3"
	"helm.sh/helm/v4/pkg/chart/common"
	commonutil "helm.sh/helm/v4/pkg/chart/common/util"
	"helm.sh/helm/v4/pkg/chart/loader/archive"
	helmchart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	chartutil "helm.sh/helm/v4/pkg/chart/v2/util"
	"helm.sh/helm/v4/pkg/engine"
	"helm.sh/helm/v4/pkg/ignore"
)

// HelmRelease is a Helm chart the repository renders: an entry of
// kubernetes.helm in capcheck.yaml, or a chart found under
// kubernetes.dirs that no entry names (rendered with its default values,
// the release named after the chart, in namespace "default").
type HelmRelease struct {
	// Chart is the chart directory, a slash path relative to the root.
	Chart string
	// Values are values files, slash paths relative to the root, applied
	// in order over the chart's values.yaml (helm template -f a -f b).
	Values []string
	// Release is the release name (default: the chart's name); Namespace
	// the release namespace (default "default"), which the rendered
	// namespaced objects without one are in.
	Release, Namespace string
	// At is where the entry is written in capcheck.yaml, ValuesAt where
	// each values file is named (for errors); zero for a found chart.
	At       diag.Pos
	ValuesAt []diag.Pos
}

// Bounds of one release's render.
const (
	maxChartBytes = 64 << 20  // every file of a chart, its subcharts included
	maxRendered   = 32 << 20  // the rendered output, repeat's strings included
	maxListItems  = 1_000_000 // the elements until, untilStep and seq make, added up
	helmHeapBound = 512 << 20 // heap growth while rendering
	helmBackstop  = 2 * time.Minute
)

// clusterScoped are the kinds the extractor reads that have no namespace:
// they stay without the release namespace.
var clusterScoped = map[string]bool{"NodePool": true, "EC2NodeClass": true, "ClusterQueue": true, "ResourceFlavor": true, "ComputeClass": true, "Namespace": true}

// releases are the Helm releases to render: every configured one, then
// every chart found on disk that none names, each with its tree (the
// chart directory; with "#release" when a chart is named more than once).
func (d *discovery) releases() ([]HelmRelease, []string, error) {
	var ds diag.Diagnostics
	named := map[string]int{}
	var out []HelmRelease
	for _, r := range d.opts.Helm {
		at := r.At
		if !at.IsValid() {
			at = diag.Pos{File: "capcheck.yaml", Line: 1, Column: 1}
		}
		clean := path.Clean(filepath.ToSlash(r.Chart))
		if clean == ".." || strings.HasPrefix(clean, "../") || path.IsAbs(clean) {
			ds = append(ds, diag.Errorf(at, "kubernetes.helm: chart %s is outside the repository", r.Chart)...)
			continue
		}
		if _, err := repopath.Resolve(d.root, d.root, filepath.FromSlash(path.Join(clean, "Chart.yaml"))); err != nil {
			ds = append(ds, diag.Errorf(at, "kubernetes.helm: %s is not a Helm chart (no Chart.yaml: %s)", r.Chart, repopath.Reason(err))...)
			continue
		}
		r.Chart = clean
		named[clean]++
		out = append(out, r)
	}
	for _, c := range d.charts {
		if named[c] == 0 {
			out = append(out, HelmRelease{Chart: c})
		}
	}
	trees := make([]string, len(out))
	for i, r := range out {
		trees[i] = r.Chart
		if named[r.Chart] > 1 {
			trees[i] = r.Chart + "#" + r.Release
		}
	}
	return out, trees, ds.Err()
}

// helmChart is a loaded chart and where its parts are on disk.
type helmChart struct {
	dir  string // chart directory, relative to the root
	c    *helmchart.Chart
	dirs map[string]string // chart full path (as in template names) → its directory or archive
}

// renderHelm renders one release and returns its objects.
func (d *discovery) renderHelm(ctx context.Context, r HelmRelease, tree string) ([]*object, *inventory.Skipped, error) {
	hc, err := d.loadChart(r.Chart)
	if err != nil {
		return nil, nil, err
	}
	ch := hc.c
	chartFile := path.Join(r.Chart, "Chart.yaml")
	if ch.Metadata.Type == "library" {
		if r.At.IsValid() {
			return nil, nil, diag.Errorf(r.At, "kubernetes.helm: %s is a library chart, which renders no manifests", r.Chart)
		}
		return nil, &inventory.Skipped{Dir: r.Chart, Roots: 1, Msg: "library chart: it renders no manifests of its own"}, nil
	}
	if r.Release == "" {
		r.Release = ch.Name()
	}
	if r.Namespace == "" {
		r.Namespace = "default"
	}

	// Values: the files in order, each over the last (helm's -f).
	vals := map[string]any{}
	var sources []valuesSource
	for i, f := range r.Values {
		at := r.At
		if i < len(r.ValuesAt) && r.ValuesAt[i].IsValid() {
			at = r.ValuesAt[i]
		}
		clean := path.Clean(filepath.ToSlash(f))
		data, err := repopath.ReadFile(d.root, d.root, filepath.FromSlash(clean), maxFileSize)
		if err != nil {
			return nil, nil, diag.Errorf(at, "kubernetes.helm: values file %s: %s", f, repopath.Reason(err))
		}
		v, err := loader.LoadValues(bytes.NewReader(data))
		if err != nil {
			return nil, nil, yamlError(clean, "parse Helm values", err)
		}
		vals = loader.MergeMaps(vals, v)
		n, _ := parseAny(clean, "parse Helm values", data)
		sources = append(sources, valuesSource{file: clean, n: n})
	}
	slices.Reverse(sources) // the last file wins

	if err := chartutil.ProcessDependencies(ch, vals); err != nil {
		return nil, nil, diag.Errorf(diag.Pos{File: chartFile, Line: 1, Column: 1}, "render Helm chart %s: %v", r.Chart, err)
	}
	top, err := commonutil.ToRenderValuesWithSchemaValidation(ch, vals,
		common.ReleaseOptions{Name: r.Release, Namespace: r.Namespace, Revision: 1, IsInstall: true}, nil, true)
	if err != nil {
		return nil, nil, diag.Errorf(diag.Pos{File: chartFile, Line: 1, Column: 1}, "render Helm chart %s: %v", r.Chart, err)
	}

	b := &renderBudget{}
	e := engine.Engine{CustomTemplateFuncs: b.funcs()}
	var rendered map[string]string
	rctx, cancel := context.WithTimeoutCause(ctx, helmBackstop, errBackstop)
	defer cancel()
	err = heapwatch.Run(rctx, heapwatch.Grown(helmHeapBound), func(ctx context.Context) error {
		out, err := e.RenderWithContext(ctx, ch, top)
		if err == nil {
			rendered = out
		}
		return err
	})
	if err != nil {
		return nil, nil, hc.renderError(err)
	}
	total := 0
	for _, s := range rendered {
		total += len(s)
	}
	if total > maxRendered {
		return nil, nil, diag.Errorf(diag.Pos{File: chartFile, Line: 1, Column: 1}, "render Helm chart %s: the rendered manifests exceed %d MiB", r.Chart, maxRendered>>20)
	}

	sources = append(sources, hc.valuesFiles()...)
	var out []*object
	for _, name := range sortedKeys(rendered) {
		text := rendered[name]
		if strings.HasSuffix(name, "NOTES.txt") || strings.TrimSpace(text) == "" {
			continue
		}
		file, inDir := hc.file(name)
		t := &helmTemplate{file: file, chartPath: path.Dir(path.Dir(name)), rel: hc, sources: sources}
		if inDir {
			t.lines = strings.Split(hc.source(name), "\n")
			t.lineOf = alignLines(t.lines, strings.Split(text, "\n"))
		}
		docs, err := parseDocs(file, []byte(text))
		if err != nil {
			var ds diag.Diagnostics
			if errors.As(err, &ds) && len(ds) == 1 {
				return nil, nil, diag.Errorf(t.at(ds[0].Pos.Line), "render Helm chart %s: %s: %s", r.Chart, name, strings.TrimPrefix(ds[0].Msg, "parse Kubernetes YAML: "))
			}
			return nil, nil, err
		}
		for _, o := range docs {
			o.tree, o.helm = tree, t
			if o.namespace == "" && !clusterScoped[o.kind] {
				o.namespace = r.Namespace
			}
			o.pos = t.pos(o.n, nil)
			out = append(out, o)
		}
	}
	return out, nil, nil
}

var errBackstop = errors.New("rendering did not finish within the time bound")

// loadChart reads the chart in dir (relative to the root) and checks that
// its dependencies are vendored.
func (d *discovery) loadChart(dir string) (*helmChart, error) {
	files, err := d.chartFiles(dir)
	if err != nil {
		return nil, err
	}
	chartFile := path.Join(dir, "Chart.yaml")
	c, err := loader.LoadFiles(files)
	if err != nil {
		return nil, yamlError(chartFile, "load Helm chart "+dir, err)
	}
	hc := &helmChart{dir: dir, c: c, dirs: map[string]string{}}
	if err := hc.mapDirs(c, dir, files); err != nil {
		return nil, err
	}
	return hc, nil
}

// mapDirs records where c and its subcharts are, and checks that every
// dependency c's Chart.yaml lists is there.
func (hc *helmChart) mapDirs(c *helmchart.Chart, dir string, files []*archive.BufferedFile) error {
	hc.dirs[c.ChartFullPath()] = dir
	chartFile := path.Join(dir, "Chart.yaml")
	var doc *yaml.Node
	for _, f := range files {
		if f.Name == "Chart.yaml" {
			doc, _ = parseAny(chartFile, "parse Chart.yaml", f.Data)
		}
	}
	deps := items(get(doc, "dependencies"))
	for i, dep := range c.Metadata.Dependencies {
		var sub *helmchart.Chart
		for _, s := range c.Dependencies() {
			if s.Name() == dep.Name {
				sub = s
			}
		}
		if sub != nil {
			continue
		}
		at := diag.Pos{File: chartFile, Line: 1, Column: 1}
		if i < len(deps) {
			at = diag.Pos{File: chartFile, Line: deps[i].Line, Column: deps[i].Column}
			if n := get(deps[i], "repository"); n != nil && dep.Repository != "" && !strings.HasPrefix(dep.Repository, "file://") {
				at = diag.Pos{File: chartFile, Line: n.Line, Column: n.Column}
			}
		}
		how := "capcheck does not fetch charts: run helm dependency build and commit " + path.Join(dir, "charts")
		if dep.Repository != "" && !strings.HasPrefix(dep.Repository, "file://") {
			return diag.Errorf(at, "Helm chart %s: dependency %s comes from %s, which would need the network; %s", dir, dep.Name, dep.Repository, how)
		}
		return diag.Errorf(at, "Helm chart %s: dependency %s is not in %s; %s", dir, dep.Name, path.Join(dir, "charts"), how)
	}
	// Subchart directories under charts/: their Chart.yaml names them.
	for _, s := range c.Dependencies() {
		sub, subFiles := "", []*archive.BufferedFile(nil)
		for _, f := range files {
			rest, ok := strings.CutPrefix(f.Name, "charts/")
			if !ok {
				continue
			}
			name, inner, ok := strings.Cut(rest, "/")
			if !ok {
				if strings.HasSuffix(name, ".tgz") && strings.HasPrefix(name, s.Name()) && sub == "" {
					hc.dirs[s.ChartFullPath()] = path.Join(dir, "charts", name)
				}
				continue
			}
			if inner == "Chart.yaml" {
				var m struct{ Name string }
				if yaml.Unmarshal(f.Data, &m) == nil && m.Name == s.Name() {
					sub = name
				}
			}
		}
		if sub == "" {
			continue
		}
		for _, f := range files {
			if inner, ok := strings.CutPrefix(f.Name, "charts/"+sub+"/"); ok {
				subFiles = append(subFiles, &archive.BufferedFile{Name: inner, Data: f.Data})
			}
		}
		if err := hc.mapDirs(s, path.Join(dir, "charts", sub), subFiles); err != nil {
			return err
		}
	}
	return nil
}

// chartFiles reads the files of the chart in dir as Helm's directory
// loader does (.helmignore and its defaults), every file confined to the
// repository and the whole bounded.
func (d *discovery) chartFiles(dir string) ([]*archive.BufferedFile, error) {
	rules := ignore.Empty()
	if data, err := repopath.ReadFile(d.root, d.root, filepath.FromSlash(path.Join(dir, ignore.HelmIgnore)), maxFileSize); err == nil {
		if rules, err = ignore.Parse(bytes.NewReader(data)); err != nil {
			return nil, diag.Errorf(diag.Pos{File: path.Join(dir, ignore.HelmIgnore), Line: 1, Column: 1}, "read Helm chart %s: %v", dir, err)
		}
	}
	rules.AddDefaults()
	var files []*archive.BufferedFile
	total := int64(0)
	seen := map[string]bool{}
	var walk func(rel string) error
	walk = func(rel string) error {
		real, err := repopath.Resolve(d.root, d.root, filepath.FromSlash(path.Join(dir, rel)))
		if err != nil {
			return diag.Errorf(diag.Pos{File: path.Join(dir, rel), Line: 1, Column: 1}, "read Helm chart %s: %s", dir, repopath.Reason(err))
		}
		if seen[real] {
			return diag.Errorf(diag.Pos{File: path.Join(dir, rel), Line: 1, Column: 1}, "read Helm chart %s: symbolic link loop", dir)
		}
		seen[real] = true
		defer delete(seen, real)
		entries, err := os.ReadDir(real)
		if err != nil {
			return diag.Errorf(diag.Pos{File: path.Join(dir, rel), Line: 1, Column: 1}, "read Helm chart %s: %s", dir, repopath.Reason(err))
		}
		for _, e := range entries {
			name := path.Join(rel, e.Name())
			full := path.Join(dir, name)
			p, err := repopath.Resolve(d.root, d.root, filepath.FromSlash(full))
			if err != nil {
				return diag.Errorf(diag.Pos{File: full, Line: 1, Column: 1}, "read Helm chart %s: %s", dir, repopath.Reason(err))
			}
			fi, err := os.Stat(p)
			if err != nil {
				return diag.Errorf(diag.Pos{File: full, Line: 1, Column: 1}, "read Helm chart %s: %s", dir, repopath.Reason(err))
			}
			if rules.Ignore(name, fi) {
				continue
			}
			if fi.IsDir() {
				if err := walk(name); err != nil {
					return err
				}
				continue
			}
			if total += fi.Size(); total > maxChartBytes {
				return diag.Errorf(diag.Pos{File: path.Join(dir, "Chart.yaml"), Line: 1, Column: 1}, "read Helm chart %s: its files exceed %d MiB", dir, maxChartBytes>>20)
			}
			data, err := repopath.ReadFile(d.root, d.root, filepath.FromSlash(full), maxFileSize)
			if err != nil {
				return diag.Errorf(diag.Pos{File: full, Line: 1, Column: 1}, "read Helm chart %s: %s", dir, repopath.Reason(err))
			}
			files = append(files, &archive.BufferedFile{Name: name, Data: bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))})
		}
		return nil
	}
	if err := walk(""); err != nil {
		return nil, err
	}
	return files, nil
}

// file is the repository path of the template a rendered name (chart
// full path/templates/…) comes from, and whether it is a file on disk
// (false: inside a packaged subchart, the archive's path).
func (hc *helmChart) file(name string) (string, bool) {
	for p := path.Dir(name); p != "." && p != "/"; p = path.Dir(p) {
		if dir, ok := hc.dirs[p]; ok {
			if strings.HasSuffix(dir, ".tgz") {
				return dir, false
			}
			return path.Join(dir, strings.TrimPrefix(name, p+"/")), true
		}
	}
	return path.Join(hc.dir, "Chart.yaml"), false
}

// source is the text of the template named name.
func (hc *helmChart) source(name string) string {
	var find func(c *helmchart.Chart) string
	find = func(c *helmchart.Chart) string {
		for _, t := range c.Templates {
			if path.Join(c.ChartFullPath(), t.Name) == name {
				return string(t.Data)
			}
		}
		for _, s := range c.Dependencies() {
			if t := find(s); t != "" {
				return t
			}
		}
		return ""
	}
	return find(hc.c)
}

// valuesFiles are the values.yaml files of the chart and its subcharts on
// disk, each with the chart path its values are scoped under.
func (hc *helmChart) valuesFiles() []valuesSource {
	var out []valuesSource
	for _, full := range sortedKeys(hc.dirs) {
		dir := hc.dirs[full]
		if strings.HasSuffix(dir, ".tgz") {
			continue
		}
		var c *helmchart.Chart
		var find func(*helmchart.Chart)
		find = func(x *helmchart.Chart) {
			if x.ChartFullPath() == full {
				c = x
			}
			for _, s := range x.Dependencies() {
				find(s)
			}
		}
		find(hc.c)
		if c == nil {
			continue
		}
		for _, f := range c.Raw {
			if f.Name == "values.yaml" {
				file := path.Join(dir, "values.yaml")
				if n, err := parseAny(file, "parse Helm values", f.Data); err == nil {
					out = append(out, valuesSource{file: file, n: n, scope: full})
				}
			}
		}
	}
	// Deeper charts' defaults are the weakest.
	slices.SortStableFunc(out, func(a, b valuesSource) int { return strings.Count(a.scope, "/") - strings.Count(b.scope, "/") })
	return out
}

// renderError positions an error of Helm's engine at the template line it
// names.
func (hc *helmChart) renderError(err error) error {
	chartPos := diag.Pos{File: path.Join(hc.dir, "Chart.yaml"), Line: 1, Column: 1}
	switch {
	case errors.Is(err, heapwatch.ErrMemory):
		return diag.Errorf(chartPos, "render Helm chart %s: stopped: %v (%d MiB)", hc.dir, err, helmHeapBound>>20)
	case errors.Is(err, errBackstop):
		return diag.Errorf(chartPos, "render Helm chart %s: stopped: %v (%s)", hc.dir, err, helmBackstop)
	}
	msg := err.Error()
	pos := chartPos
	// The last location is the innermost: where the failing action is
	// (inside the helper an include called, for example); the message is
	// what follows it.
	if all := templateLocRE.FindAllStringSubmatchIndex(msg, -1); all != nil {
		m := all[len(all)-1]
		name := msg[m[2]:m[3]]
		file, _ := hc.file(name)
		pos = diag.Pos{File: file}
		pos.Line, _ = strconv.Atoi(msg[m[4]:m[5]])
		if m[6] >= 0 {
			pos.Column, _ = strconv.Atoi(msg[m[6]:m[7]])
		}
		rest := strings.TrimLeft(msg[m[1]:], "): \n\t")
		if strings.HasPrefix(msg, "parse error") {
			rest = "parse error: " + rest
		}
		msg = rest
	}
	msg = strings.Join(strings.Fields(msg), " ")
	return diag.Errorf(pos, "render Helm chart %s: %s", hc.dir, msg)
}

// templateLocRE finds the first template location in an engine error:
// chart/templates/x.yaml:12 or :12:3.
var templateLocRE = regexp.MustCompile(`([A-Za-z0-9_.\-]+(?:/[A-Za-z0-9_.\-]+)*/templates/[^\s:()"]+):(\d+)(?::(\d+))?`)

// yamlError positions a YAML error Helm's loader returns ("yaml: line N:
// …", possibly wrapped) at file:N.
func yamlError(file, what string, err error) error {
	msg := err.Error()
	pos := diag.Pos{File: file, Line: 1, Column: 1}
	if m := yamlAnyLineRE.FindStringSubmatch(msg); m != nil {
		pos.Line, _ = strconv.Atoi(m[1])
		pos.Column = 0
	}
	return diag.Errorf(pos, "%s: %s", what, msg)
}

var yamlAnyLineRE = regexp.MustCompile(`line (\d+)`)

// renderBudget bounds the template functions that make work out of a
// number: until, untilStep and seq (the elements they make, added up, at
// most maxListItems) and repeat (the bytes, with the rendered output
// bound). Each is Sprig's own, called once the budget allows it.
type renderBudget struct {
	items int
}

var errBudget = fmt.Errorf("the template makes more than %d list elements (until, untilStep, seq): capcheck bounds the work of a render", maxListItems)

func (b *renderBudget) spend(n int) error {
	if n < 0 {
		n = -n
	}
	if n > maxListItems-b.items {
		b.items = maxListItems
		return errBudget
	}
	b.items += n
	return nil
}

func (b *renderBudget) funcs() map[string]any {
	f := sprig.TxtFuncMap()
	until, _ := f["until"].(func(int) []int)
	untilStep, _ := f["untilStep"].(func(int, int, int) []int)
	seq, _ := f["seq"].(func(...int) string)
	repeat, _ := f["repeat"].(func(int, string) string)
	if until == nil || untilStep == nil || seq == nil || repeat == nil {
		panic("kubernetes: Sprig's until, untilStep, seq or repeat changed signature")
	}
	return map[string]any{
		"until": func(n int) ([]int, error) {
			if err := b.spend(n); err != nil {
				return nil, err
			}
			return until(n), nil
		},
		"untilStep": func(start, stop, step int) ([]int, error) {
			if step != 0 {
				if err := b.spend((stop - start) / step); err != nil {
					return nil, err
				}
			}
			return untilStep(start, stop, step), nil
		},
		"seq": func(p ...int) (string, error) {
			n := 0
			switch len(p) {
			case 1:
				n = p[0]
			case 2:
				n = p[1] - p[0]
			case 3:
				if p[1] != 0 {
					n = (p[2] - p[0]) / p[1]
				}
			}
			if err := b.spend(n); err != nil {
				return "", err
			}
			return seq(p...), nil
		},
		"repeat": func(n int, s string) (string, error) {
			if n > 0 && len(s) > 0 && n > maxRendered/len(s) {
				return "", fmt.Errorf("repeat makes more than %d MiB: capcheck bounds the output of a render", maxRendered>>20)
			}
			return repeat(n, s), nil
		},
	}
}

// valuesSource is a values file, scope the chart path its keys are for
// (a subchart's values.yaml; "" for the release's own files, which are
// the top chart's).
type valuesSource struct {
	file  string
	n     *yaml.Node
	scope string
}

// helmTemplate is a rendered template: where it is and how its output
// lines map back to it.
type helmTemplate struct {
	file      string   // repository path (the archive for a packaged subchart)
	chartPath string   // chart full path of its chart (top/charts/sub)
	lines     []string // its text, nil when not on disk
	lineOf    []int    // output line (0-based) → template line (1-based, 0 unknown)
	rel       *helmChart
	sources   []valuesSource // release files (last first), then values.yaml files
}

// at is where output line l (1-based) came from: its template line, else
// the template file:1:1.
func (t *helmTemplate) at(l int) diag.Pos {
	if l >= 1 && l <= len(t.lineOf) && t.lineOf[l-1] > 0 {
		tl := t.lineOf[l-1]
		text := t.lines[tl-1]
		return diag.Pos{File: t.file, Line: tl, Column: len(text) - len(strings.TrimLeft(text, " \t")) + 1}
	}
	return diag.Pos{File: t.file, Line: 1, Column: 1}
}

// pos is where the rendered node n (at path in its document, nil when not
// known) is written: the values file that set it, its template line, or
// the template file:1:1.
func (t *helmTemplate) pos(n *yaml.Node, p []string) diag.Pos {
	if n == nil {
		return diag.Pos{File: t.file, Line: 1, Column: 1}
	}
	if n.Line < 1 || n.Line > len(t.lineOf) || t.lineOf[n.Line-1] == 0 {
		return diag.Pos{File: t.file, Line: 1, Column: 1}
	}
	base := t.at(n.Line)
	text := t.lines[base.Line-1]
	if n.Kind == yaml.ScalarNode && len(p) > 0 {
		for _, ref := range valuesRefRE.FindAllStringSubmatch(text, -1) {
			if at, ok := t.valuesPos(strings.Split(ref[1][1:], "."), p, n.Value); ok {
				return at
			}
		}
		if i := strings.Index(text, p[len(p)-1]+":"); i >= 0 {
			j := i + len(p[len(p)-1]) + 1
			for j < len(text) && text[j] == ' ' {
				j++
			}
			if j < len(text) {
				base.Column = j + 1
			}
		}
	}
	return base
}

// valuesRefRE finds the .Values references of a template line.
var valuesRefRE = regexp.MustCompile(`\$?\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)`)

// valuesPos finds the values file entry that gave the rendered scalar
// value at path p, when the template line takes it from .Values.ref
// (itself, or a field of a block toYaml inserts): ref followed by the
// longest tail of p that a values file holds with the same value. The
// files are searched in precedence order (the first that sets the key is
// the value Helm used).
func (t *helmTemplate) valuesPos(ref, p []string, value string) (diag.Pos, bool) {
	var scope []string // the subchart names from the top chart to the template's chart
	parts := strings.Split(t.chartPath, "/")
	for i := 2; i < len(parts); i += 2 {
		scope = append(scope, parts[i])
	}
	for j := 0; j <= len(p); j++ {
		key := append(slices.Clone(ref), p[j:]...)
		for _, s := range t.sources {
			var full []string
			if s.scope == "" {
				full = append(slices.Clone(scope), key...)
			} else {
				sp := strings.Split(s.scope, "/")
				depth := (len(sp) - 1) / 2
				if depth > len(scope) || len(sp) > len(parts) || !slices.Equal(sp, parts[:len(sp)]) {
					continue
				}
				full = append(slices.Clone(scope[depth:]), key...)
			}
			v := get(s.n, full...)
			if v == nil {
				continue
			}
			if v.Kind == yaml.ScalarNode && v.Value == value {
				return diag.Pos{File: s.file, Line: v.Line, Column: v.Column}, true
			}
			break // set here to something else: the template changed it
		}
	}
	return diag.Pos{}, false
}

// alignLines maps each output line of a template to the template line it
// came from: a line with literal text matches the first template line
// (from the last match on) whose literal pieces it holds, in order; a
// line without one came from an action, the first template line with an
// action after the last match. 0 where nothing fits.
func alignLines(tpl, out []string) []int {
	type tline struct {
		pieces []string
		action bool
	}
	lines := make([]tline, len(tpl))
	inAction := false
	for i, s := range tpl {
		var lit strings.Builder
		var pieces []string
		flush := func() {
			if p := strings.TrimSpace(lit.String()); p != "" {
				pieces = append(pieces, p)
			}
			lit.Reset()
		}
		for k := 0; k < len(s); {
			if inAction {
				lines[i].action = true
				end := strings.Index(s[k:], "}}")
				if end < 0 {
					k = len(s)
					continue
				}
				k += end + 2
				inAction = false
				continue
			}
			start := strings.Index(s[k:], "{{")
			if start < 0 {
				lit.WriteString(s[k:])
				break
			}
			lit.WriteString(s[k : k+start])
			flush()
			k += start + 2
			inAction = true
			lines[i].action = true
		}
		flush()
		lines[i].pieces = pieces
	}
	matches := func(t tline, r string) bool {
		if len(t.pieces) == 0 {
			return false
		}
		r = strings.TrimSpace(r)
		for k, p := range t.pieces {
			i := strings.Index(r, p)
			if i < 0 || k == 0 && i != 0 && !t.action {
				return false
			}
			r = r[i+len(p):]
		}
		return true
	}
	out2 := make([]int, len(out))
	cur := 0
	for i, r := range out {
		if strings.TrimSpace(r) == "" {
			continue
		}
		found := -1
		for j := cur; j < len(lines); j++ {
			if matches(lines[j], r) {
				found = j
				break
			}
		}
		if found < 0 { // a range repeats lines already matched
			for j := cur - 1; j >= 0; j-- {
				if matches(lines[j], r) {
					found = j
					break
				}
			}
			if found >= 0 && !slices.ContainsFunc(lines[found:cur], func(l tline) bool { return l.action }) {
				found = -1
			}
		}
		if found >= 0 {
			out2[i] = found + 1
			cur = found + 1
			continue
		}
		for j := cur; j < len(lines); j++ {
			if lines[j].action {
				out2[i] = j + 1
				break
			}
		}
		if out2[i] == 0 && cur > 0 && lines[cur-1].action {
			out2[i] = cur
		}
	}
	return out2
}

// pathTo is the path of target below n (mapping keys; sequence indexes as
// numbers), nil when target is not in n.
func pathTo(n, target *yaml.Node) []string {
	if n == nil {
		return nil
	}
	if n == target {
		return []string{}
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i] == target {
				return []string{}
			}
			if p := pathTo(n.Content[i+1], target); p != nil {
				return append([]string{n.Content[i].Value}, p...)
			}
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			if p := pathTo(c, target); p != nil {
				return append([]string{strconv.Itoa(i)}, p...)
			}
		}
	}
	return nil
}
