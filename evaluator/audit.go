package evaluator

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/capcheck/capcheck/forecast"
	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/schema"
)

// Observed is what an audit measured over its window (Start, End], one
// point per Step (each point reduces its step: peaks for demand and GPU
// utilisation, means for reservation utilisation). Keys are
// "plan/workload" and "plan/pool". A workload or pool without an entry is
// reported as not audited, never as a pass.
type Observed struct {
	Start, End time.Time
	Step       time.Duration
	// Workloads are observed demand in the workload's plan units:
	// requests/s for llm-inference and inference, GPUs in use for
	// training, batch and stream.
	Workloads map[string]Observation
	// GPUUtilization is the share of a pool's GPUs busy (0..1).
	GPUUtilization map[string]Observation
	// ReservationUtilization is the share of a pool's reserved GPUs in use
	// (0..1).
	ReservationUtilization map[string]Observation
	// Prometheus tells whether a Prometheus server was read: without one,
	// sources that only name a Prometheus query are not audited for that
	// reason.
	Prometheus bool
}

// Observation is one observed series and where it came from (a CSV path
// or the PromQL sent).
type Observation struct {
	Source string
	Series forecast.Series
}

// AuditDoc is the plan compared with actuals over the audit window: per
// workload the observed demand against the plan's projection for the
// months the window covers (CAP020), per pool GPU utilisation (CAP021)
// and reservation utilisation (CAP022), and the capacity model re-run
// from the observed baselines (the refreshed cliff).
type AuditDoc struct {
	// Start and End bound the window (Start, End], RFC 3339.
	Start       string  `json:"start"`
	End         string  `json:"end"`
	WindowDays  float64 `json:"window_days"`
	StepSeconds float64 `json:"step_seconds"`
	// Months are the calendar months the window covers, "YYYY-MM".
	Months     []string           `json:"months"`
	Workloads  []AuditWorkloadDoc `json:"workloads"`
	Pools      []AuditPoolDoc     `json:"pools"`
	NotAudited []NotAuditedDoc    `json:"not_audited"`
}

// AuditWorkloadDoc is one workload's observed demand against the plan.
//
// Observed is the statistic of the step values that matches the plan's
// baseline: the peak (maximum) for a peak baseline, a fitted one and GPU
// workloads; the 95th percentile (nearest rank: the ⌈0.95·n⌉-th smallest)
// for a p95 baseline; the mean for an average-only one. Projected is the
// plan's figure on the same basis under plan_for, the largest over
// Months (growth, events and step events included). Drift = Observed /
// Projected − 1: positive when demand runs above the plan.
type AuditWorkloadDoc struct {
	Name     string       `json:"name"`
	Plan     string       `json:"plan"`
	Pool     string       `json:"pool"`
	Kind     WorkloadKind `json:"kind"`
	Location diag.Range   `json:"location"` // the baseline field the drift judges
	Source   string       `json:"source"`
	Unit     string       `json:"unit"`  // "requests/s" | "GPUs"
	Basis    string       `json:"basis"` // "peak" | "p95" | "avg"
	Samples  int          `json:"samples"`

	ObservedPeak   float64 `json:"observed_peak"`
	ObservedPeakAt string  `json:"observed_peak_at"`
	ObservedP95    float64 `json:"observed_p95"`
	ObservedMean   float64 `json:"observed_mean"`
	Observed       float64 `json:"observed"`

	Projected      float64 `json:"projected"`
	ProjectedMonth string  `json:"projected_month"`
	Drift          float64 `json:"drift"`
	DriftTolerance float64 `json:"drift_tolerance"`
	// Direction is the sign of Drift: DriftAbove, DriftBelow or DriftEqual
	// ("above", "below", "equal").
	Direction         Direction `json:"direction"`
	PlanMonthlyGrowth float64   `json:"plan_monthly_growth"`

	// Fit is the forecast fitted to the daily peaks of the window; nil
	// with FitError when the window is too short or irregular for one.
	Fit      *AuditFitDoc `json:"fit"`
	FitError string       `json:"fit_error"`
}

