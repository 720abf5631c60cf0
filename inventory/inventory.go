// Package inventory is the vocabulary every input reader emits and the
// capacity model consumes: a capacity entry (what a reservation, node
// group, NodePool or queue makes available, where and when), the entries a
// reader could not evaluate, and the merging of several readers' results.
//
// Readers (inventory/terraform today; inventory/kubernetes next) produce
// these types and nothing else reaches the evaluator or the policy input,
// so a reader's own types never leak past it (docs/ARCHITECTURE.md).
package inventory

import (
	"cmp"
	"slices"

	"github.com/capcheck/capcheck/internal/diag"
)

// Kind is what sort of capacity an entry is.
type Kind string

// Entry kinds. The JSON values are part of the capcheck/v1 contract.
const (
	// KindReservation is an on-demand capacity reservation (AWS ODCR, GCP
	// reservation, Azure capacity reservation): guaranteed while active.
	KindReservation Kind = "reservation"
	// KindCapacityBlock is a time-bounded block (AWS capacity blocks for ML).
	KindCapacityBlock Kind = "capacity-block"
	// KindElastic is a node group or autoscaling group: shown, never
	// guaranteed.
	KindElastic Kind = "elastic"
	// KindQueue is a Kubernetes admission quota (a Kueue ClusterQueue's
	// nominal quota for one flavor): a ceiling on what may be admitted
	// inside other capacity, adding none of its own.
	KindQueue Kind = "k8s-queue"
	// KindWorkload is GPU demand a Kubernetes workload places (requests ×
	// replicas at its autoscaling maximum): it consumes capacity, never
	// adds any.
	KindWorkload Kind = "k8s-workload"
)

// Class is how the capacity model counts an entry.
type Class string

// Entry classes.
const (
	// ClassGuaranteed capacity counts toward headroom and N+k.
	ClassGuaranteed Class = "guaranteed"
	// ClassElastic capacity (node groups, autoscaling groups) is shown,
	// never counted as guaranteed.
	ClassElastic Class = "elastic"
	// ClassSpot capacity can be taken back at any time.
	ClassSpot Class = "spot"
	// ClassConsumer entries run inside another entry's capacity (a node
	// group bound to a reservation) and add none of their own.
	ClassConsumer Class = "consumer"
)

// Entry is one piece of accelerator capacity a reader found. For resources
// with count or for_each there is one Entry per instance, addressed like
// Terraform does: `aws_ec2_capacity_reservation.h100[0]`,
// `module.gpu.google_compute_reservation.a3["us-central1-a"]`.
type Entry struct {
	Address      string `json:"address"`
	ResourceType string `json:"resource_type"`
	// Root is the root module (or manifest tree) the entry was read from,
	// slash-separated and relative to the repository ("." for the top);
	// two roots may hold the same address. Empty when the input does not
	// say (a terraform show -json plan).
	Root string `json:"root,omitempty"`
	// Range is the entry's block (its file relative to the repository
	// root); its end line is always known.
	diag.Range
	Kind Kind `json:"kind"`
	// InstanceType is the instance or machine type.
	InstanceType string `json:"instance_type"`
	// Count is the number of instances (for elastic kinds: scaling max).
	Count int `json:"count"`
	// GPUsPerInstance comes from the catalog (or from the resource itself,
	// e.g. guest_accelerators). Fractional for some Azure sizes.
	GPUsPerInstance float64 `json:"gpus_per_instance"`
	GPUs            float64 `json:"gpus"` // Count × GPUsPerInstance
	GPU             string  `json:"gpu"`  // catalog accelerator model, e.g. "H100-SXM"
	Zone            string  `json:"zone"`
	Region          string  `json:"region,omitempty"`
	// Start and End are RFC 3339 dates or timestamps as written; empty when
	// open-ended.
	Start      string `json:"start"`
	End        string `json:"end"`
	Guaranteed bool   `json:"guaranteed"`
	// ConsumerOf is the address of the entry this elastic group runs in
	// (capacity-block target, reservation_affinity,
	// capacity_reservation_group_id); such a group adds no capacity.
	ConsumerOf string `json:"consumer_of,omitempty"`
	// Spot is interruptible capacity (AWS capacity_type SPOT or a spot
	// launch template, GKE spot or preemptible nodes, AKS priority Spot):
	// the cloud can take it back at any time.
	Spot bool `json:"spot,omitempty"`
	// ID and Tags are an AWS capacity reservation's id (known from a plan
	// or state file) and tags: what an EC2NodeClass's
	// capacityReservationSelectorTerms select it by. Not in the JSON.
	ID   string            `json:"-"`
	Tags map[string]string `json:"-"`
	// Name and Project are a GCP reservation's name and project (when
	// written): what a GKE ComputeClass priority's reservations.specific
	// names it by. Not in the JSON.
	Name    string `json:"-"`
	Project string `json:"-"`
	// Pool is filled in by the evaluator when a plan's pool claims it.
	Pool string `json:"pool"`
	// Kubernetes holds what the Kubernetes reader found beside the GPU
	// figures (nil for Terraform entries).
	Kubernetes *Kubernetes `json:"kubernetes,omitempty"`
}

