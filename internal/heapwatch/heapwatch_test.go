package heapwatch

import (
	"context"
	"errors"
	"testing"
)

func TestRunResult(t *testing.T) {
	want := errors.New("f failed")
	if err := Run(context.Background(), func() bool { return false }, func(context.Context) error { return want }); err != want {
		t.Errorf("Run = %v, want f's error %v", err, want)
	}
	if err := Run(context.Background(), func() bool { return true }, func(context.Context) error { return nil }); err != nil {
		t.Errorf("Run(f that returns at once, check tripped) = %v, want nil", err)
	}
}

func TestRunPanic(t *testing.T) {
	err := Run(context.Background(), func() bool { return false }, func(context.Context) error { panic("boom") })
	var pe *PanicError
	if !errors.As(err, &pe) || pe.Value != "boom" || err.Error() != "panic: boom" {
		t.Errorf("Run(panicking f) = %v, want PanicError boom", err)
	}
}

// TestRunAbandons: f that never returns is abandoned once the memory check
// trips or the context ends, and the context it was given is cancelled.
func TestRunAbandons(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	stopped := make(chan struct{})
	err := Run(context.Background(), func() bool { return true }, func(ctx context.Context) error {
		<-ctx.Done()
		close(stopped)
		<-release
		return nil
	})
	if err != ErrMemory {
		t.Errorf("Run(check tripped) = %v, want ErrMemory", err)
	}
	<-stopped // f's context was cancelled

	ctx, cancel := context.WithCancelCause(context.Background())
	cause := errors.New("deadline")
	cancel(cause)
	err = Run(ctx, func() bool { return false }, func(context.Context) error { <-release; return nil })
	if err != cause {
		t.Errorf("Run(ended context) = %v, want its cause", err)
	}
}

// TestGrown: the check trips on growth past the bound, and not while
// another evaluation is running.
func TestGrown(t *testing.T) {
	exceeded := Grown(8 << 20)
	if exceeded() {
		t.Fatal("Grown tripped before anything was allocated")
	}
	var keep [][]byte
	for range 8 {
		keep = append(keep, make([]byte, 4<<20))
	}
	running.Add(2) // this evaluation's Run and another
	if exceeded() {
		t.Error("Grown tripped while another evaluation runs")
	}
	running.Add(-2)
	if !exceeded() {
		t.Errorf("Grown did not trip after 32 MiB were allocated (heap %d)", Bytes())
	}
	_ = keep
}
