package evaluator

import (
	"slices"
	"testing"

	"github.com/capcheck/capcheck/internal/testkit"
	"github.com/capcheck/capcheck/inventory"
	"github.com/capcheck/capcheck/schema"
)

// blockPoolAt is plan p, horizon 3 (March 2026: 744 h, April: 720 h,
// May: 744 h; Now is 10 March): pool h100 at 2 reserved / 5 on demand per
// GPU-hour and the given capacity block price, holding one open-ended
// reservation of 8 GPUs and an AWS capacity block of 2 × 8 = 16 GPUs from
// start to end; an inference workload needing 8 GPUs, so nothing
// overflows on demand.
func blockPoolAt(t *testing.T, price float64, start, end string) PoolDoc {
	t.Helper()
	p := newPlan("p")
	p.HorizonMonths = 3
	pool := addPool(p, "h100", 4, "aws_ec2_capacity_reservation.*", "aws_ec2_capacity_block_reservation.*")
	pool.Price.CapacityBlock = price
	addInference(p, "api", "h100", 8, 1)
	block := rsv("aws_ec2_capacity_block_reservation.train", "", 40, 2, 8)
	block.ResourceType, block.Kind = "aws_ec2_capacity_block_reservation", inventory.KindCapacityBlock
	block.Start, block.End = start, end
	inv := inventoryOf(rsv("aws_ec2_capacity_reservation.a", "us-east-1a", 1, 1, 8), block)
	return findPool(t, mustEval(t, Input{Plans: []*schema.Plan{p}, Inventory: inv}), "p", "h100")
}

// TestCapacityBlockPrice: a capacity block is charged at
// price_per_gpu_hour.capacity_block for its hours, whether or not it
// covers a whole month; the reservation's 8 GPUs at the reserved 2.
//
// All of April (720 h from 2026-04-01T00:00Z), price 3: the block's 16
// GPUs count as capacity in April (8 + 16 = 24) and
//
//	March  8 × 2 × 744                    = 11 904
//	April  8 × 2 × 720 + 16 × 3 × 720     = 11 520 + 34 560 = 46 080
//	May    8 × 2 × 744                    = 11 904
//	total                                   69 888
//
// Without a capacity block price the block falls back to the reserved
// price, April 24 × 2 × 720 = 34 560 (total 58 368), and a CAP-BLOCK-PRICE
// note at the pool (capacity/plan.cue:10:3) says so.
//
// 336 hours from 2026-04-10T00:00Z (to 2026-04-24T00:00Z), as most
// blocks are shorter than a month: capacity in no month (none covers all
// of April: fail closed, April has 8), yet April is charged for it:
//
//	April  8 × 2 × 720 + 16 × 3 × 336 = 11 520 + 16 128 = 27 648
//	total  11 904 + 27 648 + 11 904   = 51 456
//
// and without a price 16 × 2 × 336 = 10 752, April 22 272, total 46 080,
// with the note.
func TestCapacityBlockPrice(t *testing.T) {
	const note = "up to 16 GPUs of capacity blocks (aws_ec2_capacity_block_reservation.train), but price_per_gpu_hour gives no capacity_block price: they are costed at the reserved price (2 per GPU-hour); give price_per_gpu_hour.capacity_block"
	const april, april10, april24, may = "2026-04-01T00:00:00Z", "2026-04-10T00:00:00Z", "2026-04-24T00:00:00Z", "2026-05-01T00:00:00Z"
	for _, tc := range []struct {
		name       string
		price      float64
		start, end string
		aprilGPUs  float64
		monthly    []float64
		total      float64
		note       string
	}{
		{name: "April, priced", price: 3, start: april, end: may, aprilGPUs: 24, monthly: []float64{11904, 46080, 11904}, total: 69888},
		{name: "April, no price: reserved, with a note", start: april, end: may, aprilGPUs: 24, monthly: []float64{11904, 34560, 11904}, total: 58368, note: note},
		{name: "two weeks, priced", price: 3, start: april10, end: april24, aprilGPUs: 8, monthly: []float64{11904, 27648, 11904}, total: 51456},
		{name: "two weeks, no price", start: april10, end: april24, aprilGPUs: 8, monthly: []float64{11904, 22272, 11904}, total: 46080, note: note},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := blockPoolAt(t, tc.price, tc.start, tc.end)
			if !nearAll(got.Cost.Monthly, tc.monthly) || !testkit.Close(got.Cost.Total, tc.total) {
				t.Errorf("cost %v total %g, want %v total %g", got.Cost.Monthly, got.Cost.Total, tc.monthly, tc.total)
			}
			if got.Timeline[1].CapacityGPUs != tc.aprilGPUs || !testkit.Close(got.Timeline[1].Cost, tc.monthly[1]) {
				t.Errorf("April: capacity %g cost %g, want %g and %g", got.Timeline[1].CapacityGPUs, got.Timeline[1].Cost, tc.aprilGPUs, tc.monthly[1])
			}
			for _, s := range got.Strategies {
				if s.Name == StrategyAsPlanned && !testkit.Close(s.Total, tc.total) {
					t.Errorf("as-planned total %g, want %g", s.Total, tc.total)
				}
			}
			var notes []string
			for _, n := range got.Notes {
				if n.Code == "CAP-BLOCK-PRICE" {
					notes = append(notes, n.Location.String()+": "+n.Msg)
				}
			}
			var want []string
			if tc.note != "" {
				want = []string{"capacity/plan.cue:10:3: " + tc.note}
			}
			if !slices.Equal(notes, want) {
				t.Errorf("CAP-BLOCK-PRICE notes %q, want %q", notes, want)
			}
		})
	}
}
