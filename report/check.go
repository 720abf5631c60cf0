package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/capcheck/capcheck/evaluator"
	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/policies"
)

// Check is the result of `capcheck check`: the verdict, a summary per pool
// (base → head in a PR diff), the findings, and the full policy input so
// that a saved result can serve as the base of a later run
// (`--compare-to`). It is the `--format json` contract of docs/ARCHITECTURE.md
// section 7, and every other format renders it.
type Check struct {
	Version  string                  `json:"version"`
	Verdict  string                  `json:"verdict"` // "pass" | "warn" | "fail"
	Now      string                  `json:"now"`
	Pools    []evaluator.PoolSummary `json:"pools"`
	Findings []policies.Finding      `json:"findings"`
	// Baseline is, in a pull request diff, the enforcement of existing
	// findings and the base's findings the head fixed; nil otherwise.
	// Each finding's own `baseline` says new, unchanged, better or worse.
	Baseline *policies.Baseline  `json:"baseline,omitempty"`
	Document *evaluator.Document `json:"document"`
	// PathPrefix is where the checked directory sits in the repository
	// (see Options.PathPrefix), kept so a saved result renders the same
	// links when `capcheck comment` posts it.
	PathPrefix string `json:"path_prefix,omitempty"`
}

// NewCheck assembles the result of evaluating doc with the policies. A nil
// res (no policy result) leaves the verdict empty, which every renderer
// refuses: a result that was not judged never renders as a pass.
func NewCheck(doc *evaluator.Document, res *policies.Result) *Check {
	c := &Check{
		Version:  evaluator.Version,
		Pools:    evaluator.Summarize(doc),
		Findings: []policies.Finding{},
		Document: doc,
	}
	if doc != nil {
		c.Now = doc.Now
	}
	if res != nil {
		c.Verdict = res.Verdict
		c.Findings = append(c.Findings, res.Findings...)
		c.Baseline = res.Baseline
	}
	return c
}

// maxCheckBytes bounds a saved result ReadCheck reads; a variable so
// tests can lower it.
var maxCheckBytes = 256 << 20

