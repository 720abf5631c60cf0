package policies

import (
	"fmt"
	"math"

	"github.com/open-policy-agent/opa/v1/ast"
)

// Baseline states of a finding in a pull request diff: how the head's
// finding compares with the base's (docs/ARCHITECTURE.md, "Policies").
// A finding that is unchanged or better is existing: the change did not
// cause it, so it blocks only with `enforcement.existing: block`.
const (
	// BaselineNew: the base has no finding of the rule on the target.
	BaselineNew = "new"
	// BaselineUnchanged: the base has the same finding, with the same
	// figures.
	BaselineUnchanged = "unchanged"
	// BaselineBetter: the base has it too, with worse figures (a lower
	// headroom, more GPUs short, an earlier cliff or order-by date, …).
	BaselineBetter = "better"
	// BaselineWorse: the change made it worse: a figure moved the wrong
	// way, a warning became a deny, or, for a rule whose figures capcheck
	// does not know, the message changed.
	BaselineWorse = "worse"
	// BaselineAbsent: a base finding the head no longer has (fixed).
	BaselineAbsent = "absent"
)

// Enforcement of existing findings (capcheck.yaml `enforcement.existing`).
const (
	// ExistingReport lists existing findings without blocking (the default).
	ExistingReport = "report"
	// ExistingBlock lets existing findings block as they do outside a diff.
	ExistingBlock = "block"
)

// ValidExisting reports whether s is an `enforcement.existing` value.
func ValidExisting(s string) bool { return s == ExistingReport || s == ExistingBlock }

// IsExisting reports whether a baseline state is existing: a finding the
// base already had at least as badly.
func IsExisting(state string) bool {
	return state == BaselineUnchanged || state == BaselineBetter
}

// Existing reports whether the finding was already on the base, at least
// as badly, in a pull request diff.
func (f Finding) Existing() bool { return IsExisting(f.Baseline) }

// Baseline is, in a pull request diff, how the head's findings compare
// with the base's: the base document judged by the same policies.
type Baseline struct {
	// Existing is the enforcement of existing findings: "report" (they
	// do not block) or "block".
	Existing string `json:"existing"`
	// Fixed are the base's findings the head no longer has, as judged on
	// the base (baseline "absent", never blocking). Their positions are
	// in the base tree.
	Fixed []Finding `json:"fixed"`
}

// BlocksAsExisting reports whether f, a deny that would block on its own,
// still blocks given its baseline state under enforcement existing.
func BlocksAsExisting(f Finding, existing string) bool {
	return !f.Existing() || existing == ExistingBlock
}

// figures are the numbers of a document that say whether a finding on a
// target got better or worse, by target ("pool/NAME", "reservation/ADDR").
type figures map[string]map[string]measure

// measure is one figure and the direction that is worse.
type measure struct {
	num   float64
	date  string // "YYYY-MM" or "YYYY-MM-DD"; "" is never (later than any date)
	isNum bool
	// lowerWorse: a lower value is worse (headroom, dates); otherwise a
	// higher one is (GPUs short, unbacked GPUs).
	lowerWorse bool
}

// ruleMeasures names, per built-in rule, the figures of its target the
// rule judges. A rule not listed here (a user rule, a rule about hygiene)
// is compared by its message.
var ruleMeasures = map[string][]string{
	"CAP001": {"min_headroom", "gpus_short"},
	"CAP002": {"n_plus_short"},
	"CAP004": {"unbacked_gpus"},
	"CAP005": {"cliff", "order_by"},
	"CAP007": {"unbacked_gpus"},
	"CAP003": {"gpus"},
	"CAP012": {"gpus", "end"},
}

// docFigures is the part of the policy input baseline comparison reads.
type docFigures struct {
	Pools []struct {
		Name         string  `json:"name"`
		MinHeadroom  float64 `json:"min_headroom"`
		GPUsShort    float64 `json:"gpus_short"`
		Cliff        string  `json:"cliff"`
		OrderBy      string  `json:"order_by"`
		UnbackedGPUs float64 `json:"unbacked_gpus"`
		NPlus        struct {
			CapacityAfterLoss float64 `json:"capacity_after_loss"`
			RequiredGPUs      float64 `json:"required_gpus"`
		} `json:"n_plus"`
	} `json:"pools"`
	Reservations []struct {
		Address string  `json:"address"`
		GPUs    float64 `json:"gpus"`
		End     string  `json:"end"`
	} `json:"reservations"`
}

