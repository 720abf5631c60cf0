// Package workspace loads a repository once — configuration, plans,
// catalog, GPU inventory and the files that steer a check — and runs the
// pipelines the commands wire: check (with the base/head trust rules),
// audit (with its source mapping) and comment (a saved result posted to
// GitHub). It owns the rules that sit between the readers and the
// evaluator: where a baseline comes from, which tree is trusted, what an
// override means (docs/ARCHITECTURE.md, "Packages").
//
// Nothing here reads flags or the process environment directly: the
// command hands every input over, with getenv and the streams injected.
package workspace

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/capcheck/capcheck/evaluator"
	"github.com/capcheck/capcheck/evaluator/catalog"
	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/internal/repopath"
	"github.com/capcheck/capcheck/inventory"
	"github.com/capcheck/capcheck/inventory/kubernetes"
	"github.com/capcheck/capcheck/inventory/terraform"
	"github.com/capcheck/capcheck/report"
	"github.com/capcheck/capcheck/schema"
)

// Options are the inputs of a load that do not come from the repository:
// what the user named on the command line.
type Options struct {
	Config   string            // configuration file, relative to the root (default: root/capcheck.yaml when present)
	Catalog  string            // extra catalog file, relative to the working directory
	VarFiles []string          // Terraform variable files, relative to the root, applied after the configuration's
	Vars     map[string]string // Terraform variables, applied last
	PlanJSON []string          // `terraform show -json` files of the tree, relative to the working directory
}

// Workspace is a loaded repository: configuration, plans, catalog and the
// GPU inventory.
type Workspace struct {
	Root      string
	Config    *schema.Config
	Plans     []*schema.Plan
	Catalog   *catalog.Catalog
	Inventory *inventory.Inventory
}

// Load reads everything under root with root's own configuration. Plans
// and Terraform are read concurrently; their problems are reported
// together so a user sees every error in one run.
func Load(ctx context.Context, root string, opts Options) (*Workspace, error) {
	if err := isDir(root); err != nil {
		return nil, err
	}
	cfg, err := loadConfig(root, opts.Config)
	if err != nil {
		return nil, err
	}
	return loadTree(ctx, root, cfg, nil, opts)
}

func isDir(root string) error {
	st, err := os.Stat(root)
	if err != nil {
		return fmt.Errorf("read repository: %w", err)
	}
	if !st.IsDir() {
		return fmt.Errorf("read repository: %s is not a directory", root)
	}
	return nil
}

// loadTree reads the plans and Terraform under root as cfg says. cat, when
// not nil, is the GPU catalog to use instead of the one the options or cfg
// name: in a PR diff the head tree is read with the trusted (base)
// configuration and catalog, so the PR cannot hide plans or reservations,
// or resize them, through its own capcheck.yaml or catalog file.
func loadTree(ctx context.Context, root string, cfg *schema.Config, cat *catalog.Catalog, opts Options) (*Workspace, error) {
	ws := &Workspace{Root: root, Config: cfg, Catalog: cat}
	if ws.Catalog == nil {
		// --catalog is the caller's file; capcheck.yaml's catalog is a
		// repository file, confined to the repository (symlinks resolved).
		var err error
		switch {
		case opts.Catalog != "":
			ws.Catalog, err = catalog.Load(opts.Catalog)
		case cfg.Catalog != "":
			ws.Catalog, err = catalog.LoadInRoot(root, cfg.Catalog)
		default:
			ws.Catalog = catalog.Default()
		}
		if err != nil {
			return nil, err
		}
	}

	var (
		wg              sync.WaitGroup
		planErr, infErr error
	)
	wg.Add(2)
	go func() {
		defer wg.Done()
		ws.Plans, planErr = schema.LoadPlans(root, cfg.Plans)
	}()
	go func() {
		defer wg.Done()
		ws.Inventory, infErr = loadInventory(ctx, root, cfg, opts, ws.Catalog)
	}()
	wg.Wait()
	if err := joinDiagnostics(planErr, infErr); err != nil {
		return nil, err
	}
	return ws, nil
}

func loadConfig(root, file string) (*schema.Config, error) {
	if file == "" {
		return schema.LoadConfig(root)
	}
	// An explicit --config is read as if it were root/capcheck.yaml.
	return schema.LoadConfigFile(root, file)
}

