// Package tfedit turns `capcheck suggest`'s changes (issue 19) into edits
// of the Terraform that defines the capacity: it raises a reservation's
// instance count, adds a key to a for_each map or set, adds a reservation
// block next to an existing one (a copy of it with the zone, count and
// dates changed), adds an AWS capacity block (an offering and the block
// bought from it) and moves an end date; [Edit.SetPlanNumber] changes a
// number in a capacity plan (a raised on_demand_max_gpus),
// [Edit.AddPlanField] adds one (on_demand_max_gpus where the pool states
// none) and [Edit.AddPlanListItems] appends to a list (the pool's
// `reservations:` entries that claim the blocks added, [Edit.Created]). A count or a
// for_each map set by a root variable is changed where its value is
// written: the last variable file that sets it (terraform.tfvars,
// *.auto.tfvars, the configured var files), else the variable's default.
// A reservation declared in a module (module.NAME[KEY].…, one level, a
// local source) is edited through the call, never in the module's block
// (module.go): a count or end where the call's argument for it is
// written, a new for_each key of the call, or a root block copied from
// the module's with the call's arguments put in.
//
// An edit means exactly the change the solver verified, or it is not
// made: a count is raised only on a reservation whose term is the
// change's (the same first and last day), a variable only when nothing
// else reads it, and a value capcheck cannot edit safely (a local, a
// function call, a module's own default) is a positioned error. Nothing is
// written until [Edit.Apply], which writes only the files read here,
// inside the repository, each atomically, and refuses when one changed
// since it was read.
//
// Every edit is a splice of the original bytes, so everything around it
// stays byte for byte what it was; the text put in is built with hclwrite
// (a copied block is parsed, changed and formatted by it), and a file
// that was formatted as hclwrite (terraform fmt) formats it stays so.
package tfedit

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	hcljson "github.com/hashicorp/hcl/v2/json"
	"github.com/zclconf/go-cty/cty"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/internal/repopath"
	"github.com/capcheck/capcheck/inventory"
	"github.com/capcheck/capcheck/inventory/terraform"
)

// maxFile bounds a file read for editing (the reader's bound).
const maxFile = 8 << 20

// Change is one change of a pool's suggestion (evaluator.Change).
type Change struct {
	// Kind is "" for a reservation, "capacity-block" for an AWS capacity
	// block to add (evaluator.KindCapacityBlock): a block bought from an
	// offering for DurationHours from Start.
	Kind          string
	DurationHours float64
	Action        string // "add" | "extend"
	// Address is the reservation to extend, or the address a new block
	// for an addition gets.
	Address      string
	Root         string
	Zone         string
	InstanceType string
	Instances    int
	// Start and End are the first and last day the change adds capacity
	// (YYYY-MM-DD; End "" open-ended); OldEnd an extended end as written.
	Start, End, OldEnd string
}

// Request is one pool's changes.
type Request struct {
	Pool string
	// Claim is the pool's `reservations:` entry its patterns lack for the
	// reservations to add (evaluator.PoolSuggestion.Claim): a new block
	// would be unclaimed, so none is written while it is set.
	Claim   string
	Changes []Change
}

// Options are what the edits depend on besides the files.
type Options struct {
	// Now is the evaluation day.
	Now time.Time
	// Entries are the inventory's entries with the pool that claims each
	// (evaluator.Document.Reservations).
	Entries []inventory.Entry
	// VarFiles are the extra variable files (relative to the root) applied
	// after a root's own, in order; Vars the variables set outside any
	// file (-var, capcheck.yaml terraform.vars), which cannot be edited.
	VarFiles []string
	Vars     []string
}

// resourceKind is where a reservation type keeps what an edit changes.
type resourceKind struct {
	count     []string // nested block names, then the attribute
	zone      string
	start     string // "" when the type has no start
	end       string // "" when the type has no end
	endType   string
	uniqueArg string // an argument that names the reservation at the provider
}

var kinds = map[string]resourceKind{
	"aws_ec2_capacity_reservation": {count: []string{"instance_count"}, zone: "availability_zone", start: "start_date", end: "end_date", endType: "end_date_type"},
	"google_compute_reservation":   {count: []string{"specific_reservation", "count"}, zone: "zone", uniqueArg: "name"},
	"azurerm_capacity_reservation": {count: []string{"sku", "capacity"}, zone: "zone", uniqueArg: "name"},
}

// Plan works out the edits of reqs in the repository at root; nothing is
// written. An error is a diag.Diagnostics (positioned) when an expression
// cannot be edited safely.
func Plan(root string, reqs []Request, opts Options) (*Edit, error) {
	real, err := repopath.Root(root)
	if err != nil {
		return nil, fmt.Errorf("suggest: %w", err)
	}
	p := &planner{root: real, opts: opts, files: map[string]*srcFile{}, varTargets: map[string]map[string]bool{}, created: map[string][]string{}, sharedVars: map[string]*sharedVar{}}
	for _, r := range reqs {
		for _, c := range r.Changes {
			if err := p.change(r, c); err != nil {
				return nil, err
			}
		}
	}
	if err := p.checkVarUsers(); err != nil {
		return nil, err
	}
	if err := p.checkSharedVars(); err != nil {
		return nil, err
	}
	return p.result()
}

type planner struct {
	root  string
	opts  Options
	files map[string]*srcFile
	// varTargets are the resources an edit of a variable's value is for,
	// by "dir\x00name".
	varTargets map[string]map[string]bool
	// created are the addresses of the blocks added, by pool.
	created map[string][]string
	// sharedVars are the variables edited in a configured var file
	// (Options.VarFiles), which every root reads, by "file\x00name".
	sharedVars map[string]*sharedVar
}

// sharedVar is a variable's value in a configured var file and the roots
// (dirs) it is edited for.
type sharedVar struct {
	f    *srcFile
	expr hclsyntax.Expression
	dirs map[string]bool
}

// checkSharedVars refuses an edit of a configured var file's value when
// another root of the inventory declares the variable: the file is
// applied to every root, so the edit would change that root too.
func (p *planner) checkSharedVars() error {
	var roots []string
	for _, e := range p.opts.Entries {
		if r := path.Clean(e.Root); e.Root != "" && !slices.Contains(roots, r) {
			roots = append(roots, r)
		}
	}
	slices.Sort(roots)
	for _, sk := range slices.Sorted(maps.Keys(p.sharedVars)) {
		sv := p.sharedVars[sk]
		_, name, _ := strings.Cut(sk, "\x00")
		for _, r := range roots {
			if sv.dirs[r] {
				continue
			}
			fs, err := p.dirFiles(r)
			if err != nil {
				return err
			}
			for _, f := range fs {
				for _, vb := range f.body.Blocks {
					if vb.Type == "variable" && len(vb.Labels) == 1 && vb.Labels[0] == name {
						return diag.Errorf(sv.f.pos(sv.expr.Range()), "var.%s is set in %s, a variable file applied to every root, and root %s declares it too: changing it would change %s's %s as well; make the change by hand",
							name, sv.f.rel, r, r, name).Err()
					}
				}
			}
		}
	}
	return nil
}

