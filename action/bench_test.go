package action

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/go-github/v60/github"
)

// benchPages is n items, item(1) to item(n), as JSON arrays of up to 100:
// the pages of a REST list with per_page=100.
func benchPages(n int, item func(id int) string) []string {
	var pages []string
	for first := 1; first <= n; first += 100 {
		var items []string
		for id := first; id <= min(first+99, n); id++ {
			items = append(items, item(id))
		}
		pages = append(pages, list(items...))
	}
	return pages
}

// servePage writes the page of pages that r asks for (query page, 1 when
// absent) and, before the last, a Link header naming the next one, as the
// REST API paginates.
func servePage(w http.ResponseWriter, r *http.Request, pages []string) {
	page := 1
	fmt.Sscan(r.URL.Query().Get("page"), &page)
	if page < len(pages) {
		w.Header().Set("Link", fmt.Sprintf(`<http://%s%s?page=%d&per_page=100>; rel="next"`, r.Host, r.URL.Path, page+1))
	}
	io.WriteString(w, pages[page-1])
}

// benchClient serves h on loopback until b ends and returns a client of it
// whose retries do not wait.
func benchClient(b *testing.B, h http.HandlerFunc) *github.Client {
	b.Helper()
	srv := httptest.NewServer(h)
	b.Cleanup(srv.Close)
	c, err := NewClient(srv.URL, "tok", &Retry{Sleep: func(context.Context, time.Duration) error { return nil }})
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkPostUpdate is one sticky update on a PR with 250 comments
// (three pages): GET /user, three list pages, one PATCH, over loopback.
func BenchmarkPostUpdate(b *testing.B) {
	pages := benchPages(250, func(id int) string {
		login, body := "alice", "comment "+fmt.Sprint(id)
		if id%50 == 0 {
			login, body = "capbot", oldBody
		}
		return comment(id, login, body)
	})
	c := benchClient(b, func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/user":
			io.WriteString(w, `{"login":"capbot"}`)
		case r.Method == "GET":
			servePage(w, r, pages)
		case r.Method == "PATCH":
			io.WriteString(w, comment(250, "capbot", newBody))
		default:
			w.WriteHeader(http.StatusTeapot)
		}
	})
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		p := &Poster{Client: c, Owner: "o", Repo: "r", Marker: marker}
		out, err := p.Post(ctx, 12, newBody)
		if err != nil || out.Action != Updated || out.ID != 250 {
			b.Fatalf("Post() = %+v, %v", out, err)
		}
	}
}

// FuzzParseEvent: any payload parses or fails, never panics, and what it
// accepts has a valid number and commit id.
func FuzzParseEvent(f *testing.F) {
	f.Add(`{"number":12,"pull_request":{"number":12,"head":{"sha":"` + headSHA + `","ref":"f","repo":{"full_name":"a/b"}}},"repository":{"full_name":"o/r"}}`)
	f.Add(`{"workflow_run":{"head_sha":"` + headSHA + `","pull_requests":[{"number":3}]}}`)
	f.Add(`{"pull_request":null}`)
	f.Fuzz(func(t *testing.T, payload string) {
		ev, err := ParseEvent("pull_request", []byte(payload))
		if err != nil {
			return
		}
		if ev.Number < 0 || (ev.HeadSHA != "" && !shaRE.MatchString(ev.HeadSHA)) {
			t.Errorf("ParseEvent(%q) = %+v", payload, ev)
		}
	})
}
