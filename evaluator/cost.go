package evaluator

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/inventory"
	"github.com/capcheck/capcheck/schema"
)

// tariff is what one unit of capacity costs per hour, whatever the unit:
// reserved (paid for every hour of the month), and on demand, rented for
// the daily peak window of onDemandHours hours when demand overflows the
// reserved capacity, and around the clock for interruptible demand; spot,
// for interruptible demand on the spot capacity a pool claims (0 when the
// pool gives no spot price: see spotPrice); capacityBlock, for the AWS
// capacity blocks a pool claims (0 when the pool gives no capacity block
// price: see blockPrice).
type tariff struct {
	reserved, onDemand float64
	onDemandHours      float64 // hours a day overflow is rented, (0, 24]
	spot               float64
	capacityBlock      float64
}

// poolTariff is a pool's prices per GPU-hour.
func poolTariff(pool *schema.Pool) tariff {
	h := pool.OnDemandHoursPerDay
	if h == 0 {
		h = defaultOnDemandHoursPerDay
	}
	return tariff{reserved: pool.Price.Reserved, onDemand: pool.Price.OnDemand, onDemandHours: h, spot: pool.Price.Spot,
		capacityBlock: pool.Price.CapacityBlock}
}

// blockPrice is what a GPU-hour of a claimed AWS capacity block costs:
// price_per_gpu_hour.capacity_block, or, when the pool gives none, the
// reserved price (the pool then carries a CAP-BLOCK-PRICE note, see
// blockPriceNote; never a silent zero).
func (t tariff) blockPrice() float64 {
	if t.capacityBlock > 0 {
		return t.capacityBlock
	}
	return t.reserved
}

// blockUse is what a pool's capacity blocks put into each month of the
// horizon: whole, the GPUs of the blocks that cover the whole month
// (counted in its capacity, so charged at reserved with the rest of it);
// partial, the GPU-hours of the blocks that overlap the month without
// covering it (no capacity, but paid for); paid, the GPUs of every block
// overlapping the month. Nil slices when no block ever overlaps one.
type blockUse struct {
	whole, partial, paid []float64
}

// blockPremium is what the capacity blocks cost in month m (of days days)
// beyond the reserved price the month's guaranteed capacity is charged at
// (month and the others charge every guaranteed GPU at reserved):
//
//	whole(m) × (blockPrice − reserved) × hours + partial(m) × blockPrice
//
// 0 in a month no block overlaps.
func (t tariff) blockPremium(b blockUse, m int, days float64) float64 {
	return valueAt(b.whole, m)*(t.blockPrice()-t.reserved)*days*24 + valueAt(b.partial, m)*t.blockPrice()
}

// Capacity blocks (inventory.KindCapacityBlock: an
// aws_ec2_capacity_block_reservation, read for its duration) are
// guaranteed capacity bought for a fixed window at their own price. A
// month counts a block's GPUs as it counts any reservation's (only when
// the block covers the whole month, see activeWhole), and charges them at
// blockPrice instead of the reserved price; a block that overlaps a month
// without covering it adds no capacity to it, but its hours in the month
// are paid all the same (most blocks are shorter than a month):
//
//	reserved(m) = (capacity(m) − block(m)) × reserved × hours(m)
//	            + block(m) × capacity_block × hours(m)
//	            + Σ partial blocks GPUs × hours in m × capacity_block

// blockGPUs is, per month of the horizon H, what the guaranteed capacity
// blocks among rss put into it (see blockUse).
func (e *evaluation) blockGPUs(rss []resState, H int) blockUse {
	var b blockUse
	for m := range H {
		for _, rs := range rss {
			if !rs.guaranteed || rs.r.Kind != inventory.KindCapacityBlock {
				continue
			}
			whole := e.activeWhole(rs, m)
			var hours float64
			if !whole {
				hours = e.blockHours(rs.r, m)
				if hours <= 0 {
					continue
				}
			}
			if b.paid == nil {
				b.whole, b.partial, b.paid = make([]float64, H), make([]float64, H), make([]float64, H)
			}
			b.paid[m] += rs.r.GPUs
			if whole {
				b.whole[m] += rs.r.GPUs
			} else {
				b.partial[m] += rs.r.GPUs * hours
			}
		}
	}
	return b
}

