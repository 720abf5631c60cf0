// Package actuals owns reading observed series: CSV files
// (`timestamp,value` or `timestamp,series,value`) and Prometheus range
// queries ([Prometheus], with the per-step aggregation pushed down to the
// server), both behind the [Source] seam. Every problem in a file is
// reported at name:line:col through internal/diag; values are never
// guessed (an empty, NaN or Inf value is an error, not a zero).
//
// Series are returned as [forecast.Series], sorted by time, ready for
// [forecast.DailyPeaks] and [forecast.Fit].
package actuals

import (
	"cmp"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/capcheck/capcheck/forecast"
	"github.com/capcheck/capcheck/internal/diag"
)

// Named is one observed series. Name is the value of the series column of a
// three-column file, and "" for a two-column file.
type Named struct {
	Name string
	forecast.Series
}

// Source fetches observed series for query over [start, end] at step
// resolution. Aggregation (peaks per step) belongs to the source, pushed
// down where it can be (Prometheus max_over_time), never done by
// downloading raw samples. [Prometheus] satisfies it for servers and
// [CSVSource] for files.
type Source interface {
	Fetch(ctx context.Context, query string, start, end time.Time, step time.Duration) ([]Named, error)
}

// maxDiags bounds the diagnostics collected from one file.
const maxDiags = 20

// point is a parsed row, with the line it came from for duplicate reports.
type point struct {
	t    time.Time
	v    float64
	line int
}

// ReadCSV reads `timestamp,value` or `timestamp,series,value` rows from r.
// name is the file name used in positions (relative to the repository).
//
// A header row is optional and detected: the first row is a header when its
// timestamp field is not a timestamp (the prophet files' `ds,y` and NAB's
// `timestamp,value` both qualify). Timestamps may be RFC 3339, `YYYY-MM-DD`,
// `YYYY-MM-DD HH:MM:SS` or `YYYY-MM-DDTHH:MM:SS` (both UTC), or Unix
// seconds (integer or decimal). Every row must have the first row's column
// count. Empty, NaN or Inf values, unparsable fields and duplicate
// timestamps within a series are errors at name:line:col, collected (up to
// 20) into a diag.Diagnostics. Series come back sorted by name, each sorted
// by time.
func ReadCSV(r io.Reader, name string) ([]Named, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true
	var (
		ds     diag.Diagnostics
		cols   int
		first  = true
		byName = map[string][]point{}
		order  []string
	)
	add := func(line, col int, format string, args ...any) {
		if len(ds) < maxDiags {
			ds = append(ds, diag.Diagnostic{Pos: diag.Pos{File: name, Line: line, Column: col}, Severity: diag.Error, Msg: fmt.Sprintf(format, args...)})
		}
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				add(pe.Line, pe.Column, "%v", pe.Err)
				break // the csv reader cannot resume reliably
			}
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if first {
			first = false
			cols = len(rec)
			if cols != 2 && cols != 3 {
				add(line, 1, "want 2 columns (timestamp,value) or 3 (timestamp,series,value), got %d", cols)
				return nil, ds.Err()
			}
			if _, ok := parseTime(rec[0]); !ok {
				continue // header
			}
		}
		if len(rec) != cols {
			_, col := cr.FieldPos(len(rec) - 1)
			add(line, col, "want %d fields like the first row, got %d", cols, len(rec))
			continue
		}
		t, ok := parseTime(rec[0])
		if !ok {
			_, col := cr.FieldPos(0)
			add(line, col, "timestamp %q: want RFC 3339, YYYY-MM-DD, YYYY-MM-DD HH:MM:SS or Unix seconds", rec[0])
			continue
		}
		series := ""
		if cols == 3 {
			series = strings.TrimSpace(rec[1])
			if series == "" {
				_, col := cr.FieldPos(1)
				add(line, col, "empty series name")
				continue
			}
		}
		vi := cols - 1
		raw := strings.TrimSpace(rec[vi])
		_, col := cr.FieldPos(vi)
		if raw == "" {
			add(line, col, "empty value")
			continue
		}
		v, err := strconv.ParseFloat(raw, 64)
		if err != nil {
			add(line, col, "value %q is not a number", raw)
			continue
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			add(line, col, "value %q is not finite", raw)
			continue
		}
		if _, seen := byName[series]; !seen {
			order = append(order, series)
		}
		byName[series] = append(byName[series], point{t: t, v: v, line: line})
	}
	if err := ds.Err(); err != nil {
		return nil, err
	}
	if len(order) == 0 {
		return nil, diag.Errorf(diag.Pos{File: name}, "no data rows")
	}
	slices.Sort(order)
	out := make([]Named, 0, len(order))
	for _, n := range order {
		pts := byName[n]
		slices.SortStableFunc(pts, func(a, b point) int { return a.t.Compare(b.t) })
		s := Named{Name: n, Series: forecast.Series{Times: make([]time.Time, len(pts)), Values: make([]float64, len(pts))}}
		for i, p := range pts {
			if i > 0 && p.t.Equal(pts[i-1].t) {
				lo, hi := min(p.line, pts[i-1].line), max(p.line, pts[i-1].line)
				add(hi, 1, "duplicate timestamp %s%s (also on line %d)", p.t.Format(time.RFC3339), seriesSuffix(n), lo)
			}
			s.Times[i], s.Values[i] = p.t, p.v
		}
		out = append(out, s)
	}
	if err := ds.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

