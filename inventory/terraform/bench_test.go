package terraform

import (
	"context"
	"flag"
	"fmt"
	"io/fs"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2/hclparse"

	"github.com/google/go-cmp/cmp"
)

// monorepoDir, when set (go test -run TestWriteMixedMonorepo -args
// -monorepo DIR), is where TestWriteMixedMonorepo writes the 10,000-file
// tree of BenchmarkDiscoverGenerated10000, for tools outside Go to be
// timed on it (scripts/bench-conftest.sh).
var monorepoDir = flag.String("monorepo", "", "write BenchmarkDiscoverGenerated10000's tree of 10,000 .tf files to this directory")

// TestWriteMixedMonorepo checks the generator the benchmarks share, on 100
// files (or, with -monorepo, on the 10,000 it writes there): 8 module
// files and services of 5 files until there are n; one service in four
// holds 2 count and 2 for_each reservations.
func TestWriteMixedMonorepo(t *testing.T) {
	dir, n := t.TempDir(), 100
	// 100: 8 + 19 services × 5 = 103 files; services 0, 4, … 16 hold
	// GPUs: 5 × 4 = 20 reservations.
	wantFiles, wantRes := 103, 20
	if *monorepoDir != "" {
		// 8 + 1,999 × 5 = 10,003 files; 500 GPU services × 4 = 2,000.
		dir, n, wantFiles, wantRes = *monorepoDir, 10000, 10003, 2000
	}
	if got := writeMixedMonorepo(t, dir, n, 4); got != wantRes {
		t.Errorf("writeMixedMonorepo = %d reservations, want %d", got, wantRes)
	}
	files := 0
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() && strings.HasSuffix(p, ".tf") {
			files++
		}
		return err
	})
	if err != nil || files != wantFiles {
		t.Errorf("the tree holds %d .tf files (%v), want %d", files, err, wantFiles)
	}
	if inv := discover(t, dir, Options{}); len(inv.Reservations) != wantRes {
		t.Errorf("Discover found %d reservations, want %d", len(inv.Reservations), wantRes)
	}
}

// writeMonorepo generates n .tf files: root modules (one directory each)
// holding GPU reservations and unrelated resources, some calling shared
// local modules. It returns the expected reservation count.
func writeMonorepo(tb testing.TB, dir string, n int) int {
	return writeMixedMonorepo(tb, dir, n, 1)
}

// writeMixedMonorepo is writeMonorepo where only one service in gpuEvery
// holds GPUs; the others are root modules of unrelated resources only
// (buckets, security groups), as most roots of a real monorepo are.
func writeMixedMonorepo(tb testing.TB, dir string, n, gpuEvery int) int {
	tb.Helper()
	write := func(rel, src string) { writeFile(tb, dir, rel, []byte(src)) }
	const modules = 8
	for m := range modules {
		write(fmt.Sprintf("modules/gpu%d/main.tf", m), fmt.Sprintf(`
variable "zones" { type = set(string) }
variable "n" { default = %d }
resource "aws_ec2_capacity_reservation" "this" {
  for_each          = var.zones
  instance_type     = "p5.48xlarge"
  instance_platform = "Linux/UNIX"
  availability_zone = each.key
  instance_count    = var.n
}
resource "aws_iam_role" "r" { name = "r" }
`, m+1))
	}
	files, want := modules, 0
	for svc := 0; files < n; svc++ {
		base := fmt.Sprintf("services/svc%04d", svc)
		if svc%gpuEvery != 0 {
			for k := range 5 {
				write(fmt.Sprintf("%s/noise%d.tf", base, k), noise(svc, k))
			}
			files += 5
			continue
		}
		// 5 files per service: GPU reservations, a module call, noise.
		write(base+"/gpu.tf", fmt.Sprintf(`
locals { zones = ["us-east-1a", "us-east-1b"] }
resource "aws_ec2_capacity_reservation" "h" {
  count             = length(local.zones)
  instance_type     = "g6e.12xlarge"
  instance_platform = "Linux/UNIX"
  availability_zone = local.zones[count.index]
  instance_count    = %d
}
`, svc%4+1))
		write(base+"/modules.tf", fmt.Sprintf(`
module "gpu" {
  source = "../../modules/gpu%d"
  zones  = toset(local.zones)
}
`, svc%modules))
		for k := range 3 {
			write(fmt.Sprintf("%s/noise%d.tf", base, k), noise(svc, k))
		}
		files += 5
		want += 4 // 2 count instances + 2 for_each instances
	}
	return want
}

