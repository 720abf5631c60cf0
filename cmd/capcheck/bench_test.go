package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// benchRun runs one capcheck command in-process per iteration.
func benchRun(b *testing.B, want int, args ...string) {
	b.Helper()
	b.Setenv("CAPCHECK_NOW", "2026-11-21")
	for b.Loop() {
		if code := run(context.Background(), args, strings.NewReader(""), io.Discard, io.Discard); code != want {
			b.Fatalf("capcheck %s: exit %d, want %d", strings.Join(args, " "), code, want)
		}
	}
}

// BenchmarkInventoryExample is `capcheck inventory testdata/example`: plans,
// Terraform discovery and linking.
func BenchmarkInventoryExample(b *testing.B) {
	benchRun(b, exitPass, "inventory", "../../testdata/example")
}

// BenchmarkCheckExample is `capcheck check testdata/example`: load,
// evaluate, compile and prepare the policies, evaluate them, render text.
func BenchmarkCheckExample(b *testing.B) {
	benchRun(b, exitPass, "check", "../../testdata/example")
}

// BenchmarkCheckExampleDiff is a PR diff of the example against itself:
// both trees loaded and evaluated.
func BenchmarkCheckExampleDiff(b *testing.B) {
	benchRun(b, exitPass, "check", "--base", "../../testdata/example", "--format", "markdown", "../../testdata/example")
}

// hourlyYearCSV writes a year of hourly demand (8,760 rows: trend, daily
// and weekly cycles, seeded noise) and returns its path.
func hourlyYearCSV(b *testing.B) string {
	b.Helper()
	var sb strings.Builder
	sb.WriteString("timestamp,value\n")
	start := time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 8760 {
		t := start.Add(time.Duration(i) * time.Hour)
		v := 1000 * math.Pow(1.03, float64(i)/730) *
			(1 + 0.3*math.Sin(2*math.Pi*float64(i)/24)) * (1 + 0.1*math.Sin(2*math.Pi*float64(i)/168)) *
			(1 + 0.02*rng.NormFloat64())
		fmt.Fprintf(&sb, "%s,%.3f\n", t.Format(time.RFC3339), v)
	}
	path := filepath.Join(b.TempDir(), "hourly.csv")
	if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkForecastHourlyYear is `capcheck forecast` on a year of hourly
// data: read, aggregate to daily peaks (the default for long sub-daily
// series), fit every candidate, backtest, render.
func BenchmarkForecastHourlyYear(b *testing.B) {
	benchRun(b, exitPass, "forecast", hourlyYearCSV(b))
}

// BenchmarkForecastHourlyYearHourly fits the hourly points themselves
// (--peaks none): 8,760 points with daily and weekly seasonality.
func BenchmarkForecastHourlyYearHourly(b *testing.B) {
	benchRun(b, exitPass, "forecast", "--peaks", "none", hourlyYearCSV(b))
}
