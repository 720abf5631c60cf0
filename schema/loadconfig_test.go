package schema

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/capcheck/capcheck/internal/diag"
)

func TestLoadConfigAbsent(t *testing.T) {
	cfg, err := LoadConfig(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	want := &Config{
		Plans:     DefaultPlanPatterns(),
		Terraform: TerraformConfig{},
		// kubernetes.helm_timeout's default, "2m" in config.cue
		Kubernetes: KubernetesConfig{HelmTimeoutText: "2m", HelmTimeout: 2 * time.Minute},
		Existing:   "report",
		Positions:  map[string]diag.Pos{},
	}
	if diff := cmp.Diff(want, cfg); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}
}

func TestLoadConfig(t *testing.T) {
	root := t.TempDir()
	src := `# capcheck configuration
plans:
  - plans/**/*.{yaml,cue}
terraform:
  dirs: [infra/prod, infra/staging]
  var_files: [infra/prod.tfvars]
  vars: {region: '"us-east-1"'}
  plan_json: [build/plan.json]
  exclude: ["**/examples/**"]
kubernetes:
  helm_timeout: 90s
policies: [policy/extra]
catalog: catalog/gpus.json
enforcement:
  CAP007: hard-mandatory
  CAP001: soft-mandatory
  existing: block
override:
  label: capacity-override
  teams: [capacity-council]
`
	if err := os.WriteFile(filepath.Join(root, ConfigFile), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(root)
	if err != nil {
		t.Fatal(err)
	}
	want := &Config{
		File:  "capcheck.yaml",
		Pos:   diag.Pos{File: "capcheck.yaml", Line: 1, Column: 1},
		Plans: []string{"plans/**/*.{yaml,cue}"},
		Terraform: TerraformConfig{
			Dirs:     []string{"infra/prod", "infra/staging"},
			VarFiles: []string{"infra/prod.tfvars"},
			Vars:     map[string]string{"region": `"us-east-1"`},
			PlanJSON: []string{"build/plan.json"},
			Exclude:  []string{"**/examples/**"},
		},
		Kubernetes:  KubernetesConfig{HelmTimeoutText: "90s", HelmTimeout: 90 * time.Second},
		Policies:    []string{"policy/extra"},
		Catalog:     "catalog/gpus.json",
		Enforcement: map[string]string{"CAP007": "hard-mandatory", "CAP001": "soft-mandatory"},
		Existing:    "block",
		Override:    &Override{Label: "capacity-override", Teams: []string{"capacity-council"}},
	}
	if diff := cmp.Diff(want, cfg, cmpopts.IgnoreFields(Config{}, "Positions")); diff != "" {
		t.Errorf("config (-want +got):\n%s", diff)
	}
	// enforcement is on line 14; CAP001's value, on line 16, starts at
	// column 11.
	if got, want := cfg.Positions["enforcement.CAP001"], (diag.Pos{File: "capcheck.yaml", Line: 16, Column: 11}); got != want {
		t.Errorf("Positions[enforcement.CAP001] = %v, want %v", got, want)
	}
	// enforcement.existing is on line 17, its value at column 13 (CAP014
	// points there when a pull request changes it).
	if got, want := cfg.Positions["enforcement.existing"], (diag.Pos{File: "capcheck.yaml", Line: 17, Column: 13}); got != want {
		t.Errorf("Positions[enforcement.existing] = %v, want %v", got, want)
	}
	// kubernetes.helm_timeout's value is on line 11 at column 17 (after
	// "  helm_timeout: ", 16 characters).
	if got, want := cfg.Positions["kubernetes.helm_timeout"], (diag.Pos{File: "capcheck.yaml", Line: 11, Column: 17}); got != want {
		t.Errorf("Positions[kubernetes.helm_timeout] = %v, want %v", got, want)
	}
}

// TestLoadConfigExisting: enforcement.existing alone leaves no rule
// enforcement behind, and its default is report.
func TestLoadConfigExisting(t *testing.T) {
	for _, tc := range []struct {
		name, src, want string
	}{
		{name: "absent", src: "plans: [x]\n", want: "report"},
		{name: "enforcement without it", src: "enforcement: {CAP001: advisory}\n", want: "report"},
		{name: "report", src: "enforcement: {existing: report}\n", want: "report"},
		{name: "block", src: "enforcement: {existing: block}\n", want: "block"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := LoadConfigBytes(ConfigFile, []byte(tc.src))
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Existing != tc.want {
				t.Errorf("Existing = %q, want %q", cfg.Existing, tc.want)
			}
			if _, ok := cfg.Enforcement["existing"]; ok {
				t.Errorf("Enforcement = %v, still holds existing", cfg.Enforcement)
			}
		})
	}
}

func TestLoadConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		src  string
		want []string
	}{
		{
			name: "unknown field and bad level",
			src:  "plan: [x]\nenforcement:\n  CAP001: strict\n",
			want: []string{
				`capcheck.yaml:1:1: error: plan: field not allowed`,
				`capcheck.yaml:3:11: error: enforcement.CAP001: invalid value "strict" (must be one of "advisory", "soft-mandatory", "hard-mandatory")`,
			},
		},
		{
			name: "paths must stay inside the repository",
			src:  "plans: [../elsewhere/*.yaml]\npolicies: [/etc/policy]\nterraform: {dirs: [infra/../..]}\n",
			want: []string{
				`capcheck.yaml:1:9: error: plans[0]: invalid glob "../elsewhere/*.yaml": pattern may not leave the repository ("..")`,
				`capcheck.yaml:2:12: error: policies[0]: "/etc/policy" must be a slash path inside the repository`,
				`capcheck.yaml:3:20: error: terraform.dirs[0]: "infra/../.." must be a slash path inside the repository`,
			},
		},
		{
			name: "existing is block or report",
			src:  "enforcement:\n  existing: always\n",
			want: []string{
				`capcheck.yaml:2:13: error: enforcement.existing: invalid value "always" (must be one of "block", "report")`,
			},
		},
		{
			name: "override without teams",
			src:  "override: {label: x}\n",
			want: []string{
				`capcheck.yaml:1:1: error: override.teams: field is required but missing`,
			},
		},
		{
			// Each value starts at column 28, after the 27 characters of
			// "kubernetes: {helm_timeout: ".
			name: "helm_timeout is a positive duration",
			src:  "kubernetes: {helm_timeout: soon}\n",
			want: []string{
				`capcheck.yaml:1:28: error: kubernetes.helm_timeout: "soon" is not a positive duration (a Go duration such as "90s" or "2m")`,
			},
		},
		{
			name: "helm_timeout zero",
			src:  "kubernetes: {helm_timeout: 0s}\n",
			want: []string{
				`capcheck.yaml:1:28: error: kubernetes.helm_timeout: "0s" is not a positive duration (a Go duration such as "90s" or "2m")`,
			},
		},
		{
			name: "helm_timeout overflows",
			src:  "kubernetes: {helm_timeout: 9999999999999h}\n",
			want: []string{
				`capcheck.yaml:1:28: error: kubernetes.helm_timeout: "9999999999999h" is not a positive duration (a Go duration such as "90s" or "2m")`,
			},
		},
		{
			name: "helm_timeout without a unit",
			src:  "kubernetes: {helm_timeout: 120}\n",
			want: []string{
				`capcheck.yaml:1:28: error: kubernetes.helm_timeout: conflicting values 120 and string (mismatched types int and string)`,
			},
		},
		{
			name: "empty lists",
			src:  "plans: []\noverride: {label: x, teams: []}\n",
			want: []string{
				`capcheck.yaml:1:1: error: plans: plans must list at least one glob`,
				`capcheck.yaml:2:22: error: override.teams: override needs at least one team`,
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadConfigBytes(ConfigFile, []byte(tc.src))
			checkDiagPrefixes(t, "LoadConfigBytes", err, tc.want)
		})
	}
}
