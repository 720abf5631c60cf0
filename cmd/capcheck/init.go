package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/capcheck/capcheck/internal/cli"
	"github.com/capcheck/capcheck/workspace"
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
	ws, err := workspace.Load(e.ctx, root, lf.options())
	if err != nil {
		return fail(e, err)
	}
	plan, pools, why, err := ws.Scaffold(*name, *owner, today)
	if err != nil {
		return fail(e, err)
	}
	if plan == nil {
		fmt.Fprintf(e.stderr, "capcheck init: %s\n", why)
		return exitPass
	}
	if *out == "" {
		_, err = e.stdout.Write(plan)
		if err != nil {
			return fail(e, err)
		}
		return exitPass
	}
	if err := os.MkdirAll(filepath.Dir(*out), 0o755); err != nil {
		return fail(e, fmt.Errorf("write plan: %w", err))
	}
	if err := os.WriteFile(*out, plan, 0o644); err != nil {
		return fail(e, fmt.Errorf("write plan: %w", err))
	}
	fmt.Fprintf(e.stderr, "capcheck init: wrote %s with %s; fill in its TODO lines, then run capcheck check %s\n", *out, cli.Plural(pools, "pool", "pools"), root)
	if !ws.ReadsAsPlan(*out) {
		fmt.Fprintf(e.stderr, "capcheck init: note: capcheck check %s does not read %s as a plan: move it under %s or add it to plans: in capcheck.yaml\n",
			root, *out, filepath.Join(root, "capacity")+string(filepath.Separator))
	}
	return exitPass
}
