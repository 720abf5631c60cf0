package terraform

import (
	"context"
	"strings"
	"testing"

	"github.com/capcheck/capcheck/inventory"
	"github.com/google/go-cmp/cmp"
)

// TestDiscoverFutureCapacity reads testdata/future.txtar: capacity that
// arrives later carries its window in Start and End as written (the
// capacity model applies the whole-day rule of inventory/days.go).
func TestDiscoverFutureCapacity(t *testing.T) {
	inv := discover(t, extract(t, "future.txtar", ""), Options{})
	want := []brief{
		// 3 × p5.48xlarge (8 H100) = 24, future-dated from 1 March 2027
		{Address: "aws_ec2_capacity_reservation.future", Line: 1, Kind: inventory.KindReservation, Type: "p5.48xlarge", Count: 3, GPU: "H100-SXM", GPUs: 24,
			Zone: "us-east-1a", Start: "2027-03-01T00:00:00Z", End: "2027-09-01T00:00:00Z", Guaranteed: true},
		// 2 × ND96isr H100 v5 (8) = 16 in zone 1, 1–28 May 2027 only
		{Address: "azapi_resource.block", Line: 1, Kind: inventory.KindReservation, Type: "Standard_ND96isr_H100_v5", Count: 2, GPU: "H100-SXM", GPUs: 16,
			Zone: "1", Start: "2027-05-01", End: "2027-05-28", Guaranteed: true},
		// total_count "4" (a string, as the provider has it) × 8 H100 from
		// guest_accelerators = 32, for a year from 1 April 2027
		{Address: "google_compute_future_reservation.a3", Line: 1, Kind: inventory.KindReservation, Type: "a3-highgpu-8g", Count: 4, GPU: "H100-SXM", GPUs: 32,
			Zone: "us-central1-a", Start: "2027-04-01T00:00:00Z", End: "2028-04-01T00:00:00Z", Guaranteed: true},
		// 2 × a3-highgpu-8g (8 H100 by the catalog) = 16; duration
		// 2419200 s = 28 days: 1 February + 28 days = 1 March 00:00
		{Address: "google_compute_future_reservation.by_duration", Line: 21, Kind: inventory.KindReservation, Type: "a3-highgpu-8g", Count: 2, GPU: "H100-SXM", GPUs: 16,
			Zone: "us-central1-b", Start: "2027-02-01T00:00:00Z", End: "2027-03-01T00:00:00Z", Guaranteed: true},
		// DRAFT: not submitted, so listed and never guaranteed
		{Address: "google_compute_future_reservation.draft", Line: 38, Kind: inventory.KindReservation, Type: "a3-highgpu-8g", Count: 1, GPU: "H100-SXM", GPUs: 8,
			Zone: "us-central1-c", Start: "2027-06-01T00:00:00Z", End: "2027-07-01T00:00:00Z"},
	}
	if d := cmp.Diff(want, briefs(inv.Reservations)); d != "" {
		t.Errorf("reservations mismatch (-want +got):\n%s", d)
	}
	if len(inv.Unresolved) != 0 {
		t.Errorf("unresolved = %v, want none", inv.Unresolved)
	}
}

// TestFutureReservationWithoutEnd: a time window with neither end_time
// nor duration has no end capcheck could count to: an error at the
// resource, never an open-ended reservation.
func TestFutureReservationWithoutEnd(t *testing.T) {
	dir := extract(t, "", `-- gcp.tf --
resource "google_compute_future_reservation" "open" {
  zone = "us-central1-a"
  time_window {
    start_time = "2027-06-01T00:00:00Z"
  }
  specific_sku_properties {
    total_count = "1"
    instance_properties {
      machine_type = "a3-highgpu-8g"
    }
  }
}
`)
	_, err := Discover(context.Background(), dir, Options{})
	want := "gcp.tf:1:1: error: google_compute_future_reservation.open: time_window sets neither end_time nor duration"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("Discover error = %v, want %q", err, want)
	}
}
