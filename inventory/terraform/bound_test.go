package terraform

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/capcheck/capcheck/internal/testkit"
	"github.com/google/go-cmp/cmp"
)

// TestDiscoverWorkBound: for expressions that multiply into more than
// maxForWork elements, and setproduct asked for more, end promptly in one
// positioned error, wherever the value goes.
func TestDiscoverWorkBound(t *testing.T) {
	// A bound of 10,000 (not the default million) keeps the test fast.
	defer func(n int) { maxForWork = n }(maxForWork)
	maxForWork = 10_000
	// Three loops over range(100): the outer collection is charged 100,
	// the middle one (a = 0) 100, then each inner one 100. 10,000 − 200
	// leaves room for 98 inner ones; the 99th, at the third local.n
	// (column 57), goes over. Without the bound: 10^6 elements, and 10^9
	// with range(1000).
	const nested = "  x = [for a in local.n : [for b in local.n : [for c in local.n : c]]]\n"
	over := fmt.Sprintf("error: for expressions iterate over more than %d elements in all in this root module (nested for expressions, range or setproduct multiplying?)", maxForWork)
	tuple := "[" + strings.TrimSuffix(strings.Repeat("1, ", 100), ", ") + "]"
	tests := []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{
			name:  "nested for deciding GPUs",
			files: map[string]string{"main.tf": "locals {\n  n = range(100)\n" + nested + "}\n" + reservation("r", "length(local.x)")},
			want:  []string{"main.tf:3:57: " + over},
		},
		{
			// try would swallow an error in its first argument; the work
			// bound is reported all the same.
			name:  "nested for inside try",
			files: map[string]string{"main.tf": "locals {\n  n = range(100)\n" + nested + "}\n" + reservation("r", "try(length(local.x), 1)")},
			want:  []string{"main.tf:3:57: " + over},
		},
		{
			// A tfvars value is read without functions: literal tuples of
			// 100 (L = 298 bytes), three deep, go over as range(100) does,
			// at the inner collection: column len("x = [for a in ") + 1 +
			// L + len(" : [for b in ") + L + len(" : [for c in ") = 41 + 2L.
			name: "nested for in terraform.tfvars",
			files: map[string]string{
				"main.tf":          "variable \"x\" {}\n" + reservation("r", "length(var.x)"),
				"terraform.tfvars": "x = [for a in " + tuple + " : [for b in " + tuple + " : [for c in " + tuple + " : c]]]\n",
			},
			want: []string{fmt.Sprintf("terraform.tfvars:1:%d: %s", 41+2*len(tuple), over)},
		},
		{
			// 100 × 100 × 2 = 20,000 tuples, refused before any is built;
			// an error because instance_count reads it (at the call:
			// column len("  instance_count    = length(") + 1).
			name:  "setproduct",
			files: map[string]string{"main.tf": reservation("r", "length(setproduct(range(100), range(100), range(2)))")},
			want:  []string{`main.tf:5:30: error: Error in function call; Call to function "setproduct" failed: the product has 20000 elements, more than 10000.`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			inv, err := Discover(context.Background(), testkit.TempTree(t, tc.files), Options{})
			if err == nil {
				t.Fatalf("Discover = %+v, want errors %q", inv, tc.want)
			}
			if d := cmp.Diff(tc.want, diagStrings(t, err)); d != "" {
				t.Errorf("diagnostics mismatch (-want +got):\n%s", d)
			}
			// Ten thousand elements take HCL some milliseconds; generous
			// for a loaded machine.
			if el := time.Since(start); el > 10*time.Second {
				t.Errorf("Discover took %v, want it stopped at the bound", el)
			}
		})
	}
}

// TestDiscoverWorkBoundUnused: a for expression nothing evaluated reads
// costs nothing (locals are lazy), so a hostile local that no GPU
// attribute reaches does not stop the run.
func TestDiscoverWorkBoundUnused(t *testing.T) {
	files := map[string]string{"main.tf": "locals {\n  n = range(1000)\n  x = [for a in local.n : [for b in local.n : [for c in local.n : c]]]\n}\n" +
		reservation("r", "2")}
	inv := discover(t, testkit.TempTree(t, files), Options{})
	// 2 × p5.48xlarge (8 H100) = 16
	if len(inv.Reservations) != 1 || inv.Reservations[0].GPUs != 16 {
		t.Errorf("reservations = %+v, want aws_ec2_capacity_reservation.r with 16 GPUs", inv.Reservations)
	}
}

