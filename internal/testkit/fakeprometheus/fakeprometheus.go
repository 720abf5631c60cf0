// Package fakeprometheus is the scripted fake Prometheus HTTP API of the
// tests: the range queries capcheck's actuals client sends
// (`GET /api/v1/query_range` with query, start, end and step, nothing
// else), expected in order, each asserted on its parameters, its Accept
// header and its Authorization (none unless the script configures
// credentials), and answered from a fixture: series written in
// promtool's value notation, or a raw answer for the error cases. A
// request out of script, or one that never came, fails the test.
//
// It is the scripted server of package fakegithub with a fixture of its
// own ([Parse]); testscripts use the `fakeprometheus` command ([Cmd]).
// The package is imported by tests only.
package fakeprometheus

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/capcheck/capcheck/internal/testkit/fakegithub"
	"github.com/rogpeppe/go-internal/testscript"
)

// Path is the one endpoint capcheck calls.
const Path = "/api/v1/query_range"

// Parse reads a fixture: one exchange per `query` line, the lines after
// it up to the next `query` saying what the request carries and what
// the answer is. Blank lines and lines starting with "#" are ignored.
//
//	# every query of this audit covers the same window
//	range 2026-11-07T01:00:00Z 2026-11-21T00:00:00Z 1h
//
//	query max_over_time(gpu_util{pool="l4"}[1h])
//	series {"pool":"l4"} 0.6x318 0.75x15 0.8
//
//	query avg_over_time(reserved_util[1h])
//	status 500
//	body {"status":"error","errorType":"internal","error":"boom"}
//
// The lines are:
//
//   - `range START END STEP`: the start, end and step parameters the
//     requests must carry (RFC 3339 times, a Go duration). Before the
//     first query it is the default of every exchange; after a query it
//     is that exchange's own.
//   - `query PROMQL`: a request whose query parameter is exactly PROMQL
//     (the pushed-down expression, see actuals.PushDown).
//   - `series LABELS VALUES...`: a series of the answer (a matrix, in
//     the order written): LABELS is a JSON object, VALUES one value per
//     step from START to END in promtool's notation: `a`, `axn` (a, n+1
//     times), `a+bxn` and `a-bxn` (n+1 values a, a±b, …, a±n·b), `_` and
//     `_xn` (steps with no sample); the values must cover every step.
//   - `status N`: the answer's status (default 200).
//   - `body TEXT`: the answer's body as written, instead of the matrix
//     the series make (for a malformed or an error answer).
//
// An exchange with neither series nor body answers a matrix of no
// series.
func Parse(text string) ([]fakegithub.Exchange, error) {
	var (
		def     *window
		xs      []fakegithub.Exchange
		cur     *exchange
		all     []*exchange
		lineNum int
	)
	at := func(format string, args ...any) error {
		return fmt.Errorf("line %d: %s", lineNum, fmt.Sprintf(format, args...))
	}
	for i, line := range strings.Split(text, "\n") {
		lineNum = i + 1
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		word, rest, _ := strings.Cut(line, " ")
		rest = strings.TrimSpace(rest)
		switch word {
		case "range":
			w, err := parseWindow(rest)
			if err != nil {
				return nil, at("%v", err)
			}
			if cur == nil {
				def = &w
			} else {
				cur.window = &w
			}
			continue
		case "query":
			if rest == "" {
				return nil, at("want query PROMQL")
			}
			cur = &exchange{query: rest, window: def, line: lineNum}
			all = append(all, cur)
			continue
		}
		if cur == nil {
			return nil, at("%q before the first query line", word)
		}
		switch word {
		case "series":
			s, err := parseSeries(rest)
			if err != nil {
				return nil, at("%v", err)
			}
			s.line = lineNum
			cur.series = append(cur.series, s)
		case "status":
			st, err := strconv.Atoi(rest)
			if err != nil || st < 100 || st > 599 {
				return nil, at("want status N (an HTTP status), got %q", rest)
			}
			cur.status = st
		case "body":
			cur.body, cur.hasBody = rest, true
		default:
			return nil, at("unknown line %q (want range, query, series, status or body)", word)
		}
	}
	for _, e := range all {
		x, err := e.exchange()
		if err != nil {
			return nil, fmt.Errorf("line %d: query %s: %v", e.line, e.query, err)
		}
		xs = append(xs, x)
	}
	return xs, nil
}

