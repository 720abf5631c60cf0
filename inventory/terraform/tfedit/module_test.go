package tfedit

import (
	"strings"
	"testing"

	"github.com/capcheck/capcheck/inventory/terraform"
)

// moduleTree is the bundled example's layout: a module call with
// for_each over a map of zone → count set in terraform.tfvars, the
// module's reservation reading the call's arguments through its
// variables.
var moduleTree = map[string]string{
	"infra/main.tf": `variable "per_zone" {
  type = map(number)
}

variable "ends" {
  type = string
}

locals {
  tags = { team = "llm" }
}

module "gpu" {
  source   = "../modules/res"
  for_each = var.per_zone

  zone           = each.key
  instance_type  = "p5.48xlarge"
  instance_count = each.value
  end_date       = var.ends
  tags           = local.tags
}
`,
	"infra/terraform.tfvars": `per_zone = {
  "us-east-1a" = 2 # two to start
  "us-east-1b" = 1
}

ends = "2027-07-01T00:00:00Z"
`,
	"modules/res/main.tf": `variable "zone" {
  type = string
}

variable "instance_type" {
  type = string
}

variable "instance_count" {
  type = number
}

variable "end_date" {
  type    = string
  default = null
}

variable "tags" {
  type    = map(string)
  default = {}
}

resource "aws_ec2_capacity_reservation" "this" {
  instance_type     = var.instance_type
  instance_platform = "Linux/UNIX"
  availability_zone = var.zone
  instance_count    = var.instance_count
  end_date_type     = var.end_date == null ? "unlimited" : "limited"
  end_date          = var.end_date
  tags              = merge(var.tags, { Name = "gpu-${var.zone}" })
}
`,
}

// mod is an addition of n p5.48xlarge in zone with the term of the
// module's instances: from today to 2027-06-30 (ends
// 2027-07-01T00:00:00Z, its last whole day 2027-06-30).
func mod(zone string, n int) Change {
	c := add(zone, n)
	c.Root, c.End = "infra", "2027-06-30"
	return c
}

// A module instance is raised where the call's for_each item for it is
// written: us-east-1a's 2 → 3 in terraform.tfvars (the line comment
// kept); a zone the map lacks is a new key of it, "us-east-1c" = 1, after
// the last; the module's own block is not touched.
func TestModuleRaiseAndKey(t *testing.T) {
	root, opts := setup(t, moduleTree, terraform.Options{})
	ed := plan(t, root, opts, mod("us-east-1a", 1), mod("us-east-1c", 1))
	want := `per_zone = {
  "us-east-1a" = 3 # two to start
  "us-east-1b" = 1
  "us-east-1c" = 1
}

ends = "2027-07-01T00:00:00Z"
`
	if got := after(t, ed, "infra/terraform.tfvars"); got != want {
		t.Errorf("terraform.tfvars:\n%s\nwant:\n%s", got, want)
	}
	if fs := ed.Files(); len(fs) != 1 {
		t.Errorf("edited %v, want infra/terraform.tfvars only", fs)
	}
}

// An addition that starts later than today is a root block after the
// call: the module's block with the call's arguments put in for its
// variables (the instance type literal, local.tags, the zone inlined in
// the Name template), its own zone, count and start, and the RFC 3339 end
// AWS takes for a last day of 2027-06-30. The reader then lists it as 8
// GPUs in us-east-1b from 2027-02-01.
func TestModuleCopy(t *testing.T) {
	root, opts := setup(t, moduleTree, terraform.Options{})
	c := mod("us-east-1b", 1)
	c.Start, c.Address = "2027-02-01", "aws_ec2_capacity_reservation.p_us_east_1b_2027_02"
	got := after(t, plan(t, root, opts, c), "infra/main.tf")
	want := moduleTree["infra/main.tf"] + `
resource "aws_ec2_capacity_reservation" "p_us_east_1b_2027_02" {
  instance_type     = "p5.48xlarge"
  instance_platform = "Linux/UNIX"
  availability_zone = "us-east-1b"
  instance_count    = 1
  end_date_type     = "limited"
  end_date          = "2027-07-01T00:00:00Z"
  tags              = merge(local.tags, { Name = "gpu-us-east-1b" })
  start_date        = "2027-02-01T00:00:00Z"
}
`
	if got != want {
		t.Errorf("infra/main.tf:\n%s\nwant:\n%s", got, want)
	}
	files := map[string]string{}
	for k, v := range moduleTree {
		files[k] = v
	}
	files["infra/main.tf"] = got
	_, opts2 := setup(t, files, terraform.Options{})
	var found bool
	for _, e := range opts2.Entries {
		if e.Address == c.Address {
			found = true
			if e.GPUs != 8 || e.Zone != "us-east-1b" || e.Start != "2027-02-01T00:00:00Z" || e.End != "2027-07-01T00:00:00Z" {
				t.Errorf("copy read as %+v", e)
			}
		}
	}
	if !found {
		t.Errorf("the copy is not read back: %+v", opts2.Entries)
	}
}

