package evaluator

import (
	"slices"
	"testing"

	"github.com/capcheck/capcheck/schema"
)

// TestClaimEntries: the entries `suggest --apply` appends to a pool's
// reservations are the added addresses no pattern claims (a glob that
// matches one, and an extension, need none; rented GPUs and a ceiling
// are no reservation), as ROOT:ADDRESS once a pattern names a root.
func TestClaimEntries(t *testing.T) {
	changes := []Change{
		{Action: "add", Root: "infra/aws", Address: "aws_ec2_capacity_reservation.h100_a"},
		{Action: "add", Kind: KindCapacityBlock, Root: "infra/aws", Address: "aws_ec2_capacity_block_reservation.h100_block"},
		{Action: "add", Root: "infra/aws", Address: "aws_ec2_capacity_reservation.fix_b"},
		{Action: "extend", Root: "infra/aws", Address: "aws_ec2_capacity_reservation.old"},
		{Action: "rent", Kind: KindOnDemand},
		{Action: "raise", Kind: KindOnDemandCeiling, Address: "pools.h100.on_demand_max_gpus"},
	}
	for _, tc := range []struct {
		name     string
		patterns []string
		want     []string
	}{
		{name: "named one by one", patterns: []string{"aws_ec2_capacity_reservation.old", "aws_ec2_capacity_reservation.fix_*"},
			want: []string{"aws_ec2_capacity_reservation.h100_a", "aws_ec2_capacity_block_reservation.h100_block"}},
		{name: "rooted", patterns: []string{"infra/aws:aws_ec2_capacity_reservation.old"},
			want: []string{"infra/aws:aws_ec2_capacity_reservation.h100_a", "infra/aws:aws_ec2_capacity_block_reservation.h100_block", "infra/aws:aws_ec2_capacity_reservation.fix_b"}},
		{name: "globs claim them", patterns: []string{"aws_ec2_capacity_reservation.*", "aws_ec2_capacity_block_reservation.*"}, want: nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ClaimEntries(&schema.Pool{Reservations: tc.patterns}, changes)
			if !slices.Equal(got, tc.want) {
				t.Errorf("ClaimEntries = %q, want %q", got, tc.want)
			}
		})
	}
}
