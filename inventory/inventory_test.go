package inventory

import (
	"testing"

	"github.com/capcheck/capcheck/internal/diag"

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
	inv := &Inventory{Reservations: []Entry{{Address: "b", Range: at("x.tf")}}}
	inv.Merge(&Inventory{
		Reservations: []Entry{{Address: "a"}, {Address: "b", Range: at("y.tf")}},
		Unresolved:   []Unresolved{{Address: "z"}, {Address: "m"}},
	})
	inv.Merge(nil)
	got := inv.Sorted()
	want := &Inventory{
		// equal addresses keep their reader order (x.tf before y.tf)
		Reservations: []Entry{{Address: "a"}, {Address: "b", Range: at("x.tf")}, {Address: "b", Range: at("y.tf")}},
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

func TestWholeDays(t *testing.T) {
	tests := []struct {
		in          string
		first, last string
	}{
		// a date is a whole day, inclusive at both ends
		{"2027-03-01", "2027-03-01", "2027-03-01"},
		// midnight: a start covers that day, an end covers nothing of it
		{"2027-04-01T00:00:00Z", "2027-04-01", "2027-03-31"},
		// mid-day: a start covers from the next day, an end up to the day before
		{"2027-03-31T23:59:59Z", "2027-04-01", "2027-03-30"},
		// an offset is converted to UTC first: 01:00+02:00 is 23:00 UTC the day before
		{"2027-03-01T01:00:00+02:00", "2027-03-01", "2027-02-27"},
	}
	for _, tc := range tests {
		first, err := FirstDay(tc.in)
		if err != nil {
			t.Fatal(err)
		}
		last, err := LastDay(tc.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := first.Format("2006-01-02"); got != tc.first {
			t.Errorf("FirstDay(%q) = %s, want %s", tc.in, got, tc.first)
		}
		if got := last.Format("2006-01-02"); got != tc.last {
			t.Errorf("LastDay(%q) = %s, want %s", tc.in, got, tc.last)
		}
	}
	if _, err := FirstDay("March 1st"); err == nil {
		t.Error(`FirstDay("March 1st") = nil error, want one`)
	}
}

// at is the range at the start of file.
func at(file string) diag.Range { return diag.Pos{File: file, Line: 1, Column: 1}.Range() }
