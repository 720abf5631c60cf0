package evaluator

import (
	"testing"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/inventory"
)

// TestBlockDurationNote: AWS sells capacity blocks of 1–14 days, then
// 7-day steps up to 182 days. 2027-02-01T00:00Z … 2027-04-01T00:00Z is
// 28 + 31 = 59 days = 1 416 h: not sold, the nearest are 56 days
// (1 344 h) and 63 (1 512 h); 372 h (15.5 days) sits between 14 days
// (336 h) and 21 (504 h). 63 days from 2027-01-31T11:30Z and 14 days are
// sold: no note. The note is at the block.
func TestBlockDurationNote(t *testing.T) {
	at := diag.Range{Pos: diag.Pos{File: "infra/block.tf", Line: 10, Column: 1}}
	for _, tc := range []struct {
		start, end, want string
	}{
		{"2027-02-01T00:00:00Z", "2027-04-01T00:00:00Z", "capacity block aws_ec2_capacity_block_reservation.b lasts 1416 h, a duration AWS does not sell (1 to 14 days, then 7-day steps up to 182 days): no offering matches it; the nearest it sells: 1344 h (56 days) or 1512 h (63 days)"},
		{"2027-02-01T00:00:00Z", "2027-02-16T12:00:00Z", "capacity block aws_ec2_capacity_block_reservation.b lasts 372 h, a duration AWS does not sell (1 to 14 days, then 7-day steps up to 182 days): no offering matches it; the nearest it sells: 336 h (14 days) or 504 h (21 days)"},
		{"2027-01-31T11:30:00Z", "2027-04-04T11:30:00Z", ""},
		{"2027-02-01T11:30:00Z", "2027-02-15T11:30:00Z", ""},
	} {
		rs := resState{guaranteed: true, r: &inventory.Entry{Address: "aws_ec2_capacity_block_reservation.b", Kind: inventory.KindCapacityBlock, Range: at, Start: tc.start, End: tc.end}}
		n, ok := blockDurationNote(rs)
		if tc.want == "" {
			if ok {
				t.Errorf("%s … %s: note %q, want none (sold)", tc.start, tc.end, n.Msg)
			}
			continue
		}
		if !ok || n.Code != "CAP-BLOCK-DURATION" || n.Msg != tc.want || n.Location != at {
			t.Errorf("%s … %s: note %+v (%v)\nwant CAP-BLOCK-DURATION %q at %v", tc.start, tc.end, n, ok, tc.want, at)
		}
	}
}