// noise is file k of service svc: resources that hold no GPUs.
func noise(svc, k int) string {
	return fmt.Sprintf(`
resource "aws_s3_bucket" "b%d" {
  bucket = "svc-%d-%d"
  tags   = { team = upper("ml"), n = %d }
}
resource "aws_security_group" "sg%d" {
  name = format("sg-%%d", %d)
  ingress {
    from_port = 443
    to_port   = 443
    protocol  = "tcp"
  }
}
`, k, svc, k, k, k, k)
}

// BenchmarkDiscoverGenerated10000 is the monorepo of 10,000 files, one
// service in four holding GPUs (500 GPU roots of 2,000), against
// BenchmarkParseOnly10000, the floor: reading and parsing every file with
// hclparse, as any HCL tool must.
func BenchmarkDiscoverGenerated10000(b *testing.B) {
	dir := b.TempDir()
	benchDiscover(b, dir, writeMixedMonorepo(b, dir, 10000, 4))
}

// BenchmarkParseOnly10000 walks the same tree and parses every .tf file
// with hclparse, on the same GOMAXPROCS workers Discover uses ("parallel")
// and on one ("serial", as a single-threaded tool such as Conftest's HCL
// parser does).
func BenchmarkParseOnly10000(b *testing.B) {
	dir := b.TempDir()
	writeMixedMonorepo(b, dir, 10000, 4)
	parse := func(files []string) int {
		p := hclparse.NewParser()
		for _, f := range files {
			if _, hd := p.ParseHCLFile(f); hd.HasErrors() {
				b.Fatal(hd)
			}
		}
		return len(files)
	}
	list := func() []string {
		var files []string
		err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
			if err == nil && !e.IsDir() && strings.HasSuffix(p, ".tf") {
				files = append(files, p)
			}
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
		return files
	}
	want := len(list()) // 10,003: 8 module files and 1,999 services of 5
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if n := parse(list()); n != want {
				b.Fatalf("parsed %d files, want %d", n, want)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			files := list()
			workers := runtime.GOMAXPROCS(0)
			chunks := make([][]string, workers)
			for i, f := range files {
				chunks[i%workers] = append(chunks[i%workers], f)
			}
			n, err := parallel(context.Background(), chunks, parse)
			if err != nil {
				b.Fatal(err)
			}
			total := 0
			for _, k := range n {
				total += k
			}
			if total != want {
				b.Fatalf("parsed %d files, want %d", total, want)
			}
		}
	})
}

// TestMixedMonorepo: in the mixed tree only the GPU services count: 18
// files are the 8 module files, svc0000 (a GPU service, 5 files) and
// svc0001 (5 files without GPUs): 2 count + 2 for_each instances.
func TestMixedMonorepo(t *testing.T) {
	dir := t.TempDir()
	want := writeMixedMonorepo(t, dir, 18, 4)
	inv := discover(t, dir, Options{})
	if len(inv.Reservations) != want || want != 4 {
		t.Fatalf("reservations = %d, want %d (= 4)", len(inv.Reservations), want)
	}
}

func BenchmarkDiscoverGenerated5000(b *testing.B) {
	dir := b.TempDir()
	benchDiscover(b, dir, writeMonorepo(b, dir, 5000))
}

// benchDiscover times Discover on the tree in dir, which holds want
// reservations.
func benchDiscover(b *testing.B, dir string, want int) {
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		inv, err := Discover(context.Background(), dir, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if len(inv.Reservations) != want {
			b.Fatalf("reservations = %d, want %d", len(inv.Reservations), want)
		}
	}
}

func TestGeneratedMonorepo(t *testing.T) {
	dir := t.TempDir()
	want := writeMonorepo(t, dir, 60)
	inv := discover(t, dir, Options{})
	// 11 services × (2 count + 2 for_each) = 44
	if len(inv.Reservations) != want || want != 44 {
		t.Fatalf("reservations = %d, want %d (= 44)", len(inv.Reservations), want)
	}
	// services/svc0001: count 2 × g6e.12xlarge (4 L40S) = 8 per instance;
	// module gpu1 (called by svc0001 and svc0009): n = 2 × p5.48xlarge (8)
	// = 16 per zone and caller, 32 summed over both roots.
	got := map[string]float64{}
	for _, r := range inv.Reservations {
		if r.File == "services/svc0001/gpu.tf" || r.File == "modules/gpu1/main.tf" {
			got[r.Address] += r.GPUs
		}
	}
	want1 := map[string]float64{
		"aws_ec2_capacity_reservation.h[0]": 8, "aws_ec2_capacity_reservation.h[1]": 8,
		`module.gpu.aws_ec2_capacity_reservation.this["us-east-1a"]`: 32,
		`module.gpu.aws_ec2_capacity_reservation.this["us-east-1b"]`: 32,
	}
	if d := cmp.Diff(want1, got); d != "" {
		t.Errorf("GPUs by address (-want +got):\n%s", d)
	}
}
