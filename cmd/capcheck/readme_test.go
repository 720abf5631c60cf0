package main

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/txtar"
)

// readme is the README as a newcomer reads it, from the repository root.
func readme(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestREADMEFirstCommands keeps the README's first screen true: its first
// command, run exactly as written from the repository root (in-process,
// with $CAPCHECK_NOW unset), exits 0 and prints exactly the excerpt shown
// under it and the golden output it names, and does so on any day, not
// only on the day the example is pinned to; its second command is the one
// .ci/run ends with.
func TestREADMEFirstCommands(t *testing.T) {
	md := readme(t)
	cmds := indentedCommands(md)
	if len(cmds) < 2 {
		t.Fatalf("README has %d indented commands, want the example's and the tests' first: %q", len(cmds), cmds)
	}

	first, ok := strings.CutPrefix(cmds[0], "go run ./cmd/capcheck ")
	if !ok {
		t.Fatalf("README's first command is %q, want `go run ./cmd/capcheck …`", cmds[0])
	}
	ex := excerpts(md)
	if len(ex) == 0 || ex[0].command != "capcheck "+first {
		t.Fatalf("README's first `$ capcheck` excerpt is not the first command's output: want `$ capcheck %s`, have %v", first, ex)
	}
	// "the full output is the golden file in …check_example.txtar"
	golden := strings.Join(goldenFile(t, "check_example.txtar", "want.txt"), "\n")
	t.Chdir("../..")
	t.Setenv("CAPCHECK_NOW", "")
	args := strings.Fields(first)
	for _, day := range readmeDays {
		t.Run(dayName(day), func(t *testing.T) {
			code, stdout, stderr := runREADME(day, args)
			if code != 0 {
				t.Errorf("`%s` exited %d, the README says 0; stderr:\n%s", cmds[0], code, stderr)
			}
			if stderr != "" {
				t.Errorf("`%s` wrote to stderr, which the README does not show:\n%s", cmds[0], stderr)
			}
			if err := matchExcerpt(ex[0].output, stdout); err != "" {
				t.Errorf("`%s` does not print the README's excerpt: %s\nits output:\n%s", cmds[0], err, stdout)
			}
			if stdout != golden {
				t.Errorf("`%s` does not print check_example.txtar's want.txt, which the README calls its full output:\n%s", cmds[0], stdout)
			}
		})
	}

	ci, err := os.ReadFile(".ci/run")
	if err != nil {
		t.Fatal(err)
	}
	if last := lastCommand(string(ci)); last != cmds[1] {
		t.Errorf(".ci/run ends with %q, want the README's test command %q", last, cmds[1])
	}
}

// TestREADMEExcerpts runs every other `$ capcheck …` command the README
// shows in a fenced block, from the repository root on the days of
// readmeDays, and checks that it prints the excerpt under it ("…" stands for
// lines left out, or for part of a line) and evaluates (exit 0 or 1).
func TestREADMEExcerpts(t *testing.T) {
	ex := excerpts(readme(t))
	if len(ex) < 2 {
		t.Fatalf("README has %d `$ capcheck` excerpts, want the example's and more", len(ex))
	}
	t.Chdir("../..")
	t.Setenv("CAPCHECK_NOW", "")
	for _, e := range ex[1:] {
		args, ok := strings.CutPrefix(e.command, "capcheck ")
		if !ok || strings.ContainsAny(args, `"'$=\`) {
			t.Errorf("README excerpt `$ %s` is not a plain capcheck command this test can run", e.command)
			continue
		}
		for _, day := range readmeDays {
			t.Run(e.command+"/"+dayName(day), func(t *testing.T) {
				code, stdout, stderr := runREADME(day, strings.Fields(args))
				if code != 0 && code != 1 {
					t.Errorf("`%s` exited %d; stderr:\n%s", e.command, code, stderr)
				}
				if err := matchExcerpt(e.output, stdout); err != "" {
					t.Errorf("`%s` does not print the README's excerpt: %s\nits output:\n%s", e.command, err, stdout)
				}
			})
		}
	}
}

// TestREADMECommentExcerpt keeps the README's PR comment excerpt true: its
// verdict heading, table row and findings are lines of the golden comment
// in diff_remove.txtar (which runs the diff the README describes), "…"
// standing for the columns and the link left out.
func TestREADMECommentExcerpt(t *testing.T) {
	var lines []string
	for _, l := range strings.Split(readme(t), "\n") {
		l, ok := strings.CutPrefix(l, "> ")
		switch {
		case !ok:
		case strings.HasPrefix(l, "### "), strings.HasPrefix(l, "| **"):
			lines = append(lines, strings.ReplaceAll(l, "$", `\$`))
		case strings.HasPrefix(l, "- **CAP"):
			// The README's links are "(#)"; the golden's point at the head SHA.
			head, _, _ := strings.Cut(l, " — [")
			lines = append(lines, head+" — […")
		}
	}
	if len(lines) < 3 {
		t.Fatalf("README comment excerpt not found (%d lines)", len(lines))
	}
	golden := goldenFile(t, "diff_remove.txtar", "want.md")
	for _, l := range lines {
		found := false
		for _, g := range golden {
			found = found || matchLine(l, g)
		}
		if !found {
			t.Errorf("README comment line is not in diff_remove.txtar want.md (update the README):\n%s", l)
		}
	}
}

// TestREADMEFlags checks that the example commands the README writes out
// without output (the audit block, the command table) use flags that
// exist: every --flag is listed by `capcheck help COMMAND`.
func TestREADMEFlags(t *testing.T) {
	md := readme(t)
	var lines []string
	for _, b := range fencedBlocks(md) {
		for _, l := range strings.Split(strings.ReplaceAll(b, "\\\n", " "), "\n") {
			lines = append(lines, l)
		}
	}
	for _, l := range strings.Split(md, "\n") {
		if strings.HasPrefix(l, "| `capcheck ") {
			lines = append(lines, strings.ReplaceAll(l, `\|`, "|"))
		}
	}
	cmdRE := regexp.MustCompile("(?:^|[ `])capcheck ([a-z]+(?: github)?)\\b")
	flagRE := regexp.MustCompile(`(?:^|[ (\x60])(--[a-z][a-z-]*)`)
	checked := 0
	for _, l := range lines {
		m := cmdRE.FindStringSubmatch(l)
		if m == nil || strings.HasPrefix(l, "$ ") {
			continue
		}
		name, _, _ := strings.Cut(m[1], " ") // `help comment` describes comment github
		_, help, _ := runCLI(t, "help", name)
		for _, f := range flagRE.FindAllStringSubmatch(l, -1) {
			checked++
			if !strings.Contains(help, "\n  "+f[1]+" ") && !strings.Contains(help, "\n  "+f[1]+"\n") {
				t.Errorf("README uses %s with `capcheck %s`, which `capcheck help %s` does not list:\n%s", f[1], m[1], m[1], l)
			}
		}
	}
	if checked < 20 {
		t.Errorf("checked %d README flags, want the command table's and the audit block's (20 or more)", checked)
	}

	mod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	path, _, _ := strings.Cut(strings.TrimPrefix(string(mod), "module "), "\n")
	if install := "go install " + path + "/cmd/capcheck@latest"; !strings.Contains(md, "`"+install+"`") {
		t.Errorf("README does not say `%s`", install)
	}
}

// readmeDays are the days the README commands are run on, besides today's
// real clock (the zero time): the day the example is pinned to, the day a
// newcomer found it failing, and one after all its reservations end.
var readmeDays = []time.Time{
	{},
	time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC),
	time.Date(2026, 12, 3, 15, 0, 0, 0, time.UTC),
	time.Date(2029, 1, 15, 0, 0, 0, 0, time.UTC),
}

