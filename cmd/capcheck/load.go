package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"

	"github.com/capcheck/capcheck/inventory"

	"github.com/capcheck/capcheck/evaluator/catalog"
	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/internal/repopath"
	"github.com/capcheck/capcheck/inventory/terraform"
	"github.com/capcheck/capcheck/schema"
)

// loadFlags are the input flags every command that reads a repository
// shares.
type loadFlags struct {
	config   string
	catalog  string
	varFiles stringList
	vars     keyValues
	planJSON stringList
}

func (lf *loadFlags) register(fs *flag.FlagSet) {
	lf.vars = keyValues{}
	fs.StringVar(&lf.config, "config", "", "configuration file (default: PATH/capcheck.yaml when present)")
	fs.StringVar(&lf.catalog, "catalog", "", "extra catalog file extending or overriding the built-in GPU catalog")
	fs.Var(&lf.varFiles, "var-file", "Terraform variable file, relative to PATH (repeatable; applied after *.auto.tfvars)")
	fs.Var(lf.vars, "var", "Terraform variable NAME=VALUE (repeatable; applied last)")
	fs.Var(&lf.planJSON, "plan-json", "`terraform show -json` plan file of the tree at PATH, read instead of HCL: your own file, relative to the working directory or absolute (repeatable)")
}

// workspace is a loaded repository: configuration, plans, catalog and the
// Terraform GPU inventory.
type workspace struct {
	root    string
	config  *schema.Config
	plans   []*schema.Plan
	catalog *catalog.Catalog
	inv     *inventory.Inventory
}

// loadWorkspace reads everything under root with root's own configuration.
// Plans and Terraform are read concurrently; their problems are reported
// together so a user sees every error in one run.
func loadWorkspace(ctx context.Context, root string, lf *loadFlags, needPlans bool) (*workspace, error) {
	st, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("read repository: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("read repository: %s is not a directory", root)
	}
	cfg, err := loadConfig(root, lf.config)
	if err != nil {
		return nil, err
	}
	return loadTree(ctx, root, cfg, nil, lf, needPlans)
}

// loadTree reads the plans and Terraform under root as cfg says. cat, when
// not nil, is the GPU catalog to use instead of the one the flags or cfg
// name: in a PR diff the head tree is read with the trusted (base)
// configuration and catalog, so the PR cannot hide plans or reservations,
// or resize them, through its own capcheck.yaml or catalog file.
func loadTree(ctx context.Context, root string, cfg *schema.Config, cat *catalog.Catalog, lf *loadFlags, needPlans bool) (*workspace, error) {
	ws := &workspace{root: root, config: cfg, catalog: cat}
	if ws.catalog == nil {
		// --catalog is the caller's file; capcheck.yaml's catalog is a
		// repository file, confined to the repository (symlinks resolved).
		var err error
		switch {
		case lf.catalog != "":
			ws.catalog, err = catalog.Load(lf.catalog)
		case cfg.Catalog != "":
			ws.catalog, err = catalog.LoadInRoot(root, cfg.Catalog)
		default:
			ws.catalog = catalog.Default()
		}
		if err != nil {
			return nil, err
		}
	}

	var (
		wg              sync.WaitGroup
		planErr, infErr error
	)
	if needPlans {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ws.plans, planErr = schema.LoadPlans(root, cfg.Plans)
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		ws.inv, infErr = loadInventory(ctx, root, cfg, lf, ws.catalog)
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

// loadInventory reads the Terraform inventory under root: from plan files
// when the configuration or the flags name any, from HCL otherwise.
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
func loadInventory(ctx context.Context, root string, cfg *schema.Config, lf *loadFlags, cat *catalog.Catalog) (*inventory.Inventory, error) {
	if len(cfg.Terraform.PlanJSON) > 0 || len(lf.planJSON) > 0 {
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
				errs = append(errs, diag.Diagnostic{Pos: pos, Severity: diag.Error, Path: key, Msg: err.Error()})
				return nil
			}); err != nil {
				return nil, err
			}
		}
		for _, f := range lf.planJSON {
			one, err := terraform.LoadPlanJSONFile(f, userFileName(root, f), cat)
			if err := add(one, err, func(err error) error { return err }); err != nil {
				return nil, err
			}
		}
		if err := errs.Err(); err != nil {
			return nil, err
		}
		return inv, nil
	}
	vars := map[string]string{}
	for k, v := range cfg.Terraform.Vars {
		vars[k] = v
	}
	for k, v := range lf.vars {
		vars[k] = v
	}
	opts := terraform.Options{
		VarFiles: append(append([]string{}, cfg.Terraform.VarFiles...), lf.varFiles...),
		Vars:     vars,
		Dirs:     cfg.Terraform.Dirs,
		Exclude:  cfg.Terraform.Exclude,
		Catalog:  cat,
	}
	return terraform.Discover(ctx, root, opts)
}

// userFileName names a file the user gave on the command line in
// positions: relative to the repository root when it is inside it (so
// links and annotations point into the repository), as given otherwise.
func userFileName(root, file string) string {
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

// trustedFiles reads, under root, the files the configurations name whose
// contents steer a check: the catalog file and the *.rego files below the
// policy directories (not *_test.rego, not in hidden directories, as the
// policy engine reads them), keyed by slash path relative to root. A file
// or directory missing under root is left out; a symbolic link is recorded
// by its target, never followed, so nothing outside root is read.
func trustedFiles(root string, cfgs ...*schema.Config) (map[string][]byte, error) {
	out := map[string][]byte{}
	read := func(rel string, d fs.DirEntry) error {
		p := filepath.Join(root, filepath.FromSlash(rel))
		if d.Type()&fs.ModeSymlink != 0 {
			target, err := os.Readlink(p)
			if err != nil {
				return fmt.Errorf("read %s: %w", rel, err)
			}
			out[rel] = []byte("symlink -> " + target)
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return fmt.Errorf("read %s: %w", rel, err)
		}
		out[rel] = data
		return nil
	}
	for _, cfg := range cfgs {
		if cfg == nil {
			continue
		}
		if cfg.Catalog != "" {
			rel := path.Clean(cfg.Catalog)
			info, err := os.Lstat(filepath.Join(root, filepath.FromSlash(rel)))
			switch {
			case errors.Is(err, fs.ErrNotExist):
			case err != nil:
				return nil, fmt.Errorf("read %s: %w", rel, err)
			default:
				if err := read(rel, fs.FileInfoToDirEntry(info)); err != nil {
					return nil, err
				}
			}
		}
		for _, dir := range cfg.Policies {
			dir = path.Clean(dir)
			top := filepath.Join(root, filepath.FromSlash(dir))
			if info, err := os.Lstat(top); err != nil || !info.IsDir() {
				if err != nil && !errors.Is(err, fs.ErrNotExist) {
					return nil, fmt.Errorf("read %s: %w", dir, err)
				}
				continue
			}
			err := filepath.WalkDir(top, func(p string, d fs.DirEntry, err error) error {
				if err != nil {
					return err
				}
				if d.IsDir() {
					if p != top && strings.HasPrefix(d.Name(), ".") {
						return filepath.SkipDir
					}
					return nil
				}
				if !strings.HasSuffix(d.Name(), ".rego") || strings.HasSuffix(d.Name(), "_test.rego") {
					return nil
				}
				rel, err := filepath.Rel(root, p)
				if err != nil {
					return err
				}
				return read(filepath.ToSlash(rel), d)
			})
			if err != nil {
				return nil, fmt.Errorf("read policy directory %s: %w", dir, err)
			}
		}
	}
	return out, nil
}
