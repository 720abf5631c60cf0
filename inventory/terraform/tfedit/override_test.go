package tfedit

import (
	"errors"
	"strings"
	"testing"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/inventory/terraform"
)

// planErr is Plan's error for cs as the one diagnostic it must be.
func planErr(t *testing.T, root string, opts Options, cs ...Change) string {
	t.Helper()
	_, err := Plan(root, []Request{{Pool: "p", Changes: cs}}, opts)
	var ds diag.Diagnostics
	if !errors.As(err, &ds) || len(ds) != 1 {
		t.Fatalf("Plan = %v, want one diagnostic", err)
	}
	return ds[0].String()
}

// An override file that sets fix_a's instance_count (3) is what Terraform
// reads: raising the 1 of main.tf would change nothing, so the raise is
// refused at the override's argument (override.tf line 2, column 3).
// Today's tfedit read main.tf's 1 and stopped at "reads 1 here but
// evaluates to 3", at main.tf, where no edit can help.
func TestOverrideCountRefused(t *testing.T) {
	over := `resource "aws_ec2_capacity_reservation" "fix_a" {
  instance_count = 3
}
`
	root, opts := setup(t, map[string]string{"main.tf": twoZones, "override.tf": over}, terraform.Options{})
	got := planErr(t, root, opts, add("us-east-1a", 1))
	want := "override.tf:2:3: error: instance_count of aws_ec2_capacity_reservation.fix_a is set in the override file override.tf, which Terraform reads instead of instance_count's in main.tf: editing that would change nothing, and capcheck does not edit override files; make the change here by hand"
	if got != want {
		t.Errorf("error\n%s\nwant\n%s", got, want)
	}
}

// An override that sets only tags leaves instance_count where main.tf
// writes it: the raise is made there, 1 → 2, and nothing else changes
// (the override file is not edited).
func TestOverrideOtherArgumentKept(t *testing.T) {
	over := `resource "aws_ec2_capacity_reservation" "fix_a" {
  tags = { team = "search" }
}
`
	root, opts := setup(t, map[string]string{"main.tf": twoZones, "a_override.tf": over}, terraform.Options{})
	ed := plan(t, root, opts, add("us-east-1a", 1))
	want := strings.Replace(twoZones, "instance_count    = 1 # one", "instance_count    = 2 # one", 1)
	if got := after(t, ed, "main.tf"); got != want {
		t.Errorf("main.tf:\n%s\nwant:\n%s", got, want)
	}
	if fs := ed.Files(); len(fs) != 1 || fs[0] != "main.tf" {
		t.Errorf("files edited %v, want [main.tf]", fs)
	}
}

// A zone with no reservation gets a copy of fix_a; with fix_a overridden
// the copy would leave the override's arguments out, so it is refused at
// the override block (x_override.tf:1:1).
func TestOverrideCopyRefused(t *testing.T) {
	over := `resource "aws_ec2_capacity_reservation" "fix_a" {
  tags = { team = "search" }
}
`
	root, opts := setup(t, map[string]string{"main.tf": twoZones, "x_override.tf": over}, terraform.Options{})
	got := planErr(t, root, opts, add("us-east-1c", 1))
	want := "x_override.tf:1:1: error: aws_ec2_capacity_reservation.fix_a is overridden in x_override.tf, which Terraform merges over its block in main.tf: capcheck edits (and copies) the block, not the merge, and does not edit override files; make the change by hand"
	if got != want {
		t.Errorf("error\n%s\nwant\n%s", got, want)
	}
}

// An end_date set in an override is where the extension would have to
// go: refused there (override.tf line 3, column 3), main.tf untouched.
func TestOverrideEndRefused(t *testing.T) {
	src := `resource "aws_ec2_capacity_reservation" "a" {
  instance_type     = "p5.48xlarge"
  instance_platform = "Linux/UNIX"
  availability_zone = "us-east-1a"
  instance_count    = 1
  end_date_type     = "limited"
  end_date          = "2027-01-31"
}
`
	over := `resource "aws_ec2_capacity_reservation" "a" {
  end_date_type = "limited"
  end_date      = "2027-02-28"
}
`
	root, opts := setup(t, map[string]string{"main.tf": src, "override.tf": over}, terraform.Options{})
	got := planErr(t, root, opts, Change{Action: "extend", Address: "aws_ec2_capacity_reservation.a", Root: ".", Start: "2027-03-01", End: "2027-12-31", OldEnd: "2027-02-28"})
	// end_date comes first in the names checked; end_date_type (line 2)
	// would be refused the same way.
	want := "override.tf:3:3: error: end_date of aws_ec2_capacity_reservation.a is set in the override file override.tf, which Terraform reads instead of end_date's in main.tf: editing that would change nothing, and capcheck does not edit override files; make the change here by hand"
	if got != want {
		t.Errorf("error\n%s\nwant\n%s", got, want)
	}
}

