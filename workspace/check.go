package workspace

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/capcheck/capcheck/evaluator"
	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/policies"
	"github.com/capcheck/capcheck/report"
	"github.com/capcheck/capcheck/schema"
)

// Policy says how a result is judged: extra policy directories (relative
// to the working directory), the time limit and the rule ids whose
// soft-mandatory denies are overridden.
type Policy struct {
	Dirs      []string
	Timeout   time.Duration
	Overrides []string
}

// CheckOptions are the inputs of [Check] besides the tree itself.
type CheckOptions struct {
	Load Options
	Now  time.Time
	Policy
	// Base is a checkout of the base branch; CompareTo a saved JSON
	// result used as the base. At most one is set.
	Base, CompareTo string
	// Override verifies the trusted configuration's override label
	// through the GitHub API (nil: no verification).
	Override *GitHubOverride
	// Log receives the notes a user should read (stderr).
	Log io.Writer
}

// Check loads, evaluates and judges the repository at root, with the base
// side (a checkout or a saved result) when asked.
//
// The trusted side: in a diff against a base checkout, configuration,
// catalog, policies, thresholds and exceptions come from the base, so a PR
// cannot relax its own checks. The head tree is read with the base's
// capcheck.yaml (plan globs, Terraform directories, excludes, variables,
// plan files) and catalog, its plans are judged with the base's settings,
// and the head's own configuration and trusted files are compared with
// the base's: each difference is reported by CAP014 and applies only after
// merge. A saved result (CompareTo) carries no configuration, so there
// only plan settings are trusted; the head's capcheck.yaml, catalog and
// policy files are used and a note on Log says so. Every error of the
// base checkout says so (see inBase).
func Check(ctx context.Context, root string, opts CheckOptions) (*report.Check, []policies.Rule, error) {
	var (
		head, trusted *Workspace
		baseDoc       *evaluator.Document
		changes       []evaluator.ConfigChange
		err           error
	)
	switch {
	case opts.Base != "":
		// --plan-json is the plan of the tree at PATH (the head): the
		// base is read from its own Terraform, or from the plan files its
		// capcheck.yaml names.
		baseLoad := opts.Load
		baseLoad.PlanJSON = nil
		if trusted, err = Load(ctx, opts.Base, baseLoad); err != nil {
			return nil, nil, inBase(opts.Base, err)
		}
		if head, changes, err = loadHeadTrusted(ctx, root, trusted, opts.Load); err != nil {
			return nil, nil, err
		}
		if baseDoc, err = trusted.evaluate(trusted.Plans, opts.Now); err != nil {
			return nil, nil, inBase(opts.Base, err)
		}
	case opts.CompareTo != "":
		if baseDoc, err = readSavedDocument(opts.CompareTo); err != nil {
			return nil, nil, err
		}
		fmt.Fprintln(opts.Log, "capcheck: --compare-to: plan thresholds and exceptions come from the saved base result; capcheck.yaml, the catalog and policy files are the head's own (use --base DIR to take them from the base checkout)")
		fallthrough
	default:
		if head, err = Load(ctx, root, opts.Load); err != nil {
			return nil, nil, err
		}
		trusted = head
	}

	if err := head.requireSomething(); err != nil {
		return nil, nil, err
	}
	headPlans := head.Plans
	if baseDoc != nil {
		headPlans = evaluator.ApplyTrusted(head.Plans, baseDoc)
	}
	headDoc, err := head.evaluate(headPlans, opts.Now)
	if err != nil {
		return nil, nil, err
	}
	if baseDoc != nil {
		evaluator.MarkProposed(headDoc, head.Plans)
		baseDoc.Base = nil
		baseDoc.ConfigChanges = nil
		headDoc.Base = baseDoc
		headDoc.ConfigChanges = changes
	}
	return trusted.judgeOverride(ctx, opts, headDoc, opts.Base != "")
}

