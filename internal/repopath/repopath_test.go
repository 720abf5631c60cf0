package repopath

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"testing/fstest"

	"github.com/capcheck/capcheck/internal/testkit"
)

// TestResolve: one rule for every path the repository names. Inside as
// written and as resolved is allowed; outside as written is refused
// without looking; outside through a link is refused once resolved.
func TestResolve(t *testing.T) {
	top := t.TempDir()
	repo := filepath.Join(top, "repo")
	for _, f := range []string{"repo/a/plan.json", "outside.json"} {
		p := filepath.Join(top, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("{}"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for link, target := range map[string]string{"in.json": "a/plan.json", "out.json": "../outside.json", "a/up": ".."} {
		if err := os.Symlink(target, filepath.Join(repo, filepath.FromSlash(link))); err != nil {
			testkit.SkipOrFailf(t, "symlinks unavailable: %v", err)
		}
	}
	root, err := Root(repo)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, dir, path string
		want            string // slash path relative to root, or the error
	}{
		{name: "plain", dir: root, path: "a/plan.json", want: "a/plan.json"},
		{name: "relative to a directory", dir: filepath.Join(root, "a"), path: "plan.json", want: "a/plan.json"},
		{name: "link inside", dir: root, path: "in.json", want: "a/plan.json"},
		{name: "dot-dot staying inside", dir: filepath.Join(root, "a"), path: "../in.json", want: "a/plan.json"},
		{name: "directory link inside", dir: root, path: "a/up/a/plan.json", want: "a/plan.json"},
		{name: "dot-dot leaving", dir: root, path: "../outside.json", want: "../outside.json is outside the repository"},
		{name: "absolute outside", dir: root, path: filepath.Join(top, "outside.json"), want: filepath.Join(top, "outside.json") + " is outside the repository"},
		{name: "link leaving", dir: root, path: "out.json", want: "out.json resolves outside the repository"},
		{name: "missing", dir: root, path: "a/nope.json", want: "resolve a/nope.json: no such file or directory"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			real, err := Resolve(root, tc.dir, tc.path)
			got := ""
			if err != nil {
				got = err.Error()
			} else if rel, rerr := filepath.Rel(root, real); rerr == nil {
				got = filepath.ToSlash(rel)
			}
			if got != tc.want {
				t.Errorf("Resolve(%q) = %q, want %q", tc.path, got, tc.want)
			}
		})
	}
	if _, err := Resolve(root, root, "out.json"); Reason(err) != "resolves outside the repository" {
		t.Errorf("Reason = %q", Reason(err))
	}
	if _, err := Resolve(root, root, "a/nope.json"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file error %v does not match fs.ErrNotExist", err)
	}
}

// TestReadFile: only regular files within the limit are read.
func TestReadFile(t *testing.T) {
	root, err := Root(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "big"), make([]byte, 11), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(root, "dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		limit int64
		want  string
	}{
		{"big", 10, "read big: larger than 10 bytes"},
		{"big", 0, ""},
		{"dir", 0, "read dir: is a directory, not a file"},
	}
	for _, tc := range tests {
		_, err := ReadFile(root, root, tc.name, tc.limit)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tc.want {
			t.Errorf("ReadFile(%q, %d) error = %q, want %q", tc.name, tc.limit, got, tc.want)
		}
	}
}

// TestReaders: the one bounded reader, through each of its doors (ReadFS
// over an fs.FS, ReadFile confined to the root, ReadUserFile, Open). At
// the limit: a file of exactly limit bytes is read, limit+1 is refused; a
// symbolic link leaving the root, a directory and a FIFO are refused, the
// FIFO without being opened (the test would hang otherwise).
func TestReaders(t *testing.T) {
	top := t.TempDir()
	repo := filepath.Join(top, "repo")
	if err := os.MkdirAll(filepath.Join(repo, "dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	// limit is 10: "ten" holds 10 bytes, "eleven" 11.
	for name, data := range map[string]string{"repo/ten": "0123456789", "repo/eleven": "0123456789a", "outside": "secret"} {
		if err := os.WriteFile(filepath.Join(top, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("../outside", filepath.Join(repo, "out")); err != nil {
		testkit.SkipOrFailf(t, "symlinks unavailable: %v", err)
	}
	if err := syscall.Mkfifo(filepath.Join(repo, "pipe"), 0o644); err != nil {
		testkit.SkipOrFailf(t, "mkfifo unavailable: %v", err)
	}
	root, err := Root(repo)
	if err != nil {
		t.Fatal(err)
	}
	osRoot, err := os.OpenRoot(root)
	if err != nil {
		t.Fatal(err)
	}
	defer osRoot.Close()
	const limit = 10
	readers := map[string]func(name string) ([]byte, error){
		"ReadFS":   func(name string) ([]byte, error) { return ReadFS(osRoot.FS(), name, limit) },
		"ReadFile": func(name string) ([]byte, error) { return ReadFile(root, root, name, limit) },
		"ReadUserFile": func(name string) ([]byte, error) {
			return ReadUserFile(filepath.Join(root, name), limit)
		},
		"Open": func(name string) ([]byte, error) {
			f, err := Open(root, root, name)
			if err != nil {
				return nil, err
			}
			defer f.Close()
			return io.ReadAll(f)
		},
	}
	tests := []struct {
		name string
		want string // the data read, or the error's Reason
		// typed is the *NotRegularError or *TooLargeError expected.
		typed error
		// only lists the readers the case holds for ("" for all).
		only string
	}{
		{name: "ten", want: "0123456789"},
		{name: "eleven", want: "larger than 10 bytes", typed: &TooLargeError{Size: 11, Limit: 10}, only: "ReadFS ReadFile ReadUserFile"},
		{name: "eleven", want: "0123456789a", only: "Open"}, // Open's caller bounds the stream
		{name: "dir", want: "is a directory, not a file", typed: &NotRegularError{Mode: fs.ModeDir | 0o755}},
		{name: "pipe", want: "not a regular file (p---------)", typed: &NotRegularError{Mode: fs.ModeNamedPipe | 0o644}},
		{name: "out", want: "resolves outside the repository", only: "ReadFile Open"},
		{name: "out", want: "path escapes from parent", only: "ReadFS"}, // os.Root's own refusal
	}
	for _, tc := range tests {
		for rname, read := range readers {
			if tc.only != "" && !strings.Contains(" "+tc.only+" ", " "+rname+" ") {
				continue
			}
			t.Run(rname+"/"+tc.name, func(t *testing.T) {
				data, err := read(tc.name)
				got := string(data)
				if err != nil {
					got = Reason(err)
				}
				if got != tc.want {
					t.Errorf("%s(%q) = %q, want %q", rname, tc.name, got, tc.want)
				}
				switch want := tc.typed.(type) {
				case *TooLargeError:
					var e *TooLargeError
					if !errors.As(err, &e) || e.Size != want.Size || e.Limit != want.Limit || e.Grew || !strings.HasSuffix(e.Name, tc.name) {
						t.Errorf("error %#v, want a *TooLargeError of %d bytes, limit %d, naming %s", err, want.Size, want.Limit, tc.name)
					}
				case *NotRegularError:
					var e *NotRegularError
					if !errors.As(err, &e) || e.Mode.Type() != want.Mode.Type() || !strings.HasSuffix(e.Name, tc.name) {
						t.Errorf("error %#v, want a *NotRegularError of mode %v naming %s", err, want.Mode.Type(), tc.name)
					}
				}
			})
		}
	}
	// Errors name the path as the caller named it, never its absolute form.
	if _, err := ReadFile(root, root, "eleven", limit); err == nil || err.Error() != "read eleven: larger than 10 bytes" {
		t.Errorf("ReadFile(eleven) error = %v", err)
	}
	if _, err := Open(root, root, "missing"); err == nil || err.Error() != "open missing: no such file or directory" || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Open(missing) error = %v, want open missing: no such file or directory", err)
	}
}

// TestReadFSGrew: a file whose size the file system reports within the
// limit but which holds more (it grew between stat and read, or it is a
// /proc-like file reporting 0) is refused once limit+1 bytes are read.
func TestReadFSGrew(t *testing.T) {
	fsys := shrunkFS{fstest.MapFS{"f": {Data: []byte("0123456789a")}}} // 11 bytes, reported as 0
	_, err := ReadFS(fsys, "f", 10)
	var e *TooLargeError
	if !errors.As(err, &e) || *e != (TooLargeError{Name: "f", Size: 11, Limit: 10, Grew: true}) {
		t.Fatalf("ReadFS = %#v, want a *TooLargeError that grew to 11 > 10 bytes", err)
	}
	if data, err := ReadFS(fsys, "f", 11); err != nil || string(data) != "0123456789a" {
		t.Errorf("ReadFS(limit 11) = %q, %v; want the 11 bytes", data, err)
	}
	if data, err := ReadFS(fsys, "f", 0); err != nil || len(data) != 11 {
		t.Errorf("ReadFS(no limit) = %q, %v; want the 11 bytes", data, err)
	}
	if _, err := ReadFS(fsys, "nope", 10); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadFS(nope) = %v, want fsys's not-exist error as it is", err)
	}
}

// shrunkFS reports every file as empty, in Stat and once open.
type shrunkFS struct{ fstest.MapFS }

func (s shrunkFS) Open(name string) (fs.File, error) {
	f, err := s.MapFS.Open(name)
	if err != nil {
		return nil, err
	}
	return shrunkFile{f}, nil
}

func (s shrunkFS) Stat(name string) (fs.FileInfo, error) {
	fi, err := s.MapFS.Stat(name)
	if err != nil {
		return nil, err
	}
	return shrunkInfo{fi}, nil
}

type shrunkFile struct{ fs.File }

func (f shrunkFile) Stat() (fs.FileInfo, error) {
	fi, err := f.File.Stat()
	if err != nil {
		return nil, err
	}
	return shrunkInfo{fi}, nil
}

type shrunkInfo struct{ fs.FileInfo }

func (shrunkInfo) Size() int64 { return 0 }

// TestReadStdin: standard input is read within the limit like a file, a
// larger one is a *TooLargeError naming <stdin> after limit+1 bytes, and
// UserName names "-" <stdin>.
func TestReadStdin(t *testing.T) {
	data, err := ReadStdin(strings.NewReader("a,b\n1,2\n"), 8)
	if err != nil || string(data) != "a,b\n1,2\n" {
		t.Fatalf("8 bytes within 8: %q, %v", data, err)
	}
	r := &countingReader{r: strings.NewReader(strings.Repeat("x", 100))}
	_, err = ReadStdin(r, 8)
	var tl *TooLargeError
	if !errors.As(err, &tl) || tl.Name != "<stdin>" || tl.Limit != 8 || !tl.Grew || tl.Size != 9 {
		t.Fatalf("100 bytes within 8: %#v, want a TooLargeError of <stdin> after 9 bytes", err)
	}
	if r.n != 9 {
		t.Errorf("read %d bytes of 100, want limit+1 = 9", r.n)
	}
	if got := err.Error(); got != "read <stdin>: larger than 8 bytes" {
		t.Errorf("error %q", got)
	}
	if data, err := ReadStdin(strings.NewReader(strings.Repeat("x", 100)), 0); err != nil || len(data) != 100 {
		t.Errorf("no limit: %d bytes, %v", len(data), err)
	}
	if UserName("-") != "<stdin>" || UserName("a/b.csv") != "a/b.csv" {
		t.Errorf("UserName: %q %q", UserName("-"), UserName("a/b.csv"))
	}
}

// TestReadUserInputStdinOnce: the process's standard input is read by
// the first "-" (here a file of 3 bytes standing in for it); a second "-"
// is ErrStdinTwice with no data, never an empty read.
func TestReadUserInputStdinOnce(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "stdin")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("a,b"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	saved, was := os.Stdin, stdinRead.Load()
	os.Stdin = f
	stdinRead.Store(false)
	t.Cleanup(func() { os.Stdin = saved; stdinRead.Store(was); f.Close() })
	if data, err := ReadUserInput(Stdin, 0); err != nil || string(data) != "a,b" {
		t.Fatalf("first -: %q, %v; want \"a,b\"", data, err)
	}
	data, err := ReadUserInput(Stdin, 0)
	if !errors.Is(err, ErrStdinTwice) || data != nil {
		t.Fatalf("second -: %q, %v; want ErrStdinTwice", data, err)
	}
	if got := err.Error(); got != "standard input (-) can be read once per run" {
		t.Errorf("error %q", got)
	}
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}
