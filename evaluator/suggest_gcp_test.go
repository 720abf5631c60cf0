package evaluator

import (
	"testing"
	"time"
)

// TestAddType: only a google_compute_reservation pool's addition that
// starts after today and ends inside the horizon becomes a
// google_compute_future_reservation.
func TestAddType(t *testing.T) {
	today := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
	later := time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		typ   string
		start time.Time
		end   string
		want  string
	}{
		{"google_compute_reservation", later, "2027-04-30", "google_compute_future_reservation"},
		{"google_compute_reservation", today, "2027-04-30", "google_compute_reservation"}, // from today
		{"google_compute_reservation", later, "", "google_compute_reservation"},           // open-ended
		{"aws_ec2_capacity_reservation", later, "2027-04-30", "aws_ec2_capacity_reservation"},
	} {
		if got := addType(c.typ, c.start, today, c.end); got != c.want {
			t.Errorf("addType(%s, %s, end %q) = %s, want %s", c.typ, c.start.Format("2006-01-02"), c.end, got, c.want)
		}
	}
}
