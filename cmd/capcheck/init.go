package main

import (
	"errors"
	"fmt"
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
	root, today, code, ok := parseDated(e, fset, args, "init", now)
	if !ok {
		return code
	}
	res, err := workspace.Init(e.ctx, root, workspace.InitOptions{Load: lf.options(), Name: *name, Owner: *owner, Today: today, Out: *out})
	var exists *workspace.FileExistsError
	switch {
	case errors.As(err, &exists):
		fmt.Fprintf(e.stderr, "capcheck init: %s\n", exists.Error())
		return exitError
	case err != nil:
		return fail(e, err)
	case res.Plan == nil:
		fmt.Fprintf(e.stderr, "capcheck init: %s\n", res.Why)
		return exitPass
	case *out == "":
		if _, err := e.stdout.Write(res.Plan); err != nil {
			return fail(e, err)
		}
		return exitPass
	}
	fmt.Fprintf(e.stderr, "capcheck init: wrote %s with %s; fill in its TODO lines, then run capcheck check %s\n", *out, cli.Plural(res.Pools, "pool", "pools"), root)
	if res.Unread {
		fmt.Fprintf(e.stderr, "capcheck init: note: capcheck check %s does not read %s as a plan: move it under %s or add it to plans: in capcheck.yaml\n",
			root, *out, filepath.Join(root, "capacity")+string(filepath.Separator))
	}
	return exitPass
}