func dayName(day time.Time) string {
	if day.IsZero() {
		return "today"
	}
	return day.Format("2006-01-02")
}

// runREADME runs capcheck ARGS in-process. On the zero day it is run()
// itself, as `go run` would; else the same command with the clock at day.
func runREADME(day time.Time, args []string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	if day.IsZero() {
		code = run(context.Background(), args, strings.NewReader(""), &out, &errb)
		return code, out.String(), errb.String()
	}
	e := &env{ctx: context.Background(), stdin: strings.NewReader(""), stdout: &out, stderr: &errb,
		getenv: os.Getenv, now: func() time.Time { return day }}
	c, ok := lookup(args[0])
	if !ok {
		return 2, "", "no command " + args[0]
	}
	code = c.run(e, args[1:])
	return code, out.String(), errb.String()
}

// indentedCommands are the README's four-space indented lines: the
// commands a newcomer copies.
func indentedCommands(md string) []string {
	var out []string
	inFence := false
	for _, l := range strings.Split(md, "\n") {
		if strings.HasPrefix(l, "```") {
			inFence = !inFence
		}
		if !inFence && strings.HasPrefix(l, "    ") && strings.TrimSpace(l) != "" {
			out = append(out, strings.TrimSpace(l))
		}
	}
	return out
}

