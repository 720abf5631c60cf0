// Package fakegithub is the scripted fake GitHub REST API of the tests:
// it expects a list of exchanges in order, asserts every request against
// the next one (method, path, query, body, token, headers), answers what
// the exchange says, and reports at the end any exchange that never came.
// go-github's own tests use one handler per path, which cannot notice a
// request that was never made or one made twice; this fake does.
//
// Go tests use [New]; testscripts use the `fakegithub` command ([Cmd]),
// which reads the exchanges from a file (see [Parse]). The package is
// imported by tests only.
package fakegithub

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Exchange is one request the fake expects, and its answer.
type Exchange struct {
	Method string
	Path   string
	Query  string // exact query, compared as url.Values ("" = none)
	// Body is the JSON body, compared as JSON; "" means no body, unless
	// Contains is set, when the body is only searched for its fragments.
	Body     string
	Contains []string          // fragments the raw body must hold
	Headers  map[string]string // request headers that must have these values
	// SaveBody, when set, is a file the request body is written to (its
	// JSON field SaveField when that is set), for a later reply or cmp.
	SaveBody, SaveField string

	Status int               // 200 when zero
	Header map[string]string // answer headers; "{{server}}" is replaced by the server's URL
	Reply  string            // answer body; "{{server}}" is replaced by the server's URL
	// Drop closes the connection without an answer, after reading the
	// request (the server may have acted on it); Hang answers nothing
	// until the client gives up.
	Drop, Hang bool
}

// Reporter takes the failures of the fake; *testing.T is one.
type Reporter interface {
	Errorf(format string, args ...any)
}

// Server serves a script of exchanges.
type Server struct {
	URL string // the API root, to pass as --api-url or $GITHUB_API_URL
	// Expand, when set, rewrites each reply body when it is sent (after
	// "{{server}}"), so a reply can use what an earlier request saved.
	Expand func(reply string) (string, error)
	// Name is what failures call the fake ("fake GitHub" when empty).
	Name string

	r      Reporter
	srv    *httptest.Server
	mu     sync.Mutex
	auth   string
	script []Exchange
	next   int
	done   bool
}

// New starts a fake for a Go test: every request must carry the
// Authorization header auth ("" = none); failures go to t, and at t's
// cleanup every exchange must have happened.
func New(t testing.TB, auth string, script ...Exchange) *Server {
	t.Helper()
	s := Start(t, auth, script...)
	t.Cleanup(s.Finish)
	return s
}

// Start starts a fake that reports to r; the caller must call Finish.
func Start(r Reporter, auth string, script ...Exchange) *Server {
	s := &Server{r: r, auth: auth, script: script}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	return s
}

// Expect appends exchanges to the script: for a test that builds them
// from the server's URL.
func (s *Server) Expect(script ...Exchange) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.script = append(s.script, script...)
}

// SetAuth changes the Authorization header every request must carry.
func (s *Server) SetAuth(auth string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.auth = auth
}

// Finish stops the server and reports the exchanges that never came.
// Calling it again does nothing.
func (s *Server) Finish() {
	s.srv.Close()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		return
	}
	s.done = true
	if s.next != len(s.script) {
		x := s.script[s.next]
		name := s.Name
		if name == "" {
			name = "fake GitHub"
		}
		s.r.Errorf("%s: %d of %d requests made; next expected: %s %s", name, s.next, len(s.script), x.Method, x.Path)
	}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if x := s.check(r); x.Hang {
		<-r.Context().Done()
	} else if x.Drop {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			s.r.Errorf("drop the connection: %v", err)
			return
		}
		conn.Close()
	} else {
		s.answer(w, x)
	}
}

// check asserts that r is the next exchange of the script and returns it
// (a 418 answer when r is out of script).
func (s *Server) check(r *http.Request) Exchange {
	s.mu.Lock()
	defer s.mu.Unlock()
	body, _ := io.ReadAll(r.Body)
	if s.next >= len(s.script) {
		s.r.Errorf("unexpected request %s %s?%s %.200s", r.Method, r.URL.Path, r.URL.RawQuery, body)
		return Exchange{Status: http.StatusTeapot, Reply: `{"message":"unexpected"}`}
	}
	x := s.script[s.next]
	s.next++
	n := s.next
	if r.Method != x.Method || r.URL.Path != x.Path {
		s.r.Errorf("request %d: %s %s, want %s %s", n, r.Method, r.URL.Path, x.Method, x.Path)
	}
	gotQ, _ := url.ParseQuery(r.URL.RawQuery)
	wantQ, _ := url.ParseQuery(x.Query)
	if diff := cmp.Diff(wantQ, gotQ); diff != "" {
		s.r.Errorf("request %d %s %s: query (-want +got):\n%s", n, r.Method, r.URL.Path, diff)
	}
	if got := r.Header.Get("Authorization"); got != s.auth {
		s.r.Errorf("request %d: Authorization %q, want %q", n, got, s.auth)
	}
	for k, want := range x.Headers {
		if got := r.Header.Get(k); got != want {
			s.r.Errorf("request %d %s %s: header %s %q, want %q", n, r.Method, r.URL.Path, k, got, want)
		}
	}
	switch {
	case x.Body == "" && len(x.Contains) == 0 && len(body) != 0:
		s.r.Errorf("request %d %s %s: body %.200s, want none", n, r.Method, r.URL.Path, body)
	case x.Body != "":
		var got, want any
		if err := json.Unmarshal(body, &got); err != nil {
			s.r.Errorf("request %d %s %s: body %.200q is not JSON: %v", n, r.Method, r.URL.Path, body, err)
		}
		if err := json.Unmarshal([]byte(x.Body), &want); err != nil {
			s.r.Errorf("request %d: bad want body %.200q: %v", n, x.Body, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			s.r.Errorf("request %d %s %s: body (-want +got):\n%s", n, r.Method, r.URL.Path, diff)
		}
	}
	for _, frag := range x.Contains {
		if !strings.Contains(string(body), frag) {
			s.r.Errorf("request %d %s %s: body does not contain %q:\n%.500s", n, r.Method, r.URL.Path, frag, body)
		}
	}
	if x.SaveBody != "" {
		if err := save(x.SaveBody, x.SaveField, body); err != nil {
			s.r.Errorf("request %d %s %s: %v", n, r.Method, r.URL.Path, err)
		}
	}
	return x
}

// save writes body, or its JSON string field, to path.
func save(path, field string, body []byte) error {
	if field != "" {
		var obj map[string]any
		if err := json.Unmarshal(body, &obj); err != nil {
			return fmt.Errorf("save field %s: body is not a JSON object: %v", field, err)
		}
		s, ok := obj[field].(string)
		if !ok {
			return fmt.Errorf("save field %s: not a string in %.200s", field, body)
		}
		body = []byte(s)
	}
	return os.WriteFile(path, body, 0o644)
}

// answer writes x's answer.
func (s *Server) answer(w http.ResponseWriter, x Exchange) {
	for k, v := range x.Header {
		w.Header().Set(k, strings.ReplaceAll(v, "{{server}}", s.URL))
	}
	w.Header().Set("Content-Type", "application/json")
	reply := strings.ReplaceAll(x.Reply, "{{server}}", s.URL)
	if s.Expand != nil {
		var err error
		if reply, err = s.Expand(reply); err != nil {
			s.r.Errorf("reply to %s %s: %v", x.Method, x.Path, err)
		}
	}
	status := x.Status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	io.WriteString(w, reply)
}

// JSONString quotes s as a JSON string, to build request and reply bodies.
func JSONString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
