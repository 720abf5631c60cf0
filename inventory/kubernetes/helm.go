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
//   - the coalesced values are validated against the values.schema.json
//     of the chart and of each subchart with Helm's own validator, as
//     `helm template` does; a schema whose $schema is not one of the JSON
//     Schema drafts the validator holds, or whose $ref, $dynamicRef or
//     $recursiveRef leaves the document (Helm's validator would fetch it
//     over the network or read it from disk), is an error at that value,
//     never a fetch; a violation is an error at the values file entry
//     that holds the offending value (the file's 1:1 when none does);
//   - `lookup` returns nothing (no cluster) and `getHostByName` returns
//     "" (no DNS), as in `helm template`.
//
// Rendering is bounded by its work where it can be counted: the list
// generators (until, untilStep, seq) share one budget of elements per
// release, repeat is bounded by the output bound; every range iteration
// and every define or block body executed (each include and template
// call) is a step, up to maxSteps per release: before rendering, each
// template's text gets a call of a counting function at the start of
// those bodies (instrument; lines are kept, the columns in errors mapped
// back). The heap the render grows is watched (internal/heapwatch); the
// rendered output is bounded; nested include and template calls are
// bounded by Helm (1,000 of one name) and Go (100,000 deep). What
// counting cannot see, a template string that tpl parses at render time
// and that loops, or a loop of expensive calls below the step bound,
// ends at the time bound, Options.HelmTimeout (2 minutes by default),
// with an error naming the chart and the template file being rendered;
// it is the one bound that is not deterministic.
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
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode"

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
	maxSteps      = 1_000_000 // range iterations and define/block bodies executed, added up
	helmTimeout   = 2 * time.Minute
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
	// orig is the text of each template instrument rewrote, inserts
	// where it inserted step calls.
	orig    map[string]string
	inserts map[string][]insert
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
	if err := hc.schemasLocal(hc.c, nil); err != nil {
		return nil, nil, err
	}
	top, err := commonutil.ToRenderValuesWithSchemaValidation(ch, vals,
		common.ReleaseOptions{Name: r.Release, Namespace: r.Namespace, Revision: 1, IsInstall: true}, nil, false)
	if err != nil {
		if msg, ok := strings.CutPrefix(err.Error(), schemaErrPrefix); ok {
			return nil, nil, hc.schemaError(msg, append(slices.Clone(sources), hc.valuesFiles()...))
		}
		return nil, nil, diag.Errorf(diag.Pos{File: chartFile, Line: 1, Column: 1}, "render Helm chart %s: %v", r.Chart, err)
	}

	b := &renderBudget{hooks: d.opts.hooks}
	hc.instrument(ch)
	e := engine.Engine{CustomTemplateFuncs: b.funcs()}
	var rendered map[string]string
	timeout := d.opts.HelmTimeout
	if timeout <= 0 {
		timeout = helmTimeout
	}
	rctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stopTimer := make(chan struct{})
	defer close(stopTimer)
	clock := time.After
	if b.hooks != nil && b.hooks.clock != nil {
		clock = b.hooks.clock
	}
	go func() {
		select {
		case <-clock(timeout):
			cancel(errBackstop)
		case <-stopTimer:
		}
	}()
	err = heapwatch.Run(rctx, heapwatch.Grown(helmHeapBound), func(ctx context.Context) error {
		out, err := e.RenderWithContext(ctx, ch, top)
		if err == nil {
			rendered = out
		}
		return err
	})
	if err != nil {
		return nil, nil, hc.renderError(err, b, timeout)
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
		// Helm splits a rendered file on "---" at a line start even when
		// text follows it, as "{{- with $ -}}" after "---" leaves it
		// ("---apiVersion: v1", the vLLM production-stack chart does):
		// a YAML decoder reads that as one document, the later object
		// silently replacing the earlier one's keys.
		text := helmSepRE.ReplaceAllString(rendered[name], "---\n$1")
		if strings.HasSuffix(name, "NOTES.txt") || strings.TrimSpace(text) == "" {
			continue
		}
		file, inDir := hc.file(name)
		t := &helmTemplate{file: file, chartPath: path.Dir(path.Dir(name)), rel: hc, sources: sources}
		if inDir {
			t.lines = strings.Split(hc.source(name), "\n")
			t.lineOf = alignLines(t.lines, strings.Split(text, "\n"))
		}
		docs, err := decodeDocs(file, []byte(text), false)
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

// helmSepRE is a document separator with text after it on its line.
var helmSepRE = regexp.MustCompile(`(?m)^---([^\s])`)

var errBackstop = errors.New("rendering did not finish within the time bound")

// renderHooks let a test stop a render where it wants: clock replaces
// time.After for the time bound, at is called as each template file
// starts rendering, steps (when > 0) replaces maxSteps.
type renderHooks struct {
	clock func(time.Duration) <-chan time.Time
	at    func(name string)
	steps int
}

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

// source is the text of the template named name (as written, before
// instrument).
func (hc *helmChart) source(name string) string {
	if t, ok := hc.orig[name]; ok {
		return t
	}
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
func (hc *helmChart) renderError(err error, b *renderBudget, timeout time.Duration) error {
	chartPos := diag.Pos{File: path.Join(hc.dir, "Chart.yaml"), Line: 1, Column: 1}
	at := chartPos
	if name := b.current(); name != "" {
		at = diag.Pos{File: func() string { f, _ := hc.file(name); return f }(), Line: 1, Column: 1}
	}
	switch {
	case errors.Is(err, heapwatch.ErrMemory):
		return diag.Errorf(at, "render Helm chart %s: stopped in %s: %v (%d MiB)", hc.dir, b.currentOr(), err, helmHeapBound>>20)
	case errors.Is(err, errBackstop):
		return diag.Errorf(at, "render Helm chart %s: stopped in %s: %v (%s; kubernetes.helm_timeout in capcheck.yaml raises it)", hc.dir, b.currentOr(), err, timeout)
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
			pos.Column = hc.origColumn(name, pos.Line, pos.Column)
		}
		rest := strings.TrimLeft(msg[m[1]:], "): \n\t")
		if strings.HasPrefix(msg, "parse error") {
			rest = "parse error: " + rest
		}
		msg = rest
	}
	msg = strings.ReplaceAll(msg, " at <"+stepFunc+">: error calling "+stepFunc+":", ":")
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
	steps int
	// at is the template (full name) being rendered, read by the
	// goroutine that stops a render.
	at    atomic.Pointer[string]
	hooks *renderHooks
}

// current is the template being rendered, "" before the first.
func (b *renderBudget) current() string {
	if p := b.at.Load(); p != nil {
		return *p
	}
	return ""
}

// currentOr is current, or "the chart" before the first template.
func (b *renderBudget) currentOr() string {
	if c := b.current(); c != "" {
		return c
	}
	return "the chart"
}

// errSteps is the error of a render past its step bound n.
func errSteps(n int) error {
	return fmt.Errorf("the template runs more than %d steps (range iterations and define or block bodies executed, include and template calls among them): capcheck bounds the work of a render", n)
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
	limit := maxSteps
	if b.hooks != nil && b.hooks.steps > 0 {
		limit = b.hooks.steps
	}
	return map[string]any{
		stepFunc: func() (string, error) {
			if b.steps >= limit {
				return "", errSteps(limit)
			}
			b.steps++
			return "", nil
		},
		atFunc: func(name string) string {
			b.at.Store(&name)
			if b.hooks != nil && b.hooks.at != nil {
				b.hooks.at(name)
			}
			return ""
		},
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

// schemaErrPrefix begins the error Helm's values validation returns; what
// follows is, for each chart whose schema the values break, a line
// "chart:" and a line "- at '/json/pointer': message" per violation.
const schemaErrPrefix = "values don't meet the specifications of the schema(s) in the following chart(s):\n"

// schemaFile is the repository path of the values.schema.json of the
// chart at full path (the archive for a packaged subchart).
func (hc *helmChart) schemaFile(full string) string {
	dir := hc.dirs[full]
	if dir == "" || strings.HasSuffix(dir, ".tgz") {
		if dir == "" {
			return path.Join(hc.dir, "Chart.yaml")
		}
		return dir
	}
	return path.Join(dir, "values.schema.json")
}

// draftSchemas are the $schema values Helm's validator knows without a
// fetch (santhosh-tekuri/jsonschema/v6's built-in drafts, http or https,
// with or without an empty fragment).
var draftSchemas = map[string]bool{
	"json-schema.org/schema": true, "json-schema.org/draft/2020-12/schema": true, "json-schema.org/draft/2019-09/schema": true,
	"json-schema.org/draft-07/schema": true, "json-schema.org/draft-06/schema": true, "json-schema.org/draft-04/schema": true,
}

// schemasLocal checks that the values.schema.json of c and of each of its
// subcharts (names: the subchart names from the top chart) refers to
// nothing outside itself, so that Helm's validator, which would follow
// such a reference over HTTP or to the file system, never does.
func (hc *helmChart) schemasLocal(c *helmchart.Chart, names []string) error {
	if len(c.Schema) > 0 {
		file := hc.schemaFile(c.ChartFullPath())
		if err := schemaLocal(file, c.Schema); err != nil {
			return err
		}
		// Compile it as Helm will (against no values: only a schema that
		// does not compile errs other than as a violation), so that a
		// dangling pointer is the schema's error, not the values'.
		err := commonutil.ValidateAgainstSingleSchema(common.Values{}, c.Schema)
		if err != nil && !errors.As(err, new(commonutil.JSONSchemaValidationError)) {
			return hc.schemaInvalid(file, c.Schema, err.Error())
		}
	}
	for _, s := range c.Dependencies() {
		if err := hc.schemasLocal(s, append(slices.Clone(names), s.Name())); err != nil {
			return err
		}
	}
	return nil
}

// schemaLocal reads the JSON schema data (of file) token by token and
// returns an error at the first $schema that is not a known draft, or
// $ref, $dynamicRef or $recursiveRef that is not a fragment of the
// document ("#…").
func schemaLocal(file string, data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	type frame struct{ object, key bool }
	var stack []frame
	pending := "" // the keyword whose string value comes next
	for {
		before := dec.InputOffset()
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return diag.Errorf(diag.PosAt(file, data, int(dec.InputOffset())), "Helm chart values schema: %s is not valid JSON, so the values cannot be checked against it: %v", file, err)
		}
		at := diag.PosAt(file, data, int(before)+len(data[before:])-len(bytes.TrimLeft(data[before:], " \t\r\n,:")))
		inKey := len(stack) > 0 && stack[len(stack)-1].object && stack[len(stack)-1].key
		if len(stack) > 0 && stack[len(stack)-1].object {
			stack[len(stack)-1].key = !inKey
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				stack = append(stack, frame{object: true, key: true})
			case '[':
				stack = append(stack, frame{})
			default:
				stack = stack[:len(stack)-1]
				if len(stack) > 0 && stack[len(stack)-1].object {
					stack[len(stack)-1].key = true
				}
			}
			pending = ""
			continue
		case string:
			if inKey {
				pending = t
				continue
			}
			switch pending {
			case "$schema":
				u := strings.TrimSuffix(t, "#")
				if rest, ok := strings.CutPrefix(u, "https://"); ok {
					u = rest
				} else {
					u = strings.TrimPrefix(u, "http://")
				}
				if !draftSchemas[u] {
					return diag.Errorf(at, "Helm chart values schema: $schema %q is not a JSON Schema draft the validator holds (draft-04, -06, -07, 2019-09, 2020-12); capcheck does not fetch schemas", t)
				}
			case "$ref", "$dynamicRef", "$recursiveRef":
				if !strings.HasPrefix(t, "#") {
					return diag.Errorf(at, "Helm chart values schema: %s %q points outside values.schema.json, which would need the network or the file system; capcheck validates against self-contained schemas only (use #/$defs/…)", pending, t)
				}
			}
		}
		pending = ""
	}
}

// schemaURL matches a schema location the validator names: the document
// URL Helm gives values.schema.json and the fragment (a JSON pointer or an
// anchor).
var schemaURL = regexp.MustCompile(`"file:///values\.schema\.json#([^"]*)"`)

// schemaPointer matches a JSON pointer into the schema ("at '/type'") in a
// metaschema violation.
var schemaPointer = regexp.MustCompile(`at '(/[^']*)'`)

// schemaInvalid is the error for a values schema (file, holding data)
// that Helm's validator cannot use: a reference that resolves nowhere or
// loops, a keyword of the wrong shape (msg, the validator's text). It is
// at the schema: the $ref that dangles or loops, or the value the
// metaschema refuses; 1:1 of file when msg names neither.
func (hc *helmChart) schemaInvalid(file string, data []byte, msg string) diag.Diagnostics {
	text := strings.Join(strings.Fields(strings.TrimPrefix(strings.TrimSpace(msg), "at '': ")), " ")
	at := diag.Pos{File: file, Line: 1, Column: 1}
	idx := schemaIndex(data)
	if strings.Contains(msg, "metaschema") {
		// the deepest pointer the metaschema names that the document has
		deepest := ""
		for _, m := range schemaPointer.FindAllStringSubmatch(msg, -1) {
			if off, ok := idx.at[m[1]]; ok && len(m[1]) > len(deepest) {
				at, deepest = diag.PosAt(file, data, off), m[1]
			}
		}
	} else if m := schemaURL.FindStringSubmatch(msg); m != nil {
		frag := m[1]
		switch {
		case strings.Contains(msg, "reference cycle"):
			// frag is a location on the loop: its own $ref, else itself.
			if off, ok := idx.at[frag+"/$ref"]; ok {
				at = diag.PosAt(file, data, off)
			} else if off, ok := idx.at[frag]; ok {
				at = diag.PosAt(file, data, off)
			}
		default:
			// a $ref whose target (its fragment, decoded, against the
			// schema it sits in or an enclosing one) is frag
			for _, r := range idx.refs {
				f, err := url.PathUnescape(strings.TrimPrefix(r.value, "#"))
				if err != nil {
					continue
				}
				if f == frag || strings.HasPrefix(f, "/") && strings.HasSuffix(frag, f) && strings.HasPrefix(r.in+"/", strings.TrimSuffix(frag, f)+"/") {
					at = diag.PosAt(file, data, r.off)
					break
				}
			}
		}
	}
	return diag.Errorf(at, "Helm chart %s: %s is not a valid JSON Schema, so the values cannot be checked against it: %s", hc.dir, file, text)
}

// schemaRef is one $ref, $dynamicRef or $recursiveRef of a schema: its
// value, the JSON pointer of the object it is in and the offset of its key.
type schemaRef struct {
	value, in string
	off       int
}

// schemaIndexed is where the members of a schema document are: at maps
// the JSON pointer of each value to its offset (of its key, for an object
// member); refs lists the references in document order.
type schemaIndexed struct {
	at   map[string]int
	refs []schemaRef
}

// schemaIndex indexes data, a JSON document, as far as it parses.
func schemaIndex(data []byte) schemaIndexed {
	idx := schemaIndexed{at: map[string]int{}}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	type frame struct {
		ptr    string
		object bool
		key    string // the member whose value comes next (object)
		n      int    // the next index (array)
		keyOff int
	}
	var stack []*frame
	skip := func(off int) int {
		return off + len(data[off:]) - len(bytes.TrimLeft(data[off:], " \t\r\n,:"))
	}
	esc := strings.NewReplacer("~", "~0", "/", "~1")
	for {
		before := int(dec.InputOffset())
		tok, err := dec.Token()
		if err != nil {
			return idx
		}
		off := skip(before)
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			continue
		}
		if top != nil && top.object && top.key == "" {
			top.key, top.keyOff = tok.(string), off
			continue
		}
		// a value: its pointer, and where it is
		ptr, at := "", off
		if top != nil {
			if top.object {
				ptr, at = top.ptr+"/"+esc.Replace(top.key), top.keyOff
				if v, ok := tok.(string); ok && (top.key == "$ref" || top.key == "$dynamicRef" || top.key == "$recursiveRef") {
					idx.refs = append(idx.refs, schemaRef{value: v, in: top.ptr, off: top.keyOff})
				}
				top.key = ""
			} else {
				ptr = top.ptr + "/" + strconv.Itoa(top.n)
				top.n++
			}
		}
		idx.at[ptr] = at
		if d, ok := tok.(json.Delim); ok {
			stack = append(stack, &frame{ptr: ptr, object: d == '{'})
		}
	}
}

