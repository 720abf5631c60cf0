package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/capcheck/capcheck/actuals"
	"github.com/capcheck/capcheck/forecast"
	"github.com/capcheck/capcheck/report"
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
		usageError(e.stderr, "forecast", "want exactly one SERIES.csv, got "+got)
		return exitError
	}
	if !knownFormat(e, "forecast", *format, report.DataFormats()) {
		return exitError
	}
	file := pos[0]
	f, err := os.Open(file)
	if err != nil {
		return fail(e, fmt.Errorf("read series: %w", err))
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return fail(e, fmt.Errorf("read series: %s is a directory, want a CSV file", file))
	}
	all, err := actuals.ReadCSV(f, filepath.ToSlash(file))
	if err != nil {
		return fail(e, err)
	}
	named, err := pickSeries(all, *series)
	if err != nil {
		return fail(e, fmt.Errorf("%s: %w", file, err))
	}
	s, agg, err := forecast.AutoPeaks(named.Series, *peaks)
	if err != nil {
		return fail(e, fmt.Errorf("%s: %w", file, err))
	}
	opts := forecast.Options{Horizon: *horizon, Selection: *selection}
	if *methods != "" {
		opts.Methods = strings.Split(*methods, ",")
	}
	res, err := forecast.Fit(s, opts)
	if err != nil {
		return fail(e, fmt.Errorf("%s: fit: %w", file, err))
	}
	name := named.Name
	if name == "" {
		name = filepath.Base(file)
	}
	if err := report.Forecast(e.stdout, *format, report.ForecastInput{Name: name, Aggregation: agg, Points: s.Len(), Result: res}); err != nil {
		return fail(e, err)
	}
	return exitPass
}

func pickSeries(all []actuals.Named, name string) (actuals.Named, error) {
	if name == "" {
		if len(all) == 1 {
			return all[0], nil
		}
		names := make([]string, len(all))
		for i, n := range all {
			names[i] = n.Name
		}
		return actuals.Named{}, fmt.Errorf("file holds %d series (%s); choose one with --series", len(all), strings.Join(names, ", "))
	}
	for _, n := range all {
		if n.Name == name {
			return n, nil
		}
	}
	return actuals.Named{}, fmt.Errorf("no series %q in file", name)
}
