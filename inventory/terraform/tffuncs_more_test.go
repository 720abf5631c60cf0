package terraform

import (
	"strconv"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"
)

func TestYAMLDecode(t *testing.T) {
	tests := []struct {
		name, src string
		want      cty.Value
		err       string
	}{
		{name: "empty", src: "", want: cty.NullVal(cty.DynamicPseudoType)},
		{name: "scalars", src: "a: ~\nb: true\nc: 0x10\nd: -1_000\ne: 2.5\nf: \"8\"\ng: 2026-12-01\nh: p5.48xlarge\ni: 0o17\n",
			want: cty.ObjectVal(map[string]cty.Value{
				"a": cty.NullVal(cty.DynamicPseudoType), "b": cty.True,
				"c": cty.NumberIntVal(16), "d": cty.NumberIntVal(-1000), "e": cty.NumberFloatVal(2.5),
				"f": cty.StringVal("8"), "g": cty.StringVal("2026-12-01"), "h": cty.StringVal("p5.48xlarge"),
				"i": cty.NumberIntVal(15),
			})},
		{name: "sequence", src: "- 1\n- x\n", want: cty.TupleVal([]cty.Value{cty.NumberIntVal(1), cty.StringVal("x")})},
		// explicit keys win over merged ones; of two merged maps, the first
		{name: "merge keys", src: "a: &a {x: 1, y: 1}\nb: &b {y: 2, z: 2}\nc:\n  <<: [*a, *b]\n  x: 3\n",
			want: cty.ObjectVal(map[string]cty.Value{
				"a": cty.ObjectVal(map[string]cty.Value{"x": cty.NumberIntVal(1), "y": cty.NumberIntVal(1)}),
				"b": cty.ObjectVal(map[string]cty.Value{"y": cty.NumberIntVal(2), "z": cty.NumberIntVal(2)}),
				"c": cty.ObjectVal(map[string]cty.Value{"x": cty.NumberIntVal(3), "y": cty.NumberIntVal(1), "z": cty.NumberIntVal(2)}),
			})},
		{name: "two documents", src: "a: 1\n---\na: 2\n", err: "more than one YAML document"},
		{name: "mapping key", src: "? [a]\n: 1\n", err: "line 1: a mapping key must be a scalar"},
		{name: "deep", src: strings.Repeat("[", 300) + strings.Repeat("]", 300), err: "nests more than 256 levels"},
		{name: "infinity", src: "a: .inf\n", err: "line 1: .inf is not a number"},
		// 10 levels of 10 aliases each: 10^11 values
		{name: "alias bomb", src: bomb(10), err: "expands to more than"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := yamlDecode(tc.src)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("yamlDecode error = %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("yamlDecode: %v", err)
			}
			if !got.RawEquals(tc.want) {
				t.Errorf("yamlDecode = %#v, want %#v", got, tc.want)
			}
		})
	}
}

// bomb is a YAML document whose aliases expand to 10^(levels+1) values.
func bomb(levels int) string {
	var b strings.Builder
	b.WriteString("l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i <= levels; i++ {
		name, prev := "l"+strconv.Itoa(i), "*l"+strconv.Itoa(i-1)
		b.WriteString(name + ": &" + name + " [" + strings.Repeat(prev+", ", 9) + prev + "]\n")
	}
	return b.String()
}
