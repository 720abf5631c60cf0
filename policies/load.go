package policies

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/internal/repopath"
	"github.com/open-policy-agent/opa/v1/ast"
)

//go:embed rego/*.rego
var builtinFS embed.FS

// builtinPrefix names embedded modules in positions and the compiler; it is
// not a repository path, so it cannot collide with a user file.
const builtinPrefix = "capcheck:"

// source is one Rego file to compile.
type source struct {
	Name    string // position name: relative to the repository root, or builtinPrefix+path
	Text    string
	Builtin bool
}

func (s source) isTest() bool { return IsTest(s.Name) }

// builtinSources returns the embedded modules, tests included, sorted by name.
func builtinSources() ([]source, error) {
	entries, err := fs.ReadDir(builtinFS, "rego")
	if err != nil {
		return nil, fmt.Errorf("read built-in policies: %w", err)
	}
	var out []source
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".rego") {
			continue
		}
		b, err := builtinFS.ReadFile(path.Join("rego", e.Name()))
		if err != nil {
			return nil, fmt.Errorf("read built-in policy %s: %w", e.Name(), err)
		}
		out = append(out, source{Name: builtinPrefix + "rego/" + e.Name(), Text: string(b), Builtin: true})
	}
	return out, nil
}

// userSources reads every *.rego file under dirs (recursively, skipping
// hidden directories). Relative dirs are taken from root; names are made
// relative to root when the file lies inside it. A missing directory, or one
// without any .rego file, is an error: a policy directory named in the
// configuration that contributes nothing is a mistake, not a pass.
func userSources(root string, dirs []string) ([]source, error) {
	var out []source
	seen := map[string]bool{}
	for _, dir := range dirs {
		abs := dir
		if !filepath.IsAbs(dir) && root != "" {
			abs = filepath.Join(root, dir)
		}
		info, err := os.Stat(abs)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("policy directory %s does not exist", dir)
			}
			return nil, fmt.Errorf("read policy directory %s: %w", dir, err)
		}
		if !info.IsDir() {
			return nil, fmt.Errorf("policy directory %s is not a directory", dir)
		}
		n := 0
		err = WalkRego(abs, func(p string, d fs.DirEntry) error {
			b, err := readRego(root, p)
			if err != nil {
				return err
			}
			name := displayName(root, p)
			if !seen[name] {
				seen[name] = true
				out = append(out, source{Name: name, Text: string(b)})
			}
			n++
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("read policy directory %s: %w", dir, err)
		}
		if n == 0 {
			return nil, fmt.Errorf("policy directory %s holds no .rego files", dir)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// WalkRego calls fn for every *.rego file below dir (tests included), in
// lexical order, skipping hidden directories below dir: the files the
// engine reads from a policy directory. Whoever must know which files
// steer the policies (the trusted-file comparison of a PR diff) walks with
// it, so the two can never disagree.
func WalkRego(dir string, fn func(path string, d fs.DirEntry) error) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != dir && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(d.Name(), ".rego") {
			return nil
		}
		return fn(p, d)
	})
}

// readRego reads the Rego file p found under a policy directory: a file
// inside root is the repository's, confined to it (repopath.ReadFile: a
// symbolic link leading out is refused, so a pull request cannot make the
// engine read, or quote in an error, a file outside the checkout); one
// outside root is from a directory the user named (--policy) and is the
// user's own. Either way only a regular file is read: a FIFO is refused
// unopened.
func readRego(root, p string) ([]byte, error) {
	if root != "" {
		absRoot, err1 := filepath.Abs(root)
		absP, err2 := filepath.Abs(p)
		if err1 == nil && err2 == nil && repopath.Inside(absRoot, absP) {
			realRoot, err := repopath.Root(absRoot)
			if err != nil {
				return nil, err
			}
			rel, err := filepath.Rel(absRoot, absP)
			if err != nil {
				return nil, err
			}
			return repopath.ReadFile(realRoot, realRoot, rel, 0)
		}
	}
	return repopath.ReadUserFile(p, 0)
}

// IsTest reports whether name is a Rego test file (*_test.rego): compiled
// by `capcheck verify`, never by a check.
func IsTest(name string) bool { return strings.HasSuffix(name, "_test.rego") }

// displayName is p relative to root (slash-separated) when inside it, and
// p itself otherwise.
func displayName(root, p string) string {
	if root != "" {
		absRoot, err1 := filepath.Abs(root)
		absP, err2 := filepath.Abs(p)
		if err1 == nil && err2 == nil {
			if rel, err := filepath.Rel(absRoot, absP); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
				return filepath.ToSlash(rel)
			}
		}
	}
	return filepath.ToSlash(filepath.Clean(p))
}

// parsed is a parsed module with where it came from.
type parsed struct {
	source
	Module *ast.Module
}

// reservedPackages may only be defined by built-in modules.
var reservedPackages = []ast.Ref{
	ast.MustParseRef("data.capcheck.rules"),
	ast.MustParseRef("data.capcheck.lib"),
}

// parseSources parses srcs as Rego v1 with metadata, and rejects user
// modules in the reserved packages. Errors carry file:line:col.
func parseSources(srcs []source) ([]parsed, error) {
	opts := ast.ParserOptions{RegoVersion: ast.RegoV1, ProcessAnnotation: true, Capabilities: capabilities()}
	var ds diag.Diagnostics
	var out []parsed
	for _, s := range srcs {
		m, err := ast.ParseModuleWithOpts(s.Name, s.Text, opts)
		if err != nil {
			ds = append(ds, astDiagnostics(err)...)
			continue
		}
		if !s.Builtin {
			for _, r := range reservedPackages {
				if m.Package.Path.HasPrefix(r) {
					ds = append(ds, diag.Diagnostic{
						Range:    locPos(m.Package.Location).Range(),
						Severity: diag.Error,
						Msg:      fmt.Sprintf("package %s is reserved for capcheck's built-in policies; use another package under capcheck or package main", pkgName(m.Package.Path)),
					})
				}
			}
		}
		out = append(out, parsed{source: s, Module: m})
	}
	if err := ds.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// pkgName is a package path without the leading "data.".
func pkgName(p ast.Ref) string {
	return strings.TrimPrefix(p.String(), "data.")
}

// locPos converts an OPA location to a diagnostic position.
func locPos(l *ast.Location) diag.Pos {
	if l == nil {
		return diag.Pos{}
	}
	return diag.Pos{File: l.File, Line: l.Row, Column: l.Col}
}

// astDiagnostics turns OPA parse and compile errors into positioned
// diagnostics, explaining calls to built-ins the sandbox removed.
func astDiagnostics(err error) diag.Diagnostics {
	var errs ast.Errors
	if !errors.As(err, &errs) {
		var one *ast.Error
		if !errors.As(err, &one) {
			return diag.Diagnostics{{Severity: diag.Error, Msg: err.Error()}}
		}
		errs = ast.Errors{one}
	}
	ds := make(diag.Diagnostics, 0, len(errs))
	for _, e := range errs {
		msg := e.Message
		if name, ok := strings.CutPrefix(msg, "undefined function "); ok {
			if note := removedNote(name); note != "" {
				msg += " (" + note + ")"
			}
		}
		ds = append(ds, diag.Diagnostic{Range: locPos(e.Location).Range(), Severity: diag.Error, Msg: msg})
	}
	return ds
}
