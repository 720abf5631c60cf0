package tfedit

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/inventory/terraform"
)

var today = time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)

// setup writes files under a new repository and returns it with the
// reservations the reader finds there, every one claimed by pool "p".
func setup(t *testing.T, files map[string]string, opts terraform.Options) (string, Options) {
	t.Helper()
	root := t.TempDir()
	for name, text := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	inv, err := terraform.Discover(context.Background(), root, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Unresolved) > 0 {
		t.Fatalf("unresolved: %+v", inv.Unresolved)
	}
	for i := range inv.Reservations {
		inv.Reservations[i].Pool = "p"
	}
	return root, Options{Now: today, Entries: inv.Reservations, VarFiles: opts.VarFiles}
}

// add is an open-ended addition of n p5.48xlarge from today in zone.
func add(zone string, n int) Change {
	return Change{Action: "add", Address: "aws_ec2_capacity_reservation.p_" + strings.ReplaceAll(zone, "-", "_") + "_2026_11", Root: ".",
		Zone: zone, InstanceType: "p5.48xlarge", Instances: n, Start: "2026-11-21"}
}

func plan(t *testing.T, root string, opts Options, cs ...Change) *Edit {
	t.Helper()
	ed, err := Plan(root, []Request{{Pool: "p", Changes: cs}}, opts)
	if err != nil {
		t.Fatal(err)
	}
	return ed
}

func after(t *testing.T, ed *Edit, rel string) string {
	t.Helper()
	for _, f := range ed.files {
		if f.rel == rel {
			return string(f.new)
		}
	}
	t.Fatalf("%s is not edited (edited: %v)", rel, ed.Files())
	return ""
}

const twoZones = `# The API tier's reservations (ticket CAP-42).
resource "aws_ec2_capacity_reservation" "fix_a" {
  instance_type     = "p5.48xlarge"
  instance_platform = "Linux/UNIX"
  availability_zone = "us-east-1a"
  instance_count    = 1 # one to start with
  tags = {
    team = "api"
  }
}

resource "aws_ec2_capacity_reservation" "fix_b" {
  instance_type     = "p5.48xlarge"
  instance_platform = "Linux/UNIX"
  availability_zone = "us-east-1b"
  instance_count    = 1
}
`

// The case: one p5.48xlarge in each of two zones, +1 in a, b and
// c. a and b are open-ended reservations active today, as the additions
// are, so their counts go 1 → 2; c has none and gets a copy of fix_a
// (tags kept, no comment of fix_a's copied but its line comment), after
// fix_b, the last of the pool's blocks.
func TestRaiseAndCopy(t *testing.T) {
	root, opts := setup(t, map[string]string{"main.tf": twoZones}, terraform.Options{})
	ed := plan(t, root, opts, add("us-east-1a", 1), add("us-east-1b", 1), add("us-east-1c", 1))
	want := strings.Replace(strings.Replace(twoZones, "instance_count    = 1 # one", "instance_count    = 2 # one", 1),
		"availability_zone = \"us-east-1b\"\n  instance_count    = 1\n}\n", `availability_zone = "us-east-1b"
  instance_count    = 2
}

resource "aws_ec2_capacity_reservation" "p_us_east_1c_2026_11" {
  instance_type     = "p5.48xlarge"
  instance_platform = "Linux/UNIX"
  availability_zone = "us-east-1c"
  instance_count    = 1 # one to start with
  tags = {
    team = "api"
  }
}
`, 1)
	if got := after(t, ed, "main.tf"); got != want {
		t.Errorf("main.tf:\n%s\nwant:\n%s", got, want)
	}
	// Only the block added has a new address for the plan to claim.
	if got := ed.Created("p"); len(got) != 1 || got[0] != "aws_ec2_capacity_reservation.p_us_east_1c_2026_11" {
		t.Errorf("Created(p) = %v, want [aws_ec2_capacity_reservation.p_us_east_1c_2026_11]", got)
	}
	if err := ed.Apply(); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(filepath.Join(root, "main.tf"))
	if string(got) != want {
		t.Errorf("written:\n%s", got)
	}
	// And the reader finds 2 + 2 + 1 instances.
	_, opts2 := setup(t, map[string]string{"main.tf": string(got)}, terraform.Options{})
	n := map[string]int{}
	for _, e := range opts2.Entries {
		n[e.Zone] += e.Count
	}
	if n["us-east-1a"] != 2 || n["us-east-1b"] != 2 || n["us-east-1c"] != 1 {
		t.Errorf("counts after: %v", n)
	}
}

