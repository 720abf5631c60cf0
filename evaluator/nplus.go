package evaluator

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/capcheck/capcheck/schema"
)

// FailureDomain is what N+k loses: a zone, or a single reservation
// instance (policy.redundancy.domain).
type FailureDomain string

// Failure domains.
const (
	DomainZone    FailureDomain = "zone"
	DomainReplica FailureDomain = "replica"
	// DomainRegion: a workload served from several regions (pools:)
	// survives losing its n_plus largest regions (regions.go); inside a
	// pool, one region, N+k loses zones.
	DomainRegion FailureDomain = "region"
)

// failureDomain is a plan's redundancy domain (schema default zone).
func failureDomain(p *schema.Plan) FailureDomain {
	if d := FailureDomain(p.Policy.Redundancy.Domain); d != "" && d != DomainRegion {
		return d
	}
	return DomainZone
}

// reservationDomains lists the failure domains of month m, largest first
// (then by name): by zone or, for DomainReplica, one domain per
// reservation instance named "address#i" holding GPUs/count GPUs.
//
// Zones fail closed: a reservation without a zone (an AWS capacity block
// sits in one zone that is only known once it is bought) may share any
// zone, so the worst case is assumed: every zone-less GPU is added to the
// largest known zone, named "<zone>+unknown" (ties: the zone name first in
// order), or forms one domain "unknown" when no zone is known. Losing the k
// largest domains then loses Σ k largest known zones + every zone-less GPU,
// the most any placement could lose; counting "unknown" as a zone of its
// own would let N+k pass on capacity that may sit in the lost zone.
func (e *evaluation) reservationDomains(rss []resState, m int, fd FailureDomain) []domain {
	byName := map[string]float64{}
	var unknown float64
	for _, rs := range rss {
		if !rs.guaranteed || !e.activeWhole(rs, m) {
			continue
		}
		r := rs.r
		if fd == DomainReplica {
			n := r.Count
			if n <= 1 {
				byName[r.Address] += r.GPUs
				continue
			}
			for i := range n {
				byName[fmt.Sprintf("%s#%d", r.Address, i)] += r.GPUs / float64(n)
			}
			continue
		}
		if r.Zone == "" {
			unknown += r.GPUs
			continue
		}
		byName[r.Zone] += r.GPUs
	}
	return zoneDomains(byName, unknown)
}

// zoneDomains is the failure domains of GPUs by domain name plus unknown
// zone-less GPUs, largest first (then by name), with the zone-less GPUs
// in the largest domain (see reservationDomains).
func zoneDomains(byName map[string]float64, unknown float64) []domain {
	out := make([]domain, 0, len(byName)+1)
	for n, g := range byName {
		out = append(out, domain{name: n, size: g})
	}
	slices.SortFunc(out, func(a, b domain) int {
		return cmp.Or(-cmp.Compare(a.size, b.size), cmp.Compare(a.name, b.name))
	})
	if unknown > 0 {
		if len(out) == 0 {
			out = append(out, domain{name: "unknown", size: unknown})
		} else {
			out[0] = domain{name: out[0].name + "+unknown", size: out[0].size + unknown}
		}
	}
	return out
}

// poolDomains is the failure domains of months 0 … last (see
// reservationDomains), for series.domains.
func (e *evaluation) poolDomains(rss []resState, last int, fd FailureDomain) [][]domain {
	out := make([][]domain, last+1)
	for m := range out {
		out[m] = e.reservationDomains(rss, m, fd)
	}
	return out
}

// criticalGPUs is the demand owed redundancy on a pool under the plan_for
// scenario: the GPUs of the non-interruptible workloads whose availability
// SLO needs it (CAP002). Training, batch and lower-SLO serving can be
// paused in a zone outage. needed is false when no workload needs it; the
// check then runs on the whole requirement, for information, and critical
// is the series' required.
func (e *evaluation) criticalGPUs(p *schema.Plan, scenario string, s series, wms []*workloadModel) (critical []float64, needed bool) {
	critical = make([]float64, s.horizon())
	for _, wm := range wms {
		if wm.doc.NeedsRedundancy && !wm.doc.Interruptible {
			needed = true
			for m, g := range wm.gpus[scenario] {
				critical[m] += g
			}
		}
	}
	if !needed {
		return s.required, false
	}
	return critical, true
}

// nPlusDoc runs N+k over the commit window of s and reports it.
func (e *evaluation) nPlusDoc(p *schema.Plan, s series, wms []*workloadModel, fd FailureDomain, window int) NPlusDoc {
	critical, needed := e.criticalGPUs(p, e.planFor(p), s, wms)
	return e.nPlusDocOf(p, s, critical, needed, fd, window)
}

// nPlusDocOf runs N+k over the commit window of s for the demand critical
// (needed: some workload's SLO asks for it) and reports it.
func (e *evaluation) nPlusDocOf(p *schema.Plan, s series, critical []float64, needed bool, fd FailureDomain, window int) NPlusDoc {
	k := p.Policy.Redundancy.NPlus
	r := s.nPlus(k, critical, window)
	d := NPlusDoc{
		K:                 k,
		Domain:            fd,
		Required:          needed,
		OK:                r.ok,
		Domains:           domainDocs(r.domains),
		CapacityAfterLoss: r.after,
		RequiredGPUs:      r.required,
		LostGPUs:          r.lost,
	}
	if r.month >= 0 {
		d.Month = e.cal.label(r.month)
	}
	return d
}

// domainDocs reports domains as GPUs; never nil, so it encodes as [].
func domainDocs(doms []domain) []DomainDoc {
	out := make([]DomainDoc, len(doms))
	for i, d := range doms {
		out[i] = DomainDoc{Name: d.name, GPUs: d.size}
	}
	return out
}
