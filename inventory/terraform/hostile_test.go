package terraform

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/capcheck/capcheck/inventory"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/internal/testkit"
	"github.com/google/go-cmp/cmp"
)

func diagStrings(t *testing.T, err error) []string {
	t.Helper()
	var ds diag.Diagnostics
	if !errors.As(err, &ds) {
		t.Fatalf("error %v is not diag.Diagnostics", err)
	}
	var out []string
	for _, d := range ds {
		out = append(out, d.String())
	}
	return out
}

// reservation is a p5.48xlarge reservation whose instance_count is expr.
func reservation(name, expr string) string {
	return fmt.Sprintf(`resource "aws_ec2_capacity_reservation" %q {
  instance_type     = "p5.48xlarge"
  instance_platform = "Linux/UNIX"
  availability_zone = "us-east-1a"
  instance_count    = %s
}
`, name, expr)
}

// TestDiscoverHostile feeds pathological trees: each must end, quickly and
// within bounded memory, in positioned errors rather than a crash.
func TestDiscoverHostile(t *testing.T) {
	var chain strings.Builder // local a0 = local.a1 + 1 … a599 = 1
	chain.WriteString("locals {\n")
	for i := range 599 {
		fmt.Fprintf(&chain, "  a%d = local.a%d + 1\n", i, i+1)
	}
	chain.WriteString("  a599 = 1\n}\n")
	tests := []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{
			name: "module cycle no root reaches",
			files: map[string]string{
				"a/main.tf": "module \"b\" {\n  source = \"../b\"\n}\n" + reservation("a", "1"),
				"b/main.tf": "module \"a\" {\n  source = \"../a\"\n}\n",
			},
			want: []string{
				`a/main.tf:1:1: error: module "b": module cycle through b: no root module calls into it`,
				`b/main.tf:1:1: error: module "a": module cycle through a: no root module calls into it`,
			},
		},
		{
			name: "module calling itself through ../",
			files: map[string]string{
				"main.tf":   "module \"m\" {\n  source = \"./m\"\n}\n",
				"m/main.tf": reservation("r", "1") + "module \"again\" {\n  source = \"../m\"\n}\n",
			},
			want: []string{`m/main.tf:7:1: error: module "again": module cycle through m`},
		},
		{
			name:  "brackets nested too deep",
			files: map[string]string{"main.tf": reservation("r", strings.Repeat("(", 300)+"1"+strings.Repeat(")", 300))},
			// inside the resource's "{", the 256th "(" (column 23 + 255)
			// is level 257
			want: []string{`main.tf:5:278: error: expression nested more than 256 levels deep`},
		},
		{
			name:  "unary operators in a row",
			files: map[string]string{"gpu.tf": reservation("r", "1"), "main.tf": "locals {\n  x = " + strings.Repeat("!", 1001) + "true\n}\n"},
			// the 1001st "!" is at column 7 + 1000
			want: []string{`main.tf:2:1007: error: more than 1000 unary operators in a row`},
		},
		{
			name:  "operator chain too long",
			files: map[string]string{"gpu.tf": reservation("r", "1"), "main.tf": "locals {\n  x = " + strings.Repeat("1+", 20000) + "1\n}\n"},
			want:  []string{`main.tf:2:3: error: the expression of "x" has more than 20000 terms`},
		},
		{
			name:  "file too large",
			files: map[string]string{"big.tf": "# " + strings.Repeat("x", maxConfigSize) + "\n"},
			want:  []string{`big.tf: error: read: file is larger than 8 MiB`},
		},
		{
			name:  "reference chain too deep",
			files: map[string]string{"main.tf": chain.String() + reservation("r", "local.a0")},
			// a499's reference to a500 (column 10) is the 501st level
			want: []string{`main.tf:501:10: error: references nested more than 500 levels deep`},
		},
		{
			name: "instances multiplied through modules",
			files: map[string]string{
				"main.tf":       "module \"outer\" {\n  source = \"./outer\"\n  count  = 1000\n}\n",
				"outer/main.tf": "module \"inner\" {\n  source = \"../inner\"\n  count  = 1000\n}\n",
				"inner/main.tf": reservation("r", "1"),
			},
			// 1000 outer + 99 × 1000 inner = 100000; the 100th inner call
			// goes over
			want: []string{`outer/main.tf:3:12: error: module.outer[99].module.inner: more than 100000 resource and module instances in one root module (count and for_each multiply through nested modules)`},
		},
		{
			name: "dynamic for_each null",
			files: map[string]string{"main.tf": `resource "google_container_node_pool" "p" {
  node_count = 1
  node_config {
    machine_type = "n1-standard-8"
    dynamic "guest_accelerator" {
      for_each = null
      content {
        type  = "nvidia-tesla-t4"
        count = 1
      }
    }
  }
}
`},
			want: []string{`main.tf:6:18: error: dynamic "guest_accelerator": for_each must be a collection, got null`},
		},
		{
			name:  "invalid UTF-8",
			files: map[string]string{"gpu.tf": reservation("r", "1"), "main.tf": "locals {\n  x = \"\xff\xfe\"\n}\n"},
			want: []string{
				`main.tf:2:8: error: Invalid character encoding; All input files must be UTF-8 encoded. Ensure that UTF-8 encoding is selected in your editor.`,
				`main.tf:2:8: error: Unterminated template string; No closing marker was found for the string.`,
			},
		},
	}
	// A root whose files cannot declare capacity is not parsed at all
	// (mayHoldCapacity): the cases whose only file is hostile HCL sit
	// beside a reservation, so their root is parsed and bounded.
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := testkit.TempTree(t, tc.files)
			inv, err := Discover(context.Background(), dir, Options{})
			if err == nil {
				t.Fatalf("Discover = %+v, want errors %q", inv, tc.want)
			}
			if d := cmp.Diff(tc.want, diagStrings(t, err)); d != "" {
				t.Errorf("diagnostics mismatch (-want +got):\n%s", d)
			}
		})
	}
}

