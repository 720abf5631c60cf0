package evaluator

import (
	"strings"
	"testing"
)

// FuzzMatchAddress: the matcher never panics, an address always claims
// itself, and a pattern without `*` only claims the address, its instances,
// or nothing.
func FuzzMatchAddress(f *testing.F) {
	f.Add("module.gpu.aws_ec2_capacity_reservation.*", `module.gpu.aws_ec2_capacity_reservation.h100[0]`)
	f.Add("google_compute_reservation.a3", `google_compute_reservation.a3["us.central1-a"]`)
	f.Add(`a["*`, `a["]`)
	f.Fuzz(func(t *testing.T, pattern, addr string) {
		got := matchAddress(pattern, addr)
		if !strings.Contains(addr, "*") && !matchAddress(addr, addr) {
			t.Errorf("address %q does not claim itself", addr)
		}
		if got && !strings.Contains(pattern, "*") && pattern != addr &&
			pattern != stripAllKeys(addr) && !strings.HasPrefix(addr, pattern) {
			t.Errorf("star-free pattern %q claims unrelated address %q", pattern, addr)
		}
	})
}
