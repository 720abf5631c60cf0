package schema

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"

	"cuelang.org/go/cue"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/internal/repopath"
)

// DefaultPlanPatterns are the globs plans are found by when neither the
// caller nor capcheck.yaml names any.
func DefaultPlanPatterns() []string {
	return []string{"capacity/**/*.cue", "capacity/**/*.yaml", "capacity/**/*.yml", "capacity/**/*.json"}
}

// LoadPlans finds the plan files under root matching patterns (slash
// globs relative to root: "*", "?", "[...]" within a segment, "**" for any
// number of segments, "{a,b}" alternatives; wildcards do not match names
// starting with a dot) and loads every one. nil patterns mean
// DefaultPlanPatterns. Files whose extension is not .cue, .yaml, .yml or
// .json are skipped.
//
// Plans come back sorted by file. If any file has a problem, the error is
// a diag.Diagnostics holding every violation of every file (and the slice
// holds only the plans that loaded cleanly); callers must not go on with a
// partial set. Two plans may not share a name.
func LoadPlans(root string, patterns []string) ([]*Plan, error) {
	if patterns == nil {
		patterns = DefaultPlanPatterns()
	}
	files, ds := Glob(root, patterns)
	s, err := getSession()
	if err != nil {
		return nil, err
	}
	defer func() { s.release() }()
	var plans []*Plan
	for _, rel := range files {
		if formatOf(rel) == formatUnknown {
			continue
		}
		if s.abandoned {
			if s, err = getSession(); err != nil {
				return nil, err
			}
		}
		p, fds := s.loadFile(root, rel)
		ds = append(ds, fds...)
		if p != nil {
			plans = append(plans, p)
		}
	}
	ds = append(ds, duplicateNames(plans)...)
	sort.Slice(plans, func(i, j int) bool { return plans[i].File < plans[j].File })
	return plans, dedup(ds).Err()
}

// duplicateNames reports plans that share a name: findings and the base →
// head diff match plans by name.
func duplicateNames(plans []*Plan) diag.Diagnostics {
	var ds diag.Diagnostics
	first := map[string]*Plan{}
	for _, p := range plans {
		if q, ok := first[p.Name]; ok {
			ds = append(ds, diag.Diagnostic{Range: p.PosOf("name").Range(), Severity: diag.Error, Path: "name",
				Msg: fmt.Sprintf("plan name %q is already used by %s", p.Name, q.File)})
			continue
		}
		first[p.Name] = p
	}
	return ds
}

// LoadPlanFile loads the plan at rel, a slash path relative to root. The
// plan's File and every position are relative to root.
func LoadPlanFile(root, rel string) (*Plan, error) {
	s, err := getSession()
	if err != nil {
		return nil, err
	}
	defer s.release()
	p, ds := s.loadFile(root, rel)
	if err := dedup(ds).Err(); err != nil {
		return nil, err
	}
	return p, nil
}

// LoadPlanBytes loads a plan from data. name is the file name used in
// positions, and its extension says the format (.cue, .yaml, .yml, .json).
func LoadPlanBytes(name string, data []byte) (*Plan, error) {
	s, err := getSession()
	if err != nil {
		return nil, err
	}
	defer s.release()
	p, ds := s.loadBytes(name, data)
	if err := dedup(ds).Err(); err != nil {
		return nil, err
	}
	return p, nil
}

func (s *session) loadFile(root, rel string) (*Plan, diag.Diagnostics) {
	data, err := readInRoot(root, rel)
	if err != nil {
		return nil, diag.Errorf(diag.Pos{File: rel}, "read plan: %v", err)
	}
	return s.loadBytes(rel, data)
}

// readInRoot reads rel under root, refusing paths that leave root,
// directly or through a symbolic link (repopath.Resolve).
func readInRoot(root, rel string) ([]byte, error) {
	if !fs.ValidPath(rel) {
		return nil, fmt.Errorf("%q is not a slash path inside the repository", rel)
	}
	realRoot, err := repopath.Root(root)
	if err != nil {
		return nil, err
	}
	real, err := repopath.Resolve(realRoot, realRoot, rel)
	if err != nil {
		return nil, err
	}
	r, err := filepath.Rel(realRoot, real)
	if err != nil {
		return nil, err
	}
	return readLimited(os.DirFS(realRoot), filepath.ToSlash(r))
}

// loadBytes parses, validates, checks and decodes one plan, within the
// bounds of bounded.
func (s *session) loadBytes(name string, data []byte) (*Plan, diag.Diagnostics) {
	var p *Plan
	ds := s.bounded(name, func() diag.Diagnostics {
		var ds diag.Diagnostics
		p, ds = s.loadUnbounded(name, data)
		return ds
	})
	if len(ds) > 0 {
		return nil, ds
	}
	return p, nil
}

func (s *session) loadUnbounded(name string, data []byte) (*Plan, diag.Diagnostics) {
	doc, ds := s.parse(name, data)
	if ds != nil {
		return nil, ds
	}
	doc.checkFigures = true // for checkPlan
	u, ds := doc.validate(s.ctx, s.plan)
	ds = append(ds, doc.checkPlan(u)...)
	ds = dropKindNoise(u, ds)
	if len(ds) > 0 {
		return nil, dedup(ds)
	}
	plan := &Plan{File: name, Pos: diag.Pos{File: name, Line: 1, Column: 1}}
	dec := &decoder{doc: doc, positions: map[string]diag.Pos{}}
	dec.decodeNode(u, doc.utree, reflect.ValueOf(plan).Elem(), "")
	if len(dec.diags) > 0 {
		return nil, dec.diags
	}
	plan.Positions = dec.positions
	plan.fillIdentity()
	return plan, nil
}

// fillIdentity sets names and ids from map keys and the Pos fields from
// the position table.
func (p *Plan) fillIdentity() {
	for name, pool := range p.Pools {
		pool.Name = name
		pool.Pos = p.PosOf("pools." + name)
	}
	for name, w := range p.Workloads {
		w.Name = name
		w.Pos = p.PosOf("workloads." + name)
	}
	for id, b := range p.Benchmarks {
		b.ID = id
		b.Pos = p.PosOf("benchmarks." + id)
	}
	for i := range p.Exceptions {
		p.Exceptions[i].Pos = p.PosOf(indexPath("exceptions", i))
	}
}

var kinds = []string{KindLLMInference, KindInference, KindTraining, KindBatch, KindStream, KindLLMAPI}

// dropKindNoise removes the "field not allowed" errors of a workload whose
// kind is missing or invalid: its kind-specific fields are not allowed only
// because the kind is unknown, and the kind error already says so.
func dropKindNoise(u cue.Value, ds diag.Diagnostics) diag.Diagnostics {
	var bad []string
	for _, w := range fieldsOf(get(u, "workloads")) {
		if k, ok := str(get(w.v, "kind")); !ok || !slices.Contains(kinds, k) {
			bad = append(bad, "workloads."+w.name+".")
		}
	}
	if len(bad) == 0 {
		return ds
	}
	out := ds[:0]
	for _, d := range ds {
		noise := false
		if d.Msg == "field not allowed" {
			for _, b := range bad {
				if strings.HasPrefix(d.Path, b) {
					noise = true
					break
				}
			}
		}
		if !noise {
			out = append(out, d)
		}
	}
	return out
}
