package tfedit

import (
	"errors"
	"strings"
	"testing"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/inventory/terraform"
)

// AddPlanListItems appends to a list in the list's own style: a `- item`
// line in a YAML block list (the last item's comment kept on its line),
// a line like the last element's in a list written one a line (a comma
// put after the last when it has none; JSON has no trailing comma), and
// `, item` in a list written on one line. The position is the last
// element's value (schema.Plan.Positions).
func TestAddPlanListItems(t *testing.T) {
	items := []string{"aws_ec2_capacity_reservation.p_new", "infra/aws:aws_ec2_capacity_reservation.q"}
	for _, tc := range []struct {
		name, file, src string
		line, col       int
		want            string
	}{
		{name: "yaml block, plain", file: "plan.yaml", line: 4, col: 9,
			src:  "pools:\n  p:\n    reservations:\n      - aws_ec2_capacity_reservation.a # first\n    zones: [a]\n",
			want: "pools:\n  p:\n    reservations:\n      - aws_ec2_capacity_reservation.a # first\n      - aws_ec2_capacity_reservation.p_new\n      - \"infra/aws:aws_ec2_capacity_reservation.q\"\n    zones: [a]\n"},
		{name: "yaml block, single-quoted", file: "plan.yml", line: 3, col: 5,
			src:  "p:\n  reservations:\n  - 'aws_ec2_capacity_reservation.a'\n",
			want: "p:\n  reservations:\n  - 'aws_ec2_capacity_reservation.a'\n  - 'aws_ec2_capacity_reservation.p_new'\n  - 'infra/aws:aws_ec2_capacity_reservation.q'\n"},
		{name: "yaml flow, one line", file: "plan.yaml", line: 1, col: 19,
			src:  "reservations: [a, \"b\"] # two\n",
			want: "reservations: [a, \"b\", \"aws_ec2_capacity_reservation.p_new\", \"infra/aws:aws_ec2_capacity_reservation.q\"] # two\n"},
		{name: "json, one a line", file: "plan.json", line: 3, col: 5,
			src:  "{\"reservations\": [\n    \"a\",\n    \"b\"\n  ]}\n",
			want: "{\"reservations\": [\n    \"a\",\n    \"b\",\n    \"aws_ec2_capacity_reservation.p_new\",\n    \"infra/aws:aws_ec2_capacity_reservation.q\"\n  ]}\n"},
		{name: "cue, trailing commas and a comment", file: "plan.cue", line: 2, col: 2,
			src:  "reservations: [\n\t\"a\", // the first\n]\n",
			want: "reservations: [\n\t\"a\", // the first\n\t\"aws_ec2_capacity_reservation.p_new\",\n\t\"infra/aws:aws_ec2_capacity_reservation.q\",\n]\n"},
		{name: "cue, one line", file: "plan.cue", line: 1, col: 16,
			src:  "reservations: [\"a\"]\n",
			want: "reservations: [\"a\", \"aws_ec2_capacity_reservation.p_new\", \"infra/aws:aws_ec2_capacity_reservation.q\"]\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root, opts := setup(t, map[string]string{"main.tf": twoZones, "capacity/" + tc.file: tc.src}, terraform.Options{})
			ed := plan0(t, root, opts)
			at := diag.Pos{File: "capacity/" + tc.file, Line: tc.line, Column: tc.col}
			last := "aws_ec2_capacity_reservation.a"
			if strings.Contains(tc.src, `"b"`) {
				last = "b"
			} else if strings.Contains(tc.src, `"a"`) {
				last = "a"
			}
			var seen string
			if err := ed.AddPlanListItems(at, last, "pools.p.reservations", items, func(rel string, data []byte) error { seen = rel; return nil }); err != nil {
				t.Fatal(err)
			}
			if got := after(t, ed, "capacity/"+tc.file); got != tc.want {
				t.Errorf("%s =\n%s\nwant\n%s", tc.file, got, tc.want)
			}
			if seen != "capacity/"+tc.file {
				t.Errorf("checked %q, want capacity/%s", seen, tc.file)
			}
		})
	}
}

// A list element that is not the string the plan reads there, or an edit
// the schema rejects, is refused and nothing is edited.
func TestAddPlanListItemsRefused(t *testing.T) {
	const src = "reservations:\n  - aws_ec2_capacity_reservation.a\n"
	root, opts := setup(t, map[string]string{"main.tf": twoZones, "capacity/plan.yaml": src}, terraform.Options{})
	ed := plan0(t, root, opts)
	at := diag.Pos{File: "capacity/plan.yaml", Line: 2, Column: 5}
	ok := func(string, []byte) error { return nil }
	if err := ed.AddPlanListItems(at, "aws_ec2_capacity_reservation.b", "pools.p.reservations", []string{"x"}, ok); err == nil ||
		!strings.HasPrefix(err.Error(), `capacity/plan.yaml:2:5: error: the last element of pools.p.reservations is not written here as the string "aws_ec2_capacity_reservation.b"`) || len(ed.Files()) != 0 {
		t.Errorf("wrong element: %v (files %v)", err, ed.Files())
	}
	if err := ed.AddPlanListItems(at, "aws_ec2_capacity_reservation.a", "pools.p.reservations", []string{"x"}, func(string, []byte) error { return errors.New("invalid plan") }); err == nil ||
		err.Error() != "suggest: the edit of capacity/plan.yaml does not load: invalid plan" || len(ed.Files()) != 0 {
		t.Errorf("rejected by the schema: %v (files %v)", err, ed.Files())
	}
}

