// Package actuals owns reading observed series: CSV files
// (`timestamp,value` or `timestamp,series,value`) and Prometheus range
// queries ([Prometheus], with the per-step aggregation pushed down to the
// server), both behind the [Source] seam. Every problem in a file is
// reported at name:line:col through internal/diag; values are never
// guessed (an empty, NaN or Inf value is an error, not a zero), and every
// value of a CSV meets one rule, the same for `capcheck forecast` and
// `capcheck audit`: not negative, and a figure (internal/figure).
//
// Series are returned as [forecast.Series], sorted by time, ready for
// [forecast.DailyPeaks] and [forecast.Fit].
package actuals

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/capcheck/capcheck/forecast"
	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/internal/figure"
	"github.com/capcheck/capcheck/internal/repopath"
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

// maxQuote is how much of a field a message quotes back.
const maxQuote = 40

// maxCSVBytes is the largest CSV ReadCSV reads: ten million rows of
// `timestamp,value` fit well within it. A variable so tests can lower it.
var maxCSVBytes int64 = 512 << 20

// Timestamps must fall in [minTime, maxTime): observed data does not
// predate Unix time, and a year past 2199 is a unit mistake (milliseconds
// read as seconds) or a typo, never an observation.
var (
	minTime = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	maxTime = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
	// minUnix is the smallest Unix-seconds timestamp accepted (1973-03-03):
	// every smaller integer of 8 digits or fewer reads as a compact date
	// (20240101) or a counter, not as seconds.
	minUnix int64 = 100_000_000
)

// errTooLarge is returned by limitReader past maxCSVBytes.
var errTooLarge = errors.New("file is larger than the limit for actuals")

// limitReader reads at most n bytes and then fails with errTooLarge, so a
// file that is too large is an error rather than silently cut short.
type limitReader struct {
	r io.Reader
	n int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, errTooLarge
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}

// quote quotes a field for a message, shortened to maxQuote bytes.
func quote(s string) string {
	if len(s) <= maxQuote {
		return strconv.Quote(s)
	}
	cut := s[:maxQuote]
	for !utf8.ValidString(cut) && len(cut) > 0 {
		cut = cut[:len(cut)-1]
	}
	return fmt.Sprintf("%s… (%d bytes)", strconv.Quote(cut), len(s))
}

// timeForm is how a timestamp is written: a file keeps to one.
type timeForm int

const (
	formNone timeForm = iota
	formText          // RFC 3339 or a date layout
	formUnix          // Unix seconds
)