// An addition that starts later than today (a lead time) is never a
// raised count: that would add capacity before it can arrive. It is a
// new block with a start_date (aligned as terraform fmt aligns the
// arguments after fix_a's tags block) and, for a last day of 2027-06-30,
// the RFC 3339 end AWS takes, the instant after it: 2027-07-01T00:00:00Z.
func TestLaterStartIsANewBlock(t *testing.T) {
	root, opts := setup(t, map[string]string{"main.tf": twoZones}, terraform.Options{})
	c := add("us-east-1a", 1)
	c.Start, c.End, c.Address = "2027-01-02", "2027-06-30", "aws_ec2_capacity_reservation.p_us_east_1a_2027_01_to_2027_06"
	got := after(t, plan(t, root, opts, c), "main.tf")
	if !strings.Contains(got, "instance_count    = 1 # one") {
		t.Errorf("fix_a's count changed:\n%s", got)
	}
	for _, line := range []string{`resource "aws_ec2_capacity_reservation" "p_us_east_1a_2027_01_to_2027_06" {`,
		`  start_date    = "2027-01-02T00:00:00Z"`, `  end_date_type = "limited"`, `  end_date      = "2027-07-01T00:00:00Z"`} {
		if !strings.Contains(got, "\n"+line+"\n") {
			t.Errorf("no line %q in:\n%s", line, got)
		}
	}
}

const forEach = `resource "aws_ec2_capacity_reservation" "h100" {
  for_each = {
    "us-east-1a" = 1
    "us-east-1b" = 1 # the second zone
  }
  instance_type     = "p5.48xlarge"
  instance_platform = "Linux/UNIX"
  availability_zone = each.key
  instance_count    = each.value
}
`

// A for_each map of zone → count: the values are raised and the new zone
// is a key, on a line like the last one.
func TestForEachMap(t *testing.T) {
	root, opts := setup(t, map[string]string{"main.tf": forEach}, terraform.Options{})
	ed := plan(t, root, opts, add("us-east-1a", 1), add("us-east-1b", 1), add("us-east-1c", 1))
	want := strings.Replace(forEach, `    "us-east-1a" = 1
    "us-east-1b" = 1 # the second zone
`, `    "us-east-1a" = 2
    "us-east-1b" = 2 # the second zone
    "us-east-1c" = 1
`, 1)
	if got := after(t, ed, "main.tf"); got != want {
		t.Errorf("main.tf:\n%s\nwant:\n%s", got, want)
	}
}

// A for_each set with one count for every key: the count cannot be raised
// for one zone (every zone would get it), so raising zone a is a new
// block; a new zone with the set's count is a new element.
func TestForEachSet(t *testing.T) {
	src := `resource "aws_ec2_capacity_reservation" "h100" {
  for_each          = toset(["us-east-1a", "us-east-1b"])
  instance_type     = "p5.48xlarge"
  instance_platform = "Linux/UNIX"
  availability_zone = each.key
  instance_count    = 1
}
`
	root, opts := setup(t, map[string]string{"main.tf": src}, terraform.Options{})
	got := after(t, plan(t, root, opts, add("us-east-1c", 1)), "main.tf")
	if want := strings.Replace(src, `"us-east-1b"])`, `"us-east-1b", "us-east-1c"])`, 1); got != want {
		t.Errorf("main.tf:\n%s\nwant:\n%s", got, want)
	}
	// Copying the resource for zone a would keep availability_zone as
	// the literal and drop for_each: nothing refers to each any more.
	got = after(t, plan(t, root, opts, add("us-east-1a", 1)), "main.tf")
	if !strings.Contains(got, `"p_us_east_1a_2026_11" {
  instance_type     = "p5.48xlarge"
  instance_platform = "Linux/UNIX"
  availability_zone = "us-east-1a"
  instance_count    = 1
}`) || strings.Count(got, "for_each") != 1 {
		t.Errorf("main.tf:\n%s", got)
	}
}

