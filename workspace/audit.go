package workspace

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/capcheck/capcheck/actuals"
	"github.com/capcheck/capcheck/evaluator"
	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/policies"
	"github.com/capcheck/capcheck/report"
	"github.com/capcheck/capcheck/schema"
)

// AuditOptions are the inputs of [Audit] besides the tree itself.
type AuditOptions struct {
	Load Options
	Policy
	// The window is (Now − Window, Now], read at Step.
	Now          time.Time
	Window, Step time.Duration
	// Prometheus is the server actuals.prometheus and utilization queries
	// are read from (nil: CSV actuals only).
	Prometheus *actuals.Prometheus
}

// Audit loads the repository, reads the observed series over the window,
// compares them with the plans and judges the result.
func Audit(ctx context.Context, root string, opts AuditOptions) (*report.Check, []policies.Rule, error) {
	ws, err := Load(ctx, root, opts.Load)
	if err != nil {
		return nil, nil, err
	}
	if err := ws.requireSomething(); err != nil {
		return nil, nil, err
	}
	// The plan is judged on its own written baselines; only a workload
	// that writes none takes it from its CSV actuals, as check does.
	trends, err := ws.fitTrends(unwrittenBaselines(ws.Plans), opts.Now)
	if err != nil {
		return nil, nil, err
	}
	obs, err := observe(ctx, ws, opts.Prometheus, opts.Now.Add(-opts.Window), opts.Now, opts.Step)
	if err != nil {
		return nil, nil, err
	}
	doc, err := evaluator.Audit(evaluator.Input{
		Plans:     ws.Plans,
		Inventory: ws.Inventory,
		GPUs:      ws.Catalog,
		Now:       opts.Now,
		Trends:    trends,
	}, obs)
	if err != nil {
		return nil, nil, err
	}
	engine, err := ws.engine(ctx, opts.Policy, false)
	if err != nil {
		return nil, nil, err
	}
	chk, err := judge(ctx, engine, doc, opts.Overrides)
	if err != nil {
		return nil, nil, err
	}
	return chk, engine.Rules(), nil
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
func observe(ctx context.Context, ws *Workspace, prom *actuals.Prometheus, start, end time.Time, step time.Duration) (evaluator.Observed, error) {
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
	for _, p := range ws.Plans {
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
			o, err = readCSVWindow(ctx, ws.Root, j.src, start, end, step, j.agg)
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
