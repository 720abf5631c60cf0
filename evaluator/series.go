package evaluator

import (
	"math"
	"time"
)

// series is one resource's guaranteed capacity against the demand it must
// serve, month by month (month 0 is Now's month), in whatever unit the
// resource is counted in: GPUs for a pool, tokens per minute for a
// provider API, queries per second for a vector database, GB for storage.
// The arithmetic of docs/ARCHITECTURE.md, "Capacity model" that judges capacity against demand
// — headroom, the commit window, minimum headroom, the capacity cliff, the
// order-by month, the shortfall, N+k across failure domains, backed
// capacity and the contingency overrun — is written once, here, over this
// type. Producers fill it in: GPU workloads (demand.go, llm.go) supply
// required, claimed reservations (capacity.go) capacity and their zones or
// instances (nplus.go) the domains.
//
// capacity and required have the same length, the horizon (at least 1).
// Every method is pure: it reads the series and returns figures in its
// unit.
type series struct {
	capacity []float64 // guaranteed capacity per month
	required []float64 // demand that must be served per month
	// headroomMin is the policy's minimum headroom, in [0, 1).
	headroomMin float64
	// lead is the lead time to add capacity, in whole months (see
	// leadMonths).
	lead int
	// domains[m] are month m's failure domains, largest first (see
	// largestLoss). Months past its end, and a nil series of domains, have
	// none: nothing can be lost there. Only N+k and backing read it.
	domains [][]domain
}

// domain is one failure domain: a named share of a month's guaranteed
// capacity (a zone, a region or one reservation instance).
type domain struct {
	name string
	size float64
}

// headroom is h = 1 − required/capacity, with h = 1 when both are zero and
// h = −1 when capacity is zero and required positive.
func headroom(required, capacity float64) float64 {
	switch {
	case capacity > 0:
		return 1 - required/capacity
	case required > 0:
		return -1
	}
	return 1
}

// horizon is the number of months of s.
func (s series) horizon() int { return len(s.capacity) }

// headroom is month m's headroom (see the function headroom).
func (s series) headroom(m int) float64 { return headroom(s.required[m], s.capacity[m]) }

// short reports whether month m's headroom is below headroomMin by more
// than tol: the test the cliff, CAP001 and expiring reservations share.
func (s series) short(m int) bool { return s.headroom(m) < s.headroomMin-tol }

// window is the last month of the commit window, now → now + lead time +
// 3 months: min(lead + 3, horizon − 1). Capacity ordered today arrives
// within it, so what it lacks must be fixed now.
func (s series) window() int { return min(s.lead+3, s.horizon()-1) }

// minHeadroom is the lowest headroom over months 0 … last and the first
// month it occurs in. With last < 0 it is +Inf at month 0.
func (s series) minHeadroom(last int) (h float64, at int) {
	h = math.Inf(1)
	for m := 0; m <= last; m++ {
		if x := s.headroom(m); x < h {
			h, at = x, m
		}
	}
	return h, at
}

// cliff is the first month of the horizon whose headroom is below
// headroomMin (see short), or −1 when none is.
func (s series) cliff() int {
	for m := range s.horizon() {
		if s.short(m) {
			return m
		}
	}
	return -1
}

// orderBy is the month by which more capacity must be ordered to arrive
// before a cliff in month cliff: cliff − lead. It may be 0 or negative:
// the date has passed.
func (s series) orderBy(cliff int) int { return cliff - s.lead }

// shortfall is the capacity to add in month m to reach headroomMin there,
// in whole units: max(0, ceil(required/(1 − headroomMin) − capacity)).
func (s series) shortfall(m int) float64 {
	return math.Max(0, ceilTol(s.required[m]/(1-s.headroomMin)-s.capacity[m]))
}

