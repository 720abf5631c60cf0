package report

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/capcheck/capcheck/evaluator"
	"github.com/capcheck/capcheck/forecast"
	"github.com/capcheck/capcheck/internal/diag"
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

// stepString says how far apart the fitted points are: "1 month", "1
// day", "1 hour", "15 minutes".
func stepString(r *forecast.Result) string {
	switch {
	case r.Months == 1:
		return "1 month"
	case r.Months > 1:
		return fmt.Sprintf("%d months", r.Months)
	}
	for _, u := range []struct {
		d          time.Duration
		one, other string
	}{{24 * time.Hour, "day", "days"}, {time.Hour, "hour", "hours"}, {time.Minute, "minute", "minutes"}, {time.Second, "second", "seconds"}} {
		if r.Step >= u.d && r.Step%u.d == 0 {
			n := int64(r.Step / u.d)
			if n == 1 {
				return "1 " + u.one
			}
			return fmt.Sprintf("%d %s", n, u.other)
		}
	}
	return r.Step.String()
}

// hasTrend reports whether the chosen model has a trend term, so that its
// monthly growth is fitted rather than zero by construction.
func hasTrend(r *forecast.Result) bool {
	switch r.Method {
	case "linear", "loglinear":
		return true
	case "seasonal-naive":
		return false
	}
	_, ok := r.Params["trend"]
	return ok
}

func forecastText(w io.Writer, in ForecastInput) error {
	r := in.Result
	fmt.Fprintf(w, "series:   %s (%d points, step %s, peaks: %s)\n", diag.Text(in.Name), in.Points, stepString(r), diag.Text(in.Aggregation))
	fmt.Fprintf(w, "model:    %s — %s\n", r.Model, diag.Text(r.Reason))
	switch {
	case math.IsNaN(r.MonthlyGrowth):
		fmt.Fprintln(w, "growth:   unknown (last fitted level is not positive)")
	case !hasTrend(r):
		fmt.Fprintf(w, "growth:   none fitted (%s has no trend term)\n", r.Model)
	default:
		fmt.Fprintf(w, "growth:   %+.2f%%/month (fitted trend)\n", 100*r.MonthlyGrowth)
	}
	if b := r.Backtest; b != nil {
		fmt.Fprintf(w, "backtest: MASE %.3f (below 1 beats seasonal naive), sMAPE %.2f%%, over %s and %s\n",
			b.MASE, b.SMAPE, plural(b.Origins, "origin", "origins"), plural(b.Points, "held-out point", "held-out points"))
		fmt.Fprintf(w, "coverage: the 80%% interval held %.0f%% of them, the 95%% interval %.0f%%\n", 100*b.Coverage80, 100*b.Coverage95)
	} else {
		fmt.Fprintln(w, "backtest: none (the series is too short for a rolling-origin backtest, or too flat to score)")
	}
	fmt.Fprintln(w)
	dec := decimals(r.Forecast)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "TIME\tFORECAST\t80% LOW\t80% HIGH\t95% LOW\t95% HIGH\t")
	layout := time.RFC3339
	if r.Step >= 24*time.Hour || r.Months > 0 {
		layout = "2006-01-02"
	}
	for _, p := range r.Forecast {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t\n", p.Time.UTC().Format(layout),
			fig(p.Value, dec), fig(p.Lo80, dec), fig(p.Hi80, dec), fig(p.Lo95, dec), fig(p.Hi95, dec))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "candidates:")
	for _, c := range r.Candidates {
		mark := ""
		if c.Method == r.Method && c.Model == r.Model {
			mark = "  ← chosen"
		}
		switch {
		case c.Err != "":
			fmt.Fprintf(w, "  %-22s skipped: %s\n", c.Method, diag.Text(c.Err))
		case c.AICc != nil:
			fmt.Fprintf(w, "  %-22s %s, AICc %.2f%s\n", c.Method, c.Model, *c.AICc, mark)
		default:
			fmt.Fprintf(w, "  %-22s %s%s\n", c.Method, c.Model, mark)
		}
	}
	return nil
}

// decimals is how many decimals the forecast table shows: enough for four
// significant digits of its largest figure (131.2, 47.09, 0.7512), none
// from 1,000 up, at most six.
func decimals(pts []forecast.Point) int {
	var top float64
	for _, p := range pts {
		for _, v := range []float64{p.Value, p.Lo80, p.Hi80, p.Lo95, p.Hi95} {
			if a := math.Abs(v); !math.IsNaN(a) && !math.IsInf(a, 0) && a > top {
				top = a
			}
		}
	}
	if top == 0 {
		return 0
	}
	return min(max(3-int(math.Floor(math.Log10(top))), 0), 6)
}

// fig formats a forecast figure with dec decimals and thousands
// separators ("27,153", "93.93"); "?" when it is not a number.
func fig(f float64, dec int) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "?"
	}
	s := strconv.FormatFloat(f, 'f', dec, 64)
	if s == "-0" || strings.Trim(s, "-0.") == "" {
		s = strings.TrimPrefix(s, "-")
	}
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	intPart, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if hasFrac {
		b.WriteString("." + frac)
	}
	return sign + b.String()
}
