package terraform

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// writeMonorepo generates n .tf files: root modules (one directory each)
// holding GPU reservations and unrelated resources, some calling shared
// local modules. It returns the expected reservation count.
func writeMonorepo(tb testing.TB, dir string, n int) int {
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
			write(fmt.Sprintf("%s/noise%d.tf", base, k), fmt.Sprintf(`
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
`, k, svc, k, k, k, k))
		}
		files += 5
		want += 4 // 2 count instances + 2 for_each instances
	}
	return want
}

func BenchmarkDiscoverGenerated5000(b *testing.B) {
	dir := b.TempDir()
	want := writeMonorepo(b, dir, 5000)
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