// AddPlanField puts a field on a line of its own after the sibling's when
// the sibling has one (YAML and CUE: no comma; JSON: a comma after the
// sibling when it has none), else `, name: value` after the sibling's
// value; a plan edited twice (a list item then a field) keeps both.
func TestAddPlanField(t *testing.T) {
	for _, tc := range []struct {
		name, file, src string
		line, col       int
		want            string
	}{
		{name: "yaml block", file: "plan.yaml", line: 3, col: 15,
			src:  "pools:\n  p:\n    strategy: hybrid # burst\n    region: r\n",
			want: "pools:\n  p:\n    strategy: hybrid # burst\n    on_demand_max_gpus: 19\n    region: r\n"},
		{name: "yaml flow", file: "plan.yaml", line: 2, col: 25,
			src:  "pools:\n  p: {gpu: x, strategy: hybrid}\n",
			want: "pools:\n  p: {gpu: x, strategy: hybrid, on_demand_max_gpus: 19}\n"},
		{name: "json last field", file: "plan.json", line: 2, col: 15,
			src:  "{\"p\": {\n  \"strategy\": \"hybrid\"\n}}\n",
			want: "{\"p\": {\n  \"strategy\": \"hybrid\",\n  \"on_demand_max_gpus\": 19\n}}\n"},
		{name: "json with a comma", file: "plan.json", line: 2, col: 15,
			src:  "{\"p\": {\n  \"strategy\": \"hybrid\",\n  \"gpu\": \"x\"\n}}\n",
			want: "{\"p\": {\n  \"strategy\": \"hybrid\",\n  \"on_demand_max_gpus\": 19,\n  \"gpu\": \"x\"\n}}\n"},
		{name: "cue", file: "plan.cue", line: 2, col: 12,
			src:  "p: {\n\tstrategy: \"hybrid\" // burst\n}\n",
			want: "p: {\n\tstrategy: \"hybrid\" // burst\n\ton_demand_max_gpus: 19\n}\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root, opts := setup(t, map[string]string{"main.tf": twoZones, "capacity/" + tc.file: tc.src}, terraform.Options{})
			ed := plan0(t, root, opts)
			at := diag.Pos{File: "capacity/" + tc.file, Line: tc.line, Column: tc.col}
			if err := ed.AddPlanField(at, "strategy", "hybrid", "on_demand_max_gpus", 19, "pools.p.on_demand_max_gpus", func(string, []byte) error { return nil }); err != nil {
				t.Fatal(err)
			}
			if got := after(t, ed, "capacity/"+tc.file); got != tc.want {
				t.Errorf("%s =\n%s\nwant\n%s", tc.file, got, tc.want)
			}
		})
	}
	// Two edits of one file: the list item (line 3) and the field
	// (line 5, below it), each at its offset in the file as read.
	const src = "p:\n  reservations:\n    - a\n  zones: [z]\n  strategy: hybrid\n"
	root, opts := setup(t, map[string]string{"main.tf": twoZones, "capacity/plan.yaml": src}, terraform.Options{})
	ed := plan0(t, root, opts)
	ok := func(string, []byte) error { return nil }
	if err := ed.AddPlanListItems(diag.Pos{File: "capacity/plan.yaml", Line: 3, Column: 7}, "a", "p.reservations", []string{"b"}, ok); err != nil {
		t.Fatal(err)
	}
	if err := ed.AddPlanField(diag.Pos{File: "capacity/plan.yaml", Line: 5, Column: 13}, "strategy", "hybrid", "on_demand_max_gpus", 19, "p.on_demand_max_gpus", ok); err != nil {
		t.Fatal(err)
	}
	if got, want := after(t, ed, "capacity/plan.yaml"), "p:\n  reservations:\n    - a\n    - b\n  zones: [z]\n  strategy: hybrid\n  on_demand_max_gpus: 19\n"; got != want {
		t.Errorf("plan.yaml =\n%s\nwant\n%s", got, want)
	}
	// A sibling whose value is not what the plan reads is refused.
	if err := ed.AddPlanField(diag.Pos{File: "capacity/plan.yaml", Line: 5, Column: 13}, "strategy", "reserved", "on_demand_max_gpus", 19, "p.on_demand_max_gpus", ok); err == nil ||
		!strings.HasPrefix(err.Error(), "capacity/plan.yaml:5:13: error: strategy is not written here as reserved") {
		t.Errorf("wrong sibling: %v", err)
	}
}
