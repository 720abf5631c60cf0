// Command capcheck keeps GPU capacity honest in GitOps repositories: it
// reads capacity plans and the Terraform that reserves GPUs, projects demand,
// checks headroom, redundancy and cost against policies, and reports.
//
// main is a doorway: everything happens in run, which tests call in-process.
package main

import (
	"context"
	"os"
	"os/signal"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
