package report

import (
	"fmt"
	"io"
	"math"
	"text/tabwriter"
	"time"

	"github.com/capcheck/capcheck/evaluator"
	"github.com/capcheck/capcheck/forecast"
)

// ForecastInput is a fitted series to render.
type ForecastInput struct {
	Name        string // series name or file
	Aggregation string // peaks applied before fitting: hourly, daily, none
	Points      int    // points fitted
	Result      *forecast.Result
}

// forecastJSON is `capcheck forecast --format json`.
type forecastJSON struct {
	Version     string             `json:"version"`
	Series      string             `json:"series"`
	Aggregation string             `json:"aggregation"`
	Points      int                `json:"points"`
	Step        string             `json:"step"`
	Method      string             `json:"method"`
	Model       string             `json:"model"`
	Reason      string             `json:"reason"`
	Params      map[string]float64 `json:"params"`
	// MonthlyGrowth is null when the last fitted level is not positive.
	MonthlyGrowth *float64             `json:"monthly_growth"`
	Backtest      *forecast.Accuracy   `json:"backtest"`
	Forecast      []forecast.Point     `json:"forecast"`
	Candidates    []forecast.Candidate `json:"candidates"`
}

// Forecast renders a fitted series as "text" or "json".
func Forecast(w io.Writer, format string, in ForecastInput) error {
	r := in.Result
	switch format {
	case "json":
		out := forecastJSON{
			Version: evaluator.Version, Series: in.Name, Aggregation: in.Aggregation, Points: in.Points,
			Step: stepString(r), Method: r.Method, Model: r.Model, Reason: r.Reason, Params: r.Params,
			Backtest: r.Backtest, Forecast: r.Forecast, Candidates: r.Candidates,
		}
		if !math.IsNaN(r.MonthlyGrowth) {
			g := r.MonthlyGrowth
			out.MonthlyGrowth = &g
		}
		return writeJSON(w, out)
	case "text", "":
		return forecastText(w, in)
	}
	return errUnknownFormat("forecast", format, "text", "json")
}

func stepString(r *forecast.Result) string {
	switch {
	case r.Months == 1:
		return "1 month"
	case r.Months > 1:
		return fmt.Sprintf("%d months", r.Months)
	case r.Step == 24*time.Hour:
		return "1 day"
	case r.Step > 0 && r.Step%(24*time.Hour) == 0:
		return fmt.Sprintf("%d days", r.Step/(24*time.Hour))
	}
	return r.Step.String()
}

func forecastText(w io.Writer, in ForecastInput) error {
	r := in.Result
	fmt.Fprintf(w, "series:   %s (%d points, step %s, peaks: %s)\n", in.Name, in.Points, stepString(r), in.Aggregation)
	fmt.Fprintf(w, "model:    %s — %s\n", r.Model, r.Reason)
	if math.IsNaN(r.MonthlyGrowth) {
		fmt.Fprintln(w, "growth:   unknown (last fitted level is not positive)")
	} else {
		fmt.Fprintf(w, "growth:   %+.2f%%/month (fitted trend)\n", 100*r.MonthlyGrowth)
	}
	if b := r.Backtest; b != nil {
		fmt.Fprintf(w, "backtest: MASE %.3f, sMAPE %.2f%%, interval coverage 80%%: %.0f%%, 95%%: %.0f%% (%d origins, %d points)\n",
			b.MASE, b.SMAPE, 100*b.Coverage80, 100*b.Coverage95, b.Origins, b.Points)
	} else {
		fmt.Fprintln(w, "backtest: series too short for a rolling-origin backtest")
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "TIME\tFORECAST\t80% LOW\t80% HIGH\t95% LOW\t95% HIGH\t")
	layout := time.RFC3339
	if r.Step >= 24*time.Hour || r.Months > 0 {
		layout = "2006-01-02"
	}
	for _, p := range r.Forecast {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t\n", p.Time.UTC().Format(layout),
			fig(p.Value), fig(p.Lo80), fig(p.Hi80), fig(p.Lo95), fig(p.Hi95))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "candidates:")
	for _, c := range r.Candidates {
		switch {
		case c.Err != "":
			fmt.Fprintf(w, "  %-22s skipped: %s\n", c.Method, c.Err)
		case c.AICc != nil:
			fmt.Fprintf(w, "  %-22s %s, AICc %.1f\n", c.Method, c.Model, *c.AICc)
		default:
			fmt.Fprintf(w, "  %-22s %s\n", c.Method, c.Model)
		}
	}
	return nil
}

// fig formats a forecast figure with four significant digits.
func fig(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "?"
	}
	return fmt.Sprintf("%.4g", f)
}
