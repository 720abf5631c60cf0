package actuals

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/capcheck/capcheck/forecast"
	"github.com/google/go-cmp/cmp"
)

// The audit window of these tests: (2026-07-14T00:00Z, 2026-07-14T03:00Z]
// at a 1h step: points at 01:00, 02:00 and 03:00 (Unix 1783990800,
// 1783994400, 1783998000).
var (
	winStart = time.Date(2026, 7, 14, 0, 0, 0, 0, time.UTC)
	winEnd   = time.Date(2026, 7, 14, 3, 0, 0, 0, time.UTC)
)

const matrixOK = `{"status":"success","data":{"resultType":"matrix","result":[
 {"metric":{"job":"chat"},"values":[[1783990800,"120"],[1783994400,"146.5"],[1783998000,"131"]]}]}}`

func TestPushDown(t *testing.T) {
	tests := []struct {
		name  string
		query string
		step  time.Duration
		agg   Aggregation
		want  string
	}{
		{name: "plain metric", query: "vllm_requests_per_s", step: time.Hour, agg: Max,
			want: "max_over_time(vllm_requests_per_s[1h])"},
		{name: "selector with matchers", query: ` gpu_util{pool="h100", zone=~"us-.*"} `, step: 30 * time.Minute, agg: Mean,
			want: `avg_over_time(gpu_util{pool="h100", zone=~"us-.*"}[30m])`},
		{name: "matcher value with braces and quotes", query: `m{path="/a}b\"c"}`, step: time.Hour, agg: Max,
			want: `max_over_time(m{path="/a}b\"c"}[1h])`},
		{name: "expression becomes a subquery", query: `sum(rate(http_requests_total{job="chat"}[5m]))`, step: time.Hour, agg: Max,
			want: `max_over_time((sum(rate(http_requests_total{job="chat"}[5m])))[1h:])`},
		{name: "selector with offset is an expression", query: "m offset 1d", step: 24 * time.Hour, agg: Max,
			want: "max_over_time((m offset 1d)[1d:])"},
		{name: "quantile", query: "gpu_util", step: 90 * time.Second, agg: P95,
			want: "quantile_over_time(0.95, gpu_util[90s])"},
		{name: "quantile of an expression", query: "avg(gpu_util) / 100", step: time.Hour, agg: P95,
			want: "quantile_over_time(0.95, (avg(gpu_util) / 100)[1h:])"},
		{name: "milliseconds", query: "m", step: 1500 * time.Millisecond, agg: Max,
			want: "max_over_time(m[1500ms])"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := PushDown(tc.query, tc.step, tc.agg); got != tc.want {
				t.Errorf("PushDown(%q) = %q, want %q", tc.query, got, tc.want)
			}
		})
	}
}

// recorder is an httptest server that answers with handler and records
// every request it receives.
type recorder struct {
	mu   sync.Mutex
	reqs []*http.Request
	srv  *httptest.Server
}

func newRecorder(t *testing.T, handler func(w http.ResponseWriter, r *http.Request, n int)) *recorder {
	t.Helper()
	rec := &recorder{}
	rec.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.mu.Lock()
		rec.reqs = append(rec.reqs, r.Clone(context.Background()))
		n := len(rec.reqs)
		rec.mu.Unlock()
		handler(w, r, n)
	}))
	t.Cleanup(rec.srv.Close)
	return rec
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.reqs)
}

func (r *recorder) req(i int) *http.Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.reqs[i]
}

func answer(status int, body string) func(http.ResponseWriter, *http.Request, int) {
	return func(w http.ResponseWriter, _ *http.Request, _ int) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}
}

