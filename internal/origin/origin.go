// Package origin keeps what a request carries on the origin it was sent
// to. It owns the redirect policy of every HTTP client in capcheck: a
// redirect is followed only within the scheme, host and port of the
// request it answers, so that neither the credentials (which a transport,
// such as go-github's token transport, sets again on every request it
// sends, where net/http's own stripping of Authorization cannot reach
// them) nor a 307/308's re-sent body ever reach another host.
//
// It follows the same-origin rule of RFC 6454 section 4 (scheme, host,
// port, with the scheme's default port when none is written).
package origin

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// MaxRedirects is the most redirects followed for one request.
const MaxRedirects = 5

// Same reports whether a and b have the same origin: scheme, host (case
// folded) and port, an omitted port being the scheme's default.
func Same(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) &&
		strings.EqualFold(a.Hostname(), b.Hostname()) &&
		port(a) == port(b)
}

func port(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	switch strings.ToLower(u.Scheme) {
	case "http":
		return "80"
	case "https":
		return "443"
	}
	return ""
}

// String is u's origin as scheme://host[:port], as u writes it.
func String(u *url.URL) string {
	return u.Scheme + "://" + u.Host
}

// CheckRedirect returns an [http.Client] CheckRedirect that follows a
// redirect to the origin of the request that started the chain (at most
// MaxRedirects times) and refuses any other with a *RedirectError. why
// ends the error's message, followed by that origin: e.g. "the token is
// only sent to" gives "…: the token is only sent to https://api.github.com".
func CheckRedirect(why string) func(req *http.Request, via []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if len(via) == 0 {
			return nil
		}
		from := via[0].URL
		if !Same(req.URL, from) {
			return &RedirectError{From: from, To: req.URL, Why: why}
		}
		if len(via) >= MaxRedirects {
			return fmt.Errorf("stopped after %d redirects", MaxRedirects)
		}
		return nil
	}
}

// Client returns a copy of c (of a zero http.Client when c is nil) whose
// CheckRedirect is CheckRedirect(why); c itself is left as it was.
func Client(c *http.Client, why string) *http.Client {
	var out http.Client
	if c != nil {
		out = *c
	}
	out.CheckRedirect = CheckRedirect(why)
	return &out
}

// RedirectError is a refused redirect to another origin. It is final:
// retrying would be answered by the same redirect.
type RedirectError struct {
	// From is the URL of the request that started the chain; To is where
	// the server redirected it.
	From, To *url.URL
	// Why is why only From's origin is trusted.
	Why string
}

func (e *RedirectError) Error() string {
	return fmt.Sprintf("refusing to follow a redirect to %s: %s %s", String(e.To), e.Why, String(e.From))
}
