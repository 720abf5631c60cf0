package schema

import (
	"time"

	"github.com/capcheck/capcheck/internal/diag"
)

// ConfigFile is the name of the repository configuration file.
const ConfigFile = "capcheck.yaml"

// Config is the repository's capcheck.yaml after validation against the
// #Config definition, defaults filled in.
type Config struct {
	File string   `json:"file,omitempty"` // relative path, empty when absent
	Pos  diag.Pos `json:"-"`

	// Plans are globs (doublestar "**" allowed) relative to the repository
	// root. Default: ["capacity/**/*.cue", "capacity/**/*.yaml",
	// "capacity/**/*.yml", "capacity/**/*.json"].
	Plans []string `json:"plans"`

	Terraform TerraformConfig `json:"terraform"`

	Kubernetes KubernetesConfig `json:"kubernetes"`

	// Policies are extra Rego directories, relative to the root.
	Policies []string `json:"policies,omitempty"`
	// Catalog is an optional user catalog file that extends or overrides the
	// built-in one.
	Catalog string `json:"catalog,omitempty"`
	// Enforcement raises or lowers a rule's enforcement level:
	// rule id -> "advisory" | "soft-mandatory" | "hard-mandatory".
	Enforcement map[string]string `json:"enforcement,omitempty"`
	// Existing is enforcement.existing: in a pull request diff, whether
	// findings already on the base that the change did not worsen block
	// ("block") or are only reported ("report", the default). The loader
	// moves it out of Enforcement, whose keys are rule ids.
	Existing string `json:"-"`
	// Override says who may clear a soft-mandatory deny: a PR label applied
	// by a member of one of Teams.
	Override *Override `json:"override,omitempty"`

	Positions map[string]diag.Pos `json:"-"`
}

// TerraformConfig says where reservations live.
type TerraformConfig struct {
	// Dirs are root module directories relative to the repository root
	// (default ["."]: every directory with .tf files that is not only
	// called as a module is treated as a root).
	Dirs []string `json:"dirs,omitempty"`
	// VarFiles are extra -var-file style files, applied after
	// terraform.tfvars and *.auto.tfvars in order.
	VarFiles []string `json:"var_files,omitempty"`
	// Vars are -var style values (HCL expressions as strings).
	Vars map[string]string `json:"vars,omitempty"`
	// PlanJSON are `terraform show -json` files used instead of HCL.
	PlanJSON []string `json:"plan_json,omitempty"`
	// Exclude are globs of paths to skip.
	Exclude []string `json:"exclude,omitempty"`
}

// KubernetesConfig says where Kubernetes manifests live.
type KubernetesConfig struct {
	// Dirs are manifest directories relative to the repository root
	// (default: every folder holding Kubernetes YAML; each Kustomize
	// overlay no other kustomization uses is rendered as one tree).
	Dirs []string `json:"dirs,omitempty"`
	// Exclude are globs of paths to skip.
	Exclude []string `json:"exclude,omitempty"`
	// Helm are the Helm releases to render (kubernetes.helm).
	Helm []HelmConfig `json:"helm,omitempty"`
	// HelmTimeoutText is kubernetes.helm_timeout as written, a Go
	// duration (default "2m"); HelmTimeout is its value, which the loader
	// requires to be positive: the time bound of one release's render.
	HelmTimeoutText string        `json:"helm_timeout"`
	HelmTimeout     time.Duration `json:"-"`
}

// HelmConfig is one kubernetes.helm entry: a chart directory and the
// values files (relative to the repository root, applied in order over
// the chart's values.yaml) a release of it is rendered with.
type HelmConfig struct {
	Chart     string   `json:"chart"`
	Values    []string `json:"values,omitempty"`
	Release   string   `json:"release,omitempty"`
	Namespace string   `json:"namespace,omitempty"`
}

// Override configures the soft-mandatory override.
type Override struct {
	Label string   `json:"label"`
	Teams []string `json:"teams"`
}
