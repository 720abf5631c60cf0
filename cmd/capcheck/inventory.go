package main

import (
	"github.com/capcheck/capcheck/evaluator"
	"github.com/capcheck/capcheck/report"
	"github.com/capcheck/capcheck/workspace"
)

func runInventory(e *env, args []string) int {
	fs := newFlags(e, "inventory", "[flags] [path]")
	var lf loadFlags
	lf.register(fs)
	format := fs.String("format", "text", "output format: text or json")
	pos, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	// Not parsePath: --format is checked before PATH is, so a bad format
	// is the error reported even when PATH is wrong too.
	if !knownFormat(e, "inventory", *format, report.DataFormats()) {
		return exitError
	}
	root, ok := onePath(e, "inventory", pos)
	if !ok {
		return exitError
	}
	ws, err := workspace.Load(e.ctx, root, lf.options())
	if err != nil {
		return fail(e, err)
	}
	inv, err := evaluator.Link(ws.Plans, ws.Inventory)
	if err != nil {
		return fail(e, err)
	}
	if err := report.Inventory(e.stdout, *format, inv); err != nil {
		return fail(e, err)
	}
	return exitPass
}
