package tfedit

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/schema"
)

// fuzzPlanYAML is a plan small enough to seed FuzzPlanEdit (< 1 KiB in
// each format); fuzzPlanJSON and fuzzPlanCUE say the same.
const fuzzPlanYAML = `name: fix
owner: team-api
reviewed: "2026-11-10"
horizon_months: 12
scenarios:
  conservative: {monthly_growth: 0}
  moderate: {monthly_growth: 0}
  aggressive: {monthly_growth: 0}
contingency: "Shed free-tier traffic first."
pools:
  p:
    gpu: H100-SXM
    region: us-east-1
    strategy: hybrid
    on_demand_max_gpus: 8 # ceiling
    lead_time_weeks: 0
    price_per_gpu_hour: {reserved: 4, on_demand: 6}
    reservations:
      - aws_ec2_capacity_reservation.a # first
      - 'aws_ec2_capacity_reservation.b'
  q: {gpu: "H100-SXM", region: us-east-1, lead_time_weeks: 4, price_per_gpu_hour: {reserved: 4, on_demand: 6}, reservations: [aws_ec2_capacity_reservation.c]}
workloads:
  api:
    kind: inference
    pool: p
    requests_per_s: {p95: 20, peak: 20}
    requests_per_s_per_gpu: 1
    slo: {availability: 0.999}
`

const fuzzPlanJSON = `{"name": "fix", "owner": "team-api", "reviewed": "2026-11-10", "horizon_months": 12,
 "scenarios": {"conservative": {"monthly_growth": 0}, "moderate": {"monthly_growth": 0}, "aggressive": {"monthly_growth": 0}},
 "contingency": "Shed free-tier traffic first.",
 "pools": {
  "p": {"gpu": "H100-SXM", "region": "us-east-1", "strategy": "hybrid", "on_demand_max_gpus": 8,
   "lead_time_weeks": 0, "price_per_gpu_hour": {"reserved": 4, "on_demand": 6},
   "reservations": [
    "aws_ec2_capacity_reservation.a",
    "aws_ec2_capacity_reservation.b"
   ]},
  "q": {"gpu": "H100-SXM", "region": "us-east-1", "lead_time_weeks": 4, "price_per_gpu_hour": {"reserved": 4, "on_demand": 6}, "reservations": ["aws_ec2_capacity_reservation.c"]}
 },
 "workloads": {"api": {"kind": "inference", "pool": "p", "requests_per_s": {"p95": 20, "peak": 20},
  "requests_per_s_per_gpu": 1, "slo": {"availability": 0.999}}}}
`

const fuzzPlanCUE = `name:           "fix"
owner:          "team-api"
reviewed:       "2026-11-10"
horizon_months: 12
scenarios: {
	conservative: monthly_growth: 0
	moderate: monthly_growth:     0
	aggressive: monthly_growth:   0
}
contingency: "Shed free-tier traffic first."
pools: p: {
	gpu:                "H100-SXM"
	region:             "us-east-1"
	strategy:           "hybrid"
	on_demand_max_gpus: 8 // ceiling
	lead_time_weeks:    0
	price_per_gpu_hour: {reserved: 4, on_demand: 6}
	reservations: [
		"aws_ec2_capacity_reservation.a",
		"aws_ec2_capacity_reservation.b", // last
	]
}
pools: q: {gpu: "H100-SXM", region: "us-east-1", lead_time_weeks: 4, price_per_gpu_hour: {reserved: 4, on_demand: 6}, reservations: ["aws_ec2_capacity_reservation.c"]}
workloads: api: {
	kind: "inference"
	pool: "p"
	requests_per_s: {p95: 20, peak: 20}
	requests_per_s_per_gpu: 1
	slo: availability: 0.999
}
`

// fuzzPlanCompare compares plans as they read (workspace's planCompare).
var fuzzPlanCompare = cmp.Options{
	cmpopts.IgnoreFields(schema.Plan{}, "File", "Positions"),
	cmpopts.IgnoreTypes(diag.Pos{}, diag.Range{}),
	cmpopts.EquateEmpty(),
}

// fuzzSplice is the text a splice may add besides the items or field:
// separators and indentation.
var fuzzSplice = regexp.MustCompile(`^([,\s]|- )*$`)

