package main

import (
	"io"

	"github.com/capcheck/capcheck/internal/cli"
	"github.com/capcheck/capcheck/report/export"
	"github.com/capcheck/capcheck/workspace"
)

const helpExport = `Writes what operators run next to the plans under PATH, built from the plans themselves (evaluated at --now, for the dates), to stdout.

prometheus-rules: a Prometheus rules file, one group per plan. Each pool's utilization.gpu and utilization.reservation Prometheus queries (fractions 0..1, as capcheck audit reads them) and each workload's actuals Prometheus query are recorded under capcheck:… names, and alerted on: GPU utilisation above warn_utilization and critical_utilization, observed headroom below headroom_min (utilisation above 1 − headroom_min), reserved GPUs in use below reserved_utilization_min, the day's observed demand more than drift_tolerance from the plan's baseline grown at plan_for's rate, 30 days before each pool's order-by date, and 30 days before the last day to order the replacement of each reservation that ends while the pool still needs capacity. Pools and workloads without a Prometheus query get no query rules. Check the file with promtool check rules.

prometheus-rules-tests: promtool unit tests of those rules (promtool test rules FILE), each alert's recorded series crossing its threshold: absent until its for has passed, then firing. The file loads --rules-file.

grafana-dashboard: a Grafana dashboard (JSON) with, per pool that names those queries, its GPU utilisation against the warn and critical lines and its reserved GPUs in use against reserved_utilization_min.

` + helpPath + `

Examples:
  capcheck export prometheus-rules . > capcheck-rules.yml
  capcheck export prometheus-rules-tests . > capcheck-rules.test.yml && promtool test rules capcheck-rules.test.yml
  capcheck export grafana-dashboard . > capcheck-dashboard.json`

// runExport is `capcheck export prometheus-rules|prometheus-rules-tests|grafana-dashboard`.
func runExport(e *env, args []string) int {
	kind := func(name string, write func(io.Writer, export.Input) error) func([]string) int {
		return func(args []string) int { return runExportKind(e, name, write, args) }
	}
	return cli.Subcommands(e.stderr, named("export"), args, map[string]func([]string) int{
		"prometheus-rules":       kind("prometheus-rules", export.PrometheusRules),
		"prometheus-rules-tests": kind("prometheus-rules-tests", export.PrometheusRuleTests),
		"grafana-dashboard":      kind("grafana-dashboard", export.GrafanaDashboard),
	}, "prometheus-rules", "prometheus-rules, prometheus-rules-tests or grafana-dashboard", "capcheck export prometheus-rules|prometheus-rules-tests|grafana-dashboard [flags] [PATH]", exitError)
}

func runExportKind(e *env, kind string, write func(io.Writer, export.Input) error, args []string) int {
	fs := newFlags(e, "export "+kind, "[flags] [path]")
	var lf loadFlags
	lf.register(fs)
	flagNow := fs.String("now", "", "evaluation date YYYY-MM-DD for the order-by dates (default: $CAPCHECK_NOW, else today)")
	rulesFile := fs.String("rules-file", "capcheck-rules.yml", "prometheus-rules-tests: the rules file the tests load, relative to the test file")
	root, now, code, ok := parseDated(e, fs, args, "export", flagNow)
	if !ok {
		return code
	}
	in, err := workspace.Export(e.ctx, root, lf.options(), now)
	if err != nil {
		return fail(e, err)
	}
	in.RulesFile = *rulesFile
	if err := write(e.stdout, in); err != nil {
		return fail(e, err)
	}
	return exitPass
}
