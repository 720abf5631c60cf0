package main

import (
	"fmt"

	"github.com/capcheck/capcheck/internal/cli"
	"github.com/capcheck/capcheck/policies"
)

func runVerify(e *env, args []string) int {
	fs := newFlags(e, "verify", "[flags] [policy-dir...]")
	pos, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	passed, failed, err := policies.Verify(e.ctx, pos, e.stdout)
	if err != nil {
		return fail(e, err)
	}
	if failed > 0 {
		return exitPolicy
	}
	if passed == 0 {
		fmt.Fprintln(e.stderr, "capcheck verify: no policy tests found")
		return exitError
	}
	return exitPass
}

func runDoc(e *env, args []string) int {
	fs := newFlags(e, "doc", "[flags]")
	var dirs stringList
	fs.Var(&dirs, "policy", "directory of extra Rego policies to document too (repeatable)")
	if code, ok := cli.ParseNone(fs, args, named("doc"), exitError); !ok {
		return code
	}
	engine, err := policies.New(e.ctx, policies.Options{Root: ".", Dirs: dirs})
	if err != nil {
		return fail(e, err)
	}
	if err := policies.Doc(e.stdout, engine.Rules()); err != nil {
		return fail(e, err)
	}
	return exitPass
}