// TestDiscoverEncodingsAndLinks: CRLF line endings and a UTF-8 byte order
// mark parse like plain files, and a symlink loop in the tree ends the walk
// with an error at the link instead of recursing forever; excluding the
// link reads the rest.
func TestDiscoverEncodingsAndLinks(t *testing.T) {
	crlf := strings.ReplaceAll(reservation("crlf", "var.n"), "\n", "\r\n")
	dir := testkit.TempTree(t, map[string]string{
		"bom/main.tf":       "\ufeff" + reservation("bom", "2"),
		"crlf/main.tf":      "variable \"n\" {\r\n  default = 3\r\n}\r\n" + crlf,
		"crlf/loop/keep.tf": "",
	})
	if err := os.Symlink("..", filepath.Join(dir, "crlf", "loop", "up")); err != nil {
		testkit.SkipOrFailf(t, "symlinks unavailable: %v", err)
	}
	_, err := Discover(context.Background(), dir, Options{})
	wantErr := []string{`crlf/loop/up:1:1: error: symbolic link to ".." loops: it leads back to crlf, which contains it; remove it, or exclude it (terraform.exclude in capcheck.yaml)`}
	if d := cmp.Diff(wantErr, diagStrings(t, err)); d != "" {
		t.Errorf("diagnostics mismatch (-want +got):\n%s", d)
	}
	inv := discover(t, dir, Options{Exclude: []string{"crlf/loop/up"}})
	// bom: 2 × 8 H100 = 16; crlf: 3 × 8 = 24, the block at line 4
	want := []brief{
		{Address: "aws_ec2_capacity_reservation.bom", Line: 1, Kind: inventory.KindReservation, Type: "p5.48xlarge", Count: 2, GPU: "H100-SXM", GPUs: 16, Zone: "us-east-1a", Guaranteed: true},
		{Address: "aws_ec2_capacity_reservation.crlf", Line: 4, Kind: inventory.KindReservation, Type: "p5.48xlarge", Count: 3, GPU: "H100-SXM", GPUs: 24, Zone: "us-east-1a", Guaranteed: true},
	}
	if d := cmp.Diff(want, briefs(inv.Reservations)); d != "" {
		t.Errorf("reservations mismatch (-want +got):\n%s", d)
	}
}
