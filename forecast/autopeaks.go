package forecast

import (
	"fmt"
	"slices"
	"time"
)

// Peak aggregations for [AutoPeaks].
const (
	PeaksAuto   = "auto"
	PeaksHourly = "hourly"
	PeaksDaily  = "daily"
	PeaksNone   = "none"
)

// AutoPeaks aggregates raw samples to the peaks capacity planning fits:
// capacity follows peaks, not means. With PeaksAuto, samples spaced under an
// hour become hourly peaks, and sub-daily data spanning more than 60 days
// becomes daily peaks (months-ahead planning needs no hourly detail, and the
// fit stays fast). It returns the series and the aggregation applied.
func AutoPeaks(s Series, mode string) (Series, string, error) {
	switch mode {
	case PeaksNone:
		return s, PeaksNone, nil
	case PeaksHourly:
		out, err := PeaksBy(s, time.Hour)
		return out, PeaksHourly, err
	case PeaksDaily:
		out, err := DailyPeaks(s)
		return out, PeaksDaily, err
	case PeaksAuto, "":
	default:
		return Series{}, "", fmt.Errorf("%w: unknown peak aggregation %q (want auto, hourly, daily or none)", ErrOptions, mode)
	}
	if err := s.check(); err != nil {
		return Series{}, "", err
	}
	if s.Len() < 2 {
		return s, PeaksNone, nil
	}
	gaps := make([]time.Duration, s.Len()-1)
	for i := 1; i < s.Len(); i++ {
		gaps[i-1] = s.Times[i].Sub(s.Times[i-1])
	}
	slices.Sort(gaps)
	step := gaps[len(gaps)/2]
	span := s.Times[s.Len()-1].Sub(s.Times[0])
	switch {
	case step < 24*time.Hour && span > 60*24*time.Hour:
		out, err := DailyPeaks(s)
		return out, PeaksDaily, err
	case step < time.Hour:
		out, err := PeaksBy(s, time.Hour)
		return out, PeaksHourly, err
	}
	return s, PeaksNone, nil
}
