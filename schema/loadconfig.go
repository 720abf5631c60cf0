package schema

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"time"

	"github.com/capcheck/capcheck/internal/diag"
)

// LoadConfig reads ConfigFile (capcheck.yaml) at root, validated against
// #Config with its defaults. When the file does not exist it returns the
// defaults, with File empty.
func LoadConfig(root string) (*Config, error) {
	data, err := readInRoot(root, ConfigFile)
	if errors.Is(err, fs.ErrNotExist) {
		return DefaultConfig()
	}
	if err != nil {
		return nil, diag.Errorf(diag.Pos{File: ConfigFile}, "read config: %v", err)
	}
	return LoadConfigBytes(ConfigFile, data)
}

// LoadConfigFile reads a configuration file at rel (a slash path relative
// to root), for a --config flag.
func LoadConfigFile(root, rel string) (*Config, error) {
	data, err := readInRoot(root, rel)
	if err != nil {
		return nil, diag.Errorf(diag.Pos{File: filepath.ToSlash(rel)}, "read config: %v", err)
	}
	return LoadConfigBytes(rel, data)
}

// DefaultConfig is the configuration of a repository without capcheck.yaml:
// #Config with nothing set.
func DefaultConfig() (*Config, error) {
	return LoadConfigBytes("", []byte("{}"))
}

// LoadConfigBytes loads a configuration from data; name is the file name
// for positions and its extension says the format (YAML unless .json or
// .cue). An empty name means built-in defaults (no file).
func LoadConfigBytes(name string, data []byte) (*Config, error) {
	s, err := getSession()
	if err != nil {
		return nil, err
	}
	defer s.release()
	var cfg *Config
	ds := s.bounded(name, func() diag.Diagnostics {
		var ds diag.Diagnostics
		cfg, ds = s.loadConfig(name, data)
		return ds
	})
	if err := ds.Err(); err != nil {
		return nil, err
	}
	return cfg, nil
}

func (s *session) loadConfig(name string, data []byte) (*Config, diag.Diagnostics) {
	parseName := name
	if parseName == "" {
		parseName = "defaults.json"
	} else if formatOf(parseName) == formatUnknown {
		parseName += ".yaml"
	}
	doc, ds := s.parse(parseName, data)
	if ds != nil {
		return nil, renameFile(ds, parseName, name)
	}
	u, ds := doc.validate(s.ctx, s.config)
	if len(ds) == 0 {
		cfg := &Config{}
		dec := &decoder{doc: doc, positions: map[string]diag.Pos{}}
		dec.decodeNode(u, doc.utree, reflect.ValueOf(cfg).Elem(), "")
		ds = dec.diags
		if len(ds) == 0 {
			cfg.File = name
			if name != "" {
				cfg.Pos = diag.Pos{File: name, Line: 1, Column: 1}
				cfg.Positions = dec.positions
			} else {
				cfg.Positions = map[string]diag.Pos{}
			}
			cfg.Existing = ExistingReport
			if v, ok := cfg.Enforcement[EnforcementExisting]; ok {
				cfg.Existing = v
				delete(cfg.Enforcement, EnforcementExisting)
				if len(cfg.Enforcement) == 0 {
					cfg.Enforcement = nil
				}
			}
			if ds = checkConfig(cfg); len(ds) == 0 {
				return cfg, nil
			}
		}
	}
	return nil, renameFile(dedup(ds), parseName, name)
}

// renameFile undoes the extension added for parsing an oddly named file.
func renameFile(ds diag.Diagnostics, from, to string) diag.Diagnostics {
	for i := range ds {
		if ds[i].Pos.File == from {
			ds[i].Pos.File = to
		}
	}
	return ds
}

// EnforcementExisting is the key of `enforcement` that is not a rule id:
// the enforcement of existing findings, ExistingReport by default.
const (
	EnforcementExisting = "existing"
	ExistingReport      = "report"
)

var ruleIDRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]*$`)

// checkConfig checks the globs and paths of a decoded configuration.
func checkConfig(cfg *Config) diag.Diagnostics {
	var ds diag.Diagnostics
	at := func(p string) diag.Pos {
		if pos, ok := cfg.Positions[p]; ok {
			return pos
		}
		return cfg.Pos
	}
	if len(cfg.Plans) == 0 {
		ds = append(ds, diag.Diagnostic{Range: at("plans").Range(), Severity: diag.Error, Path: "plans", Msg: "plans must list at least one glob"})
	}
	if cfg.Override != nil && len(cfg.Override.Teams) == 0 {
		ds = append(ds, diag.Diagnostic{Range: at("override.teams").Range(), Severity: diag.Error, Path: "override.teams", Msg: "override needs at least one team"})
	}
	for i, pat := range cfg.Plans {
		p := indexPath("plans", i)
		expanded, err := expandBraces(pat)
		for _, e := range expanded {
			if err == nil {
				_, err = splitPattern(e)
			}
		}
		if err != nil {
			ds = append(ds, diag.Diagnostic{Range: at(p).Range(), Severity: diag.Error, Path: p, Msg: fmt.Sprintf("invalid glob %q: %v", pat, err)})
		}
	}
	paths := map[string][]string{
		"terraform.dirs":      cfg.Terraform.Dirs,
		"terraform.var_files": cfg.Terraform.VarFiles,
		"terraform.plan_json": cfg.Terraform.PlanJSON,
		"policies":            cfg.Policies,
	}
	if cfg.Catalog != "" {
		paths["catalog"] = []string{cfg.Catalog}
	}
	for _, key := range sortedKeys(paths) {
		for i, rel := range paths[key] {
			p := indexPath(key, i)
			if key == "catalog" {
				p = key
			}
			if rel != "." && !fs.ValidPath(rel) {
				ds = append(ds, diag.Diagnostic{Range: at(p).Range(), Severity: diag.Error, Path: p, Msg: fmt.Sprintf("%q must be a slash path inside the repository (no leading /, no ..)", rel)})
			}
		}
	}
	for i, pat := range cfg.Terraform.Exclude {
		p := indexPath("terraform.exclude", i)
		if _, err := splitPattern(pat); err != nil {
			ds = append(ds, diag.Diagnostic{Range: at(p).Range(), Severity: diag.Error, Path: p, Msg: fmt.Sprintf("invalid glob %q: %v", pat, err)})
		}
	}
	if d, err := time.ParseDuration(cfg.Kubernetes.HelmTimeoutText); err != nil || d <= 0 {
		const p = "kubernetes.helm_timeout"
		ds = append(ds, diag.Diagnostic{Range: at(p).Range(), Severity: diag.Error, Path: p,
			Msg: fmt.Sprintf("%q is not a positive duration (a Go duration such as \"90s\" or \"2m\")", cfg.Kubernetes.HelmTimeoutText)})
	} else {
		cfg.Kubernetes.HelmTimeout = d
	}
	for _, id := range sortedKeys(cfg.Enforcement) {
		if !ruleIDRE.MatchString(id) {
			p := "enforcement." + id
			ds = append(ds, diag.Diagnostic{Range: at(p).Range(), Severity: diag.Error, Path: p, Msg: fmt.Sprintf("rule id %q must match %s", id, ruleIDRE)})
		}
	}
	return ds
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