// Kubernetes describes an entry read from Kubernetes manifests: a
// Karpenter NodePool (KindElastic, its GPU limit as the ceiling), a Kueue
// ClusterQueue flavor (KindQueue), a GKE ComputeClass (KindElastic
// without a ceiling of its own: GPUs 0) or a GPU workload (KindWorkload). For
// these entries Count is the replicas at the autoscaling maximum (nodes
// for a NodePool when its instance type is known), GPUsPerInstance the
// GPUs one replica requests, and GPUs their product.
type Kubernetes struct {
	// Object is Kind/namespace/name (Kind/name when cluster-scoped or
	// without a namespace), as a plan's serves list names it.
	Object     string `json:"object"`
	APIVersion string `json:"api_version"`
	// Resource is the extended resource counted: nvidia.com/gpu,
	// google.com/tpu, aws.amazon.com/neuron or amd.com/gpu.
	Resource string `json:"resource,omitempty"`
	// Replicas is the replica count as written (or rendered), MaxReplicas
	// the autoscaling maximum when an autoscaler targets the workload.
	Replicas    int    `json:"replicas,omitempty"`
	MaxReplicas int    `json:"max_replicas,omitempty"`
	Autoscaler  string `json:"autoscaler,omitempty"` // HorizontalPodAutoscaler/ns/name or ScaledObject/ns/name
	// NodePool is the Karpenter NodePool a workload's node selector pins
	// it to (karpenter.sh/nodepool).
	NodePool string `json:"nodepool,omitempty"`
	// ComputeClass is the GKE ComputeClass a workload selects
	// (cloud.google.com/compute-class); its GPU model comes from the
	// class's priorities when they all name the same one.
	ComputeClass string `json:"compute_class,omitempty"`
	// CapacityTypes are a NodePool's karpenter.sh/capacity-type values
	// (spot, on-demand, reserved); empty when not restricted.
	CapacityTypes []string `json:"capacity_types,omitempty"`
	// NodeClass is the EC2NodeClass a NodePool references, and
	// ReservationTerms its capacityReservationSelectorTerms.
	NodeClass        string            `json:"node_class,omitempty"`
	ReservationTerms []ReservationTerm `json:"reservation_terms,omitempty"`
	// NodeClassFound is false when no EC2NodeClass of that name is in the
	// NodePool's tree (its terms are then unknown).
	NodeClassFound bool `json:"node_class_found,omitempty"`
	// Reservations are the Terraform reservations and capacity blocks a
	// NodePool's terms select, or a ComputeClass's Specific priorities
	// name (kubernetes.Bind), by address.
	Reservations []string `json:"reservations,omitempty"`
	// A GKE ComputeClass's priorities (spec.priorities, in order), its
	// spec.nodePoolAutoCreation.enabled (nil when not written) and
	// spec.whenUnsatisfiable ("" when not written).
	Priorities           []ClassPriority `json:"priorities,omitempty"`
	NodePoolAutoCreation *bool           `json:"node_pool_auto_creation,omitempty"`
	WhenUnsatisfiable    string          `json:"when_unsatisfiable,omitempty"`
	// LimitAt is where a NodePool's GPU limit is written, ReplicasAt
	// where a workload's replica count is (the kustomization replicas
	// entry when an overlay sets it); nil when not written.
	LimitAt    *diag.Pos `json:"limit_at,omitempty"`
	ReplicasAt *diag.Pos `json:"replicas_at,omitempty"`
	// Queue figures: the flavor, its nominal quota (GPUs) and borrowing
	// limit (nil when unlimited or not set).
	Flavor         string   `json:"flavor,omitempty"`
	NominalQuota   float64  `json:"nominal_quota,omitempty"`
	BorrowingLimit *float64 `json:"borrowing_limit,omitempty"`
}

// ReservationTerm is one capacityReservationSelectorTerms entry of an
// EC2NodeClass: a reservation id or a set of tags (and an owner), or a
// Terraform address or glob the EC2NodeClass names in its
// capcheck.io/capacity-reservations annotation (for ids known only after
// apply).
type ReservationTerm struct {
	Address string            `json:"address,omitempty"`
	ID      string            `json:"id,omitempty"`
	Tags    map[string]string `json:"tags,omitempty"`
	OwnerID string            `json:"owner_id,omitempty"`
}

