package terraform

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/capcheck/capcheck/inventory"
)

// An EKS node group's instance_types (and an autoscaling group's mixed
// instances overrides) are the types it may launch, any of them: the GPUs
// it is sure of are the smallest type's of one model, and a list of
// several models (or with a type without GPUs) is unresolved, naming
// both, never counted as its first type. Lines are main.tf's (the txtar
// line less 6); the overrides' types are at column 25 (8 spaces and
// "instance_type = "), instance_types' list at 20.
func TestEKSInstanceTypes(t *testing.T) {
	inv := discover(t, extract(t, "eks_types.txtar", ""), Options{})
	want := []brief{
		// A mixed instances policy overriding with g6e.48xlarge (8 L40S)
		// and g6e.12xlarge (4): max 5 × 4 = 20 (was 5 × 8 = 40).
		{Address: "aws_autoscaling_group.overrides", Line: 70, Kind: inventory.KindElastic, Type: "g6e.12xlarge", Count: 5, GPU: "L40S", GPUs: 20},
		// g5.48xlarge has 8 A10G, g5.12xlarge 4: the sure type is
		// g5.12xlarge, max 3 × 4 = 12 (was 3 × 8 = 24, the first type).
		{Address: "aws_eks_node_group.a10g", Line: 1, Kind: inventory.KindElastic, Type: "g5.12xlarge", Count: 3, GPU: "A10G", GPUs: 12},
		// With a launch template that sets no instance type: 4, 1 and 8
		// A10G, the sure type g5.2xlarge (the middle one, not the first),
		// max 4 × 1 = 4.
		{Address: "aws_eks_node_group.lt", Line: 54, Kind: inventory.KindElastic, Type: "g5.2xlarge", Count: 4, GPU: "A10G", GPUs: 4},
	}
	if d := cmp.Diff(want, briefs(inv.Reservations)); d != "" {
		t.Errorf("reservations mismatch (-want +got):\n%s", d)
	}
	type un struct {
		Address string
		Line    int
		Has     []string
	}
	wantU := []un{
		{"aws_autoscaling_group.overrides_mixed", 88, []string{"override lists g6e.48xlarge (L40S, at main.tf:97:25) and p4d.24xlarge (A100-40GB, at main.tf:100:25)", "GPU model is ambiguous"}},
		{"aws_eks_node_group.mixed", 13, []string{"instance_types lists p4d.24xlarge (A100-40GB, at main.tf:17:20) and g5.12xlarge (A10G, at main.tf:17:20)", "GPU model is ambiguous"}},
		{"aws_eks_node_group.withcpu", 25, []string{"instance_types lists g5.12xlarge (A10G, at main.tf:29:20) and m5.large (at main.tf:29:20), which has no GPUs"}},
	}
	if len(inv.Unresolved) != len(wantU) {
		t.Fatalf("unresolved = %+v, want %d", inv.Unresolved, len(wantU))
	}
	for i, w := range wantU {
		u := inv.Unresolved[i]
		if u.Address != w.Address || u.Line != w.Line || u.File != "main.tf" {
			t.Errorf("unresolved[%d] at %s %s:%d, want %s main.tf:%d", i, u.Address, u.File, u.Line, w.Address, w.Line)
		}
		for _, s := range w.Has {
			if !strings.Contains(u.Msg, s) {
				t.Errorf("unresolved[%d] %q lacks %q", i, u.Msg, s)
			}
		}
	}
}
