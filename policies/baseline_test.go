package policies

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// headroomShorter makes the pool's commit-window headroom 23.1%: 52 GPUs
// for 40 required (1 − 40/52 = 0.2308), 6 GPUs short (ceil(40/0.7 − 52)
// = ceil(5.14) = 6): worse than headroomShort's 28.6% and 2 GPUs.
func headroomShorter(d map[string]any) {
	p := firstPool(d)
	p["reserved_gpus"] = 52
	p["min_headroom"] = 0.2307692308
	p["gpus_short"] = 6
	p["timeline"] = []any{map[string]any{"month": "2026-12", "capacity_gpus": 52, "required_gpus": 40, "headroom": 0.2307692308}}
}

const cap001ShorterMsg = "pool h100-use1: headroom 23.1% in 2026-12 is below 30% (needs 40 GPUs, has 52); add 6 GPUs or lower demand"

// TestEvalBaseline: with a base in the document, the base is judged by the
// same policies and each head finding says how it compares; only new and
// worse denies block unless existing findings are set to block.
func TestEvalBaseline(t *testing.T) {
	tests := []struct {
		name       string
		existing   string
		base, head func(d map[string]any) // nil: healthy
		// want is the head's CAP001 finding (nil: none), wantFixed the
		// base's findings the head no longer has.
		want        *Finding
		wantFixed   []Finding
		wantVerdict string
	}{
		{
			name: "new: the base is healthy",
			head: headroomShort,
			want: func() *Finding {
				f := cap001Finding()
				f.Baseline = BaselineNew
				return &f
			}(),
			wantFixed:   []Finding{},
			wantVerdict: VerdictFail,
		},
		{
			// The same 28.6% and 2 GPUs on both sides: existing, reported,
			// not blocking; the verdict is a warning.
			name: "unchanged: the base already fails",
			base: headroomShort, head: headroomShort,
			want: func() *Finding {
				f := cap001Finding()
				f.Baseline, f.Blocking = BaselineUnchanged, false
				return &f
			}(),
			wantFixed:   []Finding{},
			wantVerdict: VerdictWarn,
		},
		{
			name:     "unchanged blocks with existing: block",
			existing: ExistingBlock,
			base:     headroomShort, head: headroomShort,
			want: func() *Finding {
				f := cap001Finding()
				f.Baseline = BaselineUnchanged
				return &f
			}(),
			wantFixed:   []Finding{},
			wantVerdict: VerdictFail,
		},
		{
			// 28.6% → 23.1%, 2 → 6 GPUs short: worse, blocking, with the
			// base's message.
			name: "worse: lower headroom on the same pool",
			base: headroomShort, head: headroomShorter,
			want: func() *Finding {
				f := cap001Finding()
				f.Msg, f.Baseline, f.BaseMsg = cap001ShorterMsg, BaselineWorse, cap001Msg
				return &f
			}(),
			wantFixed:   []Finding{},
			wantVerdict: VerdictFail,
		},
		{
			// 23.1% → 28.6%: still below 30%, but the change improved it.
			name: "better: higher headroom, still short",
			base: headroomShorter, head: headroomShort,
			want: func() *Finding {
				f := cap001Finding()
				f.Baseline, f.BaseMsg, f.Blocking = BaselineBetter, cap001ShorterMsg, false
				return &f
			}(),
			wantFixed:   []Finding{},
			wantVerdict: VerdictWarn,
		},
		{
			name: "fixed: the head is healthy",
			base: headroomShort,
			wantFixed: func() []Finding {
				f := cap001Finding()
				f.Baseline, f.Blocking = BaselineAbsent, false
				return []Finding{f}
			}(),
			wantVerdict: VerdictPass,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEngine(t, Options{Existing: tc.existing})
			base, head := healthyDoc(t), healthyDoc(t)
			if tc.base != nil {
				tc.base(base)
			}
			if tc.head != nil {
				tc.head(head)
			}
			head["base"] = base
			res, err := e.Eval(context.Background(), head, nil)
			if err != nil {
				t.Fatalf("Eval: %v", err)
			}
			var got *Finding
			for i := range res.Findings {
				if res.Findings[i].Rule == "CAP001" {
					got = &res.Findings[i]
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("CAP001 (-want +got):\n%s", diff)
			}
			wantExisting := tc.existing
			if wantExisting == "" {
				wantExisting = ExistingReport
			}
			if diff := cmp.Diff(&Baseline{Existing: wantExisting, Fixed: tc.wantFixed}, res.Baseline); diff != "" {
				t.Errorf("Baseline (-want +got):\n%s", diff)
			}
			if res.Verdict != tc.wantVerdict {
				t.Errorf("Verdict = %q, want %q", res.Verdict, tc.wantVerdict)
			}
		})
	}
}