// blockHours is the hours of month m ([start(m), start(m+1))) that block
// r, from its start for its duration, runs in; 0 when it has no start or
// end to measure by (an open end counts the rest of the month).
func (e *evaluation) blockHours(r *inventory.Entry, m int) float64 {
	lo, hi := e.cal.start(m), e.cal.start(m+1)
	if r.Start == "" {
		return 0
	}
	start, _, err := inventory.Instant(r.Start)
	if err != nil {
		return 0
	}
	if start.After(lo) {
		lo = start
	}
	if r.End != "" {
		end, _, err := inventory.Instant(r.End)
		if err != nil {
			return 0
		}
		if end.Before(hi) {
			hi = end
		}
	}
	return math.Max(0, hi.Sub(lo).Hours())
}

// blockPriceNote is the CAP-BLOCK-PRICE note of a pool that claims
// capacity blocks paid for in some month while it gives no
// price_per_gpu_hour.capacity_block: they are costed at the reserved
// price. addrs are the blocks' addresses.
func blockPriceNote(pool *schema.Pool, block blockUse, addrs []string, loc diag.Range) (NoteDoc, bool) {
	if block.paid == nil || pool.Price.CapacityBlock > 0 {
		return NoteDoc{}, false
	}
	most := slices.Max(block.paid)
	if most <= 0 {
		return NoteDoc{}, false
	}
	return NoteDoc{Code: "CAP-BLOCK-PRICE", Location: loc,
		Msg: fmt.Sprintf("up to %s GPUs of capacity blocks (%s), but price_per_gpu_hour gives no capacity_block price: they are costed at the reserved price (%g per GPU-hour); give price_per_gpu_hour.capacity_block",
			trimNum(most), strings.Join(addrs, ", "), pool.Price.Reserved)}, true
}

// blockDurationNote is the CAP-BLOCK-DURATION note, at the block, of a
// guaranteed capacity block whose duration (its end less its start: a
// block bought from an offering lasts capacity_duration_hours) is one
// AWS does not sell: 1 to 14 days, then 7-day steps up to 182 days
// (blockDays), so no offering matches it. The block is still counted as
// written; the note names the sellable durations either side.
func blockDurationNote(rs resState) (NoteDoc, bool) {
	r := rs.r
	if !rs.guaranteed || r.Kind != inventory.KindCapacityBlock || r.Start == "" || r.End == "" {
		return NoteDoc{}, false
	}
	from, _, err1 := inventory.Instant(r.Start)
	to, _, err2 := inventory.Instant(r.End)
	if err1 != nil || err2 != nil || !to.After(from) {
		return NoteDoc{}, false
	}
	hours := to.Sub(from).Hours()
	days := int(hours / 24)
	if hours == float64(days*24) && blockDays(days) == days {
		return NoteDoc{}, false
	}
	var near []string
	if below := (days / 7) * 7; days > 14 && below >= 14 {
		near = append(near, fmt.Sprintf("%d h (%d days)", below*24, below))
	} else if days >= 1 && days <= 14 {
		near = append(near, fmt.Sprintf("%d h (%d days)", days*24, days))
	}
	if up := blockDays(days + 1); up > 0 {
		near = append(near, fmt.Sprintf("%d h (%d days)", up*24, up))
	}
	msg := fmt.Sprintf("capacity block %s lasts %s h, a duration AWS does not sell (1 to 14 days, then 7-day steps up to 182 days): no offering matches it", r.Address, trimNum(hours))
	if len(near) > 0 {
		msg += "; the nearest it sells: " + strings.Join(near, " or ")
	}
	return NoteDoc{Code: "CAP-BLOCK-DURATION", Location: r.Range, Msg: msg}, true
}