func TestPrometheusFetchRequest(t *testing.T) {
	tests := []struct {
		name      string
		prefix    string
		prom      Prometheus
		query     string
		wantPath  string
		wantQuery string
		wantAuth  string
	}{
		{name: "bearer token, plain selector", prom: Prometheus{Token: "s3cret"}, query: `chat_rps{job="chat"}`,
			wantPath: "/api/v1/query_range", wantQuery: `max_over_time(chat_rps{job="chat"}[1h])`, wantAuth: "Bearer s3cret"},
		// "user:pa ss" in base64 is dXNlcjpwYSBzcw==.
		{name: "basic auth, path prefix, mean", prefix: "/prometheus", prom: Prometheus{Username: "user", Password: "pa ss", Aggregation: Mean},
			query: `sum(rate(x[5m]))`, wantPath: "/prometheus/api/v1/query_range", wantQuery: `avg_over_time((sum(rate(x[5m])))[1h:])`,
			wantAuth: "Basic dXNlcjpwYSBzcw=="},
		{name: "no credentials", prom: Prometheus{}, query: "m",
			wantPath: "/api/v1/query_range", wantQuery: "max_over_time(m[1h])"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := newRecorder(t, answer(200, matrixOK))
			p := tc.prom
			p.URL = rec.srv.URL + tc.prefix + "/"
			got, err := p.Fetch(context.Background(), tc.query, winStart, winEnd, time.Hour)
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			want := []Named{{Name: `{job="chat"}`, Series: forecast.Series{
				Times:  []time.Time{winStart.Add(time.Hour), winStart.Add(2 * time.Hour), winEnd},
				Values: []float64{120, 146.5, 131},
			}}}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Fetch (-want +got):\n%s", diff)
			}
			if rec.count() != 1 {
				t.Fatalf("%d requests, want 1", rec.count())
			}
			r := rec.req(0)
			if r.Method != http.MethodGet || r.URL.Path != tc.wantPath {
				t.Errorf("request %s %s, want GET %s", r.Method, r.URL.Path, tc.wantPath)
			}
			q := r.URL.Query()
			// Three points: start 01:00 = 1783990800, end 03:00 = 1783998000.
			wantParams := url.Values{"query": {tc.wantQuery}, "start": {"1783990800"}, "end": {"1783998000"}, "step": {"3600"}}
			if diff := cmp.Diff(wantParams, q); diff != "" {
				t.Errorf("query parameters (-want +got):\n%s", diff)
			}
			if got := r.Header.Get("Authorization"); got != tc.wantAuth {
				t.Errorf("Authorization = %q, want %q", got, tc.wantAuth)
			}
		})
	}
}