// edit records a splice of l for resource b: a variable's value is then
// edited for b (see checkVarUsers).
func (p *planner) edit(b *block, l lit, s splice) error {
	if l.viaVar != "" {
		if p.varTargets[l.viaVar] == nil {
			p.varTargets[l.viaVar] = map[string]bool{}
		}
		p.varTargets[l.viaVar][b.addr.resource()] = true
	}
	return l.f.add(s, l.expr.Range())
}

// srcFile is a file read for editing and its splices.
type srcFile struct {
	rel     string
	real    string
	src     []byte
	mode    fs.FileMode
	body    *hclsyntax.Body
	splices []splice
}

// splice replaces src[start:end] with text (an insertion when start == end).
type splice struct {
	start, end int
	text       string
}

func (f *srcFile) pos(r hcl.Range) diag.Pos {
	return diag.Pos{File: f.rel, Line: r.Start.Line, Column: r.Start.Column}
}

// add records a splice; the same splice twice is one, two that overlap
// otherwise are an error.
func (f *srcFile) add(s splice, at hcl.Range) error {
	for _, o := range f.splices {
		if o == s && s.start != s.end {
			return nil
		}
		if s.start < o.end && o.start < s.end || s.start == s.end && o.start < s.start && s.start < o.end || o.start == o.end && s.start < o.start && o.start < s.end {
			return diag.Errorf(f.pos(at), "two changes edit the same text differently; make them by hand").Err()
		}
	}
	f.splices = append(f.splices, s)
	return nil
}

// file reads rel (relative to the root), confined to the repository.
func (p *planner) file(rel string) (*srcFile, error) {
	rel = path.Clean(filepath.ToSlash(rel))
	if f, ok := p.files[rel]; ok {
		return f, nil
	}
	if strings.HasSuffix(rel, ".json") {
		return nil, diag.Errorf(diag.Pos{File: rel, Line: 1, Column: 1}, "capcheck edits HCL only, not JSON configuration; make the change by hand").Err()
	}
	real, err := repopath.Resolve(p.root, p.root, filepath.FromSlash(rel))
	if err != nil {
		return nil, fmt.Errorf("suggest: %w", err)
	}
	src, err := repopath.ReadFile(p.root, p.root, filepath.FromSlash(rel), maxFile)
	if err != nil {
		return nil, fmt.Errorf("suggest: %w", err)
	}
	st, err := os.Stat(real)
	if err != nil {
		return nil, fmt.Errorf("suggest: stat %s: %s", rel, repopath.Reason(err))
	}
	hf, hd := hclsyntax.ParseConfig(src, rel, hcl.InitialPos)
	if hd.HasErrors() {
		return nil, fmt.Errorf("suggest: %s", hd.Error())
	}
	f := &srcFile{rel: rel, real: real, src: src, mode: st.Mode().Perm(), body: hf.Body.(*hclsyntax.Body)}
	p.files[rel] = f
	return f, nil
}

// dirFiles are the .tf files of a module directory (relative to the root).
func (p *planner) dirFiles(dir string) ([]*srcFile, error) {
	real, err := repopath.Resolve(p.root, p.root, filepath.FromSlash(dir))
	if err != nil {
		return nil, fmt.Errorf("suggest: %w", err)
	}
	des, err := os.ReadDir(real)
	if err != nil {
		return nil, fmt.Errorf("suggest: list %s: %s", dir, repopath.Reason(err))
	}
	var out []*srcFile
	for _, de := range des {
		if strings.HasSuffix(de.Name(), ".tf") && !de.IsDir() {
			f, err := p.file(path.Join(dir, de.Name()))
			if err != nil {
				return nil, err
			}
			out = append(out, f)
		}
	}
	return out, nil
}

// address is a resource instance address split up.
type address struct {
	typ, name string
	key       cty.Value // cty.NilVal without an index
}

func (a address) resource() string { return a.typ + "." + a.name }

func parseAddress(s string) (address, error) {
	if strings.HasPrefix(s, "module.") {
		return address{}, fmt.Errorf("suggest: %s is inside a module; capcheck edits root modules only (a module's block serves every call of it): make the change by hand", s)
	}
	tr, hd := hclsyntax.ParseTraversalAbs([]byte(s), "", hcl.InitialPos)
	if hd.HasErrors() || len(tr) < 2 || len(tr) > 3 {
		return address{}, fmt.Errorf("suggest: cannot read the address %q", s)
	}
	a := address{typ: tr.RootName()}
	attr, ok := tr[1].(hcl.TraverseAttr)
	if !ok {
		return address{}, fmt.Errorf("suggest: cannot read the address %q", s)
	}
	a.name = attr.Name
	if len(tr) == 3 {
		idx, ok := tr[2].(hcl.TraverseIndex)
		if !ok {
			return address{}, fmt.Errorf("suggest: cannot read the address %q", s)
		}
		a.key = idx.Key
	}
	return a, nil
}

// block is a resource block found for an entry.
type block struct {
	f    *srcFile
	blk  *hclsyntax.Block
	addr address
	dir  string
	kind resourceKind
}

func (p *planner) block(e inventory.Entry) (*block, error) {
	a, err := parseAddress(e.Address)
	if err != nil {
		return nil, err
	}
	k, ok := kinds[a.typ]
	if !ok {
		return nil, fmt.Errorf("suggest: capcheck does not edit %s resources (%s): make the change by hand", a.typ, e.Address)
	}
	if e.File == "" || e.Root == "" {
		return nil, fmt.Errorf("suggest: %s was not read from HCL (a plan file?): capcheck edits the configuration it read", e.Address)
	}
	f, err := p.file(e.File)
	if err != nil {
		return nil, err
	}
	for _, b := range f.body.Blocks {
		if b.Type == "resource" && len(b.Labels) == 2 && b.Labels[0] == a.typ && b.Labels[1] == a.name {
			return &block{f: f, blk: b, addr: a, dir: path.Clean(e.Root), kind: k}, nil
		}
	}
	return nil, diag.Errorf(diag.Pos{File: f.rel, Line: e.Line, Column: e.Column}, "resource %s is not in this file any more; run capcheck suggest again", a.resource()).Err()
}

