package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/capcheck/capcheck/evaluator"
	"github.com/capcheck/capcheck/policies"
	"github.com/capcheck/capcheck/report"
	"github.com/capcheck/capcheck/schema"
)

// checkFlags are `capcheck check`'s flags.
type checkFlags struct {
	load loadFlags
	reportFlags
	override   overrideFlags
	base       string
	compareTo  string
	repo       string
	sha        string
	serverURL  string
	pathPrefix string
}

func runCheck(e *env, args []string) int {
	fs := newFlags(e, "check", "[flags] [path]")
	var cf checkFlags
	cf.load.register(fs)
	cf.reportFlags.register(fs,
		"rule id whose soft-mandatory denies are overridden (verified by the caller, e.g. a PR label checked through the API; repeatable)",
		"evaluation date YYYY-MM-DD (default: $CAPCHECK_NOW, else today)")
	cf.override.register(fs)
	fs.StringVar(&cf.base, "base", "", "checkout of the base branch: report base → head and judge with the base's configuration, catalog, policies, thresholds and exceptions (the PR's changes to them are reported by CAP014)")
	fs.StringVar(&cf.compareTo, "compare-to", "", "saved `capcheck check --format json` result to use as the base (it carries plan thresholds and exceptions, not configuration: capcheck.yaml, the catalog and policy files are then the head's own)")
	fs.StringVar(&cf.repo, "repo", "", "owner/name for links in Markdown (default: $GITHUB_REPOSITORY)")
	fs.StringVar(&cf.sha, "sha", "", "head commit for links in Markdown (default: $GITHUB_SHA)")
	fs.StringVar(&cf.serverURL, "server-url", "", "GitHub server URL (default: $GITHUB_SERVER_URL, else https://github.com)")
	fs.StringVar(&cf.pathPrefix, "path-prefix", "", "where PATH sits in the repository, for links, annotations and SARIF (default: PATH relative to the enclosing git repository)")
	root, code, ok := parsePath(e, fs, args, "check")
	if !ok {
		return code
	}
	if cf.base != "" && cf.compareTo != "" {
		fmt.Fprintln(e.stderr, "capcheck check: --base and --compare-to cannot be used together")
		return exitError
	}
	outputs, ok := cf.outputs(e, "check")
	if !ok {
		return exitError
	}
	now, err := clock(e, cf.now)
	if err != nil {
		return fail(e, err)
	}

	chk, rules, err := check(e, root, now, &cf)
	if err != nil {
		return fail(e, err)
	}

	chk.PathPrefix = firstNonEmpty(cf.pathPrefix, repoPrefix(root))
	if err := emit(e, outputs, chk, reportOptions(e, rules, cf.repo, cf.sha, cf.serverURL)); err != nil {
		return fail(e, err)
	}
	return cf.exit(chk.Verdict)
}

// check loads, evaluates and judges the repository at root, with the base
// side (a checkout or a saved result) when asked.
//
// The trusted side: in a diff against a base checkout, configuration,
// catalog, policies, thresholds and exceptions come from the base, so a PR
// cannot relax its own checks. The head tree is read with the base's
// capcheck.yaml (plan globs, Terraform directories, excludes, variables,
// plan files) and catalog, its plans are judged with the base's settings,
// and the head's own configuration and trusted files are compared with
// the base's: each difference is reported by CAP014 and applies only after
// merge. A saved result (--compare-to) carries no configuration, so there
// only plan settings are trusted; the head's capcheck.yaml, catalog and
// policy files are used and a note on stderr says so.
func check(e *env, root string, now time.Time, cf *checkFlags) (*report.Check, []policies.Rule, error) {
	var (
		head, trusted *workspace
		trustedDir    = root
		baseDoc       *evaluator.Document
		changes       []evaluator.ConfigChange
		err           error
	)
	switch {
	case cf.base != "":
		// --plan-json is the plan of the tree at PATH (the head): the
		// base is read from its own Terraform, or from the plan files its
		// capcheck.yaml names.
		baseLoad := cf.load
		baseLoad.planJSON = nil
		trusted, err = loadWorkspace(e.ctx, cf.base, &baseLoad, true)
		if err != nil {
			return nil, nil, fmt.Errorf("base %s: %w", cf.base, err)
		}
		trustedDir = cf.base
		if head, changes, err = loadHeadTrusted(e, root, trusted, &cf.load); err != nil {
			return nil, nil, err
		}
		baseDoc, err = evaluate(trusted, now)
		if err != nil {
			return nil, nil, fmt.Errorf("base %s: %w", cf.base, err)
		}
	case cf.compareTo != "":
		if baseDoc, err = readSavedDocument(cf.compareTo); err != nil {
			return nil, nil, err
		}
		fmt.Fprintln(e.stderr, "capcheck: --compare-to: plan thresholds and exceptions come from the saved base result; capcheck.yaml, the catalog and policy files are the head's own (use --base DIR to take them from the base checkout)")
		fallthrough
	default:
		if head, err = loadWorkspace(e.ctx, root, &cf.load, true); err != nil {
			return nil, nil, err
		}
		trusted = head
	}

	if err := requireSomething(root, head); err != nil {
		return nil, nil, err
	}
	headPlans := head.plans
	if baseDoc != nil {
		headPlans = evaluator.ApplyTrusted(head.plans, baseDoc)
	}
	headDoc, err := evaluateWith(head, headPlans, now)
	if err != nil {
		return nil, nil, err
	}
	if baseDoc != nil {
		evaluator.MarkProposed(headDoc, head.plans)
		baseDoc.Base = nil
		baseDoc.ConfigChanges = nil
		headDoc.Base = baseDoc
		headDoc.ConfigChanges = changes
	}

	return judgeOverride(e, trusted, trustedDir, cf, headDoc)
}

