package testkit

import (
	"runtime"
	"syscall"
	"testing"
	"unsafe"
)

// Unprivileged runs f on an operating-system thread of its own whose
// effective capabilities lack CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH, so
// file permission bits hold for f even when the tests run as root (as CI
// containers do): a mode-000 file is unreadable there. Capabilities are
// per thread on Linux; the thread is never handed back to the runtime
// (f's goroutine exits locked to it, which ends the thread). f must not
// start goroutines that do the I/O, nor call t's Fatal or Skip methods.
func Unprivileged(t testing.TB, f func()) {
	t.Helper()
	type result struct {
		errno    syscall.Errno // capget or capset failed
		panicked any
	}
	done := make(chan result, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread dies with this goroutine
		hdr := capHeader{version: linuxCapabilityVersion3}
		var data [2]capData
		if _, _, e := syscall.RawSyscall(syscall.SYS_CAPGET, uintptr(unsafe.Pointer(&hdr)), uintptr(unsafe.Pointer(&data[0])), 0); e != 0 {
			done <- result{errno: e}
			return
		}
		data[0].effective &^= 1<<capDACOverride | 1<<capDACReadSearch
		if _, _, e := syscall.RawSyscall(syscall.SYS_CAPSET, uintptr(unsafe.Pointer(&hdr)), uintptr(unsafe.Pointer(&data[0])), 0); e != 0 {
			done <- result{errno: e}
			return
		}
		defer func() { done <- result{panicked: recover()} }()
		f()
	}()
	r := <-done
	if r.panicked != nil {
		panic(r.panicked)
	}
	if r.errno != 0 {
		SkipOrFailf(t, "cannot drop a thread's file capabilities: %v", r.errno)
	}
}

// The capget(2)/capset(2) ABI, version 3 (two 32-bit words per set).
const (
	linuxCapabilityVersion3 = 0x20080522
	capDACOverride          = 1
	capDACReadSearch        = 2
)

type capHeader struct {
	version uint32
	pid     int32
}

type capData struct {
	effective, permitted, inheritable uint32
}