// overridden refuses an edit of b when an override file of its module
// (override.tf, *_override.tf, their .tf.json forms) has a block of b's
// resource or module call that sets one of names (an argument, or a
// nested block type, static or dynamic, that replaces b's): Terraform
// reads the override's value, so an edit of b's would change nothing.
// With no names any such block refuses it (a copy of b would leave the
// override's arguments out; a module call's arguments are followed in
// its block only). The error is at the override's argument or
// block; capcheck does not edit override files.
func (p *planner) overridden(b *block, names ...string) error {
	dir := path.Dir(b.f.rel)
	real, err := repopath.Resolve(p.root, p.root, filepath.FromSlash(dir))
	if err != nil {
		return fmt.Errorf("suggest: %w", err)
	}
	des, err := os.ReadDir(real)
	if err != nil {
		return fmt.Errorf("suggest: list %s: %s", dir, repopath.Reason(err))
	}
	typ, labels := "resource", []string{b.addr.typ, b.addr.name}
	if b.addr.typ == "module" || b.addr.typ == "variable" {
		typ, labels = b.addr.typ, []string{b.addr.name}
	}
	what := typ + " " + strings.Join(labels, ".")
	if typ == "resource" {
		what = b.addr.resource()
	}
	for _, de := range des { // lexical order, as Terraform reads them
		rel := path.Join(dir, de.Name())
		if de.IsDir() || !terraform.IsOverrideFile(rel) {
			continue
		}
		if strings.HasSuffix(rel, ".json") {
			src, err := repopath.ReadFile(p.root, p.root, filepath.FromSlash(rel), maxFile)
			if err != nil {
				return fmt.Errorf("suggest: %w", err)
			}
			jf, hd := hcljson.Parse(src, rel)
			if hd.HasErrors() {
				return fmt.Errorf("suggest: %s", hd.Error())
			}
			bc, _, _ := jf.Body.PartialContent(&hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: typ, LabelNames: labelNames[typ]}}})
			for _, ob := range bc.Blocks {
				if slices.Equal(ob.Labels, labels) {
					return diag.Errorf(diag.Pos{File: rel, Line: ob.DefRange.Start.Line, Column: ob.DefRange.Start.Column}, "%s is overridden in %s, which Terraform merges over its block in %s: capcheck does not edit override files (nor JSON); make the change by hand", what, rel, b.f.rel).Err()
				}
			}
			continue
		}
		f, err := p.file(rel)
		if err != nil {
			return err
		}
		for _, ob := range f.body.Blocks {
			if ob.Type != typ || !slices.Equal(ob.Labels, labels) {
				continue
			}
			if len(names) == 0 {
				return diag.Errorf(f.pos(ob.DefRange()), "%s is overridden in %s, which Terraform merges over its block in %s: capcheck edits (and copies) the block, not the merge, and does not edit override files; make the change by hand", what, rel, b.f.rel).Err()
			}
			for _, n := range names {
				if a := ob.Body.Attributes[n]; a != nil {
					return diag.Errorf(f.pos(a.NameRange), "%s of %s is set in the override file %s, which Terraform reads instead of %s's in %s: editing that would change nothing, and capcheck does not edit override files; make the change here by hand", n, what, rel, n, b.f.rel).Err()
				}
				for _, nb := range ob.Body.Blocks {
					if nb.Type == n || nb.Type == "dynamic" && len(nb.Labels) > 0 && nb.Labels[0] == n {
						return diag.Errorf(f.pos(nb.DefRange()), "the %s block of %s is replaced in the override file %s, which Terraform reads instead of the one in %s: editing that would change nothing, and capcheck does not edit override files; make the change here by hand", n, what, rel, b.f.rel).Err()
					}
				}
			}
		}
	}
	return nil
}

// labelNames are the labels of the top-level blocks overridden reads.
var labelNames = map[string][]string{"resource": {"type", "name"}, "module": {"name"}, "variable": {"name"}}

// attr is the attribute at path (nested blocks, then the name) of b's
// body; nil when it is not written.
func attrAt(body *hclsyntax.Body, names []string) (*hclsyntax.Attribute, *hclsyntax.Body) {
	for _, n := range names[:len(names)-1] {
		var next *hclsyntax.Body
		for _, nb := range body.Blocks {
			if nb.Type == n {
				next = nb.Body
				break
			}
		}
		if next == nil {
			return nil, nil
		}
		body = next
	}
	return body.Attributes[names[len(names)-1]], body
}

// lit is where a value is written as a literal: a constant, an object or
// a tuple constructor.
type lit struct {
	f    *srcFile
	expr hclsyntax.Expression
	// viaVar is "dir\x00name" when the literal is a root variable's value;
	// perKey is true when it is one for_each item's (each.value).
	viaVar string
	perKey bool
}

// literal follows expr (an argument of b, for instance key) to the
// literal that writes its value: itself, a root variable's setting or
// default, or for `each.value` the for_each item of key. what names the
// argument in errors.
func (p *planner) literal(b *block, f *srcFile, expr hclsyntax.Expression, what string) (lit, error) {
	switch x := expr.(type) {
	case *hclsyntax.LiteralValueExpr, *hclsyntax.ObjectConsExpr, *hclsyntax.TupleConsExpr:
		return lit{f: f, expr: expr}, nil
	case *hclsyntax.TemplateExpr:
		if x.IsStringLiteral() {
			return lit{f: f, expr: expr}, nil
		}
	case *hclsyntax.ParenthesesExpr:
		return p.literal(b, f, x.Expression, what)
	case *hclsyntax.FunctionCallExpr:
		if x.Name == "toset" && len(x.Args) == 1 && f == b.f {
			return p.literal(b, f, x.Args[0], what)
		}
	case *hclsyntax.ScopeTraversalExpr:
		tr := x.Traversal
		attr := ""
		if len(tr) == 2 {
			if a, ok := tr[1].(hcl.TraverseAttr); ok {
				attr = a.Name
			}
		}
		switch {
		case f != b.f:
			// A variable's value refers to nothing.
		case tr.RootName() == "var" && attr != "":
			return p.variable(b, attr, f.pos(x.SrcRange), what)
		case tr.RootName() == "each" && attr == "value":
			fe := b.blk.Body.Attributes["for_each"]
			if fe == nil || b.addr.key == cty.NilVal || b.addr.key.Type() != cty.String {
				break
			}
			m, err := p.literal(b, b.f, fe.Expr, "for_each")
			if err != nil {
				return lit{}, err
			}
			oc, ok := m.expr.(*hclsyntax.ObjectConsExpr)
			if !ok {
				return lit{}, diag.Errorf(m.f.pos(m.expr.Range()), "%s's for_each is not a map written literally: capcheck cannot edit %s safely; make the change by hand", b.addr.resource(), what).Err()
			}
			for _, it := range oc.Items {
				if k, ok := itemKey(it); ok && k == b.addr.key.AsString() {
					return lit{f: m.f, expr: it.ValueExpr, viaVar: m.viaVar, perKey: true}, nil
				}
			}
			return lit{}, diag.Errorf(m.f.pos(m.expr.Range()), "%s's for_each has no key %q written literally: capcheck cannot edit %s safely", b.addr.resource(), b.addr.key.AsString(), what).Err()
		}
	}
	return lit{}, diag.Errorf(f.pos(expr.Range()), "%s of %s is %s: capcheck cannot edit it safely; make the change by hand",
		what, b.addr.resource(), describe(f, expr)).Err()
}

// describe names an expression capcheck does not edit.
func describe(f *srcFile, expr hclsyntax.Expression) string {
	r := expr.Range()
	text := strings.Join(strings.Fields(string(f.src[r.Start.Byte:r.End.Byte])), " ")
	if len(text) > 60 {
		text = text[:57] + "..."
	}
	kind := "computed"
	if x, ok := expr.(*hclsyntax.ScopeTraversalExpr); ok && x.Traversal.RootName() == "local" {
		kind = "a local value"
	}
	return fmt.Sprintf("%s (%s)", diag.Text(text), kind)
}

