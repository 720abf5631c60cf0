package action

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/capcheck/capcheck/internal/origin"
	"github.com/google/go-github/v60/github"
)

// DefaultAPIURL is the REST API of github.com.
const DefaultAPIURL = "https://api.github.com/"

// NewClient returns a go-github client for the REST API at apiURL
// ($GITHUB_API_URL: https://api.github.com/ or https://HOST/api/v3 on
// GitHub Enterprise Server), authenticated with token when it is not
// empty, sending every request through rt (a *Retry, usually).
//
// A redirect is followed only within the origin (scheme, host and port)
// of the request it answers: go-github's token transport sets
// Authorization on every request it sends, the redirected ones included,
// so a redirect elsewhere would hand the token (and a 307/308's body) to
// that host. Such a redirect fails the request with an
// *origin.RedirectError.
//
// The base URL is used as given rather than through WithEnterpriseURLs,
// which would append /api/v3/ to any host not named api.*: the Actions
// runner already hands over the full API root.
func NewClient(apiURL, token string, rt http.RoundTripper) (*github.Client, error) {
	u, err := url.Parse(apiURL)
	if err != nil {
		return nil, fmt.Errorf("GitHub API URL %q: %w", apiURL, err)
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("GitHub API URL %q: want an absolute http(s) URL", apiURL)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	why := "the GitHub API is only read at"
	if token != "" {
		why = "the token is only sent to"
	}
	// No Timeout here: it would bound the retries and their waits too.
	// Retry limits each attempt.
	c := github.NewClient(origin.Client(&http.Client{Transport: rt}, why))
	if token != "" {
		c = c.WithAuthToken(token)
	}
	c.BaseURL = u
	c.UserAgent = "capcheck"
	return c, nil
}

// Retry is an http.RoundTripper that retries what GitHub asks to be
// retried, following
// https://docs.github.com/rest/using-the-rest-api/best-practices-for-using-the-rest-api#handle-rate-limit-errors-appropriately:
//
//   - 500, 502, 503 and 504, a timed-out attempt or a lost connection:
//     exponential backoff (BaseDelay doubling, capped at MaxDelay), or
//     Retry-After when the server sent it;
//   - secondary rate limits (403 or 429 with Retry-After, or a 403 that
//     go-github reads as *github.AbuseRateLimitError): Retry-After, else at
//     least a minute;
//   - primary rate limits (403 or 429 with X-RateLimit-Remaining: 0):
//     until X-RateLimit-Reset, when that is near (within MaxWait).
//
// Any other 4xx is returned at once. A wait longer than MaxWait is not
// taken: the response is returned and the caller fails with GitHub's own
// error. Retrying below go-github, rather than around its calls, keeps
// its client-side rate-limit bookkeeping from refusing the retry.
//
// A POST is not idempotent: after a 5xx, a timeout or a lost connection
// it may have been made all the same, and sending it again would make it
// twice (two comments). Such a POST is sent again only when its context
// carries a [Lookup] ([WithLookup]) that, after the wait, finds it was not
// made; when the Lookup finds it made, RoundTrip returns an error wrapping
// [ErrMade] and sends nothing more. Without a Lookup (or [Repeatable]) the
// answer is returned at once. A rate-limited POST was refused before it
// was made and is retried like any request; GET, PATCH and DELETE (set a
// body, remove a comment) are safe to repeat.
type Retry struct {
	// Base sends the requests (http.DefaultTransport when nil).
	Base http.RoundTripper
	// MaxAttempts bounds the tries of one request (4 when zero).
	MaxAttempts int
	// BaseDelay is the first backoff (1s when zero); MaxDelay caps the
	// exponential backoff (30s when zero).
	BaseDelay, MaxDelay time.Duration
	// MaxWait is the longest Retry-After or rate-limit reset honoured
	// (2m when zero).
	MaxWait time.Duration
	// Timeout limits each attempt, until its answer's body is read
	// (DefaultTimeout when zero).
	Timeout time.Duration
	// Sleep waits d or until ctx is done (a timer when nil). Tests inject
	// one that records the waits and returns at once.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock for rate-limit resets (time.Now when nil).
	Now func() time.Time
	// Log receives one line per retry (discarded when nil).
	Log io.Writer
}

// Defaults of Retry.
const (
	DefaultMaxAttempts = 4
	DefaultBaseDelay   = time.Second
	DefaultMaxDelay    = 30 * time.Second
	DefaultMaxWait     = 2 * time.Minute
	DefaultTimeout     = time.Minute
	// secondaryMinWait is GitHub's advice for a secondary rate limit that
	// names no time: wait at least a minute.
	secondaryMinWait = time.Minute
)

// Lookup says whether a POST whose answer was lost (a 5xx, a timeout, a
// lost connection) was made all the same, by reading what it would have
// written, e.g. a comment holding the sticky marker.
type Lookup func(ctx context.Context) (made bool, err error)

// ErrMade is returned (wrapped) by Retry for a POST whose answer was lost
// when its Lookup found it made: the caller takes what the Lookup found as
// the result.
var ErrMade = errors.New("made although its answer was lost")

type lookupKey struct{}

// WithLookup returns a copy of ctx under which Retry may send a POST again
// after a lost answer, once look has found it was not made.
func WithLookup(ctx context.Context, look Lookup) context.Context {
	return context.WithValue(ctx, lookupKey{}, look)
}

// Repeatable returns a copy of ctx under which Retry sends a POST again
// like an idempotent request: for a POST that sets a state, such as the
// GraphQL minimizeComment mutation.
func Repeatable(ctx context.Context) context.Context {
	return WithLookup(ctx, nil)
}

// RoundTrip implements http.RoundTripper.
func (r *Retry) RoundTrip(req *http.Request) (*http.Response, error) {
	base := r.Base
	if base == nil {
		base = http.DefaultTransport
	}
	attempts := r.MaxAttempts
	if attempts <= 0 {
		attempts = DefaultMaxAttempts
	}
	if req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
		attempts = 1 // the body cannot be sent twice
	}
	ctx := req.Context()
	look, hasLookup := ctx.Value(lookupKey{}).(Lookup)
	// once: a lost answer leaves it unknown whether the request was made.
	once := req.Method == http.MethodPost && (!hasLookup || look != nil)
	for attempt := 1; ; attempt++ {
		try := req
		if attempt > 1 {
			try = req.Clone(ctx)
			if req.GetBody != nil {
				body, err := req.GetBody()
				if err != nil {
					return nil, err
				}
				try.Body = body
			}
		}
		resp, err := r.send(base, try)
		if err != nil && ctx.Err() != nil {
			return nil, err
		}
		var wait time.Duration
		var why string
		lost := err != nil
		if err != nil {
			wait, why = r.backoff(attempt), err.Error()
		} else {
			var ok bool
			wait, why, ok = r.delay(resp, attempt)
			if !ok {
				return resp, nil
			}
			lost = resp.StatusCode >= 500
		}
		if lost && once {
			if look == nil {
				return resp, err
			}
			keep(resp)
			made, lerr := r.lookup(ctx, req, look, why, wait, attempt, attempts)
			switch {
			case lerr != nil:
				closeBody(resp)
				return nil, lerr
			case made:
				closeBody(resp)
				return nil, fmt.Errorf("%s: %w", why, ErrMade)
			case attempt >= attempts:
				return resp, err
			}
			closeBody(resp)
			r.logf("capcheck: GitHub API %s %s: not made; sending it again (attempt %d of %d)\n",
				req.Method, req.URL.Path, attempt+1, attempts)
			continue
		}
		if attempt >= attempts {
			return resp, err
		}
		closeBody(resp)
		r.logf("capcheck: GitHub API %s %s: %s; retrying in %s (attempt %d of %d)\n",
			req.Method, req.URL.Path, why, wait, attempt+1, attempts)
		if err := r.sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// lookup waits, then asks look whether the POST req, whose answer was
// lost (why), was made. The last answer's body is kept readable, for it
// may be returned.
func (r *Retry) lookup(ctx context.Context, req *http.Request, look Lookup, why string, wait time.Duration, attempt, attempts int) (bool, error) {
	r.logf("capcheck: GitHub API %s %s: %s; it may have been made: looking for it in %s (attempt %d of %d)\n",
		req.Method, req.URL.Path, why, wait, attempt, attempts)
	if err := r.sleep(ctx, wait); err != nil {
		return false, err
	}
	made, err := look(ctx)
	if err != nil {
		return false, fmt.Errorf("%s, and whether it was made is unknown: %w", why, err)
	}
	if made {
		r.logf("capcheck: GitHub API %s %s: found it made: not sending it again\n", req.Method, req.URL.Path)
	}
	return made, nil
}

// send makes one attempt, limited to r.Timeout until its body is closed.
func (r *Retry) send(base http.RoundTripper, req *http.Request) (*http.Response, error) {
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	parent := req.Context()
	ctx, cancel := context.WithTimeout(parent, timeout)
	resp, err := base.RoundTrip(req.WithContext(ctx))
	if err != nil {
		cancel()
		if ctx.Err() != nil && parent.Err() == nil {
			return nil, fmt.Errorf("no answer within %s: %w", timeout, err)
		}
		return nil, err
	}
	resp.Body = &cancelBody{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// cancelBody ends an attempt's timeout when its body is closed.
type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// keep reads resp's body (up to 1 MiB) into memory, so that the answer
// stays readable while Retry waits and looks, past its attempt's timeout.
func keep(resp *http.Response) {
	if resp == nil {
		return
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if err != nil {
		b = nil
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
}

// closeBody drops a response that is not returned.
func closeBody(resp *http.Response) {
	if resp == nil {
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
}

func (r *Retry) logf(format string, args ...any) {
	if r.Log != nil {
		fmt.Fprintf(r.Log, format, args...)
	}
}

// delay says whether resp asks for a retry, and after how long.
func (r *Retry) delay(resp *http.Response, attempt int) (time.Duration, string, bool) {
	maxWait := r.MaxWait
	if maxWait <= 0 {
		maxWait = DefaultMaxWait
	}
	status := resp.Status
	retryAfter, hasRetryAfter := r.retryAfter(resp.Header.Get("Retry-After"))
	switch code := resp.StatusCode; {
	case code == http.StatusInternalServerError, code == http.StatusBadGateway,
		code == http.StatusServiceUnavailable, code == http.StatusGatewayTimeout:
		wait := r.backoff(attempt)
		if hasRetryAfter {
			wait = retryAfter
		}
		return wait, status, wait <= maxWait
	case code == http.StatusForbidden, code == http.StatusTooManyRequests:
		// go-github's reading of the response: it restores the body.
		err := github.CheckResponse(resp)
		var rle *github.RateLimitError
		var ale *github.AbuseRateLimitError
		switch {
		case errors.As(err, &rle) || resp.Header.Get("X-RateLimit-Remaining") == "0":
			if hasRetryAfter {
				return retryAfter, status + " (rate limit)", retryAfter <= maxWait
			}
			reset, ok := r.rateReset(resp.Header.Get("X-RateLimit-Reset"))
			if !ok {
				return 0, "", false
			}
			wait := reset.Sub(r.now()) + time.Second
			wait = max(wait, time.Second)
			return wait, status + " (primary rate limit)", wait <= maxWait
		case hasRetryAfter:
			return retryAfter, status + " (secondary rate limit)", retryAfter <= maxWait
		case errors.As(err, &ale) || code == http.StatusTooManyRequests:
			wait := max(r.backoff(attempt), secondaryMinWait)
			return wait, status + " (secondary rate limit)", wait <= maxWait
		}
	}
	return 0, "", false
}

// backoff is the exponential delay before try attempt+1.
func (r *Retry) backoff(attempt int) time.Duration {
	d, limit := r.BaseDelay, r.MaxDelay
	if d <= 0 {
		d = DefaultBaseDelay
	}
	if limit <= 0 {
		limit = DefaultMaxDelay
	}
	for i := 1; i < attempt && d < limit; i++ {
		d *= 2
	}
	return min(d, limit)
}

// retryAfter reads a Retry-After header: delay-seconds or an HTTP date.
func (r *Retry) retryAfter(v string) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 || n > int64(24*time.Hour/time.Second) {
			return 0, false
		}
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(r.now()), 0), true
	}
	return 0, false
}

func (r *Retry) rateReset(v string) (time.Time, bool) {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n <= 0 {
		return time.Time{}, false
	}
	return time.Unix(n, 0), true
}

func (r *Retry) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *Retry) sleep(ctx context.Context, d time.Duration) error {
	if r.Sleep != nil {
		return r.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
