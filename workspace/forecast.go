package workspace

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/capcheck/capcheck/actuals"
	"github.com/capcheck/capcheck/forecast"
	"github.com/capcheck/capcheck/internal/repopath"
	"github.com/capcheck/capcheck/report"
)

// maxSeriesBytes is the largest series file `capcheck forecast` reads,
// the bound actuals.ReadCSV holds a CSV stream to.
const maxSeriesBytes = 512 << 20

// FitFile reads the series named series ("" for the only one) from the
// CSV file (relative to the working directory: the user's own file, not a
// repository's), reduces it to peaks as peaks says and fits it with opts:
// what `capcheck forecast` prints.
func FitFile(file, series, peaks string, opts forecast.Options) (report.ForecastInput, error) {
	// A regular file only (a FIFO is refused unopened, not waited on),
	// bounded as actuals.ReadCSV bounds the stream it reads.
	data, err := repopath.ReadUserInput(file, maxSeriesBytes) // "-" is standard input
	if nr := (*repopath.NotRegularError)(nil); errors.As(err, &nr) {
		if nr.Mode.IsDir() {
			return report.ForecastInput{}, fmt.Errorf("read series: %s is a directory, want a CSV file", repopath.UserName(file))
		}
		return report.ForecastInput{}, fmt.Errorf("read series: %s is not a regular file (%v), want a CSV file", repopath.UserName(file), nr.Mode.Type())
	}
	if err != nil {
		return report.ForecastInput{}, fmt.Errorf("read series: %s: %s", repopath.UserName(file), repopath.Reason(err))
	}
	all, err := actuals.ReadCSV(bytes.NewReader(data), repopath.UserName(file))
	if err != nil {
		return report.ForecastInput{}, err
	}
	named, err := flagSeries(all, series)
	if err != nil {
		return report.ForecastInput{}, fmt.Errorf("%s: %w", file, err)
	}
	s, agg, err := forecast.AutoPeaks(named.Series, peaks)
	if err != nil {
		return report.ForecastInput{}, fmt.Errorf("%s: %w", file, err)
	}
	res, err := forecast.Fit(s, opts)
	if err != nil {
		return report.ForecastInput{}, fmt.Errorf("%s: fit: %w", file, err)
	}
	name := named.Name
	if name == "" {
		name = filepath.Base(repopath.UserName(file))
	}
	return report.ForecastInput{Name: name, Aggregation: agg, Points: s.Len(), Result: res}, nil
}

// flagSeries is the series of all that --series names: the named one, or
// the only one when none is named. (A plan names its series in its
// actuals' series: field; see pickSeries.)
func flagSeries(all []actuals.Named, name string) (actuals.Named, error) {
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
