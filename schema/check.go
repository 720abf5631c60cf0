package schema

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"

	"cuelang.org/go/cue"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/internal/figure"
	"github.com/capcheck/capcheck/internal/gregorian"
)

// Checks that CUE cannot express simply. They run on the unified value
// next to the schema validation, so that one load reports everything; a
// value the schema already rejected (or that is missing) is skipped here.

var (
	// Pool and workload names appear in finding targets ("pool/h100-use1")
	// and in dotted field paths, so they may not hold dots or slashes.
	nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]*$`)
	// Benchmark ids may also hold dots ("llama-3.1-70b-h100").
	benchmarkIDRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)
)

// daysPerMonth is the one mean month (internal/gregorian, 365.2425 / 12
// days), used to turn lead times in weeks into months.
const daysPerMonth = gregorian.MonthDays

// shareTolerance is how far model_mix shares may sum from 1.
const shareTolerance = 1e-6

type checker struct {
	doc *document
	out diag.Diagnostics
}

func (c *checker) errorf(p, format string, args ...any) {
	c.out = append(c.out, diag.Diagnostic{Range: c.doc.posOf(p).Range(), Severity: diag.Error, Path: p, Msg: fmt.Sprintf(format, args...)})
}

type field struct {
	name string
	v    cue.Value
}

// fieldsOf lists the regular fields of v in order, or none if v is not a
// struct.
func fieldsOf(v cue.Value) []field {
	var out []field
	for _, c := range children(v, false) {
		if c.name != "" {
			out = append(out, field{c.name, c.v})
		}
	}
	return out
}

// elemsOf lists the elements of v, or none if v is not a list.
func elemsOf(v cue.Value) []cue.Value {
	var out []cue.Value
	for _, c := range children(v, false) {
		if c.name == "" {
			out = append(out, c.v)
		}
	}
	return out
}

func get(v cue.Value, name string) cue.Value {
	return v.LookupPath(cue.MakePath(cue.Str(name)))
}

func has(v cue.Value, name string) bool { return get(v, name).Exists() }

func str(v cue.Value) (string, bool) {
	if !v.Exists() || v.Err() != nil {
		return "", false
	}
	dv, _ := v.Default()
	s, err := dv.String()
	return s, err == nil
}

func num(v cue.Value) (float64, bool) {
	if !v.Exists() || v.Err() != nil {
		return 0, false
	}
	dv, _ := v.Default()
	f, err := dv.Float64()
	return f, err == nil
}

// date checks that the date at p exists in the calendar; it returns the
// date as written (which sorts like the date) and whether it is valid.
func (c *checker) date(v cue.Value, p string) (string, bool) {
	s, ok := str(v)
	if !ok {
		return "", false
	}
	if _, err := parseDate(s); err != nil {
		c.errorf(p, "%v", err)
		return "", false
	}
	return s, true
}

// span checks a start/end pair of dates in element p.
func (c *checker) span(v cue.Value, p string) {
	start, ok1 := c.date(get(v, "start"), p+".start")
	end, ok2 := c.date(get(v, "end"), p+".end")
	if ok1 && ok2 && end < start {
		c.errorf(p+".end", "end %s is before start %s", end, start)
	}
}

// checkPlan runs the plan rules on u, the document unified with #Plan.
func (d *document) checkPlan(u cue.Value) diag.Diagnostics {
	c := &checker{doc: d}

	c.date(get(u, "reviewed"), "reviewed")

	policy := get(u, "policy")
	warn, okW := num(get(policy, "warn_utilization"))
	crit, okC := num(get(policy, "critical_utilization"))
	if okW && okC && crit < warn {
		c.errorf("policy.critical_utilization", "critical_utilization %g is below warn_utilization %g", crit, warn)
	}

	pools := fieldsOf(get(u, "pools"))
	workloads := fieldsOf(get(u, "workloads"))
	poolNames := make([]string, 0, len(pools))
	for _, p := range pools {
		poolNames = append(poolNames, p.name)
	}
	workloadNames := make([]string, 0, len(workloads))
	for _, w := range workloads {
		workloadNames = append(workloadNames, w.name)
	}

	for _, s := range fieldsOf(get(u, "scenarios")) {
		for i, step := range elemsOf(get(s.v, "steps")) {
			sp := indexPath("scenarios."+s.name+".steps", i)
			c.date(get(step, "at"), sp+".at")
			for j, w := range elemsOf(get(step, "workloads")) {
				if name, ok := str(w); ok && !slices.Contains(workloadNames, name) {
					c.errorf(indexPath(sp+".workloads", j), "unknown workload %q (workloads: %s)", name, strings.Join(workloadNames, ", "))
				}
			}
		}
	}

	horizon, okH := num(get(u, "horizon_months"))
	for _, p := range pools {
		pp := "pools." + p.name
		if !nameRE.MatchString(p.name) {
			c.errorf(pp, "pool name %q must match %s", p.name, nameRE)
		}
		if weeks, ok := num(get(p.v, "lead_time_weeks")); ok && okH {
			months := weeks * 7 / daysPerMonth
			if months > horizon {
				c.errorf(pp+".lead_time_weeks", "lead time of %g weeks (%.1f months) is longer than horizon_months %g", weeks, months, horizon)
			}
		}
		util := get(p.v, "utilization")
		for _, q := range []string{"gpu", "reservation", "spend", "pending_gpu_pods", "queue_depth"} {
			c.actuals(get(util, q), pp+".utilization."+q)
		}
	}

	for _, w := range workloads {
		c.workload(w, poolNames)
	}

	for _, b := range fieldsOf(get(u, "benchmarks")) {
		bp := "benchmarks." + b.name
		if !benchmarkIDRE.MatchString(b.name) {
			c.errorf(bp, "benchmark id %q must match %s", b.name, benchmarkIDRE)
		}
		c.date(get(b.v, "measured"), bp+".measured")
		if b.v.Exists() && !has(b.v, "requests_per_s") && !has(b.v, "output_tokens_per_s") {
			c.errorf(bp, "benchmark needs requests_per_s or output_tokens_per_s")
		}
	}

	c.dependencies(u, workloads)
	c.models(u)

	for i, e := range elemsOf(get(u, "exceptions")) {
		c.date(get(e, "expires"), indexPath("exceptions", i)+".expires")
	}
	// The figure rule was applied by the walk of validate (figure).
	c.out = append(c.out, d.figures...)
	return c.out
}

// figure applies the figure rule (internal/figure: zero or between 1e-15
// and 1e15 in magnitude) to every number of the plan at the path that
// holds it, defaults included. plan.cue says each field's sign and range;
// this bounds them all the same way, so that no figure the model derives
// from a plan (GPUs, costs, savings, roofline bounds) overflows to ±Inf or
// NaN. A number beyond float64 is reported here too, as too large or too
// small. Values the schema already rejected are skipped.
//
// requiredAndConcrete calls it, when d.checkFigures is set, with the
// default dv of every leaf of the unified value that holds no error, in
// the order of its walk; the diagnostics go to d.figures for checkPlan.
func (d *document) figure(dv cue.Value, p string) {
	if !dv.IsConcrete() || dv.Kind()&cue.NumberKind == 0 {
		return
	}
	f, err := dv.Float64()
	switch {
	case err == nil:
	case errors.Is(err, cue.ErrAbove) || errors.Is(err, cue.ErrBelow):
		// Beyond float64: ±Inf when too large, ±0 when too small.
		if math.IsInf(f, 0) {
			f = math.Copysign(math.MaxFloat64, f)
		} else {
			f = math.SmallestNonzeroFloat64
		}
	default:
		return
	}
	if problem := figure.Problem(f); problem != "" {
		d.figures = append(d.figures, diag.Diagnostic{Range: d.posOf(p).Range(), Severity: diag.Error, Path: p, Msg: fmt.Sprintf("%s %s", shorten(fmt.Sprint(dv)), problem)})
	}
}

// workload checks one workload: its pool, dates, and the "at least one
// of" rules of its kind.
func (c *checker) workload(w field, poolNames []string) {
	wp := "workloads." + w.name
	if !nameRE.MatchString(w.name) {
		c.errorf(wp, "workload name %q must match %s", w.name, nameRE)
	}
	if pool, ok := str(get(w.v, "pool")); ok && !slices.Contains(poolNames, pool) {
		c.errorf(wp+".pool", "unknown pool %q (pools: %s)", pool, strings.Join(poolNames, ", "))
	}
	c.servingPools(w, poolNames) // regions.go
	c.date(get(w.v, "as_of"), wp+".as_of")
	c.servedDates(w.v, wp)
	for i, e := range elemsOf(get(w.v, "events")) {
		c.span(e, indexPath(wp+".events", i))
	}
	c.actuals(get(w.v, "actuals"), wp+".actuals")

	kind, _ := str(get(w.v, "kind"))
	switch kind {
	case KindLLMInference, KindInference, KindLLMAPI:
		if rate := get(w.v, "requests_per_s"); rate.Exists() && rate.Err() == nil &&
			!has(rate, "avg") && !has(rate, "p95") && !has(rate, "peak") {
			c.errorf(wp+".requests_per_s", "requests_per_s needs at least one of avg, p95, peak")
		}
	}
	switch kind {
	case KindLLMInference:
		c.modelMix(get(w.v, "model_mix"), wp+".model_mix")
	case KindTraining:
		if !has(w.v, "gpu_hours_per_month") && !has(w.v, "experimentation") && !has(w.v, "runs") {
			c.errorf(wp, "training workload needs at least one of gpu_hours_per_month, experimentation, runs")
		}
		for i, r := range elemsOf(get(w.v, "runs")) {
			c.span(r, indexPath(wp+".runs", i))
		}
	}
}

// actuals checks that an actuals source names exactly one of a CSV file
// and a Prometheus query.
func (c *checker) actuals(v cue.Value, p string) {
	if !v.Exists() || v.Err() != nil {
		return
	}
	csv, prom := has(v, "csv"), has(v, "prometheus")
	switch {
	case csv && prom:
		c.errorf(p, "actuals take one of csv or prometheus, not both")
	case !csv && !prom:
		c.errorf(p, "actuals need csv or prometheus")
	}
	if prom && has(v, "series") {
		c.errorf(p+".series", "series selects a column value of a csv source, not of a prometheus query")
	}
}
