package actuals

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestReadCSVHostile(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string // diagnostics, in order
	}{
		{
			name: "extremely long line quoted back shortened",
			in:   "2024-01-01," + strings.Repeat("1", 1<<20) + "x\n",
			// ParseFloat fails on the trailing x; 40 bytes are quoted.
			want: []string{`a.csv:1:12: error: value "1111111111111111111111111111111111111111"… (1048577 bytes) is not a number`},
		},
		{
			name: "quote never closed",
			in:   "2024-01-01,1\n2024-01-02,\"2\n2024-01-03,3\n",
			// The csv reader reads to EOF looking for the close quote and
			// reports where the record it started ends.
			want: []string{`a.csv:3:14: error: extraneous or missing " in quoted-field`},
		},
		{
			name: "year 99999 is not a header",
			in:   "99999-01-01,1\n",
			want: []string{`a.csv:1:1: error: timestamp "99999-01-01": want RFC 3339, YYYY-MM-DD, YYYY-MM-DD HH:MM:SS or Unix seconds`},
		},
		{
			name: "year 0000 and 2200 out of range",
			in:   "0000-01-01,1\n2200-01-01T00:00:00Z,2\n",
			want: []string{
				`a.csv:1:1: error: timestamp "0000-01-01": out of range: want a time from 1970 to 2199`,
				`a.csv:2:1: error: timestamp "2200-01-01T00:00:00Z": out of range: want a time from 1970 to 2199`,
			},
		},
		{
			name: "compact date and milliseconds as Unix seconds",
			in:   "20240101,1\n1700000000000,2\n",
			want: []string{
				`a.csv:1:1: error: timestamp "20240101": as Unix seconds this is before 1973 (a compact date? write YYYY-MM-DD)`,
				`a.csv:2:1: error: timestamp "1700000000000": as Unix seconds this is after 2199 (milliseconds? divide by 1000)`,
			},
		},
		{
			name: "Unix seconds with exponent",
			in:   "2024-01-01,1\n1.7e9,2\n",
			want: []string{`a.csv:2:1: error: timestamp "1.7e9": want RFC 3339, YYYY-MM-DD, YYYY-MM-DD HH:MM:SS or Unix seconds`},
		},
		{
			name: "Unix seconds mixed with dates",
			in:   "2024-01-01,1\n1704153600,2\n2024-01-03 00:00:00,3\n",
			want: []string{`a.csv:2:1: error: timestamp "1704153600" is written as Unix seconds, but line 1 starts the file with dates (RFC 3339 or YYYY-MM-DD forms): use one form throughout`},
		},
		{
			name: "values that are not plain decimals or out of range",
			in:   "2024-01-01,0x1p4\n2024-01-02,1_000\n2024-01-03,1e400\n",
			want: []string{
				`a.csv:1:12: error: value "0x1p4" is not a plain decimal number`,
				`a.csv:2:12: error: value "1_000" is not a plain decimal number`,
				`a.csv:3:12: error: value "1e400" is too large: figures are at most 1e+15 in magnitude, so that nothing derived from them overflows`,
			},
		},
		{
			// The figure rule (internal/figure) and no negative demand, the
			// same for forecast and audit (issue 10, item 6): 1e308 values
			// made forecast print "MASE NaN", and negative ones were fitted.
			name: "values negative, too large or too small",
			in:   "ts,v\n2024-01-01,-5\n2024-01-02,1e308\n2024-01-03,1.5e15\n2024-01-04,5e-324\n2024-01-05,1e-400\n2024-01-06,-0.0001\n2024-01-07,0x1p99999\n",
			want: []string{
				`a.csv:2:12: error: value "-5" is negative: observed demand and utilisation are never below 0`,
				`a.csv:3:12: error: value "1e308" is too large: figures are at most 1e+15 in magnitude, so that nothing derived from them overflows`,
				`a.csv:4:12: error: value "1.5e15" is too large: figures are at most 1e+15 in magnitude, so that nothing derived from them overflows`,
				`a.csv:5:12: error: value "5e-324" is too small: write 0, or at least 1e-15, so that nothing derived from it overflows`,
				`a.csv:6:12: error: value "1e-400" is too small: write 0, or at least 1e-15, so that nothing derived from it overflows`,
				`a.csv:7:12: error: value "-0.0001" is negative: observed demand and utilisation are never below 0`,
				`a.csv:8:12: error: value "0x1p99999" is not a plain decimal number`,
			},
		},
		{
			name: "series name not UTF-8",
			in:   "2024-01-01,\xff,1\n",
			want: []string{`a.csv:1:12: error: series name "\xff" is not valid UTF-8`},
		},
		{
			name: "NUL in a value",
			in:   "2024-01-01,1\x00\n",
			want: []string{`a.csv:1:12: error: value "1\x00" is not a number`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkCSVDiags(t, tc.in, "a.csv", tc.want)
		})
	}
}

