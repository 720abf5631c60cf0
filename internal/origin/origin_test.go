package origin

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
)

func TestSame(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"https://api.github.com/", "https://api.github.com/repos/o/r", true},
		{"https://api.github.com/", "https://API.GitHub.com:443/x", true}, // case and default port
		{"http://127.0.0.1/", "http://127.0.0.1:80/", true},
		{"http://127.0.0.1:8080/", "http://127.0.0.1:8081/", false},        // port
		{"https://ghe.example/api/v3", "http://ghe.example/api/v3", false}, // scheme
		{"https://ghe.example/", "https://ghe.example:80/", false},         // 80 is not https's port
		{"https://api.github.com/", "https://api.github.com.evil.example/", false},
		{"http://[::1]:9090/", "http://[::1]:9090/api", true},
		{"http://[::1]:9090/", "http://127.0.0.1:9090/", false},
	}
	for _, tc := range tests {
		a, _ := url.Parse(tc.a)
		b, _ := url.Parse(tc.b)
		if got := Same(a, b); got != tc.want {
			t.Errorf("Same(%s, %s) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

// TestClient: a redirect to another port of 127.0.0.1 is refused before
// anything is sent there; one within the origin is followed, at most
// MaxRedirects times; the client given is not changed.
func TestClient(t *testing.T) {
	var otherHits atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { otherHits.Add(1) }))
	defer other.Close()
	var hops atomic.Int32
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/away":
			http.Redirect(w, r, other.URL+"/x", http.StatusTemporaryRedirect)
		case "/loop":
			hops.Add(1)
			http.Redirect(w, r, "/loop", http.StatusFound)
		case "/moved":
			http.Redirect(w, r, "/here", http.StatusMovedPermanently)
		default:
			io.WriteString(w, "ok")
		}
	}))
	defer api.Close()

	given := &http.Client{}
	c := Client(given, "the token is only sent to")
	if given.CheckRedirect != nil {
		t.Error("Client changed the client it was given")
	}

	_, err := c.Post(api.URL+"/away", "text/plain", strings.NewReader("secret body"))
	var re *RedirectError
	if !errors.As(err, &re) {
		t.Fatalf("Post /away: error = %v, want a *RedirectError", err)
	}
	if want := "refusing to follow a redirect to " + other.URL + ": the token is only sent to " + api.URL; re.Error() != want {
		t.Errorf("error = %q, want %q", re.Error(), want)
	}
	if n := otherHits.Load(); n != 0 {
		t.Errorf("the other origin got %d requests, want 0", n)
	}

	resp, err := c.Get(api.URL + "/moved")
	if err != nil {
		t.Fatalf("Get /moved: %v", err)
	}
	resp.Body.Close()
	if resp.Request.URL.Path != "/here" {
		t.Errorf("Get /moved ended at %s, want /here", resp.Request.URL.Path)
	}

	if _, err := c.Get(api.URL + "/loop"); err == nil || !strings.HasSuffix(err.Error(), "stopped after 5 redirects") {
		t.Errorf("Get /loop: error = %v, want stopped after 5 redirects", err)
	}
	if n := hops.Load(); n != MaxRedirects {
		t.Errorf("/loop was asked %d times, want %d", n, MaxRedirects)
	}
}