func (f timeForm) String() string {
	if f == formUnix {
		return "Unix seconds"
	}
	return "dates (RFC 3339 or YYYY-MM-DD forms)"
}

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
// 20) into a diag.Diagnostics; so are values that are negative or outside
// the figure rule (internal/figure: zero or 1e-15 to 1e15 in magnitude).
// Series come back sorted by name, each sorted by time.
//
// Hostile input: a leading UTF-8 byte order mark is dropped; input past
// 512 MiB is an error; timestamps must lie in 1970–2199 and Unix
// seconds be at least 100000000 (so that 20240101 is not read as 1970);
// a file writes every timestamp either as Unix seconds or as dates, not a
// mix; values are plain decimal numbers (no hex, no digit separators),
// never negative, and zero or between 1e-15 and 1e15 (1e308 and 5e-324
// are errors, not an overflow later); series names must be UTF-8. Fields
// quoted back in messages are cut to 40 bytes.
func ReadCSV(r io.Reader, name string) ([]Named, error) {
	br := bufio.NewReader(&limitReader{r: r, n: maxCSVBytes})
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true
	var (
		ds     diag.Diagnostics
		cols   int
		first  = true
		byName = map[string][]point{}
		order  []string
		form   timeForm
		// formLine is the first line that set form.
		formLine int
	)
	add := func(line, col int, format string, args ...any) {
		if len(ds) < maxDiags {
			ds = append(ds, diag.Diagnostic{Range: diag.Pos{File: name, Line: line, Column: col}.Range(), Severity: diag.Error, Msg: fmt.Sprintf(format, args...)})
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
			if errors.Is(err, errTooLarge) {
				return nil, diag.Errorf(diag.Pos{File: name}, "file is larger than the %d MiB limit for actuals", maxCSVBytes>>20)
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
			_, _, tsErr := parseTime(rec[0])
			if _, numErr := strconv.ParseFloat(strings.TrimSpace(rec[cols-1]), 64); tsErr != nil && numErr != nil {
				continue // header: neither a timestamp nor a value
			}
		}
		if len(rec) != cols {
			_, col := cr.FieldPos(len(rec) - 1)
			add(line, col, "want %d fields like the first row, got %d", cols, len(rec))
			continue
		}
		t, f, err := parseTime(rec[0])
		if err != nil {
			_, col := cr.FieldPos(0)
			add(line, col, "timestamp %s: %v", quote(rec[0]), err)
			continue
		}
		if form == formNone {
			form, formLine = f, line
		} else if f != form {
			_, col := cr.FieldPos(0)
			add(line, col, "timestamp %s is written as %v, but line %d starts the file with %v: use one form throughout", quote(rec[0]), f, formLine, form)
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
			if !utf8.ValidString(series) {
				_, col := cr.FieldPos(1)
				add(line, col, "series name %s is not valid UTF-8", quote(series))
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
		if msg := checkValue(raw, v, err); msg != "" {
			add(line, col, "value %s %s", quote(raw), msg)
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

// checkValue is the one rule for an observed value, whatever reads it
// (`capcheck forecast` and `capcheck audit` both come through ReadCSV):
// v, parsed from raw with err, is a plain decimal number, not negative
// (demand and utilisation never are) and a figure (internal/figure: finite,
// zero or between 1e-15 and 1e15), so nothing fitted or compared from it
// overflows. It returns what is wrong, to follow the quoted value, or "".
func checkValue(raw string, v float64, err error) string {
	overflow := errors.Is(err, strconv.ErrRange) // beyond float64
	switch {
	case err != nil && !overflow:
		return "is not a number"
	case !overflow && (math.IsNaN(v) || math.IsInf(v, 0)): // "NaN", "Inf"
		return figure.Problem(v)
	case !plainNumber(raw):
		return "is not a plain decimal number"
	case overflow:
		return figure.Problem(math.Copysign(math.MaxFloat64, v))
	case v < 0:
		return "is negative: observed demand and utilisation are never below 0"
	case v == 0 && strings.ContainsAny(raw[:mantissaEnd(raw)], "123456789"):
		return figure.Problem(math.SmallestNonzeroFloat64) // 1e-400 parses as 0
	}
	return figure.Problem(v)
}

// mantissaEnd is where the exponent of a plain decimal number starts.
func mantissaEnd(raw string) int {
	if i := strings.IndexAny(raw, "eE"); i >= 0 {
		return i
	}
	return len(raw)
}

func seriesSuffix(n string) string {
	if n == "" {
		return ""
	}
	return " in series " + strconv.Quote(n)
}

// plainNumber reports whether s is a decimal number: an optional sign,
// digits with an optional fraction, an optional exponent. ParseFloat also
// takes hex floats and "1_000", which a CSV of observations never means.
func plainNumber(s string) bool {
	s = strings.TrimLeft(s, "+-")
	mant, exp, hasExp := strings.Cut(strings.ToLower(s), "e")
	intPart, frac, _ := strings.Cut(mant, ".")
	if intPart+frac == "" || !allDigits(intPart) || !allDigits(frac) {
		return false
	}
	if hasExp {
		exp = strings.TrimLeft(exp, "+-")
		return exp != "" && allDigits(exp)
	}
	return true
}

var layouts = []string{time.RFC3339Nano, time.DateTime, "2006-01-02T15:04:05", time.DateOnly}

const wantForms = "want RFC 3339, YYYY-MM-DD, YYYY-MM-DD HH:MM:SS or Unix seconds"

// parseTime accepts the timestamp forms ReadCSV documents, within
// [minTime, maxTime).
func parseTime(s string) (time.Time, timeForm, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, formNone, errors.New(wantForms)
	}
	for _, l := range layouts {
		if t, err := time.Parse(l, s); err == nil {
			if t.Before(minTime) || !t.Before(maxTime) {
				return time.Time{}, formNone, fmt.Errorf("out of range: want a time from %d to %d", minTime.Year(), maxTime.Year()-1)
			}
			return t, formText, nil
		}
	}
	// Unix seconds: digits with an optional fraction (no exponent, no
	// sign).
	intPart, frac, _ := strings.Cut(s, ".")
	if intPart == "" || !allDigits(intPart) || !allDigits(frac) {
		return time.Time{}, formNone, errors.New(wantForms)
	}
	sec, err := strconv.ParseInt(intPart, 10, 64)
	switch {
	case err != nil || sec >= maxTime.Unix():
		return time.Time{}, formNone, fmt.Errorf("as Unix seconds this is after %d (milliseconds? divide by 1000)", maxTime.Year()-1)
	case sec < minUnix:
		return time.Time{}, formNone, fmt.Errorf("as Unix seconds this is before 1973 (a compact date? write YYYY-MM-DD)")
	}
	var nsec int64
	if frac != "" {
		f, err := strconv.ParseFloat("0."+frac, 64)
		if err != nil {
			return time.Time{}, formNone, errors.New(wantForms)
		}
		nsec = int64(math.Round(f * 1e9))
	}
	return time.Unix(sec, nsec).UTC(), formUnix, nil
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
// confined to root (repopath.Open): absolute paths, `..` escapes and
// symlinks leading out of root are rejected, and so is anything but a
// regular file, unopened (a FIFO would block). [ReadCSV] bounds the
// stream. Positions name the file by rel in slash form.
func ReadCSVFile(root, rel string) ([]Named, error) {
	name := filepath.ToSlash(rel)
	if rel == "" || filepath.IsAbs(rel) || path.IsAbs(name) {
		return nil, diag.Errorf(diag.Pos{File: name}, "actuals path must be relative to the repository root")
	}
	realRoot, err := repopath.Root(root)
	if err != nil {
		return nil, fmt.Errorf("open repository root %s: %w", root, err)
	}
	f, err := repopath.Open(realRoot, realRoot, filepath.FromSlash(path.Clean(name)))
	if nr := (*repopath.NotRegularError)(nil); errors.As(err, &nr) {
		return nil, diag.Errorf(diag.Pos{File: name}, "open actuals: not a regular file (%v)", nr.Mode.Type())
	}
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