func TestReadCSVHostileAccepted(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		times []time.Time
		vals  []float64
	}{
		{
			name:  "BOM before a headerless file",
			in:    "\ufeff2024-01-01,1\n",
			times: []time.Time{utc("2024-01-01T00:00:00Z")},
			vals:  []float64{1},
		},
		{
			name: "mixed date layouts are one form",
			in:   "2024-01-01,1\n2024-01-02T00:00:00Z,2\n2024-01-03 00:00:00,3\n",
			times: []time.Time{utc("2024-01-01T00:00:00Z"), utc("2024-01-02T00:00:00Z"),
				utc("2024-01-03T00:00:00Z")},
			vals: []float64{1, 2, 3},
		},
		{
			name:  "zeros and the figure bounds are fine, exponent values too",
			in:    "ts,v\n2024-01-01,0e-400\n2024-01-02,2.5E+3\n2024-01-03,-0\n2024-01-04,1e15\n2024-01-05,1e-15\n",
			times: []time.Time{utc("2024-01-01T00:00:00Z"), utc("2024-01-02T00:00:00Z"), utc("2024-01-03T00:00:00Z"), utc("2024-01-04T00:00:00Z"), utc("2024-01-05T00:00:00Z")},
			vals:  []float64{0, 2500, 0, 1e15, 1e-15},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// One unnamed series: the file has two columns.
			checkCSVSeries(t, tc.in, "a.csv", []string{""}, [][]time.Time{tc.times}, [][]float64{tc.vals})
		})
	}
}

// TestReadCSVTooLarge lowers the limit to 1 MiB and feeds one byte more
// from a generator: the reader stops with a file-level error.
func TestReadCSVTooLarge(t *testing.T) {
	defer func(n int64) { maxCSVBytes = n }(maxCSVBytes)
	maxCSVBytes = 1 << 20
	r := &repeatReader{left: 1<<20 + 1}
	_, err := ReadCSV(r, "big.csv")
	if want := "big.csv: error: file is larger than the 1 MiB limit for actuals"; err == nil || err.Error() != want {
		t.Errorf("ReadCSV error = %v, want %s", err, want)
	}
}

// repeatReader yields left bytes of "x": one unterminated line.
type repeatReader struct {
	left int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) && r.left > 0 {
		p[n] = 'x'
		n++
		r.left--
	}
	if n == 0 {
		return 0, fmt.Errorf("eof")
	}
	return n, nil
}

func TestReadCSVFileNotRegular(t *testing.T) {
	root := t.TempDir()
	if err := os.Mkdir(filepath.Join(root, "d.csv"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := ReadCSVFile(root, "d.csv")
	if want := "d.csv: error: open actuals: not a regular file (d---------)"; err == nil || err.Error() != want {
		t.Errorf("ReadCSVFile(dir) error = %v, want %s", err, want)
	}
}

// BenchmarkReadCSVMillion reads 10^6 rows of Unix seconds:
// go test -bench ReadCSVMillion ./actuals.
func BenchmarkReadCSVMillion(b *testing.B) {
	var sb strings.Builder
	for i := range 1_000_000 {
		fmt.Fprintf(&sb, "%d,%d\n", 1_700_000_000+i*60, i%977)
	}
	in := sb.String()
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		got, err := ReadCSV(strings.NewReader(in), "m.csv")
		if err != nil || got[0].Len() != 1_000_000 {
			b.Fatalf("ReadCSV: %v", err)
		}
	}
}