// ReadCheck decodes a result written by `--format json` (for `capcheck
// comment github` and `--compare-to`), checking its version and verdict.
// Unknown fields are ignored (extras are welcome in the contract).
//
// A saved result may come from an untrusted job (the two-stage fork
// workflow), so it is checked for consistency, not taken at its word: one
// JSON object of at most 256 MiB and nothing after it; every finding's
// level and enforcement known; a finding blocks exactly when it is a deny
// that is neither excepted, overridden nor advisory (a hard-mandatory deny
// can be neither excepted nor overridden, and only a soft-mandatory deny
// can be overridden), except an existing finding of a pull request diff,
// which blocks only when the result says existing findings block; every
// baseline state known, and a fixed finding never blocking; and the
// verdict is the one those findings give (fail
// when one blocks, warn when one is not excepted, pass otherwise). A
// doctored file cannot post a passing comment over a blocking finding.
// Syntax and type errors name the line and column.
func ReadCheck(r io.Reader) (*Check, error) {
	data, err := io.ReadAll(io.LimitReader(r, int64(maxCheckBytes)+1))
	if err != nil {
		return nil, fmt.Errorf("read check result: %w", err)
	}
	if len(data) > maxCheckBytes {
		return nil, fmt.Errorf("read check result: larger than the %d MiB limit", maxCheckBytes>>20)
	}
	var c Check
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&c); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			at := diag.PosAt("", data, int(se.Offset)-1)
			return nil, fmt.Errorf("read check result: line %d, column %d: %w", at.Line, at.Column, err)
		case errors.As(err, &te):
			at := diag.PosAt("", data, int(te.Offset))
			return nil, fmt.Errorf("read check result: line %d, column %d: %w", at.Line, at.Column, err)
		}
		return nil, fmt.Errorf("read check result: %w", err)
	}
	if off := dec.InputOffset(); len(bytes.TrimSpace(data[off:])) > 0 {
		at := diag.PosAt("", data, int(off)+len(data[off:])-len(bytes.TrimLeft(data[off:], " \t\r\n")))
		return nil, fmt.Errorf("read check result: line %d, column %d: data after the result object", at.Line, at.Column)
	}
	if c.Version != evaluator.Version {
		return nil, fmt.Errorf("read check result: version is %q, want %q", c.Version, evaluator.Version)
	}
	if _, err := verdictOf(&c); err != nil {
		return nil, fmt.Errorf("read check result: %w", err)
	}
	existing := ""
	if c.Baseline != nil {
		existing = c.Baseline.Existing
		if !policies.ValidExisting(existing) {
			return nil, fmt.Errorf("read check result: baseline.existing is %q, want %s or %s", existing, policies.ExistingReport, policies.ExistingBlock)
		}
		for i, f := range c.Baseline.Fixed {
			if f.Baseline != policies.BaselineAbsent || f.Blocking {
				return nil, fmt.Errorf("read check result: fixed finding %d (%s): baseline is %q and blocking %v, want absent and not blocking", i, f.Rule, f.Baseline, f.Blocking)
			}
		}
		if c.Baseline.Fixed == nil {
			c.Baseline.Fixed = []policies.Finding{}
		}
	}
	want := policies.VerdictPass
	for i, f := range c.Findings {
		at := fmt.Sprintf("finding %d (%s at %s)", i, f.Rule, posOr(f, "(no location)"))
		if f.Level != policies.LevelDeny && f.Level != policies.LevelWarn {
			return nil, fmt.Errorf("read check result: %s: level is %q, want deny or warn", at, f.Level)
		}
		switch f.Enforcement {
		case policies.Advisory, policies.SoftMandatory, policies.HardMandatory:
		default:
			return nil, fmt.Errorf("read check result: %s: enforcement is %q, want advisory, soft-mandatory or hard-mandatory", at, f.Enforcement)
		}
		switch {
		case f.Excepted && f.Enforcement == policies.HardMandatory:
			return nil, fmt.Errorf("read check result: %s: a hard-mandatory finding cannot be excepted", at)
		case f.Overridden && (f.Level != policies.LevelDeny || f.Enforcement != policies.SoftMandatory):
			return nil, fmt.Errorf("read check result: %s: only a soft-mandatory deny can be overridden", at)
		}
		switch {
		case c.Baseline == nil && f.Baseline != "":
			return nil, fmt.Errorf("read check result: %s: baseline is %q outside a diff", at, f.Baseline)
		case c.Baseline != nil && !validState(f.Baseline):
			return nil, fmt.Errorf("read check result: %s: baseline is %q, want new, unchanged, better or worse", at, f.Baseline)
		}
		blocking := f.Level == policies.LevelDeny && !f.Excepted && !f.Overridden && f.Enforcement != policies.Advisory &&
			(c.Baseline == nil || policies.BlocksAsExisting(f, existing))
		if f.Blocking != blocking {
			return nil, fmt.Errorf("read check result: %s: blocking is %v, but a %s %s finding (excepted %v, overridden %v) blocks: %v",
				at, f.Blocking, f.Enforcement, f.Level, f.Excepted, f.Overridden, blocking)
		}
		switch {
		case blocking:
			want = policies.VerdictFail
		case !f.Excepted && want == policies.VerdictPass:
			want = policies.VerdictWarn
		}
	}
	if c.Verdict != want {
		return nil, fmt.Errorf("read check result: verdict is %q, but the findings give %q", c.Verdict, want)
	}
	if c.Pools == nil {
		c.Pools = []evaluator.PoolSummary{}
	}
	if c.Findings == nil {
		c.Findings = []policies.Finding{}
	}
	return &c, nil
}

// fixedFindings are the base's findings the head no longer has.
func fixedFindings(c *Check) []policies.Finding {
	if c.Baseline == nil {
		return nil
	}
	return c.Baseline.Fixed
}

// validState reports whether s is the baseline state of a head finding.
func validState(s string) bool {
	switch s {
	case policies.BaselineNew, policies.BaselineUnchanged, policies.BaselineBetter, policies.BaselineWorse:
		return true
	}
	return false
}