// Direction is the sign of an audited drift: demand running above, below
// or equal to the plan.
type Direction string

// Drift directions.
const (
	DriftAbove Direction = "above"
	DriftBelow Direction = "below"
	DriftEqual Direction = "equal"
)

// AuditFitDoc is a forecast fitted to the observed daily peaks.
type AuditFitDoc struct {
	Method        string  `json:"method"`
	Model         string  `json:"model"`
	Days          int     `json:"days"`
	MonthlyGrowth float64 `json:"monthly_growth"`
	// MASE is the backtest error, nil when the window is too short for a
	// backtest or the scale is zero (a constant series).
	MASE *float64 `json:"mase"`
}

// AuditPoolDoc is one pool's observed utilisation with the plan's
// thresholds, and its cliff under the plan against the refreshed one.
type AuditPoolDoc struct {
	Name     string     `json:"name"`
	Plan     string     `json:"plan"`
	Location diag.Range `json:"location"`

	WarnUtilization        float64 `json:"warn_utilization"`
	CriticalUtilization    float64 `json:"critical_utilization"`
	ReservedUtilizationMin float64 `json:"reserved_utilization_min"`
	// GPU and Reservation are nil when not observed (see NotAudited).
	GPU         *UtilizationDoc `json:"gpu"`
	Reservation *UtilizationDoc `json:"reservation"`

	ReservedGPUs float64 `json:"reserved_gpus"`
	Cliff        string  `json:"cliff"`
	OrderBy      string  `json:"order_by"`
	MinHeadroom  float64 `json:"min_headroom"`
	// Refreshed* are the same figures with the observed baselines of the
	// workloads in RefreshedFrom (the plan's growth still projected); equal
	// to the plan's when no request-rate workload on the pool was observed.
	RefreshedCliff       string   `json:"refreshed_cliff"`
	RefreshedOrderBy     string   `json:"refreshed_order_by"`
	RefreshedMinHeadroom float64  `json:"refreshed_min_headroom"`
	RefreshedFrom        []string `json:"refreshed_from"`
}

// UtilizationDoc summarises a utilisation series (fractions 0..1): the
// maximum and when it happened, the 95th percentile (nearest rank) and
// the mean of the step values.
type UtilizationDoc struct {
	Source  string  `json:"source"`
	Samples int     `json:"samples"`
	Peak    float64 `json:"peak"`
	PeakAt  string  `json:"peak_at"`
	P95     float64 `json:"p95"`
	Mean    float64 `json:"mean"`
}

// NotAuditedDoc is a measurement the audit could not make, and why.
type NotAuditedDoc struct {
	Target string `json:"target"` // "workload/chat" | "pool/h100-use1"
	Kind   string `json:"kind"`   // "workload" | "pool"
	Name   string `json:"name"`
	Plan   string `json:"plan"`
	// What is "demand", "gpu_utilization" or "reservation_utilization".
	What     string     `json:"what"`
	Reason   string     `json:"reason"`
	Location diag.Range `json:"location"`
}

