package kubernetes

import (
	"math"
	"strconv"
	"strings"

	"github.com/capcheck/capcheck/inventory"
	"go.yaml.in/yaml/v3"
)

// GKE ComputeClass (apiVersion cloud.google.com/v1, kind ComputeClass),
// read from the fields the CRD reference documents
// (https://cloud.google.com/kubernetes-engine/docs/reference/crds/computeclass):
// spec.priorities[] with machineFamily, machineType, gpu {type, count,
// driverVersion}, tpu {type, count, topology}, spot, and reservations
// {affinity: Specific | AnyBestEffort | None, specific: [{name, project,
// reservationBlock: {name}}]}; spec.nodePoolAutoCreation.enabled; and
// spec.whenUnsatisfiable (ScaleUpAnyway | DoNotScaleUp).

// Reservation affinities of a ComputeClass priority.
const (
	AffinitySpecific      = "Specific"
	AffinityAnyBestEffort = "AnyBestEffort"
	AffinityNone          = "None"
)

// whenUnsatisfiable values of a ComputeClass.
const (
	ScaleUpAnyway = "ScaleUpAnyway"
	DoNotScaleUp  = "DoNotScaleUp"
)

// computeClass emits a GKE ComputeClass that launches accelerators or
// names specific reservations: a KindElastic entry with no ceiling of its
// own (GPUs 0: what the class may launch is bounded by the cluster, not
// by the class), its GPU model when every priority names the same one
// (classGPU), the accelerators per node when every priority launching
// some has the same count, and its priorities. A value the API does not
// allow (an affinity, whenUnsatisfiable, a count) is unresolved, never
// read as a default.
func (x *extractor) computeClass(o *object) {
	spec := get(o.n, "spec")
	k := &inventory.Kubernetes{WhenUnsatisfiable: scalar(get(spec, "whenUnsatisfiable")), ReservationTerms: annotationTerms(o)}
	switch k.WhenUnsatisfiable {
	case "", ScaleUpAnyway, DoNotScaleUp:
	default:
		x.unresolvedf(o, get(spec, "whenUnsatisfiable"), "ComputeClass %s whenUnsatisfiable %q is neither %s nor %s", o.name, k.WhenUnsatisfiable, ScaleUpAnyway, DoNotScaleUp)
		return
	}
	if n := get(spec, "nodePoolAutoCreation", "enabled"); scalar(n) != "" {
		b, err := strconv.ParseBool(scalar(n))
		if err != nil {
			x.unresolvedf(o, n, "ComputeClass %s nodePoolAutoCreation.enabled %q is not true or false", o.name, scalar(n))
			return
		}
		k.NodePoolAutoCreation = &b
	}
	relevant := false
	counts := map[float64]bool{}
	allSpot, anyAccel := true, false
	for _, pr := range items(get(spec, "priorities")) {
		p, ok := x.classPriority(o, pr)
		if !ok {
			return
		}
		if p.Accelerator != "" || p.Accelerators > 0 {
			anyAccel = true
			counts[p.Accelerators] = true
			allSpot = allSpot && p.Spot
			switch {
			case p.TPU && k.Resource == "":
				k.Resource = "google.com/tpu"
			case !p.TPU:
				k.Resource = "nvidia.com/gpu"
			}
		}
		relevant = relevant || p.Accelerator != "" || p.Accelerators > 0 || len(p.Specific) > 0
		k.Priorities = append(k.Priorities, p)
	}
	if !relevant {
		return
	}
	e := x.emit(o, inventory.KindElastic, o.id(), k)
	e.GPU = x.classGPU(o)
	if len(counts) == 1 {
		for c := range counts {
			e.GPUsPerInstance = c
		}
	}
	e.Spot = anyAccel && allSpot
	x.computeClasses[o.name] = len(x.entries) - 1
	x.allClasses[o.name] = append(x.allClasses[o.name], len(x.entries)-1)
}

