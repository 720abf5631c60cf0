package kubernetes

import (
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestQuantityHostile: a device count in a pod's resources or a
// NodePool's limits that is not a whole, finite number of devices within
// internal/figure's bounds is refused (the readers make the object
// unresolved at it), never counted: NaN and Inf (strconv.ParseFloat
// reads both; a NodePool came out as NaN GPUs), a fraction, a negative,
// past 1e15. Whole numbers, with k and M, are counted.
func TestQuantityHostile(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want float64 // -1: refused
	}{
		{"NaN", -1}, {".nan", -1}, {"Inf", -1}, {"-Inf", -1}, {"1.5", -1}, {"0.5k", 500}, {"-1", -1},
		{"1e400", -1}, {"2e15", -1}, {"1e15", 1e15}, {"8", 8}, {"2k", 2000}, {"1M", 1e6}, {"1.0005k", -1},
	} {
		got, err := quantity(&yaml.Node{Kind: yaml.ScalarNode, Value: tc.in})
		switch {
		case tc.want < 0 && err == nil:
			t.Errorf("quantity(%q) = %v, want refused", tc.in, got)
		case tc.want < 0 && !strings.Contains(err.Error(), "is not a whole number of devices"):
			t.Errorf("quantity(%q) error %q", tc.in, err)
		case tc.want >= 0 && (err != nil || got != tc.want):
			t.Errorf("quantity(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}
