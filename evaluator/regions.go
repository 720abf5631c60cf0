package evaluator

import (
	"cmp"
	"fmt"
	"maps"
	"slices"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/schema"
)

// Regions: a serving workload may be served from several pools, each in
// its region, by traffic share (pools: {us: 0.6, eu: 0.4}). It is
// evaluated as one part per pool, each with its share of the requests
// (every rate × share, so its GPUs come from that pool's GPU and
// benchmarks, and its dependency load adds up to the whole). Under
// policy.redundancy.domain region it must survive losing its n_plus
// largest regions (by traffic share): each surviving pool q takes its
// proportional part of the lost traffic, share_q / S of the whole where S
// is the surviving shares' sum, and must still hold headroom_min:
//
//	required_q'(m) = required_q(m) − gpus_q(m) + GPUs_q(m, rps_q(m) / S)
//	headroom_q'(m) = 1 − required_q'(m) / guaranteed_q(m) ≥ headroom_min
//
// in every month of the horizon (guaranteed capacity: the elastic ceiling
// is not counted on in a regional outage, when every tenant rents). With
// no region left the workload cannot survive (OK false in month 0).

// RegionFailoverDoc is one workload served from several regions, after
// losing LostRegions (LostShare of its traffic): OK when every surviving
// pool keeps headroom_min in every month; Pool, Month, Headroom,
// RequiredGPUs and CapacityGPUs are the first month a surviving pool
// falls below it, else the lowest headroom found.
type RegionFailoverDoc struct {
	Workload string     `json:"workload"`
	Plan     string     `json:"plan"`
	Location diag.Range `json:"location"`
	// Shares is the traffic share of each region.
	Shares      map[string]float64 `json:"shares"`
	LostRegions []string           `json:"lost_regions"`
	LostShare   float64            `json:"lost_share"`
	HeadroomMin float64            `json:"headroom_min"`
	OK          bool               `json:"ok"`

	Pool         string  `json:"pool"`
	Region       string  `json:"region"`
	Month        string  `json:"month"`
	Headroom     float64 `json:"headroom"`
	RequiredGPUs float64 `json:"required_gpus"`
	CapacityGPUs float64 `json:"capacity_gpus"`
}

// evalParts evaluates workload name: one model for a workload on one
// pool, one per pool (in pool order) for one served from several.
func (e *evaluation) evalParts(p *schema.Plan, name string, w *schema.Workload) ([]*workloadModel, diag.Diagnostics) {
	if len(w.Pools) == 0 {
		wm, ds := e.evalWorkload(p, name, w)
		if wm == nil {
			return nil, ds
		}
		return []*workloadModel{wm}, ds
	}
	path := "workloads." + name + ".pools"
	if _, ok := e.in.Trends[p.Name+"/"+name]; ok {
		// Fail closed: one fitted series cannot be split by region here.
		return nil, diag.Diagnostics{{Range: p.PosOf(path).Range(), Severity: diag.Error, Path: path,
			Msg: fmt.Sprintf("workload %q is served from several pools; a trend fitted from its actuals cannot be split between them: give each region its own workload", name)}}
	}
	var (
		parts []*workloadModel
		diags diag.Diagnostics
	)
	for _, pool := range slices.Sorted(maps.Keys(w.Pools)) {
		share := w.Pools[pool]
		part := *w
		part.Pool, part.Pools = pool, nil
		part.RequestsPerS = scaleRate(w.RequestsPerS, share)
		wm, ds := e.evalWorkload(p, name, &part)
		diags = append(diags, ds...)
		if wm != nil {
			wm.doc.TrafficShare = share
			parts = append(parts, wm)
		}
	}
	return parts, diags
}

// scaleRate is r with every figure × share.
func scaleRate(r *schema.Rate, share float64) *schema.Rate {
	if r == nil {
		return nil
	}
	scale := func(x *float64) *float64 {
		if x == nil {
			return nil
		}
		v := *x * share
		return &v
	}
	return &schema.Rate{Avg: scale(r.Avg), P50: scale(r.P50), P95: scale(r.P95), Peak: scale(r.Peak)}
}

// regionFailover judges every workload of plan p served from several
// pools (see above); nil unless the plan's redundancy domain is region.
func (e *evaluation) regionFailover(p *schema.Plan, wms []*workloadModel, pools []PoolDoc) []RegionFailoverDoc {
	k := p.Policy.Redundancy.NPlus
	if FailureDomain(p.Policy.Redundancy.Domain) != DomainRegion || k < 1 {
		return nil
	}
	poolDoc := map[string]*PoolDoc{}
	for i := range pools {
		if pools[i].Plan == p.Name {
			poolDoc[pools[i].Name] = &pools[i]
		}
	}
	byName := map[string][]*workloadModel{}
	var names []string
	for _, wm := range wms {
		if wm.doc.TrafficShare == 0 {
			continue
		}
		if _, ok := byName[wm.name]; !ok {
			names = append(names, wm.name)
		}
		byName[wm.name] = append(byName[wm.name], wm)
	}
	plan, hmin := e.planFor(p), p.Policy.HeadroomMin
	var out []RegionFailoverDoc
	for _, name := range names {
		parts := byName[name]
		d := RegionFailoverDoc{
			Workload: name, Plan: p.Name, HeadroomMin: hmin, OK: true,
			Location: p.PosOf("workloads." + name + ".pools").Range(),
			Shares:   map[string]float64{}, LostRegions: []string{},
		}
		region := func(wm *workloadModel) string { return p.Pools[wm.w.Pool].Region }
		for _, wm := range parts {
			d.Shares[region(wm)] += wm.doc.TrafficShare
		}
		regions := slices.SortedFunc(maps.Keys(d.Shares), func(a, b string) int {
			return cmp.Or(-cmp.Compare(d.Shares[a], d.Shares[b]), cmp.Compare(a, b))
		})
		lost := map[string]bool{}
		for _, r := range regions[:min(k, len(regions))] {
			lost[r] = true
			d.LostRegions = append(d.LostRegions, r)
			d.LostShare += d.Shares[r]
		}
		surviving := 1 - d.LostShare
		if len(regions) <= k || surviving <= tol {
			d.OK, d.Month, d.Headroom = false, e.cal.label(0), -1
			out = append(out, d)
			continue
		}
		// Months outer, pools inner: the first short month is the earliest.
		first := true
		for m := range p.HorizonMonths {
			for _, wm := range parts {
				pd := poolDoc[wm.w.Pool]
				if lost[region(wm)] || pd == nil || m >= len(pd.Timeline) || !e.served(wm.w, m) {
					continue
				}
				t := pd.Timeline[m]
				req := t.RequiredGPUs - wm.gpus[plan][m] + wm.perRPS(m, wm.rps[plan][m]/surviving)
				h := headroom(req, t.CapacityGPUs)
				short := h < hmin-tol
				if d.OK && (first || short || h < d.Headroom) {
					d.Pool, d.Region, d.Month = wm.w.Pool, region(wm), t.Month
					d.Headroom, d.RequiredGPUs, d.CapacityGPUs = h, req, t.CapacityGPUs
				}
				d.OK = d.OK && !short
				first = false
			}
		}
		out = append(out, d)
	}
	return out
}
