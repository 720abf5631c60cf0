package workspace

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/internal/repopath"
	"github.com/capcheck/capcheck/loadtest"
	"github.com/capcheck/capcheck/schema"
)

// BenchmarkImport is `capcheck benchmarks import`: load-test results in,
// plan benchmark entries out, judged at the SLO the flags or the plan give.
type BenchmarkImport struct {
	Results []string // result files, as the user named them
	Plan    string   // plan whose workloads give the SLO (and the GPU); optional
	SLO     loadtest.SLO
	Options loadtest.Options
	Knee    bool // also keep the first failing point past the chosen one
}

// maxResultBytes is the largest load-test result file `benchmarks
// import` reads: a sweep with per-request detail is tens of megabytes.
const maxResultBytes = 256 << 20

// readUserFile reads file, named by the user as what ("result", "--plan"),
// through repopath.ReadUserFile: a regular file of at most limit bytes, so
// that a FIFO or a device is refused instead of blocking the command and
// nothing is read without bound. Errors read "read WHAT: FILE: reason".
func readUserFile(what, file string, limit int64) ([]byte, error) {
	read := repopath.ReadUserFile
	if what == "result" {
		read = repopath.ReadUserInput // a result may be "-", standard input (not --plan, which --write writes)
	}
	data, err := read(file, limit)
	if errors.Is(err, repopath.ErrStdinTwice) {
		return nil, fmt.Errorf("read %s: %w", what, err) // a usage error: the command names "-" twice
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %s: %s", what, repopath.UserName(file), repopath.Reason(err))
	}
	return data, nil
}

// MissingSLOError says which SLO limits neither the flags nor the plan give.
type MissingSLOError struct{ Flags []string }

func (e *MissingSLOError) Error() string {
	return fmt.Sprintf("no SLO to judge the points by: pass %s, or --plan with a workload serving the model", strings.Join(e.Flags, " and "))
}

// Run parses every result, fills the SLO from the plan, and keeps the
// points loadtest.Select keeps; dropped points come back as warnings at
// their position.
func (b *BenchmarkImport) Run() ([]loadtest.Entry, diag.Diagnostics, error) {
	var points []loadtest.Point
	for _, f := range b.Results {
		data, err := readUserFile("result", f, maxResultBytes)
		if err != nil {
			return nil, nil, err
		}
		_, ps, err := loadtest.Parse(repopath.UserName(f), data)
		if err != nil {
			return nil, nil, err
		}
		points = append(points, ps...)
	}
	if len(points) == 0 {
		return nil, nil, errors.New("the results hold no sweep points")
	}
	slo, opts := b.SLO, b.Options
	if b.Plan != "" {
		m := cmp.Or(opts.Model, points[0].Model)
		if err := sloFromPlan(b.Plan, m, &slo, &opts); err != nil {
			return nil, nil, err
		}
	}
	var missing []string
	if slo.TTFTP95Ms == 0 {
		missing = append(missing, "--slo-ttft-p95-ms")
	}
	if slo.ITLP95Ms == 0 {
		missing = append(missing, "--slo-itl-p95-ms")
	}
	if len(missing) > 0 {
		return nil, nil, &MissingSLOError{Flags: missing}
	}
	kept, dropped := loadtest.Select(points, slo, b.Knee)
	var warns diag.Diagnostics
	for _, d := range dropped {
		warns = append(warns, diag.Diagnostic{Range: d.Pos.Range(), Severity: diag.Warning, Msg: "point dropped: " + d.Reason})
	}
	if len(kept) == 0 {
		return nil, warns, errors.New("no sweep point is left: every point had failed or errored requests")
	}
	entries, err := loadtest.Entries(kept, opts)
	return entries, warns, err
}

// WriteBenchmarks merges entries into the plan file and writes it back
// only when the merged text still loads through the schema: a plan that
// --write would break is left as it was.
func WriteBenchmarks(file string, entries []loadtest.Entry) (loadtest.Merged, error) {
	name := filepath.ToSlash(file)
	info, err := os.Stat(file)
	if err != nil {
		return loadtest.Merged{}, fmt.Errorf("read --plan: %w", err)
	}
	src, err := readUserFile("--plan", file, schema.MaxFileBytes)
	if err != nil {
		return loadtest.Merged{}, err
	}
	out, m, err := loadtest.Merge(name, src, entries)
	if err != nil {
		return m, err
	}
	if _, err := schema.LoadPlanBytes(name, out); err != nil {
		return m, fmt.Errorf("merge benchmarks into %s: the merged plan does not load, so the file is left unchanged: %w", name, err)
	}
	if err := os.WriteFile(file, out, info.Mode().Perm()); err != nil {
		return m, fmt.Errorf("write --plan: %w", err)
	}
	return m, nil
}

// sloFromPlan fills the SLO limits not given by flags with the strictest
// of the plan's llm-inference workloads that serve model, and the GPU
// when those workloads' pools all have the same one.
func sloFromPlan(file, model string, slo *loadtest.SLO, opts *loadtest.Options) error {
	data, err := readUserFile("--plan", file, schema.MaxFileBytes)
	if err != nil {
		return err
	}
	p, err := schema.LoadPlanBytes(filepath.ToSlash(file), data)
	if err != nil {
		return err
	}
	var ttft, itl float64
	gpus := map[string]bool{}
	var served []string
	for _, name := range slices.Sorted(maps.Keys(p.Workloads)) {
		w := p.Workloads[name]
		if !w.ModelMix.Has(model) || w.SLO == nil {
			continue
		}
		served = append(served, name)
		if v := w.SLO.TTFTP95Ms; v > 0 && (ttft == 0 || v < ttft) {
			ttft = v
		}
		if v := w.SLO.ITLP95Ms; v > 0 && (itl == 0 || v < itl) {
			itl = v
		}
		if pool := p.Pools[w.Pool]; pool != nil {
			gpus[pool.GPU] = true
		}
	}
	if len(served) == 0 && slo.TTFTP95Ms > 0 && slo.ITLP95Ms > 0 {
		return nil // the flags give the SLO; the plan is only written to
	}
	if len(served) == 0 {
		return diag.Errorf(diag.Pos{File: filepath.ToSlash(file)}, "no workload with an slo serves model %q (model_mix); pass --model with the plan's name for it, or the --slo-ttft-p95-ms and --slo-itl-p95-ms flags", model)
	}
	if slo.TTFTP95Ms == 0 {
		slo.TTFTP95Ms = ttft
	}
	if slo.ITLP95Ms == 0 {
		slo.ITLP95Ms = itl
	}
	if opts.Model == "" {
		opts.Model = model
	}
	if opts.GPU == "" && len(gpus) == 1 {
		for g := range gpus {
			opts.GPU = g
		}
	}
	return nil
}

// Validate checks the figures the caller's flags give, before any file is
// read (its errors are usage errors): GPUs per replica a whole number (0:
// from the results' metadata), SLO limits positive and finite (0: from the
// plan).
func (b *BenchmarkImport) Validate() error {
	if n := b.Options.GPUsPerReplica; n < 0 {
		return fmt.Errorf("--gpus-per-replica %d: want a whole number of GPUs, at least 1", n)
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"--slo-ttft-p95-ms", b.SLO.TTFTP95Ms}, {"--slo-itl-p95-ms", b.SLO.ITLP95Ms}} {
		if f.v < 0 || math.IsNaN(f.v) || math.IsInf(f.v, 0) {
			return fmt.Errorf("%s %v: want a positive number of milliseconds", f.name, f.v)
		}
	}
	return nil
}
