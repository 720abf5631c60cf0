package terraform

import "github.com/capcheck/capcheck/internal/diag"

// Reservation kinds.
const (
	// KindReservation is an on-demand capacity reservation (AWS ODCR, GCP
	// reservation, Azure capacity reservation): guaranteed while active.
	KindReservation = "reservation"
	// KindCapacityBlock is a time-bounded block (AWS capacity blocks for ML).
	KindCapacityBlock = "capacity-block"
	// KindElastic is a node group or autoscaling group: shown, never
	// guaranteed.
	KindElastic = "elastic"
)

// Reservation is one GPU reservation discovered in Terraform. For resources
// with count or for_each there is one Reservation per instance, addressed
// like Terraform does: `aws_ec2_capacity_reservation.h100[0]`,
// `module.gpu.google_compute_reservation.a3["us-central1-a"]`.
type Reservation struct {
	Address      string `json:"address"`
	ResourceType string `json:"resource_type"`
	File         string `json:"file"` // relative to the repository root
	Line         int    `json:"line"`
	Column       int    `json:"column"`
	EndLine      int    `json:"end_line"`
	Kind         string `json:"kind"` // KindReservation | KindCapacityBlock | KindElastic
	InstanceType string `json:"instance_type"`
	// Count is the number of instances (for elastic kinds: scaling max).
	Count int `json:"count"`
	// GPUsPerInstance comes from the catalog (or from the resource itself,
	// e.g. guest_accelerators). Fractional for some Azure sizes.
	GPUsPerInstance float64 `json:"gpus_per_instance"`
	GPUs            float64 `json:"gpus"` // Count × GPUsPerInstance
	GPU             string  `json:"gpu"`  // catalog GPU model, e.g. "H100-SXM"
	Zone            string  `json:"zone"`
	Region          string  `json:"region,omitempty"`
	// Start and End are RFC 3339 dates or timestamps as written; empty when
	// open-ended.
	Start      string `json:"start"`
	End        string `json:"end"`
	Guaranteed bool   `json:"guaranteed"`
	// ConsumerOf is the address of the reservation this elastic group runs
	// in (capacity-block target, reservation_affinity,
	// capacity_reservation_group_id); such a group adds no capacity.
	ConsumerOf string `json:"consumer_of,omitempty"`
	// Pool is filled in by the evaluator when a plan's pool claims it.
	Pool string `json:"pool"`
}

// Pos returns where the reservation's block starts.
func (r Reservation) Pos() diag.Pos {
	return diag.Pos{File: r.File, Line: r.Line, Column: r.Column}
}

// Unresolved is a GPU-bearing resource whose capacity could not be
// evaluated statically (a data source, a remote module, an unknown value).
// It is never counted as zero: policies turn it into a finding.
type Unresolved struct {
	Address string `json:"address"`
	File    string `json:"file"`
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Msg     string `json:"msg"`
}

// Inventory is everything discovered in one repository tree.
type Inventory struct {
	Reservations []Reservation `json:"reservations"`
	Unresolved   []Unresolved  `json:"unresolved"`
}
