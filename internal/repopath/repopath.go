// Package repopath resolves paths that come from a repository (a
// capcheck.yaml entry, a Terraform file function, a module source, a
// symbolic link met while walking) and confines them to the repository
// root. Symbolic links are resolved before the check, so a link inside the
// repository cannot lead a reader out of it: one rule, written once, for
// every reader.
//
// It is also the one bounded file reader (ReadFS over an fs.FS, ReadFile
// confined to the root, ReadUserFile, Open for a stream): a regular file
// only, checked before it is opened so a FIFO never blocks, and at most a
// limit of bytes. Its errors are typed (*OutsideError, *NotRegularError,
// *TooLargeError) so that each caller keeps its own wording, and Reason
// states any of them without the path.
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
	"sync/atomic"
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
// at most limit bytes (no limit when limit <= 0), checked as ReadFS checks
// it. Errors are an *OutsideError, a *NotRegularError, a *TooLargeError or
// an *fs.PathError, each naming the path by name.
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

// Stdin is the name a user types for standard input where a command
// reads a file ("capcheck forecast -"); StdinName is how errors and
// positions name it.
const (
	Stdin     = "-"
	StdinName = "<stdin>"
)

// UserName is how errors and positions name a file the user named:
// StdinName for Stdin, else name with forward slashes.
func UserName(name string) string {
	if name == Stdin {
		return StdinName
	}
	return filepath.ToSlash(name)
}

// ErrStdinTwice is what ReadUserInput returns for Stdin once the
// process's standard input has been read: a second "-" in one command
// would otherwise read nothing and pass as an empty file.
var ErrStdinTwice = errors.New("standard input (-) can be read once per run")

// stdinRead records that ReadUserInput has read the process's standard
// input (a run is one process).
var stdinRead atomic.Bool

// ReadUserInput is ReadUserFile, except that Stdin ("-") reads the
// process's standard input, within the same limit (ReadStdin), once per
// process: a second Stdin is ErrStdinTwice, never empty data.
func ReadUserInput(name string, limit int64) ([]byte, error) {
	if name == Stdin {
		if stdinRead.Swap(true) {
			return nil, ErrStdinTwice
		}
		return ReadStdin(os.Stdin, limit)
	}
	return ReadUserFile(name, limit)
}

// ReadStdin reads r, a standard input, to its end: at most limit bytes
// (no limit when limit <= 0), read no further than limit+1, so a larger
// input is a *TooLargeError (Grew, as its size is not known before) and
// not read to its end. Errors name it StdinName.
func ReadStdin(r io.Reader, limit int64) ([]byte, error) {
	if limit > 0 {
		r = io.LimitReader(r, limit+1)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: StdinName, Err: err}
	}
	if limit > 0 && int64(len(data)) > limit {
		return nil, &TooLargeError{Name: StdinName, Size: int64(len(data)), Limit: limit, Grew: true}
	}
	return data, nil
}

// Open resolves name as Resolve does and opens it for a reader that
// streams it and bounds it itself (a CSV of actuals): a regular file,
// checked before it is opened so that a FIFO never blocks. Errors are an
// *OutsideError, a *NotRegularError or an *fs.PathError naming the path by
// name (op "open").
func Open(root, dir, name string) (*os.File, error) {
	real, err := Resolve(root, dir, name)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return nil, renamed(err, "open", name)
		}
		return nil, err
	}
	f, _, err := openOS(real, name)
	if err != nil {
		return nil, osRenamed(err, "open", name)
	}
	return f.(*os.File), nil
}

// ReadFS reads name from fsys: a regular file of at most limit bytes (no
// limit when limit <= 0). The file is checked before it is opened, so a
// FIFO or device never blocks the reader, checked again once open, and
// read no further than limit+1 bytes, so a file that grows while it is
// read is refused too. Confinement is fsys's (os.Root.FS, os.DirFS of a
// Root path resolved with Resolve). Errors are a *NotRegularError, a
// *TooLargeError, or the error fsys returned, as it returned it.
func ReadFS(fsys fs.FS, name string, limit int64) ([]byte, error) {
	f, st, err := openRegular(name, func() (fs.FileInfo, error) { return fs.Stat(fsys, name) }, func() (fs.File, error) { return fsys.Open(name) })
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readBounded(f, st, name, limit)
}