// schemaError turns the violations Helm's validation reports (msg, after
// schemaErrPrefix) into errors, each at the values file entry that holds
// the offending value (sources in precedence order), or that file's 1:1
// when the key is in none (a property that is missing, say).
func (hc *helmChart) schemaError(msg string, sources []valuesSource) error {
	var ds, invalid diag.Diagnostics
	var names []string // subchart names from the top chart to the chart of the lines that follow
	full := hc.c.ChartFullPath()
	for _, line := range strings.Split(strings.TrimRight(msg, "\n"), "\n") {
		if name, ok := strings.CutSuffix(line, ":"); ok && !strings.HasPrefix(line, " ") && !strings.HasPrefix(line, "-") {
			names, full = hc.chartNames(name)
			continue
		}
		text := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "- "))
		if text == "" {
			continue
		}
		if strings.Contains(text, "causing reference cycle") {
			// the schema loops: its error, not the values' (and the
			// violations around it are the loop's echo)
			var data []byte
			if c := chartAt(hc.c, full); c != nil {
				data = c.Schema
			}
			invalid = append(invalid, hc.schemaInvalid(hc.schemaFile(full), data, text)...)
			continue
		}
		var keys []string
		if ptr, ok := strings.CutPrefix(text, "at '"); ok {
			if end := strings.Index(ptr, "'"); end >= 0 && ptr[:end] != "" {
				for _, k := range strings.Split(ptr[1:end], "/") {
					keys = append(keys, strings.ReplaceAll(strings.ReplaceAll(k, "~1", "/"), "~0", "~"))
				}
			}
		}
		ds = append(ds, diag.Errorf(valuesKeyPos(sources, names, keys, hc.schemaFile(full)), "Helm chart %s: the values do not match %s: %s", hc.dir, hc.schemaFile(full), text)...)
	}
	if len(invalid) > 0 {
		return invalid.Err()
	}
	if len(ds) == 0 {
		return diag.Errorf(diag.Pos{File: hc.schemaFile(full), Line: 1, Column: 1}, "Helm chart %s: the values do not match the schema: %s", hc.dir, strings.Join(strings.Fields(msg), " "))
	}
	return ds.Err()
}

