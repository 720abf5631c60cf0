package evaluator

import (
	"bytes"
	"encoding/json"
	"maps"
	"path"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/schema"
)

// ApplyTrusted returns the head plans of a pull request as they are judged:
// with the trusted settings of the base side — policy thresholds, the
// plan_for and contingency_for scenarios, and exceptions — so a PR cannot
// relax the checks it is judged by. Demand, pools and workloads stay the
// head's. The head plans are not modified; MarkProposed later records what
// the head asked for (CAP014 reports weakenings, which apply after merge).
//
// A head plan's trusted sources are the base plans it stands for: the base
// plan of the same name; failing that, a base plan in the same file whose
// name the head no longer has (a rename); and the base plan of every pool
// it holds that the base had under another plan (a pool moved between
// plans keeps its thresholds). With one source its settings apply as they
// are; with several, the strictest of each threshold and the
// highest-demand scenarios (see [StrictestPolicy]) and all their
// exceptions. A plan with no source (new in the head) is judged with the
// schema's default policy and no exceptions.
func ApplyTrusted(head []*schema.Plan, base *Document) []*schema.Plan {
	src := trustedSources(head, base)
	out := make([]*schema.Plan, 0, len(head))
	for _, p := range head {
		if p == nil {
			continue
		}
		c := *p
		switch srcs := src[p]; len(srcs) {
		case 0:
			c.Policy = schema.DefaultPolicy()
			c.PlanFor = schema.Moderate
			c.ContingencyFor = schema.Aggressive
			c.Exceptions = nil
		case 1:
			c.Policy = srcs[0].Policy
			c.PlanFor = srcs[0].PlanFor
			c.ContingencyFor = srcs[0].ContingencyFor
			c.Exceptions = exceptionsFromDocs(srcs[0].Exceptions)
		default:
			policies := make([]schema.Policy, len(srcs))
			var excs []ExceptionDoc
			seen := map[[2]string]bool{}
			for i, s := range srcs {
				policies[i] = s.Policy
				c.PlanFor = higherDemand(c.PlanFor, s.PlanFor, i == 0)
				c.ContingencyFor = higherDemand(c.ContingencyFor, s.ContingencyFor, i == 0)
				for _, x := range s.Exceptions {
					if k := [2]string{x.Rule, x.Target}; !seen[k] {
						seen[k] = true
						excs = append(excs, x)
					}
				}
			}
			c.Policy = StrictestPolicy(policies...)
			c.Exceptions = exceptionsFromDocs(excs)
		}
		out = append(out, &c)
	}
	return out
}

// trustedSources maps each head plan to the base plans whose settings it
// is judged with, in a stable order (same name, renamed, then by pool
// name).
func trustedSources(head []*schema.Plan, base *Document) map[*schema.Plan][]*PlanDoc {
	byName := map[string]*PlanDoc{}
	for i := range base.Plans {
		byName[base.Plans[i].Name] = &base.Plans[i]
	}
	inHead := map[string]bool{}
	for _, p := range head {
		if p != nil {
			inHead[p.Name] = true
		}
	}
	owner := map[string]string{} // base pool -> base plan
	for _, pd := range base.Pools {
		owner[pd.Name] = pd.Plan
	}
	out := map[*schema.Plan][]*PlanDoc{}
	for _, p := range head {
		if p == nil {
			continue
		}
		var srcs []*PlanDoc
		add := func(b *PlanDoc) {
			if b != nil && !slices.Contains(srcs, b) {
				srcs = append(srcs, b)
			}
		}
		if b, ok := byName[p.Name]; ok {
			add(b)
		} else {
			for i := range base.Plans {
				if b := &base.Plans[i]; b.File == p.File && !inHead[b.Name] {
					add(b)
				}
			}
		}
		for _, pool := range slices.Sorted(maps.Keys(p.Pools)) {
			if o, ok := owner[pool]; ok {
				add(byName[o])
			}
		}
		out[p] = srcs
	}
	return out
}

// StrictestPolicy is, field by field, the strictest of the policies: the
// highest headroom_min, n_plus, reserved_utilization_min, the lowest
// utilisation lines, tolerances and maximum ages, and the zone domain when
// any asks for it. With none it is the schema default.
func StrictestPolicy(ps ...schema.Policy) schema.Policy {
	if len(ps) == 0 {
		return schema.DefaultPolicy()
	}
	s := ps[0]
	for _, p := range ps[1:] {
		s.HeadroomMin = max(s.HeadroomMin, p.HeadroomMin)
		s.Redundancy.NPlus = max(s.Redundancy.NPlus, p.Redundancy.NPlus)
		if p.Redundancy.Domain == "zone" {
			s.Redundancy.Domain = "zone"
		}
		s.WarnUtilization = min(s.WarnUtilization, p.WarnUtilization)
		s.CriticalUtilization = min(s.CriticalUtilization, p.CriticalUtilization)
		s.DriftTolerance = min(s.DriftTolerance, p.DriftTolerance)
		s.ReservedUtilizationMin = max(s.ReservedUtilizationMin, p.ReservedUtilizationMin)
		s.BudgetTolerance = min(s.BudgetTolerance, p.BudgetTolerance)
		s.BenchmarkMaxAgeDays = min(s.BenchmarkMaxAgeDays, p.BenchmarkMaxAgeDays)
		s.ReviewMaxAgeDays = min(s.ReviewMaxAgeDays, p.ReviewMaxAgeDays)
		s.UnbackedTolerance = min(s.UnbackedTolerance, p.UnbackedTolerance)
	}
	return s
}

