package cli

import (
	"bytes"
	"strings"
	"testing"
)

// completionProgram is a program of two commands writing to out: "run"
// with a value flag, a switch and -q, and "tool" with sub-commands.
func completionProgram(out *Output) *Program {
	p := &Program{Name: "prog", UsageCode: 2, Out: out}
	run := Command{Prog: "prog", Name: "run", Args: "[PATH]", Summary: "run it's thing"}
	run.Run = func(args []string) int {
		fs := NewFlags(run, nil, out, &bytes.Buffer{})
		fs.String("plan-json", "", "plan file (repeatable); read instead of HCL")
		fs.Bool("dry-run", false, "write nothing")
		QuietFlag(fs, "print only errors")
		_, code, _ := ParseArgs(fs, args, 2)
		return code
	}
	tool := Command{Prog: "prog", Name: "tool", Args: "import|export FILE", Summary: "import or export"}
	tool.Run = func(args []string) int {
		fs := NewFlags(tool, nil, out, &bytes.Buffer{})
		_, code, _ := ParseArgs(fs, args, 2)
		return code
	}
	p.Commands = []Command{run, tool}
	p.Commands = append(p.Commands, p.Completion(out, &bytes.Buffer{}))
	return p
}

func TestCompletionSpecs(t *testing.T) {
	var buf bytes.Buffer
	out := &Output{W: &buf}
	p := completionProgram(out)
	specs := p.completionSpecs()
	if buf.Len() != 0 {
		t.Errorf("reading the flags printed help:\n%s", buf.String())
	}
	if out.flags != nil {
		t.Error("the flag hook is still set")
	}
	if len(specs) != 3 {
		t.Fatalf("%d specs, want run, tool and completion", len(specs))
	}
	run := specs[0]
	var got []string
	for _, f := range run.flags {
		got = append(got, f.name+"/"+f.short+"/"+f.usage)
	}
	// VisitAll's order is by name; -q is folded into --quiet.
	want := "color//colour the text output|dry-run//write nothing|no-color//never colour the text output|plan-json//plan file|quiet/q/print only errors"
	if strings.Join(got, "|") != want {
		t.Errorf("run's flags:\n got %s\nwant %s", strings.Join(got, "|"), want)
	}
	if !run.flags[3].value || run.flags[1].value {
		t.Error("plan-json takes a value and dry-run does not")
	}
	if strings.Join(specs[1].subs, " ") != "import export" || len(specs[0].subs) != 0 {
		t.Errorf("subs: run %q, tool %q", specs[0].subs, specs[1].subs)
	}
	if strings.Join(specs[2].subs, " ") != "bash zsh fish" {
		t.Errorf("completion's subs %q", specs[2].subs)
	}
}

func TestCompletionScripts(t *testing.T) {
	var buf bytes.Buffer
	p := completionProgram(&Output{W: &buf})
	if code := p.Run([]string{"completion", "bash"}, &buf, &buf); code != 0 {
		t.Fatalf("exit %d: %s", code, buf.String())
	}
	for _, want := range []string{
		"    run) subs='' flags='--color --dry-run --no-color --plan-json --quiet -q --help' ;;\n",
		"    tool) subs='import export' flags='--color --no-color --help' ;;\n",
		"complete -o default -o bashdefault -F _prog prog\n",
	} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("bash script lacks %q:\n%s", want, buf.String())
		}
	}
	buf.Reset()
	p.Run([]string{"completion", "zsh"}, &buf, &buf)
	// A quote in a summary is closed, escaped and reopened.
	for _, want := range []string{"        'run:run it'\\''s thing'\n", "            '-q:print only errors'\n", "        subs=(import export)\n"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("zsh script lacks %q:\n%s", want, buf.String())
		}
	}
	buf.Reset()
	p.Run([]string{"completion", "fish"}, &buf, &buf)
	for _, want := range []string{
		"complete -c prog -n __fish_use_subcommand -f -a run -d 'run it\\'s thing'\n",
		"complete -c prog -n '__fish_seen_subcommand_from run' -l plan-json -r -d 'plan file'\n",
		"complete -c prog -n '__fish_seen_subcommand_from run' -l quiet -s q -d 'print only errors'\n",
		"complete -c prog -n '__fish_seen_subcommand_from tool; and not __fish_seen_subcommand_from import export' -f -a 'import export'\n",
	} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("fish script lacks %q:\n%s", want, buf.String())
		}
	}
}

func TestShortUsage(t *testing.T) {
	for in, want := range map[string]string{
		"output format: text or json":               "output format",
		"exit 0 on policy failures (errors exit 2)": "exit 0 on policy failures",
		"a b; c":                    "a b",
		strings.Repeat("word ", 20): "word word word word word word word word word word word word…",
	} {
		if got := shortUsage(in); got != want {
			t.Errorf("shortUsage(%q) = %q, want %q", in, got, want)
		}
	}
}