// TestEvalNoBaseline: outside a diff no finding has a baseline state.
func TestEvalNoBaseline(t *testing.T) {
	e := newTestEngine(t, Options{})
	d := healthyDoc(t)
	headroomShort(d)
	want := cap001Finding()
	checkEval(t, e, d, VerdictFail, []Finding{want})
	res, err := e.Eval(context.Background(), d, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Baseline != nil {
		t.Errorf("Baseline = %+v, want nil outside a diff", res.Baseline)
	}
}

func TestExistingOption(t *testing.T) {
	_, err := New(context.Background(), Options{Existing: "always"})
	if want := `enforcement.existing must be report or block, got "always"`; err == nil || err.Error() != want {
		t.Errorf("New(Existing: always) = %v, want %s", err, want)
	}
}

// TestCompareBaseline pairs findings by rule and target and compares the
// figures each rule judges.
func TestCompareBaseline(t *testing.T) {
	pool := func(minHeadroom, short, nplusShort float64, cliff, orderBy string) map[string]measure {
		return map[string]measure{
			"min_headroom":  {num: minHeadroom, isNum: true, lowerWorse: true},
			"gpus_short":    {num: short, isNum: true},
			"n_plus_short":  {num: nplusShort, isNum: true},
			"unbacked_gpus": {num: 0, isNum: true},
			"cliff":         {date: cliff, lowerWorse: true},
			"order_by":      {date: orderBy, lowerWorse: true},
		}
	}
	f := func(rule, level, target, msg string) Finding {
		return Finding{Rule: rule, Level: level, Target: target, Msg: msg, Blocking: level == LevelDeny}
	}
	const p = "pool/h100-use1"
	tests := []struct {
		name       string
		head, base []Finding
		headFig    figures
		baseFig    figures
		want       []string // baseline state of each head finding
		wantFixed  []string // rule of each fixed finding
	}{
		{
			name:    "same figures, other wording: unchanged",
			head:    []Finding{f("CAP001", "deny", p, "headroom 26.4% in 2027-04")},
			base:    []Finding{f("CAP001", "deny", p, "headroom 26.4% in 2027-03")},
			headFig: figures{p: pool(0.264, 4, 0, "", "")}, baseFig: figures{p: pool(0.264, 4, 0, "", "")},
			want: []string{BaselineUnchanged},
		},
		{
			// One GPU more short with the same headroom is still worse.
			name:    "more GPUs short: worse",
			head:    []Finding{f("CAP001", "deny", p, "a")},
			base:    []Finding{f("CAP001", "deny", p, "a")},
			headFig: figures{p: pool(0.264, 5, 0, "", "")}, baseFig: figures{p: pool(0.264, 4, 0, "", "")},
			want: []string{BaselineWorse},
		},
		{
			name:    "earlier order-by date: worse",
			head:    []Finding{f("CAP005", "deny", p, "a")},
			base:    []Finding{f("CAP005", "deny", p, "a")},
			headFig: figures{p: pool(0.3, 0, 0, "2027-03", "2026-11")}, baseFig: figures{p: pool(0.3, 0, 0, "2027-03", "2026-12")},
			want: []string{BaselineWorse},
		},
		{
			name:    "later cliff: better",
			head:    []Finding{f("CAP005", "deny", p, "a")},
			base:    []Finding{f("CAP005", "deny", p, "b")},
			headFig: figures{p: pool(0.3, 0, 0, "2027-04", "2027-01")}, baseFig: figures{p: pool(0.3, 0, 0, "2027-03", "2026-12")},
			want: []string{BaselineBetter},
		},
		{
			// 37 − 32 = 5 GPUs short of N+1 on the base, 37 − 24 = 13 on the head.
			name:    "N+k further short: worse",
			head:    []Finding{f("CAP002", "deny", p, "a")},
			base:    []Finding{f("CAP002", "deny", p, "a")},
			headFig: figures{p: pool(0.3, 0, 13, "", "")}, baseFig: figures{p: pool(0.3, 0, 5, "", "")},
			want: []string{BaselineWorse},
		},
		{
			name: "a warning that became a deny: worse",
			head: []Finding{f("ORG001", "deny", p, "a")},
			base: []Finding{f("ORG001", "warn", p, "a")},
			want: []string{BaselineWorse},
		},
		{
			// A rule with no known figures is unchanged only word for word.
			name: "user rule: message decides",
			head: []Finding{f("ORG001", "deny", p, "45% in one zone"), f("ORG002", "deny", p, "x")},
			base: []Finding{f("ORG001", "deny", p, "40% in one zone"), f("ORG002", "deny", p, "x")},
			want: []string{BaselineWorse, BaselineUnchanged},
		},
		{
			name:      "another target: new, and the base's is fixed",
			head:      []Finding{f("CAP001", "deny", "pool/a100-usc1", "a")},
			base:      []Finding{f("CAP001", "deny", p, "a")},
			want:      []string{BaselineNew},
			wantFixed: []string{"CAP001"},
		},
		{
			// Two findings of one rule on one plan: identical messages pair
			// first, so the added one is new whatever the order.
			name:      "duplicates pair by message first",
			head:      []Finding{f("CAP014", "deny", "plan/a", "adds an exception"), f("CAP014", "deny", "plan/a", "lowers headroom_min")},
			base:      []Finding{f("CAP014", "deny", "plan/a", "lowers headroom_min"), f("CAP014", "deny", "plan/a", "raises drift")},
			want:      []string{BaselineWorse, BaselineUnchanged},
			wantFixed: nil,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			head := append([]Finding{}, tc.head...)
			fixed := compareBaseline(head, tc.base, tc.headFig, tc.baseFig)
			var got []string
			for _, h := range head {
				got = append(got, h.Baseline)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("states (-want +got):\n%s", diff)
			}
			var gotFixed []string
			for _, x := range fixed {
				if x.Baseline != BaselineAbsent || x.Blocking {
					t.Errorf("fixed %s: baseline %q, blocking %v; want absent, not blocking", x.Rule, x.Baseline, x.Blocking)
				}
				gotFixed = append(gotFixed, x.Rule)
			}
			if diff := cmp.Diff(tc.wantFixed, gotFixed); diff != "" {
				t.Errorf("fixed (-want +got):\n%s", diff)
			}
		})
	}
}
