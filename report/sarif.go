package report

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/url"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/capcheck/capcheck/evaluator"
	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/policies"
)

// SARIF 2.1.0 (https://docs.oasis-open.org/sarif/sarif/v2.1.0/), the
// subset GitHub code scanning reads. Optional properties are omitted when
// empty; arrays GitHub requires are never null.
const (
	sarifSchema  = "https://json.schemastore.org/sarif-2.1.0.json"
	sarifVersion = "2.1.0"
	// sarifFingerprint is the partialFingerprints key of capcheck results.
	sarifFingerprint = "capcheck/v1"
	informationURI   = "https://github.com/capcheck/capcheck"
)

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool       sarifTool         `json:"tool"`
	Results    []sarifResult     `json:"results"`
	Properties map[string]string `json:"properties,omitempty"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	InformationURI string      `json:"informationUri"`
	Version        string      `json:"version,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text string `json:"text"`
}

// sarifMessage is a multiformatMessageString: text, and Markdown for
// viewers that render it (GitHub shows help.markdown on an alert).
type sarifMessage struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifRule struct {
	ID                   string             `json:"id"`
	Name                 string             `json:"name"`
	ShortDescription     sarifText          `json:"shortDescription"`
	FullDescription      sarifText          `json:"fullDescription"`
	HelpURI              string             `json:"helpUri,omitempty"`
	Help                 sarifMessage       `json:"help"`
	DefaultConfiguration sarifConfiguration `json:"defaultConfiguration"`
	Properties           sarifRuleProps     `json:"properties"`
}

type sarifConfiguration struct {
	Level string `json:"level"`
}

type sarifRuleProps struct {
	Tags            []string `json:"tags"`
	Precision       string   `json:"precision"`
	ProblemSeverity string   `json:"problem.severity"`
	Enforcement     string   `json:"enforcement,omitempty"`
}

