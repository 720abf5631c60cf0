package terraform

import (
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/capcheck/capcheck/internal/diag"
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
		if e.Type().IsRegular() && (strings.HasSuffix(n, ".auto.tfvars") || strings.HasSuffix(n, ".auto.tfvars.json")) {
			auto = append(auto, path.Join(dir, n))
		}
	}
	sort.Strings(auto)
	return append(files, auto...), nil
}

// parseTfvars reads the attributes of a tfvars file (rel to the root).
func (d *discovery) parseTfvars(rel string) (hcl.Attributes, diag.Diagnostics) {
	clean := path.Clean(rel)
	if clean == ".." || strings.HasPrefix(clean, "../") || path.IsAbs(clean) {
		return nil, diag.Errorf(diag.Pos{File: rel}, "var file %s is outside the repository", rel)
	}
	full := filepath.Join(d.root, filepath.FromSlash(clean))
	real, err := filepath.EvalSymlinks(full)
	if err != nil {
		return nil, diag.Errorf(diag.Pos{File: rel}, "read var file: %s", cleanErr(err, d.root))
	}
	if !inside(d.root, real) {
		return nil, diag.Errorf(diag.Pos{File: rel}, "var file %s resolves outside the repository", rel)
	}
	src, err := readConfig(real)
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
	attrs, hd := f.Body.JustAttributes()
	return attrs, fromHCL(hd)
}