// A count set by a variable is changed where Terraform takes it from:
// prod.auto.tfvars is loaded after terraform.tfvars and wins. Both fix_a
// and fix_b read it and both gain one instance, so 1 → 2 is one edit.
func TestVariableInAutoTfvars(t *testing.T) {
	tf := strings.ReplaceAll(twoZones, "instance_count    = 1", "instance_count    = var.per_zone") + `
variable "per_zone" {
  type    = number
  default = 4
}
`
	files := map[string]string{"main.tf": tf, "terraform.tfvars": "per_zone = 3\n", "prod.auto.tfvars": "# prod\nper_zone = 1 # per zone\n"}
	root, opts := setup(t, files, terraform.Options{})
	ed := plan(t, root, opts, add("us-east-1a", 1), add("us-east-1b", 1))
	if got := strings.Join(ed.Files(), " "); got != "prod.auto.tfvars" {
		t.Fatalf("edited %s", got)
	}
	if got := after(t, ed, "prod.auto.tfvars"); got != "# prod\nper_zone = 2 # per zone\n" {
		t.Errorf("prod.auto.tfvars: %q", got)
	}
	// Only zone a short: fix_b reads the variable too, so it is refused.
	_, err := Plan(root, []Request{{Pool: "p", Changes: []Change{add("us-east-1a", 1)}}}, opts)
	wantErr(t, err, "main.tf:16:23", "var.per_zone is also read by aws_ec2_capacity_reservation.fix_b")
}

// Without a variable file the default is edited.
func TestVariableDefault(t *testing.T) {
	tf := strings.ReplaceAll(twoZones, "instance_count    = 1", "instance_count    = var.per_zone") + `
variable "per_zone" {
  default = 1
}
`
	root, opts := setup(t, map[string]string{"main.tf": tf}, terraform.Options{})
	got := after(t, plan(t, root, opts, add("us-east-1a", 2), add("us-east-1b", 2)), "main.tf")
	if !strings.Contains(got, "  default = 3\n") || strings.Count(got, "var.per_zone") != 2 {
		t.Errorf("main.tf:\n%s", got)
	}
}

// A count computed by a local is not edited: a positioned error, and
// nothing to write.
func TestComputedRefused(t *testing.T) {
	tf := strings.Replace(twoZones, "instance_count    = 1 # one", "instance_count    = local.per_zone # one", 1) + `
locals {
  per_zone = 2 - 1
}
`
	root, opts := setup(t, map[string]string{"main.tf": tf}, terraform.Options{})
	_, err := Plan(root, []Request{{Pool: "p", Changes: []Change{add("us-east-1a", 1)}}}, opts)
	wantErr(t, err, "main.tf:6:23", "instance_count of aws_ec2_capacity_reservation.fix_a is local.per_zone (a local value): capcheck cannot edit it safely")
}

func wantErr(t *testing.T, err error, pos, msg string) {
	t.Helper()
	var ds diag.Diagnostics
	if !errors.As(err, &ds) {
		t.Fatalf("error %v, want a diagnostic at %s", err, pos)
	}
	if got := ds[0].Pos.String(); got != pos || !strings.Contains(ds[0].Msg, msg) {
		t.Errorf("error at %s: %s\nwant at %s: …%s…", got, ds[0].Msg, pos, msg)
	}
}

// Extending keeps the way the end is written: an RFC 3339 end is the
// instant capacity stops, so a last day of 2027-12-31 is written
// 2028-01-01T00:00:00Z; a date is the last day itself.
func TestExtend(t *testing.T) {
	src := `resource "aws_ec2_capacity_reservation" "a" {
  instance_type     = "p5.48xlarge"
  instance_platform = "Linux/UNIX"
  availability_zone = "us-east-1a"
  instance_count    = 1
  end_date_type     = "limited"
  end_date          = "2027-03-01T00:00:00Z"
}

resource "aws_ec2_capacity_reservation" "b" {
  instance_type     = "p5.48xlarge"
  instance_platform = "Linux/UNIX"
  availability_zone = "us-east-1b"
  instance_count    = 1
  end_date_type     = "limited"
  end_date          = "2027-02-28"
}
`
	root, opts := setup(t, map[string]string{"main.tf": src}, terraform.Options{})
	ext := func(addr, old, end string) Change {
		return Change{Action: "extend", Address: addr, Root: ".", Start: "2027-03-01", End: end, OldEnd: old}
	}
	got := after(t, plan(t, root, opts, ext("aws_ec2_capacity_reservation.a", "2027-03-01T00:00:00Z", "2027-12-31"),
		ext("aws_ec2_capacity_reservation.b", "2027-02-28", "")), "main.tf")
	want := strings.Replace(strings.Replace(src, `"2027-03-01T00:00:00Z"`, `"2028-01-01T00:00:00Z"`, 1),
		"  end_date_type     = \"limited\"\n  end_date          = \"2027-02-28\"\n", "  end_date_type     = \"unlimited\"\n", 1)
	if got != want {
		t.Errorf("main.tf:\n%s\nwant:\n%s", got, want)
	}
}