// itemKey is an object item's key when it is written as a constant.
func itemKey(it hclsyntax.ObjectConsItem) (string, bool) {
	v, hd := it.KeyExpr.Value(nil)
	if hd.HasErrors() || !v.IsKnown() || v.IsNull() || v.Type() != cty.String {
		return "", false
	}
	return v.AsString(), true
}

// variable is the literal that sets root variable name of b's module: the
// last variable file that sets it, else its default.
func (p *planner) variable(b *block, name string, at diag.Pos, what string) (lit, error) {
	if slices.Contains(p.opts.Vars, name) {
		return lit{}, diag.Errorf(at, "%s of %s is var.%s, which is set with -var or capcheck.yaml terraform.vars: capcheck edits files only; change it there", what, b.addr.resource(), name).Err()
	}
	key := b.dir + "\x00" + name
	files, err := terraform.TfvarsFiles(p.root, b.dir)
	if err != nil {
		return lit{}, fmt.Errorf("suggest: list the variable files of %s: %s", b.dir, repopath.Reason(err))
	}
	own := len(files)
	files = append(files, p.opts.VarFiles...)
	for i := len(files) - 1; i >= 0; i-- {
		rel := path.Clean(filepath.ToSlash(files[i]))
		if strings.HasSuffix(rel, ".json") {
			src, err := repopath.ReadFile(p.root, p.root, filepath.FromSlash(rel), maxFile)
			if err != nil {
				return lit{}, fmt.Errorf("suggest: %w", err)
			}
			jf, hd := hcljson.Parse(src, rel)
			if hd.HasErrors() {
				return lit{}, fmt.Errorf("suggest: %s", hd.Error())
			}
			attrs, _ := jf.Body.JustAttributes()
			if a, ok := attrs[name]; ok {
				return lit{}, diag.Errorf(diag.Pos{File: rel, Line: a.Range.Start.Line, Column: a.Range.Start.Column},
					"var.%s (%s of %s) is set in a JSON variable file: capcheck edits HCL only; make the change by hand", name, what, b.addr.resource()).Err()
			}
			continue
		}
		f, err := p.file(rel)
		if err != nil {
			return lit{}, err
		}
		if a, ok := f.body.Attributes[name]; ok {
			l, err := p.literal(b, f, a.Expr, what)
			l.viaVar = key
			if err == nil && i >= own {
				// A configured var file: every root reads it.
				sk := rel + "\x00" + name
				if p.sharedVars[sk] == nil {
					p.sharedVars[sk] = &sharedVar{f: f, expr: a.Expr, dirs: map[string]bool{}}
				}
				p.sharedVars[sk].dirs[b.dir] = true
			}
			return l, err
		}
	}
	fs, err := p.dirFiles(b.dir)
	if err != nil {
		return lit{}, err
	}
	for _, f := range fs {
		if terraform.IsOverrideFile(f.rel) {
			continue // merged over the variable's block, refused below
		}
		for _, vb := range f.body.Blocks {
			if vb.Type == "variable" && len(vb.Labels) == 1 && vb.Labels[0] == name {
				// A default set again in an override file is the one
				// Terraform reads.
				if err := p.overridden(&block{f: f, blk: vb, addr: address{typ: "variable", name: name}, dir: b.dir}, "default"); err != nil {
					return lit{}, err
				}
				if d := vb.Body.Attributes["default"]; d != nil {
					l, err := p.literal(b, f, d.Expr, what)
					l.viaVar = key
					return l, err
				}
				return lit{}, diag.Errorf(f.pos(vb.DefRange()), "var.%s has no value to edit", name).Err()
			}
		}
	}
	return lit{}, diag.Errorf(at, "var.%s is not declared in %s", name, b.dir).Err()
}

// checkVarUsers refuses a variable edit when something besides the
// resources it was made for reads the variable: changing it would change
// them too.
func (p *planner) checkVarUsers() error {
	for _, key := range slices.Sorted(maps.Keys(p.varTargets)) {
		dir, name, _ := strings.Cut(key, "\x00")
		fs, err := p.dirFiles(dir)
		if err != nil {
			return err
		}
		for _, f := range fs {
			for _, b := range f.body.Blocks {
				if b.Type == "variable" || b.Type == "output" {
					continue
				}
				who := strings.Join(append([]string{b.Type}, b.Labels...), ".")
				if b.Type == "resource" && len(b.Labels) == 2 {
					who = b.Labels[0] + "." + b.Labels[1]
				}
				if p.varTargets[key][who] {
					continue
				}
				var at *hcl.Range
				hclsyntax.VisitAll(b.Body, func(n hclsyntax.Node) hcl.Diagnostics {
					if x, ok := n.(*hclsyntax.ScopeTraversalExpr); ok && at == nil && x.Traversal.RootName() == "var" && len(x.Traversal) > 1 {
						if a, ok := x.Traversal[1].(hcl.TraverseAttr); ok && a.Name == name {
							r := x.SrcRange
							at = &r
						}
					}
					return nil
				})
				if at != nil {
					return diag.Errorf(f.pos(*at), "var.%s is also read by %s: changing its value would change that too; make the change by hand", name, who).Err()
				}
			}
		}
	}
	return nil
}

// change plans one change.
func (p *planner) change(r Request, c Change) error {
	switch c.Action {
	case "extend":
		return p.extend(r, c)
	case "add":
		if c.Kind == KindCapacityBlock {
			return p.addBlock(r, c)
		}
		if c.Kind != "" {
			break
		}
		if strings.HasPrefix(c.Address, FutureType+".") {
			return p.addFuture(r, c)
		}
		return p.addCapacity(r, c)
	}
	return fmt.Errorf("suggest: unknown change %q", c.Action)
}

// claimed are the guaranteed reservations of pool in root, in address order.
func (p *planner) claimed(pool, root string) []inventory.Entry {
	var out []inventory.Entry
	for _, e := range p.opts.Entries {
		if e.Pool == pool && e.Root == root && e.Guaranteed && e.Kind == inventory.KindReservation {
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b inventory.Entry) int { return cmp.Compare(a.Address, b.Address) })
	return out
}

// sameTerm reports whether an addition of c to e's count means exactly c:
// both start on the same day (today for anything already started) and
// end on the same day (or both are open-ended).
func (p *planner) sameTerm(e inventory.Entry, c Change) bool {
	today := time.Date(p.opts.Now.Year(), p.opts.Now.Month(), p.opts.Now.Day(), 0, 0, 0, 0, time.UTC)
	first := func(s string) (time.Time, bool) {
		if s == "" {
			return today, true
		}
		d, err := inventory.FirstDay(s)
		if err != nil {
			return time.Time{}, false
		}
		if d.Before(today) {
			d = today
		}
		return d, true
	}
	ef, ok1 := first(e.Start)
	cf, ok2 := first(c.Start)
	if !ok1 || !ok2 || !ef.Equal(cf) {
		return false
	}
	if e.End == "" || c.End == "" {
		return e.End == c.End
	}
	el, err1 := inventory.LastDay(e.End)
	cl, err2 := inventory.LastDay(c.End)
	return err1 == nil && err2 == nil && el.Equal(cl)
}