// Audit evaluates the plans (in, as [Evaluate] does) and compares them with
// obs: it returns the plan's Document with Audit filled in. The refreshed
// projection re-runs the model with each observed request-rate workload's
// baseline replaced by its observed figure ([Input.Trends]). Observations
// that do not fit the model (an unknown key, no sample in the window, a
// negative demand, a utilisation outside 0..1, unsorted or non-finite
// points) are errors with the source's position: the audit fails closed.
func Audit(in Input, obs Observed) (*Document, error) {
	if obs.Step <= 0 || !obs.End.After(obs.Start) {
		return nil, diag.Errorf(diag.Pos{}, "audit: window %s … %s with step %v is empty", obs.Start.Format(time.RFC3339), obs.End.Format(time.RFC3339), obs.Step)
	}
	doc, err := Evaluate(in)
	if err != nil {
		return nil, err
	}
	a := &auditor{
		e:     &evaluation{in: in, cal: newCalendar(in.Now, 0)},
		obs:   obs,
		plans: map[string]*schema.Plan{},
	}
	for _, p := range in.Plans {
		if p != nil {
			a.plans[p.Name] = p
		}
	}
	ad := &AuditDoc{
		Start:       obs.Start.UTC().Format(time.RFC3339),
		End:         obs.End.UTC().Format(time.RFC3339),
		WindowDays:  obs.End.Sub(obs.Start).Hours() / 24,
		StepSeconds: obs.Step.Seconds(),
		Workloads:   []AuditWorkloadDoc{},
		Pools:       []AuditPoolDoc{},
		NotAudited:  []NotAuditedDoc{},
	}
	a.first, a.last = a.e.cal.index(obs.Start), a.e.cal.index(obs.End.Add(-time.Nanosecond))
	for m := a.first; m <= a.last; m++ {
		ad.Months = append(ad.Months, a.e.cal.label(m))
	}
	if err := a.checkKeys(doc); err != nil {
		return nil, err
	}

	var ds diag.Diagnostics
	for i := range doc.Workloads {
		aw, na, d := a.workload(&doc.Workloads[i])
		ds = append(ds, d...)
		switch {
		case aw != nil:
			ad.Workloads = append(ad.Workloads, *aw)
		case na != nil:
			ad.NotAudited = append(ad.NotAudited, *na)
		}
	}
	for i := range doc.Pools {
		ap, nas, d := a.pool(&doc.Pools[i])
		ds = append(ds, d...)
		ad.Pools = append(ad.Pools, ap)
		ad.NotAudited = append(ad.NotAudited, nas...)
	}
	if err := ds.Err(); err != nil {
		return nil, err
	}
	if err := a.refresh(ad); err != nil {
		return nil, err
	}
	slices.SortStableFunc(ad.NotAudited, func(x, y NotAuditedDoc) int {
		return cmp.Or(cmp.Compare(x.Plan, y.Plan), cmp.Compare(x.Kind, y.Kind), cmp.Compare(x.Name, y.Name), cmp.Compare(x.What, y.What))
	})
	doc.Audit = ad
	return doc, nil
}

// auditor is the state of one Audit call.
type auditor struct {
	e           *evaluation
	obs         Observed
	plans       map[string]*schema.Plan
	first, last int // month indexes the window covers
}

// checkKeys rejects observations for workloads or pools the document does
// not have: a typo in the caller's keys must not pass as "not audited".
func (a *auditor) checkKeys(doc *Document) error {
	have := map[string]bool{}
	for _, w := range doc.Workloads {
		have["workload "+w.Plan+"/"+w.Name] = true
	}
	for _, p := range doc.Pools {
		have["pool "+p.Plan+"/"+p.Name] = true
	}
	var ds diag.Diagnostics
	for _, set := range []struct {
		kind string
		m    map[string]Observation
	}{{"workload", a.obs.Workloads}, {"pool", a.obs.GPUUtilization}, {"pool", a.obs.ReservationUtilization}} {
		for _, k := range slices.Sorted(maps.Keys(set.m)) {
			if !have[set.kind+" "+k] {
				ds = append(ds, diag.Diagnostic{Severity: diag.Error, Msg: fmt.Sprintf("audit: observation for %s %q, which no plan defines", set.kind, k)})
			}
		}
	}
	return ds.Err()
}

// window returns the points of o inside (Start, End], checked: sorted,
// finite, within [lo, hi].
func (a *auditor) window(o Observation, pos diag.Pos, what string, lo, hi float64, hint string) (forecast.Series, diag.Diagnostics) {
	bad := func(format string, args ...any) (forecast.Series, diag.Diagnostics) {
		return forecast.Series{}, diag.Diagnostics{{Range: pos.Range(), Severity: diag.Error, Msg: what + " (" + o.Source + "): " + fmt.Sprintf(format, args...)}}
	}
	s := o.Series
	if len(s.Times) != len(s.Values) {
		return bad("%d times for %d values", len(s.Times), len(s.Values))
	}
	var out forecast.Series
	for i, t := range s.Times {
		t = t.UTC()
		if i > 0 && !t.After(s.Times[i-1]) {
			return bad("point %s is not after %s", t.Format(time.RFC3339), s.Times[i-1].UTC().Format(time.RFC3339))
		}
		if !t.After(a.obs.Start) || t.After(a.obs.End) {
			continue
		}
		v := s.Values[i]
		switch {
		case math.IsNaN(v) || math.IsInf(v, 0):
			return bad("value %v at %s is not finite", v, t.Format(time.RFC3339))
		case v < lo || v > hi:
			return bad("value %g at %s is outside [%g, %g]%s", v, t.Format(time.RFC3339), lo, hi, hint)
		}
		out.Times = append(out.Times, t)
		out.Values = append(out.Values, v)
	}
	if out.Len() == 0 {
		return bad("no samples between %s and %s", a.obs.Start.UTC().Format(time.RFC3339), a.obs.End.UTC().Format(time.RFC3339))
	}
	return out, nil
}

