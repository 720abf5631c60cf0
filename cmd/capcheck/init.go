package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/capcheck/capcheck/evaluator"
	"github.com/capcheck/capcheck/report"
)

func runInit(e *env, args []string) int {
	fset := newFlags(e, "init", "[flags] [path]")
	var lf loadFlags
	lf.register(fset)
	name := fset.String("name", "gpu-capacity", "plan name")
	owner := fset.String("owner", "", "owning team (default: a TODO line)")
	out := fset.String("out", "", "write the plan to this file (not overwritten; default stdout), e.g. capacity/gpu.yaml")
	now := fset.String("now", "", "date for `reviewed`, YYYY-MM-DD (default: $CAPCHECK_NOW, else today)")
	pos, code, ok := parseFlags(fset, args)
	if !ok {
		return code
	}
	root, ok := onePath(e, "init", pos)
	if !ok {
		return exitError
	}
	today, err := clock(e, *now)
	if err != nil {
		return fail(e, err)
	}
	if *out != "" {
		if _, err := os.Lstat(*out); err == nil {
			return fail(e, fmt.Errorf("init: %s exists; capcheck init never overwrites a plan", *out))
		} else if !errors.Is(err, fs.ErrNotExist) {
			return fail(e, fmt.Errorf("init: %w", err))
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
		return fail(e, fmt.Errorf("init: %w", err))
	}
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		return fail(e, fmt.Errorf("init: %w", err))
	}
	fmt.Fprintf(e.stderr, "capcheck init: wrote %s with %d pools; fill in its TODO lines\n", *out, len(pools))
	return exitPass
}