// TestDiscoverHeapBound: growth the work bound does not see (a string
// doubling through locals: 1 KiB × 2^40) is stopped by heapwatch, with an
// error at the expression being evaluated.
func TestDiscoverHeapBound(t *testing.T) {
	defer func(h uint64, d time.Duration) { evalHeapLimit, evalTimeout = h, d }(evalHeapLimit, evalTimeout)
	evalHeapLimit = 16 << 20
	evalTimeout = time.Minute // the memory bound must trip first
	var b strings.Builder
	b.WriteString("locals {\n  s0 = \"" + strings.Repeat("x", 1024) + "\"\n")
	for i := 1; i <= 40; i++ {
		fmt.Fprintf(&b, "  s%d = \"${local.s%d}${local.s%d}\"\n", i, i-1, i-1)
	}
	b.WriteString("}\n" + reservation("r", "length(local.s40)"))
	_, err := Discover(context.Background(), testkit.TempTree(t, map[string]string{"main.tf": b.String()}), Options{})
	got := diagStrings(t, err)
	want := regexp.MustCompile(`^main\.tf:[0-9]+:[0-9]+: error: evaluating the Terraform used more than 16 MiB of memory: an expression here expands to too much`)
	if len(got) != 1 || !want.MatchString(got[0]) {
		t.Errorf("diagnostics = %q, want one matching %s", got, want)
	}
}

// TestDiscoverTimeBound: an evaluation within the work bound that takes
// longer than evalTimeout ends with an error at the expression it is in.
func TestDiscoverTimeBound(t *testing.T) {
	defer func(d time.Duration) { evalTimeout = d; chargeHook.Store(nil) }(evalTimeout)
	// The first for expression charged (local x's) is held for 3 s, past
	// the 1 s bound, so the bound fires while the evaluation is there
	// whatever the machine's load (the setup before it takes far less
	// than 1 s). 999 + 999² = 999,000 elements, under the work bound.
	evalTimeout = time.Second
	var once sync.Once
	hold := func() { once.Do(func() { time.Sleep(3 * time.Second) }) }
	chargeHook.Store(&hold)
	files := map[string]string{"main.tf": "locals {\n  n = range(999)\n  x = [for a in local.n : [for b in local.n : b]]\n}\n" +
		reservation("r", "length(local.x)")}
	_, err := Discover(context.Background(), testkit.TempTree(t, files), Options{})
	// local x's expression starts at line 3, column 7.
	want := []string{"main.tf:3:7: error: evaluating the Terraform took longer than 1s: an expression here expands to too much (nested for expressions, setproduct, or strings and lists doubling through locals?)"}
	if d := cmp.Diff(want, diagStrings(t, err)); d != "" {
		t.Errorf("diagnostics mismatch (-want +got):\n%s", d)
	}
}

// TestMayHoldFor: the scan that decides which files' for expressions are
// metered is true wherever HCL could parse one, and false on words that
// only contain "for".
func TestMayHoldFor(t *testing.T) {
	tests := []struct {
		src  string
		want bool
	}{
		{`x = [for a in b : a]`, true},
		{`x = {for k, v in m : k => v}`, true},
		{"x = [\n  for a in b : a\n]", true},
		{`x = [ /* c */ for a in b : a]`, true},
		{"x = [ # c\n  for a in b : a]", true},
		{`x = "%{for a in b}${a}%{endfor}"`, true},
		{`x = "%{~ for a in b}${a}%{endfor}"`, true},
		{`x = [for/*c*/a in b : a]`, true},
		// no for expression
		{`for_each = toset(["a"])`, false},
		{`name = format("sg-%d", 1)`, false},
		{`# capacity for training`, false},
		{`resource "aws_s3_bucket" "for" {}`, false},
		{`tags = { purpose = "reserved for ml" }`, false},
		{``, false},
	}
	for _, tc := range tests {
		if got := mayHoldFor([]byte(tc.src)); got != tc.want {
			t.Errorf("mayHoldFor(%q) = %v, want %v", tc.src, got, tc.want)
		}
	}
}