// loadInventory reads the Terraform inventory under root (from plan files
// when the configuration or the options name any, from HCL otherwise)
// and the Kubernetes manifests, binding Karpenter NodePools to the
// reservations their EC2NodeClasses select (kubernetes.Bind).
//
// The two kinds of plan file are resolved differently, on purpose:
// capcheck.yaml's terraform.plan_json entries come from the repository, so
// they are relative to root and confined to it (symbolic links resolved:
// a PR cannot make capcheck read a file outside its checkout), and a
// problem is reported at the entry in capcheck.yaml; --plan-json files are
// the user's own, named on the command line, so they are relative to the
// working directory (absolute allowed) and not confined. Positions name a
// --plan-json file relative to root when it is inside it, as given
// otherwise.
func loadInventory(ctx context.Context, root string, cfg *schema.Config, opts Options, cat *catalog.Catalog) (*inventory.Inventory, error) {
	if len(cfg.Terraform.PlanJSON) > 0 || len(opts.PlanJSON) > 0 {
		inv := &inventory.Inventory{}
		var errs diag.Diagnostics
		add := func(one *inventory.Inventory, err error, at func(error) error) error {
			var ds diag.Diagnostics
			switch {
			case errors.As(err, &ds):
				errs = append(errs, ds...)
			case err != nil:
				return at(err)
			default:
				inv.Merge(one)
			}
			return nil
		}
		for i, f := range cfg.Terraform.PlanJSON {
			key := fmt.Sprintf("terraform.plan_json[%d]", i)
			one, err := terraform.LoadPlanJSON(root, f, cat)
			if err := add(one, err, func(err error) error {
				pos, ok := cfg.Positions[key]
				if !ok {
					pos = cfg.Pos
				}
				errs = append(errs, diag.Diagnostic{Range: pos.Range(), Severity: diag.Error, Path: key, Msg: err.Error()})
				return nil
			}); err != nil {
				return nil, err
			}
		}
		for _, f := range opts.PlanJSON {
			one, err := terraform.LoadPlanJSONFile(f, userFileName(root, f), cat)
			if err := add(one, err, func(err error) error { return err }); err != nil {
				return nil, err
			}
		}
		k8s, kerr := loadKubernetes(ctx, root, cfg, cat)
		if err := joinDiagnostics(errs.Err(), kerr); err != nil {
			return nil, err
		}
		inv.Merge(k8s)
		kubernetes.Bind(inv, evaluator.MatchAddress)
		return inv, nil
	}
	vars := map[string]string{}
	for k, v := range cfg.Terraform.Vars {
		vars[k] = v
	}
	for k, v := range opts.Vars {
		vars[k] = v
	}
	inv, err := terraform.Discover(ctx, root, terraform.Options{
		VarFiles: append(append([]string{}, cfg.Terraform.VarFiles...), opts.VarFiles...),
		Vars:     vars,
		Dirs:     cfg.Terraform.Dirs,
		Exclude:  cfg.Terraform.Exclude,
		Catalog:  cat,
	})
	k8s, kerr := loadKubernetes(ctx, root, cfg, cat)
	if err := joinDiagnostics(err, kerr); err != nil {
		return nil, err
	}
	inv.Merge(k8s)
	kubernetes.Bind(inv, evaluator.MatchAddress)
	return inv, nil
}

// loadKubernetes reads the Kubernetes manifests under root
// (kubernetes.dirs, default every folder holding Kubernetes YAML). A
// problem with a kubernetes.dirs entry is reported at it in capcheck.yaml.
func loadKubernetes(ctx context.Context, root string, cfg *schema.Config, cat *catalog.Catalog) (*inventory.Inventory, error) {
	inv, err := kubernetes.Discover(ctx, root, kubernetes.Options{
		Dirs:    cfg.Kubernetes.Dirs,
		Exclude: cfg.Kubernetes.Exclude,
		Helm:    helmReleases(cfg),
		// kubernetes.helm_timeout, default 2m (schema/config.cue)
		HelmTimeout: cfg.Kubernetes.HelmTimeout,
		Catalog:     cat,
	})
	var ds diag.Diagnostics
	if err != nil && !errors.As(err, &ds) {
		pos, ok := cfg.Positions["kubernetes.dirs"]
		if !ok {
			pos = cfg.Pos
		}
		return nil, diag.Diagnostics{{Range: pos.Range(), Severity: diag.Error, Path: "kubernetes.dirs", Msg: err.Error()}}
	}
	return inv, err
}

// helmReleases are the kubernetes.helm entries, each with where it and
// its values files are written in capcheck.yaml.
func helmReleases(cfg *schema.Config) []kubernetes.HelmRelease {
	var out []kubernetes.HelmRelease
	for i, h := range cfg.Kubernetes.Helm {
		key := fmt.Sprintf("kubernetes.helm[%d]", i)
		r := kubernetes.HelmRelease{Chart: h.Chart, Values: h.Values, Release: h.Release, Namespace: h.Namespace,
			At: cmp.Or(cfg.Positions[key+".chart"], cfg.Positions[key], cfg.Pos)}
		for j := range h.Values {
			r.ValuesAt = append(r.ValuesAt, cmp.Or(cfg.Positions[fmt.Sprintf("%s.values[%d]", key, j)], r.At))
		}
		out = append(out, r)
	}
	return out
}

