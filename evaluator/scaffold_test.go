package evaluator

import (
	"testing"

	"github.com/capcheck/capcheck/inventory"

	"github.com/google/go-cmp/cmp"
)

func TestScaffold(t *testing.T) {
	res := func(addr, gpu, zone, region string, gpus float64) inventory.Entry {
		return inventory.Entry{Address: addr, GPU: gpu, Zone: zone, Region: region, GPUs: gpus,
			Kind: inventory.KindReservation, Guaranteed: true}
	}
	inv := &inventory.Inventory{Reservations: []inventory.Entry{
		// One for_each resource split over two regions: claimed per instance.
		res(`aws_ec2_capacity_reservation.h100["us-east-1a"]`, "H100-SXM", "us-east-1a", "us-east-1", 24),
		res(`aws_ec2_capacity_reservation.h100["us-west-2a"]`, "H100-SXM", "us-west-2a", "us-west-2", 16),
		// A count resource wholly in one pool: claimed whole.
		res(`aws_ec2_capacity_reservation.more[0]`, "H100-SXM", "us-east-1b", "us-east-1", 8),
		res(`aws_ec2_capacity_reservation.more[1]`, "H100-SXM", "us-east-1b", "us-east-1", 8),
		// Already claimed, elastic, and consumers are left out.
		func() inventory.Entry {
			r := res("google_compute_reservation.l4", "L4", "us-central1-a", "us-central1", 8)
			r.Pool = "l4"
			return r
		}(),
		{Address: "aws_eks_node_group.burst", GPU: "L40S", GPUs: 16, Kind: inventory.KindElastic},
		func() inventory.Entry {
			r := res("google_container_node_pool.np", "L4", "us-central1-a", "us-central1", 16)
			r.ConsumerOf = "google_compute_reservation.l4"
			return r
		}(),
	}}
	want := []ScaffoldPool{
		// 24 + 8 + 8 = 40 in us-east-1.
		{Name: "h100-sxm-us-east-1", GPU: "H100-SXM", Region: "us-east-1", GPUs: 40,
			Zones:        []string{"us-east-1a", "us-east-1b"},
			Reservations: []string{`aws_ec2_capacity_reservation.h100["us-east-1a"]`, "aws_ec2_capacity_reservation.more"}},
		{Name: "h100-sxm-us-west-2", GPU: "H100-SXM", Region: "us-west-2", GPUs: 16,
			Zones:        []string{"us-west-2a"},
			Reservations: []string{`aws_ec2_capacity_reservation.h100["us-west-2a"]`}},
	}
	if diff := cmp.Diff(want, Scaffold(inv)); diff != "" {
		t.Errorf("Scaffold (-want +got):\n%s", diff)
	}
}

// TestScaffoldRoots: the same address in two root modules is two pieces of
// capacity: each root gets its own pool, whose entries name the root so
// that neither pool claims the other's reservation.
func TestScaffoldRoots(t *testing.T) {
	res := func(root string, gpus float64) inventory.Entry {
		return inventory.Entry{Address: "aws_ec2_capacity_reservation.h100", Root: root, GPU: "H100-SXM",
			Zone: "us-east-1a", Region: "us-east-1", GPUs: gpus, Kind: inventory.KindReservation, Guaranteed: true}
	}
	inv := &inventory.Inventory{Reservations: []inventory.Entry{res("prod", 32), res("staging", 8)}}
	want := []ScaffoldPool{
		{Name: "h100-sxm-us-east-1-prod", GPU: "H100-SXM", Region: "us-east-1", Root: "prod", GPUs: 32,
			Zones: []string{"us-east-1a"}, Reservations: []string{"prod:aws_ec2_capacity_reservation.h100"}},
		{Name: "h100-sxm-us-east-1-staging", GPU: "H100-SXM", Region: "us-east-1", Root: "staging", GPUs: 8,
			Zones: []string{"us-east-1a"}, Reservations: []string{"staging:aws_ec2_capacity_reservation.h100"}},
	}
	if diff := cmp.Diff(want, Scaffold(inv)); diff != "" {
		t.Errorf("Scaffold (-want +got):\n%s", diff)
	}
	// The scaffolded entries claim exactly their own root's reservation.
	for _, p := range want {
		root, addr, ok := splitRoot(p.Reservations[0])
		if !ok || root != p.Root || !matchRoot(root, p.Root) || matchRoot(root, map[string]string{"prod": "staging", "staging": "prod"}[p.Root]) || !matchAddress(addr, inv.Reservations[0].Address) {
			t.Errorf("entry %q does not claim exactly root %s", p.Reservations[0], p.Root)
		}
	}
}
