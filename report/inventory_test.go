package report

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/inventory"

	"github.com/google/go-cmp/cmp"
)

func TestInventoryText(t *testing.T) {
	h100 := inventory.Entry{
		Address: "aws_ec2_capacity_reservation.h100[0]", Range: diag.Pos{File: "infra/gpu.tf", Line: 14}.Range(),
		Kind: inventory.KindReservation, InstanceType: "p5.48xlarge", Count: 3, GPUs: 24,
		GPU: "H100-SXM", Zone: "us-east-1a", End: "2028-06-30T23:59:59Z", Guaranteed: true, Pool: "h100-use1",
	}
	orphan := inventory.Entry{
		Address: "aws_ec2_capacity_block_reservation.spare", Range: diag.Pos{File: "infra/block.tf", Line: 3}.Range(),
		Kind: inventory.KindCapacityBlock, InstanceType: "p5.48xlarge", Count: 1, GPUs: 8,
		GPU: "H100-SXM", Start: "2027-02-01", End: "2027-04-01T00:00:00Z", Guaranteed: true,
	}
	burst := inventory.Entry{
		Address: "aws_eks_node_group.burst", Range: diag.Pos{File: "infra/eks.tf", Line: 2}.Range(),
		Kind: inventory.KindElastic, InstanceType: "g6e.12xlarge", Count: 4, GPUs: 16, GPU: "L40S",
	}
	inside := inventory.Entry{
		Address: "aws_eks_node_group.serving", Range: diag.Pos{File: "infra/eks.tf", Line: 20}.Range(),
		Kind: inventory.KindElastic, InstanceType: "p5.48xlarge", Count: 3, GPUs: 24, GPU: "H100-SXM",
		ConsumerOf: "aws_ec2_capacity_reservation.h100[0]",
	}
	tests := []struct {
		name string
		inv  inventory.Inventory
		want string
	}{
		{
			// Guaranteed 24 + 8 = 32 GPUs in 2 reservations, the block's 8
			// unclaimed; elastic 16 from the burst group only: the group
			// inside the reservation adds nothing.
			// Ends show the last whole day covered: 2028-06-30T23:59:59Z
			// leaves the last second of 30 June, so 29 June.
			name: "every kind",
			inv:  inventory.Inventory{Reservations: []inventory.Entry{h100, orphan, burst, inside}},
			want: `ADDRESS                                   LOCATION          KIND            INSTANCE TYPE  COUNT  GPUS  GPU       ZONE        START       END         CAPACITY    POOL
aws_ec2_capacity_reservation.h100[0]      infra/gpu.tf:14   reservation     p5.48xlarge    3      24    H100-SXM  us-east-1a  -           2028-06-29  guaranteed  h100-use1
aws_ec2_capacity_block_reservation.spare  infra/block.tf:3  capacity-block  p5.48xlarge    1      8     H100-SXM  -           2027-02-01  2027-03-31  guaranteed  -
aws_eks_node_group.burst                  infra/eks.tf:2    elastic         g6e.12xlarge   4      16    L40S      -           -           -           elastic     -
aws_eks_node_group.serving                infra/eks.tf:20   elastic         p5.48xlarge    3      24    H100-SXM  -           -           -           consumer    -

Guaranteed: 32 GPUs in 2 reservations; 8 GPUs in 1 reservation claimed by no plan's pool (CAP003).
Elastic:    16 GPUs in 1 group (scaling maximum, never counted as guaranteed).
Consumers:  1 group runs inside a reservation, adding no GPUs:
  aws_eks_node_group.serving → aws_ec2_capacity_reservation.h100[0]
`,
		},
		{
			name: "nothing found, one unresolved",
			inv: inventory.Inventory{Unresolved: []inventory.Unresolved{{
				Address: "google_compute_reservation.q", Range: diag.Pos{File: "infra/q.tf", Line: 5, Column: 1}.Range(), Msg: "count depends on data.x",
			}}},
			want: `No GPU capacity found: no reservation, capacity block, node group or autoscaling group with GPUs.

1 resource could not be evaluated statically (never counted as zero):
infra/q.tf:5:1: unresolved: google_compute_reservation.q: count depends on data.x
`,
		},
		{
			name: "all unclaimed",
			inv:  inventory.Inventory{Reservations: []inventory.Entry{orphan}},
			want: `ADDRESS                                   LOCATION          KIND            INSTANCE TYPE  COUNT  GPUS  GPU       ZONE  START       END         CAPACITY    POOL
aws_ec2_capacity_block_reservation.spare  infra/block.tf:3  capacity-block  p5.48xlarge    1      8     H100-SXM  -     2027-02-01  2027-03-31  guaranteed  -

Guaranteed: 8 GPUs in 1 reservation, none claimed by a plan's pool (CAP003).
Elastic:    0 GPUs in 0 groups (scaling maximum, never counted as guaranteed).
`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := Inventory(&b, "text", &tc.inv); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, b.String()); diff != "" {
				t.Errorf("Inventory text (-want +got):\n%s", diff)
			}
		})
	}
}

// TestInventoryJSONEmpty checks that an empty inventory keeps the contract's
// arrays (never null) and the version.
func TestInventoryJSONEmpty(t *testing.T) {
	var b bytes.Buffer
	if err := Inventory(&b, "json", &inventory.Inventory{}); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"version": "capcheck/v1", "reservations": []any{}, "unresolved": []any{}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("inventory JSON (-want +got):\n%s", diff)
	}
}

func TestDay(t *testing.T) {
	tests := []struct{ in, start, end string }{
		// an end at 23:59:59 leaves the last second of 30 June uncovered:
		// the last whole day is 29 June; as a start it covers from 1 July
		{"2028-06-30T23:59:59Z", "2028-07-01", "2028-06-29"},
		// 00:00+02:00 is 22:00 UTC on 31 January
		{"2027-02-01T00:00:00+02:00", "2027-02-01", "2027-01-30"},
		// a block of 1416 hours from 1 February ends at midnight on 1 April:
		// it covers all of 31 March and nothing of 1 April
		{"2027-04-01T00:00:00Z", "2027-04-01", "2027-03-31"},
		{"2027-02-01", "2027-02-01", "2027-02-01"},
		{"", "-", "-"},
		{"next-tuesdayTx", "next-tuesdayTx", "next-tuesdayTx"}, // not a date: shown as written
	}
	for _, tc := range tests {
		if got := day(tc.in, inventory.FirstDay); got != tc.start {
			t.Errorf("day(%q, FirstDay) = %q, want %q", tc.in, got, tc.start)
		}
		if got := day(tc.in, inventory.LastDay); got != tc.end {
			t.Errorf("day(%q, LastDay) = %q, want %q", tc.in, got, tc.end)
		}
	}
}
