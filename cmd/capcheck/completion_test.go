package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/capcheck/capcheck/internal/testkit"
)

// completionScript is `capcheck completion SHELL`, run in-process.
func completionScript(t *testing.T, shell string) string {
	t.Helper()
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"completion", shell}, strings.NewReader(""), &out, &errb); code != 0 {
		t.Fatalf("completion %s exited %d: %s", shell, code, errb.String())
	}
	if errb.Len() > 0 {
		t.Errorf("completion %s wrote to stderr: %s", shell, errb.String())
	}
	return out.String()
}

// helpFlags are the flags `capcheck help NAME` lists ("  --name ..."):
// read from the help, not from the generator, so a flag the script drops
// is caught.
func helpFlags(t *testing.T, name string) []string {
	t.Helper()
	var out, errb bytes.Buffer
	run(context.Background(), []string{"help", name}, strings.NewReader(""), &out, &errb)
	var flags []string
	for _, m := range regexp.MustCompile(`(?m)^  --([a-z0-9-]+)`).FindAllStringSubmatch(out.String(), -1) {
		flags = append(flags, m[1])
	}
	if len(flags) < 20 && name == "check" {
		t.Fatalf("help check lists %d flags, want its 20 or more:\n%s", len(flags), out.String())
	}
	return flags
}

// TestCompletionCoversCommands holds each script to the command table:
// every command of commands() (and completion itself), and every flag
// `capcheck help check` lists in check's part of the script, with -q for
// --quiet.
func TestCompletionCoversCommands(t *testing.T) {
	names := []string{"completion"}
	for _, c := range commands() {
		names = append(names, c.name)
	}
	checkFlags := helpFlags(t, "check")
	for _, shell := range []string{"bash", "zsh", "fish"} {
		script := completionScript(t, shell)
		var checkPart string
		switch shell {
		case "bash":
			// the words of its quoted lists, each between spaces
			checkPart = strings.ReplaceAll(regexp.MustCompile(`(?m)^    check\) .*$`).FindString(script), "'", " ")
		case "zsh":
			checkPart = regexp.MustCompile(`(?s)\n    check\)\n.*?\) ;;`).FindString(script)
		case "fish":
			for _, l := range strings.Split(script, "\n") {
				if strings.Contains(l, "'__fish_seen_subcommand_from check'") {
					checkPart += l + "\n"
				}
			}
		}
		if checkPart == "" {
			t.Fatalf("%s: no part for check in:\n%s", shell, script)
		}
		for _, n := range names {
			var want string
			switch shell {
			case "bash":
				want = "    " + n + ") "
			case "zsh":
				want = "'" + n + ":"
			case "fish":
				want = "-n __fish_use_subcommand -f -a " + n + " -d "
			}
			if !strings.Contains(script, want) {
				t.Errorf("%s: command %s missing (want %q)", shell, n, want)
			}
		}
		for _, f := range append(checkFlags, "q") {
			want := " --" + f + " "
			switch {
			case f == "q" && shell == "fish":
				want = " -l quiet -s q "
			case f == "q" && shell == "zsh":
				want = "'-q:"
			case f == "q":
				want = " -q "
			case shell == "zsh":
				want = "'--" + f + ":"
			case shell == "fish":
				want = " -l " + f + " "
			}
			if !strings.Contains(checkPart, want) {
				t.Errorf("%s: check's flag %s missing (want %q) in:\n%s", shell, f, want, checkPart)
			}
		}
	}
}

// TestCompletionBash checks the bash script's syntax with bash -n and runs
// its completion function on three command lines.
func TestCompletionBash(t *testing.T) {
	bash := testkit.NeedCommand(t, "bash", "the bash package of every Debian image")
	file := filepath.Join(t.TempDir(), "capcheck.bash")
	if err := os.WriteFile(file, []byte(completionScript(t, "bash")), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bash, "-n", file).CombinedOutput(); err != nil {
		t.Fatalf("bash -n: %v\n%s", err, out)
	}
	for _, tc := range []struct{ words, want string }{
		{"capcheck exp", "export"},
		{"capcheck check --po", "--policy --policy-timeout"},
		{"capcheck export ", "prometheus-rules prometheus-rules-tests grafana-dashboard"},
		{"capcheck completion ", "bash zsh fish"},
		{"capcheck audit --no-", "--no-color --no-fail"},
		{"capcheck help inv", "inventory"},
	} {
		words := strings.Fields(tc.words)
		if strings.HasSuffix(tc.words, " ") {
			words = append(words, "")
		}
		var arr []string
		for _, w := range words {
			arr = append(arr, "'"+w+"'")
		}
		src := "source " + file + "\ncomplete -p capcheck >/dev/null || exit 3\nCOMP_WORDS=(" + strings.Join(arr, " ") + ")\nCOMP_CWORD=" + strconv.Itoa(len(words)-1) + "\n_capcheck\necho \"${COMPREPLY[*]}\"\n"
		out, err := exec.Command(bash, "-c", src).CombinedOutput()
		if err != nil {
			t.Fatalf("%q: %v\n%s", tc.words, err, out)
		}
		if got := strings.TrimSpace(string(out)); got != tc.want {
			t.Errorf("%q completes to %q, want %q", tc.words, got, tc.want)
		}
	}
}

// TestCompletionZshFish checks the zsh and fish scripts' syntax (zsh -n,
// fish --no-execute), and fish's completions of a flag prefix.
func TestCompletionZshFish(t *testing.T) {
	dir := t.TempDir()
	zsh := testkit.NeedCommand(t, "zsh", ".ci/run installs Debian's zsh package")
	fish := testkit.NeedCommand(t, "fish", ".ci/run installs Debian's fish package")
	zf, ff := filepath.Join(dir, "_capcheck"), filepath.Join(dir, "capcheck.fish")
	if err := os.WriteFile(zf, []byte(completionScript(t, "zsh")), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ff, []byte(completionScript(t, "fish")), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(zsh, "-n", zf).CombinedOutput(); err != nil {
		t.Errorf("zsh -n: %v\n%s", err, out)
	}
	if out, err := exec.Command(fish, "--no-execute", ff).CombinedOutput(); err != nil {
		t.Errorf("fish --no-execute: %v\n%s", err, out)
	}
	cmd := exec.Command(fish, "--no-config", "-c", "source "+ff+"; complete -C 'capcheck check --po'")
	cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_CONFIG_HOME="+dir, "XDG_DATA_HOME="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("fish complete -C: %v\n%s", err, out)
	}
	var got []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		name, _, _ := strings.Cut(l, "\t")
		got = append(got, name)
	}
	if want := "--policy --policy-timeout"; strings.Join(got, " ") != want {
		t.Errorf("fish completes `capcheck check --po` to %q, want %q:\n%s", strings.Join(got, " "), want, out)
	}
}
