package actuals

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/internal/testkit"
	"github.com/google/go-cmp/cmp"
)

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestReadCSV(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		wantNames []string
		wantTimes [][]time.Time
		wantVals  [][]float64
	}{
		{
			name:      "prophet header ds,y quoted, unsorted",
			in:        "\"ds\",\"y\"\n\"2024-01-02\",2.5\n\"2024-01-01\",1\n",
			wantNames: []string{""},
			wantTimes: [][]time.Time{{utc("2024-01-01T00:00:00Z"), utc("2024-01-02T00:00:00Z")}},
			wantVals:  [][]float64{{1, 2.5}},
		},
		{
			name:      "no header, RFC 3339 with zone and space layout",
			in:        "2024-03-01T10:00:00+02:00,7\n2024-03-01 09:00:00,8\n",
			wantNames: []string{""},
			// 10:00+02:00 is 08:00Z, before 09:00Z.
			wantTimes: [][]time.Time{{utc("2024-03-01T08:00:00Z"), utc("2024-03-01T09:00:00Z")}},
			wantVals:  [][]float64{{7, 8}},
		},
		{
			name:      "unix seconds, three columns, series sorted by name",
			in:        "timestamp,series,value\n1700000060,chat,2\n1700000000,code,5\n1700000000,chat,1\n",
			wantNames: []string{"chat", "code"},
			wantTimes: [][]time.Time{{time.Unix(1700000000, 0).UTC(), time.Unix(1700000060, 0).UTC()}, {time.Unix(1700000000, 0).UTC()}},
			wantVals:  [][]float64{{1, 2}, {5}},
		},
		{
			name:      "fractional unix seconds and blank line",
			in:        "1700000000.5,3\n\n1700000001,4\n",
			wantNames: []string{""},
			wantTimes: [][]time.Time{{time.Unix(1700000000, 5e8).UTC(), time.Unix(1700000001, 0).UTC()}},
			wantVals:  [][]float64{{3, 4}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkCSVSeries(t, tc.in, "actuals.csv", tc.wantNames, tc.wantTimes, tc.wantVals)
		})
	}
}

// checkCSVSeries reads in as the CSV file name and compares the names,
// times and values of the series it yields, in order.
func checkCSVSeries(t *testing.T, in, name string, wantNames []string, wantTimes [][]time.Time, wantVals [][]float64) {
	t.Helper()
	got, err := ReadCSV(strings.NewReader(in), name)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	var times [][]time.Time
	var vals [][]float64
	for _, s := range got {
		names = append(names, s.Name)
		times = append(times, s.Times)
		vals = append(vals, s.Values)
	}
	if d := cmp.Diff(wantNames, names); d != "" {
		t.Errorf("names (-want +got):\n%s", d)
	}
	if d := cmp.Diff(wantTimes, times); d != "" {
		t.Errorf("times (-want +got):\n%s", d)
	}
	if d := cmp.Diff(wantVals, vals); d != "" {
		t.Errorf("values (-want +got):\n%s", d)
	}
}

func TestReadCSVErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string // diagnostics, in order
	}{
		{
			name: "bad rows with positions",
			in:   "timestamp,value\n2024-01-01,1\n2024-13-01,2\n2024-01-03,\n2024-01-04,NaN\n2024-01-05, abc\n2024-01-06,1,2\n",
			want: []string{
				"data/a.csv:3:1: error: timestamp \"2024-13-01\": want RFC 3339, YYYY-MM-DD, YYYY-MM-DD HH:MM:SS or Unix seconds",
				"data/a.csv:4:12: error: empty value",
				"data/a.csv:5:12: error: value \"NaN\" is not finite",
				"data/a.csv:6:13: error: value \"abc\" is not a number",
				"data/a.csv:7:14: error: want 2 fields like the first row, got 3",
			},
		},
		{
			name: "duplicate timestamp names both lines",
			in:   "t,s,v\n2024-01-01,a,1\n2024-01-02,a,2\n2024-01-01,a,3\n",
			want: []string{`data/a.csv:4:1: error: duplicate timestamp 2024-01-01T00:00:00Z in series "a" (also on line 2)`},
		},
		{
			name: "empty series name",
			in:   "2024-01-01,,1\n",
			want: []string{"data/a.csv:1:12: error: empty series name"},
		},
		{
			name: "one column",
			in:   "just\n",
			want: []string{"data/a.csv:1:1: error: want 2 columns (timestamp,value) or 3 (timestamp,series,value), got 1"},
		},
		{
			name: "header only",
			in:   "ds,y\n",
			want: []string{"data/a.csv: error: no data rows"},
		},
		{
			name: "bare quote",
			in:   "2024-01-01,1\n2024-01-02,\"2\n",
			want: []string{"data/a.csv:2:15: error: extraneous or missing \" in quoted-field"},
		},
		{
			name: "Inf",
			in:   "2024-01-01,+Inf\n",
			want: []string{"data/a.csv:1:12: error: value \"+Inf\" is not finite"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkCSVDiags(t, tc.in, "data/a.csv", tc.want)
		})
	}
}

// checkCSVDiags reads in as the CSV file name and compares the
// diagnostics it fails with, in order.
func checkCSVDiags(t *testing.T, in, name string, want []string) {
	t.Helper()
	_, err := ReadCSV(strings.NewReader(in), name)
	if d := cmp.Diff(want, testkit.Lines(testkit.Diagnostics(t, err))); d != "" {
		t.Errorf("diagnostics (-want +got):\n%s", d)
	}
}

