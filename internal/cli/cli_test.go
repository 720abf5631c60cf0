package cli

import (
	"flag"
	"testing"
	"time"
)

func TestClosest(t *testing.T) {
	names := []string{"check", "inventory", "forecast", "audit", "comment", "verify", "doc", "init", "version"}
	tests := []struct {
		name, in, want string
	}{
		{name: "one transposition is two edits", in: "chcek", want: "check"},
		{name: "one deletion", in: "chck", want: "check"},
		{name: "prefix", in: "inv", want: "inventory"},
		{name: "too far", in: "deploy", want: ""},
		{name: "two edits from audit, doc and init: a tie, no suggestion", in: "dit", want: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Closest(tc.in, names); got != tc.want {
				t.Errorf("Closest(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"check", "check", 0},
		{"chck", "check", 1},     // insert e
		{"chcek", "check", 2},    // two substitutions
		{"kitten", "sitting", 3}, // k→s, e→i, +g
		{"", "doc", 3},
	}
	for _, tc := range tests {
		if got := EditDistance(tc.a, tc.b); got != tc.want {
			t.Errorf("EditDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestDefaultText(t *testing.T) {
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.Duration("step", time.Hour, "")
	fs.Duration("timeout", 90*time.Second, "")
	fs.String("title", "capcheck audit", "")
	fs.String("format", "text", "")
	fs.String("empty", "", "")
	fs.Bool("off", false, "")
	fs.Bool("on", true, "")
	fs.Int("horizon", 0, "")
	want := map[string]string{
		"step":    "1h",    // not 1h0m0s
		"timeout": "1m30s", // nothing to drop
		"title":   `"capcheck audit"`,
		"format":  "text",
		"empty":   "",
		"off":     "",
		"on":      "true",
		"horizon": "",
	}
	for name, w := range want {
		if got := DefaultText(fs.Lookup(name)); got != w {
			t.Errorf("DefaultText(--%s) = %q, want %q", name, got, w)
		}
	}
}

func TestWrap(t *testing.T) {
	got := Wrap("aaa bbb ccc ddd", "  ", 10)
	// "  aaa bbb" is 9 columns; " ccc" would make 13 > 10.
	want := "  aaa bbb\n  ccc ddd"
	if got != want {
		t.Errorf("wrap = %q, want %q", got, want)
	}
}

func TestSynopsis(t *testing.T) {
	tests := []struct {
		c    Command
		want string
	}{
		{Command{Prog: "capcheck", Name: "check", Args: "[PATH]"}, "capcheck check [flags] [PATH]"},
		{Command{Prog: "capcheck", Name: "comment", Args: "github RESULT.json"}, "capcheck comment github [flags] RESULT.json"},
		{Command{Prog: "capcheck", Name: "forecast", Args: "SERIES.csv"}, "capcheck forecast [flags] SERIES.csv"},
		{Command{Prog: "capcheck", Name: "version"}, "capcheck version [flags]"},
	}
	for _, tc := range tests {
		if got := tc.c.Synopsis(); got != tc.want {
			t.Errorf("Synopsis(%s) = %q, want %q", tc.c.Name, got, tc.want)
		}
	}
}
