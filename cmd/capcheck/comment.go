package main

import "fmt"

func runComment(e *env, args []string) int {
	fmt.Fprintln(e.stderr, "capcheck comment: not built yet")
	return exitError
}
