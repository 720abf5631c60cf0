package action

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/capcheck/capcheck/internal/testkit/fakegithub"
	"github.com/google/go-github/v60/github"
)

// newFake serves script (see [fakegithub.Exchange]) in order to requests
// that carry the token "tok", failing t on any request out of script and,
// at cleanup, on an exchange that never came.
func newFake(t *testing.T, script ...fakegithub.Exchange) *fakegithub.Server {
	t.Helper()
	return fakegithub.New(t, "Bearer tok", script...)
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

// client is a Client of the fake f, with s's sleeps and the fake clock.
func client(t *testing.T, f *fakegithub.Server, s *sleeps) *github.Client {
	t.Helper()
	c, err := NewClient(f.URL, "tok", &Retry{Sleep: s.sleep, Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	return c
}