// Apply writes nothing when a file changed after it was read.
func TestApplyRefusesChangedFile(t *testing.T) {
	root, opts := setup(t, map[string]string{"main.tf": twoZones}, terraform.Options{})
	ed := plan(t, root, opts, add("us-east-1a", 1))
	changed := twoZones + "\n# edited meanwhile\n"
	if err := os.WriteFile(filepath.Join(root, "main.tf"), []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := ed.Apply(); err == nil || !strings.Contains(err.Error(), "main.tf changed since it was read; nothing was written") {
		t.Fatalf("Apply: %v", err)
	}
	if got, _ := os.ReadFile(filepath.Join(root, "main.tf")); string(got) != changed {
		t.Errorf("main.tf was written")
	}
}

// The diff names both sides a/ and b/, with three lines of context.
func TestDiff(t *testing.T) {
	root, opts := setup(t, map[string]string{"main.tf": twoZones}, terraform.Options{})
	got := string(plan(t, root, opts, add("us-east-1b", 1)).Diff())
	want := `diff a/main.tf b/main.tf
--- a/main.tf
+++ b/main.tf
@@ -13,5 +13,5 @@
   instance_type     = "p5.48xlarge"
   instance_platform = "Linux/UNIX"
   availability_zone = "us-east-1b"
-  instance_count    = 1
+  instance_count    = 2
 }
`
	if got != want {
		t.Errorf("diff:\n%s\nwant:\n%s", got, want)
	}
}

// A new block the pool's patterns would not claim is refused (it would be
// CAP003 after the apply); a raised count needs no claim.
func TestUnclaimedNewBlockRefused(t *testing.T) {
	root, opts := setup(t, map[string]string{"main.tf": twoZones}, terraform.Options{})
	req := Request{Pool: "p", Claim: "aws_ec2_capacity_reservation.p_*", Changes: []Change{add("us-east-1c", 1)}}
	if _, err := Plan(root, []Request{req}, opts); err == nil || !strings.Contains(err.Error(), "would not be claimed by pools.p.reservations; add aws_ec2_capacity_reservation.p_* there first") {
		t.Errorf("Plan: %v", err)
	}
	req.Changes = []Change{add("us-east-1a", 1)}
	if _, err := Plan(root, []Request{req}, opts); err != nil {
		t.Errorf("raise: %v", err)
	}
}

// A for_each set from a variable with one count from another: zone c
// (count 1, the set's) is a new element where the variable is set; zone a
// cannot have its shared count raised, so it gets a new block.
func TestForEachSetFromVariable(t *testing.T) {
	tf := `variable "zones" {
  type = list(string)
}

variable "n" {
  default = 1
}

resource "aws_ec2_capacity_reservation" "h100" {
  for_each          = toset(var.zones)
  instance_type     = "p5.48xlarge"
  instance_platform = "Linux/UNIX"
  availability_zone = each.key
  instance_count    = var.n
}
`
	files := map[string]string{"main.tf": tf, "terraform.tfvars": "zones = [\n  \"us-east-1a\",\n  \"us-east-1b\",\n]\n"}
	root, opts := setup(t, files, terraform.Options{})
	ed := plan(t, root, opts, add("us-east-1c", 1), add("us-east-1a", 1))
	if got := after(t, ed, "terraform.tfvars"); got != "zones = [\n  \"us-east-1a\",\n  \"us-east-1b\",\n  \"us-east-1c\",\n]\n" {
		t.Errorf("terraform.tfvars: %q", got)
	}
	if got := after(t, ed, "main.tf"); !strings.Contains(got, `resource "aws_ec2_capacity_reservation" "p_us_east_1a_2026_11" {
  instance_type     = "p5.48xlarge"
  instance_platform = "Linux/UNIX"
  availability_zone = "us-east-1a"
  instance_count    = 1
}`) || !strings.Contains(got, "  instance_count    = var.n\n") {
		t.Errorf("main.tf:\n%s", got)
	}
}

// A GCP reservation keeps its count in specific_reservation.count, and a
// copy gets a name of its own (names are unique in a project).
func TestGoogleReservation(t *testing.T) {
	src := `resource "google_compute_reservation" "a3" {
  name = "a3-us-central1-a"
  zone = "us-central1-a"
  specific_reservation {
    count = 2
    instance_properties {
      machine_type = "a3-highgpu-8g"
    }
  }
}
`
	root, opts := setup(t, map[string]string{"main.tf": src}, terraform.Options{})
	gadd := func(zone string) Change {
		return Change{Action: "add", Address: "google_compute_reservation.p_" + strings.ReplaceAll(zone, "-", "_") + "_2026_11", Root: ".",
			Zone: zone, InstanceType: "a3-highgpu-8g", Instances: 1, Start: "2026-11-21"}
	}
	got := after(t, plan(t, root, opts, gadd("us-central1-a"), gadd("us-central1-b")), "main.tf")
	want := strings.Replace(src, "count = 2", "count = 3", 1) + `
resource "google_compute_reservation" "p_us_central1_b_2026_11" {
  name = "p-us-central1-b-2026-11"
  zone = "us-central1-b"
  specific_reservation {
    count = 1
    instance_properties {
      machine_type = "a3-highgpu-8g"
    }
  }
}
`
	if got != want {
		t.Errorf("main.tf:\n%s\nwant:\n%s", got, want)
	}
}

// A file reached through a symbolic link inside the repository is written
// where the link leads; the link stays a link.
func TestApplyThroughLink(t *testing.T) {
	root, _ := setup(t, map[string]string{"shared/fix.tf.src": twoZones}, terraform.Options{})
	if err := os.MkdirAll(filepath.Join(root, "infra"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../shared/fix.tf.src", filepath.Join(root, "infra", "main.tf")); err != nil {
		t.Fatal(err)
	}
	inv, err := terraform.Discover(context.Background(), root, terraform.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range inv.Reservations {
		inv.Reservations[i].Pool = "p"
	}
	c := add("us-east-1a", 1)
	c.Root = "infra"
	ed := plan(t, root, Options{Now: today, Entries: inv.Reservations}, c)
	if err := ed.Apply(); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Lstat(filepath.Join(root, "infra", "main.tf")); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Errorf("infra/main.tf is no longer a link (%v)", err)
	}
	if got, _ := os.ReadFile(filepath.Join(root, "shared", "fix.tf.src")); !strings.Contains(string(got), "instance_count    = 2 # one") {
		t.Errorf("the link's target:\n%s", got)
	}
}

// A capacity block from 2027-01-01 of 63 days (1 512 h) of 3
// p5.48xlarge is written as the repository's pattern, an offering and
// the block bought from it, after fix_b (the pool's last reservation in
// the file). Blocks start and end at 11:30 UTC, so the search window is
// the one block from 2026-12-31T11:30:00Z (the day before) to 1 512 h
// later, 2026-12-31 + 63 days = 2027-03-04T11:30:00Z; the reader lists
// it as 3 × 8 = 24 GPUs of kind capacity-block over exactly that
// (first whole day 2027-01-01, last 2027-03-03). Everything before
// stays byte for byte.
func TestCapacityBlock(t *testing.T) {
	root, opts := setup(t, map[string]string{"main.tf": twoZones}, terraform.Options{})
	c := Change{Kind: KindCapacityBlock, Action: "add", Address: "aws_ec2_capacity_block_reservation.p_block_2027_01_01_to_2027_02",
		Root: ".", InstanceType: "p5.48xlarge", Instances: 3, Start: "2027-01-01", End: "2027-03-03", DurationHours: 1512}
	ed := plan(t, root, opts, c)
	want := twoZones + `
data "aws_ec2_capacity_block_offering" "p_block_2027_01_01_to_2027_02" {
  instance_type           = "p5.48xlarge"
  instance_count          = 3
  capacity_duration_hours = 1512
  start_date_range        = "2026-12-31T11:30:00Z"
  end_date_range          = "2027-03-04T11:30:00Z"
}

resource "aws_ec2_capacity_block_reservation" "p_block_2027_01_01_to_2027_02" {
  capacity_block_offering_id = data.aws_ec2_capacity_block_offering.p_block_2027_01_01_to_2027_02.capacity_block_offering_id
  instance_platform          = "Linux/UNIX"
}
`
	got := after(t, ed, "main.tf")
	if got != want {
		t.Errorf("main.tf:\n%s\nwant:\n%s", got, want)
	}
	_, opts2 := setup(t, map[string]string{"main.tf": got}, terraform.Options{})
	var found bool
	for _, e := range opts2.Entries {
		if e.Address == c.Address {
			found = true
			if e.Kind != "capacity-block" || e.GPUs != 24 || e.Start != "2026-12-31T11:30:00Z" || e.End != "2027-03-04T11:30:00Z" || e.Zone != "" {
				t.Errorf("block read as %+v", e)
			}
		}
	}
	if !found {
		t.Errorf("the block is not read back: %+v", opts2.Entries)
	}
	// Twice is refused, at the block already there.
	root2, opts3 := setup(t, map[string]string{"main.tf": got}, terraform.Options{})
	if _, err := Plan(root2, []Request{{Pool: "p", Changes: []Change{c}}}, opts3); err == nil || !strings.Contains(err.Error(), "main.tf:19:1") || !strings.Contains(err.Error(), "exists already") {
		t.Errorf("second add: %v, want an error at main.tf:19:1", err)
	}
}

// SetPlanNumber changes only the number at the position (YAML here, its
// comment kept), refuses one that is not the number expected there
// (plan.yaml:2:23, nothing edited) and an edit the schema's load
// rejects.
func TestSetPlanNumber(t *testing.T) {
	const plan = "pools:\n  h100: {on_demand_max_gpus: 8} # reviewed\n"
	root, opts := setup(t, map[string]string{"main.tf": twoZones, "capacity/plan.yaml": plan}, terraform.Options{})
	at := diag.Pos{File: "capacity/plan.yaml", Line: 2, Column: 30}
	read := func(rel string, data []byte) (float64, error) {
		if !strings.Contains(string(data), "on_demand_max_gpus: 19}") {
			return 0, errors.New("not edited")
		}
		return 19, nil
	}
	ed := plan0(t, root, opts)
	if err := ed.SetPlanNumber(at, "pools.h100.on_demand_max_gpus", 8, 19, read); err != nil {
		t.Fatal(err)
	}
	if got, want := after(t, ed, "capacity/plan.yaml"), "pools:\n  h100: {on_demand_max_gpus: 19} # reviewed\n"; got != want {
		t.Errorf("plan.yaml = %q, want %q", got, want)
	}
	ed = plan0(t, root, opts)
	wrong := diag.Pos{File: "capacity/plan.yaml", Line: 2, Column: 23}
	if err := ed.SetPlanNumber(wrong, "pools.h100.on_demand_max_gpus", 8, 19, read); err == nil || !strings.HasPrefix(err.Error(), "capacity/plan.yaml:2:23: error: pools.h100.on_demand_max_gpus is not written here as the number 8") || len(ed.Files()) != 0 {
		t.Errorf("wrong position: %v (files %v)", err, ed.Files())
	}
	if err := ed.SetPlanNumber(at, "pools.h100.on_demand_max_gpus", 8, 19, func(string, []byte) (float64, error) { return 0, errors.New("invalid plan") }); err == nil || !strings.Contains(err.Error(), "does not load: invalid plan") || len(ed.Files()) != 0 {
		t.Errorf("rejected by the schema: %v (files %v)", err, ed.Files())
	}
}

// plan0 is an edit of nothing (a plan file's edit added to it).
func plan0(t *testing.T, root string, opts Options) *Edit {
	t.Helper()
	ed, err := Plan(root, nil, opts)
	if err != nil {
		t.Fatal(err)
	}
	return ed
}