// userFileName names a file the user gave on the command line in
// positions: relative to the repository root when it is inside it (so
// links and annotations point into the repository), as given otherwise,
// and <stdin> for "-".
func userFileName(root, file string) string {
	if file == repopath.Stdin {
		return repopath.StdinName
	}
	absRoot, err1 := filepath.Abs(root)
	abs, err2 := filepath.Abs(file)
	if err1 == nil && err2 == nil && repopath.Inside(absRoot, abs) {
		if rel, err := filepath.Rel(absRoot, abs); err == nil {
			return filepath.ToSlash(rel)
		}
	}
	return filepath.ToSlash(file)
}

// joinDiagnostics merges positioned errors from several loaders; a plain
// error wins as is.
func joinDiagnostics(errs ...error) error {
	var all diag.Diagnostics
	for _, err := range errs {
		if err == nil {
			continue
		}
		var ds diag.Diagnostics
		if !errors.As(err, &ds) {
			return err
		}
		all = append(all, ds...)
	}
	return all.Err()
}

// requireSomething fails closed on a tree with nothing to judge: no plan
// matched the globs and Terraform reserves no GPU capacity (usually a
// wrong PATH or plan globs). Passing it would look like a clean check.
func (ws *Workspace) requireSomething() error {
	if len(ws.Plans) > 0 || len(ws.Inventory.Reservations) > 0 || len(ws.Inventory.Unresolved) > 0 {
		return nil
	}
	return fmt.Errorf("nothing to check under %s: no capacity plan matches %s and its Terraform reserves no GPU capacity; check PATH or the plans globs in capcheck.yaml",
		ws.Root, strings.Join(ws.Config.Plans, ", "))
}

// ReadsAsPlan reports whether file (relative to the working directory) is
// one of the plans the workspace is read with (its plans: globs, else the
// default capacity/ globs).
func (ws *Workspace) ReadsAsPlan(file string) bool {
	absRoot, err1 := filepath.Abs(ws.Root)
	absFile, err2 := filepath.Abs(file)
	if err1 != nil || err2 != nil {
		return false
	}
	rel, err := filepath.Rel(absRoot, absFile)
	if err != nil {
		return false
	}
	patterns := ws.Config.Plans
	if patterns == nil {
		patterns = schema.DefaultPlanPatterns()
	}
	files, _ := schema.Glob(ws.Root, patterns)
	return slices.Contains(files, filepath.ToSlash(rel))
}

// RepoPrefix is root's directory relative to the enclosing git repository
// ("" when root is the repository's top or not in one): where positions
// relative to root sit in links, annotations and SARIF.
func RepoPrefix(root string) string {
	abs, err := filepath.Abs(root)
	if err != nil {
		return ""
	}
	for dir := abs; ; {
		if _, err := os.Lstat(filepath.Join(dir, ".git")); err == nil {
			rel, err := filepath.Rel(dir, abs)
			if err != nil || rel == "." {
				return ""
			}
			return filepath.ToSlash(rel)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// Scaffold renders a capacity plan (YAML) with one pool per GPU model and
// region for the guaranteed reservations no plan claims, and how many
// pools it holds. With nothing to scaffold the plan is nil and why says
// why (no guaranteed reservation, or every one already claimed).
func (ws *Workspace) Scaffold(name, owner string, today time.Time) (plan []byte, pools int, why string, err error) {
	inv, err := evaluator.Link(ws.Plans, ws.Inventory)
	if err != nil {
		return nil, 0, "", err
	}
	ps := evaluator.Scaffold(inv)
	if len(ps) == 0 {
		if !slices.ContainsFunc(inv.Reservations, func(r inventory.Entry) bool { return r.Guaranteed }) {
			return nil, 0, fmt.Sprintf("found no guaranteed GPU reservation in the Terraform under %s; nothing to scaffold", ws.Root), nil
		}
		return nil, 0, "every guaranteed GPU reservation is already claimed by a plan; nothing to scaffold", nil
	}
	var buf bytes.Buffer
	if err := report.PlanScaffold(&buf, report.Scaffold{Name: name, Owner: owner, Today: today, Pools: ps}); err != nil {
		return nil, 0, "", err
	}
	return buf.Bytes(), len(ps), "", nil
}