// stats are the summary figures of a windowed series.
type stats struct {
	peak, p95, mean float64
	peakAt          time.Time
}

func summarize(s forecast.Series) stats {
	st := stats{peak: s.Values[0], peakAt: s.Times[0]}
	sum := 0.0
	for i, v := range s.Values {
		sum += v
		if v > st.peak {
			st.peak, st.peakAt = v, s.Times[i]
		}
	}
	st.mean = sum / float64(s.Len())
	sorted := slices.Clone(s.Values)
	slices.Sort(sorted)
	st.p95 = sorted[int(math.Ceil(0.95*float64(len(sorted))-tol))-1]
	return st
}

// workload audits one workload: its audit entry, or why it was not
// audited, or the errors of its observation.
func (a *auditor) workload(wd *WorkloadDoc) (*AuditWorkloadDoc, *NotAuditedDoc, diag.Diagnostics) {
	p := a.plans[wd.Plan]
	w := p.Workloads[wd.Name]
	key := wd.Plan + "/" + wd.Name
	field := "workloads." + wd.Name
	unit := "GPUs"
	if wd.Kind.rateBased() {
		unit = "requests/s"
	}
	o, ok := a.obs.Workloads[key]
	if !ok {
		return nil, &NotAuditedDoc{
			Target: "workload/" + wd.Name, Kind: "workload", Name: wd.Name, Plan: wd.Plan, What: "demand",
			Reason:   a.reason(w.Actuals, "actuals", demandQuery(unit)),
			Location: p.PosOf(field).Range(),
		}, nil
	}
	s, ds := a.window(o, p.PosOf(field+".actuals"), "workload "+wd.Name+" actuals", 0, math.Inf(1), "")
	if len(ds) > 0 {
		return nil, nil, ds
	}
	st := summarize(s)
	aw := &AuditWorkloadDoc{
		Name: wd.Name, Plan: wd.Plan, Pool: wd.Pool, Kind: wd.Kind,
		Location:          wd.Location,
		Source:            o.Source,
		Unit:              unit,
		Basis:             "peak",
		Samples:           s.Len(),
		ObservedPeak:      st.peak,
		ObservedPeakAt:    st.peakAt.Format(time.RFC3339),
		ObservedP95:       st.p95,
		ObservedMean:      st.mean,
		Observed:          st.peak,
		DriftTolerance:    p.Policy.DriftTolerance,
		PlanMonthlyGrowth: wd.MonthlyGrowth,
	}
	if wd.Kind.rateBased() {
		switch wd.PeakBasis {
		case "p95":
			aw.Basis, aw.Observed = "p95", st.p95
		case "avg":
			aw.Basis, aw.Observed = "avg", st.mean
		}
		if wd.PeakBasis != "forecast" {
			aw.Location = p.PosOf(field + ".requests_per_s." + wd.PeakBasis).Range()
		}
	}

	sc := p.Scenarios[a.e.planFor(p)]
	aw.Projected = math.Inf(-1)
	for m := a.first; m <= a.last; m++ {
		var v float64
		switch wd.Kind {
		case KindLLMInference, KindInference:
			v = wd.BaselinePeak * a.e.demandFactor(p, wd.Name, w, sc, m, wd.Forecast == nil)
		case KindTraining:
			v = a.e.trainingGPUs(w, a.e.demandFactor(p, wd.Name, w, sc, m, true), m)
		case KindBatch:
			v = batchGPUs(w, a.e.demandFactor(p, wd.Name, w, sc, m, true))
		case KindStream:
			v = streamGPUs(w, a.e.demandFactor(p, wd.Name, w, sc, m, true))
		}
		if v > aw.Projected {
			aw.Projected, aw.ProjectedMonth = v, a.e.cal.label(m)
		}
	}
	if !(aw.Projected > 0) {
		return nil, &NotAuditedDoc{
			Target: "workload/" + wd.Name, Kind: "workload", Name: wd.Name, Plan: wd.Plan, What: "demand",
			Reason: fmt.Sprintf("the plan projects no demand for %s, so drift is undefined (observed %s %s %s)",
				strings.Join(a.months(), ", "), aw.Basis, fmtNum(aw.Observed), unit),
			Location: aw.Location,
		}, nil
	}
	aw.Drift = aw.Observed/aw.Projected - 1
	switch {
	case aw.Drift > 0:
		aw.Direction = DriftAbove
	case aw.Drift < 0:
		aw.Direction = DriftBelow
	default:
		aw.Direction = DriftEqual
	}
	aw.Fit, aw.FitError = fitPeaks(s)
	return aw, nil, nil
}

