package main

import (
	"errors"
	"flag"
	"fmt"

	"github.com/capcheck/capcheck/action"
	"github.com/capcheck/capcheck/evaluator"
	"github.com/capcheck/capcheck/policies"
	"github.com/capcheck/capcheck/report"
	"github.com/capcheck/capcheck/schema"
)

// overrideFlags are `capcheck check`'s flags for the soft-mandatory
// override verified through the GitHub API (docs/ARCHITECTURE.md, "Policies").
type overrideFlags struct {
	github   bool
	tokenEnv string
}

func (of *overrideFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&of.github, "github-override", false, "in a pull request run, clear soft-mandatory denies when the trusted capcheck.yaml's override label is on the PR, applied last by an active member of one of its override teams (read through the GitHub API; nothing when the config has no override)")
	fs.StringVar(&of.tokenEnv, "token-env", "GITHUB_TOKEN", "environment variable holding the token for --github-override (needs issues read and organization members read)")
}

// overrideRequest is a pull request whose override label is to be
// verified.
type overrideRequest struct {
	cfg               *schema.Override
	token, apiURL     string
	repo, owner, name string
	number            int
}

// request reads what --github-override needs from the
// environment. It is nil when the flag is off or the trusted configuration
// has no override section; a missing token, repository or pull request
// number is an error, since the flag asked for the check.
func (of *overrideFlags) request(e *env, cfg *schema.Config, repoFlag string) (*overrideRequest, error) {
	if !of.github || cfg == nil || cfg.Override == nil {
		return nil, nil
	}
	r := &overrideRequest{cfg: cfg.Override}
	if r.token = e.getenv(of.tokenEnv); r.token == "" {
		return nil, fmt.Errorf("--github-override: no token in $%s (the token is read from the environment only)", of.tokenEnv)
	}
	path := e.getenv("GITHUB_EVENT_PATH")
	if path == "" {
		return nil, errors.New("--github-override: no $GITHUB_EVENT_PATH: the pull request is read from the workflow event")
	}
	ev, err := action.ReadEvent(e.getenv("GITHUB_EVENT_NAME"), path)
	if err != nil {
		return nil, fmt.Errorf("--github-override: %w", err)
	}
	if ev.Number == 0 {
		return nil, fmt.Errorf("--github-override: the %s event names no pull request", firstNonEmpty(ev.Name, "workflow"))
	}
	r.number = ev.Number
	r.repo = firstNonEmpty(repoFlag, e.getenv("GITHUB_REPOSITORY"), ev.Repo)
	if r.owner, r.name, err = action.SplitRepo(r.repo); err != nil {
		return nil, fmt.Errorf("--github-override: %w (pass --repo or set $GITHUB_REPOSITORY)", err)
	}
	r.apiURL = firstNonEmpty(e.getenv("GITHUB_API_URL"), action.DefaultAPIURL)
	return r, nil
}

// judgeOverride is judge with --github-override: when the result has a
// blocking soft-mandatory deny and the trusted configuration names an
// override, the label is verified through the API and, when it counts,
// the policies are judged again with every soft-mandatory deny overridden.
// An API error fails the check (exit 2): no verification, no override.
func judgeOverride(e *env, trusted *workspace, trustedDir string, cf *checkFlags, doc *evaluator.Document) (*report.Check, []policies.Rule, error) {
	req, err := cf.override.request(e, trusted.config, cf.repo)
	if err != nil {
		return nil, nil, err
	}
	engine, err := policyEngine(e, trusted, trustedDir, cf.policyDirs, cf.policyTimeout)
	if err != nil {
		return nil, nil, err
	}
	rules := engine.Rules()
	chk, err := judgeWith(e, engine, doc, cf.overrides)
	if err != nil || req == nil || !overridable(chk) {
		return chk, rules, err
	}
	client, err := action.NewClient(req.apiURL, req.token, &action.Retry{Log: e.stderr})
	if err != nil {
		return nil, nil, fmt.Errorf("--github-override: %w", err)
	}
	label := req.cfg.Label
	o, err := action.VerifyOverride(e.ctx, client, req.owner, req.name, req.number, label, req.cfg.Teams)
	if err != nil {
		return nil, nil, err
	}
	if !o.Applied {
		fmt.Fprintf(e.stderr, "capcheck: override label %q does not count: %s; soft-mandatory denies stand\n", label, o.Reason)
		return chk, rules, nil
	}
	// The same prepared query, judged again with every soft-mandatory
	// deny overridden.
	if chk, err = judgeWith(e, engine, doc, append(append([]string{}, cf.overrides...), "*")); err != nil {
		return nil, nil, err
	}
	fmt.Fprintf(e.stderr, "capcheck: override label %q applied by @%s (%s): soft-mandatory denies cleared\n", label, o.By, o.Team)
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