// chartAt is the chart of c (c or a subchart) whose full path is full,
// or nil.
func chartAt(c *helmchart.Chart, full string) *helmchart.Chart {
	if c.ChartFullPath() == full {
		return c
	}
	for _, s := range c.Dependencies() {
		if x := chartAt(s, full); x != nil {
			return x
		}
	}
	return nil
}

// chartNames finds the chart named name in the release (the top chart
// first, then its subcharts depth first) and returns the subchart names
// that lead to it and its full path.
func (hc *helmChart) chartNames(name string) ([]string, string) {
	var names []string
	var find func(c *helmchart.Chart, chain []string) bool
	find = func(c *helmchart.Chart, chain []string) bool {
		if c.Name() == name {
			names = chain
			return true
		}
		for _, s := range c.Dependencies() {
			if find(s, append(slices.Clone(chain), s.Name())) {
				return true
			}
		}
		return false
	}
	if !find(hc.c, nil) {
		return nil, hc.c.ChartFullPath()
	}
	full := hc.c.ChartFullPath()
	for _, n := range names {
		full += "/charts/" + n
	}
	return names, full
}

// valuesKeyPos is where the values entry at keys (of the chart reached
// through the subchart names) is set: the first source, in precedence
// order, that holds it; else (the value is missing, or comes from no
// file) the first source's 1:1, else fallback:1:1.
func valuesKeyPos(sources []valuesSource, names, keys []string, fallback string) diag.Pos {
	for _, s := range sources {
		full := append(slices.Clone(names), keys...)
		if s.scope != "" {
			sp := strings.Split(s.scope, "/")
			var chain []string // the subchart names of the source's chart
			for i := 2; i < len(sp); i += 2 {
				chain = append(chain, sp[i])
			}
			if len(chain) > len(names) || !slices.Equal(chain, names[:len(chain)]) {
				continue
			}
			full = append(slices.Clone(names[len(chain):]), keys...)
		}
		if n := getIndexed(s.n, full); n != nil {
			return diag.Pos{File: s.file, Line: n.Line, Column: n.Column}
		}
	}
	if len(sources) > 0 {
		return diag.Pos{File: sources[0].file, Line: 1, Column: 1}
	}
	return diag.Pos{File: fallback, Line: 1, Column: 1}
}

