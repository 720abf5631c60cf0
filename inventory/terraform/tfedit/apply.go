package tfedit

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/rogpeppe/go-internal/diff"

	"github.com/capcheck/capcheck/internal/repopath"
)

// Edit is the planned change of some files; nothing is written until
// Apply.
type Edit struct {
	root  string
	files []fileEdit
	// planSplices are the plan edits by file, at offsets of the file as
	// read.
	planSplices map[string][]splice
	// created are the addresses of the blocks added, by pool.
	created map[string][]string
}

// Created are the addresses of the resource blocks the edit adds for
// pool (new reservations and capacity blocks, in the order of its
// changes): what the pool's `reservations:` must claim. A change made by
// raising a count or adding a for_each key adds no address.
func (ed *Edit) Created(pool string) []string {
	return slices.Clone(ed.created[pool])
}

// statMode is a file's permission bits.
func statMode(real string) (fs.FileMode, error) {
	st, err := os.Stat(real)
	if err != nil {
		return 0, err
	}
	return st.Mode().Perm(), nil
}

type fileEdit struct {
	rel, real string
	old, new  []byte
	mode      fs.FileMode
}

// Files are the files the edit changes, relative to the repository, in
// order.
func (ed *Edit) Files() []string {
	var out []string
	for _, f := range ed.files {
		out = append(out, f.rel)
	}
	return out
}

// Diff is the edit as a unified diff (a/FILE → b/FILE, three lines of
// context), empty when nothing changes.
func (ed *Edit) Diff() []byte {
	var out bytes.Buffer
	for _, f := range ed.files {
		out.Write(diff.Diff("a/"+f.rel, f.old, "b/"+f.rel, f.new))
	}
	return out.Bytes()
}

// Apply writes the edit: every file is read again first and, when one is
// no longer what was read, nothing is written; then each is written to a
// temporary file beside it and renamed over it (its mode kept).
func (ed *Edit) Apply() error {
	for _, f := range ed.files {
		now, err := repopath.ReadFile(ed.root, ed.root, filepath.FromSlash(f.rel), maxFile)
		if err != nil {
			return fmt.Errorf("suggest --apply: %w", err)
		}
		if !bytes.Equal(now, f.old) {
			return fmt.Errorf("suggest --apply: %s changed since it was read; nothing was written: run capcheck suggest again", f.rel)
		}
		real, err := repopath.Resolve(ed.root, ed.root, filepath.FromSlash(f.rel))
		if err != nil {
			return fmt.Errorf("suggest --apply: %w", err)
		}
		if real != f.real {
			return fmt.Errorf("suggest --apply: %s now resolves elsewhere; nothing was written: run capcheck suggest again", f.rel)
		}
	}
	for _, f := range ed.files {
		if err := writeAtomic(f); err != nil {
			return fmt.Errorf("suggest --apply: write %s: %s", f.rel, repopath.Reason(err))
		}
	}
	return nil
}

func writeAtomic(f fileEdit) error {
	tmp, err := os.CreateTemp(filepath.Dir(f.real), "."+filepath.Base(f.real)+".capcheck-*")
	if err != nil {
		return err
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(f.new); err != nil {
		return err
	}
	if err := tmp.Chmod(f.mode); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), f.real); err != nil {
		return err
	}
	done = true
	return nil
}
