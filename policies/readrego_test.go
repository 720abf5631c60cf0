package policies

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/capcheck/capcheck/internal/testkit"
)

// TestUserSourcesConfined: a policy directory inside the repository is
// read through repopath: a .rego link leading out of the checkout is
// refused (before, os.ReadFile followed it, so a pull request could have
// the engine compile, or quote in a parse error, any file the runner can
// read), and a FIFO is refused unopened (before, the read blocked for
// ever). A --policy directory outside the repository is the user's own
// and is read as it is.
func TestUserSourcesConfined(t *testing.T) {
	const rego = "package capcheck.custom\n\nx := 1\n"
	top := t.TempDir()
	testkit.WriteFiles(t, top, map[string]string{
		"repo/policies/ok.rego": rego,
		"repo/pipe/ok.rego":     rego,
		"outside/secret.rego":   rego,
		"mine/mine.rego":        rego,
	})
	repo := filepath.Join(top, "repo")
	if err := os.Mkdir(filepath.Join(repo, "linked"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../../outside/secret.rego", filepath.Join(repo, "linked", "secret.rego")); err != nil {
		testkit.SkipOrFailf(t, "symlinks unavailable: %v", err)
	}
	if err := syscall.Mkfifo(filepath.Join(repo, "pipe", "pipe.rego"), 0o644); err != nil {
		testkit.SkipOrFailf(t, "mkfifo unavailable: %v", err)
	}
	tests := []struct {
		dir  string
		want string // the error, or "" for the file names read
		read []string
	}{
		{dir: "policies", read: []string{"policies/ok.rego"}},
		{dir: "linked", want: "read policy directory linked: linked/secret.rego resolves outside the repository"},
		{dir: "pipe", want: "read policy directory pipe: read pipe/pipe.rego: not a regular file (p---------)"},
		{dir: filepath.Join(top, "mine"), read: []string{filepath.ToSlash(filepath.Join(top, "mine", "mine.rego"))}},
	}
	for _, tc := range tests {
		t.Run(filepath.Base(tc.dir), func(t *testing.T) {
			srcs, err := userSources(repo, []string{tc.dir})
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tc.want {
				t.Fatalf("userSources(%s) error = %q, want %q", tc.dir, got, tc.want)
			}
			var names []string
			for _, s := range srcs {
				names = append(names, s.Name)
			}
			if tc.want == "" && (len(names) != len(tc.read) || names[0] != tc.read[0]) {
				t.Errorf("userSources(%s) read %q, want %q", tc.dir, names, tc.read)
			}
		})
	}
	// The engine refuses the same way: New reads through userSources.
	if _, err := New(context.Background(), Options{Root: repo, Dirs: []string{"linked"}}); err == nil {
		t.Error("New compiled a policy linked from outside the repository")
	}
}