// evaluate runs the capacity model over plans (the workspace's own, or
// them with the trusted settings applied) and the workspace's inventory.
func (ws *Workspace) evaluate(plans []*schema.Plan, now time.Time) (*evaluator.Document, error) {
	in, err := ws.Input(plans, now)
	if err != nil {
		return nil, err
	}
	return evaluator.Evaluate(in)
}

// Input is the evaluator's input for plans (the workspace's own, or them
// with the trusted settings applied) at now: the workspace's inventory
// and catalog, and the trends fitted from the plans' actuals.
func (ws *Workspace) Input(plans []*schema.Plan, now time.Time) (evaluator.Input, error) {
	trends, err := ws.fitTrends(plans, now)
	if err != nil {
		return evaluator.Input{}, err
	}
	return evaluator.Input{
		Plans:     plans,
		Inventory: ws.Inventory,
		GPUs:      ws.Catalog,
		Now:       now,
		Trends:    trends,
	}, nil
}

// readSavedDocument reads the policy input document of a saved JSON result.
func readSavedDocument(file string) (*evaluator.Document, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("read --compare-to: %w", err)
	}
	defer f.Close()
	saved, err := report.ReadCheck(f)
	if err != nil {
		return nil, fmt.Errorf("read --compare-to %s: not a saved `capcheck check --format json` result: %w", file, err)
	}
	if saved.Document == nil {
		return nil, fmt.Errorf("read --compare-to %s: the result has no document (save it with `capcheck check --format json`)", file)
	}
	return saved.Document, nil
}

// engine compiles the built-in policies, the workspace's configured policy
// directories (relative to its root) and extra directories (relative to
// the working directory), with the workspace's enforcement configuration:
// once per run. base says the workspace is the base checkout of a diff:
// a problem in its policy files is then reported as the base's.
func (ws *Workspace) engine(ctx context.Context, p Policy, base bool) (*policies.Engine, error) {
	dirs := append([]string{}, ws.Config.Policies...)
	for _, d := range p.Dirs {
		abs, err := filepath.Abs(d)
		if err != nil {
			return nil, fmt.Errorf("--policy %s: %w", d, err)
		}
		dirs = append(dirs, abs)
	}
	e, err := policies.New(ctx, policies.Options{
		Root:        ws.Root,
		Dirs:        dirs,
		Enforcement: ws.Config.Enforcement,
		Existing:    ws.Config.Existing,
		Timeout:     p.Timeout,
	})
	if err != nil && base {
		return nil, inBasePolicies(ws.Root, dirs[len(ws.Config.Policies):], err)
	}
	return e, err
}

// inBasePolicies marks the problems of the base checkout's own policy
// files as the base's (see inBase). Built-in modules ("capcheck:…") and
// --policy directories outside the checkout (named by absolute path, in
// extra) belong to no tree and stay unmarked.
func inBasePolicies(dir string, extra []string, err error) error {
	var ds diag.Diagnostics
	if !errors.As(err, &ds) {
		for _, d := range extra {
			if strings.Contains(err.Error(), d) {
				return err
			}
		}
		return inBase(dir, err)
	}
	out := make(diag.Diagnostics, len(ds))
	for i, d := range ds {
		if f := d.Pos.File; f != "" && !strings.HasPrefix(f, "capcheck:") && !path.IsAbs(f) && !filepath.IsAbs(f) {
			d.Tree = TreeBase
		}
		out[i] = d
	}
	return out
}

// judge evaluates doc with a compiled engine. A figure the model computed
// as NaN or ±Inf is an error at what it came from, before the policies
// (whose input is JSON) or any output could see it.
func judge(ctx context.Context, engine *policies.Engine, doc *evaluator.Document, overrides []string) (*report.Check, error) {
	if err := doc.CheckFinite(); err != nil {
		return nil, err
	}
	res, err := engine.Eval(ctx, doc, overrides)
	if err != nil {
		return nil, err
	}
	return report.NewCheck(doc, res), nil
}
