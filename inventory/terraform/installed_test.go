package terraform

import (
	"testing"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/inventory"

	"github.com/google/go-cmp/cmp"
)

// TestDiscoverInstalledModules reads registry and git modules from where
// terraform init installed them (testdata/installed.txtar), as terraform
// plan would.
func TestDiscoverInstalledModules(t *testing.T) {
	inv := discover(t, extract(t, "installed.txtar", ""), Options{})
	type row struct {
		Address, Root, File string
		Line                int
		Kind                inventory.Kind
		Class               inventory.Class
		Type                string
		Count               int
		GPUs                float64
		GPU, Zone, End      string
	}
	var got []row
	for _, r := range inv.Reservations {
		got = append(got, row{r.Address, r.Root, r.File, r.Line, r.Kind, r.Class(), r.InstanceType, r.Count, r.GPUs, r.GPU, r.Zone, r.End})
	}
	const (
		ng   = "live/.terraform/modules/eks/modules/eks-managed-node-group/main.tf"
		odcr = "live/.terraform/modules/odcr/modules/odcr/main.tf"
	)
	want := []row{
		// The gpu node group: max_size 4 × p5.48xlarge (8 H100) = 32,
		// elastic; its subnets are unknown, so no zone. The system group
		// (m6i.large) has no GPU.
		{`module.eks.module.eks_managed_node_group["gpu"].aws_eks_node_group.this[0]`, "live", ng, 61,
			inventory.KindElastic, inventory.ClassElastic, "p5.48xlarge", 4, 32, "H100-SXM", "", ""},
		// zones = {us-east-1a = 2, us-east-1b = 1}: 2 × 8 = 16 and 1 × 8
		// = 8 H100, guaranteed until 2027-06-30; the placement group ARN
		// in each value is unknown and decides nothing.
		{`module.odcr.aws_ec2_capacity_reservation.this["us-east-1a"]`, "live", odcr, 12,
			inventory.KindReservation, inventory.ClassGuaranteed, "p5.48xlarge", 2, 16, "H100-SXM", "us-east-1a", "2027-06-30T00:00:00Z"},
		{`module.odcr.aws_ec2_capacity_reservation.this["us-east-1b"]`, "live", odcr, 12,
			inventory.KindReservation, inventory.ClassGuaranteed, "p5.48xlarge", 1, 8, "H100-SXM", "us-east-1b", "2027-06-30T00:00:00Z"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("reservations mismatch (-want +got):\n%s", d)
	}
	// The fallback reservation's instance type comes from a data source:
	// it decides the GPUs, so the entry is unresolved, naming the
	// attribute and why; its unknown tag does not matter.
	wantU := []inventory.Unresolved{{Address: "aws_ec2_capacity_reservation.fallback", Range: diag.Pos{File: "live/main.tf", Line: 52, Column: 1}.Range(),
		Msg: "instance_type cannot be evaluated statically: data.aws_ec2_instance_type_offering.best is read only at plan time (live/main.tf:44:1)"}}
	if d := cmp.Diff(wantU, inv.Unresolved); d != "" {
		t.Errorf("unresolved mismatch (-want +got):\n%s", d)
	}
}
