package main

import (
	"context"
	"errors"
	"flag"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/capcheck/capcheck/internal/testkit/fakegithub"
	"github.com/capcheck/capcheck/internal/testkit/fakeprometheus"
	"github.com/rogpeppe/go-internal/testscript"
	"github.com/rogpeppe/go-internal/txtar"
)

var update = flag.Bool("update", false, "rewrite testscript golden output in testdata/script")

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"capcheck": func() {
			os.Exit(run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
		},
	})
}

// TestScripts runs the end-to-end scripts in testdata/script: each is a
// txtar archive holding a repository, the capcheck commands, their exit
// codes and expected output. Every script starts with a copy of the bundled
// example repository in $WORK/example (files the archive itself puts under
// example/ win, so a script states only what it changes) and CAPCHECK_NOW
// fixed. `cpdir SRC DST` copies a tree (for base/head pairs);
// `fakegithub start FILE` serves a scripted GitHub API at $GITHUB_API_URL
// and `fakegithub wait` fails on an exchange out of script or one that
// never came (see [fakegithub.Parse] for FILE); `fakeprometheus start
// FILE` and `fakeprometheus wait` do the same for the Prometheus API at
// $PROMETHEUS_URL (see [fakeprometheus.Parse]).
func TestScripts(t *testing.T) {
	example, err := filepath.Abs("../../testdata/example")
	if err != nil {
		t.Fatal(err)
	}
	shared, _ := filepath.Abs("../../../shared/data")
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir:           "../../testdata/script",
		UpdateScripts: *update,
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"cpdir": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) != 2 {
					ts.Fatalf("usage: cpdir SRC DST")
				}
				ts.Check(copyTree(ts.MkAbs(args[0]), ts.MkAbs(args[1])))
			},
			"exits":          cmdExits,
			"fakegithub":     fakegithub.Cmd,
			"fakeprometheus": fakeprometheus.Cmd,
		},
		Setup: func(env *testscript.Env) error {
			env.Setenv("CAPCHECK_NOW", "2026-11-21")
			env.Setenv("SHARED_DATA", shared)
			env.Setenv("REPO", repo)
			fakegithub.Setup(env)
			fakeprometheus.Setup(env)
			return copyTree(example, filepath.Join(env.WorkDir, "example"))
		},
	})
}

// cmdExits is the script command `exits N PROG ARGS...`: it runs PROG like
// exec does (its output becomes stdout and stderr for the next cmp) and
// fails unless PROG exits with exactly code N. `! exec` would accept any
// non-zero code, so a usage error (2) would pass where a policy failure
// (1) is expected.
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits CODE PROG [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil || want < 0 {
		ts.Fatalf("exits: code %q is not a non-negative integer", args[0])
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("exits: %v", err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited with code %d, want %d", args[1], got, want)
	}
}

// TestScriptsExactExitCodes fails on a script line `! exec capcheck …`
// (or `? exec`, or either under a [condition]): it accepts any non-zero
// exit code, so a usage error (2) would pass where a policy failure (1) is
// expected. Such a line is `exits 1 capcheck …` or `exits 2 capcheck …`.
func TestScriptsExactExitCodes(t *testing.T) {
	files, err := filepath.Glob("../../testdata/script/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scripts in testdata/script (%v)", err)
	}
	for _, f := range files {
		ar, err := txtar.ParseFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(ar.Comment), "\n") {
			words := strings.Fields(line)
			for len(words) > 0 && strings.HasPrefix(words[0], "[") { // [condition]
				words = words[1:]
			}
			if len(words) >= 3 && (words[0] == "!" || words[0] == "?") && words[1] == "exec" && words[2] == "capcheck" {
				t.Errorf("%s:%d: %s accepts any non-zero exit code; write `exits 1 capcheck …` (policy failure) or `exits 2 capcheck …` (could not evaluate)",
					filepath.Base(f), i+1, strings.Join(words[:3], " "))
			}
		}
	}
}

// copyTree copies the regular files below src to dst, keeping files that
// already exist in dst.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if _, err := os.Lstat(target); err == nil {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
}
