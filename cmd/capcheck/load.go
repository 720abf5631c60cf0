package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/capcheck/capcheck/evaluator/catalog"
	"github.com/capcheck/capcheck/evaluator/terraform"
	"github.com/capcheck/capcheck/internal/diag"
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
	fs.Var(&lf.planJSON, "plan-json", "`terraform show -json` plan file, relative to PATH, read instead of HCL (repeatable)")
}

// workspace is a loaded repository: configuration, plans, catalog and the
// Terraform GPU inventory.
type workspace struct {
	root    string
	config  *schema.Config
	plans   []*schema.Plan
	catalog *catalog.Catalog
	inv     *terraform.Inventory
}

// loadWorkspace reads everything under root. Plans and Terraform are read
// concurrently; their problems are reported together so a user sees every
// error in one run.
func loadWorkspace(ctx context.Context, root string, lf *loadFlags, needPlans bool) (*workspace, error) {
	st, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("read repository: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("read repository: %s is not a directory", root)
	}
	ws := &workspace{root: root}

	cfg, err := loadConfig(root, lf.config)
	if err != nil {
		return nil, err
	}
	ws.config = cfg

	catFile := lf.catalog
	if catFile == "" && cfg.Catalog != "" {
		catFile = filepath.Join(root, filepath.FromSlash(cfg.Catalog))
	}
	if catFile != "" {
		if ws.catalog, err = catalog.Load(catFile); err != nil {
			return nil, err
		}
	} else {
		ws.catalog = catalog.Default()
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

func loadInventory(ctx context.Context, root string, cfg *schema.Config, lf *loadFlags, cat *catalog.Catalog) (*terraform.Inventory, error) {
	planFiles := append(append([]string{}, cfg.Terraform.PlanJSON...), lf.planJSON...)
	if len(planFiles) > 0 {
		inv := &terraform.Inventory{}
		var errs diag.Diagnostics
		for _, f := range planFiles {
			one, err := terraform.LoadPlanJSON(root, f, cat)
			if err != nil {
				var ds diag.Diagnostics
				if errors.As(err, &ds) {
					errs = append(errs, ds...)
					continue
				}
				return nil, err
			}
			inv.Reservations = append(inv.Reservations, one.Reservations...)
			inv.Unresolved = append(inv.Unresolved, one.Unresolved...)
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