// errUnsuited is an edit that would mean more than the change (a count
// shared by several instances): another edit is tried.
var errUnsuited = errors.New("unsuited")

// addCapacity plans an addition: a raised count on a reservation of the
// pool in the zone with the change's term, else a new key of a for_each
// over zones with that term, else a new block after a reservation of the
// pool's instance type.
func (p *planner) addCapacity(r Request, c Change) error {
	claimed := p.claimed(r.Pool, c.Root)
	typ, _, _ := strings.Cut(c.Address, ".")
	for _, e := range claimed {
		if e.Zone != c.Zone || e.InstanceType != c.InstanceType || !p.sameTerm(e, c) {
			continue
		}
		var err error
		switch {
		case strings.HasPrefix(e.Address, typ+"."):
			err = p.raise(e, c.Instances)
		case inModule(e, typ):
			err = p.raiseModule(e, c.Instances)
		default:
			continue
		}
		if !errors.Is(err, errUnsuited) {
			return err
		}
	}
	for _, e := range claimed {
		if e.InstanceType != c.InstanceType || !p.sameTerm(e, c) {
			continue
		}
		var err error
		switch {
		case strings.HasPrefix(e.Address, typ+"."):
			err = p.addKey(e, c)
		case inModule(e, typ):
			err = p.addKeyModule(e, c)
		default:
			continue
		}
		if !errors.Is(err, errUnsuited) {
			return err
		}
	}
	for _, pass := range []bool{false, true} {
		for _, e := range claimed {
			if e.InstanceType != c.InstanceType || !strings.HasPrefix(e.Address, typ+".") {
				continue
			}
			if multi := strings.HasSuffix(e.Address, "]"); multi != pass {
				continue
			}
			if r.Claim != "" {
				return fmt.Errorf("suggest: pool %s: the new reservation %s would not be claimed by pools.%s.reservations; add %s there first (capcheck edits the Terraform only)", r.Pool, c.Address, r.Pool, r.Claim)
			}
			if err := p.newBlock(e, c, claimed); err != nil {
				return err
			}
			p.created[r.Pool] = append(p.created[r.Pool], c.Address)
			return nil
		}
	}
	// A reservation of a module call: a root block, a copy of the
	// module's with the call's arguments put in.
	for _, e := range claimed {
		if e.InstanceType != c.InstanceType || !inModule(e, typ) {
			continue
		}
		if r.Claim != "" {
			return fmt.Errorf("suggest: pool %s: the new reservation %s would not be claimed by pools.%s.reservations; add %s there first (capcheck edits the Terraform only)", r.Pool, c.Address, r.Pool, r.Claim)
		}
		if err := p.newBlockFromModule(e, c, claimed); err != nil {
			return err
		}
		p.created[r.Pool] = append(p.created[r.Pool], c.Address)
		return nil
	}
	return fmt.Errorf("suggest: pool %s has no %s reservation of %s in root %s to copy for %s", r.Pool, typ, c.InstanceType, c.Root, c.Address)
}

// raise adds n to e's count.
func (p *planner) raise(e inventory.Entry, n int) error {
	b, err := p.block(e)
	if err != nil {
		return err
	}
	if err := p.overridden(b, "count", "for_each", b.kind.count[0]); err != nil {
		return err
	}
	if b.blk.Body.Attributes["count"] != nil {
		return errUnsuited
	}
	a, _ := attrAt(b.blk.Body, b.kind.count)
	what := strings.Join(b.kind.count, ".")
	if a == nil {
		return diag.Errorf(b.f.pos(b.blk.DefRange()), "%s sets no %s literally (a dynamic block?): capcheck cannot edit it safely", b.addr.resource(), what).Err()
	}
	l, err := p.literal(b, b.f, a.Expr, what)
	if err != nil {
		return err
	}
	if b.blk.Body.Attributes["for_each"] != nil && !l.perKey {
		// One count for every key.
		return errUnsuited
	}
	old, ok := number(l.expr)
	if !ok {
		return diag.Errorf(l.f.pos(l.expr.Range()), "%s of %s is not a whole number written literally: capcheck cannot edit it safely", what, b.addr.resource()).Err()
	}
	if old != e.Count {
		return diag.Errorf(l.f.pos(l.expr.Range()), "%s of %s reads %d here but evaluates to %d: capcheck cannot edit it safely", what, e.Address, old, e.Count).Err()
	}
	rg := l.expr.Range()
	return p.edit(b, l, splice{start: rg.Start.Byte, end: rg.End.Byte, text: valueText(cty.NumberIntVal(int64(old + n)))})
}

// number is a literal whole number's value.
func number(expr hclsyntax.Expression) (int, bool) {
	x, ok := expr.(*hclsyntax.LiteralValueExpr)
	if !ok || x.Val.Type() != cty.Number || !x.Val.IsKnown() {
		return 0, false
	}
	bf := x.Val.AsBigFloat()
	if !bf.IsInt() {
		return 0, false
	}
	i, acc := bf.Int64()
	if acc != 0 || i < 0 || i > 1<<31 {
		return 0, false
	}
	return int(i), true
}

// stringLit is a literal string's value.
func stringLit(expr hclsyntax.Expression) (string, bool) {
	v, hd := expr.Value(nil)
	if hd.HasErrors() || !v.IsKnown() || v.IsNull() || v.Type() != cty.String {
		return "", false
	}
	return v.AsString(), true
}

func valueText(v cty.Value) string { return string(hclwrite.TokensForValue(v).Bytes()) }

// isTraversal reports whether expr is exactly root.attr.
func isTraversal(expr hclsyntax.Expression, root, attr string) bool {
	x, ok := expr.(*hclsyntax.ScopeTraversalExpr)
	if !ok || len(x.Traversal) != 2 || x.Traversal.RootName() != root {
		return false
	}
	a, ok := x.Traversal[1].(hcl.TraverseAttr)
	return ok && a.Name == attr
}

// addKey adds c's zone to the for_each of e's resource when its keys are
// the zones: a map of counts (count = each.value) gets the key with c's
// count, a set (one count for all) the zone when that count is c's.
func (p *planner) addKey(e inventory.Entry, c Change) error {
	b, err := p.block(e)
	if err != nil {
		return err
	}
	if err := p.overridden(b, "count", "for_each", b.kind.zone, b.kind.count[0]); err != nil {
		return err
	}
	za := b.blk.Body.Attributes[b.kind.zone]
	ca, _ := attrAt(b.blk.Body, b.kind.count)
	if za == nil || ca == nil {
		return errUnsuited
	}
	return p.addKeyTo(b, za.Expr, ca.Expr, strings.Join(b.kind.count, "."), c)
}

