package actuals

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/capcheck/capcheck/forecast"
	"github.com/capcheck/capcheck/internal/origin"
)

// Aggregation is how each step of a range query reduces the samples it
// covers. Prometheus computes it ([PushDown]); [Reduce] does the same for a
// file.
type Aggregation struct {
	// Func is "max_over_time", "avg_over_time" or "quantile_over_time".
	Func string
	// Quantile is φ (0..1) for quantile_over_time.
	Quantile float64
}

// The aggregations capcheck uses: step peaks for demand and GPU
// utilisation (capacity follows peaks), step means for reservation
// utilisation, and the 95th percentile as the robust alternative to peaks.
var (
	Max  = Aggregation{Func: "max_over_time"}
	Mean = Aggregation{Func: "avg_over_time"}
	P95  = Aggregation{Func: "quantile_over_time", Quantile: 0.95}
)

func (a Aggregation) check() error {
	switch a.Func {
	case "max_over_time", "avg_over_time":
		return nil
	case "quantile_over_time":
		if a.Quantile >= 0 && a.Quantile <= 1 {
			return nil
		}
		return fmt.Errorf("quantile %g is not in [0, 1]", a.Quantile)
	}
	return fmt.Errorf("unknown aggregation %q (want max_over_time, avg_over_time or quantile_over_time)", a.Func)
}

// maxPoints is the most points per series Prometheus returns for a range
// query; beyond it the server answers 400, so the request is refused here
// with advice instead.
const maxPoints = 11000

// maxBody bounds the response body read from the server.
const maxBody = 64 << 20

// Defaults of [Prometheus].
const (
	DefaultTimeout     = 30 * time.Second
	DefaultMaxAttempts = 3
	DefaultBackoff     = 500 * time.Millisecond
)

// Prometheus reads range queries from the Prometheus HTTP API
// (`GET /api/v1/query_range`), which Thanos and Mimir serve too. The
// per-step aggregation is pushed down to the server ([PushDown]): only one
// point per step and series travels, never raw samples.
//
// Credentials (a bearer Token, or Username and Password for basic auth;
// the CLI reads them from the environment) are sent to URL only: a
// redirect to another scheme, host or port is refused. Requests that fail
// with a 5xx status, a timeout or a transport error are retried with
// exponential backoff, at most MaxAttempts times in all; 4xx answers are
// final.
type Prometheus struct {
	// URL is the server's base URL, e.g. "http://prometheus:9090" or a
	// path-prefixed "https://mimir.example/prometheus".
	URL string
	// Client sends the requests (http.DefaultClient's transport when nil).
	// Its CheckRedirect is replaced by the same-origin policy above
	// (package internal/origin).
	Client *http.Client

	Token    string
	Username string
	Password string

	// Timeout limits each attempt (DefaultTimeout when zero).
	Timeout time.Duration
	// MaxAttempts bounds the attempts per query (DefaultMaxAttempts when
	// zero).
	MaxAttempts int
	// Backoff is the wait before the first retry, doubled for each later
	// one (DefaultBackoff when zero).
	Backoff time.Duration
	// Aggregation reduces each step (Max when zero).
	Aggregation Aggregation
}

var _ Source = (*Prometheus)(nil)

// PushDown is the PromQL sent for query reduced over each step: for a plain
// selector `max_over_time(sel[1h])`, for any other expression a subquery
// `max_over_time((expr)[1h:])` (and `quantile_over_time(0.95, …)` for a
// quantile), so the server computes one point per step.
func PushDown(query string, step time.Duration, agg Aggregation) string {
	q := strings.TrimSpace(query)
	rng := "[" + promDuration(step) + "]"
	if !isSelector(q) {
		q = "(" + q + ")"
		rng = "[" + promDuration(step) + ":]"
	}
	if agg.Func == "quantile_over_time" {
		return fmt.Sprintf("quantile_over_time(%s, %s%s)", strconv.FormatFloat(agg.Quantile, 'g', -1, 64), q, rng)
	}
	return agg.Func + "(" + q + rng + ")"
}

// promDuration formats d in the largest PromQL unit that divides it.
func promDuration(d time.Duration) string {
	for _, u := range []struct {
		d time.Duration
		s string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}} {
		if d%u.d == 0 {
			return strconv.FormatInt(int64(d/u.d), 10) + u.s
		}
	}
	return strconv.FormatInt(d.Milliseconds(), 10) + "ms"
}