// Options tune the renderers that link or describe findings.
type Options struct {
	// Rules give SARIF its rule metadata and titles (Engine.Rules()).
	Rules []policies.Rule
	// ServerURL is the GitHub server for links, "https://github.com" when
	// empty.
	ServerURL string
	// Repo is "owner/name"; with SHA, Markdown findings link to
	// ServerURL/Repo/blob/SHA/file#Lline.
	Repo string
	// SHA is the head commit the links point at.
	SHA string
	// MaxChars limits the Markdown body (DefaultMaxChars when zero).
	MaxChars int
	// Marker is the hidden first line that makes the PR comment sticky
	// (DefaultMarker when empty).
	Marker string
	// PathPrefix is where the checked directory sits in the repository
	// ("" for the root, "infra/capacity" for a subdirectory). Findings name
	// files relative to the checked directory; links, annotations and SARIF
	// locations need them relative to the repository.
	PathPrefix string
	// Version is the capcheck build that renders (`capcheck version`:
	// the release tag or module version, "dev" for a plain build); SARIF
	// names it as tool.driver.version and links built-in rules' help to
	// its tag. Empty leaves the driver's version out.
	Version string
	// Started is when the run began, Elapsed how long it took and
	// Hostname the machine it ran on: JUnit's timestamp, time and
	// hostname attributes. They are handed in (the command reads its
	// injected clock) so that a rendering is deterministic; zero values
	// give a time of 0 s, no timestamp and the hostname "localhost".
	Started  time.Time
	Elapsed  time.Duration
	Hostname string
	// Color colours the text format for a terminal (level labels and the
	// verdict); Quiet reduces it to the blocking findings (`--quiet`).
	// Every other format ignores both.
	Color, Quiet bool
}

// repoPath returns file relative to the repository root.
func (o Options) repoPath(file string) string {
	if o.PathPrefix == "" || o.PathPrefix == "." {
		return file
	}
	return path.Join(o.PathPrefix, file)
}

// Defaults of Options.
const (
	DefaultServerURL = "https://github.com"
	DefaultMaxChars  = 60000
	DefaultMarker    = "<!-- capcheck:comment -->"
)

var formats = []string{"text", "json", "markdown", "sarif", "github", "junit", "html"}

// Formats lists the formats Write renders.
func Formats() []string { return append([]string(nil), formats...) }

// Write renders c in format to w. The output is rendered in full before
// anything is written, so a failure never leaves a partial report. A result
// without a valid verdict, or whose verdict contradicts a blocking finding,
// is an error: nothing that was not judged renders as a pass.
func Write(w io.Writer, format string, c *Check, opts Options) error {
	if c == nil {
		return errors.New("render check: no result")
	}
	if _, err := verdictOf(c); err != nil {
		return fmt.Errorf("render check: %w", err)
	}
	if opts.ServerURL == "" {
		opts.ServerURL = DefaultServerURL
	}
	opts.ServerURL = strings.TrimRight(opts.ServerURL, "/")
	if opts.MaxChars == 0 {
		opts.MaxChars = DefaultMaxChars
	}
	if opts.Marker == "" {
		opts.Marker = DefaultMarker
	}
	if opts.PathPrefix == "" {
		opts.PathPrefix = c.PathPrefix
	}
	var buf bytes.Buffer
	var err error
	switch format {
	case "text", "":
		if opts.Quiet {
			err = quietText(&buf, c, style(opts.Color))
		} else {
			err = checkText(&buf, c, style(opts.Color))
		}
	case "json":
		err = checkJSON(&buf, c)
	case "markdown":
		err = checkMarkdown(&buf, c, opts)
	case "sarif":
		err = checkSARIF(&buf, c, opts)
	case "github":
		err = checkGitHub(&buf, c, opts)
	case "junit":
		err = checkJUnit(&buf, c, opts)
	case "html":
		err = checkHTML(&buf, c, opts)
	default:
		return errUnknownFormat("check", format, formats...)
	}
	if err != nil {
		return fmt.Errorf("render check as %s: %w", format, err)
	}
	_, err = w.Write(buf.Bytes())
	return err
}

func checkJSON(w io.Writer, c *Check) error {
	out := *c
	if out.Pools == nil {
		out.Pools = []evaluator.PoolSummary{}
	}
	if out.Findings == nil {
		out.Findings = []policies.Finding{}
	}
	return writeJSON(w, out)
}

// verdictOf validates the verdict: one of pass, warn, fail, and fail when a
// finding blocks.
func verdictOf(c *Check) (string, error) {
	switch c.Verdict {
	case policies.VerdictPass, policies.VerdictWarn, policies.VerdictFail:
	default:
		return "", fmt.Errorf("verdict is %q, want pass, warn or fail", c.Verdict)
	}
	if c.Verdict != policies.VerdictFail {
		for _, f := range c.Findings {
			if f.Blocking {
				return "", fmt.Errorf("verdict is %q but %s at %s blocks", c.Verdict, f.Rule, posOr(f, "(no location)"))
			}
		}
	}
	return c.Verdict, nil
}