// addKeyTo adds c's zone to the for_each of b (a resource, or a module
// call) whose zone is zone and count count (expressions of b's body).
func (p *planner) addKeyTo(b *block, zone, count hclsyntax.Expression, what string, c Change) error {
	fe := b.blk.Body.Attributes["for_each"]
	if fe == nil || !isTraversal(zone, "each", "key") {
		return errUnsuited
	}
	m, err := p.literal(b, b.f, fe.Expr, "for_each")
	if err != nil {
		return err
	}
	var items []hclsyntax.Expression
	var keys []hclsyntax.Expression
	switch x := m.expr.(type) {
	case *hclsyntax.ObjectConsExpr:
		if !isTraversal(count, "each", "value") {
			return errUnsuited
		}
		for _, it := range x.Items {
			if k, _ := itemKey(it); k == c.Zone {
				return errUnsuited
			}
			keys = append(keys, it.KeyExpr)
			items = append(items, it.ValueExpr)
		}
	case *hclsyntax.TupleConsExpr:
		cl, err := p.literal(b, b.f, count, what)
		if err != nil {
			return err
		}
		if n, ok := number(cl.expr); !ok || n != c.Instances {
			return errUnsuited
		}
		for _, el := range x.Exprs {
			if s, _ := stringLit(el); s == c.Zone {
				return errUnsuited
			}
		}
		items = x.Exprs
	default:
		return errUnsuited
	}
	if len(items) == 0 {
		return errUnsuited
	}
	f := m.f
	last := len(items) - 1
	var text string
	start, end := items[last].Range().Start.Byte, items[last].Range().End.Byte
	if keys != nil {
		key := valueText(cty.StringVal(c.Zone))
		ks := keys[last].Range().Start.Byte
		if f.src[ks] != '"' && hclsyntax.ValidIdentifier(c.Zone) {
			key = c.Zone
		}
		text = key + string(f.src[keys[last].Range().End.Byte:start]) + valueText(cty.NumberIntVal(int64(c.Instances)))
		start = ks
	} else {
		text = valueText(cty.StringVal(c.Zone))
	}
	at := end
	lineStart := bytes.LastIndexByte(f.src[:start], '\n') + 1
	open := m.expr.Range().Start.Byte
	if lineStart > open && strings.TrimSpace(string(f.src[lineStart:start])) == "" {
		// One item a line: a line like the last one, after it.
		comma := ""
		if end < len(f.src) && f.src[end] == ',' {
			comma = ","
		}
		nl := bytes.IndexByte(f.src[end:], '\n')
		if nl < 0 {
			return errUnsuited
		}
		at = end + nl
		text = "\n" + string(f.src[lineStart:start]) + text + comma
	} else {
		text = ", " + text
	}
	return p.edit(b, m, splice{start: at, end: at, text: text})
}

// newBlock adds a reservation block for c, a copy of e's (provider,
// instance type, tags, every other argument) with the zone, the count and
// the dates of c, named as c.Address, after the last block of claimed in
// e's file.
func (p *planner) newBlock(e inventory.Entry, c Change, claimed []inventory.Entry) error {
	b, err := p.block(e)
	if err != nil {
		return err
	}
	if err := p.overridden(b); err != nil {
		return err
	}
	_, name, _ := strings.Cut(c.Address, ".")
	if err := p.refuseTaken(b.dir, resourceNamed(b.addr.typ, name, c.Address)); err != nil {
		return err
	}
	rg := b.blk.Range()
	text, err := p.copyText(b, b.f.src[rg.Start.Byte:rg.End.Byte], name, c)
	if err != nil {
		return err
	}
	return p.addAfterClaimed(b, claimed, text)
}

// refuseTaken is an error at the first block of dir's files that taken
// names (taken returns how the message quotes it, "" for a block that
// is not in the way): capcheck never adds a block twice.
func (p *planner) refuseTaken(dir string, taken func(ob *hclsyntax.Block) string) error {
	fs, err := p.dirFiles(dir)
	if err != nil {
		return err
	}
	for _, f := range fs {
		for _, ob := range f.body.Blocks {
			if what := taken(ob); what != "" {
				return diag.Errorf(f.pos(ob.DefRange()), "%s exists already: capcheck will not add it twice; run capcheck suggest again", what).Err()
			}
		}
	}
	return nil
}

// resourceNamed is refuseTaken's test for the resource typ.name, quoted
// as address.
func resourceNamed(typ, name, address string) func(*hclsyntax.Block) string {
	return func(ob *hclsyntax.Block) string {
		if ob.Type == "resource" && len(ob.Labels) == 2 && ob.Labels[0] == typ && ob.Labels[1] == name {
			return address
		}
		return ""
	}
}

// addAfterClaimed adds text as a new block after b, or after the last
// block of claimed in b's file when that comes later.
func (p *planner) addAfterClaimed(b *block, claimed []inventory.Entry, text string) error {
	rg := b.blk.Range()
	at := rg.End.Byte
	for _, o := range claimed {
		if ob, err := p.block(o); err == nil && ob.f == b.f {
			at = max(at, ob.blk.Range().End.Byte)
		}
	}
	return b.f.add(splice{start: at, end: at, text: "\n\n" + text}, rg)
}

// copyText is the text of a copy of b (its source src, as b's file has it
// or with a module's inputs put in) for c, named name: c's zone, count and
// dates, no count or for_each, formatted by hclwrite.
func (p *planner) copyText(b *block, src []byte, name string, c Change) (string, error) {
	rg := b.blk.Range()
	wf, hd := hclwrite.ParseConfig(src, b.f.rel, rg.Start)
	if hd.HasErrors() || len(wf.Body().Blocks()) != 1 {
		return "", diag.Errorf(b.f.pos(b.blk.DefRange()), "cannot copy %s", b.addr.resource()).Err()
	}
	nb := wf.Body().Blocks()[0]
	nb.SetLabels([]string{b.addr.typ, name})
	body := nb.Body()
	body.RemoveAttribute("count")
	body.RemoveAttribute("for_each")
	body.SetAttributeValue(b.kind.zone, cty.StringVal(c.Zone))
	cb := body
	for _, n := range b.kind.count[:len(b.kind.count)-1] {
		nested := cb.FirstMatchingBlock(n, nil)
		if nested == nil {
			return "", diag.Errorf(b.f.pos(b.blk.DefRange()), "cannot copy %s: no %s block", b.addr.resource(), n).Err()
		}
		cb = nested.Body()
	}
	cb.SetAttributeValue(b.kind.count[len(b.kind.count)-1], cty.NumberIntVal(int64(c.Instances)))
	if b.kind.uniqueArg != "" && body.GetAttribute(b.kind.uniqueArg) != nil {
		body.SetAttributeValue(b.kind.uniqueArg, cty.StringVal(strings.ReplaceAll(name, "_", "-")))
	}
	if b.kind.start != "" {
		today := p.opts.Now.UTC().Format("2006-01-02")
		if c.Start > today {
			body.SetAttributeValue(b.kind.start, cty.StringVal(c.Start+"T00:00:00Z"))
		} else {
			body.RemoveAttribute(b.kind.start)
		}
	}
	if b.kind.end != "" {
		if c.End != "" {
			body.SetAttributeValue(b.kind.endType, cty.StringVal("limited"))
			end, err := endInstant(c.End)
			if err != nil {
				return "", fmt.Errorf("suggest: end of %s: %w", c.Address, err)
			}
			body.SetAttributeValue(b.kind.end, cty.StringVal(end))
		} else {
			body.RemoveAttribute(b.kind.end)
			if body.GetAttribute(b.kind.endType) != nil {
				body.SetAttributeValue(b.kind.endType, cty.StringVal("unlimited"))
			}
		}
	}
	if ref := instanceRef(body); ref != "" {
		return "", diag.Errorf(b.f.pos(b.blk.DefRange()), "cannot copy %s for %s: an argument refers to %s, which the copy does not have; make the change by hand", b.addr.resource(), c.Address, ref).Err()
	}
	return string(bytes.TrimRight(hclwrite.Format(wf.Bytes()), "\n")), nil
}

