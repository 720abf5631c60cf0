package terraform

import (
	"context"
	"fmt"
	"testing"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/inventory"

	"github.com/google/go-cmp/cmp"
)

// TestDiscoverConstructs reads testdata/constructs.txtar. Before: a null
// given to a nullable = false variable stayed null (exit 2: "missing
// required argument"), try()/can() fell through a call capcheck does not
// evaluate to their fallback (a wrong figure, silently), a data source's
// unknown through slice() lost its reason, and yamldecode,
// templatestring and timestamp were unknown functions.
func TestDiscoverConstructs(t *testing.T) {
	inv := discover(t, extract(t, "constructs.txtar", ""), Options{})
	type row struct {
		Address string
		Type    string
		Count   int
		GPUs    float64
	}
	var got []row
	for _, r := range inv.Reservations {
		got = append(got, row{r.Address, r.InstanceType, r.Count, r.GPUs})
	}
	want := []row{
		// terraform.tfvars sets spare_count = null: nullable = false
		// makes it the default 2; 2 × g6.xlarge (1 L4) = 2
		{"aws_ec2_capacity_reservation.spare", "g6.xlarge", 2, 2},
		// pools.yaml: l40s takes the anchor's g6e.12xlarge (4 L40S), max
		// 2: 2 × 4 = 8; l40s_big overrides size (g6e.48xlarge, 8 L40S)
		// and max (0x3): 3 × 8 = 24
		{`aws_eks_node_group.yaml["l40s"]`, "g6e.12xlarge", 2, 8},
		{`aws_eks_node_group.yaml["l40s_big"]`, "g6e.48xlarge", 3, 24},
		// size = null: the default 3; group's optional() defaults give
		// p5.48xlarge and max 2: 3 × 8 = 24 reserved, 2 × 8 = 16 elastic
		{"module.ng.aws_ec2_capacity_reservation.r", "p5.48xlarge", 3, 24},
		{"module.ng.aws_eks_node_group.this", "p5.48xlarge", 2, 16},
		// everything set: 5 × 1 L4 = 5 and max 7 × 1 L4 = 7
		{"module.ng_set.aws_ec2_capacity_reservation.r", "g6.xlarge", 5, 5},
		{"module.ng_set.aws_eks_node_group.this", "g6.xlarge", 7, 7},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("reservations mismatch (-want +got):\n%s", d)
	}
	at := func(line int) diag.Range { return diag.Pos{File: "main.tf", Line: line, Column: 1}.Range() }
	const fn = "provider::aws::arn_parse is a provider-defined function, evaluated only by the provider"
	wantU := []inventory.Unresolved{
		// not 1 (can's false): the provider evaluates the call
		{Address: "aws_ec2_capacity_reservation.can_fn", Range: at(50),
			Msg: "instance_count cannot be evaluated statically: " + fn + " (main.tf:54:27)"},
		// the end date is known only once applied: the reservation is
		// not counted, neither as 8 nor as 0
		{Address: "aws_ec2_capacity_reservation.ends", Range: at(99),
			Msg: "end_date cannot be evaluated statically: timestamp() is known only when Terraform applies (main.tf:105:31)"},
		// the reason survives slice() and toset() (go-cty drops it)
		{Address: "aws_ec2_capacity_reservation.per_az", Range: at(74),
			Msg: "for_each cannot be evaluated statically: data.aws_availability_zones.available is read only at plan time (main.tf:66:1)"},
		{Address: "aws_ec2_capacity_reservation.provider_fn", Range: at(36),
			Msg: "availability_zone cannot be evaluated statically: " + fn + " (main.tf:39:23)"},
		// not try's fallback g6.xlarge: the provider returns p5.48xlarge
		{Address: "aws_ec2_capacity_reservation.try_fn", Range: at(43),
			Msg: "instance_type cannot be evaluated statically: " + fn + " (main.tf:44:27)"},
	}
	if d := cmp.Diff(wantU, inv.Unresolved); d != "" {
		t.Errorf("unresolved mismatch (-want +got):\n%s", d)
	}
}

func TestDiscoverNullableErrors(t *testing.T) {
	tests := []struct {
		name, tree string
		want       []string
	}{
		{
			name: "null for a non-nullable variable without a default",
			tree: `
-- main.tf --
module "m" {
  source = "./m"
  n      = null
}
-- m/main.tf --
variable "n" {
  type     = number
  nullable = false
}
resource "aws_ec2_capacity_reservation" "r" {
  instance_type     = "p5.48xlarge"
  instance_platform = "Linux/UNIX"
  availability_zone = "us-east-1a"
  instance_count    = var.n
}
`,
			want: []string{`main.tf:3:12: error: invalid value for variable "n": null, and the variable is declared nullable = false without a default`},
		},
		{
			name: "nullable not a literal bool",
			tree: `
-- main.tf --
variable "n" {
  type     = number
  default  = 1
  nullable = "no"
}
resource "aws_ec2_capacity_reservation" "r" {
  instance_type     = "p5.48xlarge"
  instance_platform = "Linux/UNIX"
  availability_zone = "us-east-1a"
  instance_count    = var.n
}
`,
			want: []string{`main.tf:4:14: error: Invalid nullable value; nullable must be the literal true or false.`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Discover(context.Background(), extract(t, "", tc.tree), Options{})
			if d := cmp.Diff(tc.want, diagStrings(t, err)); d != "" {
				t.Errorf("diagnostics mismatch (-want +got):\n%s", d)
			}
		})
	}
}