// window is a range query's start, end and step.
type window struct {
	start, end time.Time
	step       time.Duration
}

func parseWindow(s string) (window, error) {
	f := strings.Fields(s)
	if len(f) != 3 {
		return window{}, fmt.Errorf("want range START END STEP, got %q", s)
	}
	start, err1 := time.Parse(time.RFC3339, f[0])
	end, err2 := time.Parse(time.RFC3339, f[1])
	step, err3 := time.ParseDuration(f[2])
	switch {
	case err1 != nil || err2 != nil:
		return window{}, fmt.Errorf("range %q: START and END are RFC 3339 times", s)
	case err3 != nil || step <= 0:
		return window{}, fmt.Errorf("range %q: STEP is a positive duration such as 1h", s)
	case end.Before(start) || end.Sub(start)%step != 0:
		return window{}, fmt.Errorf("range %q: END must be START plus a whole number of steps", s)
	}
	return window{start: start, end: end, step: step}, nil
}

// steps is the number of points from start to end, both included.
func (w window) steps() int { return int(w.end.Sub(w.start)/w.step) + 1 }

type series struct {
	labels map[string]string
	values []float64 // NaN: no sample at the step
	line   int
}

type exchange struct {
	query   string
	window  *window
	series  []series
	status  int
	body    string
	hasBody bool
	line    int
}

// parseSeries reads `LABELS VALUES...`.
func parseSeries(s string) (series, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	var out series
	if err := dec.Decode(&out.labels); err != nil {
		return series{}, fmt.Errorf("series: want a JSON object of labels first: %v", err)
	}
	for _, tok := range strings.Fields(s[dec.InputOffset():]) {
		vs, err := expandValues(tok)
		if err != nil {
			return series{}, fmt.Errorf("series: %v", err)
		}
		out.values = append(out.values, vs...)
	}
	if len(out.values) == 0 {
		return series{}, fmt.Errorf("series: want values after the labels")
	}
	return out, nil
}

// expandValues expands one token of promtool's notation (see [Parse]).
func expandValues(tok string) ([]float64, error) {
	base, times, repeat := strings.Cut(tok, "x")
	n := 0
	if repeat {
		var err error
		if n, err = strconv.Atoi(times); err != nil || n < 0 {
			return nil, fmt.Errorf("%q: want a count after x", tok)
		}
	}
	if base == "_" {
		out := make([]float64, n+1)
		for i := range out {
			out[i] = math.NaN()
		}
		return out, nil
	}
	a, b := base, "0"
	if repeat {
		// a+b or a-b, the sign not the one of a's exponent or a itself
		if k := strings.LastIndexAny(base, "+-"); k > 0 && base[k-1] != 'e' && base[k-1] != 'E' {
			a, b = base[:k], base[k:]
		}
	}
	av, err1 := strconv.ParseFloat(a, 64)
	bv, err2 := strconv.ParseFloat(b, 64)
	if err1 != nil || err2 != nil || math.IsNaN(av) || math.IsInf(av, 0) {
		return nil, fmt.Errorf("%q: want a number, a, axn, a+bxn, a-bxn, _ or _xn", tok)
	}
	out := make([]float64, n+1)
	for i := range out {
		out[i] = av + float64(i)*bv
	}
	return out, nil
}

