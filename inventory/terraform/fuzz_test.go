package terraform

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/rogpeppe/go-internal/txtar"
)

// maxFuzzBytes bounds the files FuzzDiscover discovers. The fuzzing engine
// minimizes each input that reaches new code before it counts the
// executions that took: it tries every byte and every run of bytes removed,
// for up to -fuzzminimizetime (60 s by default) an input, reporting "0/sec"
// meanwhile. Seeded with whole 2-3 KiB testdata files, at 2-5 ms an
// execution, that minimization was the whole of a short run. Seeds of two
// blocks and this bound bring most minimizations down to a second; the
// first, of a valid piece where every byte counts, still takes about 40 s
// unless bounded:
//
//	go test -run '^$' -fuzz FuzzDiscover -fuzztime 60s -fuzzminimizetime 5s -parallel 1 ./inventory/terraform
//
// Large files are the subject of hostile_test.go.
const maxFuzzBytes = 2 << 10

// FuzzDiscover writes the input as main.tf and discovers it: whatever the
// input, Discover must not panic, and an error must be positioned
// diagnostics.
func FuzzDiscover(f *testing.F) {
	// The testdata files, in pieces of two consecutive blocks (a block
	// and what it refers to are written next to each other there).
	for _, name := range []string{"kinds.txtar", "consumers.txtar", "plan.txtar"} {
		ar, err := txtar.ParseFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range ar.Files {
			if filepath.Ext(file.Name) != ".tf" {
				continue
			}
			blocks := strings.Split(strings.TrimSpace(string(file.Data)), "\n\n")
			for i := range max(1, len(blocks)-1) {
				f.Add(strings.Join(blocks[i:min(i+2, len(blocks))], "\n\n") + "\n")
			}
		}
	}
	f.Add(`variable "n" {}` + "\n" + `resource "aws_ec2_capacity_reservation" "r" { instance_type = "p5.48xlarge" instance_count = var.n }`)
	f.Add(`locals { a = local.b
b = local.a }
resource "aws_ec2_capacity_reservation" "r" { instance_count = local.a }`)
	f.Add(`resource "google_compute_reservation" "r" { for_each = {a = 1} 
specific_reservation { count = each.value
instance_properties { machine_type = file("/etc/passwd") } } }`)
	// Work that multiplies: nested for expressions and setproduct must
	// end at the work bound, lowered here so that every mutation of them
	// stays fast (bound.go).
	f.Add(`locals { n = range(1000) }
resource "aws_ec2_capacity_reservation" "r" { instance_count = length([for a in local.n : [for b in local.n : [for c in local.n : c]]]) }`)
	f.Add(`resource "aws_ec2_capacity_reservation" "r" { instance_count = length(setproduct(range(1000), range(1000), range(1000))) }`)
	defer func(n int) { maxForWork = n }(maxForWork)
	maxForWork = 10_000
	// One main.tf for every input, rewritten in place: making and removing
	// a directory per input, or truncating and closing the file (which
	// makes ext4 flush it), costs more than discovering a small file.
	dir := f.TempDir()
	file, err := os.Create(filepath.Join(dir, "main.tf"))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { file.Close() })
	f.Fuzz(func(t *testing.T, src string) {
		if len(src) > maxFuzzBytes {
			return
		}
		if _, err := file.WriteAt([]byte(src), 0); err != nil {
			t.Fatal(err)
		}
		if err := file.Truncate(int64(len(src))); err != nil {
			t.Fatal(err)
		}
		inv, err := Discover(context.Background(), dir, Options{})
		if err != nil {
			var ds diag.Diagnostics
			if !errors.As(err, &ds) || !ds.HasErrors() {
				t.Fatalf("error %v is not diag.Diagnostics with errors", err)
			}
			return
		}
		for _, r := range inv.Reservations {
			if r.Count < 0 || r.GPUs < 0 || r.File != "main.tf" || r.Line < 1 {
				t.Fatalf("bad reservation %+v", r)
			}
		}
	})
}
