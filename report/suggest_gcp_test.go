package report

import (
	"strings"
	"testing"

	"github.com/capcheck/capcheck/evaluator"
)

// TestSuggestHCLFutureReservation: a GCP addition from 2027-03-01 to
// 2027-04-30 (the solver's google_compute_future_reservation) is the
// block --apply writes, less what it copies from the pool's
// google_compute_reservation: the window from 2027-03-01T00:00:00Z to the
// instant after the last day, 2027-05-01T00:00:00Z; total_count "3" (a
// string); 3 × 8 = 24 GPUs.
func TestSuggestHCLFutureReservation(t *testing.T) {
	d := &evaluator.SuggestDoc{Now: "2026-11-21", Suggestions: []evaluator.PoolSuggestion{{Pool: "h100-gcp", Status: evaluator.SuggestFixed,
		Changes: []evaluator.Change{{Action: "add", Address: "google_compute_future_reservation.h100_gcp_us_central1_a_2027_03_to_2027_04",
			Zone: "us-central1-a", InstanceType: "a3-highgpu-8g", Instances: 3, GPUs: 24, Start: "2027-03-01", End: "2027-04-30"}}}}}
	var w strings.Builder
	if err := Suggest(&w, "hcl", d, ""); err != nil {
		t.Fatal(err)
	}
	want := `# pool h100-gcp: 3 × a3-highgpu-8g (24 GPUs) in us-central1-a, reserved for 2027-03-01 to 2027-04-30 only
resource "google_compute_future_reservation" "h100_gcp_us_central1_a_2027_03_to_2027_04" {
  name                                  = "h100-gcp-us-central1-a-2027-03-to-2027-04"
  zone                                  = "us-central1-a"
  planning_status                       = "SUBMITTED"
  auto_delete_auto_created_reservations = true
  time_window {
    start_time = "2027-03-01T00:00:00Z"
    end_time   = "2027-05-01T00:00:00Z"
  }
  specific_sku_properties {
    total_count = "3"
    instance_properties {
      machine_type = "a3-highgpu-8g"
      # guest_accelerators, provider and project as the pool's google_compute_reservation has them
    }
  }
}
`
	if w.String() != want {
		t.Errorf("hcl:\n%s\nwant:\n%s", w.String(), want)
	}
}
