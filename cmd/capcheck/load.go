package main

import (
	"flag"

	"github.com/capcheck/capcheck/workspace"
)

// loadFlags are the input flags every command that reads a repository
// shares.
type loadFlags struct {
	config   string
	catalog  string
	varFiles stringList
	vars     keyValues
	planJSON stringList
}

func (lf *loadFlags) register(fs *flag.FlagSet) {
	lf.vars = keyValues{}
	fs.StringVar(&lf.config, "config", "", "configuration file (default: PATH/capcheck.yaml when present)")
	fs.StringVar(&lf.catalog, "catalog", "", "extra catalog file extending or overriding the built-in GPU catalog")
	fs.Var(&lf.varFiles, "var-file", "Terraform variable file, relative to PATH (repeatable; applied after *.auto.tfvars)")
	fs.Var(lf.vars, "var", "Terraform variable NAME=VALUE (repeatable; applied last)")
	fs.Var(&lf.planJSON, "plan-json", "`terraform show -json` plan file of the tree at PATH, read instead of HCL: your own file, relative to the working directory or absolute (repeatable)")
}

// options are the flags as the workspace takes them.
func (lf *loadFlags) options() workspace.Options {
	return workspace.Options{
		Config:   lf.config,
		Catalog:  lf.catalog,
		VarFiles: lf.varFiles,
		Vars:     lf.vars,
		PlanJSON: lf.planJSON,
	}
}
