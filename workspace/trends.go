package workspace

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/capcheck/capcheck/actuals"
	"github.com/capcheck/capcheck/evaluator"
	"github.com/capcheck/capcheck/forecast"
	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/internal/gregorian"
	"github.com/capcheck/capcheck/schema"
)

// baselineWindow is how far back the observed peak baseline looks.
const baselineWindow = 28 * 24 * time.Hour

// fitTrends fits the actuals series of every workload that names a CSV and
// returns the trends the evaluator takes its baseline and fitted growth
// from, keyed "plan/workload". Prometheus actuals are read by audit, not
// by check.
func (ws *Workspace) fitTrends(plans []*schema.Plan, now time.Time) (map[string]evaluator.Trend, error) {
	trends := map[string]evaluator.Trend{}
	var errs diag.Diagnostics
	for _, p := range plans {
		for name, w := range p.Workloads {
			if w == nil || w.Actuals == nil || w.Actuals.CSV == "" {
				continue
			}
			field := "workloads." + name + ".actuals"
			tr, err := fitTrend(ws.Root, w.Actuals, now)
			if err != nil {
				var ds diag.Diagnostics
				var se *seriesError
				switch {
				case errors.As(err, &ds):
					errs = append(errs, ds...)
				case errors.As(err, &se):
					// The fix is in the plan: point at the actuals (or the
					// series it names) and say which field to write.
					at := field
					if se.name != "" {
						at += ".series"
					}
					errs = append(errs, diag.Diagnostic{Range: p.PosOf(at).Range(), Severity: diag.Error, Path: at, Msg: err.Error()})
				default:
					errs = append(errs, diag.Diagnostic{Range: p.PosOf(field + ".csv").Range(), Severity: diag.Error, Path: field, Msg: err.Error()})
				}
				continue
			}
			trends[p.Name+"/"+name] = tr
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return trends, nil
}

// seriesError is a CSV whose series the plan does not pick: several and
// no series: field, or a series: field that names none of them.
type seriesError struct {
	file, name string
	have       []string
}

func (e *seriesError) Error() string {
	if e.name == "" {
		return fmt.Sprintf("%s holds %d series (%s); choose one with series: in the workload's actuals",
			e.file, len(e.have), strings.Join(e.have, ", "))
	}
	return fmt.Sprintf("%s has no series %q (it holds %s); series: in the workload's actuals must name one of them",
		e.file, e.name, strings.Join(e.have, ", "))
}

// pickSeries is the series of all that a plan's actuals name: the named
// one, or the only one when the plan names none.
func pickSeries(all []actuals.Named, file, name string) (actuals.Named, error) {
	if name == "" && len(all) == 1 {
		return all[0], nil
	}
	have := make([]string, len(all))
	for i, n := range all {
		if n.Name == name && name != "" {
			return n, nil
		}
		have[i] = n.Name
	}
	return actuals.Named{}, &seriesError{file: file, name: name, have: have}
}

// fitTrend reads one series, fits its daily peaks and turns the fit into a
// baseline at now: the highest daily peak of the last 28 observed days,
// carried forward to now at the fitted growth when the series ends earlier.
func fitTrend(root string, a *schema.Actuals, now time.Time) (evaluator.Trend, error) {
	all, err := actuals.ReadCSVFile(root, a.CSV)
	if err != nil {
		return evaluator.Trend{}, err
	}
	named, err := pickSeries(all, a.CSV, a.Series)
	if err != nil {
		return evaluator.Trend{}, err
	}
	peaks, _, err := forecast.AutoPeaks(named.Series, forecast.PeaksDaily)
	if err != nil {
		return evaluator.Trend{}, fmt.Errorf("%s: %w", a.CSV, err)
	}
	res, err := forecast.Fit(peaks, forecast.Options{})
	if err != nil {
		return evaluator.Trend{}, fmt.Errorf("%s: fit: %w", a.CSV, err)
	}
	if math.IsNaN(res.MonthlyGrowth) {
		return evaluator.Trend{}, fmt.Errorf("%s: the fitted level is not positive, so no growth rate can be derived", a.CSV)
	}
	end := peaks.Times[peaks.Len()-1]
	var recent []float64
	for i, t := range peaks.Times {
		if end.Sub(t) < baselineWindow {
			recent = append(recent, peaks.Values[i])
		}
	}
	base := slices.Max(recent)
	if months := now.Sub(end).Hours() / 24 / gregorian.MonthDays; months > 0 {
		base *= math.Pow(1+res.MonthlyGrowth, months)
	}
	tr := evaluator.Trend{
		BaselinePeak:  base,
		MonthlyGrowth: res.MonthlyGrowth,
		Method:        res.Model,
		Source:        a.CSV,
	}
	if res.Backtest != nil {
		tr.MASE = res.Backtest.MASE
	}
	return tr, nil
}