// FuzzPlanEdit: an edit of a plan (YAML, JSON or CUE, by format % 3) as
// suggest --apply makes them (op % 3: SetPlanNumber of a pool's
// on_demand_max_gpus, AddPlanListItems of item to its reservations,
// AddPlanField of on_demand_max_gpus next to its strategy, region or
// gpu; the pool by pool % its count) is refused with an error and
// nothing edited, or the edited file loads through the schema as the
// plan with that change and nothing else, and the edit is the file as
// read with only the number replaced, or only text added that is the
// items or the field, separators, indentation and line ends like the
// file's (CRLF in a CRLF file).
func FuzzPlanEdit(f *testing.F) {
	for i, src := range []string{fuzzPlanYAML, fuzzPlanJSON, fuzzPlanCUE} {
		for op := range 3 {
			f.Add(src, uint8(i), uint8(op), uint8(op/2), "aws_ec2_capacity_reservation.new", 19.0)
		}
		f.Add(src, uint8(i), uint8(1), uint8(1), "infra/aws:aws_ec2_capacity_reservation.x[\"a\"]", 2.5)
	}
	// CRLF line ends, a byte order mark, a flow mapping per pool, a tab
	// in CUE, a value with a UTF-8 name before it on its line.
	crlf := strings.ReplaceAll(fuzzPlanYAML, "\n", "\r\n")
	for op := range 3 {
		f.Add(crlf, uint8(0), uint8(op), uint8(op/2), "x", 3.0)
		f.Add("\ufeff"+fuzzPlanYAML, uint8(0), uint8(op), uint8(op/2), "x", 3.0)
	}
	f.Add(strings.Replace(fuzzPlanYAML, "contingency: \"Shed", "contingency: \"Shed é", 1), uint8(0), uint8(1), uint8(1), "ü", 1.0)
	f.Add(strings.Replace(fuzzPlanCUE, "strategy:           \"hybrid\"", "strategy:\t\"hybrid\"", 1), uint8(2), uint8(2), uint8(1), "x", 7.0)
	// YAML anchors and aliases: q's ceiling is p's (an alias of the
	// anchored number), p's last reservation an alias of its first.
	anchored := strings.Replace(strings.Replace(strings.Replace(fuzzPlanYAML, "on_demand_max_gpus: 8", "on_demand_max_gpus: &n 8", 1),
		"{gpu: \"H100-SXM\",", "{on_demand_max_gpus: *n, strategy: hybrid, gpu: \"H100-SXM\",", 1),
		"- aws_ec2_capacity_reservation.a # first\n      - 'aws_ec2_capacity_reservation.b'", "- &a aws_ec2_capacity_reservation.a\n      - 'aws_ec2_capacity_reservation.b'\n      - *a", 1)
	for op := range 2 {
		for pool := range 2 {
			f.Add(anchored, uint8(0), uint8(op), uint8(pool), "x", 9.0)
		}
	}
	f.Add("name: x\npools: {p: {reservations: [a]}}\n", uint8(0), uint8(1), uint8(0), "b", 1.0)
	root := f.TempDir() // each fuzz process its own; the plan is only read
	f.Fuzz(func(t *testing.T, src string, format, op, poolIdx uint8, item string, value float64) {
		rel := "capacity/plan." + [...]string{"yaml", "json", "cue"}[format%3]
		p, err := schema.LoadPlanBytes(rel, []byte(src))
		if err != nil || len(p.Pools) == 0 {
			return
		}
		if err := os.MkdirAll(filepath.Join(root, "capacity"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, filepath.FromSlash(rel)), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		names := slices.Sorted(maps.Keys(p.Pools))
		pool := names[int(poolIdx)%len(names)]
		pl := p.Pools[pool]
		checked := 0
		check := func(change func(np *schema.Pool)) func(string, []byte) error {
			return func(r string, data []byte) error {
				if r != rel {
					return fmt.Errorf("checked %s, want %s", r, rel)
				}
				got, err := schema.LoadPlanBytes(r, data)
				if err != nil {
					return err
				}
				want := *p
				want.Pools = maps.Clone(p.Pools)
				np := *pl
				np.Reservations = slices.Clone(np.Reservations)
				change(&np)
				want.Pools[pool] = &np
				if d := cmp.Diff(&want, got, fuzzPlanCompare); d != "" {
					return fmt.Errorf("differs (-want +got):\n%s", d)
				}
				checked++
				return nil
			}
		}
		ed := &Edit{root: root}
		var added []string // texts the splices may add
		what := "pools." + pool
		switch op % 3 {
		case 0:
			pos, ok := p.Positions[what+".on_demand_max_gpus"]
			if !ok || value < 0 || value > 1e6 {
				return
			}
			err = ed.SetPlanNumber(pos, what+".on_demand_max_gpus", pl.OnDemandMaxGPUs, value, func(r string, data []byte) (float64, error) {
				if err := check(func(np *schema.Pool) { np.OnDemandMaxGPUs = value })(r, data); err != nil {
					return 0, err
				}
				return value, nil
			})
		case 1:
			n := len(pl.Reservations)
			pos, ok := p.Positions[fmt.Sprintf("%s.reservations[%d]", what, n-1)]
			if n == 0 || !ok || item == "" {
				return
			}
			items := []string{item, item + "_2"}
			for _, it := range items {
				added = append(added, it, strconv.Quote(it), "'"+strings.ReplaceAll(it, "'", "''")+"'")
			}
			err = ed.AddPlanListItems(pos, pl.Reservations[n-1], what+".reservations", items, check(func(np *schema.Pool) {
				np.Reservations = append(np.Reservations, items...)
			}))
		case 2:
			if _, ok := p.Positions[what+".on_demand_max_gpus"]; ok || value < 0 || value > 1e6 {
				return
			}
			text := strconv.FormatFloat(value, 'f', -1, 64)
			added = []string{"on_demand_max_gpus: " + text, `"on_demand_max_gpus": ` + text}
			for _, sib := range []struct{ key, value string }{{"strategy", pl.Strategy}, {"region", pl.Region}, {"gpu", pl.GPU}} {
				if pos, ok := p.Positions[what+"."+sib.key]; ok && pos != p.PosOf(what) {
					err = ed.AddPlanField(pos, sib.key, sib.value, "on_demand_max_gpus", value, what+".on_demand_max_gpus", check(func(np *schema.Pool) { np.OnDemandMaxGPUs = value }))
					break
				}
			}
		}
		t.Logf("%s pools.%s op %d: %v", rel, pool, op%3, err)
		if err != nil {
			if len(ed.Files()) != 0 {
				t.Fatalf("refused (%v), yet %v edited", err, ed.Files())
			}
			if !strings.Contains(err.Error(), rel) {
				t.Errorf("the refusal names no file: %v", err)
			}
			return
		}
		if len(ed.Files()) == 0 {
			return // nothing to edit (no sibling to add next to)
		}
		if checked == 0 {
			t.Fatal("an edit was kept that the check never accepted")
		}
		got := after(t, ed, rel)
		// The splices, applied to the file as read, make it; they add
		// only what the edit adds.
		ss := slices.Clone(ed.planSplices[rel])
		slices.SortFunc(ss, func(a, b splice) int { return b.start - a.start })
		re := []byte(src)
		for _, s := range ss {
			re = slices.Concat(re[:s.start], []byte(s.text), re[s.end:])
			if op%3 == 0 {
				if _, err := strconv.ParseFloat(strings.ReplaceAll(src[s.start:s.end], "_", ""), 64); err != nil || s.text != strconv.FormatFloat(value, 'f', -1, 64) {
					t.Errorf("SetPlanNumber replaced %q with %q", src[s.start:s.end], s.text)
				}
				continue
			}
			rest := s.text
			for _, a := range slices.SortedFunc(slices.Values(added), func(a, b string) int { return len(b) - len(a) }) {
				rest = strings.ReplaceAll(rest, a, "")
			}
			if s.start != s.end || !fuzzSplice.MatchString(rest) {
				t.Errorf("splice %d–%d %q adds %q besides the edit", s.start, s.end, s.text, rest)
			}
		}
		if crlf := regexp.MustCompile(`(^|[^\r])\n`); strings.Contains(src, "\r\n") && !crlf.MatchString(src) && crlf.MatchString(got) {
			t.Errorf("the edit of a file with CRLF line ends adds LF ones:\n%q", got)
		}
		if string(re) != got {
			t.Errorf("the splices make\n%s\nnot the edited file\n%s", re, got)
		}
	})
}
