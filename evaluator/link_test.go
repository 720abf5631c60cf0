package evaluator

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/internal/testkit"
	"github.com/capcheck/capcheck/inventory"
	"github.com/capcheck/capcheck/schema"
)

func TestMatchAddress(t *testing.T) {
	tests := []struct {
		name, pattern, addr string
		want                bool
	}{
		{name: "glob over module resources", pattern: "module.gpu.aws_ec2_capacity_reservation.*", addr: "module.gpu.aws_ec2_capacity_reservation.h100[0]", want: true},
		{name: "star stays in its segment", pattern: "*.h100", addr: "module.gpu.aws_x.h100", want: false},
		{name: "star inside a name", pattern: "aws_x.h*", addr: "aws_x.h100[0]", want: true},
		{name: "module glob, indexed instance", pattern: "module.*.aws_x.h100", addr: "module.gpu.aws_x.h100[2]", want: true},
		{name: "exact address claims all instances", pattern: "aws_ec2_capacity_reservation.h100", addr: "aws_ec2_capacity_reservation.h100[1]", want: true},
		{name: "exact address, for_each key", pattern: "google_compute_reservation.a3", addr: `google_compute_reservation.a3["us-central1-a"]`, want: true},
		{name: "indexed module and resource", pattern: "module.gpu.aws_x.h100", addr: `module.gpu["a"].aws_x.h100[2]`, want: true},
		{name: "another index", pattern: "aws_x.h100[0]", addr: "aws_x.h100[1]", want: false},
		{name: "brackets are literal", pattern: "aws_x.h100[0]", addr: "aws_x.h100[0]", want: true},
		{name: "no prefix match", pattern: "aws_x.h100", addr: "aws_x.h1000", want: false},
		{name: "dot inside a key is no separator", pattern: "google_compute_reservation.*", addr: `google_compute_reservation.a3["us.central1-a"]`, want: true},
		{name: "star inside a key", pattern: `google_compute_reservation.a3["us.*"]`, addr: `google_compute_reservation.a3["us.central1-a"]`, want: true},
		{name: "other module", pattern: "module.gpu.*", addr: "module.other.aws_x.a", want: false},
		{name: "star does not span segments", pattern: "module.gpu.*", addr: "module.gpu.aws_x.a", want: false},
		// Backtracking over each star in turn took minutes here.
		{name: "many stars, no match", pattern: strings.Repeat("*a", 10) + "*b", addr: strings.Repeat("a", 60), want: false},
		{name: "many stars, match", pattern: strings.Repeat("*a", 10) + "*", addr: strings.Repeat("a", 60), want: true},
		{name: "stars cannot reach the next segment", pattern: strings.Repeat("*a", 3) + "*", addr: "aa.a", want: false},
		{name: "empty pattern", pattern: "", addr: "aws_x.a", want: false},
		{name: "star alone", pattern: "*", addr: "aws_x", want: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := matchAddress(tc.pattern, tc.addr); got != tc.want {
				t.Errorf("matchAddress(%q, %q) = %v, want %v", tc.pattern, tc.addr, got, tc.want)
			}
		})
	}
}

// backtrackMatch is globMatch written as its definition reads: a star
// takes s[i:j] for each j up to the next separator in turn. It is
// exponential in the number of stars, so only small cases are tried.
func backtrackMatch(pattern, s string, sep []bool) bool {
	var match func(p, i int) bool
	match = func(p, i int) bool {
		if p == len(pattern) {
			return i == len(s)
		}
		if pattern[p] == '*' {
			for j := i; ; j++ {
				if match(p+1, j) {
					return true
				}
				if j >= len(s) || sep[j] {
					return false
				}
			}
		}
		return i < len(s) && pattern[p] == s[i] && match(p+1, i+1)
	}
	return match(0, 0)
}

// TestGlobMatchAgrees compares globMatch with backtrackMatch on random
// patterns and addresses over a small alphabet, with segments and keys.
func TestGlobMatchAgrees(t *testing.T) {
	r := rand.New(rand.NewPCG(10, 9))
	word := func(alphabet string, n int) string {
		b := make([]byte, r.IntN(n+1))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		return string(b)
	}
	for range 20000 {
		addr := word(`ab.[]"`, 10)
		pattern := word(`ab.*`, 8)
		sep := separators(addr)
		if got, want := globMatch(pattern, addr, sep), backtrackMatch(pattern, addr, sep); got != want {
			t.Fatalf("globMatch(%q, %q) = %v, want %v", pattern, addr, got, want)
		}
	}
}