// ClassPriority is one entry of a GKE ComputeClass's spec.priorities:
// the machine it launches, its accelerators, whether spot, and the
// reservations it may consume.
type ClassPriority struct {
	MachineFamily string `json:"machine_family,omitempty"`
	MachineType   string `json:"machine_type,omitempty"`
	// Accelerator is gpu.type or tpu.type as written, Accelerators
	// gpu.count or tpu.count (per node; from the catalog for a machine
	// type), GPU the catalog's model ("" when unknown or none).
	Accelerator   string  `json:"accelerator,omitempty"`
	Accelerators  float64 `json:"accelerators,omitempty"`
	GPU           string  `json:"gpu,omitempty"`
	DriverVersion string  `json:"driver_version,omitempty"`
	TPU           bool    `json:"tpu,omitempty"`
	Spot          bool    `json:"spot,omitempty"`
	// Affinity is reservations.affinity (Specific, AnyBestEffort or
	// None; "" when not written), Specific its reservations.specific.
	Affinity string             `json:"affinity,omitempty"`
	Specific []ClassReservation `json:"specific,omitempty"`
	// At is where the priority is written.
	At *diag.Pos `json:"at,omitempty"`
}

// ClassReservation is one reservations.specific entry of a ComputeClass
// priority, and the Terraform reservations of that name it binds to
// (kubernetes.Bind).
type ClassReservation struct {
	Name             string   `json:"name"`
	Project          string   `json:"project,omitempty"`
	ReservationBlock string   `json:"reservation_block,omitempty"`
	Reservations     []string `json:"reservations,omitempty"`
}

// Class is how the capacity model counts e: a consumer (and a Kubernetes
// queue or workload, which run inside other capacity) adds nothing, a
// spot pool is spot, an elastic group is elastic, a guaranteed reservation
// or block is guaranteed; anything else (a reservation not yet
// guaranteed) is spot.
func (e Entry) Class() Class {
	switch {
	case e.ConsumerOf != "", e.Kind == KindQueue, e.Kind == KindWorkload:
		return ClassConsumer
	case e.Spot:
		return ClassSpot
	case e.Kind == KindElastic:
		return ClassElastic
	case e.Guaranteed:
		return ClassGuaranteed
	}
	return ClassSpot
}

// Unresolved is a capacity-bearing input whose amount could not be
// evaluated statically (a data source, a remote module, an unknown value).
// It is never counted as zero: policies turn it into a finding.
type Unresolved struct {
	Address string `json:"address"`
	// Range is where the input starts; capcheck/v1's unresolved entries
	// carry no end_line, so readers give the start only.
	diag.Range
	Msg string `json:"msg"`
	// Remedied is true when Msg already says what to do (add the type to
	// a catalog, run terraform init): CAP015 then adds no generic advice.
	Remedied bool `json:"remedied,omitempty"`
}

// Skipped is a tree a reader did not evaluate by default (sample and test
// configuration under examples/, tests/, …), named once with how to
// include it, so that leaving it out is never silent.
type Skipped struct {
	// Dir is the tree, slash-separated and relative to the repository.
	Dir string `json:"dir"`
	// Roots counts the root modules (or manifest trees) it holds.
	Roots int    `json:"roots"`
	Msg   string `json:"msg"`
}

// Inventory is everything the readers found in one repository tree.
type Inventory struct {
	Reservations []Entry      `json:"reservations"`
	Unresolved   []Unresolved `json:"unresolved"`
	Skipped      []Skipped    `json:"skipped,omitempty"`
}

// Merge appends other's entries to inv, keeping each reader's order.
func (inv *Inventory) Merge(other *Inventory) {
	if other == nil {
		return
	}
	inv.Reservations = append(inv.Reservations, other.Reservations...)
	inv.Unresolved = append(inv.Unresolved, other.Unresolved...)
	inv.Skipped = append(inv.Skipped, other.Skipped...)
}

// Sorted returns a copy of inv with entries and unresolved inputs ordered
// by address (stable, so equal addresses keep their reader order), never
// nil slices: the order every output and the policy input use.
func (inv *Inventory) Sorted() *Inventory {
	out := &Inventory{Reservations: []Entry{}, Unresolved: []Unresolved{}}
	if inv == nil {
		return out
	}
	out.Merge(inv)
	slices.SortStableFunc(out.Reservations, func(a, b Entry) int { return cmp.Compare(a.Address, b.Address) })
	slices.SortStableFunc(out.Unresolved, func(a, b Unresolved) int { return cmp.Compare(a.Address, b.Address) })
	return out
}
