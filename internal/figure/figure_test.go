package figure

import (
	"math"
	"strings"
	"testing"
)

func TestProblem(t *testing.T) {
	tests := []struct {
		name string
		v    float64
		want string // prefix of the problem; "" when v is a figure
	}{
		{"zero", 0, ""},
		{"negative zero", math.Copysign(0, -1), ""},
		{"ordinary", 2400, ""},
		{"negative growth", -0.5, ""},
		{"at Max", Max, ""},
		{"at -Max", -Max, ""},
		{"at Min", Min, ""},
		{"above Max", 1.0000001e15, "is too large: figures are at most 1e+15 in magnitude"},
		{"1e308", 1e308, "is too large"},
		{"below -Max", -1e16, "is too large"},
		{"below Min", 9e-16, "is too small: write 0, or at least 1e-15"},
		{"denormal", 5e-324, "is too small"},
		{"tiny negative", -1e-300, "is too small"},
		{"NaN", math.NaN(), "is not finite"},
		{"+Inf", math.Inf(1), "is not finite"},
		{"-Inf", math.Inf(-1), "is not finite"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Problem(tc.v)
			if (tc.want == "") != (got == "") || !strings.HasPrefix(got, tc.want) {
				t.Errorf("Problem(%v) = %q, want %q…", tc.v, got, tc.want)
			}
		})
	}
}

// TestBoundsKeepDerivedFiguresFinite: ten figures at the bounds multiplied
// or divided together stay finite, the promise the package makes.
func TestBoundsKeepDerivedFiguresFinite(t *testing.T) {
	big, small := 1.0, 1.0
	for range 10 {
		big *= Max / Min
		small *= Min / Max
	}
	if math.IsInf(big, 0) || small == 0 {
		t.Errorf("(Max/Min)^10 = %v, (Min/Max)^10 = %v: not finite and nonzero", big, small)
	}
}
