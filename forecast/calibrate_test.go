package forecast

import (
	"math"
	"testing"
)

func TestScore(t *testing.T) {
	tests := []struct {
		name          string
		y, mu, lo, hi float64
		want          float64
	}{
		// above: (12−10)/(14−10) = 0.5
		{name: "above inside", y: 12, mu: 10, lo: 8, hi: 14, want: 0.5},
		// below: (10−7)/(10−8) = 1.5, outside
		{name: "below outside", y: 7, mu: 10, lo: 8, hi: 14, want: 1.5},
		{name: "on the forecast", y: 10, mu: 10, lo: 10, hi: 10, want: 0},
		{name: "zero-width side missed", y: 11, mu: 10, lo: 8, hi: 10, want: math.Inf(1)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := score(tc.y, tc.mu, tc.lo, tc.hi); got != tc.want {
				t.Errorf("score(%v, %v, [%v, %v]) = %v, want %v", tc.y, tc.mu, tc.lo, tc.hi, got, tc.want)
			}
		})
	}
}

func TestConformalQuantile(t *testing.T) {
	seq := func(n int) []float64 {
		s := make([]float64, n)
		for i := range s {
			s[i] = float64(n - i) // descending: the function must sort
		}
		return s
	}
	tests := []struct {
		name   string
		s      []float64
		level  float64
		want   float64
		wantOK bool
	}{
		// N = 19: rank ⌈20·0.95⌉ = 19 → the 19th smallest of 1..19 is 19.
		{name: "95% of 19", s: seq(19), level: 0.95, want: 19, wantOK: true},
		// rank ⌈20·0.80⌉ = 16 → 16.
		{name: "80% of 19", s: seq(19), level: 0.80, want: 16, wantOK: true},
		// N = 18: rank ⌈19·0.95⌉ = ⌈18.05⌉ = 19 > 18: too few scores.
		{name: "95% of 18", s: seq(18), level: 0.95, wantOK: false},
		// rank ⌈5·0.8⌉ = 4 lands on +Inf.
		{name: "infinite", s: []float64{1, 2, 3, math.Inf(1)}, level: 0.8, wantOK: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := conformalQuantile(tc.s, tc.level)
			if ok != tc.wantOK || (ok && got != tc.want) {
				t.Errorf("conformalQuantile(%v) = %v, %v; want %v, %v", tc.level, got, ok, tc.want, tc.wantOK)
			}
		})
	}
}

// calFit is an origin fit of ten steps with a flat forecast mu, half-widths
// w80 and w95 on both sides, and the given scores.
func calFit(mu, w80, w95 float64, scores []float64) originFit {
	f := originFit{s80: scores, s95: scores}
	for range scores {
		f.mean = append(f.mean, mu)
		f.lo80, f.hi80 = append(f.lo80, mu-w80), append(f.hi80, mu+w80)
		f.lo95, f.hi95 = append(f.lo95, mu-w95), append(f.hi95, mu+w95)
	}
	return f
}

func TestCalibrationApply(t *testing.T) {
	// Two origins of ten scores: 0.1, 0.2, …, 2.0 pooled (N = 20).
	// k80 = rank ⌈21·0.80⌉ = 17 → 1.7; k95 = rank ⌈21·0.95⌉ = 20 → 2.0.
	a, b := make([]float64, 10), make([]float64, 10)
	for i := range 10 {
		a[i], b[i] = 0.1*float64(2*i+1), 0.1*float64(2*i+2)
	}
	tests := []struct {
		name                   string
		rel                    bool
		fitMu                  float64 // calibration forecasts; final is 100
		skip                   int
		lo80, hi80, lo95, hi95 float64
	}{
		// Final half-widths 3 (80%) and 5 (95%); the calibration fits gave
		// 2 and 4, so the widths are capped there first:
		// 80%: 1.7·min(3, 2) = 3.4; 95%: 2.0·min(5, 4) = 8.
		{name: "absolute, capped", fitMu: 100, skip: -1, lo80: 96.6, hi80: 103.4, lo95: 92, hi95: 108},
		// Relative model: the fits forecast 50 with half-widths 2 and 4,
		// i.e. 4% and 8%, which at level 100 are 4 and 8, wider than 3
		// and 5: 80%: 1.7·3 = 5.1; 95%: 2.0·5 = 10.
		{name: "relative, not capped", rel: true, fitMu: 50, skip: -1, lo80: 94.9, hi80: 105.1, lo95: 90, hi95: 110},
		// Leaving origin 0 out leaves one origin (ten scores): too few,
		// so the model's own intervals stay.
		{name: "one origin left", fitMu: 100, skip: 0, lo80: 97, hi80: 103, lo95: 95, hi95: 105},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := &calibration{rel: tc.rel, fits: []originFit{calFit(tc.fitMu, 2, 4, a), calFit(tc.fitMu, 2, 4, b)}}
			mean := []float64{100}
			lo80, hi80, lo95, hi95 := []float64{97}, []float64{103}, []float64{95}, []float64{105}
			c.apply(tc.skip, mean, lo80, hi80, lo95, hi95)
			got := [4]float64{lo80[0], hi80[0], lo95[0], hi95[0]}
			want := [4]float64{tc.lo80, tc.hi80, tc.lo95, tc.hi95}
			for i := range got {
				if !near(got[i], want[i], 1e-9) {
					t.Fatalf("apply = %v, want %v", got, want)
				}
			}
		})
	}
}