// classPriority reads one spec.priorities entry; ok is false after an
// unresolved entry.
func (x *extractor) classPriority(o *object, pr *yaml.Node) (inventory.ClassPriority, bool) {
	p := inventory.ClassPriority{
		MachineFamily: scalar(get(pr, "machineFamily")),
		MachineType:   scalar(get(pr, "machineType")),
		DriverVersion: scalar(get(pr, "gpu", "driverVersion")),
		Affinity:      scalar(get(pr, "reservations", "affinity")),
		Spot:          scalar(get(pr, "spot")) == "true",
	}
	at := o.posOf(pr)
	p.At = &at
	if in, ok := x.cat.Instance(p.MachineType); p.MachineType != "" && ok && in.GPUs > 0 {
		p.GPU, p.Accelerators = in.GPU, in.GPUs
	} else if p.MachineType != "" && !ok && looksAccelerated(p.MachineType) {
		// A GPU or TPU machine type the catalog does not know: its model
		// and count are unknown, never none.
		x.notInCatalog(o, get(pr, "machineType"), "machineType", p.MachineType, "instances")
		return p, false
	}
	for _, kind := range []string{"gpu", "tpu"} {
		a := scalar(get(pr, kind, "type"))
		if a == "" {
			continue
		}
		p.Accelerator, p.TPU = a, kind == "tpu"
		g, ok := x.cat.Accelerator(a)
		if !ok {
			x.notInCatalog(o, get(pr, kind, "type"), kind+".type", a, "accelerators")
			return p, false
		}
		if p.GPU == "" {
			p.GPU = g
		}
		c := get(pr, kind, "count")
		if c == nil {
			if p.Accelerators == 0 {
				x.unresolvedf(o, get(pr, kind), "ComputeClass %s %s.type %s sets no %s.count and machineType gives none: the GPUs per node are unknown", o.name, kind, a, kind)
				return p, false
			}
			break
		}
		n, err := quantity(c)
		if err != nil {
			x.unresolvedf(o, c, "ComputeClass %s %s.count: %v", o.name, kind, err)
			return p, false
		}
		// The API's count is an integer: NaN and Inf (which ParseFloat
		// reads) and 1.5 are no number of devices.
		if math.IsNaN(n) || math.IsInf(n, 0) || n != math.Trunc(n) {
			x.unresolvedf(o, c, "ComputeClass %s %s.count: %q is not a whole number of devices", o.name, kind, scalar(c))
			return p, false
		}
		p.Accelerators = n
		break
	}
	switch p.Affinity {
	case "", AffinitySpecific, AffinityAnyBestEffort, AffinityNone:
	default:
		x.unresolvedf(o, get(pr, "reservations", "affinity"), "ComputeClass %s reservations.affinity %q is not %s, %s or %s", o.name, p.Affinity, AffinitySpecific, AffinityAnyBestEffort, AffinityNone)
		return p, false
	}
	for _, s := range items(get(pr, "reservations", "specific")) {
		r := inventory.ClassReservation{Name: scalar(get(s, "name")), Project: scalar(get(s, "project")),
			ReservationBlock: scalar(get(s, "reservationBlock", "name"))}
		if r.Name == "" {
			x.unresolvedf(o, s, "ComputeClass %s reservations.specific entry names no reservation", o.name)
			return p, false
		}
		p.Specific = append(p.Specific, r)
	}
	if p.Affinity == AffinitySpecific && len(p.Specific) == 0 {
		x.unresolvedf(o, get(pr, "reservations"), "ComputeClass %s reservations.affinity Specific lists no reservations.specific", o.name)
		return p, false
	}
	return p, true
}

// bindClass makes entry i (a workload or queue flavor) run on the
// ComputeClass entry j it selects, unless a NodePool already holds it,
// and gives it the class's GPU model when it has none (a class of
// another tree).
func (x *extractor) bindClass(i, j int) {
	e := &x.entries[i]
	if e.ConsumerOf != "" {
		return
	}
	e.ConsumerOf = x.entries[j].Address
	if e.GPU == "" {
		e.GPU = x.entries[j].GPU
	}
}

// looksAccelerated reports whether a GCP machine type launches GPUs or
// TPUs by its name (a2-highgpu-8g, a3-megagpu-8g, ct5lp-hightpu-4t): one
// missing from the catalog is unresolved, not a CPU machine.
func looksAccelerated(machineType string) bool {
	t := strings.ToLower(machineType)
	return strings.Contains(t, "gpu") || strings.Contains(t, "tpu")
}

// notInCatalog records a ComputeClass's machine or accelerator type (the
// field what, at n) missing from the catalog, with the catalog section to
// add it under: unresolved, so CAP015 blocks the class (Remedied: the
// message says what to do).
func (x *extractor) notInCatalog(o *object, n *yaml.Node, what, typ, section string) {
	x.unresolvedf(o, n, "ComputeClass %s %s %q is not in the catalog; add it under %q in a catalog file (catalog: in capcheck.yaml, or --catalog)", o.name, what, typ, section)
	x.unresolved[len(x.unresolved)-1].Remedied = true
}