// scenarioDemand orders the scenarios by the demand they assume.
var scenarioDemand = map[string]int{schema.Conservative: 0, schema.Moderate: 1, schema.Aggressive: 2}

// higherDemand is the scenario of the two that assumes more demand (b
// when first, as there is nothing to compare with yet).
func higherDemand(a, b string, first bool) string {
	if first {
		return b
	}
	ra, okA := scenarioDemand[a]
	rb, okB := scenarioDemand[b]
	if okB && (!okA || rb > ra) {
		return b
	}
	return a
}

// MarkProposed records, on each plan of doc (evaluated with ApplyTrusted),
// the head's own settings when they differ from the trusted ones.
func MarkProposed(doc *Document, head []*schema.Plan) {
	byName := map[string]*schema.Plan{}
	for _, p := range head {
		if p != nil {
			byName[p.Name] = p
		}
	}
	cal := newCalendar(mustParseDate(doc.Now), 1)
	e := &evaluation{cal: cal}
	for i := range doc.Plans {
		pd := &doc.Plans[i]
		p, ok := byName[pd.Name]
		if !ok {
			continue
		}
		own := e.planDoc(p)
		prop := &ProposedDoc{
			Policy:         own.Policy,
			PlanFor:        own.PlanFor,
			ContingencyFor: own.ContingencyFor,
			Exceptions:     own.Exceptions,
		}
		same := reflect.DeepEqual(prop.Policy, pd.Policy) && prop.PlanFor == pd.PlanFor &&
			prop.ContingencyFor == pd.ContingencyFor && sameExceptions(prop.Exceptions, pd.Exceptions)
		if !same {
			pd.Proposed = prop
		}
	}
}

func sameExceptions(a, b []ExceptionDoc) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Rule != b[i].Rule || a[i].Target != b[i].Target || a[i].Expires != b[i].Expires ||
			a[i].Reason != b[i].Reason || a[i].ApprovedBy != b[i].ApprovedBy {
			return false
		}
	}
	return true
}

func exceptionsFromDocs(docs []ExceptionDoc) []schema.Exception {
	var out []schema.Exception
	for _, x := range docs {
		exp, _ := time.Parse("2006-01-02", x.Expires) // zero (expired) when unparsable
		out = append(out, schema.Exception{
			Rule: x.Rule, Target: x.Target, Reason: x.Reason, Expires: exp, ApprovedBy: x.ApprovedBy,
			Pos: x.Location.Pos,
		})
	}
	return out
}

func mustParseDate(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return time.Time{}
	}
	return t
}

// ConfigChange is one difference between a pull request's configuration
// and the trusted (base) configuration its head was loaded and judged with.
// The change applies only after merge; CAP014 reports it.
type ConfigChange struct {
	// Path is the capcheck.yaml key that differs: "plans",
	// "terraform.dirs", "terraform.var_files", "terraform.plan_json",
	// "terraform.exclude", "terraform.vars.NAME", "policies", "catalog",
	// "enforcement.RULE", "enforcement.existing", "override", "override.label" or
	// "override.teams". For a trusted file it is the key that names the
	// file: "catalog" or "policies".
	Path string `json:"path"`
	// File is, for a trusted file (the catalog file or a user policy
	// *.rego file) whose contents differ, its slash path relative to the
	// repository root; "" for a key.
	File string `json:"file,omitempty"`
	// Change is "added", "removed" or "edited".
	Change string `json:"change"`
	// Base and Head are the key's values on each side as compact JSON,
	// defaults filled in ("" when absent, and for files).
	Base string `json:"base"`
	Head string `json:"head"`
	// Location is where the change is written in the head: the key's value
	// in its capcheck.yaml, the nearest written parent key, the file
	// itself (line 1), or the start of the configuration file.
	Location diag.Range `json:"location"`
}

// ConfigChange.Change values.
const (
	ChangeAdded   = "added"
	ChangeRemoved = "removed"
	ChangeEdited  = "edited"
)

// ConfigSide is one side of a pull request's configuration: its
// capcheck.yaml (defaults when absent) and the contents of the trusted
// files either side's configuration names (the catalog file and the
// *.rego files below the policy directories, keyed by slash path relative
// to the root; a file missing on a side is left out).
type ConfigSide struct {
	Config *schema.Config
	Files  map[string][]byte
}

