package tfedit

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/inventory/terraform"
)

// A plan file changed after the edit read it is not written, nor is the
// Terraform the same edit changes (written only when every file is as
// read): the plan gains a reservation of the block the Terraform edit
// adds, then someone edits the plan; Apply refuses, both files as they
// are on disk.
func TestApplyRefusesChangedPlan(t *testing.T) {
	const src = "pools:\n  p:\n    reservations:\n      - aws_ec2_capacity_reservation.fix_a\n"
	root, opts := setup(t, map[string]string{"main.tf": twoZones, "capacity/plan.yaml": src}, terraform.Options{})
	ed := plan0(t, root, opts)
	if err := ed.AddPlanListItems(diag.Pos{File: "capacity/plan.yaml", Line: 4, Column: 9}, "aws_ec2_capacity_reservation.fix_a", "pools.p.reservations",
		[]string{"aws_ec2_capacity_reservation.new"}, func(string, []byte) error { return nil }); err != nil {
		t.Fatal(err)
	}
	ed2 := plan(t, root, opts, add("us-east-1a", 1))
	ed.files = append(ed2.files, ed.files...) // main.tf first: it would be written first
	changed := src + "# edited meanwhile\n"
	if err := os.WriteFile(filepath.Join(root, "capacity", "plan.yaml"), []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := ed.Apply(); err == nil || err.Error() != "suggest --apply: capacity/plan.yaml changed since it was read; nothing was written: run capcheck suggest again" {
		t.Fatalf("Apply: %v", err)
	}
	if got, _ := os.ReadFile(filepath.Join(root, "capacity", "plan.yaml")); string(got) != changed {
		t.Errorf("capacity/plan.yaml was written:\n%s", got)
	}
	if got, _ := os.ReadFile(filepath.Join(root, "main.tf")); string(got) != twoZones {
		t.Errorf("main.tf was written:\n%s", got)
	}
}

// A plan file that is a symbolic link is not written when the link
// points elsewhere by the time of Apply (even to the same text), nor
// read when it points out of the repository.
func TestApplyPlanSymlink(t *testing.T) {
	const src = "reservations: [a]\n"
	root, opts := setup(t, map[string]string{"main.tf": twoZones, "capacity/real.yaml": src, "capacity/other.yaml": src}, terraform.Options{})
	link := filepath.Join(root, "capacity", "plan.yaml")
	if err := os.Symlink("real.yaml", link); err != nil {
		t.Fatal(err)
	}
	at := diag.Pos{File: "capacity/plan.yaml", Line: 1, Column: 16}
	ok := func(string, []byte) error { return nil }
	ed := plan0(t, root, opts)
	if err := ed.AddPlanListItems(at, "a", "reservations", []string{"b"}, ok); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(link); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("other.yaml", link); err != nil {
		t.Fatal(err)
	}
	if err := ed.Apply(); err == nil || err.Error() != "suggest --apply: capacity/plan.yaml now resolves elsewhere; nothing was written: run capcheck suggest again" {
		t.Fatalf("Apply after the link moved: %v", err)
	}
	for _, f := range []string{"real.yaml", "other.yaml"} {
		if got, _ := os.ReadFile(filepath.Join(root, "capacity", f)); string(got) != src {
			t.Errorf("capacity/%s was written:\n%s", f, got)
		}
	}

	// Out of the repository: not read, nothing edited.
	outside := filepath.Join(t.TempDir(), "plan.yaml")
	if err := os.WriteFile(outside, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(link); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, link); err != nil {
		t.Fatal(err)
	}
	ed = plan0(t, root, opts)
	if err := ed.AddPlanListItems(at, "a", "reservations", []string{"b"}, ok); err == nil || !strings.Contains(err.Error(), "capacity/plan.yaml resolves outside the repository") || len(ed.Files()) != 0 {
		t.Errorf("a plan linked out of the repository: %v (files %v)", err, ed.Files())
	}
}

// An edit of a file with CRLF line ends adds lines ending so (it added
// LF ones, mixing the two): a `- item` line in a YAML block list, a line
// like the last element's in a JSON list one a line (the last line of
// the file, without a line end, takes the file's), and a field on a
// line of its own in YAML.
func TestPlanEditCRLF(t *testing.T) {
	ok := func(string, []byte) error { return nil }
	for _, tc := range []struct {
		name, file, src, want string
		edit                  func(ed *Edit, file string) error
	}{
		{name: "yaml block list", file: "plan.yaml",
			src:  "reservations:\r\n  - a # first\r\nzones: [x]\r\n",
			want: "reservations:\r\n  - a # first\r\n  - b\r\nzones: [x]\r\n",
			edit: func(ed *Edit, file string) error {
				return ed.AddPlanListItems(diag.Pos{File: file, Line: 2, Column: 5}, "a", "reservations", []string{"b"}, ok)
			}},
		{name: "json one a line, last line", file: "plan.json",
			src:  "{\"reservations\": [\r\n  \"a\"\r\n]}\r\n",
			want: "{\"reservations\": [\r\n  \"a\",\r\n  \"b\"\r\n]}\r\n",
			edit: func(ed *Edit, file string) error {
				return ed.AddPlanListItems(diag.Pos{File: file, Line: 2, Column: 3}, "a", "reservations", []string{"b"}, ok)
			}},
		{name: "cue, the file's last line", file: "plan.cue",
			src:  "x: 1\r\nreservations: [\r\n\t\"a\"",
			want: "x: 1\r\nreservations: [\r\n\t\"a\",\r\n\t\"b\"",
			edit: func(ed *Edit, file string) error {
				return ed.AddPlanListItems(diag.Pos{File: file, Line: 3, Column: 2}, "a", "reservations", []string{"b"}, ok)
			}},
		{name: "yaml field", file: "plan.yaml",
			src:  "p:\r\n  strategy: hybrid\r\n  gpu: L4\r\n",
			want: "p:\r\n  strategy: hybrid\r\n  on_demand_max_gpus: 4\r\n  gpu: L4\r\n",
			edit: func(ed *Edit, file string) error {
				return ed.AddPlanField(diag.Pos{File: file, Line: 2, Column: 13}, "strategy", "hybrid", "on_demand_max_gpus", 4, "p.on_demand_max_gpus", ok)
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root, opts := setup(t, map[string]string{"main.tf": twoZones, "capacity/" + tc.file: tc.src}, terraform.Options{})
			ed := plan0(t, root, opts)
			if err := tc.edit(ed, "capacity/"+tc.file); err != nil {
				t.Fatal(err)
			}
			if got := after(t, ed, "capacity/"+tc.file); got != tc.want {
				t.Errorf("%s = %q, want %q", tc.file, got, tc.want)
			}
		})
	}
}

// A value the plan reads through a YAML anchor or alias (the position is
// the anchor's: where the plan reads an aliased value) is not edited:
// other values may share it, so the edit would change them too. Columns
// by hand: "  a: {on_demand_max_gpus: " is 26 characters, the anchor at
// 27; "  - " 4, the anchor at 5; "    strategy: " 14, the alias at 15.
func TestPlanEditYAMLAnchors(t *testing.T) {
	const src = "pools:\n  a: {on_demand_max_gpus: &n 8, strategy: hybrid}\n  b: {on_demand_max_gpus: *n}\nr:\n  - &r x\n  - *r\nc:\n    strategy: *s\n"
	root, opts := setup(t, map[string]string{"main.tf": twoZones, "capacity/plan.yaml": src}, terraform.Options{})
	ed := plan0(t, root, opts)
	ok := func(string, []byte) error { return nil }
	err := ed.SetPlanNumber(diag.Pos{File: "capacity/plan.yaml", Line: 2, Column: 27}, "pools.b.on_demand_max_gpus", 8, 9, func(string, []byte) (float64, error) { return 9, nil })
	if want := "capacity/plan.yaml:2:27: error: pools.b.on_demand_max_gpus is written through the YAML anchor &n, which other values may share: capcheck cannot edit it safely; set it to 9 by hand"; err == nil || err.Error() != want {
		t.Errorf("SetPlanNumber = %v\nwant %s", err, want)
	}
	err = ed.AddPlanListItems(diag.Pos{File: "capacity/plan.yaml", Line: 5, Column: 5}, "x", "r", []string{"y"}, ok)
	if want := "capacity/plan.yaml:5:5: error: the last element of r is written through the YAML anchor &r, which other values may share: capcheck cannot edit it safely; add y by hand"; err == nil || err.Error() != want {
		t.Errorf("AddPlanListItems = %v\nwant %s", err, want)
	}
	err = ed.AddPlanField(diag.Pos{File: "capacity/plan.yaml", Line: 8, Column: 15}, "strategy", "hybrid", "on_demand_max_gpus", 4, "c.on_demand_max_gpus", ok)
	if want := "capacity/plan.yaml:8:15: error: strategy is written through the YAML alias *s: capcheck cannot add on_demand_max_gpus next to it safely; add on_demand_max_gpus: 4 by hand"; err == nil || err.Error() != want {
		t.Errorf("AddPlanField = %v\nwant %s", err, want)
	}
	if len(ed.Files()) != 0 {
		t.Errorf("edited %v", ed.Files())
	}
}