// findingKind classifies a finding for display.
type findingKind int

const (
	kindBlocking   findingKind = iota // fails the check
	kindWarning                       // a warn, or a deny that is advisory
	kindOverridden                    // a soft-mandatory deny cleared by an override
	kindExcepted                      // covered by an active plan exception
	// kindExisting is a deny that would block but was already on the base
	// of a pull request at least as badly (enforcement.existing: report).
	kindExisting
)

func kindOf(f policies.Finding) findingKind {
	switch {
	case f.Blocking:
		return kindBlocking
	case f.Excepted:
		return kindExcepted
	case f.Overridden:
		return kindOverridden
	case f.Existing() && f.Level == policies.LevelDeny && f.Enforcement != policies.Advisory:
		return kindExisting
	}
	return kindWarning
}

// tally counts findings by findingKind; existingBlocking counts the
// blocking findings that were already on the base (enforcement.existing:
// block).
type tally struct {
	blocking, warnings, overridden, excepted, existing int
	existingBlocking                                   int
}

func tallyOf(fs []policies.Finding) tally {
	var t tally
	for _, f := range fs {
		switch kindOf(f) {
		case kindBlocking:
			t.blocking++
			if f.Existing() {
				t.existingBlocking++
			}
		case kindExisting:
			t.existing++
		case kindWarning:
			t.warnings++
		case kindOverridden:
			t.overridden++
		case kindExcepted:
			t.excepted++
		}
	}
	return t
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// cleared is " (1 overridden, 2 excepted)" or "".
func (t tally) cleared() string {
	var parts []string
	if t.overridden > 0 {
		parts = append(parts, fmt.Sprintf("%d overridden", t.overridden))
	}
	if t.excepted > 0 {
		parts = append(parts, fmt.Sprintf("%d excepted", t.excepted))
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// suffix is what text-like formats append to a finding's message.
func suffix(f policies.Finding) string {
	switch kindOf(f) {
	case kindExcepted:
		if f.Exception != "" {
			return " (excepted: " + f.Exception + ")"
		}
		return " (excepted)"
	case kindOverridden:
		return " (overridden)"
	case kindExisting:
		return " (existing: already on the base)"
	case kindBlocking:
		switch {
		case f.Baseline == policies.BaselineWorse:
			return " (worse than on the base)"
		case f.Existing():
			return " (existing: already on the base)"
		}
	case kindWarning:
		if f.Level == policies.LevelDeny {
			return " (advisory)"
		}
	}
	return ""
}

// posOr is the finding's file:line:col, or alt without a file.
func posOr(f policies.Finding, alt string) string {
	if s := f.Pos.String(); s != "" {
		return s
	}
	return alt
}

// pct formats a fraction as a percentage with at most one decimal ("38%",
// "17.5%").
func pct(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "?"
	}
	s := strconv.FormatFloat(100*f, 'f', 1, 64)
	s = strings.TrimSuffix(s, ".0")
	if s == "-0" {
		s = "0"
	}
	return s + "%"
}

// money formats a monthly cost in whole units with thousands separators:
// "$123,456" in USD (or no currency), "123,456 EUR" otherwise.
func money(f float64, currency string) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "?"
	}
	r := math.Round(f)
	digits := strconv.FormatFloat(math.Abs(r), 'f', 0, 64)
	var b strings.Builder
	if r < 0 {
		b.WriteString("−")
	}
	if currency == "" || currency == "USD" {
		b.WriteByte('$')
	}
	for i, d := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(d)
	}
	if currency != "" && currency != "USD" {
		b.WriteString(" " + currency)
	}
	return b.String()
}

// unitMoney formats a unit price (cost per 1,000 requests, per million
// tokens) to the cent, with three significant digits below a cent:
// "$2.22", "$0.00123", "1.30 EUR".
func unitMoney(f float64, currency string) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "?"
	}
	s := strconv.FormatFloat(f, 'f', 2, 64)
	if a := math.Abs(f); a > 0 && a < 0.005 {
		s = strconv.FormatFloat(f, 'g', 3, 64)
	}
	if currency == "" || currency == "USD" {
		return "$" + s
	}
	return s + " " + currency
}

// signedPct is a relative change: "+12.5%", "−41.6%", "±0%".
func signedPct(f float64) string {
	switch s := pct(f); {
	case strings.HasPrefix(s, "-"):
		return "−" + s[1:]
	case s == "0%":
		return "±0%"
	default:
		return "+" + s
	}
}