// outlook is what a series says about the months ahead (see
// series.outlook).
type outlook struct {
	window        int     // last commit-window month
	minHeadroom   float64 // lowest headroom in the commit window …
	minAt         int     // … and its first month
	minHorizon    float64 // lowest headroom over the horizon
	shortfall     float64 // capacity to add in minAt to reach headroomMin
	cliff         int     // first month short of headroomMin, −1 when none
	orderBy       int     // cliff − lead; meaningful when cliff ≥ 0
	orderByPassed bool    // orderBy ≤ 0 (Now's month or earlier), with a cliff
}

// outlook computes the commit-window minimum, the horizon minimum, the
// shortfall at the window minimum, the cliff and the order-by month.
func (s series) outlook() outlook {
	o := outlook{window: s.window(), cliff: s.cliff()}
	o.minHeadroom, o.minAt = s.minHeadroom(o.window)
	o.minHorizon, _ = s.minHeadroom(s.horizon() - 1)
	o.shortfall = s.shortfall(o.minAt)
	if o.cliff >= 0 {
		o.orderBy = s.orderBy(o.cliff)
		o.orderByPassed = o.orderBy <= 0
	}
	return o
}

// orderByDate is the day by which capacity taking leadWeeks weeks to
// arrive must be ordered to be there on the first day of the cliff month
// (calendar.orderByDate), and whether that day is today or already past
// (CAP005 compares it with today: no day of slack is left). ok is false
// without a cliff.
func (o outlook) orderByDate(c calendar, leadWeeks float64) (date time.Time, passed, ok bool) {
	if o.cliff < 0 {
		return time.Time{}, false, false
	}
	date = c.orderByDate(o.cliff, leadWeeks)
	return date, !date.After(c.now), true
}

// basis names what a constraint of a judged series measures (see
// judged): "peak" for guaranteed capacity against the peak, "baseline"
// for guaranteed capacity against the baseline of a hybrid strategy,
// "burst" for guaranteed plus elastic capacity against the peak.
type basis string

// Constraint bases.
const (
	basisPeak     basis = "peak"
	basisBaseline basis = "baseline"
	basisBurst    basis = "burst"
)

// constraint is one capacity-against-demand test a resource must pass.
type constraint struct {
	basis basis
	s     series
}

// judged folds several constraints on one resource (a hybrid pool's
// baseline on guaranteed capacity and its peak on guaranteed plus elastic
// capacity) into the one series that headroom, the commit window, the
// cliff, order-by and the shortfall are computed on: each month takes the
// capacity and demand of the constraint with the lowest headroom there
// (the first on ties), and by[m] names it. Every method of the result
// then judges the binding constraint of each month, so the arithmetic
// stays written once. The first constraint's policy, lead time and
// domains carry over; all must have the same horizon.
func judged(cs ...constraint) (s series, by []basis) {
	first := cs[0].s
	H := first.horizon()
	s = series{capacity: make([]float64, H), required: make([]float64, H),
		headroomMin: first.headroomMin, lead: first.lead, domains: first.domains}
	by = make([]basis, H)
	for m := range H {
		best := -1
		for i, c := range cs {
			if best < 0 || c.s.headroom(m) < cs[best].s.headroom(m) {
				best = i
			}
		}
		s.capacity[m], s.required[m], by[m] = cs[best].s.capacity[m], cs[best].s.required[m], cs[best].basis
	}
	return s, by
}

// overrun is the first month in which required exceeds capacity by more
// than tol (exceeds true), or, when no month does, the month closest to it:
// the largest required − capacity, the first on ties.
func (s series) overrun() (at int, exceeds bool) {
	gap := math.Inf(-1)
	for m := range s.horizon() {
		if g := s.required[m] - s.capacity[m]; g > gap {
			at, gap = m, g
		}
	}
	for m := range s.horizon() {
		if s.required[m] > s.capacity[m]+tol {
			return m, true
		}
	}
	return at, false
}

// domainsAt is month m's failure domains, nil when none are known.
func (s series) domainsAt(m int) []domain {
	if m < len(s.domains) {
		return s.domains[m]
	}
	return nil
}

