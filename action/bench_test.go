package action

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// BenchmarkPostUpdate is one sticky update on a PR with 250 comments
// (three pages): GET /user, three list pages, one PATCH, over loopback.
func BenchmarkPostUpdate(b *testing.B) {
	pages := make([]string, 3)
	for p := range pages {
		var items []string
		for i := range 100 {
			id := p*100 + i + 1
			if id > 250 {
				break
			}
			login, body := "alice", "comment "+fmt.Sprint(id)
			if id%50 == 0 {
				login, body = "capbot", oldBody
			}
			items = append(items, comment(id, login, body))
		}
		pages[p] = list(items...)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/user":
			io.WriteString(w, `{"login":"capbot"}`)
		case r.Method == "GET":
			page := 1
			fmt.Sscan(r.URL.Query().Get("page"), &page)
			if page < 3 {
				w.Header().Set("Link", fmt.Sprintf(`<http://%s%s?page=%d&per_page=100>; rel="next"`, r.Host, r.URL.Path, page+1))
			}
			io.WriteString(w, pages[page-1])
		case r.Method == "PATCH":
			io.WriteString(w, comment(250, "capbot", newBody))
		default:
			w.WriteHeader(http.StatusTeapot)
		}
	}))
	defer srv.Close()
	c, err := NewClient(srv.URL, "tok", &Retry{Sleep: func(context.Context, time.Duration) error { return nil }})
	if err != nil {
		b.Fatal(err)
	}
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