func seriesSuffix(n string) string {
	if n == "" {
		return ""
	}
	return " in series " + strconv.Quote(n)
}

var layouts = []string{time.RFC3339Nano, time.DateTime, "2006-01-02T15:04:05", time.DateOnly}

// parseTime accepts the timestamp forms ReadCSV documents.
func parseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	for _, l := range layouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	// Unix seconds: digits with an optional fraction (no exponent, no sign
	// games: a timestamp before 1970 in seconds is not something we expect).
	intPart, frac, _ := strings.Cut(s, ".")
	if intPart == "" || len(intPart) > 12 || !allDigits(intPart) || !allDigits(frac) {
		return time.Time{}, false
	}
	sec, err := strconv.ParseInt(intPart, 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	var nsec int64
	if frac != "" {
		f, err := strconv.ParseFloat("0."+frac, 64)
		if err != nil {
			return time.Time{}, false
		}
		nsec = int64(math.Round(f * 1e9))
	}
	return time.Unix(sec, nsec).UTC(), true
}

func allDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// ReadCSVFile reads the CSV at rel inside root with [ReadCSV]. The path is
// confined to root: absolute paths, `..` escapes and symlinks leading out of
// root are rejected (os.Root). Positions name the file by rel in slash form.
func ReadCSVFile(root, rel string) ([]Named, error) {
	name := filepath.ToSlash(rel)
	if rel == "" || filepath.IsAbs(rel) || path.IsAbs(name) {
		return nil, diag.Errorf(diag.Pos{File: name}, "actuals path must be relative to the repository root")
	}
	r, err := os.OpenRoot(root)
	if err != nil {
		return nil, fmt.Errorf("open repository root %s: %w", root, err)
	}
	defer r.Close()
	f, err := r.Open(filepath.FromSlash(path.Clean(name)))
	if err != nil {
		return nil, diag.Errorf(diag.Pos{File: name}, "open actuals: %v", err)
	}
	defer f.Close()
	return ReadCSV(f, name)
}

// CSVSource serves a CSV file through the [Source] interface: the query
// names the series ("" for a two-column file) and samples outside
// [start, end] are dropped. step is ignored: the file is what it is, and
// [forecast.PeaksBy] aggregates it.
type CSVSource struct {
	Root string // repository root
	Path string // file, relative to Root
}

// Fetch implements [Source].
func (c CSVSource) Fetch(ctx context.Context, query string, start, end time.Time, step time.Duration) ([]Named, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	all, err := ReadCSVFile(c.Root, c.Path)
	if err != nil {
		return nil, err
	}
	i, found := slices.BinarySearchFunc(all, query, func(n Named, q string) int { return cmp.Compare(n.Name, q) })
	if !found {
		names := make([]string, len(all))
		for k, n := range all {
			names[k] = strconv.Quote(n.Name)
		}
		return nil, diag.Errorf(diag.Pos{File: filepath.ToSlash(c.Path)}, "no series %q (have %s)", query, strings.Join(names, ", "))
	}
	s := all[i]
	var out Named
	out.Name = s.Name
	for k, t := range s.Times {
		if (start.IsZero() || !t.Before(start)) && (end.IsZero() || !t.After(end)) {
			out.Times = append(out.Times, t)
			out.Values = append(out.Values, s.Values[k])
		}
	}
	if out.Len() == 0 {
		return nil, diag.Errorf(diag.Pos{File: filepath.ToSlash(c.Path)}, "series %q has no samples between %s and %s",
			query, start.Format(time.RFC3339), end.Format(time.RFC3339))
	}
	return []Named{out}, nil
}
