// Package repopath resolves paths that come from a repository (a
// capcheck.yaml entry, a Terraform file function, a module source, a
// symbolic link met while walking) and confines them to the repository
// root. Symbolic links are resolved before the check, so a link inside the
// repository cannot lead a reader out of it: one rule, written once, for
// every reader.
//
// Paths the user types on the command line (--catalog, --plan-json, …) are
// the user's own and are not confined; only what the repository itself
// names is.
package repopath

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Root returns dir as an absolute, cleaned path with symbolic links
// resolved: the form Resolve and Inside expect for root.
func Root(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	return filepath.EvalSymlinks(abs)
}

// Inside reports whether p is root or below it (both absolute and cleaned).
func Inside(root, p string) bool {
	rel, err := filepath.Rel(root, p)
	if err != nil {
		return false
	}
	return rel == "." || (rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)))
}

// OutsideError is returned for a path that leaves the repository.
type OutsideError struct {
	// Name is the path as the caller named it.
	Name string
	// Link is true when the path is inside the repository as written but a
	// symbolic link on it leads out.
	Link bool
}

// Reason says how the path leaves the repository, without naming it.
func (e *OutsideError) Reason() string {
	if e.Link {
		return "resolves outside the repository"
	}
	return "is outside the repository"
}

func (e *OutsideError) Error() string { return e.Name + " " + e.Reason() }

// Resolve returns the real path (absolute, symbolic links resolved) of
// name, which is relative to dir or absolute, and checks that it stays
// inside root (a Root path; dir is root or a directory below it). A path
// that leaves root as written is refused before anything outside is
// looked at; one that leaves through a symbolic link is refused once
// resolved. Both are an *OutsideError. A path that does not exist is an
// error matching fs.ErrNotExist. Errors name the path by name, never by
// its absolute form.
func Resolve(root, dir, name string) (string, error) {
	p := name
	if !filepath.IsAbs(p) {
		p = filepath.Join(dir, p)
	}
	p = filepath.Clean(p)
	if !Inside(root, p) {
		return "", &OutsideError{Name: name}
	}
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return "", renamed(err, "resolve", name)
	}
	if !Inside(root, real) {
		return "", &OutsideError{Name: name, Link: true}
	}
	return real, nil
}

// ReadFile resolves name as Resolve does and reads it: a regular file of
// at most limit bytes (no limit when limit <= 0). It is checked before it
// is opened, so a FIFO or device never blocks the reader. Errors are an
// *OutsideError or an *fs.PathError naming the path by name.
func ReadFile(root, dir, name string, limit int64) ([]byte, error) {
	real, err := Resolve(root, dir, name)
	if err != nil {
		return nil, err
	}
	return readRegular(real, name, limit)
}

// ReadUserFile reads a file the user named (a command-line argument): not
// confined, but held to the same checks as ReadFile.
func ReadUserFile(name string, limit int64) ([]byte, error) {
	return readRegular(name, name, limit)
}

func readRegular(p, name string, limit int64) ([]byte, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, renamed(err, "read", name)
	}
	switch {
	case st.IsDir():
		return nil, &fs.PathError{Op: "read", Path: name, Err: errors.New("is a directory, not a file")}
	case !st.Mode().IsRegular():
		return nil, &fs.PathError{Op: "read", Path: name, Err: fmt.Errorf("not a regular file (%v)", st.Mode().Type())}
	case limit > 0 && st.Size() > limit:
		return nil, &fs.PathError{Op: "read", Path: name, Err: fmt.Errorf("larger than %d bytes", limit)}
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, renamed(err, "read", name)
	}
	defer f.Close()
	var r io.Reader = f
	if limit > 0 {
		r = io.LimitReader(f, limit+1)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, renamed(err, "read", name)
	}
	if limit > 0 && int64(len(data)) > limit {
		return nil, &fs.PathError{Op: "read", Path: name, Err: fmt.Errorf("larger than %d bytes", limit)}
	}
	return data, nil
}

// Reason is what went wrong with a path, without naming it: for callers
// that name the path themselves ("load plan p.json: no such file or
// directory").
func Reason(err error) string {
	var oe *OutsideError
	if errors.As(err, &oe) {
		return oe.Reason()
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// renamed names a path error by name instead of the absolute path the
// system call saw, so messages stay repository-relative.
func renamed(err error, op, name string) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return &fs.PathError{Op: op, Path: name, Err: pe.Err}
	}
	return fmt.Errorf("%s %s: %w", op, name, err)
}
