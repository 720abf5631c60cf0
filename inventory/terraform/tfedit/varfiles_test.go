package tfedit

import (
	"strings"
	"testing"

	"github.com/capcheck/capcheck/inventory/terraform"
)

// oneRes is a root whose one reservation (us-east-1a) counts var.per_zone.
const oneRes = `variable "per_zone" {
  type = number
}

resource "aws_ec2_capacity_reservation" "fix_a" {
  instance_type     = "p5.48xlarge"
  instance_platform = "Linux/UNIX"
  availability_zone = "us-east-1a"
  instance_count    = var.per_zone
}
`

// A configured var file (capcheck.yaml terraform.var_files, --var-file)
// is applied to every root: its per_zone = 1 sets root b's count as well
// as root a's, so raising it for root a alone (1 → 2) would add an
// instance in root b the solver never asked for. Refused at the value
// (shared.tfvars line 1, column 12), naming root b; before, the file was
// edited and root b changed silently.
func TestSharedVarFileRefused(t *testing.T) {
	files := map[string]string{"a/main.tf": oneRes, "b/main.tf": oneRes, "shared.tfvars": "per_zone = 1\n"}
	root, opts := setup(t, files, terraform.Options{VarFiles: []string{"shared.tfvars"}})
	c := add("us-east-1a", 1)
	c.Root = "a"
	got := planErr(t, root, opts, c)
	want := "shared.tfvars:1:12: error: var.per_zone is set in shared.tfvars, a variable file applied to every root, and root b declares it too: changing it would change b's per_zone as well; make the change by hand"
	if got != want {
		t.Errorf("error\n%s\nwant\n%s", got, want)
	}
}

// Both roots raised alike by the same change to the shared value is one
// edit, 1 → 2, and allowed: nothing changes that the solver did not ask
// for.
func TestSharedVarFileBothRoots(t *testing.T) {
	files := map[string]string{"a/main.tf": oneRes, "b/main.tf": oneRes, "shared.tfvars": "per_zone = 1\n"}
	root, opts := setup(t, files, terraform.Options{VarFiles: []string{"shared.tfvars"}})
	ca, cb := add("us-east-1a", 1), add("us-east-1a", 1)
	ca.Root, cb.Root = "a", "b"
	ed := plan(t, root, opts, ca, cb)
	if got := strings.Join(ed.Files(), " "); got != "shared.tfvars" {
		t.Fatalf("edited %s", got)
	}
	if got := after(t, ed, "shared.tfvars"); got != "per_zone = 2\n" {
		t.Errorf("shared.tfvars: %q", got)
	}
}