// signedMoney is a cost delta: "+$1,200", "−$30,000", "±$0".
func signedMoney(d float64, currency string) string {
	switch r := math.Round(d); {
	case r > 0:
		return "+" + money(d, currency)
	case r < 0:
		return money(d, currency)
	}
	return "±" + money(0, currency)
}

// orNone is s, or none when s is empty.
func orNone(s, none string) string {
	if s == "" {
		return none
	}
	return s
}

// cells of a pool row, one per column, for the text and Markdown tables.
type poolCells struct {
	reserved, peak, headroom, nplus, cliff, orderBy, backed, unbacked, cost string
}

// sideCells formats one side (base or head) of a pool.
func sideCells(p *evaluator.PoolSummary, check, cross string) poolCells {
	nplus := fmt.Sprintf("N+%d ", p.NPlusK)
	switch {
	case p.NPlusOK:
		nplus += check
	case p.NPlusRequired:
		nplus += cross
	default:
		nplus += cross + " (not required)"
	}
	headroom := pct(p.MinHeadroom)
	if p.MinHeadroomMonth != "" {
		headroom += " (" + p.MinHeadroomMonth + ")"
	}
	return poolCells{
		reserved: num(p.ReservedGPUs),
		peak:     num(p.RequiredGPUsPeak),
		headroom: headroom,
		nplus:    nplus,
		cliff:    orNone(p.Cliff, "none"),
		orderBy:  orNone(p.OrderBy, "-"),
		backed:   num(p.BackedGPUs),
		unbacked: num(p.UnbackedGPUs),
		cost:     costCell(p),
	}
}

// costCell is a pool's monthly cost, with its cross-region egress part
// when it has one: "$89,548 (incl. $268 egress)".
func costCell(p *evaluator.PoolSummary) string {
	s := money(p.MonthlyCost, p.Currency)
	if p.EgressMonthly > 0 {
		s += " (incl. " + money(p.EgressMonthly, p.Currency) + " egress)"
	}
	return s
}

// rowCells formats a pool's cells: "base → head" where a figure changed in
// a diff, the one side otherwise (the base side for a removed pool).
func rowCells(p *evaluator.PoolSummary, check, cross string) poolCells {
	if p.Status == evaluator.StatusRemoved && p.Base != nil {
		return sideCells(p.Base, check, cross)
	}
	head := sideCells(p, check, cross)
	if p.Base == nil {
		return head
	}
	base := sideCells(p.Base, check, cross)
	arrow := func(b, h string) string {
		if b == h {
			return h
		}
		return b + " → " + h
	}
	out := poolCells{
		reserved: arrow(base.reserved, head.reserved),
		peak:     arrow(base.peak, head.peak),
		headroom: arrow(base.headroom, head.headroom),
		nplus:    arrow(base.nplus, head.nplus),
		cliff:    arrow(base.cliff, head.cliff),
		orderBy:  arrow(base.orderBy, head.orderBy),
		backed:   arrow(base.backed, head.backed),
		unbacked: arrow(base.unbacked, head.unbacked),
		cost:     arrow(base.cost, head.cost),
	}
	// Say the shared part once: "30.8% → 17% (2026-06)", "N+1 ✓ → ✗".
	if p.MinHeadroomMonth != "" && p.MinHeadroomMonth == p.Base.MinHeadroomMonth && out.headroom != head.headroom {
		out.headroom = pct(p.Base.MinHeadroom) + " → " + pct(p.MinHeadroom) + " (" + p.MinHeadroomMonth + ")"
	}
	if prefix := fmt.Sprintf("N+%d ", p.NPlusK); p.NPlusK == p.Base.NPlusK && out.nplus != head.nplus {
		out.nplus = prefix + strings.TrimPrefix(base.nplus, prefix) + " → " + strings.TrimPrefix(head.nplus, prefix)
	}
	if out.cost != head.cost {
		out.cost += " (" + signedMoney(p.MonthlyCost-p.Base.MonthlyCost, p.Currency) + ")"
	}
	return out
}

// statusLabel marks new and removed pools in tables.
func statusLabel(p *evaluator.PoolSummary) string {
	switch p.Status {
	case evaluator.StatusNew, evaluator.StatusRemoved:
		return " (" + p.Status + ")"
	}
	return ""
}