// spotPrice is what an interruptible GPU-hour on spot capacity costs: the
// spot price, or, when the pool gives none, the on-demand price (an upper
// bound, never a silent zero; the pool carries a CAP-SPOT-PRICE note).
func (t tariff) spotPrice() float64 {
	if t.spot > 0 {
		return t.spot
	}
	return t.onDemand
}

// monthSpot is monthCapped with interruptible demand served first by up to
// spotCap GPUs of spot capacity around the clock at spotPrice (onSpot);
// the rest of it is rented on demand within the ceiling as before.
// allOnDemand is still everything on demand all month.
func (t tariff) monthSpot(capacity, required, interruptible, spotCap, days, ceiling float64) (cost, onDemand, onSpot, allOnDemand, unserved float64) {
	onSpot = math.Max(0, math.Min(interruptible, spotCap))
	cost, onDemand, _, unserved = t.monthCapped(capacity, required, interruptible-onSpot, days, ceiling)
	cost += onSpot * days * 24 * t.spotPrice()
	allOnDemand = (required + interruptible) * t.onDemand * days * 24
	return cost, onDemand, onSpot, allOnDemand, unserved
}

// month is the cost of a month of days days (see CostDoc): capacity
// reserved all month, peak overflow max(0, required − capacity) rented on
// demand onDemandHours a day, and interruptible demand (training:
// GPU-hours spread over the month, runs that last all day) rented around
// the clock. onDemand is the capacity rented on demand; allOnDemand is
// everything rented on demand all month, the comparator.
func (t tariff) month(capacity, required, interruptible, days float64) (cost, onDemand, allOnDemand float64) {
	cost, onDemand, allOnDemand, _ = t.monthCapped(capacity, required, interruptible, days, -1)
	return cost, onDemand, allOnDemand
}

// monthCapped is month with on-demand GPUs capped by ceiling (the elastic
// ceiling and on_demand_max_gpus, see elasticCeiling; ceiling < 0 is
// uncapped): serving overflow is rented first, interruptible work from
// what is left, and unserved is the demand beyond the cap, which nothing
// serves and nothing costs.
func (t tariff) monthCapped(capacity, required, interruptible, days, ceiling float64) (cost, onDemand, allOnDemand, unserved float64) {
	hours := days * 24
	overflow := math.Max(0, required-capacity)
	allOnDemand = (required + interruptible) * t.onDemand * hours
	if ceiling >= 0 {
		want := overflow + interruptible
		overflow = math.Min(overflow, ceiling)
		interruptible = math.Min(interruptible, ceiling-overflow)
		unserved = want - overflow - interruptible
	}
	onDemand = overflow + interruptible
	cost = capacity*t.reserved*hours + (overflow*days*t.onDemandHours+interruptible*hours)*t.onDemand
	return cost, onDemand, allOnDemand, unserved
}

// costAt are the month indexes CostDoc.At reports.
var costAt = [...]int{6, 12, 18, 24}

// milestones returns, for each milestone n within the horizon of monthly
// (keys "6", "12", "18", "24"), the run-rate of the n-th month,
// monthly[n−1], and the cumulative cost of months 0 … n−1: with the
// default 24-month horizon (months 0–23) the 24-month figures are
// monthly[23] and the sum of all 24 months.
func milestones(monthly []float64) (runRate, cumulative map[string]float64) {
	runRate, cumulative = map[string]float64{}, map[string]float64{}
	for _, n := range costAt {
		if n > len(monthly) {
			continue
		}
		var sum float64
		for _, c := range monthly[:n] {
			sum += c
		}
		runRate[fmt.Sprint(n)], cumulative[fmt.Sprint(n)] = monthly[n-1], sum
	}
	return runRate, cumulative
}

// Cross-region egress (plan.cue, egress_mb_per_request): a workload part
// served by a pool moves egress_mb_per_request MB out of the pool's region
// for each request it serves, at the pool's price_per_gb_egress:
//
//	GB(m)     = meanRPS(m) × seconds(m) × MB / 1000
//	egress(m) = Σ over the pool's workload parts of GB(m) × price
//
// with meanRPS the per-task mean rate under plan_for (requests_per_s avg,
// else the peak as an upper bound; see CostPerTaskDoc). The egress is
// part of the pool's cost whatever its GPU strategy. A pool whose
// workloads move data but which gives no price has its GB listed and a
// CAP-EGRESS-PRICE note (egressPriceNote), never a silent zero.

