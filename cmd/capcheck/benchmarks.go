package main

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/capcheck/capcheck/internal/cli"
	"github.com/capcheck/capcheck/internal/repopath"
	"github.com/capcheck/capcheck/loadtest"
	"github.com/capcheck/capcheck/workspace"
)

const helpBenchmarks = `Reads load-test results and prints benchmark entries for a capacity plan: per sweep (the points of one model and request shape), the point with the highest request throughput that meets both SLOs at p95, and with --knee the first point past it that does not. Each entry carries tool, engine_version, measured, a source naming the file and line, and a note saying how meets_slo was judged.

A RESULT of - reads standard input. Formats are detected from content: vllm bench serve --save-result JSON and --append-result JSONL, genai-perf profile_export_genai_perf.json, AIPerf profile_export_aiperf.json, GuideLLM benchmarks.json, SGLang bench_serving JSONL and LLMPerf *_summary.json.

The SLO is judged at p95 when the file has it. Where only p99 exists, a p99 pass proves the p95 passes, but a p99 fail proves nothing: the point is kept as meets_slo: false with a note that it is unproven. Means and medians are never used. Points with failed or errored requests are dropped (their throughput counts only the successes). The SLO comes from --slo-ttft-p95-ms and --slo-itl-p95-ms, or from the llm-inference workloads of --plan that serve the model (the strictest of them).

With --write the entries are merged into the --plan file instead of printed: at its benchmarks (the benchmarks: key of a YAML plan, the benchmarks struct of a CUE plan), an entry whose id is already there replaced where it stands and the others appended, everything else in the file (comments included) kept as it was. The merged plan is loaded again through the schema before it is written; a plan --write cannot edit, or would leave invalid, is an error and the file is unchanged.

What the files cannot say (the GPU, GPUs per replica, often the engine version and date) comes from the flags or from metadata keys in the result (vllm bench serve --metadata gpu=H100-SXM gpus_per_replica=4 engine_version=…); flags win.

Examples:
  capcheck benchmarks import --gpu H100-SXM --gpus-per-replica 4 --engine-version "vllm 0.11.0" --model llama-3.1-70b --slo-ttft-p95-ms 1000 --slo-itl-p95-ms 50 sweep.jsonl
  capcheck benchmarks import --plan capacity/llm-platform.cue --gpu H100-SXM --gpus-per-replica 4 --format cue results/*.json
  capcheck benchmarks import --plan capacity/llm-platform.cue --gpu H100-SXM --gpus-per-replica 4 --write results/sweep.jsonl`

// runBenchmarks is `capcheck benchmarks SUBCOMMAND`; import is the only one.
func runBenchmarks(e *env, args []string) int {
	return cli.Subcommands(e.stderr, named("benchmarks"), args, map[string]func([]string) int{
		"import": func(args []string) int { return runBenchmarksImport(e, args) },
	}, "import", "import", "capcheck benchmarks import [flags] RESULT...", exitError)
}

func runBenchmarksImport(e *env, args []string) int {
	const name = "benchmarks import"
	fs := cli.NewFlags(cli.Command{Prog: "capcheck", Name: name, Args: "RESULT...", Help: helpBenchmarks}, placeholders, e.stdout, e.stderr)
	imp := workspace.BenchmarkImport{}
	o := &imp.Options
	fs.StringVar(&o.GPU, "gpu", "", "GPU the results were measured on (catalog name, e.g. H100-SXM)")
	fs.IntVar(&o.GPUsPerReplica, "gpus-per-replica", 0, "GPUs one serving replica uses (tensor × pipeline parallel)")
	fs.StringVar(&o.EngineVersion, "engine-version", "", `serving engine and version, e.g. "vllm 0.11.0"`)
	fs.StringVar(&o.Model, "model", "", "the plan's name of the model (default: the one the result names)")
	measured := fs.String("measured", "", "date of the run, YYYY-MM-DD (default: the one the result records)")
	fs.StringVar(&imp.Plan, "plan", "", "plan whose workloads give the SLO (and the GPU, when they share one pool GPU)")
	fs.Float64Var(&imp.SLO.TTFTP95Ms, "slo-ttft-p95-ms", 0, "time-to-first-token SLO at p95, ms")
	fs.Float64Var(&imp.SLO.ITLP95Ms, "slo-itl-p95-ms", 0, "inter-token latency SLO at p95, ms")
	format := fs.String("format", "yaml", "output: yaml or cue")
	fs.BoolVar(&imp.Knee, "knee", false, "also keep the first failing point past the chosen one")
	write := fs.Bool("write", false, "merge the entries into the --plan file at its benchmarks, keeping comments (an entry with the same id is replaced)")
	pos, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	if !knownFormat(e, name, *format, []string{"yaml", "cue"}) {
		return exitError
	}
	if len(pos) == 0 {
		return usageError(e, name, "want at least one RESULT file (a load-test result)")
	}
	if *write && imp.Plan == "" {
		return usageError(e, name, "--write merges into a plan: pass --plan FILE")
	}
	if err := imp.Validate(); err != nil {
		return usageError(e, name, err.Error())
	}
	if *measured != "" {
		t, err := cli.ParseDate(*measured)
		if err != nil {
			return usageError(e, name, fmt.Sprintf("--measured %q: %v", *measured, err))
		}
		o.Measured = t
	}
	imp.Results = pos
	entries, warns, err := imp.Run()
	for _, w := range warns {
		fmt.Fprintln(e.stderr, w.String())
	}
	var missing *workspace.MissingSLOError
	if errors.As(err, &missing) || errors.Is(err, repopath.ErrStdinTwice) {
		return usageError(e, name, err.Error()) // Run returns a MissingSLOError unwrapped
	}
	if err != nil {
		return fail(e, err)
	}
	if *write {
		var m loadtest.Merged
		if m, err = workspace.WriteBenchmarks(imp.Plan, entries); err == nil {
			_, err = fmt.Fprintf(e.stdout, "%s: benchmarks: %d added, %d replaced\n", filepath.ToSlash(imp.Plan), m.Added, m.Replaced)
		}
	} else {
		_, err = e.stdout.Write(loadtest.Render(entries, loadtest.Format(*format)))
	}
	if err != nil {
		return fail(e, err)
	}
	return exitPass
}
