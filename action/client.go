package action

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"
)

// DefaultAPIURL is the REST API of github.com.
const DefaultAPIURL = "https://api.github.com/"

// NewClient returns a go-github client for the REST API at apiURL
// ($GITHUB_API_URL: https://api.github.com/ or https://HOST/api/v3 on
// GitHub Enterprise Server), authenticated with token when it is not
// empty, sending every request through rt (a *Retry, usually).
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
	c := github.NewClient(&http.Client{Transport: rt, Timeout: 60 * time.Second})
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
//   - 500, 502, 503 and 504: exponential backoff (BaseDelay doubling, capped
//     at MaxDelay), or Retry-After when the server sent it;
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
	// secondaryMinWait is GitHub's advice for a secondary rate limit that
	// names no time: wait at least a minute.
	secondaryMinWait = time.Minute
)

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
		resp, err := base.RoundTrip(try)
		if attempt >= attempts {
			return resp, err
		}
		var wait time.Duration
		var why string
		if err != nil {
			// A lost connection may have delivered a POST: only requests
			// that are safe to repeat are sent again.
			if req.Method == http.MethodPost || ctx.Err() != nil {
				return nil, err
			}
			wait, why = r.backoff(attempt), err.Error()
		} else {
			var ok bool
			wait, why, ok = r.delay(resp, attempt)
			if !ok {
				return resp, nil
			}
			// The response is dropped for the retry.
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
			resp.Body.Close()
		}
		if r.Log != nil {
			fmt.Fprintf(r.Log, "capcheck: GitHub API %s %s: %s; retrying in %s (attempt %d of %d)\n",
				req.Method, req.URL.Path, why, wait, attempt+1, attempts)
		}
		if err := r.sleep(ctx, wait); err != nil {
			return nil, err
		}
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