// ConfigChanges lists every difference between the head's configuration
// and the base's, sorted by path and file. Values are compared with the
// schema's defaults filled in, so writing a default out is no change.
func ConfigChanges(base, head ConfigSide) []ConfigChange {
	bv, hv := configValues(base.Config), configValues(head.Config)
	var out []ConfigChange
	keys := map[string]bool{}
	for k := range bv {
		keys[k] = true
	}
	for k := range hv {
		keys[k] = true
	}
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		b, inBase := bv[k]
		h, inHead := hv[k]
		if inBase && inHead && b == h {
			continue
		}
		out = append(out, ConfigChange{
			Path:     k,
			Change:   change(inBase, inHead),
			Base:     b,
			Head:     h,
			Location: configPos(k, base.Config, head.Config),
		})
	}
	files := map[string]bool{}
	for f := range base.Files {
		files[f] = true
	}
	for f := range head.Files {
		files[f] = true
	}
	for _, f := range slices.Sorted(maps.Keys(files)) {
		b, inBase := base.Files[f]
		h, inHead := head.Files[f]
		if inBase && inHead && bytes.Equal(b, h) {
			continue
		}
		key, named := namingKey(f, head.Config, base.Config)
		loc := diag.Pos{File: f, Line: 1, Column: 1}.Range()
		if !inHead {
			loc = configPos(named, base.Config, head.Config)
		}
		out = append(out, ConfigChange{Path: key, File: f, Change: change(inBase, inHead), Location: loc})
	}
	slices.SortStableFunc(out, func(a, b ConfigChange) int {
		if c := strings.Compare(a.Path, b.Path); c != 0 {
			return c
		}
		return strings.Compare(a.File, b.File)
	})
	return out
}

func change(inBase, inHead bool) string {
	switch {
	case !inBase:
		return ChangeAdded
	case !inHead:
		return ChangeRemoved
	}
	return ChangeEdited
}

// configValues flattens a configuration into key → compact JSON value,
// one entry per key ConfigChange.Path names; absent optional keys have no
// entry.
func configValues(c *schema.Config) map[string]string {
	out := map[string]string{}
	if c == nil {
		return out
	}
	put := func(k string, v any) {
		data, err := json.Marshal(v)
		if err != nil { // only strings, string slices and maps: cannot fail
			data = []byte(`"?"`)
		}
		out[k] = string(data)
	}
	list := func(k string, v []string) {
		if len(v) > 0 {
			put(k, v)
		}
	}
	put("plans", c.Plans)
	list("terraform.dirs", c.Terraform.Dirs)
	list("terraform.var_files", c.Terraform.VarFiles)
	list("terraform.plan_json", c.Terraform.PlanJSON)
	list("terraform.exclude", c.Terraform.Exclude)
	for k, v := range c.Terraform.Vars {
		put("terraform.vars."+k, v)
	}
	list("policies", c.Policies)
	if c.Catalog != "" {
		put("catalog", c.Catalog)
	}
	for k, v := range c.Enforcement {
		put("enforcement."+k, v)
	}
	// enforcement.existing is a trusted setting like the rules' levels:
	// a pull request that makes existing findings stop blocking is CAP014.
	existing := c.Existing
	if existing == "" {
		existing = schema.ExistingReport
	}
	put("enforcement.existing", existing)
	if c.Override != nil {
		put("override.label", c.Override.Label)
		put("override.teams", c.Override.Teams)
	}
	return out
}

// namingKey is the configuration key that names trusted file f, and the
// key of the entry itself for positions ("policies[1]"), looked up in the
// configurations in order.
func namingKey(f string, cfgs ...*schema.Config) (key, entry string) {
	for _, c := range cfgs {
		if c == nil {
			continue
		}
		if c.Catalog != "" && path.Clean(c.Catalog) == f {
			return "catalog", "catalog"
		}
		for i, d := range c.Policies {
			if d = path.Clean(d); d == "." || f == d || strings.HasPrefix(f, d+"/") {
				return "policies", "policies[" + strconv.Itoa(i) + "]"
			}
		}
	}
	return "policies", "policies"
}

// configPos is where key is written in the head's configuration: its own
// position, else its nearest written parent's, else the start of the
// head's file, else (the head has no configuration file) the start of
// the base's.
func configPos(key string, base, head *schema.Config) diag.Range {
	if head != nil {
		for k := key; k != ""; k = parentKey(k) {
			if p, ok := head.Positions[k]; ok && p.IsValid() {
				return p.Range()
			}
		}
		if head.File != "" {
			return diag.Pos{File: head.File, Line: 1, Column: 1}.Range()
		}
	}
	file := schema.ConfigFile
	if base != nil && base.File != "" {
		file = base.File
	}
	return diag.Pos{File: file, Line: 1, Column: 1}.Range()
}

// parentKey strips the last element of a dotted key ("a.b[0]" → "a.b",
// "a.b" → "a", "a" → "").
func parentKey(k string) string {
	if i := strings.LastIndexAny(k, ".["); i >= 0 {
		return k[:i]
	}
	return ""
}