// EndInstant is the RFC 3339 end an AWS reservation writes for last, its
// last whole day (YYYY-MM-DD): the first instant of the day after, which
// the reader reads back as last (inventory.LastDay) and the AWS provider
// accepts (end_date is an RFC 3339 timestamp).
func EndInstant(last string) (string, error) { return endInstant(last) }

func endInstant(last string) (string, error) {
	d, err := time.Parse("2006-01-02", last)
	if err != nil {
		return "", err
	}
	return d.AddDate(0, 0, 1).Format(time.RFC3339), nil
}

// instanceRef is the first each.* or count.* reference in body ("" none).
func instanceRef(body *hclwrite.Body) string {
	for _, name := range slices.Sorted(maps.Keys(body.Attributes())) {
		for _, v := range body.Attributes()[name].Expr().Variables() {
			root := strings.TrimSpace(string(v.BuildTokens(nil)[0].Bytes))
			if root == "each" || root == "count" {
				return root + " (in " + name + ")"
			}
		}
	}
	for _, nb := range body.Blocks() {
		if ref := instanceRef(nb.Body()); ref != "" {
			return ref
		}
	}
	return ""
}

// extend moves the end of reservation c.Address to c.End (open-ended:
// the end removed and end_date_type "unlimited").
func (p *planner) extend(r Request, c Change) error {
	var e *inventory.Entry
	for i := range p.opts.Entries {
		if x := &p.opts.Entries[i]; x.Address == c.Address && x.Root == c.Root {
			e = x
			break
		}
	}
	if e == nil {
		return fmt.Errorf("suggest: %s is not in the inventory any more; run capcheck suggest again", c.Address)
	}
	if strings.HasPrefix(c.Address, "module.") {
		return p.extendModule(r, *e, c)
	}
	b, err := p.block(*e)
	if err != nil {
		return err
	}
	if err := p.overridden(b, b.kind.end, b.kind.endType, "count", "for_each"); err != nil {
		return err
	}
	if b.kind.end == "" {
		return diag.Errorf(b.f.pos(b.blk.DefRange()), "capcheck does not extend %s reservations: change %s's end by hand", b.addr.typ, c.Address).Err()
	}
	a := b.blk.Body.Attributes[b.kind.end]
	if a == nil {
		return diag.Errorf(b.f.pos(b.blk.DefRange()), "%s sets no %s to extend", c.Address, b.kind.end).Err()
	}
	l, err := p.literal(b, b.f, a.Expr, b.kind.end)
	if err != nil {
		return err
	}
	old, ok := stringLit(l.expr)
	if !ok {
		return diag.Errorf(l.f.pos(l.expr.Range()), "%s of %s is not a string written literally: capcheck cannot edit it safely", b.kind.end, c.Address).Err()
	}
	if (b.blk.Body.Attributes["count"] != nil || b.blk.Body.Attributes["for_each"] != nil) && !l.perKey {
		return diag.Errorf(l.f.pos(l.expr.Range()), "%s of %s is shared by every instance of %s: capcheck cannot extend one alone; make the change by hand", b.kind.end, c.Address, b.addr.resource()).Err()
	}
	rg := l.expr.Range()
	if c.End != "" {
		end := c.End
		if _, dateOnly, err := inventory.Instant(old); err == nil && !dateOnly {
			// Written as the instant capacity stops: the day after the last.
			d, err := time.Parse("2006-01-02", c.End)
			if err != nil {
				return fmt.Errorf("suggest: end %q of %s: %w", c.End, c.Address, err)
			}
			end = d.AddDate(0, 0, 1).Format(time.RFC3339)
		}
		return p.edit(b, l, splice{start: rg.Start.Byte, end: rg.End.Byte, text: valueText(cty.StringVal(end))})
	}
	// Open-ended: no end, and an end type of unlimited.
	if l.f != b.f {
		return diag.Errorf(l.f.pos(rg), "%s of %s is set by a variable: capcheck cannot make it open-ended safely; make the change by hand", b.kind.end, c.Address).Err()
	}
	if err := removeLine(b.f, a.SrcRange); err != nil {
		return err
	}
	if t := b.blk.Body.Attributes[b.kind.endType]; t != nil {
		tr := t.Expr.Range()
		if _, ok := stringLit(t.Expr); !ok {
			return diag.Errorf(b.f.pos(tr), "%s of %s is not a string written literally: capcheck cannot edit it safely", b.kind.endType, c.Address).Err()
		}
		return b.f.add(splice{start: tr.Start.Byte, end: tr.End.Byte, text: valueText(cty.StringVal("unlimited"))}, tr)
	}
	return nil
}

// removeLine removes the line of an attribute that is alone on it (with
// its line comment, which is about it).
func removeLine(f *srcFile, r hcl.Range) error {
	start := bytes.LastIndexByte(f.src[:r.Start.Byte], '\n') + 1
	end := r.End.Byte
	if nl := bytes.IndexByte(f.src[end:], '\n'); nl >= 0 {
		end += nl + 1
	} else {
		end = len(f.src)
	}
	rest := strings.TrimSpace(string(f.src[r.End.Byte:end]))
	comment := strings.HasPrefix(rest, "#") || strings.HasPrefix(rest, "//")
	if strings.TrimSpace(string(f.src[start:r.Start.Byte])) != "" || rest != "" && !comment {
		return diag.Errorf(f.pos(r), "cannot remove this argument: it shares its line").Err()
	}
	return f.add(splice{start: start, end: end}, r)
}

