// Package heapwatch bounds the time and memory of one evaluation of
// untrusted input: a CUE plan in schema, the Rego policies in policies. Go
// cannot limit the memory of one goroutine, so Run samples the process heap
// while the evaluation runs in its own goroutine and gives up on it once
// the heap has grown by more than a bound. An evaluation that cannot be
// interrupted (CUE; an OPA built-in in the middle of one call) is
// abandoned: it runs on in the background, and the command stops at the
// error.
package heapwatch

import (
	"context"
	"errors"
	"fmt"
	"runtime/metrics"
	"sync/atomic"
	"time"
)

// poll is how often Run samples the heap. An evaluation allocating at
// memory speed adds some tens of MiB between two samples.
const poll = 10 * time.Millisecond

// Bytes is the heap occupied by objects, live or not yet swept.
func Bytes() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

// running counts the evaluations Run started whose f has not returned,
// abandoned ones included.
var running atomic.Int64

// Grown returns a check, for Run, that reports whether the heap has grown
// by more than limit bytes since Grown was called. The heap is the
// process's: while another evaluation runs (an abandoned one still
// running, or another goroutine's) the growth is not this one's, so the
// check reports false and only the time limit applies.
func Grown(limit uint64) func() bool {
	base := Bytes()
	return func() bool {
		if running.Load() > 1 {
			return false
		}
		h := Bytes()
		return h > base && h-base > limit
	}
}

// ErrMemory is Run's error when the memory check tripped.
var ErrMemory = errors.New("the heap grew past the memory bound")

// PanicError is Run's error when f panicked.
type PanicError struct {
	Value any
}

func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }

// Run calls f in its own goroutine and waits until f returns, ctx is done
// or exceeded (sampled every 10 ms; see Grown) reports true. It returns
// f's error; a *PanicError if f panicked; or, when f is still running,
// context.Cause(ctx) or ErrMemory. In the last two cases f is
// abandoned: the context f was given is cancelled, so that f can stop at
// its next check, but Run does not wait for it.
func Run(ctx context.Context, exceeded func() bool, f func(context.Context) error) error {
	fctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	running.Add(1)
	go func() {
		defer running.Add(-1)
		defer func() {
			if r := recover(); r != nil {
				done <- &PanicError{Value: r}
			}
		}()
		done <- f(fctx)
	}()
	defer cancel()
	// A result that is ready wins over a limit reached at the same time.
	select {
	case err := <-done:
		return err
	default:
	}
	tick := time.NewTicker(poll)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			return err
		case <-ctx.Done():
			select {
			case err := <-done:
				return err
			default:
			}
			return context.Cause(ctx)
		case <-tick.C:
			if exceeded() {
				return ErrMemory
			}
		}
	}
}