func TestPrometheusFetchErrors(t *testing.T) {
	matrix := func(result string) string {
		return `{"status":"success","data":{"resultType":"matrix","result":[` + result + `]}}`
	}
	tests := []struct {
		name    string
		handler func(http.ResponseWriter, *http.Request, int)
		prom    Prometheus
		query   string
		step    time.Duration
		start   time.Time
		want    string // substring of the error
		tries   int    // requests the server must have seen
	}{
		{name: "4xx is final and carries the server's message",
			handler: answer(400, `{"status":"error","errorType":"bad_data","error":"1:5: parse error: unexpected \")\""}`),
			want:    `HTTP 400: bad_data: 1:5: parse error: unexpected ")"`, tries: 1},
		{name: "4xx without JSON",
			handler: answer(401, "Unauthorized\n"), want: "HTTP 401: Unauthorized", tries: 1},
		{name: "5xx is retried up to MaxAttempts",
			handler: answer(503, `{"status":"error","errorType":"unavailable","error":"TSDB not ready"}`),
			want:    "HTTP 503: unavailable: TSDB not ready (gave up after 3 attempts)", tries: 3},
		{name: "non-JSON 200",
			handler: answer(200, "<html>login</html>"), want: `the answer is not Prometheus API JSON`, tries: 1},
		{name: "status error in a 200",
			handler: answer(200, `{"status":"error","errorType":"execution","error":"query timed out in expression evaluation"}`),
			want:    "execution: query timed out in expression evaluation", tries: 1},
		{name: "warnings mean partial data",
			handler: answer(200, `{"status":"success","warnings":["partial response: store down"],"data":{"resultType":"matrix","result":[]}}`),
			want:    `the server warned "partial response: store down"`, tries: 1},
		{name: "not a matrix",
			handler: answer(200, `{"status":"success","data":{"resultType":"vector","result":[]}}`),
			want:    `result type "vector", want "matrix"`, tries: 1},
		{name: "no series names the query",
			handler: answer(200, matrix("")), query: `chat_rps{job="chta"}`,
			want: `query max_over_time(chat_rps{job="chta"}[1h]) returned no series`, tries: 1},
		{name: "NaN is rejected with its time",
			handler: answer(200, matrix(`{"metric":{},"values":[[1783990800,"1"],[1783994400,"NaN"]]}`)),
			want:    "series {} is NaN at 2026-07-14T02:00:00Z", tries: 1},
		{name: "Inf is rejected with its time",
			handler: answer(200, matrix(`{"metric":{"pool":"a"},"values":[[1783998000,"+Inf"]]}`)),
			want:    `series {pool="a"} is +Inf at 2026-07-14T03:00:00Z`, tries: 1},
		{name: "unparsable value",
			handler: answer(200, matrix(`{"metric":{},"values":[[1783998000,"abc"]]}`)),
			want:    `value "abc" at 2026-07-14T03:00:00Z is not a number`, tries: 1},
		{name: "native histograms",
			handler: answer(200, matrix(`{"metric":{"__name__":"lat"},"histograms":[[1783998000,{"count":"1"}]]}`)),
			want:    "series lat{} holds native histograms", tries: 1},
		{name: "too many points is refused before asking",
			handler: answer(200, matrixOK), step: time.Second, start: winEnd.Add(-4 * time.Hour),
			want: "14400 steps of 1s exceed the server's limit of 11000 points", tries: 0},
		{name: "sub-second step",
			handler: answer(200, matrixOK), step: time.Millisecond,
			want: "step 1ms must be at least 1s", tries: 0},
		{name: "token and basic auth together",
			handler: answer(200, matrixOK), prom: Prometheus{Token: "t", Username: "u"},
			want: "not both", tries: 0},
		{name: "bad aggregation",
			handler: answer(200, matrixOK), prom: Prometheus{Aggregation: Aggregation{Func: "quantile_over_time", Quantile: 2}},
			want: "quantile 2 is not in [0, 1]", tries: 0},
		{name: "window shorter than a step",
			handler: answer(200, matrixOK), step: 4 * time.Hour,
			want: "shorter than one step", tries: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := newRecorder(t, tc.handler)
			p := tc.prom
			p.URL, p.Backoff = rec.srv.URL, time.Millisecond
			q, step := cmpOr(tc.query, "m"), tc.step
			if step == 0 {
				step = time.Hour
			}
			start := tc.start
			if start.IsZero() {
				start = winStart
			}
			_, err := p.Fetch(context.Background(), q, start, winEnd, step)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Fetch error = %v, want it to contain %q", err, tc.want)
			}
			if rec.count() != tc.tries {
				t.Errorf("server saw %d requests, want %d", rec.count(), tc.tries)
			}
		})
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func TestPrometheusRetriesThenSucceeds(t *testing.T) {
	// Two 502s, then the answer: three requests, one result.
	rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n < 3 {
			answer(502, "bad gateway")(w, r, n)
			return
		}
		answer(200, matrixOK)(w, r, n)
	})
	p := Prometheus{URL: rec.srv.URL, Backoff: time.Millisecond}
	got, err := p.Fetch(context.Background(), "m", winStart, winEnd, time.Hour)
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	if len(got) != 1 || got[0].Values[1] != 146.5 || rec.count() != 3 {
		t.Errorf("Fetch = %v after %d requests, want the matrix after 3", got, rec.count())
	}
}

func TestPrometheusUnreachable(t *testing.T) {
	// A port that was just free: nothing listens there any more.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	p := Prometheus{URL: "http://" + addr, Backoff: time.Millisecond}
	_, err = p.Fetch(context.Background(), "m", winStart, winEnd, time.Hour)
	want := "prometheus http://" + addr + ": query max_over_time(m[1h]): unreachable: connection refused (is the server running at this address?) (gave up after 3 attempts)"
	if err == nil || err.Error() != want {
		t.Errorf("Fetch error = %v, want %q", err, want)
	}
}

