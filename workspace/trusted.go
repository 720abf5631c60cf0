package workspace

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"

	"github.com/capcheck/capcheck/evaluator"
	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/policies"
	"github.com/capcheck/capcheck/schema"
)

// TreeBase names the base checkout of a PR diff in diagnostics
// (diag.Diagnostic.Tree).
const TreeBase = "base"

// inBase marks err as coming from the base checkout at dir: every
// positioned diagnostic gets Tree "base" (printed "base: file:line:col:
// …"), any other error is wrapped "base DIR: …". Every error of the base
// tree goes through it, so none prints as if it were in the PR's tree.
func inBase(dir string, err error) error {
	if err == nil {
		return nil
	}
	var ds diag.Diagnostics
	if errors.As(err, &ds) {
		out := make(diag.Diagnostics, len(ds))
		for i, d := range ds {
			d.Tree = TreeBase
			out[i] = d
		}
		return out
	}
	return fmt.Errorf("base %s: %w", dir, err)
}

// loadHeadTrusted reads the head tree at root with the base workspace's
// configuration and catalog, and lists how the head's own configuration
// and trusted files differ from the base's. The head's own capcheck.yaml
// must still be valid: after merge it is the one in force.
func loadHeadTrusted(ctx context.Context, root string, base *Workspace, opts Options) (*Workspace, []evaluator.ConfigChange, error) {
	if err := isDir(root); err != nil {
		return nil, nil, err
	}
	own, err := loadConfig(root, opts.Config)
	if err != nil {
		return nil, nil, err
	}
	head, err := loadTree(ctx, root, base.Config, base.Catalog, opts)
	if err != nil {
		return nil, nil, err
	}
	baseFiles, err := trustedFiles(base.Root, base.Config, own)
	if err != nil {
		return nil, nil, inBase(base.Root, err)
	}
	headFiles, err := trustedFiles(root, base.Config, own)
	if err != nil {
		return nil, nil, err
	}
	changes := evaluator.ConfigChanges(
		evaluator.ConfigSide{Config: base.Config, Files: baseFiles},
		evaluator.ConfigSide{Config: own, Files: headFiles},
	)
	return head, changes, nil
}

// trustedFiles reads, under root, the files the configurations name whose
// contents steer a check: the catalog file and the Rego files the policy
// engine compiles from the policy directories (policies.WalkRego, tests
// left out), keyed by slash path relative to root. A file or directory
// missing under root is left out; a symbolic link is recorded by its
// target, never followed, so nothing outside root is read.
func trustedFiles(root string, cfgs ...*schema.Config) (map[string][]byte, error) {
	out := map[string][]byte{}
	read := func(rel string, d fs.DirEntry) error {
		p := filepath.Join(root, filepath.FromSlash(rel))
		if d.Type()&fs.ModeSymlink != 0 {
			target, err := os.Readlink(p)
			if err != nil {
				return fmt.Errorf("read %s: %w", rel, err)
			}
			out[rel] = []byte("symlink -> " + target)
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return fmt.Errorf("read %s: %w", rel, err)
		}
		out[rel] = data
		return nil
	}
	for _, cfg := range cfgs {
		if cfg == nil {
			continue
		}
		if cfg.Catalog != "" {
			rel := path.Clean(cfg.Catalog)
			info, err := os.Lstat(filepath.Join(root, filepath.FromSlash(rel)))
			switch {
			case errors.Is(err, fs.ErrNotExist):
			case err != nil:
				return nil, fmt.Errorf("read %s: %w", rel, err)
			default:
				if err := read(rel, fs.FileInfoToDirEntry(info)); err != nil {
					return nil, err
				}
			}
		}
		for _, dir := range cfg.Policies {
			dir = path.Clean(dir)
			top := filepath.Join(root, filepath.FromSlash(dir))
			if info, err := os.Lstat(top); err != nil || !info.IsDir() {
				if err != nil && !errors.Is(err, fs.ErrNotExist) {
					return nil, fmt.Errorf("read %s: %w", dir, err)
				}
				continue
			}
			err := policies.WalkRego(top, func(p string, d fs.DirEntry) error {
				if policies.IsTest(d.Name()) {
					return nil
				}
				rel, err := filepath.Rel(root, p)
				if err != nil {
					return err
				}
				return read(filepath.ToSlash(rel), d)
			})
			if err != nil {
				return nil, fmt.Errorf("read policy directory %s: %w", dir, err)
			}
		}
	}
	return out, nil
}
