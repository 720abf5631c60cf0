package main

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/capcheck/capcheck/internal/cli"
	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/loadtest"
	"github.com/capcheck/capcheck/schema"
)

const helpBenchmarks = `Reads load-test results and prints benchmark entries for a capacity plan: per sweep (the points of one model and request shape), the point with the highest request throughput that meets both SLOs at p95, and with --knee the first point past it that does not. Each entry carries tool, engine_version, measured, a source naming the file and line, and a note saying how meets_slo was judged.

Formats are detected from content: vllm bench serve --save-result JSON and --append-result JSONL, genai-perf profile_export_genai_perf.json, AIPerf profile_export_aiperf.json, GuideLLM benchmarks.json, SGLang bench_serving JSONL and LLMPerf *_summary.json.

The SLO is judged at p95 when the file has it. Where only p99 exists, a p99 pass proves the p95 passes, but a p99 fail proves nothing: the point is kept as meets_slo: false with a note that it is unproven. Means and medians are never used. Points with failed or errored requests are dropped (their throughput counts only the successes). The SLO comes from --slo-ttft-p95-ms and --slo-itl-p95-ms, or from the llm-inference workloads of --plan that serve the model (the strictest of them).

With --write the entries are merged into the --plan file instead of printed: at its benchmarks (the benchmarks: key of a YAML plan, the benchmarks struct of a CUE plan), an entry whose id is already there replaced where it stands and the others appended, everything else in the file (comments included) kept as it was. The merged plan is loaded again through the schema before it is written; a plan --write cannot edit, or would leave invalid, is an error and the file is unchanged.

What the files cannot say (the GPU, GPUs per replica, often the engine version and date) comes from the flags or from metadata keys in the result (vllm bench serve --metadata gpu=H100-SXM gpus_per_replica=4 engine_version=…); flags win.

Examples:
  capcheck benchmarks import --gpu H100-SXM --gpus-per-replica 4 --engine-version "vllm 0.11.0" --model llama-3.1-70b --slo-ttft-p95-ms 1000 --slo-itl-p95-ms 50 sweep.jsonl
  capcheck benchmarks import --plan capacity/llm-platform.cue --gpu H100-SXM --gpus-per-replica 4 --format cue results/*.json
  capcheck benchmarks import --plan capacity/llm-platform.cue --gpu H100-SXM --gpus-per-replica 4 --write results/sweep.jsonl`

// runBenchmarks is `capcheck benchmarks SUBCOMMAND`; import is the only one.
func runBenchmarks(e *env, args []string) int {
	if len(args) > 0 && args[0] == "import" {
		return runBenchmarksImport(e, args[1:])
	}
	if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
		return runBenchmarksImport(e, []string{"-h"})
	}
	msg := "want the subcommand import: capcheck benchmarks import [flags] RESULT..."
	if len(args) > 0 {
		msg = fmt.Sprintf("unknown subcommand %q; want import: capcheck benchmarks import [flags] RESULT...", args[0])
	}
	usageError(e.stderr, "benchmarks", msg)
	return exitError
}

