package report

import (
	"strings"
	"testing"
)

func TestReadCheckHostile(t *testing.T) {
	defer func(n int) { maxCheckBytes = n }(maxCheckBytes)
	maxCheckBytes = 1 << 20
	// finding builds one finding object.
	finding := func(level, enforcement string, excepted, overridden, blocking bool) string {
		return `{"rule": "CAP001", "level": "` + level + `", "msg": "m", "target": "pool/p", "file": "capacity/p.yaml", "line": 3, "column": 1, "enforcement": "` +
			enforcement + `", "excepted": ` + bstr(excepted) + `, "overridden": ` + bstr(overridden) + `, "blocking": ` + bstr(blocking) + `}`
	}
	result := func(verdict string, findings ...string) string {
		return `{"version": "capcheck/v1", "verdict": "` + verdict + `", "pools": [], "findings": [` + strings.Join(findings, ", ") + `]}`
	}
	tests := []struct {
		name string
		in   string
		want string // "" when the result is accepted
	}{
		{name: "consistent fail", in: result("fail", finding("deny", "hard-mandatory", false, false, true))},
		{name: "consistent warn", in: result("warn", finding("deny", "advisory", false, false, false))},
		{name: "excepted warn passes", in: result("pass", finding("warn", "advisory", true, false, false))},
		{name: "truncated", in: `{"version": "capcheck/v1", "verdict": "pa`, want: "read check result: unexpected EOF"},
		{name: "syntax error positioned", in: "{\n  \"version\": \"capcheck/v1\",\n  \"verdict\": pass\n}",
			// line 3 is `  "verdict": pass`: the p is column 14.
			want: "read check result: line 3, column 14: invalid character 'p' looking for beginning of value"},
		{name: "type error positioned", in: "{\"version\": \"capcheck/v1\",\n\"verdict\": 1}",
			// encoding/json reports the offset after the value: line 2, column 13.
			want: "read check result: line 2, column 13: json: cannot unmarshal number into Go struct field Check.verdict of type string"},
		{name: "second object appended", in: result("pass") + "\n" + result("fail"),
			want: "read check result: line 2, column 1: data after the result object"},
		{name: "wrong version", in: `{"version": "capcheck/v2", "verdict": "pass"}`,
			want: `read check result: version is "capcheck/v2", want "capcheck/v1"`},
		{name: "pass over a blocking finding", in: result("pass", finding("deny", "hard-mandatory", false, false, true)),
			want: `read check result: verdict is "pass" but CAP001 at capacity/p.yaml:3:1 blocks`},
		{name: "blocking flag cleared on a hard deny", in: result("pass", finding("deny", "hard-mandatory", false, false, false)),
			want: "read check result: finding 0 (CAP001 at capacity/p.yaml:3:1): blocking is false, but a hard-mandatory deny finding (excepted false, overridden false) blocks: true"},
		{name: "hard deny marked excepted", in: result("pass", finding("deny", "hard-mandatory", true, false, false)),
			want: "read check result: finding 0 (CAP001 at capacity/p.yaml:3:1): a hard-mandatory finding cannot be excepted"},
		{name: "hard deny marked overridden", in: result("warn", finding("deny", "hard-mandatory", false, true, false)),
			want: "read check result: finding 0 (CAP001 at capacity/p.yaml:3:1): only a soft-mandatory deny can be overridden"},
		{name: "unknown enforcement", in: result("pass", finding("deny", "optional", false, false, false)),
			want: `read check result: finding 0 (CAP001 at capacity/p.yaml:3:1): enforcement is "optional", want advisory, soft-mandatory or hard-mandatory`},
		{name: "unknown level", in: result("pass", finding("info", "advisory", false, false, false)),
			want: `read check result: finding 0 (CAP001 at capacity/p.yaml:3:1): level is "info", want deny or warn`},
		{name: "pass over a warning", in: result("pass", finding("warn", "advisory", false, false, false)),
			want: `read check result: verdict is "pass", but the findings give "warn"`},
		{name: "fail without a blocking finding", in: result("fail"),
			want: `read check result: verdict is "fail", but the findings give "pass"`},
		{name: "huge file", in: `{"version": "capcheck/v1", "verdict": "pass", "x": "` + strings.Repeat("a", maxCheckBytes) + `"}`,
			want: "read check result: larger than the 1 MiB limit"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ReadCheck(strings.NewReader(tc.in))
			if tc.want == "" {
				if err != nil || c == nil {
					t.Fatalf("ReadCheck = %v, %v; want the result", c, err)
				}
				return
			}
			if err == nil || err.Error() != tc.want {
				t.Errorf("ReadCheck error =\n%v\nwant\n%s", err, tc.want)
			}
		})
	}
}

func bstr(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
