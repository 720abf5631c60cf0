package inventory

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestEntryClass(t *testing.T) {
	tests := []struct {
		name string
		e    Entry
		want Class
	}{
		{"guaranteed reservation", Entry{Kind: KindReservation, Guaranteed: true}, ClassGuaranteed},
		{"capacity block", Entry{Kind: KindCapacityBlock, Guaranteed: true}, ClassGuaranteed},
		{"node group", Entry{Kind: KindElastic}, ClassElastic},
		// a node group in a reservation adds nothing of its own
		{"consumer", Entry{Kind: KindElastic, ConsumerOf: "aws_ec2_capacity_reservation.a"}, ClassConsumer},
		// a spot node pool can be taken back at any time
		{"spot pool", Entry{Kind: KindElastic, Spot: true}, ClassSpot},
		// capacity that is not guaranteed and not a group can be taken back
		{"not guaranteed", Entry{Kind: KindReservation}, ClassSpot},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.e.Class(); got != tc.want {
				t.Errorf("Class() = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestMergeAndSorted(t *testing.T) {
	inv := &Inventory{Reservations: []Entry{{Address: "b", File: "x.tf"}}}
	inv.Merge(&Inventory{
		Reservations: []Entry{{Address: "a"}, {Address: "b", File: "y.tf"}},
		Unresolved:   []Unresolved{{Address: "z"}, {Address: "m"}},
	})
	inv.Merge(nil)
	got := inv.Sorted()
	want := &Inventory{
		// equal addresses keep their reader order (x.tf before y.tf)
		Reservations: []Entry{{Address: "a"}, {Address: "b", File: "x.tf"}, {Address: "b", File: "y.tf"}},
		Unresolved:   []Unresolved{{Address: "m"}, {Address: "z"}},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Sorted() mismatch (-want +got):\n%s", d)
	}
	if inv.Reservations[0].Address != "b" {
		t.Errorf("Sorted() reordered its receiver: %v", inv.Reservations)
	}
	if e := (*Inventory)(nil).Sorted(); e.Reservations == nil || e.Unresolved == nil {
		t.Errorf("nil.Sorted() = %+v, want empty non-nil slices", e)
	}
}
