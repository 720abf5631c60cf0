package terraform

import (
	"errors"
	"fmt"
	iofs "io/fs"
	"os"
	"path/filepath"

	"github.com/capcheck/capcheck/internal/repopath"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// baseFuncs are the pure functions Terraform offers, with Terraform's
// semantics: go-cty's standard library where Terraform uses it, and
// Terraform's own definitions (tfLengthFunc, tfLookupFunc, … in
// tffuncs.go) where go-cty's differ or are missing. They are shared by
// every evaluation; fileFuncs adds the file functions and try/can and makes
// function errors values (see lenient).
var baseFuncs = map[string]function.Function{
	"abs":                    stdlib.AbsoluteFunc,
	"alltrue":                tfAllTrueFunc,
	"anytrue":                tfAnyTrueFunc,
	"base64decode":           tfBase64DecodeFunc,
	"base64encode":           tfBase64EncodeFunc,
	"basename":               tfBasenameFunc,
	"ceil":                   stdlib.CeilFunc,
	"chomp":                  stdlib.ChompFunc,
	"chunklist":              stdlib.ChunklistFunc,
	"cidrhost":               cidrHostFunc,
	"cidrnetmask":            cidrNetmaskFunc,
	"cidrsubnet":             cidrSubnetFunc,
	"cidrsubnets":            cidrSubnetsFunc,
	"coalesce":               tfCoalesceFunc,
	"coalescelist":           stdlib.CoalesceListFunc,
	"compact":                stdlib.CompactFunc,
	"concat":                 stdlib.ConcatFunc,
	"contains":               stdlib.ContainsFunc,
	"csvdecode":              stdlib.CSVDecodeFunc,
	"dirname":                tfDirnameFunc,
	"distinct":               stdlib.DistinctFunc,
	"element":                stdlib.ElementFunc,
	"endswith":               tfEndsWithFunc,
	"flatten":                stdlib.FlattenFunc,
	"floor":                  stdlib.FloorFunc,
	"format":                 stdlib.FormatFunc,
	"formatdate":             stdlib.FormatDateFunc,
	"formatlist":             stdlib.FormatListFunc,
	"indent":                 stdlib.IndentFunc,
	"index":                  tfIndexFunc,
	"join":                   stdlib.JoinFunc,
	"jsondecode":             stdlib.JSONDecodeFunc,
	"jsonencode":             stdlib.JSONEncodeFunc,
	"keys":                   stdlib.KeysFunc,
	"length":                 tfLengthFunc,
	"log":                    stdlib.LogFunc,
	"lookup":                 tfLookupFunc,
	"lower":                  stdlib.LowerFunc,
	"max":                    stdlib.MaxFunc,
	"merge":                  stdlib.MergeFunc,
	"min":                    stdlib.MinFunc,
	"nonsensitive":           tfIdentityFunc,
	"one":                    tfOneFunc,
	"parseint":               stdlib.ParseIntFunc,
	"pow":                    stdlib.PowFunc,
	"range":                  stdlib.RangeFunc,
	"regex":                  stdlib.RegexFunc,
	"regexall":               stdlib.RegexAllFunc,
	"replace":                tfReplaceFunc,
	"reverse":                stdlib.ReverseListFunc,
	"setintersection":        stdlib.SetIntersectionFunc,
	"setproduct":             setProductFunc, // bounded (bound.go)
	"setsubtract":            stdlib.SetSubtractFunc,
	"setsymmetricdifference": stdlib.SetSymmetricDifferenceFunc,
	"setunion":               stdlib.SetUnionFunc,
	"sensitive":              tfIdentityFunc,
	"signum":                 stdlib.SignumFunc,
	"slice":                  stdlib.SliceFunc,
	"sort":                   stdlib.SortFunc,
	"split":                  stdlib.SplitFunc,
	"startswith":             tfStartsWithFunc,
	"strcontains":            tfStrContainsFunc,
	"strrev":                 stdlib.ReverseFunc,
	"substr":                 stdlib.SubstrFunc,
	"sum":                    tfSumFunc,
	"timeadd":                stdlib.TimeAddFunc,
	"title":                  stdlib.TitleFunc,
	"tobool":                 stdlib.MakeToFunc(cty.Bool),
	"tolist":                 stdlib.MakeToFunc(cty.List(cty.DynamicPseudoType)),
	"tomap":                  stdlib.MakeToFunc(cty.Map(cty.DynamicPseudoType)),
	"tonumber":               stdlib.MakeToFunc(cty.Number),
	"toset":                  stdlib.MakeToFunc(cty.Set(cty.DynamicPseudoType)),
	"tostring":               stdlib.MakeToFunc(cty.String),
	"trim":                   stdlib.TrimFunc,
	"trimprefix":             stdlib.TrimPrefixFunc,
	"trimspace":              stdlib.TrimSpaceFunc,
	"trimsuffix":             stdlib.TrimSuffixFunc,
	"upper":                  stdlib.UpperFunc,
	"values":                 stdlib.ValuesFunc,
	"yamldecode":             yamlDecodeFunc,
	"zipmap":                 stdlib.ZipmapFunc,
}

// fileFuncs returns base functions plus file, fileexists and templatefile,
// confined to the repository: relative paths resolve against baseDir (the
// root module, Terraform's working directory), symlinks are resolved, and
// the result must stay inside root (repopath.Resolve).
//
// Every function but try and can is lenient: an error becomes an unknown
// value marked with a fatal reason at the failing call (site says which
// expression is being evaluated), so it stops the run only when it reaches
// an attribute that decides GPU capacity (collector.known), never when it
// sits in a tag, a subnet or an output nothing reads. Inside try and can
// the functions fail as Terraform's do, so that try falls through.
func fileFuncs(root, baseDir string, site *callSite) map[string]function.Function {
	raw := rawFileFuncs(root, baseDir, site)
	fs := make(map[string]function.Function, len(raw)+2)
	for name, f := range raw {
		fs[name] = lenient(name, f, site)
	}
	raw["try"], raw["can"] = tryFunc(raw), canFunc(raw)
	fs["try"], fs["can"] = raw["try"], raw["can"]
	return fs
}

// rawFileFuncs is fileFuncs before lenient: functions that return errors.
func rawFileFuncs(root, baseDir string, site *callSite) map[string]function.Function {
	fs := make(map[string]function.Function, len(baseFuncs)+5)
	for k, v := range baseFuncs {
		fs[k] = v
	}
	// shown names p in messages and template positions: relative to the
	// repository when it is inside, as written otherwise.
	shown := func(p string) string {
		if !filepath.IsAbs(p) {
			p = filepath.Join(baseDir, p)
		}
		return relOrSelf(root, p)
	}
	// confined maps repopath's errors to Terraform's wording, naming the
	// path as the configuration wrote it.
	confined := func(p string, err error) error {
		var oe *repopath.OutsideError
		switch {
		case errors.As(err, &oe):
			return fmt.Errorf("path %q %s", p, oe.Reason())
		case errors.Is(err, iofs.ErrNotExist):
			return noFileError{shown(p)}
		}
		return err
	}
	resolve := func(p string) (string, error) {
		real, err := repopath.Resolve(root, baseDir, p)
		return real, confined(p, err)
	}
	read := func(p string) ([]byte, error) {
		b, err := repopath.ReadFile(root, baseDir, p, maxFileSize)
		return b, confined(p, err)
	}
	fs["file"] = function.New(&function.Spec{
		Params: []function.Parameter{{Name: "path", Type: cty.String}},
		Type:   function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			b, err := read(args[0].AsString())
			if err != nil {
				return cty.UnknownVal(cty.String), err
			}
			return cty.StringVal(string(b)), nil
		},
	})
	fs["fileexists"] = function.New(&function.Spec{
		Params: []function.Parameter{{Name: "path", Type: cty.String}},
		Type:   function.StaticReturnType(cty.Bool),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			p, err := resolve(args[0].AsString())
			if err != nil {
				if errors.As(err, new(noFileError)) {
					return cty.False, nil
				}
				return cty.UnknownVal(cty.Bool), err
			}
			st, err := os.Stat(p)
			if err != nil {
				return cty.False, nil
			}
			return cty.BoolVal(st.Mode().IsRegular()), nil
		},
	})
	// render renders the template src (named name in messages) with vars,
	// for templatefile and templatestring; a template cannot call either.
	render := func(src []byte, name string, vars cty.Value) (cty.Value, error) {
		if !vars.IsWhollyKnown() {
			return cty.DynamicVal, nil
		}
		if !(vars.Type().IsObjectType() || vars.Type().IsMapType()) || vars.IsNull() {
			return cty.DynamicVal, fmt.Errorf("vars must be an object or map")
		}
		if ds := checkNesting(src, name); ds != nil {
			return cty.DynamicVal, ds
		}
		expr, diags := hclsyntax.ParseTemplate(src, name, hcl.InitialPos)
		if diags.HasErrors() {
			return cty.DynamicVal, diags
		}
		inner := make(map[string]function.Function, len(fs))
		for k, v := range fs {
			if k != "templatefile" && k != "templatestring" {
				inner[k] = lenient(k, v, site)
			}
		}
		inner["try"], inner["can"] = tryFunc(fs), canFunc(fs)
		ctx := &hcl.EvalContext{Variables: vars.AsValueMap(), Functions: inner}
		leave := site.enter(expr)
		val, diags := expr.Value(ctx)
		leave()
		if diags.HasErrors() {
			return cty.DynamicVal, diags
		}
		return val, nil
	}
	fs["templatefile"] = function.New(&function.Spec{
		Params: []function.Parameter{
			{Name: "path", Type: cty.String},
			{Name: "vars", Type: cty.DynamicPseudoType},
		},
		Type: function.StaticReturnType(cty.DynamicPseudoType),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			src, err := read(args[0].AsString())
			if err != nil {
				return cty.DynamicVal, err
			}
			return render(src, shown(args[0].AsString()), args[1])
		},
	})
	fs["templatestring"] = templateStringFunc(render)
	for name, when := range applyTimeFuncs {
		fs[name] = applyTimeFunc(name, when, site)
	}
	return fs
}

// maxFileSize bounds what file functions read.
const maxFileSize = 16 << 20

// noFileError is Terraform's "no file exists" for a path inside the
// repository.
type noFileError struct{ name string }

func (e noFileError) Error() string { return "no file exists at " + e.name }

func relOrSelf(root, p string) string {
	if rel, err := filepath.Rel(root, p); err == nil {
		return filepath.ToSlash(rel)
	}
	return p
}
