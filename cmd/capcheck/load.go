package main

import (
	"flag"

	"github.com/capcheck/capcheck/internal/cli"
	"github.com/capcheck/capcheck/workspace"
)

// loadFlags are the input flags every command that reads a repository
// shares, read into the workspace's options.
type loadFlags struct{ opts workspace.Options }

func (lf *loadFlags) register(fs *flag.FlagSet) {
	o := &lf.opts
	o.Vars = map[string]string{}
	fs.StringVar(&o.Config, "config", "", "configuration file (default: PATH/capcheck.yaml when present)")
	fs.StringVar(&o.Catalog, "catalog", "", "extra catalog file extending or overriding the built-in GPU catalog (- reads standard input)")
	fs.Var((*stringList)(&o.VarFiles), "var-file", "Terraform variable file, relative to PATH (repeatable; applied after *.auto.tfvars)")
	fs.Var(cli.KeyValues(o.Vars), "var", "Terraform variable NAME=VALUE (repeatable; applied last)")
	fs.Var((*stringList)(&o.PlanJSON), "plan-json", "`terraform show -json` plan file of the tree at PATH, read instead of HCL: your own file, relative to the working directory or absolute, - for standard input (repeatable)")
}

// options are the flags as the workspace takes them.
func (lf *loadFlags) options() workspace.Options { return lf.opts }
