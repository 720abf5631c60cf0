package terraform

import (
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// evalFunc evaluates src with the functions of a root module at dir.
func evalFunc(t *testing.T, dir, src string) (cty.Value, *callSite, hcl.Diagnostics) {
	t.Helper()
	site := &callSite{}
	expr, ds := hclsyntax.ParseExpression([]byte(src), "main.tf", hcl.InitialPos)
	if ds.HasErrors() {
		t.Fatalf("parse %s: %v", src, ds)
	}
	leave := site.enter(expr)
	defer leave()
	v, ds := expr.Value(&hcl.EvalContext{Functions: fileFuncs(dir, dir, site), Variables: map[string]cty.Value{
		"obj": cty.ObjectVal(map[string]cty.Value{"a": cty.StringVal("x"), "b": cty.NumberIntVal(2), "c": cty.True}),
	}})
	return v, site, ds
}

// TestTerraformFunctions checks the functions whose Terraform semantics
// differ from go-cty's, or that go-cty lacks; each want is what
// `terraform console` prints, as JSON.
func TestTerraformFunctions(t *testing.T) {
	dir := extract(t, "", "-- a.txt --\nx\n")
	tests := []struct{ expr, want string }{
		// length: objects count attributes, strings count characters
		{`length(obj)`, `3`},
		{`length("héllo")`, `5`},
		{`length({ a = 1, b = [1, 2] })`, `2`},
		{`length([1, "a"])`, `2`},
		// lookup: objects, and the default is optional
		{`lookup(obj, "a")`, `"x"`},
		{`lookup(obj, "z", "none")`, `"none"`},
		{`lookup({ k = "v" }, "k")`, `"v"`},
		{`lookup(tomap({ k = 4 }), "q", 1)`, `1`},
		// try and can fall through function errors
		{`try(lookup({}, "missing"), "fallback")`, `"fallback"`},
		{`try(cidrsubnet("10.0.0.0/30", 8, 1), "no room")`, `"no room"`},
		{`can(tonumber("abc"))`, `false`},
		{`can(tonumber("12"))`, `true`},
		// string ↔ number/bool as Terraform converts
		{`tonumber("4") * 2`, `8`},
		{`tostring(4)`, `"4"`},
		{`tobool("true")`, `true`},
		{`tostring(true)`, `"true"`},
		{`"3" + 1`, `4`},
		// mixed types
		{`merge({ a = 1 }, { b = "x" }, tomap({ c = true }))`, `{"a":1,"b":"x","c":true}`},
		{`flatten([[1], ["a", [true]], []])`, `[1,"a",true]`},
		{`length(setproduct(["a", "b"], [1, 2]))`, `4`},
		// one, sum, alltrue, anytrue, coalesce, index, replace
		{`one([])`, `null`},
		{`one(["p5.48xlarge"])`, `"p5.48xlarge"`},
		{`sum([1, "2", 3.5])`, `6.5`},
		{`alltrue([])`, `true`},
		{`alltrue([true, "true"])`, `true`},
		{`alltrue([true, false])`, `false`},
		{`anytrue([false, "true"])`, `true`},
		{`anytrue([])`, `false`},
		{`coalesce(null, "", "b")`, `"b"`},
		{`coalesce(null, 2)`, `2`},
		{`index(["a", "b", "c"], "b")`, `1`},
		{`replace("p5.48xlarge", "/^p5\\./", "p5e.")`, `"p5e.48xlarge"`},
		{`replace("a-b-c", "-", "_")`, `"a_b_c"`},
		// collections conversions
		{`tolist(toset(["b", "a", "b"]))`, `["a","b"]`},
		{`tomap({ a = 1, b = "2" })`, `{"a":"1","b":"2"}`},
		// cidr family (Terraform's documented examples)
		{`cidrsubnet("172.16.0.0/12", 4, 2)`, `"172.18.0.0/16"`},
		{`cidrsubnet("10.1.2.0/24", 4, 15)`, `"10.1.2.240/28"`},
		{`cidrsubnet("fd00:fd12:3456:7890::/56", 16, 162)`, `"fd00:fd12:3456:7800:a200::/72"`},
		{`cidrhost("10.12.112.0/20", 16)`, `"10.12.112.16"`},
		{`cidrhost("10.12.112.0/20", 268)`, `"10.12.113.12"`},
		{`cidrhost("10.12.112.0/20", -1)`, `"10.12.127.255"`},
		{`cidrhost("fd00:fd12:3456:7890:00a2::/72", 34)`, `"fd00:fd12:3456:7890::22"`},
		{`cidrnetmask("172.16.0.0/12")`, `"255.240.0.0"`},
		{`cidrsubnets("10.1.0.0/16", 4, 4, 8, 4)`, `["10.1.0.0/20","10.1.16.0/20","10.1.32.0/24","10.1.48.0/20"]`},
		{`cidrsubnets("fd00:fd12:3456:7890::/56", 16, 16, 16, 32)`, `["fd00:fd12:3456:7800::/72","fd00:fd12:3456:7800:100::/72","fd00:fd12:3456:7800:200::/72","fd00:fd12:3456:7800:300::/88"]`},
		// strings
		{`startswith("p5.48xlarge", "p5")`, `true`},
		{`strcontains("g6e.xlarge", "6e")`, `true`},
		{`base64decode(base64encode("gpu"))`, `"gpu"`},
		// file functions, relative to the root module
		{`trimspace(file("a.txt"))`, `"x"`},
		{`fileexists("missing.txt")`, `false`},
	}
	for _, tc := range tests {
		v, _, ds := evalFunc(t, dir, "jsonencode("+tc.expr+")")
		if ds.HasErrors() {
			t.Errorf("%s: %v", tc.expr, ds)
			continue
		}
		if !v.IsWhollyKnown() {
			t.Errorf("%s = unknown %v, want %s", tc.expr, reasons(v), tc.want)
			continue
		}
		if got := v.AsString(); got != tc.want {
			t.Errorf("%s = %s, want %s", tc.expr, got, tc.want)
		}
	}
}

// TestFunctionErrorsAreValues checks that a failing call is an unknown
// value marked with a fatal reason at the call (or its argument), worded
// as HCL words it, not an error of the whole expression.
func TestFunctionErrorsAreValues(t *testing.T) {
	dir := t.TempDir()
	tests := []struct{ expr, want string }{
		{`{ n = 4, subnet = cidrsubnet("10.0.0.0/30", 8, 1) }`,
			`main.tf:1:19: Error in function call; Call to function "cidrsubnet" failed: insufficient address space to extend prefix of 30 by 8.`},
		{`{ n = 4, first = one([1, 2]) }`,
			`main.tf:1:22: Invalid function argument; Invalid value for "list" parameter: must be a list, set, or tuple value with either zero or one elements.`},
		{`{ n = 4, bad = sum("x") }`,
			`main.tf:1:20: Invalid function argument; Invalid value for "list" parameter: argument must be list, set, or tuple. Received string.`},
		{`{ n = 4, x = lookup({}, "k") }`,
			`main.tf:1:21: Invalid function argument; Invalid value for "inputMap" parameter: the given object has no attribute "k".`},
		{`{ n = 4, x = lookup(tomap({ a = "b" }), "k") }`,
			`main.tf:1:14: Error in function call; Call to function "lookup" failed: lookup failed to find key "k".`},
		{`{ n = 4, f = file("nope.txt") }`,
			`main.tf:1:14: Error in function call; Call to function "file" failed: no file exists at nope.txt.`},
	}
	for _, tc := range tests {
		v, _, ds := evalFunc(t, dir, tc.expr)
		if ds.HasErrors() {
			t.Errorf("%s: errors %v, want a value", tc.expr, ds)
			continue
		}
		if n := v.GetAttr("n"); !n.RawEquals(cty.NumberIntVal(4)) {
			t.Errorf("%s: n = %#v, want 4", tc.expr, n)
		}
		var got []string
		for _, r := range reasons(v) {
			got = append(got, r.pos.String()+": "+r.msg)
			if !r.fatal {
				t.Errorf("%s: reason %q is not fatal", tc.expr, r.msg)
			}
		}
		if strings.Join(got, "\n") != tc.want {
			t.Errorf("%s: reasons\n%s\nwant\n%s", tc.expr, strings.Join(got, "\n"), tc.want)
		}
	}
}