// A for_each map replaced in an override: the key for a new zone would
// have to go into the override's map; refused at it (line 2, column 3).
func TestOverrideForEachRefused(t *testing.T) {
	src := `resource "aws_ec2_capacity_reservation" "z" {
  for_each          = { "us-east-1a" = 1 }
  instance_type     = "p5.48xlarge"
  instance_platform = "Linux/UNIX"
  availability_zone = each.key
  instance_count    = each.value
}
`
	over := `resource "aws_ec2_capacity_reservation" "z" {
  for_each = { "us-east-1a" = 2 }
}
`
	root, opts := setup(t, map[string]string{"main.tf": src, "zones_override.tf": over}, terraform.Options{})
	got := planErr(t, root, opts, add("us-east-1b", 1))
	want := "zones_override.tf:2:3: error: for_each of aws_ec2_capacity_reservation.z is set in the override file zones_override.tf, which Terraform reads instead of for_each's in main.tf: editing that would change nothing, and capcheck does not edit override files; make the change here by hand"
	if got != want {
		t.Errorf("error\n%s\nwant\n%s", got, want)
	}
}

// A module call whose for_each an override replaces: the count of
// us-east-1a is the override's 3, not terraform.tfvars' 2, and the call
// is followed in its block only, so the raise is refused at the override
// block (infra/override.tf:1:1); terraform.tfvars is not edited.
func TestOverrideModuleCallRefused(t *testing.T) {
	tree := map[string]string{"infra/override.tf": `module "gpu" {
  for_each = { "us-east-1a" = 3, "us-east-1b" = 1 }
}
`}
	for k, v := range moduleTree {
		tree[k] = v
	}
	root, opts := setup(t, tree, terraform.Options{})
	for _, e := range opts.Entries {
		if e.Zone == "us-east-1a" && e.Count != 3 {
			t.Fatalf("the reader counts %d in us-east-1a, want the override's 3", e.Count)
		}
	}
	got := planErr(t, root, opts, mod("us-east-1a", 1))
	want := "infra/override.tf:1:1: error: module gpu is overridden in infra/override.tf, which Terraform merges over its block in infra/main.tf: capcheck edits (and copies) the block, not the merge, and does not edit override files; make the change by hand"
	if got != want {
		t.Errorf("error\n%s\nwant\n%s", got, want)
	}
}

// A variable's default set again in an override file is the default
// Terraform reads: raising main.tf's `default = 1` would change nothing
// (the override's 1 stays), so the raise is refused at the override's
// default (override.tf line 2, column 3). Before, main.tf was edited to
// 2 and Terraform still read 1.
func TestOverrideVariableDefaultRefused(t *testing.T) {
	tf := twoZones + `
variable "per_a" {
  type    = number
  default = 1
}
`
	tf = strings.Replace(tf, "instance_count    = 1 # one", "instance_count    = var.per_a # one", 1)
	over := `variable "per_a" {
  default = 1
}
`
	root, opts := setup(t, map[string]string{"main.tf": tf, "override.tf": over}, terraform.Options{})
	got := planErr(t, root, opts, add("us-east-1a", 1))
	want := "override.tf:2:3: error: default of variable per_a is set in the override file override.tf, which Terraform reads instead of default's in main.tf: editing that would change nothing, and capcheck does not edit override files; make the change here by hand"
	if got != want {
		t.Errorf("error\n%s\nwant\n%s", got, want)
	}
}

// The variable's base block sorts after the override (variables.tf >
// override.tf): the default is still looked for in the base block, and an
// override that sets only the description leaves it there: 1 → 2 in
// variables.tf, override.tf untouched.
func TestOverrideVariableDescriptionKept(t *testing.T) {
	tf := strings.Replace(twoZones, "instance_count    = 1 # one", "instance_count    = var.per_a # one", 1)
	vars := `variable "per_a" {
  type    = number
  default = 1
}
`
	over := `variable "per_a" {
  description = "zone a's instances"
}
`
	root, opts := setup(t, map[string]string{"main.tf": tf, "variables.tf": vars, "override.tf": over}, terraform.Options{})
	ed := plan(t, root, opts, add("us-east-1a", 1))
	if fs := ed.Files(); len(fs) != 1 || fs[0] != "variables.tf" {
		t.Fatalf("files edited %v, want [variables.tf]", fs)
	}
	if got, want := after(t, ed, "variables.tf"), strings.Replace(vars, "default = 1", "default = 2", 1); got != want {
		t.Errorf("variables.tf:\n%s\nwant:\n%s", got, want)
	}
}