// getIndexed is get, a number indexing a sequence.
func getIndexed(n *yaml.Node, keys []string) *yaml.Node {
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	for _, k := range keys {
		if n != nil && n.Kind == yaml.AliasNode {
			n = n.Alias
		}
		if n != nil && n.Kind == yaml.SequenceNode {
			i, err := strconv.Atoi(k)
			if err != nil || i < 0 || i >= len(n.Content) {
				return nil
			}
			n = n.Content[i]
			continue
		}
		n = get(n, k)
		if n == nil {
			return nil
		}
	}
	return n
}

// The functions instrument's calls name.
const (
	stepFunc = "capcheckStep"
	atFunc   = "capcheckAt"
)

// insert is text instrument added to a template: at line, column col of
// the rewritten text, n bytes, for the action that starts at column
// action of the original line.
type insert struct {
	line, col, n, action int
}

// instrument rewrites the templates of c and its subcharts so that the
// render's work is counted where text/template has no hook: every range
// body and every define or block body begins with a call of stepFunc
// (one step per iteration or template call, up to maxSteps), and every
// template file with atFunc naming it (for the message of a render
// stopped by time or memory). Lines are kept; the columns an insert
// shifts are mapped back by origColumn; the original text stays in
// hc.orig for the line alignment. A template that does not scan is left
// as it is, for Helm's parser to report.
func (hc *helmChart) instrument(c *helmchart.Chart) {
	if hc.orig == nil {
		hc.orig, hc.inserts = map[string]string{}, map[string][]insert{}
	}
	for _, t := range c.Templates {
		name := path.Join(c.ChartFullPath(), t.Name)
		if _, done := hc.orig[name]; done {
			continue
		}
		text, ins, ok := instrumentText(string(t.Data), name, !strings.HasPrefix(path.Base(t.Name), "_"))
		if !ok {
			continue
		}
		hc.orig[name] = string(t.Data)
		hc.inserts[name] = ins
		t.Data = []byte(text)
	}
	for _, s := range c.Dependencies() {
		hc.instrument(s)
	}
}