type sarifResult struct {
	RuleID              string             `json:"ruleId"`
	RuleIndex           int                `json:"ruleIndex"`
	Level               string             `json:"level"`
	Message             sarifText          `json:"message"`
	Locations           []sarifLocation    `json:"locations,omitempty"`
	PartialFingerprints map[string]string  `json:"partialFingerprints"`
	Suppressions        []sarifSuppression `json:"suppressions,omitempty"`
	// BaselineState is, in a pull request diff, new, unchanged, updated
	// (better or worse) or absent (fixed: the base's result).
	BaselineState string         `json:"baselineState,omitempty"`
	Properties    map[string]any `json:"properties,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           sarifRegion   `json:"region"`
}

type sarifArtifact struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
}

type sarifSuppression struct {
	Kind          string `json:"kind"`
	Justification string `json:"justification"`
}

// checkSARIF renders one SARIF run. Every rule of opts.Rules is described
// (plus any rule a finding names that has no metadata). Levels: a blocking
// finding is an error, a warning (or an advisory deny) a warning, an
// excepted or overridden finding a note with an external suppression.
//
// GitHub rejects a whole upload when one result has no location, so a
// finding without a file is anchored where its target is defined (the
// pool, plan, workload, reservation or benchmark in the document), else at
// line 1 of the first plan; properties.anchored says so. Only with nothing
// to anchor at is the result left without a location.
func checkSARIF(w io.Writer, c *Check, opts Options) error {
	rules := []sarifRule{}
	index := map[string]int{}
	add := func(r sarifRule) {
		if _, dup := index[r.ID]; dup {
			return
		}
		index[r.ID] = len(rules)
		rules = append(rules, r)
	}
	for _, r := range opts.Rules {
		add(sarifRuleOf(r, opts))
	}
	all := append(append([]policies.Finding{}, c.Findings...), fixedFindings(c)...)
	var extra []string
	for _, f := range all {
		if _, ok := index[f.Rule]; !ok && !contains(extra, f.Rule) {
			extra = append(extra, f.Rule)
		}
	}
	sort.Strings(extra)
	for _, id := range extra {
		title := ""
		for _, f := range all {
			if f.Rule == id && f.Title != "" {
				title = f.Title
				break
			}
		}
		add(sarifRuleOf(policies.Rule{ID: id, Title: title}, opts))
	}

	results := []sarifResult{}
	seen := map[string]int{}
	for _, f := range all {
		r := sarifResult{
			RuleID:    f.Rule,
			RuleIndex: index[f.Rule],
			Message:   sarifText{Text: orNone(f.Msg, f.Rule)},
		}
		switch kindOf(f) {
		case kindBlocking:
			r.Level = "error"
		case kindWarning:
			r.Level = "warning"
		case kindExcepted:
			r.Level = "note"
			r.Suppressions = []sarifSuppression{{Kind: "external", Justification: orNone(f.Exception, "excepted by the plan")}}
		case kindOverridden:
			r.Level = "note"
			r.Suppressions = []sarifSuppression{{Kind: "external", Justification: "soft-mandatory deny overridden by an authorised label"}}
		case kindExisting:
			r.Level = "warning"
		}
		r.BaselineState = sarifBaseline(f.Baseline)
		if f.Baseline == policies.BaselineAbsent {
			// A fixed finding: suppressed, so that a viewer that does not
			// read baselineState closes its alert rather than showing it.
			r.Level = "note"
			r.Suppressions = []sarifSuppression{{Kind: "external", Justification: "fixed by this change (the base's finding)"}}
		}
		pos, anchored := anchorOf(c, f)
		if pos.File != "" {
			r.Locations = []sarifLocation{{PhysicalLocation: sarifPhysical{
				ArtifactLocation: sarifArtifact{URI: uriOf(opts.repoPath(pos.File)), URIBaseID: "%SRCROOT%"},
				Region:           sarifRegion{StartLine: max(pos.Line, 1), StartColumn: pos.Column},
			}}}
		}
		if anchored != "" {
			r.Properties = map[string]any{"anchored": anchored}
		}
		if f.Baseline != "" {
			if r.Properties == nil {
				r.Properties = map[string]any{}
			}
			r.Properties["baseline"] = f.Baseline
		}
		key := f.Rule + "\x00" + f.Target
		if f.Target == "" {
			key += "\x00" + f.File + "\x00" + f.Msg
		}
		// The same rule on the same target twice stays two alerts.
		n := seen[key]
		seen[key]++
		if n > 0 {
			key += "\x00" + strconv.Itoa(n)
		}
		sum := sha256.Sum256([]byte(key))
		r.PartialFingerprints = map[string]string{sarifFingerprint: hex.EncodeToString(sum[:16])}
		results = append(results, r)
	}

	log := sarifLog{
		Schema:  sarifSchema,
		Version: sarifVersion,
		Runs: []sarifRun{{
			Tool: sarifTool{Driver: sarifDriver{
				Name: "capcheck", InformationURI: informationURI, Version: opts.Version, Rules: rules,
			}},
			Results:    results,
			Properties: map[string]string{"verdict": c.Verdict},
		}},
	}
	return writeJSON(w, log)
}

// sarifBaseline maps a finding's baseline state to SARIF's baselineState
// (§3.27.24): better and worse are both "updated".
func sarifBaseline(state string) string {
	switch state {
	case policies.BaselineBetter, policies.BaselineWorse:
		return "updated"
	}
	return state
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// sarifRuleOf describes a rule. Its default level is error for a deny
// that can block, warning otherwise. Its help is the rule's section of the
// catalogue (`capcheck doc`): title, description, level, enforcement and
// severity, with helpUri linking to the rule's Rego (see ruleHelpURI).
func sarifRuleOf(r policies.Rule, opts Options) sarifRule {
	level, sev := "warning", "warning"
	if strings.HasPrefix(r.Level, policies.LevelDeny) && r.Enforcement != policies.Advisory {
		level, sev = "error", "error"
	}
	short := orNone(r.Title, r.ID)
	full := orNone(r.Description, short)
	tags := []string{"capcheck", "gpu-capacity"}
	if r.Severity != "" {
		tags = append(tags, "severity:"+r.Severity)
	}
	out := sarifRule{
		ID:                   r.ID,
		Name:                 ruleName(r),
		ShortDescription:     sarifText{Text: short},
		FullDescription:      sarifText{Text: full},
		HelpURI:              ruleHelpURI(r, opts),
		DefaultConfiguration: sarifConfiguration{Level: level},
		Properties:           sarifRuleProps{Tags: tags, Precision: "very-high", ProblemSeverity: sev, Enforcement: r.Enforcement},
	}
	out.Help = sarifMessage{Text: full, Markdown: ruleHelpMarkdown(r, out.HelpURI)}
	return out
}

// ruleHelpMarkdown is the rule's catalogue section as policies.Doc writes
// it. Built-in metadata is capcheck's own Markdown and kept; a user rule's
// title and description are escaped paragraph by paragraph (mdText).
func ruleHelpMarkdown(r policies.Rule, helpURI string) string {
	esc := mdText
	if r.Builtin {
		esc = strings.TrimSpace
	}
	var b strings.Builder
	b.WriteString("**" + mdText(r.ID) + "**")
	if r.Title != "" {
		b.WriteString(": " + esc(strings.TrimSpace(r.Title)))
	}
	b.WriteString("\n\n")
	if d := strings.TrimSpace(r.Description); d != "" {
		for i, para := range strings.Split(d, "\n\n") {
			if i > 0 {
				b.WriteString("\n\n")
			}
			if r.Builtin {
				b.WriteString(para)
			} else {
				b.WriteString(esc(strings.Join(strings.Fields(para), " ")))
			}
		}
		b.WriteString("\n\n")
	}
	var facts []string
	if r.Level != "" {
		facts = append(facts, "level `"+mdCode(r.Level)+"`")
	}
	if r.Enforcement != "" {
		facts = append(facts, "enforcement `"+mdCode(r.Enforcement)+"`")
	}
	if r.Severity != "" {
		facts = append(facts, "severity "+mdText(r.Severity))
	}
	if len(facts) > 0 {
		s := strings.Join(facts, ", ")
		b.WriteString(strings.ToUpper(s[:1]) + s[1:] + ". ")
	}
	b.WriteString("`capcheck doc` prints the whole catalogue.")
	if helpURI != "" {
		b.WriteString(" [Rule source](" + helpURI + ")")
	}
	return b.String()
}

// mdCode keeps s inside a code span: backticks and line breaks dropped.
func mdCode(s string) string {
	return strings.NewReplacer("`", "", "\n", " ", "\r", " ").Replace(diag.Text(s))
}

