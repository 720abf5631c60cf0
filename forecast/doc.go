// Package forecast owns the numerics capcheck uses to project observed demand:
// aggregating raw samples to peaks, fitting trend, exponential-smoothing
// (single and double seasonal, on values or logs, and under a yearly Fourier
// cycle for long daily series), Theta and seasonal-naive models, choosing
// one — or the mean of the best three — by multi-step rolling-origin
// backtest (or by AICc), projecting it with 80% and 95%
// prediction intervals from the quantiles of its own held-out errors
// (split-conformal, widened when few of them are independent), scoring
// accuracy (MASE, sMAPE, interval coverage) and reporting the fitted
// monthly growth rate.
//
// Capacity follows peaks, so callers normally fit the series of daily (or
// hourly) maxima returned by [DailyPeaks] or [PeaksBy], not raw samples.
//
// The package is pure: it reads no files and makes no network calls; its
// randomness (bootstrap prediction intervals) is seeded, so results are
// deterministic. Every bad input (empty, too short, unsorted, NaN or Inf,
// gappy, negative values for multiplicative methods) gives an error, never a
// panic.
//
// Methods follow Hyndman & Athanasopoulos, "Forecasting: Principles and
// Practice" (3rd ed., https://otexts.com/fpp3/), chapters 5 (benchmarks and
// accuracy), 7 (regression) and 8 (ETS); the metrics follow the M4
// competition's definitions (Makridakis et al. 2020).
package forecast