// demandQuery describes the query a workload's actuals should be.
func demandQuery(unit string) string {
	if unit == "GPUs" {
		return "a query of the GPUs it uses"
	}
	return "a query of its peak " + unit
}

func (a *auditor) months() []string {
	var out []string
	for m := a.first; m <= a.last; m++ {
		out = append(out, a.e.cal.label(m))
	}
	return out
}

func fmtNum(x float64) string { return fmt.Sprintf("%.4g", x) }

// fitPeaks fits the daily peaks of s (UTC days).
func fitPeaks(s forecast.Series) (*AuditFitDoc, string) {
	peaks, err := forecast.DailyPeaks(s)
	if err != nil {
		return nil, err.Error()
	}
	res, err := forecast.Fit(peaks, forecast.Options{})
	if err != nil {
		return nil, fmt.Sprintf("%d daily peaks: %v", peaks.Len(), err)
	}
	if math.IsNaN(res.MonthlyGrowth) || math.IsInf(res.MonthlyGrowth, 0) {
		return nil, fmt.Sprintf("%d daily peaks: the fitted level is not positive, so no growth rate can be derived", peaks.Len())
	}
	f := &AuditFitDoc{Method: res.Method, Model: res.Model, Days: peaks.Len(), MonthlyGrowth: res.MonthlyGrowth}
	if res.Backtest != nil && !math.IsNaN(res.Backtest.MASE) && !math.IsInf(res.Backtest.MASE, 0) {
		m := res.Backtest.MASE
		f.MASE = &m
	}
	return f, ""
}

// reason says why a source was not read: none is configured, or it names
// only a Prometheus query and no server was read.
func (a *auditor) reason(src *schema.Actuals, field, what string) string {
	switch {
	case src == nil || (src.CSV == "" && src.Prometheus == ""):
		return fmt.Sprintf("no %s source: add %s.prometheus (%s) or %s.csv", field, field, what, field)
	case src.CSV == "" && !a.obs.Prometheus:
		return fmt.Sprintf("%s.prometheus is set but no Prometheus server was given to read it from", field)
	}
	return fmt.Sprintf("no observed series was supplied for %s", field)
}

