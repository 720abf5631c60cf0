package main

import "fmt"

func runAudit(e *env, args []string) int {
	fmt.Fprintln(e.stderr, "capcheck audit: not built yet")
	return exitError
}