// The end every instance of the call shares (var.ends) moves only when
// every instance is extended alike: both to 2027-12-31 writes
// 2028-01-01T00:00:00Z in terraform.tfvars; one alone is refused at the
// value (infra/terraform.tfvars:6:8); open-ended is null, which the
// module reads as "unlimited".
func TestModuleExtend(t *testing.T) {
	ext := func(zone, end string) Change {
		return Change{Action: "extend", Address: `module.gpu["` + zone + `"].aws_ec2_capacity_reservation.this`, Root: "infra", Zone: zone, End: end, OldEnd: "2027-07-01T00:00:00Z"}
	}
	root, opts := setup(t, moduleTree, terraform.Options{})
	got := after(t, plan(t, root, opts, ext("us-east-1a", "2027-12-31"), ext("us-east-1b", "2027-12-31")), "infra/terraform.tfvars")
	if !strings.Contains(got, "\nends = \"2028-01-01T00:00:00Z\"\n") {
		t.Errorf("terraform.tfvars:\n%s", got)
	}
	got = after(t, plan(t, root, opts, ext("us-east-1a", ""), ext("us-east-1b", "")), "infra/terraform.tfvars")
	if !strings.Contains(got, "\nends = null\n") {
		t.Errorf("terraform.tfvars open-ended:\n%s", got)
	}
	_, err := Plan(root, []Request{{Pool: "p", Changes: []Change{ext("us-east-1a", "2027-12-31")}}}, opts)
	wantErr(t, err, "infra/terraform.tfvars:6:8", `is module.gpu's end_date for every instance of it, and module.gpu["us-east-1b"].aws_ec2_capacity_reservation.this is not extended alike`)
}

// A module's block that reads its own local cannot be copied into the
// root: refused at the reference (modules/res/main.tf:2:23).
func TestModuleCopyRefused(t *testing.T) {
	files := map[string]string{}
	for k, v := range moduleTree {
		files[k] = v
	}
	files["modules/res/main.tf"] = "locals {\n  platform = \"Linux/UNIX\"\n}\n\n" + strings.Replace(moduleTree["modules/res/main.tf"], `instance_platform = "Linux/UNIX"`, `instance_platform = local.platform`, 1)
	root, opts := setup(t, files, terraform.Options{})
	c := mod("us-east-1b", 1)
	c.Start, c.Address = "2027-02-01", "aws_ec2_capacity_reservation.p_us_east_1b_2027_02"
	_, err := Plan(root, []Request{{Pool: "p", Changes: []Change{c}}}, opts)
	wantErr(t, err, "modules/res/main.tf:29:23", "refers to local.platform (a local value), which only the module has")
}

// A new key of the call is a new instance of the whole module: with a
// second reservation in it (spare, 1 × p5.48xlarge) us-east-1c's new key
// would add 1 + 1 = 2 instances for a change of 1. So no key is added
// (terraform.tfvars untouched) and the zone gets a root block copied from
// the module's instead, of exactly 1 instance.
func TestModuleKeyWithOtherReservation(t *testing.T) {
	tree := map[string]string{}
	for k, v := range moduleTree {
		tree[k] = v
	}
	tree["modules/res/spare.tf"] = `resource "aws_ec2_capacity_reservation" "spare" {
  instance_type     = var.instance_type
  instance_platform = "Linux/UNIX"
  availability_zone = var.zone
  instance_count    = 1
}
`
	root, opts := setup(t, tree, terraform.Options{})
	ed := plan(t, root, opts, mod("us-east-1c", 1))
	if fs := ed.Files(); len(fs) != 1 || fs[0] != "infra/main.tf" {
		t.Fatalf("edited %v, want [infra/main.tf] (no new key in terraform.tfvars)", fs)
	}
	got := after(t, ed, "infra/main.tf")
	for _, s := range []string{`resource "aws_ec2_capacity_reservation" "p_us_east_1c_2026_11" {`, `availability_zone = "us-east-1c"`, `instance_count    = 1`} {
		if !strings.Contains(got, s) {
			t.Errorf("infra/main.tf lacks %q:\n%s", s, got)
		}
	}
}