// loadHeadTrusted reads the head tree at root with the base workspace's
// configuration and catalog, and lists how the head's own configuration
// and trusted files differ from the base's. The head's own capcheck.yaml
// must still be valid: after merge it is the one in force.
func loadHeadTrusted(e *env, root string, base *workspace, lf *loadFlags) (*workspace, []evaluator.ConfigChange, error) {
	st, err := os.Stat(root)
	if err != nil {
		return nil, nil, fmt.Errorf("read repository: %w", err)
	}
	if !st.IsDir() {
		return nil, nil, fmt.Errorf("read repository: %s is not a directory", root)
	}
	own, err := loadConfig(root, lf.config)
	if err != nil {
		return nil, nil, err
	}
	head, err := loadTree(e.ctx, root, base.config, base.catalog, lf, true)
	if err != nil {
		return nil, nil, err
	}
	baseFiles, err := trustedFiles(base.root, base.config, own)
	if err != nil {
		return nil, nil, fmt.Errorf("base %s: %w", base.root, err)
	}
	headFiles, err := trustedFiles(root, base.config, own)
	if err != nil {
		return nil, nil, err
	}
	changes := evaluator.ConfigChanges(
		evaluator.ConfigSide{Config: base.config, Files: baseFiles},
		evaluator.ConfigSide{Config: own, Files: headFiles},
	)
	return head, changes, nil
}

func evaluate(ws *workspace, now time.Time) (*evaluator.Document, error) {
	return evaluateWith(ws, ws.plans, now)
}

func evaluateWith(ws *workspace, plans []*schema.Plan, now time.Time) (*evaluator.Document, error) {
	trends, err := fitTrends(ws, plans, now)
	if err != nil {
		return nil, err
	}
	return evaluator.Evaluate(evaluator.Input{
		Plans:     plans,
		Inventory: ws.inv,
		GPUs:      ws.catalog,
		Now:       now,
		Trends:    trends,
	})
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

// requireSomething fails closed on a tree with nothing to judge: no plan
// matched the globs and Terraform reserves no GPU capacity (usually a
// wrong PATH or plan globs). Passing it would look like a clean check.
func requireSomething(root string, ws *workspace) error {
	if len(ws.plans) > 0 || len(ws.inv.Reservations) > 0 || len(ws.inv.Unresolved) > 0 {
		return nil
	}
	return fmt.Errorf("nothing to check under %s: no capacity plan matches %s and its Terraform reserves no GPU capacity; check PATH or the plans globs in capcheck.yaml",
		root, strings.Join(ws.config.Plans, ", "))
}

type output struct{ format, file string }

// pairOutputs pairs formats with out-files in order; formats beyond the
// out-files go to stdout, and at most one may.
func pairOutputs(formats, files []string) ([]output, error) {
	if len(formats) == 0 {
		formats = []string{"text"}
	}
	if len(files) > len(formats) {
		return nil, fmt.Errorf("%d --out-file for %d --format", len(files), len(formats))
	}
	known := map[string]bool{}
	for _, f := range report.Formats() {
		known[f] = true
	}
	var outs []output
	stdout := 0
	for i, f := range formats {
		if !known[f] {
			return nil, fmt.Errorf("unknown format %q (want %s)", f, formatList())
		}
		o := output{format: f}
		if i < len(files) {
			o.file = files[i]
		} else {
			stdout++
		}
		outs = append(outs, o)
	}
	if stdout > 1 {
		return nil, fmt.Errorf("%d formats would go to stdout; give each but one an --out-file", stdout)
	}
	return outs, nil
}

func writeOutput(stdout io.Writer, file string, data []byte) error {
	if file == "" || file == "-" {
		_, err := stdout.Write(data)
		return err
	}
	if err := os.WriteFile(file, data, 0o644); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// exitCode maps a verdict to the process exit code (docs/ARCHITECTURE.md, "Outputs and exit codes").
func exitCode(verdict string, failOnWarn, noFail bool) int {
	code := exitPass
	switch verdict {
	case policies.VerdictFail:
		code = exitPolicy
	case policies.VerdictWarn:
		if failOnWarn {
			code = exitPolicy
		}
	}
	if noFail && code == exitPolicy {
		return exitPass
	}
	return code
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// repoPrefix is root's directory relative to the enclosing git repository
// ("" when root is the repository's top or not in one).
func repoPrefix(root string) string {
	abs, err := filepath.Abs(root)
	if err != nil {
		return ""
	}
	for dir := abs; ; {
		if _, err := os.Lstat(filepath.Join(dir, ".git")); err == nil {
			rel, err := filepath.Rel(dir, abs)
			if err != nil || rel == "." {
				return ""
			}
			return filepath.ToSlash(rel)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}
