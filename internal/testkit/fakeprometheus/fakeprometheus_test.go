package fakeprometheus

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/capcheck/capcheck/actuals"
	"github.com/google/go-cmp/cmp"
)

// reporter keeps the fake's failures.
type reporter struct{ errs []string }

func (r *reporter) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func TestExpandValues(t *testing.T) {
	for _, tc := range []struct {
		tok  string
		want []float64
	}{
		{"3", []float64{3}},
		{"2x2", []float64{2, 2, 2}},            // n+1 = 3 values
		{"1+0.5x3", []float64{1, 1.5, 2, 2.5}}, // 1 + i·0.5, i = 0…3
		{"-1-2x2", []float64{-1, -3, -5}},
		{"1e-3x1", []float64{0.001, 0.001}}, // the exponent's sign is no step
	} {
		got, err := expandValues(tc.tok)
		if err != nil {
			t.Errorf("%s: %v", tc.tok, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.tok, diff)
		}
	}
	if got, err := expandValues("_x1"); err != nil || len(got) != 2 || got[0] == got[0] {
		t.Errorf("_x1 = %v, %v; want two NaN (no sample)", got, err)
	}
	for _, bad := range []string{"x", "ax2", "1x-1", "NaN", "Inf"} {
		if _, err := expandValues(bad); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ fixture, want string }{
		{"series {} 1", `line 1: "series" before the first query line`},
		{"query up\nseries {} 1", "query up: no range"},
		// 00:00 to 03:00 hourly is 4 steps
		{"range 2026-01-01T00:00:00Z 2026-01-01T03:00:00Z 1h\nquery up\nseries {} 1x2", "line 3: 3 values for 4 steps"},
		{"range 2026-01-01T00:00:00Z 2026-01-01T03:30:00Z 1h", "whole number of steps"},
		{"range 2026-01-01T00:00:00Z 2026-01-01T03:00:00Z 1h\nquery up\nseries up 1x3", "want a JSON object of labels"},
		{"range 2026-01-01T00:00:00Z 2026-01-01T03:00:00Z 1h\nquery up\nstatus 5000", "want status N"},
		{"range 2026-01-01T00:00:00Z 2026-01-01T03:00:00Z 1h\nquery up\nbody x\nseries {} 1x3", "series or a body, not both"},
		{"range 2026-01-01T00:00:00Z 2026-01-01T03:00:00Z 1h\nquery up\nheader A: b", `unknown line "header"`},
	} {
		_, err := Parse(tc.fixture)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q) = %v, want an error containing %q", tc.fixture, err, tc.want)
		}
	}
}

// The actuals client against the fake: the window (00:00, 03:00] at 1h
// is the steps 01:00, 02:00 and 03:00, so the fixture's range starts at
// 01:00. Series a is 5+1x2 = 5, 6, 7; series b is 1, no sample, 2. The
// client sends max_over_time(up[1h]) and, with the token, "Bearer s3cret".
func TestClient(t *testing.T) {
	fixture := `range 2026-01-01T01:00:00Z 2026-01-01T03:00:00Z 1h
query max_over_time(up[1h])
series {"__name__":"up","job":"a"} 5+1x2
series {"job":"b"} 1 _ 2
`
	script, err := Parse(fixture)
	if err != nil {
		t.Fatal(err)
	}
	var r reporter
	s := Start(&r, Auth("s3cret", "", ""), script...)
	p := &actuals.Prometheus{URL: s.URL, Token: "s3cret"}
	end := time.Date(2026, 1, 1, 3, 0, 0, 0, time.UTC)
	got, err := p.Fetch(context.Background(), "up", end.Add(-3*time.Hour), end, time.Hour)
	s.Finish()
	if err != nil {
		t.Fatal(err)
	}
	if len(r.errs) > 0 {
		t.Fatalf("fake: %s", strings.Join(r.errs, "\n"))
	}
	h := func(n int) time.Time { return time.Date(2026, 1, 1, n, 0, 0, 0, time.UTC) }
	want := []actuals.Named{
		{Name: `up{job="a"}`},
		{Name: `{job="b"}`},
	}
	want[0].Series.Times, want[0].Series.Values = []time.Time{h(1), h(2), h(3)}, []float64{5, 6, 7}
	want[1].Series.Times, want[1].Series.Values = []time.Time{h(1), h(3)}, []float64{1, 2}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Fetch (-want +got):\n%s", diff)
	}
}

// The fake fails on what it was not told to expect: a token nobody
// configured, other parameters, a request beyond the script, and an
// expected request that never came.
func TestUnexpected(t *testing.T) {
	script, err := Parse("range 2026-01-01T01:00:00Z 2026-01-01T03:00:00Z 1h\nquery max_over_time(up[1h])\nseries {} 1x2\nquery max_over_time(down[1h])\nseries {} 1x2\n")
	if err != nil {
		t.Fatal(err)
	}
	var r reporter
	s := Start(&r, Auth("", "", ""), script...)
	p := &actuals.Prometheus{URL: s.URL, Token: "leaked", MaxAttempts: 1}
	end := time.Date(2026, 1, 1, 3, 0, 0, 0, time.UTC)
	// a 2h step: other parameters, and the token leaks
	p.Fetch(context.Background(), "up", end.Add(-4*time.Hour), end, 2*time.Hour)
	s.Finish()
	all := strings.Join(r.errs, "\n")
	for _, want := range []string{
		`Authorization "Bearer leaked", want ""`,
		"query (-want +got)",
		"fake Prometheus: 1 of 2 requests made; next expected: GET /api/v1/query_range",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("failures do not say %q:\n%s", want, all)
		}
	}
}