// pool audits one pool's utilisation.
func (a *auditor) pool(pd *PoolDoc) (AuditPoolDoc, []NotAuditedDoc, diag.Diagnostics) {
	p := a.plans[pd.Plan]
	pool := p.Pools[pd.Name]
	key := pd.Plan + "/" + pd.Name
	field := "pools." + pd.Name
	ap := AuditPoolDoc{
		Name: pd.Name, Plan: pd.Plan, Location: pd.Location,
		WarnUtilization:        p.Policy.WarnUtilization,
		CriticalUtilization:    p.Policy.CriticalUtilization,
		ReservedUtilizationMin: p.Policy.ReservedUtilizationMin,
		ReservedGPUs:           pd.ReservedGPUs,
		Cliff:                  pd.Cliff,
		OrderBy:                pd.OrderBy,
		MinHeadroom:            pd.MinHeadroom,
		RefreshedCliff:         pd.Cliff,
		RefreshedOrderBy:       pd.OrderBy,
		RefreshedMinHeadroom:   pd.MinHeadroom,
		RefreshedFrom:          []string{},
	}
	var (
		nas []NotAuditedDoc
		ds  diag.Diagnostics
	)
	var q schema.UtilizationQueries
	if pool.Utilization != nil {
		q = *pool.Utilization
	}
	for _, u := range []struct {
		what, sub, desc string
		m               map[string]Observation
		src             *schema.Actuals
		dst             **UtilizationDoc
	}{
		{"gpu_utilization", "gpu", "the share of its GPUs busy, 0..1", a.obs.GPUUtilization, q.GPU, &ap.GPU},
		{"reservation_utilization", "reservation", "the share of its reserved GPUs in use, 0..1", a.obs.ReservationUtilization, q.Reservation, &ap.Reservation},
	} {
		f := field + ".utilization." + u.sub
		o, ok := u.m[key]
		if !ok {
			nas = append(nas, NotAuditedDoc{
				Target: "pool/" + pd.Name, Kind: "pool", Name: pd.Name, Plan: pd.Plan, What: u.what,
				Reason:   a.reason(u.src, "utilization."+u.sub, u.desc),
				Location: pd.Location,
			})
			continue
		}
		s, d := a.window(o, p.PosOf(f), "pool "+pd.Name+" utilization."+u.sub, 0, 1,
			": utilisation is a fraction 0..1 (divide a percentage by 100 in the query)")
		if len(d) > 0 {
			ds = append(ds, d...)
			continue
		}
		st := summarize(s)
		*u.dst = &UtilizationDoc{
			Source: o.Source, Samples: s.Len(),
			Peak: st.peak, PeakAt: st.peakAt.Format(time.RFC3339), P95: st.p95, Mean: st.mean,
		}
	}
	return ap, nas, ds
}

// refresh re-runs the capacity model with the observed baselines of the
// audited request-rate workloads and records each pool's refreshed cliff.
func (a *auditor) refresh(ad *AuditDoc) error {
	trends := map[string]Trend{}
	for k, t := range a.e.in.Trends {
		trends[k] = t
	}
	from := map[string][]string{} // plan/pool -> workloads
	for _, aw := range ad.Workloads {
		if !aw.Kind.rateBased() {
			continue
		}
		t := Trend{BaselinePeak: aw.Observed, MonthlyGrowth: aw.PlanMonthlyGrowth, Method: "observed " + aw.Basis, Source: aw.Source}
		if aw.Fit != nil {
			t.MonthlyGrowth, t.Method = aw.Fit.MonthlyGrowth, aw.Fit.Method
			if aw.Fit.MASE != nil {
				t.MASE = *aw.Fit.MASE
			}
		}
		trends[aw.Plan+"/"+aw.Name] = t
		from[aw.Plan+"/"+aw.Pool] = append(from[aw.Plan+"/"+aw.Pool], aw.Name)
	}
	if len(from) == 0 {
		return nil
	}
	in := a.e.in
	in.Trends = trends
	ref, err := Evaluate(in)
	if err != nil {
		return fmt.Errorf("audit: refreshed projection: %w", err)
	}
	byKey := map[string]*PoolDoc{}
	for i := range ref.Pools {
		byKey[ref.Pools[i].Plan+"/"+ref.Pools[i].Name] = &ref.Pools[i]
	}
	for i := range ad.Pools {
		ap := &ad.Pools[i]
		k := ap.Plan + "/" + ap.Name
		ws, ok := from[k]
		r := byKey[k]
		if !ok || r == nil {
			continue
		}
		ap.RefreshedCliff, ap.RefreshedOrderBy, ap.RefreshedMinHeadroom = r.Cliff, r.OrderBy, r.MinHeadroom
		ap.RefreshedFrom = ws
	}
	return nil
}
