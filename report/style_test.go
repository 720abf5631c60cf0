package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/inventory"
	"github.com/capcheck/capcheck/policies"
)

// styleCheck fails with one blocking deny, one deny cleared by an
// override and one warning.
func styleCheck() *Check {
	at := diag.Pos{File: "capacity/p.yaml", Line: 4, Column: 3}.Range()
	return &Check{Verdict: policies.VerdictFail, Findings: []policies.Finding{
		{Rule: "CAP001", Level: policies.LevelDeny, Range: at, Msg: "pool p: short", Target: "pool/p", Blocking: true},
		{Rule: "CAP005", Level: policies.LevelDeny, Range: at, Msg: "pool p: cliff", Target: "pool/p", Overridden: true},
		{Rule: "CAP010", Level: policies.LevelWarn, Msg: "plan x: stale", Target: "plan/x"},
	}}
}

// TestTextColor: with Options.Color the level labels and the verdict's
// word carry SGR codes (deny ESC[1;31m, warn ESC[33m, FAIL ESC[1;31m) and
// nothing else changes; without it the text is byte for byte the plain
// one.
func TestTextColor(t *testing.T) {
	var plain, color bytes.Buffer
	if err := Write(&plain, "text", styleCheck(), Options{}); err != nil {
		t.Fatal(err)
	}
	if err := Write(&color, "text", styleCheck(), Options{Color: true}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(plain.String(), "\x1b") {
		t.Errorf("plain text has escapes:\n%q", plain.String())
	}
	lines := strings.Split(color.String(), "\n")
	for i, want := range []string{
		"capacity/p.yaml:4:3: \x1b[1;31mdeny\x1b[0m: [CAP001] pool p: short",
		"capacity/p.yaml:4:3: \x1b[1;31mdeny\x1b[0m: [CAP005] pool p: cliff (overridden)",
		"capcheck: \x1b[33mwarn\x1b[0m: [CAP010] plan x: stale",
	} {
		if lines[i] != want {
			t.Errorf("line %d: %q, want %q", i+1, lines[i], want)
		}
	}
	if last := lines[len(lines)-2]; last != "\x1b[1;31mFAIL\x1b[0m: 1 blocking finding, 1 warning (1 overridden)" {
		t.Errorf("verdict %q", last)
	}
	stripped := strings.NewReplacer("\x1b[1;31m", "", "\x1b[33m", "", "\x1b[0m", "").Replace(color.String())
	if stripped != plain.String() {
		t.Errorf("colour changed more than the labels:\n%s\nwant:\n%s", stripped, plain.String())
	}
	for _, format := range []string{"json", "markdown", "sarif", "github", "junit"} {
		var b bytes.Buffer
		if err := Write(&b, format, styleCheck(), Options{Color: true}); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(b.String(), "\x1b") {
			t.Errorf("%s is coloured", format)
		}
	}
}

func TestVerdictColor(t *testing.T) {
	st := style(true)
	for _, tc := range []struct {
		c    *Check
		want string
	}{
		{&Check{Verdict: policies.VerdictPass}, "\x1b[1;32mPASS\x1b[0m"},
		{&Check{Verdict: policies.VerdictWarn, Findings: []policies.Finding{{Rule: "CAP010", Level: policies.LevelWarn}}}, "\x1b[1;33mPASS\x1b[0m with 1 warning"},
	} {
		if got := st.verdict(tc.c); got != tc.want {
			t.Errorf("%q, want %q", got, tc.want)
		}
	}
}

// TestTextQuiet: Options.Quiet keeps the blocking finding alone: not the
// overridden deny, the warning, the tables or the verdict.
func TestTextQuiet(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, "text", styleCheck(), Options{Quiet: true}); err != nil {
		t.Fatal(err)
	}
	if want := "capacity/p.yaml:4:3: deny: [CAP001] pool p: short\n"; b.String() != want {
		t.Errorf("%q, want %q", b.String(), want)
	}
	b.Reset()
	pass := &Check{Verdict: policies.VerdictWarn, Findings: styleCheck().Findings[2:]}
	if err := Write(&b, "text", pass, Options{Quiet: true}); err != nil || b.Len() != 0 {
		t.Errorf("a passing check under Quiet: %q, %v; want nothing", b.String(), err)
	}
	b.Reset()
	if err := Write(&b, "json", styleCheck(), Options{Quiet: true}); err != nil || !strings.Contains(b.String(), `"CAP010"`) {
		t.Errorf("json under Quiet is not whole: %v", err)
	}
}

// colorWriter is a stdout that asks for colour, as a cli.Output does.
type colorWriter struct{ bytes.Buffer }

func (*colorWriter) Color() bool { return true }

// TestInventoryColor: the unresolved label is yellow on a colour stdout,
// plain on any other writer.
func TestInventoryColor(t *testing.T) {
	inv := &inventory.Inventory{Unresolved: []inventory.Unresolved{{
		Address: "aws_ec2_capacity_reservation.x", Range: diag.Pos{File: "main.tf", Line: 7, Column: 22}.Range(), Msg: "count is known only after apply",
	}}}
	var c colorWriter
	var plain bytes.Buffer
	if err := Inventory(&c, "text", inv); err != nil {
		t.Fatal(err)
	}
	if err := Inventory(&plain, "text", inv); err != nil {
		t.Fatal(err)
	}
	if want := "\nmain.tf:7:22: \x1b[33munresolved\x1b[0m: aws_ec2_capacity_reservation.x: count is known only after apply\n"; !strings.Contains(c.String(), want) {
		t.Errorf("coloured inventory lacks %q:\n%q", want, c.String())
	}
	if strings.Contains(plain.String(), "\x1b") || !strings.Contains(plain.String(), "\nmain.tf:7:22: unresolved: aws_ec2") {
		t.Errorf("plain inventory:\n%q", plain.String())
	}
	var js colorWriter
	if err := Inventory(&js, "json", inv); err != nil || strings.Contains(js.String(), "\x1b") {
		t.Errorf("json inventory coloured or failed: %v", err)
	}
}