// egressGB is the GB workload part wm moves out of its pool's region in
// month m (0 for a workload that states no egress).
func (e *evaluation) egressGB(wm *workloadModel, m int) float64 {
	if wm.meanRPS == nil || m >= len(wm.meanRPS) || wm.w == nil || wm.w.EgressMBPerRequest == 0 {
		return 0
	}
	return wm.meanRPS[m] * e.cal.seconds(m) * wm.w.EgressMBPerRequest / 1000
}

// poolEgressGB is Σ egressGB over a pool's workload parts per month, nil
// when none of them states an egress size.
func (e *evaluation) poolEgressGB(wms []*workloadModel, H int) []float64 {
	var gb []float64
	for _, wm := range wms {
		if wm.meanRPS == nil || wm.w == nil || wm.w.EgressMBPerRequest == 0 {
			continue
		}
		if gb == nil {
			gb = make([]float64, H)
		}
		for m := range H {
			gb[m] += e.egressGB(wm, m)
		}
	}
	return gb
}

// egressPriceNote is the CAP-EGRESS-PRICE note of a pool whose workloads
// move gb GB a month out of its region while it gives no
// price_per_gb_egress: that egress is not in its cost.
func egressPriceNote(pool *schema.Pool, gb []float64, loc diag.Range) (NoteDoc, bool) {
	if gb == nil || pool.PriceEgressPerGB != nil {
		return NoteDoc{}, false
	}
	most := slices.Max(gb)
	if most <= 0 {
		return NoteDoc{}, false
	}
	return NoteDoc{Code: "CAP-EGRESS-PRICE", Location: loc,
		Msg: fmt.Sprintf("its workloads move up to %s GB a month out of region %s (egress_mb_per_request), but the pool gives no price_per_gb_egress: that egress is not in its cost",
			trimNum(most), pool.Region)}, true
}

// poolCost is a pool's cost model under the plan_for scenario s with its
// interruptible demand (see CostDoc; on the pool's spot capacity first),
// plus the cross-region egress of its workloads at egressPrice (nil: not
// given, the egress is listed in GB only), with the cost per million
// output tokens of its LLM workloads. An overflowing figure is an error
// at the pool (loc): the document has no infinity to report it with.
// block is what the pool's capacity blocks put into each month, charged
// at the capacity block price (see blockGPUs).
func (e *evaluation) poolCost(p *schema.Plan, name string, t tariff, s series, block blockUse, interruptible, spot, ceiling []float64, egressPrice *float64, wms []*workloadModel, loc diag.Range) (CostDoc, diag.Diagnostics) {
	H := s.horizon()
	cost := CostDoc{
		Monthly:            make([]float64, H),
		AllOnDemandMonthly: make([]float64, H),
		At:                 map[string]float64{},
		Currency:           "USD",
	}
	if p.Budget != nil && p.Budget.Currency != "" {
		cost.Currency = p.Budget.Currency
	}
	if gb := e.poolEgressGB(wms, H); gb != nil {
		cost.EgressGBMonthly = gb
		if egressPrice != nil {
			cost.EgressMonthly = make([]float64, H)
			for m := range H {
				cost.EgressMonthly[m] = gb[m] * *egressPrice
			}
		}
	}
	for m := range H {
		c, _, _, all, _ := t.monthSpot(s.capacity[m], s.required[m], interruptible[m], spot[m], e.cal.days(m), capAt(ceiling, m))
		c += t.blockPremium(block, m, e.cal.days(m))
		c += valueAt(cost.EgressMonthly, m)
		all += valueAt(cost.EgressMonthly, m)
		cost.Monthly[m] = c
		cost.AllOnDemandMonthly[m] = all
		cost.Total += c
	}
	for _, at := range costAt {
		if at < H {
			cost.At[fmt.Sprint(at)] = cost.Monthly[at]
		}
	}
	cost.MonthlyAt, cost.CumulativeAt = milestones(cost.Monthly)
	if cost.AllOnDemandMonthly[0] > 0 {
		cost.SavingsVsOnDemand = 1 - cost.Monthly[0]/cost.AllOnDemandMonthly[0]
	}
	var tokensPerS float64
	for _, wm := range wms {
		tokensPerS += wm.tokensPerSMonth0
	}
	cost.OutputTokensFirstMonth = tokensPerS * e.cal.seconds(0)
	if cost.OutputTokensFirstMonth > 0 {
		cost.PerMillionOutputTokens = cost.Monthly[0] / (cost.OutputTokensFirstMonth / 1e6)
	}
	if !finite(cost.Total) || !finite(cost.AllOnDemandMonthly...) || !finite(cost.PerMillionOutputTokens) || !finite(cost.EgressGBMonthly...) {
		return CostDoc{}, diag.Diagnostics{{Range: loc, Severity: diag.Error, Path: "pools." + name,
			Msg: fmt.Sprintf("pool %q: the cost overflows (prices %g reserved, %g on demand per GPU-hour): no finite figure can be reported", name, t.reserved, t.onDemand)}}
	}
	return cost, nil
}

