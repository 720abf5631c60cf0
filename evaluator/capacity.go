package evaluator

import (
	"fmt"
	"time"

	"github.com/capcheck/capcheck/inventory"

	"github.com/capcheck/capcheck/internal/diag"
)

// resState is a claimed reservation with its parsed dates.
type resState struct {
	r *inventory.Entry
	// start and end are the first and last whole days the reservation
	// covers (see parseResStart), zero when open-ended.
	start, end time.Time
	// endDate is the end as written, truncated to its UTC date (the "end"
	// CAP012 quotes), zero when open-ended.
	endDate    time.Time
	guaranteed bool
	elastic    bool
	// spot is capacity the Terraform declares interruptible (a spot or
	// preemptible node group): it counts only for interruptible work,
	// never for serving, so it is not elastic either.
	spot bool
}

// guaranteedKind reports whether a reservation adds guaranteed capacity:
// guaranteed, not elastic, not spot (inventory.Entry.Class: what the cloud
// can take back guarantees nothing) and not a consumer of another
// reservation.
func guaranteedKind(r *inventory.Entry) bool {
	return r.Guaranteed && !r.Spot && r.Kind != inventory.KindElastic && r.ConsumerOf == ""
}

// claimedReservations returns the reservations res[idx] with their start
// and end dates parsed, in idx order, or an error at each reservation
// whose date does not parse.
func claimedReservations(res []inventory.Entry, idx []int) ([]resState, diag.Diagnostics) {
	var (
		rss   []resState
		diags diag.Diagnostics
	)
	for _, j := range idx {
		r := &res[j]
		rs := resState{r: r, guaranteed: guaranteedKind(r), elastic: r.Kind == inventory.KindElastic && r.ConsumerOf == "" && !r.Spot,
			spot: r.Spot && r.ConsumerOf == ""}
		for _, f := range []struct {
			s     string
			dst   *time.Time
			n     string
			parse func(string) (time.Time, error)
		}{{r.Start, &rs.start, "start", parseResStart}, {r.End, &rs.end, "end", parseResEnd}, {r.End, &rs.endDate, "", parseResDate}} {
			if f.s == "" {
				continue
			}
			t, err := f.parse(f.s)
			if err != nil && f.n == "" {
				continue // reported once, as "end"
			}
			if err != nil {
				diags = append(diags, diag.Diagnostic{Range: r.Range, Severity: diag.Error, Path: r.Address,
					Msg: fmt.Sprintf("reservation %s %s: %v", r.Address, f.n, err)})
				continue
			}
			*f.dst = t
		}
		rss = append(rss, rs)
	}
	return rss, diags
}

// activeWhole reports whether a reservation covers every day month m
// counts (calendar.from: from Now's day in month 0, from the 1st later) up
// to the month's last day, under the whole-day semantics of
// parseResStart: first covered day on or before the month's first counted
// day and last covered day on or after its last day (either may be open).
// A reservation ending mid-month does not count for that month: fail
// closed.
func (e *evaluation) activeWhole(rs resState, m int) bool {
	from := e.cal.from(m)
	if !rs.start.IsZero() && rs.start.After(from) {
		return false
	}
	if !rs.end.IsZero() && rs.end.Before(e.cal.last(m)) {
		return false
	}
	return true
}

// capacityOf is the capacity series of a pool's reservations over H
// months: guaranteed GPUs (what headroom counts), elastic GPUs (shown,
// never counted; the elastic ceiling) and spot GPUs (only interruptible
// work runs on them: the cost model prices it at the spot price) active
// for the whole of each month.
func (e *evaluation) capacityOf(rss []resState, H int) (guaranteed, elastic, spot []float64) {
	guaranteed = make([]float64, H)
	elastic = make([]float64, H)
	spot = make([]float64, H)
	for m := range H {
		for _, rs := range rss {
			if !e.activeWhole(rs, m) {
				continue
			}
			switch {
			case rs.guaranteed:
				guaranteed[m] += rs.r.GPUs
			case rs.elastic:
				elastic[m] += rs.r.GPUs
			case rs.spot:
				spot[m] += rs.r.GPUs
			}
		}
	}
	return guaranteed, elastic, spot
}

// expiring lists the claimed guaranteed reservations whose last covered
// day (see parseResEnd) falls inside the horizon (on or after Now) while demand remains in the first
// month they no longer cover and what is left there is short of
// headroom_min (a capacity block ending while the long-term reservations
// still cover the pool is no finding). s is the pool's plan_for series.
func (e *evaluation) expiring(rss []resState, s series) []ExpiringDoc {
	out := []ExpiringDoc{}
	H := s.horizon()
	for _, rs := range rss {
		if !rs.guaranteed || rs.end.IsZero() || rs.end.Before(e.cal.now) {
			continue
		}
		em := e.cal.index(rs.end)
		if em > H-1 {
			continue
		}
		gone := em
		if !rs.end.Before(e.cal.last(em)) {
			gone = em + 1
		}
		at := min(gone, H-1)
		if need := s.required[at]; need > 0 && s.short(at) {
			out = append(out, ExpiringDoc{
				Address:      rs.r.Address,
				End:          formatDate(rs.endDate),
				LastDay:      formatDate(rs.end),
				Month:        e.cal.label(gone),
				GPUs:         rs.r.GPUs,
				RequiredGPUs: need,
				Location:     rs.r.Pos.Range(),
			})
		}
	}
	return out
}
