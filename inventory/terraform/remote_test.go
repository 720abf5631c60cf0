package terraform

import (
	"context"
	"testing"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/inventory"

	"github.com/capcheck/capcheck/internal/testkit"
	"github.com/google/go-cmp/cmp"
)

// TestDiscoverRemoteModules: a module call capcheck cannot read is
// unresolved at its block whatever its name, source or inputs say, so that
// nothing it may reserve counts as zero. Before, only calls whose text
// mentioned a GPU were listed: the git module below, reserving 32 H100s,
// passed.
func TestDiscoverRemoteModules(t *testing.T) {
	notInstalled := func(src, kind string) string {
		return `module source "` + src + `" (` + kind + `) is not local: capcheck cannot read what it declares; ` +
			`run terraform init -backend=false (no credentials needed) to install it in .terraform/modules, or pass terraform show -json output with --plan-json`
	}
	tests := []struct {
		name  string
		files map[string]string
		want  []inventory.Unresolved
	}{
		{
			name: "git module with a plain name",
			files: map[string]string{"main.tf": `
module "reservations" {
  source   = "git::https://example.com/infra.git//reservations?ref=v1.2.0"
  per_zone = 4
  zones    = ["a", "b"]
}
`},
			want: []inventory.Unresolved{{Address: "module.reservations", Range: diag.Pos{File: "main.tf", Line: 2, Column: 1}.Range(),
				Msg: notInstalled("git::https://example.com/infra.git//reservations?ref=v1.2.0", "a git repository")}},
		},
		{
			name: "every kind of source",
			files: map[string]string{"main.tf": `
module "a" { source = "app.terraform.io/acme/network/aws" }
module "b" { source = "github.com/acme/infra//modules/x" }
module "c" { source = "git@github.com:acme/infra.git" }
module "d" { source = "s3::https://s3-eu-west-1.amazonaws.com/acme/x.zip" }
module "e" { source = "gcs::https://www.googleapis.com/storage/v1/acme/x.zip" }
module "f" { source = "https://example.com/x.zip" }
module "g" { source = "hg::http://example.com/x" }
module "h" { source = "/opt/modules/x" }
module "i" { source = "modules/x" }
`},
			want: []inventory.Unresolved{
				{Address: "module.a", Range: diag.Pos{File: "main.tf", Line: 2, Column: 1}.Range(), Msg: notInstalled("app.terraform.io/acme/network/aws", "a module registry address")},
				{Address: "module.b", Range: diag.Pos{File: "main.tf", Line: 3, Column: 1}.Range(), Msg: notInstalled("github.com/acme/infra//modules/x", "a git repository")},
				{Address: "module.c", Range: diag.Pos{File: "main.tf", Line: 4, Column: 1}.Range(), Msg: notInstalled("git@github.com:acme/infra.git", "a git repository")},
				{Address: "module.d", Range: diag.Pos{File: "main.tf", Line: 5, Column: 1}.Range(), Msg: notInstalled("s3::https://s3-eu-west-1.amazonaws.com/acme/x.zip", "an S3 bucket")},
				{Address: "module.e", Range: diag.Pos{File: "main.tf", Line: 6, Column: 1}.Range(), Msg: notInstalled("gcs::https://www.googleapis.com/storage/v1/acme/x.zip", "a GCS bucket")},
				{Address: "module.f", Range: diag.Pos{File: "main.tf", Line: 7, Column: 1}.Range(), Msg: notInstalled("https://example.com/x.zip", "an HTTP URL")},
				{Address: "module.g", Range: diag.Pos{File: "main.tf", Line: 8, Column: 1}.Range(), Msg: notInstalled("hg::http://example.com/x", "a Mercurial repository")},
				{Address: "module.h", Range: diag.Pos{File: "main.tf", Line: 9, Column: 1}.Range(), Msg: notInstalled("/opt/modules/x", "an absolute path")},
				// Terraform reads "modules/x" (no ./) as a registry-less
				// remote address, not as the local directory.
				{Address: "module.i", Range: diag.Pos{File: "main.tf", Line: 10, Column: 1}.Range(), Msg: notInstalled("modules/x", "neither ./ nor ../")},
			},
		},
		{
			name: "count and for_each",
			files: map[string]string{"main.tf": `
variable "on" {
  default = false
}
module "off" {
  source = "acme/gpu/aws"
  count  = var.on ? 1 : 0
}
module "none" {
  source   = "acme/gpu/aws"
  for_each = {}
}
module "two" {
  source = "acme/gpu/aws"
  count  = 2
}
module "later" {
  source   = "acme/gpu/aws"
  for_each = toset(data.aws_availability_zones.z.names)
}
`},
			// off and none create no instance: nothing is unknown. two is
			// listed once, for the call; later's instances are unknown too.
			want: []inventory.Unresolved{
				{Address: "module.later", Range: diag.Pos{File: "main.tf", Line: 17, Column: 1}.Range(), Msg: notInstalled("acme/gpu/aws", "a module registry address")},
				{Address: "module.two", Range: diag.Pos{File: "main.tf", Line: 13, Column: 1}.Range(), Msg: notInstalled("acme/gpu/aws", "a module registry address")},
			},
		},
		{
			name: "inside a local module",
			files: map[string]string{
				"main.tf": `
module "net" {
  for_each = toset(["eu", "us"])
  source   = "./modules/net"
}
`,
				// No GPU resource here: the remote call alone makes it
				// worth evaluating.
				"modules/net/main.tf": `
module "vpc" {
  source = "terraform-aws-modules/vpc/aws"
}
`},
			want: []inventory.Unresolved{
				{Address: `module.net["eu"].module.vpc`, Range: diag.Pos{File: "modules/net/main.tf", Line: 2, Column: 1}.Range(), Msg: notInstalled("terraform-aws-modules/vpc/aws", "a module registry address")},
				{Address: `module.net["us"].module.vpc`, Range: diag.Pos{File: "modules/net/main.tf", Line: 2, Column: 1}.Range(), Msg: notInstalled("terraform-aws-modules/vpc/aws", "a module registry address")},
			},
		},
		{
			// modules.json without the call's key: the call was added
			// after init ran, and the stale copy in .terraform/modules/eks
			// is not read.
			name: "added after terraform init",
			files: map[string]string{
				"live/main.tf":                         "module \"eks\" {\n  source = \"terraform-aws-modules/eks/aws\"\n}\n",
				"live/.terraform/modules/modules.json": `{"Modules":[{"Key":"","Source":"","Dir":"."}]}`,
				"live/.terraform/modules/eks/main.tf":  reservation("hidden", "8"),
			},
			want: []inventory.Unresolved{{Address: "module.eks", Range: diag.Pos{File: "live/main.tf", Line: 1, Column: 1}.Range(),
				Msg: `module source "terraform-aws-modules/eks/aws" (a module registry address) is not local and live/.terraform/modules/modules.json records no module "eks": ` +
					`it was added after terraform init ran; run terraform init -backend=false again, or pass terraform show -json output with --plan-json`}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			inv := discover(t, testkit.TempTree(t, tc.files), Options{})
			for i := range tc.want {
				tc.want[i].Remedied = true // each message says what to do: terraform init, or --plan-json
			}
			if d := cmp.Diff(tc.want, inv.Unresolved); d != "" {
				t.Errorf("unresolved mismatch (-want +got):\n%s", d)
			}
			if len(inv.Reservations) != 0 {
				t.Errorf("reservations = %+v, want none", inv.Reservations)
			}
		})
	}
}

// TestDiscoverRemoteModuleErrors: the count of a remote module call is
// evaluated like any other, so its input errors are still errors.
func TestDiscoverRemoteModuleErrors(t *testing.T) {
	dir := testkit.TempTree(t, map[string]string{"main.tf": `
variable "n" {
  type = number
}
module "gpu" {
  source = "acme/gpu/aws"
  count  = var.n
}
`})
	_, err := Discover(context.Background(), dir, Options{})
	want := []string{`main.tf:2:1: error: variable "n" has no value; set it in terraform.tfvars or with --var-file`}
	if d := cmp.Diff(want, diagStrings(t, err)); d != "" {
		t.Errorf("diagnostics mismatch (-want +got):\n%s", d)
	}
}
