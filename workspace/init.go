package workspace

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// InitOptions are the inputs of [Init] besides the tree itself.
type InitOptions struct {
	Load        Options
	Name, Owner string
	Today       time.Time // the plan's reviewed date
	Out         string    // file to write, never overwritten ("": the caller prints Plan)
}

// Initialized is what [Init] did.
type Initialized struct {
	Plan  []byte // nil when there was nothing to scaffold (Why says why)
	Pools int
	Why   string
	// Unread is true when Out was written where check does not read
	// plans (not under capacity/, not in capcheck.yaml's plans:).
	Unread bool
}

// FileExistsError is InitOptions.Out naming a file that exists: init
// never overwrites a plan.
type FileExistsError struct{ File string }

func (e *FileExistsError) Error() string {
	return fmt.Sprintf("%s exists and capcheck init never overwrites a plan; choose another --out, or omit it to print to stdout", e.File)
}

// Init is `capcheck init`: it scaffolds a plan for the guaranteed
// reservations under root that no plan claims ([Workspace.Scaffold]) and
// writes it to opts.Out, which must not exist (checked before anything is
// read).
func Init(ctx context.Context, root string, opts InitOptions) (Initialized, error) {
	if opts.Out != "" {
		if _, err := os.Lstat(opts.Out); err == nil {
			return Initialized{}, &FileExistsError{File: opts.Out}
		} else if !errors.Is(err, fs.ErrNotExist) {
			return Initialized{}, fmt.Errorf("check --out: %w", err)
		}
	}
	ws, err := Load(ctx, root, opts.Load)
	if err != nil {
		return Initialized{}, err
	}
	var res Initialized
	res.Plan, res.Pools, res.Why, err = ws.Scaffold(opts.Name, opts.Owner, opts.Today)
	if err != nil || res.Plan == nil || opts.Out == "" {
		return res, err
	}
	if err := os.MkdirAll(filepath.Dir(opts.Out), 0o755); err != nil {
		return res, fmt.Errorf("write plan: %w", err)
	}
	if err := os.WriteFile(opts.Out, res.Plan, 0o644); err != nil {
		return res, fmt.Errorf("write plan: %w", err)
	}
	res.Unread = !ws.ReadsAsPlan(opts.Out)
	return res, nil
}
