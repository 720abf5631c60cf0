package main

import (
	"io"

	"github.com/capcheck/capcheck/internal/cli"
	"github.com/capcheck/capcheck/report/export"
	"github.com/capcheck/capcheck/workspace"
)

const helpExport = `Writes what operators run next to the plans under PATH, built from the plans themselves (evaluated at --now, for the dates), to stdout.

prometheus-rules: a Prometheus rules file, one group per plan. Each pool's utilization Prometheus queries (gpu and reservation as fractions 0..1, as capcheck audit reads them), each workload's actuals Prometheus query and each dependency's usage Prometheus queries are recorded under capcheck:… names, and alerted on: GPU utilisation above warn_utilization and critical_utilization, observed headroom below headroom_min (utilisation above 1 − headroom_min), reserved GPUs in use below reserved_utilization_min, spend (utilization.spend, USD a month) above budget_monthly × (1 + budget_tolerance) (a pool without budget_monthly gets its spend recorded and a comment saying it is not alerted on), the sum of a plan's pools' spend above budget.monthly × (1 + budget_tolerance) (pools without a spend query are not counted, and the alert's summary and a comment name them: the sum is then a lower bound), pending GPU pods (utilization.pending_gpu_pods) for longer than scale_up_minutes (default 10), a dependency's usage of a limit (usage.LIMIT; used_gb against capacity_gb) above warn_utilization and critical_utilization of it, the day's observed demand more than drift_tolerance from the plan's baseline grown at plan_for's rate, 30 days before each pool's order-by date, and 30 days before the last day to order the replacement of each reservation that ends while the pool still needs capacity; utilization.queue_depth is recorded only. Pools, workloads and dependencies without a Prometheus query get no query rules. Check the file with promtool check rules. With --format manifest: the same groups as a Prometheus Operator PrometheusRule manifest (spec is the rules file indented), named --name (default capcheck- and the repository directory's name), in --namespace, with each --label (e.g. the release label the operator's ruleSelector matches).

prometheus-rules-tests: promtool unit tests of those rules (promtool test rules FILE), each alert's recorded series crossing its threshold: absent until its for has passed, then firing. The file loads --rules-file.

grafana-dashboard: a Grafana dashboard (JSON). Per pool: its GPU utilisation against the warn and critical lines, its reserved GPUs in use against reserved_utilization_min, the GPUs its workloads' observed demand needs stacked by workload type (inference workloads with requests_per_s_per_gpu) against capacity, its queue depth and pending GPU pods (with scale_up_minutes), its spend (or, without a spend query, its projected cost) against budget_monthly, and the plan's projected GPUs per month against guaranteed and usable capacity over the horizon with the cliff and order-by date marked; per plan with budget.monthly its projected cost against it; per workload with an actuals query its observed demand against the plan. The plan's own figures are embedded as CSV for Grafana's built-in TestData data source (chosen through a data source variable); the rest queries the default Prometheus data source.

` + helpPath + `

Examples:
  capcheck export prometheus-rules . > capcheck-rules.yml
  capcheck export prometheus-rules-tests . > capcheck-rules.test.yml && promtool test rules capcheck-rules.test.yml
  capcheck export grafana-dashboard . > capcheck-dashboard.json`

// runExport is `capcheck export prometheus-rules|prometheus-rules-tests|grafana-dashboard`.
func runExport(e *env, args []string) int {
	return cli.Subcommands(e.stderr, named("export"), args, map[string]func([]string) int{
		"prometheus-rules":       func(a []string) int { return runExportKind(e, "prometheus-rules", export.PrometheusRules, a) },
		"prometheus-rules-tests": func(a []string) int { return runExportKind(e, "prometheus-rules-tests", export.PrometheusRuleTests, a) },
		"grafana-dashboard":      func(a []string) int { return runExportKind(e, "grafana-dashboard", export.GrafanaDashboard, a) },
	}, "prometheus-rules", "prometheus-rules, prometheus-rules-tests or grafana-dashboard", "capcheck export prometheus-rules|prometheus-rules-tests|grafana-dashboard [flags] [PATH]", exitError)
}

func runExportKind(e *env, kind string, write func(io.Writer, export.Input) error, args []string) int {
	fs := newFlags(e, "export "+kind, "[flags] [path]")
	var lf loadFlags
	lf.register(fs)
	flagNow := fs.String("now", "", "evaluation date YYYY-MM-DD for the order-by dates (default: $CAPCHECK_NOW, else today)")
	rulesFile := fs.String("rules-file", "capcheck-rules.yml", "prometheus-rules-tests: the rules file the tests load, relative to the test file")
	format, man := fs.String("format", "rules", "prometheus-rules: rules (a rules file) or manifest (a Prometheus Operator PrometheusRule whose spec.groups are the rules file's)"), export.Manifest{Labels: map[string]string{}}
	fs.StringVar(&man.Name, "name", "", "prometheus-rules --format manifest: metadata.name (default: capcheck- and the repository directory's name)")
	fs.StringVar(&man.Namespace, "namespace", "", "prometheus-rules --format manifest: metadata.namespace (default: none, the namespace it is applied in)")
	fs.Var(cli.KeyValues(man.Labels), "label", "prometheus-rules --format manifest: a metadata label KEY=VALUE such as release=kube-prometheus-stack for the operator's ruleSelector (repeatable; a key's last value wins)")
	root, now, code, ok := parseDated(e, fs, args, "export", flagNow)
	if !ok {
		return code
	}
	in, err := workspace.Export(e.ctx, root, lf.options(), now)
	if err != nil {
		return fail(e, err)
	}
	in.RulesFile = *rulesFile
	if in.Manifest, err = man.Resolve(kind, *format, root); err != nil {
		return usageError(e, "export "+kind, err.Error())
	}
	if err := write(e.stdout, in); err != nil {
		return fail(e, err)
	}
	return exitPass
}