func TestPrometheusTimeout(t *testing.T) {
	// The server never answers: each attempt ends by its own timeout. The
	// timeout is long enough (250ms) that a loaded machine still dials and
	// sends within it, and the count is read once the server has handled
	// both requests (the client may give up before the server goroutine
	// records the second one): nothing here depends on how fast it runs.
	release := make(chan struct{})
	arrived := make(chan struct{}, 8)
	rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		arrived <- struct{}{}
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	defer close(release)
	p := Prometheus{URL: rec.srv.URL, Timeout: 250 * time.Millisecond, MaxAttempts: 2, Backoff: time.Millisecond}
	_, err := p.Fetch(context.Background(), "m", winStart, winEnd, time.Hour)
	want := "prometheus " + rec.srv.URL + ": query max_over_time(m[1h]): timed out after 250ms (gave up after 2 attempts)"
	if err == nil || err.Error() != want {
		t.Fatalf("Fetch error = %v, want %q", err, want)
	}
	for i := 0; i < 2; i++ {
		select {
		case <-arrived:
		case <-time.After(30 * time.Second):
			t.Fatalf("server saw %d requests, want 2", rec.count())
		}
	}
	if rec.count() != 2 {
		t.Errorf("server saw %d requests, want 2", rec.count())
	}
}