// result applies the splices of every file to a copy of its bytes.
func (p *planner) result() (*Edit, error) {
	ed := &Edit{root: p.root, created: p.created}
	for _, rel := range slices.Sorted(maps.Keys(p.files)) {
		f := p.files[rel]
		if len(f.splices) == 0 {
			continue
		}
		ss := slices.Clone(f.splices)
		slices.SortStableFunc(ss, func(a, b splice) int { return cmp.Compare(a.start, b.start) })
		var out bytes.Buffer
		at := 0
		for _, s := range ss {
			out.Write(f.src[at:s.start])
			out.WriteString(s.text)
			at = max(at, s.end)
		}
		out.Write(f.src[at:])
		next := out.Bytes()
		if bytes.Equal(hclwrite.Format(f.src), f.src) {
			// A file formatted as terraform fmt formats it stays so.
			next = hclwrite.Format(next)
		}
		if _, hd := hclsyntax.ParseConfig(next, rel, hcl.InitialPos); hd.HasErrors() {
			return nil, fmt.Errorf("suggest: the edit of %s does not parse (%s): a bug; make the change by hand", rel, hd.Error())
		}
		ed.files = append(ed.files, fileEdit{rel: rel, real: f.real, old: f.src, new: next, mode: f.mode})
	}
	return ed, nil
}

// KindCapacityBlock is a Change's kind for an AWS capacity block.
const KindCapacityBlock = "capacity-block"

// blockSwitch is the time of day (UTC) every AWS capacity block starts
// and ends: "All Capacity Blocks end at 11:30AM UTC" (Amazon EC2 User
// Guide, "Find and purchase Capacity Blocks",
// https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/capacity-blocks-purchase.html),
// and one booked ahead starts at that time too, so a search window of
// midnights matches no offering.
const blockSwitch = 11*time.Hour + 30*time.Minute

// blockWindow is the offering search window [from, to] for a block of
// hours that must hold capacity from the first instant of day start: the
// block starts at 11:30 UTC the day before (the last switch before the
// day begins) and the window ends exactly hours later, so the one block
// it matches is that one. capcheck reads a block from its window's start
// for its hours (inventory/terraform's awsCapacityBlock), which is then
// the block AWS sells: its last whole day is the one before the day it
// ends on, start + hours/24 − 2 days.
func blockWindow(start time.Time, hours float64) (from, to time.Time) {
	from = start.AddDate(0, 0, -1).Add(blockSwitch)
	return from, from.Add(time.Duration(hours) * time.Hour)
}

// BlockHCL is the Terraform of an AWS capacity block named name (a
// resource name): a data.aws_ec2_capacity_block_offering of instances ×
// instanceType for hours whose search window is blockWindow's for a block
// holding capacity from the first instant of day start, and the
// aws_ec2_capacity_block_reservation bought from it (formatted by
// hclwrite, no trailing newline). --apply writes it and --format hcl
// prints it.
func BlockHCL(name, instanceType string, instances int, hours float64, start time.Time) string {
	wf := hclwrite.NewEmptyFile()
	off := wf.Body().AppendNewBlock("data", []string{"aws_ec2_capacity_block_offering", name}).Body()
	off.SetAttributeValue("instance_type", cty.StringVal(instanceType))
	off.SetAttributeValue("instance_count", cty.NumberIntVal(int64(instances)))
	off.SetAttributeValue("capacity_duration_hours", cty.NumberIntVal(int64(hours)))
	from, to := blockWindow(start, hours)
	off.SetAttributeValue("start_date_range", cty.StringVal(from.Format(time.RFC3339)))
	off.SetAttributeValue("end_date_range", cty.StringVal(to.Format(time.RFC3339)))
	wf.Body().AppendNewline()
	res := wf.Body().AppendNewBlock("resource", []string{"aws_ec2_capacity_block_reservation", name}).Body()
	res.SetAttributeTraversal("capacity_block_offering_id", hcl.Traversal{
		hcl.TraverseRoot{Name: "data"}, hcl.TraverseAttr{Name: "aws_ec2_capacity_block_offering"},
		hcl.TraverseAttr{Name: name}, hcl.TraverseAttr{Name: "capacity_block_offering_id"}})
	res.SetAttributeValue("instance_platform", cty.StringVal("Linux/UNIX"))
	return string(bytes.TrimRight(hclwrite.Format(wf.Bytes()), "\n"))
}

// addBlock adds an AWS capacity block for c as the repository's
// pattern writes one: a data.aws_ec2_capacity_block_offering of c's
// instance type and count, lasting c's hours from 11:30 UTC the day
// before its start (blockWindow), and an aws_ec2_capacity_block_reservation
// of that offering, both named as c.Address, after the last reservation
// of the pool in the file of its last AWS reservation of the instance
// type in c's root.
func (p *planner) addBlock(r Request, c Change) error {
	typ, name, _ := strings.Cut(c.Address, ".")
	if typ != "aws_ec2_capacity_block_reservation" || !hclsyntax.ValidIdentifier(name) {
		return fmt.Errorf("suggest: %s is not an AWS capacity block address", c.Address)
	}
	if c.DurationHours <= 0 || c.Instances < 1 {
		return fmt.Errorf("suggest: capacity block %s has no duration or no instances", c.Address)
	}
	start, err := time.Parse("2006-01-02", c.Start)
	if err != nil {
		return fmt.Errorf("suggest: start %q of %s: %w", c.Start, c.Address, err)
	}
	var near *block
	var claimed []inventory.Entry
	for _, e := range p.opts.Entries {
		if e.Pool != r.Pool || e.Root != c.Root || !e.Guaranteed || e.InstanceType != c.InstanceType {
			continue
		}
		claimed = append(claimed, e)
	}
	slices.SortFunc(claimed, func(a, b inventory.Entry) int { return cmp.Compare(a.Address, b.Address) })
	for _, e := range claimed {
		if e.File == "" || strings.HasSuffix(e.File, ".json") || !strings.HasPrefix(e.Address, "aws_ec2_capacity_reservation.") {
			continue
		}
		b, err := p.block(e)
		if err != nil {
			return err
		}
		if near == nil || b.f == near.f && b.blk.Range().End.Byte > near.blk.Range().End.Byte {
			near = b
		}
	}
	if near == nil {
		return fmt.Errorf("suggest: pool %s has no AWS reservation of %s in root %s to put the capacity block %s next to", r.Pool, c.InstanceType, c.Root, c.Address)
	}
	if r.Claim != "" {
		return fmt.Errorf("suggest: pool %s: the new capacity block %s would not be claimed by pools.%s.reservations; add %s there first (capcheck edits the Terraform only)", r.Pool, c.Address, r.Pool, r.Claim)
	}
	if err := p.refuseTaken(near.dir, func(ob *hclsyntax.Block) string {
		if len(ob.Labels) == 2 && ob.Labels[1] == name && (ob.Type == "resource" && ob.Labels[0] == typ || ob.Type == "data" && ob.Labels[0] == "aws_ec2_capacity_block_offering") {
			return ob.Type + " " + ob.Labels[0] + "." + name
		}
		return ""
	}); err != nil {
		return err
	}
	text := BlockHCL(name, c.InstanceType, c.Instances, c.DurationHours, start)
	at := near.blk.Range().End.Byte
	if err := near.f.add(splice{start: at, end: at, text: "\n\n" + text}, near.blk.Range()); err != nil {
		return err
	}
	p.created[r.Pool] = append(p.created[r.Pool], c.Address)
	return nil
}
