package action

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/capcheck/capcheck/internal/origin"
	"github.com/capcheck/capcheck/internal/testkit/fakegithub"
	"github.com/google/go-cmp/cmp"
)

// elsewhere is a second server on 127.0.0.1 (another port: another
// origin) that records every request it gets; none may reach it.
type elsewhere struct {
	srv  *httptest.Server
	mu   sync.Mutex
	seen []string // "METHOD path Authorization=… body=…"
}

func newElsewhere(t *testing.T) *elsewhere {
	t.Helper()
	e := &elsewhere{}
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		e.mu.Lock()
		e.seen = append(e.seen, r.Method+" "+r.URL.Path+" Authorization="+r.Header.Get("Authorization")+" body="+string(body))
		e.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, comment(66, "capbot", newBody))
	}))
	t.Cleanup(func() {
		e.srv.Close()
		e.mu.Lock()
		defer e.mu.Unlock()
		for _, s := range e.seen {
			t.Errorf("the other origin got %s", s)
		}
	})
	return e
}

// TestClientRedirects: the API answers a request with a redirect to
// another origin (the second server, another port on 127.0.0.1; or https
// on the same host and port). The redirect is refused before anything is
// sent there, so neither the token nor the comment's body leaves the API's
// origin, and the write fails with an *origin.RedirectError naming both
// origins. A redirect within the API's origin is followed, with the token
// and, for a 307/308, the body.
func TestClientRedirects(t *testing.T) {
	other := newElsewhere(t)
	createTo := func(status int, location string) fakegithub.Exchange {
		return fakegithub.Exchange{Method: "POST", Path: listPath, Body: `{"body":` + fakegithub.JSONString(newBody) + `}`, Status: status,
			Header: map[string]string{"Location": location}, Reply: `{"message":"Moved"}`}
	}
	// net/http names the refused request's URL, the redirect's target.
	refused := func(target, origin string) string {
		return `create comment on #12: Post "` + target + listPath + `": refusing to follow a redirect to ` + origin + ": the token is only sent to {{server}}"
	}
	tests := []struct {
		name    string
		script  []fakegithub.Exchange
		want    Outcome
		wantErr string
	}{
		{
			name:    "301 on create to another port",
			script:  []fakegithub.Exchange{listEmpty, createTo(301, other.srv.URL+listPath)},
			wantErr: refused(other.srv.URL, other.srv.URL),
		},
		{
			name:    "302 on create to another port",
			script:  []fakegithub.Exchange{listEmpty, createTo(302, other.srv.URL+listPath)},
			wantErr: refused(other.srv.URL, other.srv.URL),
		},
		{
			name:    "307 on create to another port",
			script:  []fakegithub.Exchange{listEmpty, createTo(307, other.srv.URL+listPath)},
			wantErr: refused(other.srv.URL, other.srv.URL),
		},
		{
			name:    "308 on create to another port",
			script:  []fakegithub.Exchange{listEmpty, createTo(308, other.srv.URL+listPath)},
			wantErr: refused(other.srv.URL, other.srv.URL),
		},
		{
			name:    "307 on create to https on the same host and port",
			script:  []fakegithub.Exchange{listEmpty, createTo(307, "https://{{host}}"+listPath)},
			wantErr: refused("https://{{host}}", "https://{{host}}"),
		},
		{
			name: "302 on the comment list (a GET) to another port",
			script: []fakegithub.Exchange{{Method: "GET", Path: listPath, Query: "per_page=100", Status: 302,
				Header: map[string]string{"Location": other.srv.URL + listPath + "?per_page=100"}}},
			wantErr: `list comments on #12: Get "` + other.srv.URL + listPath + `?per_page=100": refusing to follow a redirect to ` +
				other.srv.URL + ": the token is only sent to {{server}}",
		},
		{
			// The fake asserts "Bearer tok" and the body on the
			// redirected request too.
			name: "307 on create within the origin is followed with the token and the body",
			script: []fakegithub.Exchange{listEmpty, createTo(307, "{{server}}/moved/comments"),
				{Method: "POST", Path: "/moved/comments", Body: `{"body":` + fakegithub.JSONString(newBody) + `}`, Status: 201, Reply: comment(99, "capbot", newBody)}},
			want: Outcome{Action: Created, ID: 99, URL: "https://github.com/o/r/pull/12#issuecomment-99"},
		},
		{
			name: "301 on the comment list within the origin is followed",
			script: []fakegithub.Exchange{
				{Method: "GET", Path: listPath, Query: "per_page=100", Status: 301, Header: map[string]string{"Location": "{{server}}/moved/comments?per_page=100"}},
				{Method: "GET", Path: "/moved/comments", Query: "per_page=100", Reply: `[]`},
				createNew},
			want: Outcome{Action: Created, ID: 99, URL: "https://github.com/o/r/pull/12#issuecomment-99"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			host := strings.TrimPrefix(f.URL, "http://")
			for _, x := range tc.script {
				for k, v := range x.Header {
					x.Header[k] = strings.ReplaceAll(v, "{{host}}", host)
				}
			}
			f.Expect(tc.script...)
			var s sleeps
			p := &Poster{Client: client(t, f, &s), Owner: "o", Repo: "r", Marker: marker, BotLogin: "capbot"}
			got, err := p.Post(context.Background(), 12, newBody)
			if tc.wantErr != "" {
				want := strings.NewReplacer("{{server}}", f.URL, "{{host}}", host).Replace(tc.wantErr)
				if err == nil || err.Error() != want {
					t.Fatalf("Post() error = %v,\nwant %s", err, want)
				}
				var re *origin.RedirectError
				if !errors.As(err, &re) {
					t.Errorf("error %v is not an *origin.RedirectError", err)
				}
				if errors.Is(err, ErrNoPermission) {
					t.Errorf("a refused redirect is taken for the fork fallback: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Post() error = %v", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Post() outcome (-want +got):\n%s", diff)
			}
		})
	}
}

// TestVerifyOverrideRedirect: `check --github-override` reads through
// the same client: a redirect of its first read to another origin is
// refused before the token goes there.
func TestVerifyOverrideRedirect(t *testing.T) {
	other := newElsewhere(t)
	f := newFake(t, fakegithub.Exchange{Method: "GET", Path: "/repos/o/r/issues/12", Status: 301,
		Header: map[string]string{"Location": other.srv.URL + "/repos/o/r/issues/12"}})
	var s sleeps
	_, err := VerifyOverride(context.Background(), client(t, f, &s), "o", "r", 12, "capcheck-override", []string{"acme/council"})
	var re *origin.RedirectError
	if !errors.As(err, &re) {
		t.Fatalf("VerifyOverride() error = %v, want an *origin.RedirectError", err)
	}
	if want := "refusing to follow a redirect to " + other.srv.URL + ": the token is only sent to " + f.URL; !strings.Contains(err.Error(), want) {
		t.Errorf("VerifyOverride() error = %q, want it to hold %q", err, want)
	}
}
