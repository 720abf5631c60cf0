package forecast

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// hourlyWeeks is a seeded hourly series of n points (about five weeks
// for n = 840) shaped like GPU demand: a daily cycle with a night-time
// trough, a weekend dip, slow growth and 5% noise.
func hourlyWeeks(n int) Series {
	rng := rand.New(rand.NewPCG(11, 13))
	start := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	s := Series{Times: make([]time.Time, n), Values: make([]float64, n)}
	for i := range n {
		hr, dow := i%24, (i/24)%7
		week := 1.0
		if dow >= 5 {
			week = 0.8
		}
		s.Times[i] = start.Add(time.Duration(i) * time.Hour)
		s.Values[i] = (400 + 0.1*float64(i)) * (1 + 0.5*math.Sin(2*math.Pi*float64(hr-6)/24)) * week * (1 + 0.05*rng.NormFloat64())
	}
	return s
}

// BenchmarkFitHourly48 is the interactive case of issue 13: a 48-step
// forecast of 840 hourly points (five weeks), selection and intervals
// included, with default options. Goal: under 0.1 s.
func BenchmarkFitHourly48(b *testing.B) {
	s := hourlyWeeks(840)
	for b.Loop() {
		if _, err := Fit(s, Options{Horizon: 48}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFitDaily3Years is a 28-step forecast of three years of daily
// points (1,096) with weekly and yearly cycles, slow growth and 5% noise,
// default options: the case the Harmonic candidates (a yearly Fourier
// cycle under ETS) are offered for.
func BenchmarkFitDaily3Years(b *testing.B) {
	rng := rand.New(rand.NewPCG(17, 19))
	n := 1096
	s := Series{Times: make([]time.Time, n), Values: make([]float64, n)}
	start := time.Date(2023, 1, 2, 0, 0, 0, 0, time.UTC)
	for i := range n {
		week := 1.0
		if i%7 >= 5 {
			week = 0.7
		}
		s.Times[i] = start.AddDate(0, 0, i)
		s.Values[i] = (200 + 0.05*float64(i)) * (1 + 0.3*math.Sin(2*math.Pi*float64(i)/daysPerYear)) * week * (1 + 0.05*rng.NormFloat64())
	}
	for b.Loop() {
		if _, err := Fit(s, Options{Horizon: 28}); err != nil {
			b.Fatal(err)
		}
	}
}
