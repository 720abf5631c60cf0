package main

import (
	"strings"

	"github.com/capcheck/capcheck/forecast"
	"github.com/capcheck/capcheck/report"
	"github.com/capcheck/capcheck/workspace"
)

func runForecast(e *env, args []string) int {
	fs := newFlags(e, "forecast", "[flags] SERIES.csv")
	format := fs.String("format", "text", "output format: text or json")
	series := fs.String("series", "", "series name in a timestamp,series,value file (default: the only series)")
	horizon := fs.Int("horizon", 0, "steps to project (default: one seasonal cycle)")
	peaks := fs.String("peaks", "auto", "aggregate raw samples to peaks first: auto (daily for sub-daily data spanning over 60 days, else hourly for sub-hourly data), daily, hourly, or none")
	selection := fs.String("select", forecast.SelectBacktest, "model selection: backtest (lowest multi-step rolling-origin error; the mean of the best three when that is lower) or aicc (lowest AICc of one-step fits)")
	methods := fs.String("methods", "", "comma-separated candidate methods (default all: "+strings.Join(forecast.AllMethods, ", ")+")")
	pos, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		got := "none"
		if len(pos) > 1 {
			got = strings.Join(pos, " ")
		}
		return usageError(e, "forecast", "want exactly one SERIES.csv, got "+got)
	}
	if !knownFormat(e, "forecast", *format, report.DataFormats()) {
		return exitError
	}
	opts := forecast.Options{Horizon: *horizon, Selection: *selection}
	if *methods != "" {
		opts.Methods = strings.Split(*methods, ",")
	}
	in, err := workspace.FitFile(pos[0], *series, *peaks, opts)
	if err != nil {
		return fail(e, err)
	}
	if err := report.Forecast(e.stdout, *format, in); err != nil {
		return fail(e, err)
	}
	return exitPass
}
