package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/capcheck/capcheck/actuals"
	"github.com/capcheck/capcheck/evaluator"
	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/policies"
	"github.com/capcheck/capcheck/report"
	"github.com/capcheck/capcheck/schema"
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
	window      span
	step        span
	promTimeout time.Duration
}

func runAudit(e *env, args []string) int {
	fs := newFlags(e, "audit", "[flags] [path]")
	af := auditFlags{window: span(28 * 24 * time.Hour), step: span(time.Hour)}
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
	chk.PathPrefix = repoPrefix(root)
	if err := emit(e, outputs, chk, reportOptions(e, rules, "", "", "")); err != nil {
		return fail(e, err)
	}
	return af.exit(chk.Verdict)
}

// audit loads the repository, reads the observed series over the window
// ending at now, compares them with the plans and judges the result.
func audit(e *env, root string, now time.Time, af *auditFlags) (*report.Check, []policies.Rule, error) {
	ws, err := loadWorkspace(e.ctx, root, &af.load, true)
	if err != nil {
		return nil, nil, err
	}
	if err := requireSomething(root, ws); err != nil {
		return nil, nil, err
	}
	// The plan is judged on its own written baselines; only a workload
	// that writes none takes it from its CSV actuals, as check does.
	trends, err := fitTrends(ws, unwrittenBaselines(ws.plans), now)
	if err != nil {
		return nil, nil, err
	}
	var prom *actuals.Prometheus
	if af.prometheus != "" {
		prom = &actuals.Prometheus{
			URL:      af.prometheus,
			Token:    e.getenv(envPromToken),
			Username: e.getenv(envPromUser),
			Password: e.getenv(envPromPassword),
			Timeout:  af.promTimeout,
		}
	}
	obs, err := observe(e.ctx, ws, prom, now.Add(-time.Duration(af.window)), now, time.Duration(af.step))
	if err != nil {
		return nil, nil, err
	}
	doc, err := evaluator.Audit(evaluator.Input{
		Plans:     ws.plans,
		Inventory: ws.inv,
		GPUs:      ws.catalog,
		Now:       now,
		Trends:    trends,
	}, obs)
	if err != nil {
		return nil, nil, err
	}
	return judge(e, ws, root, af.policyDirs, af.policyTimeout, doc, af.overrides)
}

// unwrittenBaselines returns the plans restricted to the request-rate
// workloads that give no requests_per_s (their baseline must come from a
// fitted trend).
func unwrittenBaselines(plans []*schema.Plan) []*schema.Plan {
	var out []*schema.Plan
	for _, p := range plans {
		if p == nil {
			continue
		}
		cp := *p
		cp.Workloads = map[string]*schema.Workload{}
		for name, w := range p.Workloads {
			if w == nil || (w.Kind != schema.KindLLMInference && w.Kind != schema.KindInference) {
				continue
			}
			if r := w.RequestsPerS; r == nil || (r.Peak == nil && r.P95 == nil && r.Avg == nil) {
				cp.Workloads[name] = w
			}
		}
		out = append(out, &cp)
	}
	return out
}

