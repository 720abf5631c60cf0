package terraform

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/rogpeppe/go-internal/txtar"
)

// FuzzDiscover writes the input as main.tf and discovers it: whatever the
// input, Discover must not panic, and an error must be positioned
// diagnostics.
func FuzzDiscover(f *testing.F) {
	for _, name := range []string{"kinds.txtar", "consumers.txtar", "plan.txtar"} {
		ar, err := txtar.ParseFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range ar.Files {
			if filepath.Ext(file.Name) == ".tf" {
				f.Add(string(file.Data))
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
	f.Fuzz(func(t *testing.T, src string) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(src), 0o644); err != nil {
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