// fencedBlocks are the bodies of the README's fenced code blocks.
func fencedBlocks(md string) []string {
	var out []string
	parts := strings.Split(md, "```")
	for i := 1; i < len(parts); i += 2 {
		_, body, _ := strings.Cut(parts[i], "\n") // drop the info string
		out = append(out, body)
	}
	return out
}

// excerpt is one `$ capcheck …` line of a fenced block and the output
// lines under it, up to the next `$ ` line or the end of the block.
type excerpt struct {
	command string
	output  []string
}

func excerpts(md string) []excerpt {
	var out []excerpt
	for _, b := range fencedBlocks(md) {
		var cur *excerpt // the block's last command, nil before its first
		for _, l := range strings.Split(strings.TrimSuffix(b, "\n"), "\n") {
			if cmd, ok := strings.CutPrefix(l, "$ "); ok {
				out = append(out, excerpt{command: cmd})
				cur = &out[len(out)-1]
			} else if cur != nil {
				cur.output = append(cur.output, l)
			}
		}
	}
	return out
}

// matchExcerpt reports how output differs from the excerpt want, or "".
// A want line "…" stands for any number of lines; "…" inside a line for any
// text. The excerpt otherwise matches whole lines, from the first to the
// last.
func matchExcerpt(want []string, output string) string {
	got := strings.Split(strings.TrimSuffix(output, "\n"), "\n")
	if matchLines(want, got) {
		return ""
	}
	// Name the first excerpt line that is in the output nowhere.
	for _, w := range want {
		if w == "…" {
			continue
		}
		found := false
		for _, g := range got {
			found = found || matchLine(w, g)
		}
		if !found {
			return "this README line is not in the output:\n" + w
		}
	}
	return "the README's lines are all in the output, but not in this order or with other lines between them:\n" + strings.Join(want, "\n")
}

func matchLines(want, got []string) bool {
	if len(want) == 0 {
		return len(got) == 0
	}
	if want[0] == "…" {
		for i := 0; i <= len(got); i++ {
			if matchLines(want[1:], got[i:]) {
				return true
			}
		}
		return false
	}
	return len(got) > 0 && matchLine(want[0], got[0]) && matchLines(want[1:], got[1:])
}

// matchLine reports whether line is want, each "…" in want standing for
// any text.
func matchLine(want, line string) bool {
	parts := strings.Split(want, "…")
	if len(parts) == 1 {
		return want == line
	}
	rest, ok := strings.CutPrefix(line, parts[0])
	if !ok {
		return false
	}
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(rest, p)
		if i < 0 {
			return false
		}
		rest = rest[i+len(p):]
	}
	return strings.HasSuffix(rest, parts[len(parts)-1])
}

// lastCommand is the last line of a shell script that is not blank, a
// comment or an echo.
func lastCommand(script string) string {
	last := ""
	for _, l := range strings.Split(script, "\n") {
		l = strings.TrimSpace(l)
		if l != "" && !strings.HasPrefix(l, "#") && !strings.HasPrefix(l, "echo ") {
			last = l
		}
	}
	return last
}

// goldenFile is the lines of file in the txtar script.
func goldenFile(t *testing.T, script, file string) []string {
	t.Helper()
	ar, err := txtar.ParseFile("../../testdata/script/" + script)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range ar.Files {
		if f.Name == file {
			return strings.Split(string(f.Data), "\n")
		}
	}
	t.Fatalf("%s has no %s", script, file)
	return nil
}
