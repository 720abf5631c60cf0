//go:build !linux

package testkit

import (
	"os"
	"testing"
)

// Unprivileged runs f; as root, where file permission bits do not hold and
// this platform offers no per-thread way to drop that, it skips or fails t
// (SkipOrFail) instead.
func Unprivileged(t testing.TB, f func()) {
	t.Helper()
	if os.Geteuid() == 0 {
		SkipOrFail(t, "running as root, which reads files with mode 000, and cannot drop that on this platform")
	}
	f()
}
