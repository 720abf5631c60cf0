package policies

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/open-policy-agent/opa/v1/ast"
)

// Enforcement levels, from weakest to strongest.
const (
	Advisory      = "advisory"
	SoftMandatory = "soft-mandatory"
	HardMandatory = "hard-mandatory"
)

// Finding levels.
const (
	LevelDeny = "deny"
	LevelWarn = "warn"
)

func validEnforcement(s string) bool {
	return s == Advisory || s == SoftMandatory || s == HardMandatory
}

// defaultEnforcement applies when a rule's metadata names none.
func defaultEnforcement(level string) string {
	if level == LevelDeny {
		return SoftMandatory
	}
	return Advisory
}

// Rule is one rule's metadata, read from its `# METADATA` block: the title
// and description, and custom.id, custom.severity and custom.enforcement.
type Rule struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description"`
	// Severity is "high", "medium" or "low" ("" when not given).
	Severity string `json:"severity,omitempty"`
	// Enforcement is the level in force: the configuration's, else
	// DefaultEnforcement.
	Enforcement string `json:"enforcement"`
	// DefaultEnforcement is the metadata's custom.enforcement, or the
	// default for the level (soft-mandatory for deny, advisory for warn).
	DefaultEnforcement string `json:"default_enforcement"`
	// Level is "deny", "warn", or "deny/warn" for a package with both.
	Level string `json:"level"`
	// Package is the Rego package without "data." (capcheck.rules.cap001).
	Package  string   `json:"package"`
	Location diag.Pos `json:"location"`
	Builtin  bool     `json:"builtin"`

	// declared is true when the metadata names an enforcement.
	declared bool
}

// enforcementFor is the enforcement of a finding of this rule at level.
func (r *Rule) enforcementFor(level string, overrides map[string]string) string {
	if e, ok := overrides[r.ID]; ok {
		return e
	}
	if r.declared {
		return r.DefaultEnforcement
	}
	return defaultEnforcement(level)
}

// collectRules reads rule metadata from the annotations of the collected
// packages. levels maps a package path to the set rules it defines ("deny",
// "warn"). builtin tells whether a module file is embedded.
func collectRules(c *ast.Compiler, levels map[string][]string, builtin map[string]bool) ([]Rule, diag.Diagnostics) {
	var ds diag.Diagnostics
	var candidates, rules []Rule
	where := map[string]diag.Pos{}
	for _, ar := range c.GetAnnotationSet().Flatten() {
		a := ar.Annotations
		if a == nil || a.Custom == nil {
			continue
		}
		pkg := ar.GetPackage()
		if pkg == nil {
			continue
		}
		pkgLevels, collected := levels[pkg.Path.String()]
		if !collected {
			continue
		}
		rawID, ok := a.Custom["id"]
		if !ok {
			continue
		}
		pos := locPos(a.Location)
		id, ok := rawID.(string)
		if !ok || strings.TrimSpace(id) == "" {
			ds = append(ds, diag.Diagnostic{Range: pos.Range(), Severity: diag.Error, Msg: fmt.Sprintf("METADATA custom.id must be a non-empty string, got %v", rawID)})
			continue
		}
		r := Rule{
			ID:          id,
			Title:       a.Title,
			Description: strings.TrimSpace(a.Description),
			Package:     pkgName(pkg.Path),
			Location:    pos,
			Builtin:     builtin[pos.File],
		}
		if rule := ar.GetRule(); rule != nil {
			name := rule.Head.Ref()[0].Value.String()
			if name != LevelDeny && name != LevelWarn {
				ds = append(ds, diag.Diagnostic{Range: pos.Range(), Severity: diag.Error, Msg: fmt.Sprintf("rule %s: METADATA with custom.id %s must annotate a deny or warn rule or the package, not %s", id, id, name)})
				continue
			}
			r.Level = name
		} else {
			if len(pkgLevels) == 0 {
				ds = append(ds, diag.Diagnostic{Range: pos.Range(), Severity: diag.Error, Msg: fmt.Sprintf("rule %s: package %s defines no deny or warn rule", id, r.Package)})
				continue
			}
			r.Level = strings.Join(pkgLevels, "/")
		}
		if s, ok := a.Custom["severity"]; ok {
			sev, _ := s.(string)
			if sev != "high" && sev != "medium" && sev != "low" {
				ds = append(ds, diag.Diagnostic{Range: pos.Range(), Severity: diag.Error, Msg: fmt.Sprintf("rule %s: METADATA custom.severity must be high, medium or low, got %v", id, s)})
				continue
			}
			r.Severity = sev
		}
		r.DefaultEnforcement = defaultEnforcement(strings.SplitN(r.Level, "/", 2)[0])
		if e, ok := a.Custom["enforcement"]; ok {
			enf, _ := e.(string)
			if !validEnforcement(enf) {
				ds = append(ds, diag.Diagnostic{Range: pos.Range(), Severity: diag.Error, Msg: fmt.Sprintf("rule %s: METADATA custom.enforcement must be advisory, soft-mandatory or hard-mandatory, got %v", id, e)})
				continue
			}
			r.DefaultEnforcement, r.declared = enf, true
		}
		r.Enforcement = r.DefaultEnforcement
		candidates = append(candidates, r)
	}
	// Built-in ids are taken first, so a user rule reusing one is the
	// duplicate, at the user's position.
	sort.SliceStable(candidates, func(i, j int) bool { return candidates[i].Builtin && !candidates[j].Builtin })
	for _, r := range candidates {
		if prev, dup := where[r.ID]; dup {
			ds = append(ds, diag.Diagnostic{Range: r.Location.Range(), Severity: diag.Error, Msg: fmt.Sprintf("rule id %s is already declared at %s", r.ID, prev)})
			continue
		}
		where[r.ID] = r.Location
		rules = append(rules, r)
	}
	sort.Slice(rules, func(i, j int) bool { return rules[i].ID < rules[j].ID })
	return rules, ds
}

// applyEnforcement sets the configured enforcement on rules, rejecting
// unknown levels and rule ids no rule declares (a typo would otherwise be a
// silent no-op).
func applyEnforcement(rules []Rule, config map[string]string) error {
	var unknown, bad []string
	byID := map[string]*Rule{}
	for i := range rules {
		byID[rules[i].ID] = &rules[i]
	}
	for id, e := range config {
		if !validEnforcement(e) {
			bad = append(bad, fmt.Sprintf("%s: %q", id, e))
			continue
		}
		r, ok := byID[id]
		if !ok {
			unknown = append(unknown, id)
			continue
		}
		r.Enforcement = e
	}
	slices.Sort(bad)
	slices.Sort(unknown)
	switch {
	case len(bad) > 0:
		return fmt.Errorf("enforcement must be advisory, soft-mandatory or hard-mandatory (%s)", strings.Join(bad, ", "))
	case len(unknown) > 0:
		return fmt.Errorf("enforcement names unknown rule %s (no policy declares it in its METADATA custom.id)", strings.Join(unknown, ", "))
	}
	return nil
}
