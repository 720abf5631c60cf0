package cli

import (
	"flag"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
)

// Shells are the shells [Program.Completion] writes a script for.
var Shells = []string{"bash", "zsh", "fish"}

// Completion is the command `PROG completion bash|zsh|fish`: it prints a
// completion script for the shell, generated from the command table
// (every command, its sub-commands as its Args name them, and the flags
// each command's flag set defines, read by running it with -h while
// p.Out captures the flag set instead of printing the help). Commands
// that write to anything but p.Out offer no flags.
func (p *Program) Completion(stdout, stderr io.Writer) Command {
	c := Command{Prog: p.Name, Name: "completion", Args: strings.Join(Shells, "|"),
		Summary: "print a shell completion script for bash, zsh or fish",
		Help: "Prints a completion script for the shell, generated from capcheck's commands and flags.\n\n" +
			"Examples:\n" +
			"  source <(" + p.Name + " completion bash)    # bash, or in ~/.bashrc\n" +
			"  " + p.Name + " completion zsh > \"${fpath[1]}/_" + p.Name + "\"\n" +
			"  " + p.Name + " completion fish > ~/.config/fish/completions/" + p.Name + ".fish"}
	c.Run = func(args []string) int {
		fs := NewFlags(c, nil, stdout, stderr)
		pos, code, ok := ParseArgs(fs, args, p.UsageCode)
		if !ok {
			return code
		}
		if len(pos) != 1 || !slices.Contains(Shells, pos[0]) {
			msg := "want the shell: " + OrList(Shells)
			if len(pos) > 0 {
				msg += fmt.Sprintf(", got %q", strings.Join(pos, " "))
			}
			UsageError(stderr, c, msg)
			return p.UsageCode
		}
		var err error
		switch specs := p.completionSpecs(); pos[0] {
		case "bash":
			err = writeBash(stdout, p.Name, specs)
		case "zsh":
			err = writeZsh(stdout, p.Name, specs)
		default:
			err = writeFish(stdout, p.Name, specs)
		}
		if err != nil {
			PrintError(stderr, p.Name, err)
			return p.UsageCode
		}
		return 0
	}
	return c
}

// completionSpec is what a completion script knows of one command.
type completionSpec struct {
	name, summary string
	subs          []string
	flags         []completionFlag
}

type completionFlag struct {
	name, short, usage string
	value              bool // takes a value (not a switch)
}

// word is a command, sub-command or flag name a script may hold unquoted.
var word = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

// completionSpecs reads the command table: each command's sub-commands
// (the "a|b" first word of its Args, as [Command.Synopsis] reads it) and
// its flags (run with -h while p.Out hands over the flag set).
func (p *Program) completionSpecs() []completionSpec {
	var got *flag.FlagSet
	if p.Out != nil {
		p.Out.flags = func(fs *flag.FlagSet) { got = fs }
		defer func() { p.Out.flags = nil }()
	}
	var specs []completionSpec
	for _, c := range p.Commands {
		if !word.MatchString(c.Name) {
			continue
		}
		s := completionSpec{name: c.Name, summary: c.Summary}
		if first, _, _ := strings.Cut(c.Args, " "); first != "" && !strings.ContainsAny(first, "[.") && strings.ToLower(first) == first {
			for _, sub := range strings.Split(first, "|") {
				if word.MatchString(sub) {
					s.subs = append(s.subs, sub)
				}
			}
		}
		if got = nil; p.Out != nil && c.Run != nil {
			c.Run([]string{"-h"})
		}
		if got != nil {
			s.flags = flagsOf(got)
		}
		specs = append(specs, s)
	}
	return specs
}

// flagsOf lists the flags of fs, a one-letter alias (a hidden flag
// sharing its Value) folded into the flag it abbreviates.
func flagsOf(fs *flag.FlagSet) []completionFlag {
	var out []completionFlag
	var shorts []*flag.Flag
	fs.VisitAll(func(f *flag.Flag) {
		switch {
		case !word.MatchString(f.Name):
		case hidden(f):
			shorts = append(shorts, f)
		default:
			b, ok := f.Value.(interface{ IsBoolFlag() bool })
			out = append(out, completionFlag{name: f.Name, usage: shortUsage(f.Usage), value: !ok || !b.IsBoolFlag()})
		}
	})
	for _, sf := range shorts {
		for i := range out {
			if fs.Lookup(out[i].name).Value == sf.Value {
				out[i].short = sf.Name
			}
		}
	}
	return out
}

// shortUsage is the first clause of a flag's usage, at most 60
// characters: a description a menu shows on one line.
func shortUsage(u string) string {
	for _, sep := range []string{" (", "; ", ": "} {
		if i := strings.Index(u, sep); i > 0 {
			u = u[:i]
		}
	}
	if len(u) > 60 {
		u = u[:60]
		if i := strings.LastIndexByte(u, ' '); i > 0 {
			u = u[:i]
		}
		u += "…"
	}
	return u
}