// ruleHelpURI is where a rule is written down: a built-in rule's Rego in
// capcheck's repository at the release tag of this build (main for a
// development build), a user rule's file at the head commit of the
// repository being checked; "" when there is no such address (a user rule
// outside a GitHub checkout).
func ruleHelpURI(r policies.Rule, opts Options) string {
	file := r.Location.File
	if r.Builtin {
		name := path.Base(file)
		if name == "." || name == "/" || !strings.HasSuffix(name, ".rego") {
			return ""
		}
		ref := "main"
		if releaseTagRE.MatchString(opts.Version) {
			ref = opts.Version
		}
		return informationURI + "/blob/" + ref + "/policies/rego/" + url.PathEscape(name)
	}
	l := newLinker(opts)
	if l.base == "" || !relativePath(file) {
		return ""
	}
	u := l.base + uriOf(opts.repoPath(file))
	if r.Location.Line > 0 {
		u += "#L" + strconv.Itoa(r.Location.Line)
	}
	return u
}

// releaseTagRE matches a release tag (v1.2.3, v1.2.3-rc.1), the only
// versions that name a ref in capcheck's repository.
var releaseTagRE = regexp.MustCompile(`^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$`)

// ruleName is the rule's title in PascalCase ("HeadroomBelowThePlansMinimum…"),
// or its id without a title.
func ruleName(r policies.Rule) string {
	var b strings.Builder
	up := true
	for _, ch := range r.Title {
		switch {
		case unicode.IsLetter(ch) || unicode.IsDigit(ch):
			if up {
				ch = unicode.ToUpper(ch)
			}
			b.WriteRune(ch)
			up = false
		case ch == '\'' || ch == '’':
		default:
			up = true
		}
	}
	if b.Len() == 0 {
		return r.ID
	}
	return b.String()
}

// uriOf is a repository-relative path as a URI reference.
func uriOf(file string) string {
	segs := strings.Split(file, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

// anchorOf is where a finding is shown: its own position when it names a
// repository-relative file, else where its target is defined, else line 1
// of the first plan. anchored explains a borrowed position ("" for the
// finding's own).
func anchorOf(c *Check, f policies.Finding) (pos diag.Range, anchored string) {
	if relativePath(f.File) {
		return f.Range, ""
	}
	kind, name, _ := strings.Cut(f.Target, "/")
	if p := targetPos(c, kind, name); relativePath(p.File) {
		return p, "the finding has no location; shown where its target " + f.Target + " is defined"
	}
	if d := c.Document; d != nil {
		for _, p := range d.Plans {
			if relativePath(p.File) {
				return diag.Pos{File: p.File, Line: 1}.Range(), "the finding has no location; shown on the plan " + p.Name
			}
		}
	}
	return diag.Range{}, ""
}

// targetPos finds where a "kind/name" target is defined.
func targetPos(c *Check, kind, name string) diag.Range {
	if name == "" {
		return diag.Range{}
	}
	if kind == "pool" {
		for _, p := range c.Pools {
			if p.Name == name && p.Status != evaluator.StatusRemoved {
				return p.Location
			}
		}
	}
	d := c.Document
	if d == nil {
		return diag.Range{}
	}
	switch kind {
	case "plan":
		for _, p := range d.Plans {
			if p.Name == name {
				return p.Range
			}
		}
	case "workload":
		for _, w := range d.Workloads {
			if w.Name == name {
				return w.Location
			}
		}
	case "reservation":
		for _, r := range d.Reservations {
			if r.Address == name {
				return r.Range
			}
		}
		for _, u := range d.Unresolved {
			if u.Address == name {
				return u.Range
			}
		}
	case "benchmark":
		for _, b := range d.Benchmarks {
			if b.ID == name {
				return b.Location
			}
		}
	}
	return diag.Range{}
}
