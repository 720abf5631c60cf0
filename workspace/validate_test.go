package workspace

import (
	"math"
	"testing"

	"github.com/capcheck/capcheck/loadtest"
)

// The flag figures of `benchmarks import` are checked before any file is
// read: a negative GPU count, a negative, NaN or infinite SLO is a usage
// error naming the flag; zero means "from the results" or "from the plan".
func TestBenchmarkImportValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		imp  BenchmarkImport
		want string
	}{
		{"zeros", BenchmarkImport{}, ""},
		{"set", BenchmarkImport{Options: loadtest.Options{GPUsPerReplica: 4}, SLO: loadtest.SLO{TTFTP95Ms: 1000, ITLP95Ms: 50}}, ""},
		{"negative GPUs", BenchmarkImport{Options: loadtest.Options{GPUsPerReplica: -1}}, "--gpus-per-replica -1: want a whole number of GPUs, at least 1"},
		{"negative TTFT", BenchmarkImport{SLO: loadtest.SLO{TTFTP95Ms: -5}}, "--slo-ttft-p95-ms -5: want a positive number of milliseconds"},
		{"NaN ITL", BenchmarkImport{SLO: loadtest.SLO{ITLP95Ms: math.NaN()}}, "--slo-itl-p95-ms NaN: want a positive number of milliseconds"},
		{"infinite ITL", BenchmarkImport{SLO: loadtest.SLO{ITLP95Ms: math.Inf(1)}}, "--slo-itl-p95-ms +Inf: want a positive number of milliseconds"},
	} {
		err := tc.imp.Validate()
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