func TestLinking(t *testing.T) {
	p := newPlan("p")
	addPool(p, "h", 4, "module.gpu.aws_ec2_capacity_reservation.*")
	addPool(p, "a", 4, "aws_ec2_capacity_reservation.a100")
	p.Pools["a"].GPU = "A100-80GB"
	addPool(p, "g", 4, "google_compute_reservation.*")
	addPool(p, "n", 4, "nothing.*")
	p.Positions["pools.n.reservations[0]"] = at(44, 7)
	h0 := rsv("module.gpu.aws_ec2_capacity_reservation.h100[0]", "z", 1, 1, 8)
	h1 := rsv("module.gpu.aws_ec2_capacity_reservation.h100[1]", "z", 2, 1, 8)
	a0 := rsv("aws_ec2_capacity_reservation.a100[0]", "z", 3, 1, 8)
	a0.GPU = "A100-80GB"
	a1 := a0
	a1.Address = "aws_ec2_capacity_reservation.a100[1]"
	g := rsv(`google_compute_reservation.a3["us.central1-a"]`, "z", 5, 1, 8)
	other := rsv("module.other.aws_ec2_capacity_reservation.x", "z", 6, 1, 8)
	inv := inventoryOf(other, h1, g, a1, h0, a0) // unsorted on purpose
	d := mustEval(t, Input{Plans: []*schema.Plan{p}, Inventory: inv})

	got := map[string]string{}
	var order []string
	for _, r := range d.Reservations {
		got[r.Address] = r.Pool
		order = append(order, r.Address)
	}
	want := map[string]string{
		"module.gpu.aws_ec2_capacity_reservation.h100[0]": "h",
		"module.gpu.aws_ec2_capacity_reservation.h100[1]": "h",
		"aws_ec2_capacity_reservation.a100[0]":            "a",
		"aws_ec2_capacity_reservation.a100[1]":            "a",
		`google_compute_reservation.a3["us.central1-a"]`:  "g",
		"module.other.aws_ec2_capacity_reservation.x":     "",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("links (-want +got):\n%s", diff)
	}
	wantOrder := []string{
		"aws_ec2_capacity_reservation.a100[0]",
		"aws_ec2_capacity_reservation.a100[1]",
		`google_compute_reservation.a3["us.central1-a"]`,
		"module.gpu.aws_ec2_capacity_reservation.h100[0]",
		"module.gpu.aws_ec2_capacity_reservation.h100[1]",
		"module.other.aws_ec2_capacity_reservation.x",
	}
	if diff := cmp.Diff(wantOrder, order); diff != "" {
		t.Errorf("reservation order (-want +got):\n%s", diff)
	}
	// The input inventory is untouched.
	for _, r := range inv.Reservations {
		if r.Pool != "" {
			t.Errorf("input reservation %s was mutated: Pool = %q", r.Address, r.Pool)
		}
	}
	n := findPool(t, d, "p", "n")
	wantNotes := []NoteDoc{{
		Code:     "CAP-LINK-NONE",
		Msg:      `reservations entry "nothing.*" of pool "n" matches no Terraform reservation`,
		Location: diag.Pos{File: planFile, Line: 44, Column: 7}.Range(),
	}}
	if diff := cmp.Diff(wantNotes, n.Notes); diff != "" {
		t.Errorf("notes (-want +got):\n%s", diff)
	}
	if h := findPool(t, d, "p", "h"); h.ReservedGPUs != 16 {
		t.Errorf("pool h reserves %g GPUs, want 16", h.ReservedGPUs)
	}
}

// TestLinkTwoPools: a reservation claimed by pools of two plans is an error
// at the second pool's entry.
func TestLinkTwoPools(t *testing.T) {
	p1 := newPlan("alpha")
	addPool(p1, "x", 4, "aws_ec2_capacity_reservation.*")
	p1.Positions["pools.x.reservations[0]"] = at(12, 5)
	p2 := newPlan("beta")
	p2.File = "capacity/beta.cue"
	addPool(p2, "y", 4, "aws_ec2_capacity_reservation.other", "aws_ec2_capacity_reservation.h100")
	p2.Positions["pools.y.reservations[1]"] = diag.Pos{File: "capacity/beta.cue", Line: 20, Column: 9}
	inv := inventoryOf(rsv("aws_ec2_capacity_reservation.h100[0]", "z", 1, 1, 8))
	_, err := Evaluate(Input{Plans: []*schema.Plan{p2, p1}, Inventory: inv, Now: now})
	ds := testkit.Diagnostics(t, err)
	if len(ds) != 1 {
		t.Fatalf("diagnostics = %v, want one", ds)
	}
	if ds[0].Pos.String() != "capacity/beta.cue:20:9" || ds[0].Path != "pools.y.reservations[1]" ||
		!strings.Contains(ds[0].Msg, `already claimed by pool "x" of plan "alpha" at capacity/plan.cue:12:5`) {
		t.Errorf("diagnostic = %v, want at capacity/beta.cue:20:9 naming pool x of alpha at capacity/plan.cue:12:5", ds[0])
	}
}