func TestPrometheusCancelled(t *testing.T) {
	rec := newRecorder(t, answer(503, "down"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p := Prometheus{URL: rec.srv.URL, Backoff: time.Millisecond}
	if _, err := p.Fetch(ctx, "m", winStart, winEnd, time.Hour); err == nil || !strings.Contains(err.Error(), "context canceled") {
		t.Errorf("Fetch error = %v, want context canceled", err)
	}
}

func TestPrometheusRedirects(t *testing.T) {
	var otherAuth atomic.Value
	var otherHits atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		otherHits.Add(1)
		otherAuth.Store(r.Header.Get("Authorization"))
		answer(200, matrixOK)(w, r, 0)
	}))
	defer other.Close()

	tests := []struct {
		name      string
		prom      Prometheus
		target    func(srv string) string
		wantErr   string
		wantOther int32
		wantAuth  []string // Authorization on each request to the configured server
	}{
		{name: "same host is followed with credentials", prom: Prometheus{Token: "tok"},
			target:   func(srv string) string { return srv + "/moved/api/v1/query_range" },
			wantAuth: []string{"Bearer tok", "Bearer tok"}},
		{name: "other host with credentials is refused", prom: Prometheus{Token: "tok"},
			target:   func(string) string { return other.URL + "/api/v1/query_range" },
			wantErr:  "refusing to follow a redirect to http://" + strings.TrimPrefix(other.URL, "http://") + ": credentials are only sent to http://",
			wantAuth: []string{"Bearer tok"}},
		{name: "other host without credentials is refused too", prom: Prometheus{},
			target:   func(string) string { return other.URL + "/api/v1/query_range" },
			wantErr:  "the audit reads only http://",
			wantAuth: []string{""}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			otherHits.Store(0)
			var rec *recorder
			rec = newRecorder(t, func(w http.ResponseWriter, r *http.Request, n int) {
				if strings.HasPrefix(r.URL.Path, "/moved/") {
					answer(200, matrixOK)(w, r, n)
					return
				}
				http.Redirect(w, r, tc.target(rec.srv.URL)+"?"+r.URL.RawQuery, http.StatusFound)
			})
			p := tc.prom
			p.URL, p.Backoff = rec.srv.URL, time.Millisecond
			_, err := p.Fetch(context.Background(), "m", winStart, winEnd, time.Hour)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("Fetch: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("Fetch error = %v, want it to contain %q", err, tc.wantErr)
			}
			if got := otherHits.Load(); got != tc.wantOther {
				t.Errorf("the other host saw %d requests, want %d", got, tc.wantOther)
			}
			var auth []string
			for i := range rec.count() {
				auth = append(auth, rec.req(i).Header.Get("Authorization"))
			}
			if diff := cmp.Diff(tc.wantAuth, auth); diff != "" {
				t.Errorf("Authorization per request (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPrometheusBadURL(t *testing.T) {
	for _, u := range []string{"", "prometheus:9090", "ftp://host", "http://"} {
		p := Prometheus{URL: u}
		if _, err := p.Fetch(context.Background(), "m", winStart, winEnd, time.Hour); err == nil || !strings.Contains(err.Error(), "want http(s)://host") {
			t.Errorf("Fetch with URL %q: error = %v, want a URL error", u, err)
		}
	}
}

func TestFetchOne(t *testing.T) {
	three := `{"status":"success","data":{"resultType":"matrix","result":[
 {"metric":{"pod":"a"},"values":[[1783998000,"1"]]},
 {"metric":{"pod":"c"},"values":[[1783998000,"3"]]},
 {"metric":{"pod":"b"},"values":[[1783998000,"2"]]},
 {"metric":{"pod":"d"},"values":[[1783998000,"4"]]}]}}`
	tests := []struct {
		name string
		body string
		want string
	}{
		{name: "one series", body: matrixOK},
		{name: "four series", body: three,
			want: `query "rps" returned 4 series ({pod="a"}, {pod="b"}, {pod="c"}, …), want one: aggregate them in the query, e.g. sum(…) for demand or avg(…) for utilisation`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := newRecorder(t, answer(200, tc.body))
			got, err := FetchOne(context.Background(), &Prometheus{URL: rec.srv.URL}, "rps", winStart, winEnd, time.Hour)
			if tc.want == "" {
				if err != nil || got.Len() != 3 {
					t.Fatalf("FetchOne = %v, %v; want the 3-point series", got, err)
				}
				return
			}
			if err == nil || err.Error() != tc.want {
				t.Errorf("FetchOne error = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestReduce(t *testing.T) {
	at := func(h, m int) time.Time {
		return winStart.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
	}
	// Samples: 00:00 (outside: the window is open at its start), 00:30,
	// 01:00 (closes the first step), 01:10, 01:50, 02:40, 03:00, 03:10
	// (after the end). Step (00:00, 01:00]: {4, 8}; (01:00, 02:00]: {1, 3};
	// (02:00, 03:00]: {10, 6}.
	s := forecast.Series{
		Times:  []time.Time{at(0, 0), at(0, 30), at(1, 0), at(1, 10), at(1, 50), at(2, 40), at(3, 0), at(3, 10)},
		Values: []float64{99, 4, 8, 1, 3, 10, 6, 99},
	}
	times := []time.Time{at(1, 0), at(2, 0), at(3, 0)}
	tests := []struct {
		name string
		agg  Aggregation
		want []float64
	}{
		{name: "max", agg: Max, want: []float64{8, 3, 10}},
		{name: "mean", agg: Mean, want: []float64{6, 2, 8}},
		// Two values a ≤ b: rank 0.95 × 1 = 0.95, a + 0.95(b − a):
		// 4 + 3.8 = 7.8, 1 + 1.9 = 2.9, 6 + 3.8 = 9.8.
		{name: "p95", agg: P95, want: []float64{7.8, 2.9, 9.8}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Reduce(s, winStart, winEnd, time.Hour, tc.agg)
			if err != nil {
				t.Fatal(err)
			}
			want := forecast.Series{Times: times, Values: tc.want}
			if diff := cmp.Diff(want, got, cmpFloat); diff != "" {
				t.Errorf("Reduce (-want +got):\n%s", diff)
			}
		})
	}
	if _, err := Reduce(s, winStart, winEnd, 4*time.Hour, Max); err == nil || !strings.Contains(err.Error(), "shorter than one step") {
		t.Errorf("Reduce with a step longer than the window: error = %v", err)
	}
}

var cmpFloat = cmp.Comparer(func(a, b float64) bool { return a == b || (a-b < 1e-9 && b-a < 1e-9) })
