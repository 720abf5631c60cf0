package terraform

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestSelectors: a capacity reservation's tags (HCL, through a local and
// a variable) and, from a plan, its id and tags_all (tags with the
// provider's default_tags) are what EC2NodeClass terms select it by. A
// tags expression that fails to evaluate decides no GPUs: the reservation
// is read, without tags.
func TestSelectors(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "main.tf", []byte(`
variable "team" { default = "llm" }
locals { common = { env = "prod" } }
resource "aws_ec2_capacity_reservation" "h100" {
  instance_type     = "p5.48xlarge"
  instance_platform = "Linux/UNIX"
  availability_zone = "us-east-1a"
  instance_count    = 2
  tags = merge(local.common, { team = var.team })
}
resource "aws_ec2_capacity_reservation" "broken" {
  instance_type     = "p5.48xlarge"
  instance_platform = "Linux/UNIX"
  availability_zone = "us-east-1b"
  instance_count    = 1
  tags = nosuchfunction("x")
}
`))
	writeFile(t, dir, "plan.json", []byte(`{"format_version": "1.2", "planned_values": {"root_module": {"resources": [
  {"address": "aws_ec2_capacity_reservation.p", "mode": "managed", "type": "aws_ec2_capacity_reservation", "name": "p",
   "values": {"id": "cr-0123", "instance_type": "p5.48xlarge", "instance_count": 1, "availability_zone": "us-east-1a", "end_date": null,
              "tags": {"team": "llm"}, "tags_all": {"team": "llm", "owner": "platform"}}}
]}}}`))
	type row struct {
		Address, ID string
		Tags        map[string]string
		GPUs        float64
	}
	var got []row
	for _, e := range discover(t, dir, Options{}).Reservations {
		got = append(got, row{e.Address, e.ID, e.Tags, e.GPUs})
	}
	inv, err := LoadPlanJSON(dir, "plan.json", nil)
	if err != nil {
		t.Fatalf("LoadPlanJSON: %v", err)
	}
	for _, e := range inv.Reservations {
		got = append(got, row{e.Address, e.ID, e.Tags, e.GPUs})
	}
	want := []row{
		{"aws_ec2_capacity_reservation.broken", "", nil, 8},
		{"aws_ec2_capacity_reservation.h100", "", map[string]string{"env": "prod", "team": "llm"}, 16},
		{"aws_ec2_capacity_reservation.p", "cr-0123", map[string]string{"team": "llm", "owner": "platform"}, 8},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("reservations (-want +got):\n%s", diff)
	}
}
