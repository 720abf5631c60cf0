package evaluator

import "time"

// addType is the resource type of a reservation the solver adds to a pool
// whose unit is a resourceType: a google_compute_reservation holds (and
// bills) capacity from the day it is applied, so an addition that starts
// later than today and ends inside the horizon is a
// google_compute_future_reservation (capacity for its time window only;
// inventory/terraform/tfedit writes it). An open-ended one stays a
// google_compute_reservation: a future reservation's window must end.
func addType(resourceType string, start, now time.Time, end string) string {
	if resourceType == "google_compute_reservation" && end != "" && start.After(now) {
		return "google_compute_future_reservation"
	}
	return resourceType
}
