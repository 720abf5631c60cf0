package main

import (
	"fmt"
	"time"

	"github.com/capcheck/capcheck/actuals"
	"github.com/capcheck/capcheck/internal/cli"
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
	prom   actuals.Prometheus // URL and Timeout from the flags, credentials from the environment
	window cli.Span
	step   cli.Span
}

func runAudit(e *env, args []string) int {
	started := e.now()
	fs := newFlags(e, "audit", "[flags] [path]")
	af := auditFlags{window: cli.Span(28 * 24 * time.Hour), step: cli.Span(time.Hour)}
	af.load.register(fs)
	af.reportFlags.register(fs,
		"rule id whose soft-mandatory denies are overridden (verified by the caller; repeatable)",
		"end of the audit window, YYYY-MM-DD at 00:00 UTC (default: $CAPCHECK_NOW, else now)")
	fs.StringVar(&af.prom.URL, "prometheus", "", "Prometheus (or Thanos, Mimir) base URL to read actuals.prometheus and utilization queries from; credentials from $"+envPromToken+" or $"+envPromUser+"/$"+envPromPassword+" (default: CSV actuals only)")
	fs.Var(&af.window, "window", "audit window ending at --now: 28d, 2w, 72h, …")
	fs.Var(&af.step, "step", "resolution: each point is the peak (or, for reservation utilisation, the mean) of one step")
	fs.DurationVar(&af.prom.Timeout, "prometheus-timeout", actuals.DefaultTimeout, "time limit of one Prometheus request (retried on 5xx and timeouts)")
	root, now, code, ok := parseDated(e, fs, args, "audit", &af.now)
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
	opts := workspace.AuditOptions{Load: af.load.options(), Policy: af.policy(), Now: now, Window: time.Duration(af.window), Step: time.Duration(af.step)}
	if p := &af.prom; p.URL != "" {
		p.Token, p.Username, p.Password = e.getenv(envPromToken), e.getenv(envPromUser), e.getenv(envPromPassword)
		opts.Prometheus = p
	}
	chk, rules, err := workspace.Audit(e.ctx, root, opts)
	if err != nil {
		return fail(e, err)
	}
	chk.PathPrefix = workspace.RepoPrefix(root)
	return af.emit(e, outputs, chk, reportOptions(e, started, rules, "", "", ""))
}
