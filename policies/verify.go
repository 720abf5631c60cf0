package policies

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/tester"
)

// Verify runs the Rego unit tests (rules named test_*) of the built-in
// policies and of the user policy directories dirs (relative to the working
// directory or absolute), compiled in the same sandbox as New. It writes one
// line per failing test, with its position, captured print output and
// error, then a summary, and returns the counts. Policies that do not
// compile are an error (diag.Diagnostics).
func Verify(ctx context.Context, dirs []string, w io.Writer) (passed, failed int, err error) {
	builtins, err := builtinSources()
	if err != nil {
		return 0, 0, err
	}
	user, err := userSources("", dirs)
	if err != nil {
		return 0, 0, err
	}
	return verify(ctx, append(builtins, user...), w)
}

func verify(ctx context.Context, srcs []source, w io.Writer) (passed, failed int, err error) {
	mods, err := parseSources(srcs)
	if err != nil {
		return 0, 0, err
	}
	modules := make(map[string]*ast.Module, len(mods))
	for _, m := range mods {
		modules[m.Name] = m.Module
	}
	c := ast.NewCompiler().
		WithCapabilities(capabilities()).
		WithDefaultRegoVersion(ast.RegoV1).
		WithEnablePrintStatements(true)
	runner := tester.NewRunner().
		SetCompiler(c).
		SetModules(modules).
		SetDefaultRegoVersion(ast.RegoV1).
		SetTimeout(DefaultTimeout).
		RaiseBuiltinErrors(true).
		CapturePrintOutput(true)
	ch, err := runner.RunTests(ctx, nil)
	if err != nil {
		return 0, 0, astDiagnostics(err).Err()
	}
	var results []*tester.Result
	for r := range ch {
		results = append(results, r)
	}
	sort.Slice(results, func(i, j int) bool {
		if results[i].Package != results[j].Package {
			return results[i].Package < results[j].Package
		}
		return results[i].Name < results[j].Name
	})
	skipped := 0
	for _, r := range results {
		switch {
		case r.Skip:
			skipped++
		case r.Pass():
			passed++
		default:
			failed++
			outcome := "FAIL"
			if r.Error != nil {
				outcome = "ERROR"
			}
			fmt.Fprintf(w, "%s: %s %s.%s", locPos(r.Location), outcome, strings.TrimPrefix(r.Package, "data."), r.Name)
			if r.Error != nil {
				fmt.Fprintf(w, ": %v", r.Error)
			}
			fmt.Fprintln(w)
			for _, line := range strings.Split(strings.TrimRight(string(r.Output), "\n"), "\n") {
				if line != "" {
					fmt.Fprintf(w, "    %s\n", line)
				}
			}
		}
	}
	if ctx.Err() != nil {
		return passed, failed, fmt.Errorf("run policy tests: %w", ctx.Err())
	}
	fmt.Fprintf(w, "policy tests: %d passed, %d failed", passed, failed)
	if skipped > 0 {
		fmt.Fprintf(w, ", %d skipped", skipped)
	}
	fmt.Fprintln(w)
	return passed, failed, nil
}