// figuresOf reads the figures of a document. A document whose shape is
// not the evaluator's has no figures: its findings are then compared by
// message only.
func figuresOf(v ast.Value) figures {
	out := figures{}
	obj, ok := v.(ast.Object)
	if !ok {
		return out
	}
	var d docFigures
	if t := obj.Get(ast.InternedTerm("pools")); t != nil {
		if err := ast.As(t.Value, &d.Pools); err != nil {
			d.Pools = nil
		}
	}
	if t := obj.Get(ast.InternedTerm("reservations")); t != nil {
		if err := ast.As(t.Value, &d.Reservations); err != nil {
			d.Reservations = nil
		}
	}
	for _, p := range d.Pools {
		out["pool/"+p.Name] = map[string]measure{
			"min_headroom":  {num: p.MinHeadroom, isNum: true, lowerWorse: true},
			"gpus_short":    {num: p.GPUsShort, isNum: true},
			"n_plus_short":  {num: p.NPlus.RequiredGPUs - p.NPlus.CapacityAfterLoss, isNum: true},
			"unbacked_gpus": {num: p.UnbackedGPUs, isNum: true},
			"cliff":         {date: p.Cliff, lowerWorse: true},
			"order_by":      {date: p.OrderBy, lowerWorse: true},
		}
	}
	for _, r := range d.Reservations {
		out["reservation/"+r.Address] = map[string]measure{
			"gpus": {num: r.GPUs, isNum: true},
			"end":  {date: r.End, lowerWorse: true},
		}
	}
	return out
}

// cmp is -1 when head is better than base, 0 when equal, +1 when worse.
func (m measure) cmp(base measure) int {
	var d int
	if m.isNum {
		const eps = 1e-9
		switch diff := m.num - base.num; {
		case math.Abs(diff) <= eps*math.Max(1, math.Abs(base.num)):
			return 0
		case diff > 0:
			d = 1
		default:
			d = -1
		}
	} else {
		switch {
		case m.date == base.date:
			return 0
		case m.date == "": // never is the latest date
			d = 1
		case base.date == "":
			d = -1
		case m.date > base.date:
			d = 1
		default:
			d = -1
		}
	}
	if m.lowerWorse {
		d = -d
	}
	return d
}

// compareFinding is the baseline state of head given the base's matching
// finding: the level first (a warning that became a deny is worse), then
// the figures the rule judges on its target, then, for a rule without
// known figures, the message.
func compareFinding(head, base Finding, headFig, baseFig figures) string {
	switch {
	case head.Level == LevelDeny && base.Level != LevelDeny:
		return BaselineWorse
	case head.Level != LevelDeny && base.Level == LevelDeny:
		return BaselineBetter
	}
	names := ruleMeasures[head.Rule]
	hm, bm := headFig[head.Target], baseFig[base.Target]
	if len(names) == 0 || hm == nil || bm == nil {
		if head.Msg == base.Msg {
			return BaselineUnchanged
		}
		return BaselineWorse
	}
	better := false
	for _, n := range names {
		h, okH := hm[n]
		b, okB := bm[n]
		if !okH || !okB {
			if head.Msg == base.Msg {
				continue
			}
			return BaselineWorse
		}
		switch h.cmp(b) {
		case 1:
			return BaselineWorse
		case -1:
			better = true
		}
	}
	if better {
		return BaselineBetter
	}
	return BaselineUnchanged
}

// matchKey groups findings that may be the same problem on both sides: the
// rule and the target, or, for a finding without a target, the rule, the
// file and the message.
func matchKey(f Finding) string {
	if f.Target != "" {
		return f.Rule + "\x00" + f.Target
	}
	return f.Rule + "\x00\x00" + f.File + "\x00" + f.Msg
}

// compareBaseline sets each head finding's baseline state against the
// base's findings and returns the base findings the head no longer has.
// Findings are paired by rule and target; among several on the same rule
// and target, identical messages pair first, then the rest in order.
func compareBaseline(head, base []Finding, headFig, baseFig figures) []Finding {
	byKey := map[string][]int{}
	for i, f := range base {
		k := matchKey(f)
		byKey[k] = append(byKey[k], i)
	}
	used := make([]bool, len(base))
	pair := make([]int, len(head))
	for i := range pair {
		pair[i] = -1
	}
	// Identical messages first, so that two findings on one target do
	// not pair crosswise.
	for i, f := range head {
		for _, j := range byKey[matchKey(f)] {
			if !used[j] && base[j].Msg == f.Msg && base[j].Level == f.Level {
				pair[i], used[j] = j, true
				break
			}
		}
	}
	for i, f := range head {
		if pair[i] >= 0 {
			continue
		}
		for _, j := range byKey[matchKey(f)] {
			if !used[j] {
				pair[i], used[j] = j, true
				break
			}
		}
	}
	for i := range head {
		j := pair[i]
		if j < 0 {
			head[i].Baseline = BaselineNew
			continue
		}
		head[i].Baseline = compareFinding(head[i], base[j], headFig, baseFig)
		if head[i].Msg != base[j].Msg {
			head[i].BaseMsg = base[j].Msg
		}
	}
	fixed := []Finding{}
	for j, f := range base {
		if used[j] {
			continue
		}
		f.Baseline = BaselineAbsent
		f.Blocking = false
		fixed = append(fixed, f)
	}
	return fixed
}

// baseValue is the document's base, nil outside a diff.
func baseValue(v ast.Value) (ast.Value, error) {
	obj, ok := v.(ast.Object)
	if !ok {
		return nil, nil
	}
	t := obj.Get(ast.InternedTerm("base"))
	if t == nil {
		return nil, nil
	}
	if _, isNull := t.Value.(ast.Null); isNull {
		return nil, nil
	}
	if _, ok := t.Value.(ast.Object); !ok {
		return nil, fmt.Errorf("base is %s, not an object", ast.ValueName(t.Value))
	}
	return t.Value, nil
}