// TestDiscoverAzureVMs reads testdata/azure_vms.txtar.
func TestDiscoverAzureVMs(t *testing.T) {
	inv := discover(t, extract(t, "azure_vms.txtar", ""), Options{})
	type row struct {
		Address    string
		Kind       inventory.Kind
		Type       string
		Count      int
		GPUs       float64
		Zone       string
		Guaranteed bool
		Spot       bool
		ConsumerOf string
	}
	var got []row
	for _, r := range inv.Reservations {
		got = append(got, row{r.Address, r.Kind, r.InstanceType, r.Count, r.GPUs, r.Zone, r.Guaranteed, r.Spot, r.ConsumerOf})
	}
	want := []row{
		// 2 × ND96isr H100 v5 (8 H100) = 16 reserved in zone 1
		{"azurerm_capacity_reservation.h100", inventory.KindReservation, "Standard_ND96isr_H100_v5", 2, 16, "1", true, false, ""},
		// count = 2 spot VMs × 1 A100 (NC24ads A100 v4) = 1 each
		{"azurerm_linux_virtual_machine.dev[0]", inventory.KindElastic, "Standard_NC24ads_A100_v4", 1, 1, "2", false, true, ""},
		{"azurerm_linux_virtual_machine.dev[1]", inventory.KindElastic, "Standard_NC24ads_A100_v4", 1, 1, "2", false, true, ""},
		// 2 instances × ND96asr v4 (8 A100 40GB) = 16
		{"azurerm_linux_virtual_machine_scale_set.a100", inventory.KindElastic, "Standard_ND96asr_v4", 2, 16, "1", false, false, ""},
		// 2 × 8 H100 = 16 inside the group's reservation: its consumer
		{"azurerm_orchestrated_virtual_machine_scale_set.h100", inventory.KindElastic, "Standard_ND96isr_H100_v5", 2, 16, "", false, false, "azurerm_capacity_reservation.h100"},
		// instances unset: the provider's default 0 (listed, 0 GPUs); the
		// size's case as written is the catalog's
		{"azurerm_windows_virtual_machine_scale_set.t4", inventory.KindElastic, "Standard_NC4as_T4_v3", 0, 0, "", false, false, ""},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("reservations mismatch (-want +got):\n%s", d)
	}
	if len(inv.Unresolved) != 0 {
		t.Errorf("unresolved = %v, want none", inv.Unresolved)
	}
}

// TestDiscoverBundledGPUs: a GKE pool whose guest_accelerator is built
// from a google_compute_machine_types data source (as the Cluster
// Toolkit's gke-node-pool module does when no accelerator is given).
// Before, every such pool was unresolved; a machine that comes with its
// GPUs (a2, a3, a4, g2) has exactly those.
func TestDiscoverBundledGPUs(t *testing.T) {
	tree := `
-- main.tf --
variable "pools" {
  type = map(object({
    machine_type = string
    max          = number
  }))
  default = {
    a2 = { machine_type = "a2-highgpu-2g", max = 4 }
    n1 = { machine_type = "n1-standard-8", max = 4 }
  }
}

data "google_compute_machine_types" "m" {
  for_each = var.pools
  filter   = "name = \"${each.value.machine_type}\""
  zone     = "us-central1-a"
}

resource "google_container_node_pool" "p" {
  for_each       = var.pools
  name           = each.key
  cluster        = "projects/p/locations/us-central1/clusters/c"
  node_locations = ["us-central1-a"]
  autoscaling {
    total_min_node_count = 0
    total_max_node_count = each.value.max
  }
  node_config {
    machine_type = each.value.machine_type
    dynamic "guest_accelerator" {
      for_each = try(data.google_compute_machine_types.m[each.key].machine_types[0].accelerators, [])
      content {
        type  = guest_accelerator.value.guest_accelerator_type
        count = guest_accelerator.value.guest_accelerator_count
      }
    }
  }
}
`
	inv := discover(t, extract(t, "", tree), Options{})
	var got []string
	for _, r := range inv.Reservations {
		got = append(got, fmt.Sprintf("%s %s %d × %g", r.Address, r.InstanceType, r.Count, r.GPUsPerInstance))
	}
	// total max 4 nodes × 2 A100 (a2-highgpu-2g) = 8 GPUs
	want := []string{`google_container_node_pool.p["a2"] a2-highgpu-2g 4 × 2`}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("reservations mismatch (-want +got):\n%s", d)
	}
	// n1 takes whatever the data source lists: not known statically
	wantU := []inventory.Unresolved{{
		Address: `google_container_node_pool.p["n1"]`,
		Range:   diag.Pos{File: "main.tf", Line: 18, Column: 1}.Range(),
		Msg:     `node_config.0.guest_accelerator cannot be evaluated statically: data.google_compute_machine_types.m is read only at plan time (main.tf:12:1)`,
	}}
	if d := cmp.Diff(wantU, inv.Unresolved); d != "" {
		t.Errorf("unresolved mismatch (-want +got):\n%s", d)
	}
}
