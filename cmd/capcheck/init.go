package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/capcheck/capcheck/inventory"

	"github.com/capcheck/capcheck/evaluator"
	"github.com/capcheck/capcheck/report"
	"github.com/capcheck/capcheck/schema"
)

func runInit(e *env, args []string) int {
	fset := newFlags(e, "init", "[flags] [path]")
	var lf loadFlags
	lf.register(fset)
	name := fset.String("name", "gpu-capacity", "plan name")
	owner := fset.String("owner", "", "owning team (default: a TODO line)")
	out := fset.String("out", "", "write the plan to this file (not overwritten; default stdout), e.g. capacity/gpu.yaml")
	now := fset.String("now", "", "date for `reviewed`, YYYY-MM-DD (default: $CAPCHECK_NOW, else today)")
	root, code, ok := parsePath(e, fset, args, "init")
	if !ok {
		return code
	}
	today, err := clock(e, *now)
	if err != nil {
		return fail(e, err)
	}
	if *out != "" {
		if _, err := os.Lstat(*out); err == nil {
			fmt.Fprintf(e.stderr, "capcheck init: %s exists and capcheck init never overwrites a plan; choose another --out, or omit it to print to stdout\n", *out)
			return exitError
		} else if !errors.Is(err, fs.ErrNotExist) {
			return fail(e, fmt.Errorf("check --out: %w", err))
		}
	}
	ws, err := loadWorkspace(e.ctx, root, &lf, true)
	if err != nil {
		return fail(e, err)
	}
	inv, err := evaluator.Link(ws.plans, ws.inv)
	if err != nil {
		return fail(e, err)
	}
	pools := evaluator.Scaffold(inv)
	if len(pools) == 0 {
		if !slices.ContainsFunc(inv.Reservations, func(r inventory.Entry) bool { return r.Guaranteed }) {
			fmt.Fprintf(e.stderr, "capcheck init: found no guaranteed GPU reservation in the Terraform under %s; nothing to scaffold\n", root)
			return exitPass
		}
		fmt.Fprintln(e.stderr, "capcheck init: every guaranteed GPU reservation is already claimed by a plan; nothing to scaffold")
		return exitPass
	}
	var buf bytes.Buffer
	if err := report.PlanScaffold(&buf, report.Scaffold{Name: *name, Owner: *owner, Today: today, Pools: pools}); err != nil {
		return fail(e, err)
	}
	if *out == "" {
		_, err = e.stdout.Write(buf.Bytes())
		if err != nil {
			return fail(e, err)
		}
		return exitPass
	}
	if err := os.MkdirAll(filepath.Dir(*out), 0o755); err != nil {
		return fail(e, fmt.Errorf("write plan: %w", err))
	}
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		return fail(e, fmt.Errorf("write plan: %w", err))
	}
	fmt.Fprintf(e.stderr, "capcheck init: wrote %s with %s; fill in its TODO lines, then run capcheck check %s\n", *out, plural(len(pools), "pool", "pools"), root)
	if !readAsPlan(root, ws.config.Plans, *out) {
		fmt.Fprintf(e.stderr, "capcheck init: note: capcheck check %s does not read %s as a plan: move it under %s or add it to plans: in capcheck.yaml\n",
			root, *out, filepath.Join(root, "capacity")+string(filepath.Separator))
	}
	return exitPass
}

// readAsPlan reports whether file is one of the plans the repository at
// root is read with (its plans: globs, else the default capacity/ globs).
func readAsPlan(root string, patterns []string, file string) bool {
	absRoot, err1 := filepath.Abs(root)
	absFile, err2 := filepath.Abs(file)
	if err1 != nil || err2 != nil {
		return false
	}
	rel, err := filepath.Rel(absRoot, absFile)
	if err != nil {
		return false
	}
	if patterns == nil {
		patterns = schema.DefaultPlanPatterns()
	}
	files, _ := schema.Glob(root, patterns)
	return slices.Contains(files, filepath.ToSlash(rel))
}