// exchange is e as the scripted server takes it.
func (e *exchange) exchange() (fakegithub.Exchange, error) {
	if e.window == nil {
		return fakegithub.Exchange{}, fmt.Errorf("no range (a range line before the first query, or after this one)")
	}
	w := *e.window
	q := url.Values{}
	q.Set("query", e.query)
	q.Set("start", unixSeconds(w.start))
	q.Set("end", unixSeconds(w.end))
	q.Set("step", strconv.FormatFloat(w.step.Seconds(), 'f', -1, 64))
	x := fakegithub.Exchange{
		Method:  http.MethodGet,
		Path:    Path,
		Query:   q.Encode(),
		Headers: map[string]string{"Accept": "application/json"},
		Status:  e.status,
		Reply:   e.body,
	}
	if e.hasBody {
		if len(e.series) > 0 {
			return x, fmt.Errorf("give series or a body, not both")
		}
		return x, nil
	}
	type result struct {
		Metric map[string]string `json:"metric"`
		Values [][2]any          `json:"values"`
	}
	results := []result{}
	for _, s := range e.series {
		if len(s.values) != w.steps() {
			return x, fmt.Errorf("line %d: %d values for %d steps (%s to %s every %v)",
				s.line, len(s.values), w.steps(), w.start.Format(time.RFC3339), w.end.Format(time.RFC3339), w.step)
		}
		r := result{Metric: s.labels, Values: [][2]any{}}
		for i, v := range s.values {
			if math.IsNaN(v) {
				continue
			}
			t := w.start.Add(time.Duration(i) * w.step)
			r.Values = append(r.Values, [2]any{json.Number(unixSeconds(t)), strconv.FormatFloat(v, 'f', -1, 64)})
		}
		results = append(results, r)
	}
	b, err := json.Marshal(map[string]any{
		"status": "success",
		"data":   map[string]any{"resultType": "matrix", "result": results},
	})
	x.Reply = string(b)
	return x, err
}

// unixSeconds is a time as the Prometheus API writes one: Unix seconds,
// with the milliseconds as a fraction when there are any.
func unixSeconds(t time.Time) string {
	return strconv.FormatFloat(float64(t.UnixMilli())/1000, 'f', -1, 64)
}

// Environment variables holding the credentials capcheck sends (read by
// cmd/capcheck's audit): a bearer token, or a username and password.
const (
	EnvToken    = "CAPCHECK_PROMETHEUS_TOKEN"
	EnvUser     = "CAPCHECK_PROMETHEUS_USERNAME"
	EnvPassword = "CAPCHECK_PROMETHEUS_PASSWORD"
)

// Auth is the Authorization header every request must carry for the
// given credentials: "Bearer TOKEN", "Basic …" for a username and
// password, "" (none at all) without credentials.
func Auth(token, user, password string) string {
	switch {
	case token != "":
		return "Bearer " + token
	case user != "" || password != "":
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
	}
	return ""
}

// Start starts a fake for the fixture's exchanges that reports to r;
// every request must carry the Authorization header auth. The caller
// must call Finish.
func Start(r fakegithub.Reporter, auth string, script ...fakegithub.Exchange) *fakegithub.Server {
	s := fakegithub.Start(r, auth, script...)
	s.Name = "fake Prometheus"
	return s
}

// command is `fakeprometheus`.
func command() fakegithub.ScriptCommand {
	return fakegithub.ScriptCommand{Name: "fakeprometheus", Start: start}
}

// Setup prepares a script for the `fakeprometheus` command: call it from
// testscript.Params.Setup.
func Setup(env *testscript.Env) { command().Setup(env) }

// Cmd is the script command
//
//	fakeprometheus start FILE   # serve FILE's exchanges (see Parse); sets $PROMETHEUS_URL
//	fakeprometheus wait         # stop; fail on a request out of script or one that never came
//	! fakeprometheus wait       # stop; fail unless something went wrong (to test a script)
//
// The Authorization every request must carry is the one for the
// credentials in $CAPCHECK_PROMETHEUS_TOKEN, or $CAPCHECK_PROMETHEUS_USERNAME
// and $CAPCHECK_PROMETHEUS_PASSWORD, as they are at start: none when
// they are unset, so a credential sent unasked fails the script.
func Cmd(ts *testscript.TestScript, neg bool, args []string) { command().Run(ts, neg, args) }

func start(ts *testscript.TestScript, r fakegithub.Reporter, file string) *fakegithub.Server {
	script, err := Parse(ts.ReadFile(file))
	if err != nil {
		ts.Fatalf("fakeprometheus start %s: %v", file, err)
	}
	s := Start(r, Auth(ts.Getenv(EnvToken), ts.Getenv(EnvUser), ts.Getenv(EnvPassword)), script...)
	ts.Setenv("PROMETHEUS_URL", s.URL)
	return s
}