func TestLinkGPUMismatch(t *testing.T) {
	p := newPlan("p")
	addPool(p, "h", 4, "aws_ec2_capacity_reservation.*")
	p.Positions["pools.h.gpu"] = at(11, 10)
	p.Positions["pools.h.reservations[0]"] = at(12, 5)
	r := rsv("aws_ec2_capacity_reservation.a", "z", 7, 1, 8)
	r.GPU = "A100-80GB"
	_, err := Evaluate(Input{Plans: []*schema.Plan{p}, Inventory: inventoryOf(r), Now: now})
	ds := testkit.Diagnostics(t, err)
	want := `reservation GPU "A100-80GB" differs from pool "h" GPU "H100-SXM" (capacity/plan.cue:11:10), which claims it at capacity/plan.cue:12:5`
	if len(ds) != 1 || ds[0].Pos.String() != "infra/gpu.tf:7:1" || ds[0].Msg != want {
		t.Errorf("diagnostics = %v, want one at infra/gpu.tf:7:1: %s", ds, want)
	}
}

// TestLinkSamePoolTwice: a pool naming a reservation twice (glob and exact)
// claims it once.
func TestLinkSamePoolTwice(t *testing.T) {
	p := newPlan("p")
	addPool(p, "h", 4, "aws_ec2_capacity_reservation.*", "aws_ec2_capacity_reservation.a")
	d := mustEval(t, Input{Plans: []*schema.Plan{p}, Inventory: inventoryOf(rsv("aws_ec2_capacity_reservation.a", "z", 7, 1, 8))})
	if got := findPool(t, d, "p", "h"); got.ReservedGPUs != 8 || len(got.Reservations) != 1 {
		t.Errorf("reserved %g via %v, want 8 via one reservation", got.ReservedGPUs, got.Reservations)
	}
}

// TestLinkRoots: two root modules hold the same address; an entry naming
// a root (`ROOT:ADDRESS`, a glob over the root's path) claims only that
// root's, one without a root claims both, and a plan-file entry (no root)
// matches no root.
func TestLinkRoots(t *testing.T) {
	inRoot := func(root string, line int) inventory.Entry {
		r := rsv("aws_ec2_capacity_reservation.h100", "us-east-1a", line, 2, 8)
		r.Root, r.File = root, root+"/gpu.tf"
		return r
	}
	prod, staging, top, plan := inRoot("envs/prod", 1), inRoot("envs/staging", 2), inRoot(".", 3), inRoot("", 4)
	plan.File = "plan.json"
	tests := []struct {
		pattern string
		want    []string // files of the claimed entries
	}{
		{"envs/prod:aws_ec2_capacity_reservation.*", []string{"envs/prod/gpu.tf"}},
		{"envs/prod/:aws_ec2_capacity_reservation.h100", []string{"envs/prod/gpu.tf"}},
		{"envs/*:aws_ec2_capacity_reservation.h100", []string{"envs/prod/gpu.tf", "envs/staging/gpu.tf"}},
		{".:aws_ec2_capacity_reservation.h100", []string{"./gpu.tf"}},
		{"aws_ec2_capacity_reservation.h100", []string{"envs/prod/gpu.tf", "envs/staging/gpu.tf", "./gpu.tf", "plan.json"}},
		{"envs:aws_ec2_capacity_reservation.h100", nil}, // a glob names whole roots, not parents
	}
	for _, tc := range tests {
		t.Run(tc.pattern, func(t *testing.T) {
			p := newPlan("p")
			addPool(p, "h", 4, tc.pattern)
			inv, err := Link([]*schema.Plan{p}, inventoryOf(prod, staging, top, plan))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range inv.Reservations {
				if r.Pool == "h" {
					got = append(got, r.File)
				}
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("claimed (-want +got):\n%s", d)
			}
		})
	}
}

// TestLinkZoneRegion: pool h100 is in us-east-1 (addPool). Of its three
// reservations, the one in us-west-2a lies in region us-west-2 and is
// noted at the reservation (infra/gpu.tf line 20, column 1); us-east-1b
// is in the pool's region; Azure's zone "1" has no region to judge.
func TestLinkZoneRegion(t *testing.T) {
	p := newPlan("p")
	addPool(p, "h100", 4, "aws_ec2_capacity_reservation.*")
	p.Positions["pools.h100.region"] = at(12, 5)
	addInference(p, "api", "h100", 1, 1)
	east := rsv("aws_ec2_capacity_reservation.east", "us-east-1b", 1, 1, 8)
	east.Region = "us-east-1"
	west := rsv("aws_ec2_capacity_reservation.west", "us-west-2a", 20, 1, 8)
	west.Region = "us-west-2"
	azure := rsv("aws_ec2_capacity_reservation.zoned", "1", 40, 1, 8)
	d := mustEval(t, Input{Plans: []*schema.Plan{p}, Inventory: inventoryOf(east, west, azure)})
	want := []NoteDoc{{
		Code:     "CAP-ZONE-REGION",
		Msg:      `reservation aws_ec2_capacity_reservation.west is in zone us-west-2a of region us-west-2, but pool "h100" is in region us-east-1 (` + planFile + `:12:5)`,
		Location: diag.Pos{File: "infra/gpu.tf", Line: 20, Column: 1}.Range(),
	}}
	var got []NoteDoc
	for _, n := range findPool(t, d, "p", "h100").Notes {
		if n.Code == "CAP-ZONE-REGION" {
			got = append(got, n)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("zone-region notes (-want +got):\n%s", diff)
	}
}