// observe reads every workload's actuals and every pool's utilisation
// queries over (start, end]: from prom when a Prometheus query is given
// and a server is configured, else from the CSV. A source that is
// configured but fails to read is an error at its position (the audit
// fails closed); one that is not configured is left to the evaluator to
// report as not audited.
func observe(ctx context.Context, ws *workspace, prom *actuals.Prometheus, start, end time.Time, step time.Duration) (evaluator.Observed, error) {
	obs := evaluator.Observed{
		Start: start, End: end, Step: step, Prometheus: prom != nil,
		Workloads:              map[string]evaluator.Observation{},
		GPUUtilization:         map[string]evaluator.Observation{},
		ReservationUtilization: map[string]evaluator.Observation{},
	}
	type job struct {
		plan  *schema.Plan
		field string
		src   *schema.Actuals
		agg   actuals.Aggregation
		dst   map[string]evaluator.Observation
		key   string
	}
	var jobs []job
	for _, p := range ws.plans {
		if p == nil {
			continue
		}
		for _, name := range sortedNames(p.Workloads) {
			if w := p.Workloads[name]; w != nil && w.Actuals != nil {
				jobs = append(jobs, job{p, "workloads." + name + ".actuals", w.Actuals, actuals.Max, obs.Workloads, p.Name + "/" + name})
			}
		}
		for _, name := range sortedNames(p.Pools) {
			pool := p.Pools[name]
			if pool == nil || pool.Utilization == nil {
				continue
			}
			key := p.Name + "/" + name
			if u := pool.Utilization.GPU; u != nil {
				jobs = append(jobs, job{p, "pools." + name + ".utilization.gpu", u, actuals.Max, obs.GPUUtilization, key})
			}
			if u := pool.Utilization.Reservation; u != nil {
				jobs = append(jobs, job{p, "pools." + name + ".utilization.reservation", u, actuals.Mean, obs.ReservationUtilization, key})
			}
		}
	}
	var ds diag.Diagnostics
	for _, j := range jobs {
		var (
			o   evaluator.Observation
			err error
			at  = j.field
		)
		switch {
		case prom != nil && j.src.Prometheus != "":
			at += ".prometheus"
			p := *prom
			p.Aggregation = j.agg
			var n actuals.Named
			n, err = actuals.FetchOne(ctx, &p, j.src.Prometheus, start, end, step)
			o = evaluator.Observation{Source: actuals.PushDown(j.src.Prometheus, step, j.agg), Series: n.Series}
		case j.src.CSV != "":
			at += ".csv"
			o, err = readCSVWindow(ctx, ws.root, j.src, start, end, step, j.agg)
		default:
			continue // not read: reported as not audited
		}
		if err != nil {
			// Problems at a line of a CSV keep that position; anything else
			// (the file cannot be opened, the server fails) points at the
			// source in the plan.
			var pd diag.Diagnostics
			if !errors.As(err, &pd) {
				pd = diag.Diagnostics{{Msg: err.Error()}}
			}
			for _, d := range pd {
				if d.Pos.Line == 0 {
					if d.Pos.File != "" {
						d.Msg = d.Pos.File + ": " + d.Msg
					}
					d.Pos, d.Path = j.plan.PosOf(at), at
				}
				d.Severity = diag.Error
				ds = append(ds, d)
			}
			continue
		}
		j.dst[j.key] = o
	}
	if err := ds.Err(); err != nil {
		return evaluator.Observed{}, err
	}
	return obs, nil
}

// readCSVWindow reads a CSV series and reduces it per step like the
// Prometheus query would.
func readCSVWindow(ctx context.Context, root string, src *schema.Actuals, start, end time.Time, step time.Duration, agg actuals.Aggregation) (evaluator.Observation, error) {
	n, err := actuals.FetchOne(ctx, actuals.CSVSource{Root: root, Path: src.CSV}, src.Series, start, end, step)
	if err != nil {
		return evaluator.Observation{}, err
	}
	s, err := actuals.Reduce(n.Series, start, end, step, agg)
	if err != nil {
		return evaluator.Observation{}, fmt.Errorf("%s: %w", src.CSV, err)
	}
	source := src.CSV
	if src.Series != "" {
		source += " (series " + strconv.Quote(src.Series) + ")"
	}
	return evaluator.Observation{Source: source, Series: s}, nil
}

func sortedNames[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// span is a duration flag that also takes days and weeks ("28d", "2w").
type span time.Duration

func (s *span) String() string {
	d := time.Duration(*s)
	if d > 0 && d%(24*time.Hour) == 0 {
		return strconv.FormatInt(int64(d/(24*time.Hour)), 10) + "d"
	}
	return d.String()
}

func (s *span) Set(v string) error {
	var d time.Duration
	if n, unit := strings.TrimRight(v, "dw"), strings.TrimLeft(v, "0123456789"); (unit == "d" || unit == "w") && n != "" {
		k, err := strconv.Atoi(n)
		if err != nil {
			return fmt.Errorf("want a duration such as 28d, 2w or 72h, got %q", v)
		}
		d = time.Duration(k) * 24 * time.Hour
		if unit == "w" {
			d *= 7
		}
	} else {
		var err error
		if d, err = time.ParseDuration(v); err != nil {
			return fmt.Errorf("want a duration such as 28d, 2w or 72h, got %q", v)
		}
	}
	if d <= 0 {
		return fmt.Errorf("want a positive duration, got %q", v)
	}
	*s = span(d)
	return nil
}