// isSelector reports whether q is a plain instant vector selector: a metric
// name, label matchers in braces, or both, and nothing else (no offset,
// range, function or operator).
func isSelector(q string) bool {
	i := 0
	for i < len(q) && (q[i] == '_' || q[i] == ':' || q[i] >= 'a' && q[i] <= 'z' || q[i] >= 'A' && q[i] <= 'Z' || i > 0 && q[i] >= '0' && q[i] <= '9') {
		i++
	}
	name := i > 0
	if i == len(q) {
		return name
	}
	if q[i] != '{' {
		return false
	}
	i++
	for i < len(q) {
		switch c := q[i]; c {
		case '}':
			return i == len(q)-1
		case '"', '\'', '`':
			i++
			for i < len(q) && q[i] != c {
				if q[i] == '\\' && c != '`' {
					i++
				}
				i++
			}
			if i >= len(q) {
				return false
			}
		case '[', '(', ')', ']':
			return false
		}
		i++
	}
	return false
}

// Fetch implements [Source]: the query, reduced per step by p.Aggregation,
// evaluated at the steps end, end−step, … down to the last one after start,
// so each point covers (t−step, t] and together they cover the window
// (start, end]. Series come back sorted by their labels, values finite.
// No series at all is an error naming the query.
func (p *Prometheus) Fetch(ctx context.Context, query string, start, end time.Time, step time.Duration) ([]Named, error) {
	base, err := url.Parse(strings.TrimRight(p.URL, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("prometheus URL %q: want http(s)://host[:port][/prefix]", p.URL)
	}
	if p.Token != "" && (p.Username != "" || p.Password != "") {
		return nil, errors.New("prometheus: give a bearer token or a username and password, not both")
	}
	if strings.TrimSpace(query) == "" {
		return nil, errors.New("prometheus: empty query")
	}
	agg := p.Aggregation
	if agg.Func == "" {
		agg = Max
	}
	if err := agg.check(); err != nil {
		return nil, fmt.Errorf("prometheus: %w", err)
	}
	if step < time.Second || step%time.Millisecond != 0 {
		return nil, fmt.Errorf("prometheus: step %v must be at least 1s and whole milliseconds", step)
	}
	n := int64(end.Sub(start) / step)
	if n < 1 {
		return nil, fmt.Errorf("prometheus: window %s … %s is shorter than one step (%v)", start.Format(time.RFC3339), end.Format(time.RFC3339), step)
	}
	if n > maxPoints {
		return nil, fmt.Errorf("prometheus: %d steps of %v exceed the server's limit of %d points per series; use a larger step", n, step, maxPoints)
	}
	first := end.Add(-time.Duration(n-1) * step)
	promQL := PushDown(query, step, agg)

	form := url.Values{}
	form.Set("query", promQL)
	form.Set("start", unixSeconds(first))
	form.Set("end", unixSeconds(end))
	form.Set("step", strconv.FormatFloat(step.Seconds(), 'f', -1, 64))
	u := *base
	u.Path = base.Path + "/api/v1/query_range"
	u.RawQuery = form.Encode()

	body, err := p.get(ctx, u.String())
	if err != nil {
		return nil, fmt.Errorf("prometheus %s: query %s: %w", base.Redacted(), promQL, err)
	}
	out, err := parseMatrix(body, promQL)
	if err != nil {
		return nil, fmt.Errorf("prometheus %s: %w", base.Redacted(), err)
	}
	return out, nil
}

func unixSeconds(t time.Time) string {
	return strconv.FormatFloat(float64(t.UnixMilli())/1000, 'f', -1, 64)
}

// get fetches u with retries and returns the body of a 2xx answer.
func (p *Prometheus) get(ctx context.Context, u string) ([]byte, error) {
	attempts := p.MaxAttempts
	if attempts <= 0 {
		attempts = DefaultMaxAttempts
	}
	backoff := p.Backoff
	if backoff <= 0 {
		backoff = DefaultBackoff
	}
	timeout := p.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	client := p.client()
	var last error
	for i := range attempts {
		if i > 0 {
			t := time.NewTimer(backoff << (i - 1))
			select {
			case <-ctx.Done():
				t.Stop()
				return nil, fmt.Errorf("%w (after %d attempts; last: %v)", ctx.Err(), i, last)
			case <-t.C:
			}
		}
		body, retry, err := p.attempt(ctx, client, u, timeout)
		if err == nil {
			return body, nil
		}
		if !retry || ctx.Err() != nil {
			return nil, err
		}
		last = err
	}
	return nil, fmt.Errorf("%w (gave up after %d attempts)", last, attempts)
}

// client is p.Client (or a default one) refusing redirects off the origin
// of p.URL (package origin's rule, shared with the GitHub client).
func (p *Prometheus) client() *http.Client {
	why := "the audit reads only"
	if p.Token != "" || p.Username != "" || p.Password != "" {
		why = "credentials are only sent to"
	}
	return origin.Client(p.Client, why)
}

// attempt sends one request. retry reports whether a failure is worth
// another attempt (5xx, timeout, transport error).
func (p *Prometheus) attempt(ctx context.Context, client *http.Client, u string, timeout time.Duration) (body []byte, retry bool, err error) {
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodGet, u, nil)
	if err != nil {
		return nil, false, err
	}
	req.Header.Set("Accept", "application/json")
	switch {
	case p.Token != "":
		req.Header.Set("Authorization", "Bearer "+p.Token)
	case p.Username != "" || p.Password != "":
		req.SetBasicAuth(p.Username, p.Password)
	}
	resp, err := client.Do(req)
	if err != nil {
		var re *origin.RedirectError
		switch {
		case errors.As(err, &re):
			// Final, never retried.
			return nil, false, re
		case ctx.Err() != nil:
			return nil, false, ctx.Err()
		case actx.Err() != nil || isTimeout(err):
			return nil, true, fmt.Errorf("timed out after %v", timeout)
		case errors.Is(err, syscall.ECONNREFUSED):
			return nil, true, fmt.Errorf("unreachable: connection refused (is the server running at this address?)")
		}
		return nil, true, fmt.Errorf("unreachable: %w", err)
	}
	defer resp.Body.Close()
	body, err = io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		if actx.Err() != nil && ctx.Err() == nil {
			return nil, true, fmt.Errorf("timed out after %v reading the answer", timeout)
		}
		return nil, true, fmt.Errorf("read answer: %w", err)
	}
	if len(body) > maxBody {
		return nil, false, fmt.Errorf("answer larger than %d MiB: aggregate the query to fewer series or use a larger step", maxBody>>20)
	}
	if resp.StatusCode/100 == 2 {
		return body, false, nil
	}
	msg := fmt.Sprintf("HTTP %d", resp.StatusCode)
	var e apiResponse
	if json.Unmarshal(body, &e) == nil && e.Error != "" {
		msg += fmt.Sprintf(": %s: %s", e.ErrorType, e.Error)
	} else if s := snippet(body); s != "" {
		msg += ": " + s
	}
	return nil, resp.StatusCode >= 500, errors.New(msg)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// snippet is the start of a body for an error message, on one line.