// instrumentText is instrument for one template's text; file says whether
// it is rendered as a file (not a partial "_…"), which gets the atFunc
// call first. It scans the actions as text/template's lexer does
// (comments, and "}}" inside quoted, raw and character literals, are not
// ends); ok is false when an action does not end.
func instrumentText(text, name string, file bool) (string, []insert, bool) {
	var out strings.Builder
	var ins []insert
	line, col := 1, 1 // of the next byte written, in the rewritten text
	write := func(s string) {
		out.WriteString(s)
		if i := strings.LastIndexByte(s, '\n'); i >= 0 {
			line += strings.Count(s, "\n")
			col = len(s) - i
		} else {
			col += len(s)
		}
	}
	origCol := func(off int) int { return off - strings.LastIndexByte(text[:off], '\n') }
	add := func(s string, action int) {
		ins = append(ins, insert{line: line, col: col, n: len(s), action: action})
		out.WriteString(s)
		col += len(s)
	}
	if file {
		add("{{"+atFunc+" "+strconv.Quote(name)+"}}", 1)
	}
	i := 0
	for {
		j := strings.Index(text[i:], "{{")
		if j < 0 {
			write(text[i:])
			return out.String(), ins, true
		}
		start := i + j
		k := start + 2
		if strings.HasPrefix(text[k:], "- ") || strings.HasPrefix(text[k:], "-\t") || strings.HasPrefix(text[k:], "-\n") || strings.HasPrefix(text[k:], "-\r") {
			k++
		}
		body := k
		for body < len(text) && strings.ContainsRune(" \t\r\n", rune(text[body])) {
			body++
		}
		end := -1 // index of the closing "}}"
		if strings.HasPrefix(text[body:], "/*") {
			c := strings.Index(text[body+2:], "*/")
			if c < 0 {
				return "", nil, false
			}
			if e := strings.Index(text[body+2+c+2:], "}}"); e >= 0 {
				end = body + 2 + c + 2 + e
			}
		} else {
			for p := body; p < len(text); p++ {
				switch ch := text[p]; ch {
				case '"', '\'':
					for p++; p < len(text) && text[p] != ch && text[p] != '\n'; p++ {
						if text[p] == '\\' {
							p++
						}
					}
				case '`':
					if e := strings.IndexByte(text[p+1:], '`'); e >= 0 {
						p += 1 + e
					} else {
						p = len(text)
					}
				case '}':
					if strings.HasPrefix(text[p:], "}}") {
						end = p
					}
				}
				if end >= 0 {
					break
				}
			}
		}
		if end < 0 {
			return "", nil, false
		}
		write(text[i : end+2])
		i = end + 2
		word := text[body:end] // the keyword: the identifier the action starts with
		if w := strings.IndexFunc(word, func(r rune) bool { return r != '_' && !unicode.IsLetter(r) && !unicode.IsDigit(r) }); w >= 0 {
			word = word[:w]
		}
		if word == "range" || word == "define" || word == "block" {
			trim := ""
			if end >= 2 && text[end-1] == '-' && strings.ContainsRune(" \t\r\n", rune(text[end-2])) {
				trim = " -"
			}
			add("{{"+stepFunc+trim+"}}", origCol(start))
		}
	}
}

// origColumn maps column col of line of the instrumented template name
// back to the original text: less the inserts before it on that line; a
// column inside an insert is the action it was made for.
func (hc *helmChart) origColumn(name string, line, col int) int {
	shift := 0
	for _, in := range hc.inserts[name] {
		if in.line != line || in.col > col {
			continue
		}
		if col < in.col+in.n {
			return in.action
		}
		shift += in.n
	}
	return col - shift
}