// quoted is s in single quotes for sh and zsh.
func quoted(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// fishQuoted is s in single quotes for fish.
func fishQuoted(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// flagWords are the command-line words of a command's flags.
func (s completionSpec) flagWords() []string {
	var w []string
	for _, f := range s.flags {
		w = append(w, "--"+f.name)
		if f.short != "" {
			w = append(w, "-"+f.short)
		}
	}
	return w
}

func commandNames(specs []completionSpec) []string {
	var names []string
	for _, s := range specs {
		names = append(names, s.name)
	}
	return names
}

func writeBash(w io.Writer, prog string, specs []completionSpec) error {
	fn := "_" + strings.ReplaceAll(prog, "-", "_")
	var b strings.Builder
	fmt.Fprintf(&b, "# bash completion for %[1]s, generated by `%[1]s completion bash`.\n# Load it with: source <(%[1]s completion bash)\n", prog)
	fmt.Fprintf(&b, "%s() {\n", fn)
	b.WriteString("    local cur=${COMP_WORDS[COMP_CWORD]} cmd=${COMP_WORDS[1]} subs='' flags=''\n    COMPREPLY=()\n")
	fmt.Fprintf(&b, "    if [[ $COMP_CWORD -eq 1 ]]; then\n        COMPREPLY=($(compgen -W %s -- \"$cur\"))\n        return\n    fi\n",
		quoted(strings.Join(append(commandNames(specs), "help", "--help", "--version"), " ")))
	b.WriteString("    case $cmd in\n")
	fmt.Fprintf(&b, "    help) subs=%s ;;\n", quoted(strings.Join(commandNames(specs), " ")))
	for _, s := range specs {
		fmt.Fprintf(&b, "    %s) subs=%s flags=%s ;;\n", s.name, quoted(strings.Join(s.subs, " ")), quoted(strings.Join(append(s.flagWords(), "--help"), " ")))
	}
	b.WriteString("    esac\n")
	b.WriteString("    if [[ $cur == -* ]]; then\n        COMPREPLY=($(compgen -W \"$flags\" -- \"$cur\"))\n")
	b.WriteString("    elif [[ $COMP_CWORD -eq 2 && -n $subs ]]; then\n        COMPREPLY=($(compgen -W \"$subs\" -- \"$cur\"))\n    fi\n}\n")
	fmt.Fprintf(&b, "complete -o default -o bashdefault -F %s %s\n", fn, prog)
	_, err := io.WriteString(w, b.String())
	return err
}

func writeZsh(w io.Writer, prog string, specs []completionSpec) error {
	fn := "_" + strings.ReplaceAll(prog, "-", "_")
	var b strings.Builder
	fmt.Fprintf(&b, "#compdef %[1]s\n# zsh completion for %[1]s, generated by `%[1]s completion zsh`.\n# Save it as %[2]s in a directory on $fpath, or load it with: source <(%[1]s completion zsh)\n", prog, fn)
	fmt.Fprintf(&b, "%s() {\n    local -a commands subs flags\n    commands=(\n", fn)
	for _, s := range specs {
		fmt.Fprintf(&b, "        %s\n", quoted(s.name+":"+s.summary))
	}
	b.WriteString("    )\n    if (( CURRENT == 2 )); then\n        _describe -t commands 'command' commands\n        return\n    fi\n")
	b.WriteString("    case $words[2] in\n    help) subs=(${commands%%:*}) ;;\n")
	for _, s := range specs {
		fmt.Fprintf(&b, "    %s)\n        subs=(%s)\n        flags=(\n", s.name, strings.Join(s.subs, " "))
		for _, f := range s.flags {
			fmt.Fprintf(&b, "            %s\n", quoted("--"+f.name+":"+f.usage))
			if f.short != "" {
				fmt.Fprintf(&b, "            %s\n", quoted("-"+f.short+":"+f.usage))
			}
		}
		b.WriteString("        ) ;;\n")
	}
	b.WriteString("    esac\n")
	b.WriteString("    if [[ $PREFIX == -* ]]; then\n        _describe -t flags 'flag' flags\n")
	b.WriteString("    elif (( CURRENT == 3 && $#subs )); then\n        compadd -a subs\n    else\n        _files\n    fi\n}\n")
	fmt.Fprintf(&b, "if [[ $zsh_eval_context[-1] == loadautofunc ]]; then\n    %[1]s \"$@\"\nelse\n    compdef %[1]s %[2]s\nfi\n", fn, prog)
	_, err := io.WriteString(w, b.String())
	return err
}

func writeFish(w io.Writer, prog string, specs []completionSpec) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# fish completion for %[1]s, generated by `%[1]s completion fish`.\n# Save it as ~/.config/fish/completions/%[1]s.fish, or load it with: %[1]s completion fish | source\n", prog)
	fmt.Fprintf(&b, "complete -c %s -n __fish_use_subcommand -f -a help -d %s\n", prog, fishQuoted("help for a command"))
	for _, s := range specs {
		fmt.Fprintf(&b, "complete -c %s -n __fish_use_subcommand -f -a %s -d %s\n", prog, s.name, fishQuoted(s.summary))
	}
	fmt.Fprintf(&b, "complete -c %s -n %s -f -a %s\n", prog, fishQuoted("__fish_seen_subcommand_from help"), fishQuoted(strings.Join(commandNames(specs), " ")))
	for _, s := range specs {
		seen := "__fish_seen_subcommand_from " + s.name
		if len(s.subs) > 0 {
			fmt.Fprintf(&b, "complete -c %s -n %s -f -a %s\n", prog, fishQuoted(seen+"; and not __fish_seen_subcommand_from "+strings.Join(s.subs, " ")), fishQuoted(strings.Join(s.subs, " ")))
		}
		for _, f := range s.flags {
			line := fmt.Sprintf("complete -c %s -n %s -l %s", prog, fishQuoted(seen), f.name)
			if f.short != "" {
				line += " -s " + f.short
			}
			if f.value {
				line += " -r"
			}
			fmt.Fprintf(&b, "%s -d %s\n", line, fishQuoted(f.usage))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
