package kubernetes

import (
	"slices"

	"github.com/capcheck/capcheck/inventory"
)

// Karpenter capacity types a NodePool may allow.
const (
	CapacityReserved = "reserved"
)

// Bind matches each Karpenter NodePool's EC2NodeClass
// capacityReservationSelectorTerms to the AWS capacity reservations and
// capacity blocks the other readers found in inv (entries without
// Kubernetes details), and records the addresses it selects in
// Kubernetes.Reservations. Karpenter ORs the terms; a term selects a
// reservation by its id (known from a plan or state file), by tags (every
// tag of the term set to the same value on the reservation: Terraform
// tags, or tags_all in a plan), or, through the EC2NodeClass's
// capcheck.io/capacity-reservations annotation, by Terraform address or
// glob, which match reports (the pool reservations rule, passed in so
// that one rule matches addresses everywhere).
//
// A NodePool that may launch reserved capacity only (karpenter.sh/
// capacity-type In [reserved]) runs inside what it selects: it becomes
// the consumer of the first reservation (ConsumerOf) and adds no
// capacity of its own. One that also allows on-demand or spot stays
// elastic. A NodePool allowing reserved that selects nothing is what
// CAP032 reports.
//
// A GKE ComputeClass priority with reservations.affinity Specific binds
// each reservations.specific entry to the GCP reservations and future
// reservations of that name (the Terraform name attribute; the project
// too when both are written), or, for an entry no name binds, those the
// class's capcheck.io/capacity-reservations annotation selects by address
// or glob (bindClasses), recorded on the entry and, all together, in
// Kubernetes.Reservations. A class whose every accelerator priority
// is Specific and bound runs inside what it names, like a reserved-only
// NodePool; an entry binding nothing is what CAP037 reports.
func Bind(inv *inventory.Inventory, match func(pattern, addr string) bool) {
	if inv == nil {
		return
	}
	var reservations []int
	for i, e := range inv.Reservations {
		if e.Kubernetes == nil && (e.Kind == inventory.KindReservation || e.Kind == inventory.KindCapacityBlock) {
			reservations = append(reservations, i)
		}
	}
	bindClasses(inv, reservations, match)
	for i := range inv.Reservations {
		np := &inv.Reservations[i]
		k := np.Kubernetes
		if k == nil || np.ResourceType != "NodePool" || len(k.ReservationTerms) == 0 {
			continue
		}
		k.Reservations = nil
		for _, j := range reservations {
			r := inv.Reservations[j]
			if slices.ContainsFunc(k.ReservationTerms, func(t inventory.ReservationTerm) bool { return selects(t, r, match) }) {
				k.Reservations = append(k.Reservations, r.Address)
			}
		}
		slices.Sort(k.Reservations)
		k.Reservations = slices.Compact(k.Reservations)
		if len(k.Reservations) > 0 && reservedOnly(k.CapacityTypes) {
			np.ConsumerOf = k.Reservations[0]
		}
	}
}

// selects reports whether term t selects reservation r.
func selects(t inventory.ReservationTerm, r inventory.Entry, match func(pattern, addr string) bool) bool {
	switch {
	case t.Address != "":
		return match(t.Address, r.Address)
	case t.ID != "":
		return r.ID == t.ID
	case len(t.Tags) > 0:
		for k, v := range t.Tags {
			if got, ok := r.Tags[k]; !ok || (got != v && v != "*") {
				return false
			}
		}
		return true
	}
	return false
}

// reservedOnly reports whether a NodePool's capacity types allow reserved
// capacity and nothing else.
func reservedOnly(types []string) bool {
	return len(types) > 0 && !slices.ContainsFunc(types, func(c string) bool { return c != CapacityReserved })
}

// bindClasses binds the ComputeClasses' specific reservations: by name
// (among the GCP reservations with one), else through the class's
// capcheck.io/capacity-reservations annotation, whose terms select among
// candidates as a NodePool's do (selects): a reservation it selects backs
// each reservations.specific entry no name binds when its own name is
// unknown statically (or the entry's), so that the annotation covers
// names known only after apply without hiding a misspelt one.
func bindClasses(inv *inventory.Inventory, candidates []int, match func(pattern, addr string) bool) {
	for i := range inv.Reservations {
		cc := &inv.Reservations[i]
		k := cc.Kubernetes
		if k == nil || cc.ResourceType != "ComputeClass" {
			continue
		}
		var annotated []inventory.Entry
		for _, j := range candidates {
			r := inv.Reservations[j]
			if slices.ContainsFunc(k.ReservationTerms, func(t inventory.ReservationTerm) bool { return selects(t, r, match) }) {
				annotated = append(annotated, r)
			}
		}
		k.Reservations = nil
		reservedOnly, accel := true, false
		for pi := range k.Priorities {
			p := &k.Priorities[pi]
			bound := false
			for si := range p.Specific {
				sp := &p.Specific[si]
				sp.Reservations = nil
				for _, j := range candidates {
					r := inv.Reservations[j]
					if r.Kind == inventory.KindReservation && r.Name != "" && r.Name == sp.Name && (sp.Project == "" || r.Project == "" || r.Project == sp.Project) {
						sp.Reservations = append(sp.Reservations, r.Address)
					}
				}
				if len(sp.Reservations) == 0 {
					for _, r := range annotated {
						if r.Name == "" || r.Name == sp.Name {
							sp.Reservations = append(sp.Reservations, r.Address)
						}
					}
				}
				slices.Sort(sp.Reservations)
				if p.Affinity == AffinitySpecific {
					k.Reservations = append(k.Reservations, sp.Reservations...)
					bound = bound || len(sp.Reservations) > 0
				}
			}
			if p.Accelerator != "" || p.Accelerators > 0 {
				accel = true
				reservedOnly = reservedOnly && p.Affinity == AffinitySpecific && bound
			}
		}
		slices.Sort(k.Reservations)
		k.Reservations = slices.Compact(k.Reservations)
		if accel && reservedOnly && len(k.Reservations) > 0 {
			cc.ConsumerOf = k.Reservations[0]
		}
	}
}
