package workspace

import (
	"cmp"
	"context"
	"errors"
	"fmt"

	"github.com/capcheck/capcheck/action"
	"github.com/capcheck/capcheck/evaluator"
	"github.com/capcheck/capcheck/policies"
	"github.com/capcheck/capcheck/report"
	"github.com/capcheck/capcheck/schema"
)

// GitHubOverride asks a check to verify the trusted configuration's
// override label through the GitHub API (docs/ARCHITECTURE.md,
// "Policies"): when the label is on the pull request, applied last by an
// active member of one of the override teams, every soft-mandatory deny
// is overridden.
type GitHubOverride struct {
	TokenEnv string              // variable holding the token
	Repo     string              // owner/name (default: $GITHUB_REPOSITORY, else the event's)
	Getenv   func(string) string // the process environment
}

// overrideRequest is a pull request whose override label is to be
// verified.
type overrideRequest struct {
	cfg               *schema.Override
	token, apiURL     string
	repo, owner, name string
	number            int
}

// request reads what the verification needs from the environment. It is
// nil when the trusted configuration has no override section; a missing
// token, repository or pull request number is an error, since the check
// was asked for.
func (g *GitHubOverride) request(cfg *schema.Config) (*overrideRequest, error) {
	if g == nil || cfg == nil || cfg.Override == nil {
		return nil, nil
	}
	r := &overrideRequest{cfg: cfg.Override}
	if r.token = g.Getenv(g.TokenEnv); r.token == "" {
		return nil, fmt.Errorf("--github-override: no token in $%s (the token is read from the environment only)", g.TokenEnv)
	}
	path := g.Getenv("GITHUB_EVENT_PATH")
	if path == "" {
		return nil, errors.New("--github-override: no $GITHUB_EVENT_PATH: the pull request is read from the workflow event")
	}
	ev, err := action.ReadEvent(g.Getenv("GITHUB_EVENT_NAME"), path)
	if err != nil {
		return nil, fmt.Errorf("--github-override: %w", err)
	}
	if ev.Number == 0 {
		return nil, fmt.Errorf("--github-override: the %s event names no pull request", cmp.Or(ev.Name, "workflow"))
	}
	r.number = ev.Number
	r.repo = cmp.Or(g.Repo, g.Getenv("GITHUB_REPOSITORY"), ev.Repo)
	if r.owner, r.name, err = action.SplitRepo(r.repo); err != nil {
		return nil, fmt.Errorf("--github-override: %w (pass --repo or set $GITHUB_REPOSITORY)", err)
	}
	r.apiURL = cmp.Or(g.Getenv("GITHUB_API_URL"), action.DefaultAPIURL)
	return r, nil
}

// judgeOverride judges doc with the trusted workspace's policies and, when
// the result has a blocking soft-mandatory deny and opts.Override asks
// for it, verifies the override label through the API; when it counts,
// the policies are judged again with every soft-mandatory deny
// overridden. An API error fails the check (exit 2): no verification, no
// override.
func (ws *Workspace) judgeOverride(ctx context.Context, opts CheckOptions, doc *evaluator.Document, base bool) (*report.Check, []policies.Rule, error) {
	req, err := opts.Override.request(ws.Config)
	if err != nil {
		return nil, nil, err
	}
	engine, err := ws.engine(ctx, opts.Policy, base)
	if err != nil {
		return nil, nil, err
	}
	rules := engine.Rules()
	chk, err := judge(ctx, engine, doc, opts.Overrides)
	if err != nil || req == nil || !overridable(chk) {
		return chk, rules, err
	}
	client, err := action.NewClient(req.apiURL, req.token, &action.Retry{Log: opts.Log})
	if err != nil {
		return nil, nil, fmt.Errorf("--github-override: %w", err)
	}
	label := req.cfg.Label
	o, err := action.VerifyOverride(ctx, client, req.owner, req.name, req.number, label, req.cfg.Teams)
	if err != nil {
		return nil, nil, err
	}
	if !o.Applied {
		fmt.Fprintf(opts.Log, "capcheck: override label %q does not count: %s; soft-mandatory denies stand\n", label, o.Reason)
		return chk, rules, nil
	}
	// The same prepared query, judged again with every soft-mandatory
	// deny overridden.
	if chk, err = judge(ctx, engine, doc, append(append([]string{}, opts.Overrides...), "*")); err != nil {
		return nil, nil, err
	}
	fmt.Fprintf(opts.Log, "capcheck: override label %q applied by @%s (%s): soft-mandatory denies cleared\n", label, o.By, o.Team)
	return chk, rules, nil
}

// overridable says whether an override would change chk: a
// soft-mandatory deny blocks.
func overridable(chk *report.Check) bool {
	for _, f := range chk.Findings {
		if f.Blocking && f.Level == policies.LevelDeny && f.Enforcement == policies.SoftMandatory {
			return true
		}
	}
	return false
}