func runBenchmarksImport(e *env, args []string) int {
	const name = "benchmarks import"
	ph := maps.Clone(placeholders)
	maps.Copy(ph, map[string]string{
		"gpu": "NAME", "gpus-per-replica": "N", "engine-version": "TEXT", "model": "NAME",
		"measured": "YYYY-MM-DD", "plan": "FILE", "slo-ttft-p95-ms": "MS", "slo-itl-p95-ms": "MS",
	})
	fs := cli.NewFlags(cli.Command{Prog: "capcheck", Name: name, Args: "RESULT...", Help: helpBenchmarks}, ph, e.stdout, e.stderr)
	gpu := fs.String("gpu", "", "GPU the results were measured on (catalog name, e.g. H100-SXM)")
	perReplica := fs.Int("gpus-per-replica", 0, "GPUs one serving replica uses (tensor × pipeline parallel)")
	engine := fs.String("engine-version", "", `serving engine and version, e.g. "vllm 0.11.0"`)
	model := fs.String("model", "", "the plan's name of the model (default: the one the result names)")
	measured := fs.String("measured", "", "date of the run, YYYY-MM-DD (default: the one the result records)")
	plan := fs.String("plan", "", "plan whose workloads give the SLO (and the GPU, when they share one pool GPU)")
	ttft := fs.Float64("slo-ttft-p95-ms", 0, "time-to-first-token SLO at p95, ms")
	itl := fs.Float64("slo-itl-p95-ms", 0, "inter-token latency SLO at p95, ms")
	format := fs.String("format", "yaml", "output: yaml or cue")
	knee := fs.Bool("knee", false, "also keep the first failing point past the chosen one")
	write := fs.Bool("write", false, "merge the entries into the --plan file at its benchmarks, keeping comments (an entry with the same id is replaced)")
	pos, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	if !knownFormat(e, name, *format, []string{"yaml", "cue"}) {
		return exitError
	}
	if len(pos) == 0 {
		usageError(e.stderr, name, "want at least one RESULT file (a load-test result)")
		return exitError
	}
	if *write && *plan == "" {
		usageError(e.stderr, name, "--write merges into a plan: pass --plan FILE")
		return exitError
	}
	if *perReplica < 0 {
		usageError(e.stderr, name, fmt.Sprintf("--gpus-per-replica %d: want a whole number of GPUs, at least 1", *perReplica))
		return exitError
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"--slo-ttft-p95-ms", *ttft}, {"--slo-itl-p95-ms", *itl}} {
		if f.v < 0 || math.IsNaN(f.v) || math.IsInf(f.v, 0) {
			usageError(e.stderr, name, fmt.Sprintf("%s %v: want a positive number of milliseconds", f.name, f.v))
			return exitError
		}
	}
	opts := loadtest.Options{Model: *model, GPU: *gpu, GPUsPerReplica: *perReplica, EngineVersion: *engine}
	if *measured != "" {
		t, err := cli.ParseDate(*measured)
		if err != nil {
			usageError(e.stderr, name, fmt.Sprintf("--measured %q: %v", *measured, err))
			return exitError
		}
		opts.Measured = t
	}

	var points []loadtest.Point
	for _, f := range pos {
		data, err := os.ReadFile(f)
		if err != nil {
			return fail(e, fmt.Errorf("read result: %w", err))
		}
		_, ps, err := loadtest.Parse(filepath.ToSlash(f), data)
		if err != nil {
			return fail(e, err)
		}
		points = append(points, ps...)
	}
	if len(points) == 0 {
		return fail(e, errors.New("the results hold no sweep points"))
	}

	slo := loadtest.SLO{TTFTP95Ms: *ttft, ITLP95Ms: *itl}
	if *plan != "" {
		m := opts.Model
		if m == "" {
			m = points[0].Model
		}
		if err := sloFromPlan(*plan, m, &slo, &opts); err != nil {
			return fail(e, err)
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
		usageError(e.stderr, name, fmt.Sprintf("no SLO to judge the points by: pass %s, or --plan with a workload serving the model", strings.Join(missing, " and ")))
		return exitError
	}

	kept, dropped := loadtest.Select(points, slo, *knee)
	for _, d := range dropped {
		fmt.Fprintln(e.stderr, diag.Diagnostic{Pos: d.Pos, Severity: diag.Warning, Msg: "point dropped: " + d.Reason}.String())
	}
	if len(kept) == 0 {
		return fail(e, errors.New("no sweep point is left: every point had failed or errored requests"))
	}
	entries, err := loadtest.Entries(kept, opts)
	if err != nil {
		return fail(e, err)
	}
	if *write {
		return writeBenchmarks(e, *plan, entries)
	}
	if _, err := e.stdout.Write(loadtest.Render(entries, loadtest.Format(*format))); err != nil {
		return fail(e, err)
	}
	return exitPass
}

// writeBenchmarks merges entries into the plan file and writes it back
// only when the merged text still loads through the schema: a plan that
// --write would break is left as it was.
func writeBenchmarks(e *env, file string, entries []loadtest.Entry) int {
	name := filepath.ToSlash(file)
	info, err := os.Stat(file)
	if err != nil {
		return fail(e, fmt.Errorf("read --plan: %w", err))
	}
	src, err := os.ReadFile(file)
	if err != nil {
		return fail(e, fmt.Errorf("read --plan: %w", err))
	}
	out, m, err := loadtest.Merge(name, src, entries)
	if err != nil {
		return fail(e, err)
	}
	if _, err := schema.LoadPlanBytes(name, out); err != nil {
		return fail(e, fmt.Errorf("merge benchmarks into %s: the merged plan does not load, so the file is left unchanged: %w", name, err))
	}
	if err := os.WriteFile(file, out, info.Mode().Perm()); err != nil {
		return fail(e, fmt.Errorf("write --plan: %w", err))
	}
	fmt.Fprintf(e.stdout, "%s: benchmarks: %d added, %d replaced\n", name, m.Added, m.Replaced)
	return exitPass
}

// sloFromPlan fills the SLO limits not given by flags with the strictest
// of the plan's llm-inference workloads that serve model, and the GPU
// when those workloads' pools all have the same one.
func sloFromPlan(file, model string, slo *loadtest.SLO, opts *loadtest.Options) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("read --plan: %w", err)
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
		if _, ok := w.ModelMix[model]; !ok || w.SLO == nil {
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
