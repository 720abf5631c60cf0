package main

import (
	"github.com/capcheck/capcheck/report"
	"github.com/capcheck/capcheck/workspace"
)

func runInventory(e *env, args []string) int {
	fs := newFlags(e, "inventory", "[flags] [path]")
	var lf loadFlags
	lf.register(fs)
	format := fs.String("format", "text", "output format: text or json")
	root, code, ok := parsePath(fs, args, "inventory", func() bool { return knownFormat(e, "inventory", *format, report.DataFormats()) })
	if !ok {
		return code
	}
	inv, err := workspace.Inventory(e.ctx, root, lf.options())
	if err != nil {
		return fail(e, err)
	}
	if err := report.Inventory(e.stdout, *format, inv); err != nil {
		return fail(e, err)
	}
	return exitPass
}
