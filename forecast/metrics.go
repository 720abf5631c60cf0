package forecast

import (
	"fmt"
	"math"
)

// Accuracy summarises out-of-sample performance over rolling origins.
type Accuracy struct {
	// MASE is the mean absolute scaled error (Hyndman & Koehler 2006): the
	// mean absolute error over the held-out points divided by the in-sample
	// mean absolute error of the seasonal-naive method with the benchmark
	// period, averaged over origins. Below 1 beats in-sample seasonal-naive.
	MASE float64 `json:"mase"`
	// SMAPE is the symmetric mean absolute percentage error in percent
	// (M4 definition, 0–200), averaged over origins.
	SMAPE float64 `json:"smape"`
	// Coverage80 and Coverage95 are the fractions of held-out points inside
	// the 80% and 95% prediction intervals.
	Coverage80 float64 `json:"coverage80"`
	Coverage95 float64 `json:"coverage95"`
	// Origins is how many forecast origins were evaluated; Points how many
	// held-out points in all.
	Origins int `json:"origins"`
	Points  int `json:"points"`
}

// scoring accumulates [Accuracy] over rolling origins: per origin the MASE
// and sMAPE of the point forecasts, and across origins the held-out points
// inside each interval.
type scoring struct {
	acc        Accuracy
	in80, in95 int
}

// add scores the forecast pts of one origin against the held-out test
// values, scaling MASE by the seasonal-naive error of train with period
// bench.
func (s *scoring) add(train, test []float64, pts []Point, bench int) error {
	f := make([]float64, len(test))
	for j, pt := range pts {
		f[j] = pt.Value
		if test[j] >= pt.Lo80 && test[j] <= pt.Hi80 {
			s.in80++
		}
		if test[j] >= pt.Lo95 && test[j] <= pt.Hi95 {
			s.in95++
		}
	}
	mase, err := MASE(test, f, train, bench)
	if err != nil {
		return err
	}
	smape, err := SMAPE(test, f)
	if err != nil {
		return err
	}
	s.acc.MASE += mase
	s.acc.SMAPE += smape
	s.acc.Origins++
	s.acc.Points += len(test)
	return nil
}

// result averages the scores over the origins added; ok is false when none
// was.
func (s *scoring) result() (acc Accuracy, ok bool) {
	acc = s.acc
	if acc.Origins == 0 {
		return acc, false
	}
	acc.MASE /= float64(acc.Origins)
	acc.SMAPE /= float64(acc.Origins)
	acc.Coverage80 = float64(s.in80) / float64(acc.Points)
	acc.Coverage95 = float64(s.in95) / float64(acc.Points)
	return acc, true
}

// MASE returns the mean absolute scaled error of forecast against actual:
//
//	MASE = mean|actual−forecast| / mean_{t>m}|insample[t]−insample[t−m]|
//
// where insample is the training data and m the seasonal period of the
// scaling naive method (m = 1 for the M4 weekly series). It is an error when
// the lengths differ, m < 1, the insample has m or fewer points, or the
// scale is zero (a constant or exactly m-periodic training series).
func MASE(actual, forecast, insample []float64, m int) (float64, error) {
	if err := pairCheck(actual, forecast); err != nil {
		return math.NaN(), err
	}
	scale, err := naiveScale(insample, m)
	if err != nil {
		return math.NaN(), err
	}
	var sum float64
	for i := range actual {
		sum += math.Abs(actual[i] - forecast[i])
	}
	return sum / float64(len(actual)) / scale, nil
}

// naiveScale is the in-sample mean absolute error of the seasonal-naive
// method with period m.
func naiveScale(insample []float64, m int) (float64, error) {
	if m < 1 {
		return math.NaN(), fmt.Errorf("%w: MASE period %d must be at least 1", ErrOptions, m)
	}
	if len(insample) <= m {
		return math.NaN(), fmt.Errorf("%w: MASE scale needs more than %d in-sample points, have %d", ErrTooShort, m, len(insample))
	}
	var sum float64
	for t := m; t < len(insample); t++ {
		d := math.Abs(insample[t] - insample[t-m])
		if math.IsNaN(d) || math.IsInf(d, 0) {
			return math.NaN(), fmt.Errorf("%w: in-sample point %d", ErrNotFinite, t)
		}
		sum += d
	}
	scale := sum / float64(len(insample)-m)
	if scale == 0 {
		return math.NaN(), fmt.Errorf("MASE undefined: in-sample seasonal-naive error (period %d) is zero", m)
	}
	return scale, nil
}

// SMAPE returns the symmetric mean absolute percentage error in percent, as
// in the M4 competition:
//
//	sMAPE = mean 200·|actual−forecast| / (|actual|+|forecast|)
//
// A point where actual and forecast are both zero counts as zero error.
func SMAPE(actual, forecast []float64) (float64, error) {
	if err := pairCheck(actual, forecast); err != nil {
		return math.NaN(), err
	}
	var sum float64
	for i := range actual {
		den := math.Abs(actual[i]) + math.Abs(forecast[i])
		if den > 0 {
			sum += 200 * math.Abs(actual[i]-forecast[i]) / den
		}
	}
	return sum / float64(len(actual)), nil
}

func pairCheck(actual, forecast []float64) error {
	if len(actual) != len(forecast) {
		return fmt.Errorf("%w: %d actual, %d forecast values", ErrLength, len(actual), len(forecast))
	}
	if len(actual) == 0 {
		return ErrEmpty
	}
	for i := range actual {
		if math.IsNaN(actual[i]) || math.IsInf(actual[i], 0) || math.IsNaN(forecast[i]) || math.IsInf(forecast[i], 0) {
			return fmt.Errorf("%w: point %d", ErrNotFinite, i)
		}
	}
	return nil
}
