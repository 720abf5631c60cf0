package action

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-github/v60/github"
)

// exchange is one request the fake GitHub expects, in order, and its
// answer. Every field of the request is asserted.
type exchange struct {
	method string
	path   string
	query  string // exact query, compared as url.Values ("" = none)
	body   string // JSON body, compared as JSON ("" = no body)
	status int    // 200 when zero
	header map[string]string
	reply  string // "{{server}}" is replaced by the server's URL
	// drop closes the connection without an answer, after reading the
	// request (the server may have acted on it); hang answers nothing
	// until the client gives up.
	drop, hang bool
}

// fakeGitHub serves a script of exchanges and fails the test on any
// request out of script; at the end every exchange must have happened.
type fakeGitHub struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	script []exchange
	next   int
}

func newFake(t *testing.T, script ...exchange) *fakeGitHub {
	t.Helper()
	f := &fakeGitHub{t: t, script: script}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(func() {
		f.srv.Close()
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.next != len(f.script) {
			t.Errorf("fake GitHub: %d of %d requests made; next expected: %s %s", f.next, len(f.script), f.script[f.next].method, f.script[f.next].path)
		}
	})
	return f
}

func (f *fakeGitHub) serve(w http.ResponseWriter, r *http.Request) {
	if x := f.check(r); x.hang {
		<-r.Context().Done()
	} else if x.drop {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			f.t.Errorf("drop the connection: %v", err)
			return
		}
		conn.Close()
	} else {
		f.answer(w, x)
	}
}

// check asserts that r is the next exchange of the script and returns it
// (a 418 answer when r is out of script).
func (f *fakeGitHub) check(r *http.Request) exchange {
	f.mu.Lock()
	defer f.mu.Unlock()
	body, _ := io.ReadAll(r.Body)
	if f.next >= len(f.script) {
		f.t.Errorf("unexpected request %s %s?%s %s", r.Method, r.URL.Path, r.URL.RawQuery, body)
		return exchange{status: http.StatusTeapot, reply: `{"message":"unexpected"}`}
	}
	x := f.script[f.next]
	f.next++
	n := f.next
	if r.Method != x.method || r.URL.Path != x.path {
		f.t.Errorf("request %d: %s %s, want %s %s", n, r.Method, r.URL.Path, x.method, x.path)
	}
	gotQ, _ := url.ParseQuery(r.URL.RawQuery)
	wantQ, _ := url.ParseQuery(x.query)
	if diff := cmp.Diff(wantQ, gotQ); diff != "" {
		f.t.Errorf("request %d %s %s: query (-want +got):\n%s", n, r.Method, r.URL.Path, diff)
	}
	if got := r.Header.Get("Authorization"); got != "Bearer tok" {
		f.t.Errorf("request %d: Authorization %q, want %q", n, got, "Bearer tok")
	}
	switch {
	case x.body == "" && len(body) != 0:
		f.t.Errorf("request %d %s %s: body %s, want none", n, r.Method, r.URL.Path, body)
	case x.body != "":
		var got, want any
		if err := json.Unmarshal(body, &got); err != nil {
			f.t.Errorf("request %d %s %s: body %q is not JSON: %v", n, r.Method, r.URL.Path, body, err)
		}
		if err := json.Unmarshal([]byte(x.body), &want); err != nil {
			f.t.Fatalf("bad want body %q: %v", x.body, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			f.t.Errorf("request %d %s %s: body (-want +got):\n%s", n, r.Method, r.URL.Path, diff)
		}
	}
	return x
}

// answer writes x's answer.
func (f *fakeGitHub) answer(w http.ResponseWriter, x exchange) {
	for k, v := range x.header {
		w.Header().Set(k, strings.ReplaceAll(v, "{{server}}", f.srv.URL))
	}
	w.Header().Set("Content-Type", "application/json")
	status := x.status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	io.WriteString(w, strings.ReplaceAll(x.reply, "{{server}}", f.srv.URL))
}

// sleeps records the waits of Retry.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(_ context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.d = append(s.d, d)
	return nil
}

// testNow is the fake clock: 2026-11-21T12:00:00Z, Unix 1795262400.
var testNow = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

func (f *fakeGitHub) client(t *testing.T, s *sleeps) *github.Client {
	t.Helper()
	c, err := NewClient(f.srv.URL, "tok", &Retry{Sleep: s.sleep, Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// jsonString quotes s as a JSON string.
func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
