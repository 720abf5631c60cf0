package terraform

import (
	"errors"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/internal/repopath"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	hcljson "github.com/hashicorp/hcl/v2/json"
)

// tfvarsFiles lists the variable files Terraform loads automatically from a
// root module, in precedence order: terraform.tfvars,
// terraform.tfvars.json, then *.auto.tfvars and *.auto.tfvars.json in
// lexical order.
func tfvarsFiles(root, dir string) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(root, filepath.FromSlash(dir)))
	if err != nil {
		return nil, err
	}
	var files, auto []string
	for _, name := range []string{"terraform.tfvars", "terraform.tfvars.json"} {
		if st, err := os.Stat(filepath.Join(root, filepath.FromSlash(dir), name)); err == nil && st.Mode().IsRegular() {
			files = append(files, path.Join(dir, name))
		}
	}
	for _, e := range entries {
		n := e.Name()
		// A symbolic link counts too: parseTfvars confines it.
		if (e.Type().IsRegular() || e.Type()&os.ModeSymlink != 0) && (strings.HasSuffix(n, ".auto.tfvars") || strings.HasSuffix(n, ".auto.tfvars.json")) {
			auto = append(auto, path.Join(dir, n))
		}
	}
	sort.Strings(auto)
	return append(files, auto...), nil
}

// TfvarsFiles is tfvarsFiles for the editor (inventory/terraform/tfedit),
// which changes a variable where Terraform takes its value from.
func TfvarsFiles(root, dir string) ([]string, error) { return tfvarsFiles(root, dir) }

// parseTfvars reads the attributes of a tfvars file (rel to the root),
// confined to the repository (repopath.Resolve).
func (d *discovery) parseTfvars(rel string) (hcl.Attributes, diag.Diagnostics) {
	clean := path.Clean(filepath.ToSlash(rel))
	real, err := repopath.Resolve(d.root, d.root, filepath.FromSlash(clean))
	if err != nil {
		var oe *repopath.OutsideError
		switch {
		case errors.As(err, &oe) && oe.Link:
			return nil, diag.Errorf(diag.Pos{File: clean, Line: 1, Column: 1}, "var file %s %s (through a symbolic link)", rel, oe.Reason())
		case errors.As(err, &oe):
			return nil, diag.Errorf(diag.Pos{File: rel}, "var file %s %s", rel, oe.Reason())
		}
		return nil, diag.Errorf(diag.Pos{File: rel}, "read var file: %s", cleanErr(err, d.root))
	}
	src, err := readConfig(real)
	if nr := (*repopath.NotRegularError)(nil); errors.As(err, &nr) {
		// Refused unopened: opening a FIFO would block.
		return nil, diag.Errorf(diag.Pos{File: rel}, "read var file: %s is not a regular file", rel)
	}
	if err != nil {
		return nil, diag.Errorf(diag.Pos{File: rel}, "read var file: %s", cleanErr(err, d.root))
	}
	if ds := checkNesting(src, clean); ds != nil {
		return nil, ds
	}
	var f *hcl.File
	var hd hcl.Diagnostics
	if strings.HasSuffix(clean, ".json") {
		f, hd = hcljson.Parse(src, clean)
	} else {
		f, hd = hclsyntax.ParseConfig(src, clean, hcl.InitialPos)
	}
	if hd.HasErrors() {
		return nil, fromHCL(hd)
	}
	if ds := checkExprSize(f); ds != nil {
		return nil, ds
	}
	meterFile(f)
	attrs, hd := f.Body.JustAttributes()
	return attrs, fromHCL(hd)
}