// largestLoss is the capacity lost with the k largest of doms (sorted
// largest first), each counted at most limit when limit ≥ 0.
func largestLoss(doms []domain, k int, limit float64) float64 {
	var lost float64
	for i := 0; i < k && i < len(doms); i++ {
		g := doms[i].size
		if limit >= 0 {
			g = math.Min(g, limit)
		}
		lost += g
	}
	return lost
}

// nPlusResult is the N+k check of a series (see series.nPlus).
type nPlusResult struct {
	ok bool
	// month is the worst month: the smallest after − required, the first
	// on ties (−1 when there is none: last < 0); its domains, the capacity
	// lost with the k largest, the capacity left and the requirement
	// follow.
	month    int
	domains  []domain
	lost     float64
	after    float64
	required float64
}

// nPlus checks N+k over months 0 … last: after losing the k largest
// failure domains, the capacity left must still serve critical (the
// demand owed redundancy; pass s.required when all of it is):
//
//	capacity(m) − Σ k largest domains(m) ≥ critical(m) − tol
//
// ok is true when it holds in every month (and when last < 0).
func (s series) nPlus(k int, critical []float64, last int) nPlusResult {
	r := nPlusResult{ok: true, month: -1}
	worst := math.Inf(1)
	for m := 0; m <= last; m++ {
		doms := s.domainsAt(m)
		lost := largestLoss(doms, k, -1)
		after := s.capacity[m] - lost
		if after < critical[m]-tol {
			r.ok = false
		}
		if margin := after - critical[m]; margin < worst {
			worst = margin
			r.month, r.domains, r.lost, r.after, r.required = m, doms, lost, after, critical[m]
		}
	}
	return r
}

// backing is how much capacity a series' demand justifies (see
// series.backing).
type backing struct {
	// backed is the most capacity the demand justifies in the window.
	backed float64
	// peak is the most guaranteed capacity in any window month.
	peak float64
	// unbacked is peak − backed when peak exceeds backed by more than
	// the tolerance, else 0.
	unbacked float64
}

// backing computes backing over months 0 … last with all demand owed
// redundancy and the peak capacity over the same months (see
// backingTerm).
func (s series) backing(k, last int, tolerance float64) backing {
	return s.backingTerm(k, s.required, last, last, tolerance)
}

// backingTerm computes, over months 0 … term (the months the capacity is
// held: a reservation is backed over its whole term, not only over the
// commit window),
//
//	backed = max_m required/(1 − headroomMin) + Σ k′ largest domains
//
// where the domain term counts only in months with critical > 0 (the
// demand owed redundancy; pass s.required when all of it is) and each
// domain counts at most critical: surviving the loss of a domain never
// needs more than the critical demand elsewhere, so one oversized domain
// cannot justify itself. k′ = max(k, 1) (the largest domain when k is 0,
// as docs/ARCHITECTURE.md writes it). Headroom and redundancy are both
// owed, so the two terms add up: the capacity lost with a domain is not
// also the headroom. peak is the most capacity in months 0 … window (what
// could be released now); capacity above backed × (1 + tolerance) is
// unbacked.
func (s series) backingTerm(k int, critical []float64, term, window int, tolerance float64) backing {
	var b backing
	for m := 0; m <= term; m++ {
		x := s.required[m] / (1 - s.headroomMin)
		if c := critical[m]; c > 0 {
			x += largestLoss(s.domainsAt(m), max(k, 1), c)
		}
		b.backed = math.Max(b.backed, x)
	}
	for m := 0; m <= window; m++ {
		b.peak = math.Max(b.peak, s.capacity[m])
	}
	if b.peak > b.backed*(1+tolerance)+tol {
		b.unbacked = b.peak - b.backed
	}
	return b
}

// term is the last month with capacity (the months reservations are held
// over), at least window: backing looks that far.
func (s series) term(window int) int {
	last := window
	for m := range s.horizon() {
		if s.capacity[m] > 0 {
			last = max(last, m)
		}
	}
	return min(last, s.horizon()-1)
}
