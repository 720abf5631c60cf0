package main

import (
	"fmt"
	"time"

	"github.com/capcheck/capcheck/actuals"
	"github.com/capcheck/capcheck/internal/cli"
	"github.com/capcheck/capcheck/policies"
	"github.com/capcheck/capcheck/report"
	"github.com/capcheck/capcheck/workspace"
)

// Environment variables holding Prometheus credentials: a bearer token, or
// a username and password for basic auth. They are sent to --prometheus
// only.
const (
	envPromToken    = "CAPCHECK_PROMETHEUS_TOKEN"
	envPromUser     = "CAPCHECK_PROMETHEUS_USERNAME"
	envPromPassword = "CAPCHECK_PROMETHEUS_PASSWORD"
)

// auditFlags are `capcheck audit`'s flags.
type auditFlags struct {
	load loadFlags
	reportFlags
	prometheus  string
	window      cli.Span
	step        cli.Span
	promTimeout time.Duration
}

func runAudit(e *env, args []string) int {
	started := e.now()
	fs := newFlags(e, "audit", "[flags] [path]")
	af := auditFlags{window: cli.Span(28 * 24 * time.Hour), step: cli.Span(time.Hour)}
	af.load.register(fs)
	af.reportFlags.register(fs,
		"rule id whose soft-mandatory denies are overridden (verified by the caller; repeatable)",
		"end of the audit window, YYYY-MM-DD at 00:00 UTC (default: $CAPCHECK_NOW, else now)")
	fs.StringVar(&af.prometheus, "prometheus", "", "Prometheus (or Thanos, Mimir) base URL to read actuals.prometheus and utilization queries from; credentials from $"+envPromToken+" or $"+envPromUser+"/$"+envPromPassword+" (default: CSV actuals only)")
	fs.Var(&af.window, "window", "audit window ending at --now: 28d, 2w, 72h, …")
	fs.Var(&af.step, "step", "resolution: each point is the peak (or, for reservation utilisation, the mean) of one step")
	fs.DurationVar(&af.promTimeout, "prometheus-timeout", actuals.DefaultTimeout, "time limit of one Prometheus request (retried on 5xx and timeouts)")
	root, code, ok := parsePath(e, fs, args, "audit")
	if !ok {
		return code
	}
	if af.step <= 0 || af.window < af.step {
		fmt.Fprintf(e.stderr, "capcheck audit: --window %s must be at least one --step (%s)\n", af.window.String(), af.step.String())
		return exitError
	}
	outputs, ok := af.outputs(e, "audit")
	if !ok {
		return exitError
	}
	now, err := clock(e, af.now)
	if err != nil {
		return fail(e, err)
	}
	chk, rules, err := audit(e, root, now, &af)
	if err != nil {
		return fail(e, err)
	}
	chk.PathPrefix = workspace.RepoPrefix(root)
	if err := workspace.Emit(e.stdout, outputs, chk, reportOptions(e, started, rules, "", "", "")); err != nil {
		return fail(e, err)
	}
	return af.exit(chk.Verdict)
}

// audit wires the flags and the Prometheus credentials to workspace.Audit.
func audit(e *env, root string, now time.Time, af *auditFlags) (*report.Check, []policies.Rule, error) {
	opts := workspace.AuditOptions{
		Load:   af.load.options(),
		Policy: af.policy(),
		Now:    now,
		Window: time.Duration(af.window),
		Step:   time.Duration(af.step),
	}
	if af.prometheus != "" {
		opts.Prometheus = &actuals.Prometheus{
			URL:      af.prometheus,
			Token:    e.getenv(envPromToken),
			Username: e.getenv(envPromUser),
			Password: e.getenv(envPromPassword),
			Timeout:  af.promTimeout,
		}
	}
	return workspace.Audit(e.ctx, root, opts)
}