func snippet(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// apiResponse is the Prometheus HTTP API envelope of a range query.
type apiResponse struct {
	Status    string   `json:"status"`
	ErrorType string   `json:"errorType"`
	Error     string   `json:"error"`
	Warnings  []string `json:"warnings"`
	Data      struct {
		ResultType string `json:"resultType"`
		Result     []struct {
			Metric     map[string]string    `json:"metric"`
			Values     [][2]json.RawMessage `json:"values"`
			Histograms json.RawMessage      `json:"histograms"`
		} `json:"result"`
	} `json:"data"`
}

// parseMatrix decodes a query_range answer. A non-JSON body, status
// "error", warnings (the data may be partial), a result that is not a
// matrix, no series, and NaN or infinite values are errors.
func parseMatrix(body []byte, promQL string) ([]Named, error) {
	var r apiResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("query %s: the answer is not Prometheus API JSON (%v): %q", promQL, err, snippet(body))
	}
	switch {
	case r.Status == "error":
		return nil, fmt.Errorf("query %s: %s: %s", promQL, r.ErrorType, r.Error)
	case r.Status != "success":
		return nil, fmt.Errorf("query %s: answer status %q, want \"success\"", promQL, r.Status)
	case len(r.Warnings) > 0:
		return nil, fmt.Errorf("query %s: the server warned %q: the data may be incomplete", promQL, strings.Join(r.Warnings, "; "))
	case r.Data.ResultType != "matrix":
		return nil, fmt.Errorf("query %s: result type %q, want \"matrix\"", promQL, r.Data.ResultType)
	case len(r.Data.Result) == 0:
		return nil, fmt.Errorf("query %s returned no series: check the metric name and labels, and that the window has data", promQL)
	}
	out := make([]Named, 0, len(r.Data.Result))
	for _, res := range r.Data.Result {
		name := labelString(res.Metric)
		if len(res.Values) == 0 {
			if len(res.Histograms) > 0 {
				return nil, fmt.Errorf("query %s: series %s holds native histograms; reduce them to a number (histogram_quantile, histogram_sum)", promQL, name)
			}
			continue
		}
		s := Named{Name: name, Series: forecast.Series{Times: make([]time.Time, 0, len(res.Values)), Values: make([]float64, 0, len(res.Values))}}
		for _, pair := range res.Values {
			t, v, err := samplePair(pair)
			if err != nil {
				return nil, fmt.Errorf("query %s: series %s: %w", promQL, name, err)
			}
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("query %s: series %s is %v at %s: fix the expression (a division by zero?) so every step has a finite value", promQL, name, v, t.Format(time.RFC3339))
			}
			if n := len(s.Times); n > 0 && !t.After(s.Times[n-1]) {
				return nil, fmt.Errorf("query %s: series %s: time %s is not after %s", promQL, name, t.Format(time.RFC3339), s.Times[n-1].Format(time.RFC3339))
			}
			s.Times = append(s.Times, t)
			s.Values = append(s.Values, v)
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("query %s returned no samples in the window", promQL)
	}
	slices.SortFunc(out, func(a, b Named) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// samplePair decodes [unix_seconds, "value"].
func samplePair(p [2]json.RawMessage) (time.Time, float64, error) {
	ts, err := strconv.ParseFloat(string(p[0]), 64)
	if err != nil {
		return time.Time{}, 0, fmt.Errorf("bad timestamp %s", p[0])
	}
	var raw string
	if err := json.Unmarshal(p[1], &raw); err != nil {
		return time.Time{}, 0, fmt.Errorf("bad value %s: want a string", p[1])
	}
	t := time.UnixMilli(int64(math.Round(ts * 1000))).UTC()
	v, err := strconv.ParseFloat(raw, 64)
	if err != nil {
		return time.Time{}, 0, fmt.Errorf("value %q at %s is not a number", raw, t.Format(time.RFC3339))
	}
	return t, v, nil
}

// labelString formats a label set as PromQL does, `name{a="b", c="d"}`,
// labels sorted; "{}" for none.
func labelString(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		if k != "__name__" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var b strings.Builder
	b.WriteString(m["__name__"])
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(k + "=" + strconv.Quote(m[k]))
	}
	b.WriteByte('}')
	return b.String()
}

// FetchOne fetches query from src and returns its single series. More than
// one series is an error naming how many and asking the user to aggregate:
// a workload's demand or a pool's utilisation is one number per step.
func FetchOne(ctx context.Context, src Source, query string, start, end time.Time, step time.Duration) (Named, error) {
	all, err := src.Fetch(ctx, query, start, end, step)
	if err != nil {
		return Named{}, err
	}
	switch len(all) {
	case 0:
		return Named{}, fmt.Errorf("query %q returned no series", query)
	case 1:
		return all[0], nil
	}
	names := make([]string, 0, 3)
	for _, n := range all[:min(3, len(all))] {
		names = append(names, n.Name)
	}
	more := ""
	if len(all) > 3 {
		more = ", …"
	}
	return Named{}, fmt.Errorf("query %q returned %d series (%s%s), want one: aggregate them in the query, e.g. sum(…) for demand or avg(…) for utilisation",
		query, len(all), strings.Join(names, ", "), more)
}

// Reduce aggregates raw samples the way [Prometheus.Fetch] has the server
// do it: one point per step at end, end−step, … (the last one after
// start), each reducing the samples in (t−step, t] with agg. Steps without
// samples are left out. Quantiles interpolate linearly between ranks, as
// PromQL's quantile_over_time does.
func Reduce(s forecast.Series, start, end time.Time, step time.Duration, agg Aggregation) (forecast.Series, error) {
	if agg.Func == "" {
		agg = Max
	}
	if err := agg.check(); err != nil {
		return forecast.Series{}, err
	}
	if step <= 0 {
		return forecast.Series{}, fmt.Errorf("step %v must be positive", step)
	}
	n := int64(end.Sub(start) / step)
	if n < 1 {
		return forecast.Series{}, fmt.Errorf("window %s … %s is shorter than one step (%v)", start.Format(time.RFC3339), end.Format(time.RFC3339), step)
	}
	lo := end.Add(-time.Duration(n) * step) // exclusive
	buckets := make([][]float64, n)
	for i, t := range s.Times {
		if !t.After(lo) || t.After(end) {
			continue
		}
		k := int64((t.Sub(lo) + step - 1) / step) // 1 … n
		buckets[k-1] = append(buckets[k-1], s.Values[i])
	}
	var out forecast.Series
	for k, b := range buckets {
		if len(b) == 0 {
			continue
		}
		out.Times = append(out.Times, lo.Add(time.Duration(k+1)*step).UTC())
		out.Values = append(out.Values, reduce(b, agg))
	}
	return out, nil
}

func reduce(vs []float64, agg Aggregation) float64 {
	switch agg.Func {
	case "avg_over_time":
		sum := 0.0
		for _, v := range vs {
			sum += v
		}
		return sum / float64(len(vs))
	case "quantile_over_time":
		s := slices.Clone(vs)
		slices.Sort(s)
		rank := agg.Quantile * float64(len(s)-1)
		i := int(math.Floor(rank))
		if i+1 >= len(s) {
			return s[len(s)-1]
		}
		f := rank - float64(i)
		return s[i]*(1-f) + s[i+1]*f
	}
	return slices.Max(vs)
}
