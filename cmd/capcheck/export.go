package main

import (
	"fmt"
	"io"

	"github.com/capcheck/capcheck/report/export"
	"github.com/capcheck/capcheck/schema"
	"github.com/capcheck/capcheck/workspace"
)

const helpExport = `Writes what operators run next to the plans under PATH, built from the plans themselves, to stdout.

prometheus-rules: a Prometheus rules file, one group per plan, from each pool's utilization.gpu and utilization.reservation Prometheus queries (fractions 0..1, as capcheck audit reads them): GPU utilisation above warn_utilization and critical_utilization, observed headroom below headroom_min (utilisation above 1 − headroom_min), reserved GPUs in use below reserved_utilization_min. Pools without a Prometheus query get no rules. Check the file with promtool check rules.

grafana-dashboard: a Grafana dashboard (JSON) with, per pool that names those queries, its GPU utilisation against the warn and critical lines and its reserved GPUs in use against reserved_utilization_min.

` + helpPath + `

Examples:
  capcheck export prometheus-rules . > capcheck-rules.yml
  capcheck export grafana-dashboard . > capcheck-dashboard.json`

// runExport is `capcheck export prometheus-rules|grafana-dashboard`.
func runExport(e *env, args []string) int {
	if len(args) > 0 {
		switch args[0] {
		case "prometheus-rules":
			return runExportKind(e, args[0], export.PrometheusRules, args[1:])
		case "grafana-dashboard":
			return runExportKind(e, args[0], export.GrafanaDashboard, args[1:])
		case "-h", "-help", "--help":
			return runExportKind(e, "prometheus-rules", export.PrometheusRules, []string{"-h"})
		}
	}
	msg := "want the subcommand prometheus-rules or grafana-dashboard: capcheck export prometheus-rules|grafana-dashboard [flags] [PATH]"
	if len(args) > 0 {
		msg = fmt.Sprintf("unknown subcommand %q; want prometheus-rules or grafana-dashboard: capcheck export prometheus-rules|grafana-dashboard [flags] [PATH]", args[0])
	}
	usageError(e.stderr, "export", msg)
	return exitError
}

func runExportKind(e *env, kind string, write func(io.Writer, []*schema.Plan) error, args []string) int {
	fs := newFlags(e, "export "+kind, "[flags] [path]")
	var lf loadFlags
	lf.register(fs)
	pos, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	root, ok := onePath(e, "export", pos)
	if !ok {
		return exitError
	}
	ws, err := workspace.Load(e.ctx, root, lf.options())
	if err != nil {
		return fail(e, err)
	}
	if err := write(e.stdout, ws.Plans); err != nil {
		return fail(e, err)
	}
	return exitPass
}