// NotRegularError is returned for a path that is a directory, a FIFO, a
// device or a socket rather than a regular file.
type NotRegularError struct {
	// Name is the path as the caller named it.
	Name string
	// Mode is the file's mode; Mode.IsDir() for a directory.
	Mode fs.FileMode
}

// Reason says what the path is instead of a file, without naming it.
func (e *NotRegularError) Reason() string {
	if e.Mode.IsDir() {
		return "is a directory, not a file"
	}
	return fmt.Sprintf("not a regular file (%v)", e.Mode.Type())
}

func (e *NotRegularError) Error() string { return "read " + e.Name + ": " + e.Reason() }

// TooLargeError is returned for a file larger than the reader's limit.
type TooLargeError struct {
	// Name is the path as the caller named it.
	Name string
	// Size is the file's size in bytes as far as it is known: the size the
	// file system reported, or, when the file grew past Limit while it was
	// read (Grew), the Limit+1 bytes read before the reader stopped.
	Size int64
	// Limit is the largest size allowed, in bytes.
	Limit int64
	// Grew is true when the file system reported at most Limit bytes and
	// reading found more: Size is then a lower bound.
	Grew bool
}

// Reason says how large the file is against what, without naming it.
func (e *TooLargeError) Reason() string { return fmt.Sprintf("larger than %d bytes", e.Limit) }

func (e *TooLargeError) Error() string { return "read " + e.Name + ": " + e.Reason() }

// openRegular stats name, opens it if it is a regular file, and checks the
// open file again (it may have been replaced in between). It returns the
// open file and its FileInfo; errors from stat and open come back as
// they were.
func openRegular(name string, stat func() (fs.FileInfo, error), open func() (fs.File, error)) (fs.File, fs.FileInfo, error) {
	// Stat before Open: opening a FIFO for reading blocks until a writer
	// comes, so a named pipe must be refused without opening it.
	st, err := stat()
	if err != nil {
		return nil, nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, nil, &NotRegularError{Name: name, Mode: st.Mode()}
	}
	f, err := open()
	if err != nil {
		return nil, nil, err
	}
	if st, err = f.Stat(); err != nil {
		f.Close()
		return nil, nil, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, nil, &NotRegularError{Name: name, Mode: st.Mode()}
	}
	return f, st, nil
}

// openOS is openRegular for the system path p.
func openOS(p, name string) (fs.File, fs.FileInfo, error) {
	return openRegular(name, func() (fs.FileInfo, error) { return os.Stat(p) }, func() (fs.File, error) { return os.Open(p) })
}

// readBounded reads the open regular file f (st its FileInfo) within limit.
func readBounded(f fs.File, st fs.FileInfo, name string, limit int64) ([]byte, error) {
	if limit > 0 && st.Size() > limit {
		return nil, &TooLargeError{Name: name, Size: st.Size(), Limit: limit}
	}
	var r io.Reader = f
	if limit > 0 {
		r = io.LimitReader(f, limit+1)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	if limit > 0 && int64(len(data)) > limit {
		return nil, &TooLargeError{Name: name, Size: int64(len(data)), Limit: limit, Grew: true}
	}
	return data, nil
}

// readRegular reads the regular file at the system path p, named name in
// errors.
func readRegular(p, name string, limit int64) ([]byte, error) {
	f, st, err := openOS(p, name)
	if err != nil {
		return nil, osRenamed(err, "read", name)
	}
	defer f.Close()
	data, err := readBounded(f, st, name, limit)
	if err != nil {
		return nil, osRenamed(err, "read", name)
	}
	return data, nil
}

// osRenamed is renamed for the errors of the system calls, leaving the
// typed errors of this package as they are.
func osRenamed(err error, op, name string) error {
	var nr *NotRegularError
	var tl *TooLargeError
	if errors.As(err, &nr) || errors.As(err, &tl) {
		return err
	}
	return renamed(err, op, name)
}

// Reason is what went wrong with a path, without naming it: for callers
// that name the path themselves ("load plan p.json: no such file or
// directory").
func Reason(err error) string {
	var r interface{ Reason() string } // *OutsideError, *NotRegularError, *TooLargeError
	if errors.As(err, &r) {
		return r.Reason()
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
