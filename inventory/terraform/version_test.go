package terraform

import (
	"context"
	"testing"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/internal/testkit"
	"github.com/capcheck/capcheck/inventory"
	"github.com/google/go-cmp/cmp"
)

// TestAllowVersion checks Terraform's constraint rules (hashicorp/go-version,
// which Terraform's configuration loader uses for installed modules).
func TestAllowVersion(t *testing.T) {
	tests := []struct {
		constraint, version string
		want                bool
	}{
		// = (or no operator) is exact; missing segments are zero.
		{"20.0", "20.0.0", true},
		{"= 20.0", "20.0.1", false},
		{"=20.31.6", "v20.31.6", true},
		{"1.0.0", "1.0.0+build.5", true}, // build metadata is ignored
		{"!= 20.1.0", "20.1.0", false},
		{"!= 20.1.0", "20.1.1", true},
		// Comparisons, and several conditions (all must hold).
		{"> 5.0", "5.0.0", false},
		{"> 5.0", "5.0.1", true},
		{">= 5.0, < 6.0", "5.16.0", true},
		{">= 5.0, < 6.0", "6.0.0", false},
		{"< 1.0, < 1.2", "1.1.5", false},
		{"<= 1.2", "1.2.0", true},
		{"<= 1.2", "1.2.1", false},
		// ~> lets only the rightmost written segment grow.
		{"~> 20.0", "20.31.6", true},
		{"~> 20.0", "21.0.0", false},
		{"~> 20.0", "19.9.9", false},
		{"~> 1.0.4", "1.0.10", true},
		{"~> 1.0.4", "1.0.3", false},
		{"~> 1.0.4", "1.1.0", false},
		{"~> 1.0.7", "1.0.7.5", true},
		{"~> 1.0.7", "1.0.6.99", false},
		{"~>1.2", "1.9", true},
		// A lone major: go-version keeps no segment fixed, so ~> 1 is
		// >= 1 (2.0.0 passes), as Terraform then accepts.
		{"~> 1", "2.0.0", true},
		{"~> 1", "0.9.0", false},
		// Pre-releases meet a comparison only when the condition names a
		// pre-release of the same segments; = and != compare exactly.
		{">= 2.0.0", "2.1.0-beta", false},
		{"> 2.0", "2.1.0-beta", false},
		{"~> 2.0", "2.1.0-beta", false},
		{">= 2.1.0-a", "2.1.0-beta", true}, // beta > a
		{">= 2.1.0-a", "2.1.1-beta", false},
		{">= 2.1.0-a", "2.1.1", true},
		{">= 2.1.0-a", "2.1.0", true}, // a release is above its pre-releases
		{"<= 2.1.0-a", "2.0.0", true},
		{"~> 2.1.0-a", "2.1.0-beta", true},
		{"~> 2.1.0-a", "2.1.0", false}, // ~> on a pre-release admits pre-releases only
		{"~> 2.1.0-a", "2.2.0-alpha", false},
		{"2.1.0-rc.1", "2.1.0-rc.1", true},
		{"2.1.0-rc.1", "2.1.0-rc.2", false},
		// Semantic versioning's pre-release order: numbers numerically and
		// below words, a shorter list first.
		{"> 1.0.0-rc.2", "1.0.0-rc.10", true},
		{"> 1.0.0-alpha", "1.0.0-alpha.1", true},
		{"> 1.0.0-alpha.1", "1.0.0-alpha.beta", true},
		{"> 1.0.0-beta.11", "1.0.0-rc.1", true},
	}
	for _, tc := range tests {
		cs, err := parseVersionConstraints(tc.constraint)
		if err != nil {
			t.Errorf("parseVersionConstraints(%q): %v", tc.constraint, err)
			continue
		}
		v, err := parseModuleVersion(tc.version)
		if err != nil {
			t.Errorf("parseModuleVersion(%q): %v", tc.version, err)
			continue
		}
		if got := allowVersion(cs, v); got != tc.want {
			t.Errorf("allowVersion(%q, %q) = %v, want %v", tc.constraint, tc.version, got, tc.want)
		}
	}
}

func TestParseVersionConstraintsErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", `malformed condition "": want an operator (=, !=, >, >=, <, <=, ~>) and a version`},
		{">= 1.x", `malformed condition ">= 1.x": "1.x" is not a version number`},
		{"~> 20.0,", `malformed condition "": want an operator (=, !=, >, >=, <, <=, ~>) and a version`},
		{"=> 1.0", `malformed condition "=> 1.0": want an operator (=, !=, >, >=, <, <=, ~>) and a version`},
		{"==1.0", `malformed condition "==1.0": "=1.0" is not a version number`},
		{">= 1.0 2.0", `malformed condition ">= 1.0 2.0": want an operator (=, !=, >, >=, <, <=, ~>) and a version`},
		{"99999999999999999999", `malformed condition "99999999999999999999": "99999999999999999999": version segment 99999999999999999999 is out of range`},
	}
	for _, tc := range tests {
		_, err := parseVersionConstraints(tc.in)
		if err == nil || err.Error() != tc.want {
			t.Errorf("parseVersionConstraints(%q) error = %v, want %q", tc.in, err, tc.want)
		}
	}
}

// installedEKS is a root calling the eks registry module with constraint,
// installed by terraform init at installed; the module holds 2 ×
// p5.48xlarge (16 H100).
func installedEKS(constraint, installed string) map[string]string {
	return map[string]string{
		"live/main.tf": "module \"eks\" {\n  source  = \"terraform-aws-modules/eks/aws\"\n  version = " + constraint + "\n}\n",
		"live/.terraform/modules/modules.json": `{"Modules":[{"Key":"","Source":"","Dir":"."},` +
			`{"Key":"eks","Source":"registry.terraform.io/terraform-aws-modules/eks/aws","Version":"` + installed + `","Dir":".terraform/modules/eks"}]}`,
		"live/.terraform/modules/eks/main.tf": reservation("gpu", "2"),
	}
}

// TestDiscoverInstalledVersion: an installed module whose version the
// call's constraint no longer allows is not read (Terraform would refuse
// to plan until init runs again): it is unresolved, saying what to run.
func TestDiscoverInstalledVersion(t *testing.T) {
	t.Run("allowed", func(t *testing.T) {
		inv := discover(t, testkit.TempTree(t, installedEKS(`"~> 20.0"`, "20.31.6")), Options{})
		if len(inv.Unresolved) != 0 || len(inv.Reservations) != 1 || inv.Reservations[0].GPUs != 16 {
			t.Errorf("inventory = %+v, want module.eks's 2 × 8 = 16 GPUs and nothing unresolved", inv)
		}
	})
	for _, tc := range []struct{ name, constraint, installed string }{
		{"constraint raised after init", `"~> 21.0"`, "20.31.6"},
		{"pre-release installed", `">= 20.0"`, "21.0.0-rc.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inv := discover(t, testkit.TempTree(t, installedEKS(tc.constraint, tc.installed)), Options{})
			want := []inventory.Unresolved{{Address: "module.eks", Range: diag.Pos{File: "live/main.tf", Line: 1, Column: 1}.Range(),
				Msg: `module source "terraform-aws-modules/eks/aws" (a module registry address) is not local and live/.terraform/modules/modules.json installed module "eks" at version ` +
					tc.installed + `, which its version constraint ` + tc.constraint + ` (live/main.tf:3:13) does not allow: the constraint changed after terraform init ran; ` +
					`run terraform init -upgrade -backend=false, or pass terraform show -json output with --plan-json`, Remedied: true}}
			if d := cmp.Diff(want, inv.Unresolved); d != "" {
				t.Errorf("unresolved mismatch (-want +got):\n%s", d)
			}
			if len(inv.Reservations) != 0 {
				t.Errorf("reservations = %+v, want none: the installed copy is not what Terraform would plan", inv.Reservations)
			}
		})
	}
}

func TestDiscoverVersionErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{
			name:  "malformed constraint",
			files: installedEKS(`">= 20.x"`, "20.31.6"),
			want:  []string{`live/main.tf:3:13: error: module "eks": invalid version constraint ">= 20.x": malformed condition ">= 20.x": "20.x" is not a version number`},
		},
		{
			// Terraform reads version before anything is known.
			name:  "not a literal",
			files: installedEKS(`var.v`, "20.31.6"),
			want:  []string{`live/main.tf:3:13: error: Invalid version constraint; The module version must be a literal string, like "~> 20.0".`},
		},
		{
			name:  "bad version in the manifest",
			files: installedEKS(`"~> 20.0"`, "latest"),
			want:  []string{`live/.terraform/modules/modules.json:1:1: error: the module manifest records version "latest" for module "eks": not a version number; run terraform init -backend=false again`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Discover(context.Background(), testkit.TempTree(t, tc.files), Options{})
			if d := cmp.Diff(tc.want, diagStrings(t, err)); d != "" {
				t.Errorf("diagnostics mismatch (-want +got):\n%s", d)
			}
		})
	}
}