// valueAt is xs[m], or 0 for a nil (or short) xs.
func valueAt(xs []float64, m int) float64 {
	if m >= len(xs) {
		return 0
	}
	return xs[m]
}

// capAt is ceiling[m], or −1 (uncapped) for a nil ceiling.
func capAt(ceiling []float64, m int) float64 {
	if ceiling == nil {
		return -1
	}
	return ceiling[m]
}

// costPerTask sets each per-task workload's CostPerTaskDoc from the pool's
// monthly cost (see CostPerTaskDoc for the rule): allocated(m) =
// GPU cost[m] × GPUs_w(m) / Σ_pool GPUs(m), nothing in a month with no
// demand, plus the workload's own egress (GPU cost is monthly less the
// pool's egress, egress[m]; egressPrice nil when none is priced). A
// figure that does not come out finite (a rate so small the division
// overflows) is left at 0.
func (e *evaluation) costPerTask(p *schema.Plan, monthly, egress []float64, egressPrice *float64, currency string, wms []*workloadModel) {
	sc := e.planFor(p)
	H := len(monthly)
	total := make([]float64, H)
	for _, wm := range wms {
		for m, g := range wm.gpus[sc] {
			if m < H {
				total[m] += g
			}
		}
	}
	per := func(cost, volume float64) float64 {
		if !(volume > 0) {
			return 0
		}
		if x := cost / volume; finite(x) {
			return x
		}
		return 0
	}
	for _, wm := range wms {
		if wm.meanRPS == nil {
			continue
		}
		gpus := wm.gpus[sc]
		reqK, tokM := make([]float64, H), make([]float64, H)
		for m := range H {
			var alloc float64
			if total[m] > 0 && m < len(gpus) {
				alloc = (monthly[m] - valueAt(egress, m)) * gpus[m] / total[m]
			}
			if egressPrice != nil {
				alloc += e.egressGB(wm, m) * *egressPrice
			}
			requests := wm.meanRPS[m] * e.cal.seconds(m)
			reqK[m] = per(alloc, requests/1000)
			tokM[m] = per(alloc, requests*wm.outputTokens/1e6)
		}
		d := &CostPerTaskDoc{Basis: wm.taskBasis, Currency: currency, PerThousandRequestsNow: reqK[0]}
		d.PerThousandRequestsAt, _ = milestones(reqK)
		last := reqK[0]
		for _, n := range costAt {
			if n <= H {
				last = reqK[n-1]
			}
		}
		if reqK[0] > 0 && finite(last/reqK[0]) {
			d.Change = last/reqK[0] - 1
		}
		if wm.outputTokens > 0 {
			d.PerMillionOutputTokensNow = tokM[0]
			d.PerMillionOutputTokensAt, _ = milestones(tokM)
		}
		wm.costPerTask = d
	}
}