func TestReadCSVFileConfined(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "ok.csv"), []byte("2024-01-01,1\n2024-01-02,2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(outside, "secret.csv"), []byte("2024-01-01,1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "secret.csv"), filepath.Join(root, "link.csv")); err != nil {
		testkit.SkipOrFailf(t, "symlinks unavailable: %v", err)
	}
	got, err := ReadCSVFile(root, "ok.csv")
	if err != nil || len(got) != 1 || got[0].Len() != 2 {
		t.Fatalf("ReadCSVFile(ok.csv) = %v, %v; want one series of 2", got, err)
	}
	for _, rel := range []string{"../" + filepath.Base(outside) + "/secret.csv", "link.csv", filepath.Join(outside, "secret.csv"), "missing.csv", ""} {
		if _, err := ReadCSVFile(root, rel); err == nil {
			t.Errorf("ReadCSVFile(%q) succeeded, want error", rel)
		}
	}
	_, err = ReadCSVFile(root, "link.csv")
	if !strings.HasPrefix(err.Error(), "link.csv: error: open actuals:") {
		t.Errorf("error %q, want it positioned at link.csv", err)
	}
}

func TestCSVSource(t *testing.T) {
	root := t.TempDir()
	body := "t,s,v\n2024-01-01,a,1\n2024-01-02,a,2\n2024-01-03,a,3\n2024-01-01,b,9\n"
	if err := os.WriteFile(filepath.Join(root, "d.csv"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	src := Source(CSVSource{Root: root, Path: "d.csv"})
	got, err := src.Fetch(context.Background(), "a", utc("2024-01-02T00:00:00Z"), utc("2024-01-03T00:00:00Z"), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Name != "a" || !cmp.Equal(got[0].Values, []float64{2, 3}) {
		t.Errorf("Fetch = %+v, want series a values [2 3]", got)
	}
	if _, err := src.Fetch(context.Background(), "c", time.Time{}, time.Time{}, 0); err == nil || !strings.Contains(err.Error(), `no series "c" (have "a", "b")`) {
		t.Errorf("Fetch(c) error = %v", err)
	}
}

// TestRealData parses the shared NAB and prophet files (skipped if absent,
// except under CI=true, where CI runs with shared/ beside the repository
// and a missing file means a wrong path: it fails).
func TestRealData(t *testing.T) {
	root := "../../shared/data"
	tests := []struct {
		rel   string
		n     int
		first time.Time
		last  float64
	}{
		// Row counts are the files' line counts minus the header.
		{rel: "nab/nyc_taxi.csv", n: 10320, first: utc("2014-07-01T00:00:00Z"), last: 26288},
		{rel: "nab/ec2_cpu_utilization_5f5533.csv", n: 4032, first: utc("2014-02-14T14:27:00Z"), last: 37.718},
		{rel: "wikipedia/example_wp_log_peyton_manning.csv", n: 2905, first: utc("2007-12-10T00:00:00Z"), last: 8.89137400948464},
		{rel: "wikipedia/example_retail_sales.csv", n: 293, first: utc("1992-01-01T00:00:00Z"), last: 471421},
	}
	for _, tc := range tests {
		t.Run(tc.rel, func(t *testing.T) {
			testkit.NeedData(t, tc.rel)
			got, err := ReadCSVFile(root, tc.rel)
			if err != nil {
				t.Fatal(err)
			}
			s := got[0]
			if len(got) != 1 || s.Name != "" || s.Len() != tc.n || !s.Times[0].Equal(tc.first) || s.Values[s.Len()-1] != tc.last {
				t.Errorf("got %d series, first %d points from %v ending %v; want %d from %v ending %v",
					len(got), s.Len(), s.Times[0], s.Values[s.Len()-1], tc.n, tc.first, tc.last)
			}
		})
	}
}

func FuzzReadCSV(f *testing.F) {
	f.Add("ds,y\n2024-01-01,1\n2024-01-02,2\n")
	f.Add("t,s,v\n1700000000,a,1\n1700000000,b,2\n")
	f.Add("2024-01-01T00:00:00Z,\"1\"\n\"")
	// Hostile shapes (hostile_test.go).
	f.Add("\ufeff2024-01-01,1\n1704153600,2\n")
	f.Add("99999-01-01,1\n20240101,2\n1700000000000,3\n")
	f.Add("2024-01-01,0x1p4\n2024-01-02,1_000\n2024-01-03,1e400\n2024-01-04,1e-400\n")
	f.Add("2024-01-01,\xff,1\n")
	f.Fuzz(func(t *testing.T, in string) {
		got, err := ReadCSV(strings.NewReader(in), "f.csv")
		if err != nil {
			// Every rejection is a user-facing diagnostic naming the file
			// (a bare error would print without a position).
			var ds diag.Diagnostics
			if !errors.As(err, &ds) || len(ds) == 0 {
				t.Fatalf("ReadCSV error %v (%T) is not diag.Diagnostics", err, err)
			}
			for _, d := range ds {
				if d.Pos.File != "f.csv" {
					t.Fatalf("diagnostic without the file: %v", d)
				}
			}
			return
		}
		for _, s := range got {
			for i, v := range s.Values {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("non-finite value %v", v)
				}
				if i > 0 && !s.Times[i].After(s.Times[i-1]) {
					t.Fatalf("series %q not strictly increasing at %d", s.Name, i)
				}
			}
		}
	})
}
